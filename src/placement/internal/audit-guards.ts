import { CONSTRAINT_KIND } from './gatekeeper';
import { PLACEMENT_POLICY_NAME } from './rules';
import { Manifests } from '../../audit/kit/model';
import { NODE_RESTRICTION_TENANT_LABEL } from '../../core/labels';

/** A placement guard found in the manifests, by engine. */
export interface PlacementGuard {
  /** The object findings name. */
  readonly object: any;
  /** What keeps it from holding, if anything. */
  readonly problem?: string;
  /** The namespaces it leaves alone. */
  readonly exempt: string[];
  /**
   * Whether its rules know the node-restriction attraction label (issue
   * #16). A guard of an earlier release does not: it treats a namespace
   * marked `dedicated-nodes=node-restriction` as having no dedicated nodes,
   * and holds its pods to nothing.
   */
  readonly knowsNodeRestriction: boolean;
}

/** Whether a guard's rules (any engine's text) name the node-restriction label. */
const knows = (rules: unknown) => JSON.stringify(rules ?? null).includes(NODE_RESTRICTION_TENANT_LABEL);

/** The ValidatingAdmissionPolicy and its binding. */
function vap(m: Manifests): PlacementGuard | undefined {
  const policy = m.kind('ValidatingAdmissionPolicy').find((p) => p.object.metadata?.name === PLACEMENT_POLICY_NAME)?.object;
  const binding = m.kind('ValidatingAdmissionPolicyBinding').find((b) => b.object.spec?.policyName === PLACEMENT_POLICY_NAME)?.object;
  if (!policy && !binding) return undefined;
  const exempt = (policy?.spec?.matchConstraints?.namespaceSelector?.matchExpressions ?? [])
    .filter((e: any) => e.key === 'kubernetes.io/metadata.name' && e.operator === 'NotIn').flatMap((e: any) => e.values ?? []);
  const problem = !policy ? 'is missing: any pod may tolerate the tenant\'s taint and run on its nodes'
    : !binding ? 'has no binding: a policy without its binding does nothing'
      : policy.spec?.failurePolicy === 'Ignore' ? 'does not fail closed'
        : !(binding.spec?.validationActions ?? []).includes('Deny') ? 'is bound without Deny' : undefined;
  return { object: policy ?? `ValidatingAdmissionPolicy ${PLACEMENT_POLICY_NAME}`, problem, exempt, knowsNodeRestriction: knows(policy?.spec) };
}

/** The Kyverno ValidatingPolicy (a ValidatingAdmissionPolicy with its validation actions in it). */
function kyvernoValidatingPolicy(m: Manifests): PlacementGuard | undefined {
  const policy = m.kind('ValidatingPolicy').find((p) => String(p.object.apiVersion).startsWith('policies.kyverno.io/') && p.object.metadata?.name === PLACEMENT_POLICY_NAME)?.object;
  if (!policy) return undefined;
  const spec = policy.spec ?? {};
  const exempt = (spec.matchConstraints?.namespaceSelector?.matchExpressions ?? [])
    .filter((e: any) => e.key === 'kubernetes.io/metadata.name' && e.operator === 'NotIn').flatMap((e: any) => e.values ?? []);
  // Kyverno's defaults: failurePolicy Fail, validationActions [Deny], admission evaluation on.
  const problem = (spec.validations ?? []).length === 0 ? 'has no validations: it checks nothing'
    : spec.failurePolicy === 'Ignore' ? 'does not fail closed'
      : spec.validationActions && !spec.validationActions.includes('Deny') ? 'does not deny (validationActions without Deny)'
        : spec.evaluation?.admission?.enabled === false ? 'is not evaluated at admission' : undefined;
  return { object: policy, problem, exempt, knowsNodeRestriction: knows(spec) };
}

/** The Kyverno ClusterPolicy (legacy) with the shared rules in `validate.cel`. */
function kyverno(m: Manifests): PlacementGuard | undefined {
  const policy = m.kind('ClusterPolicy').find((p) => p.object.apiVersion === 'kyverno.io/v1' && p.object.metadata?.name === PLACEMENT_POLICY_NAME)?.object;
  if (!policy) return undefined;
  const rules: any[] = (policy.spec?.rules ?? []).filter((r: any) => r.validate?.cel);
  // Kyverno's failure policy defaults to Fail; its failure action to Audit.
  const failurePolicy = policy.spec?.webhookConfiguration?.failurePolicy ?? policy.spec?.failurePolicy ?? 'Fail';
  const action = (r: any) => r.validate.failureAction ?? policy.spec?.validationFailureAction ?? 'Audit';
  const problem = rules.length === 0 ? 'has no validate.cel rule: it checks nothing'
    : failurePolicy === 'Ignore' ? 'does not fail closed'
      : rules.some((r) => action(r) !== 'Enforce') ? 'does not enforce (failureAction Audit only reports)' : undefined;
  const exempt = rules.flatMap((r) => (r.exclude?.any ?? []).flatMap((f: any) => f.resources?.namespaces ?? []));
  return { object: policy, problem, exempt, knowsNodeRestriction: knows(rules) };
}

/** The Gatekeeper Constraint and its ConstraintTemplate. */
function gatekeeper(m: Manifests): PlacementGuard | undefined {
  const constraint = m.kind(CONSTRAINT_KIND).find((c) => c.object.metadata?.name === PLACEMENT_POLICY_NAME)?.object;
  const template = m.kind('ConstraintTemplate').find((t) => t.object.metadata?.name === CONSTRAINT_KIND.toLowerCase())?.object;
  if (!constraint && !template) return undefined;
  const source = template?.spec?.targets?.[0]?.code?.find((c: any) => c.engine === 'K8sNativeValidation')?.source;
  const problem = !constraint ? 'has no Constraint: a template alone checks nothing'
    : !source ? `has no ConstraintTemplate ${CONSTRAINT_KIND.toLowerCase()} with CEL rules: the Constraint checks nothing`
      : source.failurePolicy === 'Ignore' ? 'does not fail closed'
        : (constraint.spec?.enforcementAction ?? 'deny') !== 'deny' ? `does not deny (enforcementAction ${constraint.spec.enforcementAction})` : undefined;
  return { object: constraint ?? template, problem, exempt: constraint?.spec?.match?.excludedNamespaces ?? [], knowsNodeRestriction: knows(source) };
}

/**
 * The placement guards in the manifests, whichever engine runs them: a
 * sound one if there is one, else every one found, with its problem.
 */
export function placementGuards(m: Manifests): PlacementGuard[] {
  const found = [vap(m), kyvernoValidatingPolicy(m), kyverno(m), gatekeeper(m)].filter((g): g is PlacementGuard => g !== undefined);
  const sound = found.find((g) => !g.problem);
  return sound ? [sound] : found;
}

