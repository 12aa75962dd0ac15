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
 * isolation (MTB-PL1-CC-TI-1, MTB-PL1-BC-CPI-2). The audit reports tenant
 * roles that may write them, extra rights that would are refused at synth,
 * and a tenant's Argo CD project refuses them (its namespaced ones;
 * cluster-scoped kinds are refused whole). One list for all three, so they
 * cannot drift apart.
 */
export const ISOLATION_OBJECTS: readonly { group: string; resource: string; kind: string; namespaced: boolean }[] = [
  { group: 'networking.k8s.io', resource: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true },
  { group: '', resource: 'resourcequotas', kind: 'ResourceQuota', namespaced: true },
  { group: '', resource: 'limitranges', kind: 'LimitRange', namespaced: true },
  { group: 'rbac.authorization.k8s.io', resource: 'roles', kind: 'Role', namespaced: true },
  { group: 'rbac.authorization.k8s.io', resource: 'rolebindings', kind: 'RoleBinding', namespaced: true },
  { group: '', resource: 'namespaces', kind: 'Namespace', namespaced: false },
];

/** {@link ISOLATION_OBJECTS} as `[apiGroup, resource]` pairs, as RBAC rules name them. */
export const ISOLATION_RESOURCES: [string, string][] = ISOLATION_OBJECTS.map((o) => [o.group, o.resource]);

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
