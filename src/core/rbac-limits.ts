/**
 * What tenant RBAC may never hold: one definition read by the audit's RBAC
 * checks (src/audit) and by the synth-time checks on the rights a platform
 * grants tenants (src/tenant), so that what the library writes and what the
 * audit flags cannot drift apart.
 */

/** One RBAC rule, as far as these checks read it. */
export interface RbacRuleLike {
  readonly apiGroups?: string[];
  readonly resources?: string[];
  readonly verbs?: string[];
}

/** The verbs that change an object. */
export const WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection'];

/**
 * Verbs that raise a subject's own rights: `escalate` (write a role with
 * rules one does not hold), `bind` (bind a role one does not hold),
 * `impersonate` (act as anyone) (MTB-PL2-CC-TI-1).
 */
export const ESCALATION_VERBS = ['escalate', 'bind', 'impersonate'];

/**
 * The objects that hold a tenant in (the library writes them, the
 * guardrails protect them): a tenant that may change them leaves its
 * isolation (MTB-PL1-CC-TI-1, MTB-PL1-BC-CPI-2). `[apiGroup, resource]`.
 */
export const ISOLATION_RESOURCES: [string, string][] = [
  ['networking.k8s.io', 'networkpolicies'], ['', 'resourcequotas'], ['', 'limitranges'],
  ['rbac.authorization.k8s.io', 'roles'], ['rbac.authorization.k8s.io', 'rolebindings'], ['', 'namespaces'],
];

/** The fields of a rule that must list names, never `*`. */
export const WILDCARD_FIELDS = ['apiGroups', 'resources', 'verbs'] as const;

/** Whether a rule grants one of `verbs` on `group/resource` (`*` matches anything). */
export function grants(rule: RbacRuleLike, verbs: string[], group: string, resource: string): boolean {
  const has = (list: string[] | undefined, v: string) => (list ?? []).some((x) => x === '*' || x === v);
  return verbs.some((v) => has(rule.verbs, v)) && has(rule.apiGroups, group) && has(rule.resources, resource);
}

/** The fields of a rule that use `*`. */
export function wildcardFields(rule: RbacRuleLike): string[] {
  return WILDCARD_FIELDS.filter((f) => (rule[f] ?? []).includes('*'));
}

/** The escalation verbs a rule grants by name. */
export function escalationVerbs(rule: RbacRuleLike): string[] {
  return ESCALATION_VERBS.filter((v) => (rule.verbs ?? []).includes(v));
}

/** The isolation resources a rule lets its subject change. */
export function isolationWrites(rule: RbacRuleLike): [string, string][] {
  return ISOLATION_RESOURCES.filter(([group, resource]) => grants(rule, WRITE_VERBS, group, resource));
}
