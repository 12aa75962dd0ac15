import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { boundedName } from './names';
import { placementRules, PLACEMENT_POLICY_NAME } from './rules';
import type { PlacementTerms } from './terms';
import { TENANT_LABEL } from '../../core/labels';

// Kyverno's CEL policies (policies.kyverno.io/v1, served since Kyverno
// 1.16; checked against the 1.19.0 CRDs): a ValidatingPolicy is a
// ValidatingAdmissionPolicy run by Kyverno (same matchConstraints,
// variables and validations), a MutatingPolicy the same for a
// MutatingAdmissionPolicy (JSON patches computed in CEL).
//
// The legacy ClusterPolicies (kyverno.io/v1), for Kyverno 1.13 to 1.19:
// `validate.cel` with `variables` and `namespaceObject` arrived in 1.11,
// `webhookConfiguration.failurePolicy` and the rule-level
// `validate.failureAction` (which replace deprecated spec fields) in 1.13.
// Kyverno 1.17 deprecated ClusterPolicy; its removal is planned for 1.20.

/**
 * The pod rules the CEL policies hold, as in the ValidatingAdmissionPolicy.
 * `autogen.podControllers.controllers: []`: no rules generated for
 * Deployments, Jobs... (they would validate a Deployment before its pods are
 * mutated, and change templates a GitOps controller owns).
 * `evaluation.background.enabled: false`: the rules judge admission
 * requests (`request.operation`); the tenancy audit covers what runs.
 */
const POD_RULES = { apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] };
const CEL_POLICY_COMMON = {
  failurePolicy: 'Fail',
  evaluation: { background: { enabled: false } },
  autogen: { podControllers: { controllers: [] } },
};

/**
 * The guard: a ValidatingPolicy with the shared rules, failing closed
 * (`failurePolicy: Fail`) and denying (`validationActions: [Deny]`).
 */
export function kyvernoValidatingPolicy(scope: Construct, labels: Record<string, string>, exempt: string[]): void {
  new ApiObject(scope, `${PLACEMENT_POLICY_NAME}-kyverno`, {
    apiVersion: 'policies.kyverno.io/v1',
    kind: 'ValidatingPolicy',
    metadata: { name: PLACEMENT_POLICY_NAME, labels },
    spec: {
      ...CEL_POLICY_COMMON,
      validationActions: ['Deny'],
      matchConstraints: {
        resourceRules: [{ ...POD_RULES, operations: ['CREATE', 'UPDATE'] }],
        namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: exempt }] },
      },
      ...placementRules(),
    },
  });
}

/**
 * A JSON value as a CEL literal. Map values are wrapped in `dyn()`: CEL's
 * type checker (the API server's and Kyverno's) refuses a map literal whose
 * values differ in type (a toleration's strings beside a term's lists).
 */
function celLiteral(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(celLiteral).join(', ')}]`;
  if (x && typeof x === 'object') return `{${Object.entries(x).map(([k, v]) => `${JSON.stringify(k)}: dyn(${celLiteral(v)})`).join(', ')}}`;
  return JSON.stringify(x);
}

/**
 * The tenant's mutation as a MutatingPolicy: pods created in its namespaces
 * get its toleration (appended, unless already there: other tolerations
 * stay) and its required node affinity term (replacing any required terms:
 * each term is an alternative, and every one of them must lead to the
 * tenant's nodes). JSON patches, because tolerations and node selector
 * terms are atomic lists, which an apply configuration may not change; each
 * patch adds the first missing parent, as RFC 6902 needs the parent to
 * exist. CREATE only: a pod's affinity cannot change afterwards.
 */
export function kyvernoMutatingPolicy(scope: Construct, labels: Record<string, string>, placement: PlacementTerms): void {
  const { toleration, nodeSelectorTerm, tenant } = placement;
  const lit = celLiteral;
  const required = { nodeSelectorTerms: [nodeSelectorTerm] };
  const patch = (path: string, value: unknown) => `JSONPatch{op: "add", path: ${lit(path)}, value: ${lit(value)}}`;
  const same = `t, has(t.key) && t.key == ${lit(toleration.key)} && has(t.value) && t.value == ${lit(toleration.value)} && has(t.effect) && t.effect == ${lit(toleration.effect)}`;
  new ApiObject(scope, 'PlacementMutation', {
    apiVersion: 'policies.kyverno.io/v1',
    kind: 'MutatingPolicy',
    metadata: { name: boundedName(PLACEMENT_POLICY_NAME, tenant), labels },
    spec: {
      ...CEL_POLICY_COMMON,
      matchConstraints: {
        resourceRules: [{ ...POD_RULES, operations: ['CREATE'] }],
        namespaceSelector: { matchLabels: { [TENANT_LABEL]: tenant } },
      },
      // Once per request: a later mutation cannot undo ours without the guard refusing the pod.
      reinvocationPolicy: 'Never',
      mutations: [
        {
          patchType: 'JSONPatch',
          jsonPatch: {
            expression: `!has(object.spec.tolerations) ? [${patch('/spec/tolerations', [toleration])}]`
              + ` : object.spec.tolerations.exists(${same}) ? []`
              + ` : [${patch('/spec/tolerations/-', toleration)}]`,
          },
        },
        {
          patchType: 'JSONPatch',
          jsonPatch: {
            expression: `!has(object.spec.affinity) ? [${patch('/spec/affinity', { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: required } })}]`
              + ` : !has(object.spec.affinity.nodeAffinity) ? [${patch('/spec/affinity/nodeAffinity', { requiredDuringSchedulingIgnoredDuringExecution: required })}]`
              + ` : [${patch('/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution', required)}]`,
          },
        },
      ],
    },
  });
}

/**
 * Pod-level rules only: Kyverno would otherwise also write them for
 * Deployments, Jobs... ("autogen"), validating a Deployment before its pods
 * are mutated and changing the templates a GitOps controller owns.
 */
const NO_AUTOGEN = { 'pod-policies.kyverno.io/autogen-controllers': 'none' };

/**
 * The legacy guard: one ClusterPolicy whose `validate.cel` runs the shared rules.
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
 * The tenant's legacy mutation (ClusterPolicy): pods created in its namespaces get its toleration
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
