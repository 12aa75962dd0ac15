import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { boundedName } from './names';
import { placementRules, PLACEMENT_POLICY_NAME } from './rules';
import type { PlacementTerms } from './terms';
import { TENANT_LABEL } from '../../core/labels';

// OPA Gatekeeper 3.22 and later: ConstraintTemplates with the CEL engine
// (`K8sNativeValidation`, on by default since 3.17), whose expressions see
// the pod's namespace (`namespaceObject`) since 3.22; mutation with
// `Assign` (mutations.gatekeeper.sh/v1, stable since 3.10).

/** The kind of the Constraint; the template's name is its lowercase. */
export const CONSTRAINT_KIND = 'Cdk8sTenancyPlacement';

/**
 * The guard: a ConstraintTemplate whose CEL source is the shared rules, and
 * its one Constraint (the exempt namespaces are the Constraint's).
 *
 * Failing closed: the template says `failurePolicy: Fail` (a CEL error
 * denies) and `generateVAP: true`, so Gatekeeper also writes the rules into
 * a ValidatingAdmissionPolicy that the API server runs itself, with that
 * failure policy, even while Gatekeeper's webhook is down (Gatekeeper 3.20+
 * also binds it to the Constraint by default). Gatekeeper's own webhooks are
 * installed failing open (`failurePolicy: Ignore`); the README says how to
 * close them.
 */
export function gatekeeperGuard(scope: Construct, labels: Record<string, string>, exempt: string[]): void {
  const { variables, validations } = placementRules();
  const template = new ApiObject(scope, `${PLACEMENT_POLICY_NAME}-template`, {
    apiVersion: 'templates.gatekeeper.sh/v1',
    kind: 'ConstraintTemplate',
    metadata: { name: CONSTRAINT_KIND.toLowerCase(), labels },
    spec: {
      crd: { spec: { names: { kind: CONSTRAINT_KIND } } },
      targets: [{
        target: 'admission.k8s.gatekeeper.sh',
        code: [{
          engine: 'K8sNativeValidation',
          source: {
            failurePolicy: 'Fail',
            generateVAP: true,
            // Gatekeeper's field is `matchCondition` (singular). Its webhook
            // clears `object` on DELETE; there is nothing to judge then.
            matchCondition: [{ name: 'has-object', expression: 'object != null' }],
            variables,
            // Gatekeeper's validations have no `reason`.
            validations: validations.map(({ reason, ...rest }) => rest),
          },
        }],
      }],
    },
  });
  const constraint = new ApiObject(scope, `${PLACEMENT_POLICY_NAME}-constraint`, {
    apiVersion: 'constraints.gatekeeper.sh/v1beta1',
    kind: CONSTRAINT_KIND,
    metadata: {
      name: PLACEMENT_POLICY_NAME,
      labels,
      // Its CRD exists only once Gatekeeper has read the template.
      annotations: { 'argocd.argoproj.io/sync-options': 'SkipDryRunOnMissingResource=true' },
    },
    spec: {
      enforcementAction: 'deny',
      match: { scope: 'Namespaced', kinds: [{ apiGroups: [''], kinds: ['Pod'] }], excludedNamespaces: exempt },
    },
  });
  constraint.addDependency(template);
}

/**
 * The tenant's mutation, as in seed 003 part 3: two `Assign`s on pods in
 * the tenant's namespaces (selected by the tenant label, which tenants
 * cannot set). The toleration goes in by its key (`[key: ...]`): it is
 * added, or replaces a toleration of the same key, and other tolerations
 * stay. The affinity replaces the required node selector terms: each term is
 * an alternative, and every one must lead to the tenant's nodes.
 */
export function gatekeeperMutation(scope: Construct, labels: Record<string, string>, placement: PlacementTerms): void {
  const { toleration, nodeSelectorTerm, tenant } = placement;
  const assign = (id: string, suffix: string, location: string, value: unknown) => new ApiObject(scope, id, {
    apiVersion: 'mutations.gatekeeper.sh/v1',
    kind: 'Assign',
    metadata: { name: boundedName(PLACEMENT_POLICY_NAME, tenant, suffix), labels },
    spec: {
      applyTo: [{ groups: [''], kinds: ['Pod'], versions: ['v1'] }],
      match: {
        scope: 'Namespaced',
        kinds: [{ apiGroups: [''], kinds: ['Pod'] }],
        namespaceSelector: { matchLabels: { [TENANT_LABEL]: tenant } },
      },
      location,
      parameters: { assign: { value } },
    },
  });
  assign('PlacementToleration', 'toleration', `spec.tolerations[key: ${JSON.stringify(toleration.key)}]`, toleration);
  assign('PlacementAffinity', 'affinity', 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms', [nodeSelectorTerm]);
}
