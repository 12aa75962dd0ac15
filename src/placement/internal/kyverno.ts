import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { boundedName } from './names';
import { placementRules, PLACEMENT_POLICY_NAME } from './rules';
import type { PlacementTerms } from './terms';
import { TENANT_LABEL } from '../../core/labels';

// Kyverno ClusterPolicies (kyverno.io/v1), for Kyverno 1.13 and later:
// `validate.cel` with `variables` and `namespaceObject` arrived in 1.11,
// `webhookConfiguration.failurePolicy` and the rule-level
// `validate.failureAction` (which replace deprecated spec fields) in 1.13.
// Kyverno 1.17 deprecated ClusterPolicy in favour of the CEL policy types
// (policies.kyverno.io/v1); it is served up to 1.19 (see README).

/**
 * Pod-level rules only: Kyverno would otherwise also write them for
 * Deployments, Jobs... ("autogen"), validating a Deployment before its pods
 * are mutated and changing the templates a GitOps controller owns.
 */
const NO_AUTOGEN = { 'pod-policies.kyverno.io/autogen-controllers': 'none' };

/**
 * The guard: one ClusterPolicy whose `validate.cel` runs the shared rules.
 * Kyverno's webhook fails closed (`failurePolicy: Fail`, also Kyverno's
 * default) unless Kyverno itself runs with `--forceFailurePolicyIgnore`.
 * `background: false`: the rules judge admission requests
 * (`request.operation`); the tenancy audit covers what already runs.
 */
export function kyvernoGuard(scope: Construct, labels: Record<string, string>, exempt: string[]): void {
  const { variables, validations } = placementRules();
  new ApiObject(scope, `${PLACEMENT_POLICY_NAME}-kyverno`, {
    apiVersion: 'kyverno.io/v1',
    kind: 'ClusterPolicy',
    metadata: { name: PLACEMENT_POLICY_NAME, labels, annotations: NO_AUTOGEN },
    spec: {
      background: false,
      webhookConfiguration: { failurePolicy: 'Fail' },
      rules: [{
        name: 'keep-pods-on-their-tenants-nodes',
        match: { any: [{ resources: { kinds: ['Pod'], operations: ['CREATE', 'UPDATE'] } }] },
        exclude: { any: [{ resources: { namespaces: exempt } }] },
        validate: { failureAction: 'Enforce', cel: { variables, expressions: validations } },
      }],
    },
  });
}

/**
 * The tenant's mutation: pods created in its namespaces get its toleration
 * (appended, unless already there: other tolerations stay) and its required
 * node affinity term (replacing any required terms: each term is an
 * alternative, and every one of them must lead to the tenant's nodes).
 * JSON patches, because Kyverno applies them with missing parents created
 * (`EnsurePathExistsOnAdd`), and tolerations have no merge key for a
 * strategic merge to append by. CREATE only: a pod's affinity cannot change
 * afterwards.
 */
export function kyvernoMutation(scope: Construct, labels: Record<string, string>, placement: PlacementTerms): void {
  const { toleration, nodeSelectorTerm, tenant } = placement;
  const resources = { kinds: ['Pod'], operations: ['CREATE'], namespaceSelector: { matchLabels: { [TENANT_LABEL]: tenant } } };
  const patch = (path: string, value: unknown) => JSON.stringify([{ op: 'add', path, value }]);
  const same = `key=='${toleration.key}' && value=='${toleration.value}' && effect=='${toleration.effect}'`;
  new ApiObject(scope, 'PlacementMutation', {
    apiVersion: 'kyverno.io/v1',
    kind: 'ClusterPolicy',
    metadata: { name: boundedName(PLACEMENT_POLICY_NAME, tenant), labels, annotations: NO_AUTOGEN },
    spec: {
      background: false,
      webhookConfiguration: { failurePolicy: 'Fail' },
      rules: [
        {
          name: 'tolerate-tenant-nodes',
          match: { any: [{ resources }] },
          preconditions: { all: [{ key: `{{ length(request.object.spec.tolerations[?${same}] || \`[]\`) }}`, operator: 'Equals', value: 0 }] },
          mutate: { patchesJson6902: patch('/spec/tolerations/-', toleration) },
        },
        {
          name: 'require-tenant-nodes',
          match: { any: [{ resources }] },
          mutate: {
            patchesJson6902: patch('/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms', [nodeSelectorTerm]),
          },
        },
      ],
    },
  });
}
