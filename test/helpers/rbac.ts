import { K8sObject } from './manifests';

/**
 * A small model of RBAC authorization over synthesized objects: may
 * `subject` do `verb` on `group/resource` in `namespace` (undefined:
 * cluster scope)? Follows Roles and ClusterRoles through RoleBindings and
 * ClusterRoleBindings, with `*` wildcards. Aggregation is refused, so a test
 * never trusts a role whose rules it cannot see.
 */
export interface Subject {
  readonly kind: 'User' | 'Group' | 'ServiceAccount';
  readonly name: string;
  readonly namespace?: string;
}

export function can(objects: K8sObject[], subject: Subject, verb: string, group: string, resource: string, namespace?: string): boolean {
  const matchesSubject = (s: any) => s.kind === subject.kind && s.name === subject.name && (subject.kind !== 'ServiceAccount' || s.namespace === subject.namespace);
  const roleRules = (kind: string, name: string, ns?: string): any[] => {
    const role = objects.find((o) => o.kind === kind && o.metadata.name === name && (kind === 'ClusterRole' || o.metadata.namespace === ns));
    if (!role) return [];
    if (role.aggregationRule) throw new Error(`${kind} ${name} is aggregated: its rules cannot be known from the manifests`);
    return role.rules ?? [];
  };
  const ruleAllows = (r: any) => {
    const has = (list: string[] | undefined, v: string) => (list ?? []).some((x) => x === '*' || x === v);
    return has(r.verbs, verb) && has(r.apiGroups, group) && has(r.resources, resource);
  };
  const rules: any[] = [];
  for (const b of objects.filter((o) => o.kind === 'ClusterRoleBinding' && (o.subjects ?? []).some(matchesSubject))) {
    rules.push(...roleRules('ClusterRole', b.roleRef.name));
  }
  if (namespace !== undefined) {
    for (const b of objects.filter((o) => o.kind === 'RoleBinding' && o.metadata.namespace === namespace && (o.subjects ?? []).some(matchesSubject))) {
      rules.push(...roleRules(b.roleRef.kind, b.roleRef.name, namespace));
    }
  }
  return rules.some(ruleAllows);
}
