import { Manifests, ref } from '../../audit/kit/model';
import { selects } from '../../audit/kit/selectors';
import { grants, WRITE_VERBS } from '../../core/rbac-limits';

export interface Rule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
}

export interface ResolvedRole {
  readonly name: string;
  readonly rules: Rule[];
  /** Why the rules cannot be trusted to stay what they are, if so. */
  readonly unbounded?: string;
}

const ALL = ['*'];
const WRITE = WRITE_VERBS;

/**
 * The built-in ClusterRoles, summarized by what matters here; they are
 * never in the manifests. `admin` and `edit` let a subject change
 * NetworkPolicies (and `admin` also RoleBindings and quota reading).
 */
const BUILT_IN: Record<string, Rule[]> = {
  'cluster-admin': [{ apiGroups: ALL, resources: ALL, verbs: ALL }],
  'admin': [
    { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: WRITE },
    { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: WRITE },
    { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] },
    { apiGroups: ['', 'apps', 'batch'], resources: ['pods', 'deployments', 'jobs', 'secrets', 'configmaps', 'services'], verbs: WRITE },
  ],
  'edit': [
    { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: WRITE },
    { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] },
    { apiGroups: ['', 'apps', 'batch'], resources: ['pods', 'deployments', 'jobs', 'secrets', 'configmaps', 'services'], verbs: WRITE },
  ],
  'view': [{ apiGroups: ['', 'apps', 'batch'], resources: ['pods', 'deployments', 'jobs', 'configmaps', 'services'], verbs: ['get', 'list', 'watch'] }],
};

/** Built-in ClusterRoles that aggregate others (CRDs add to them through aggregate-to-* labels). */
const AGGREGATED_BUILT_IN = new Set(['admin', 'edit', 'view']);

/** A subject as `Kind:namespace:name`, comparable across bindings. */
export function subjectKey(s: any, bindingNamespace?: string): string {
  return s.kind === 'ServiceAccount' ? `ServiceAccount:${s.namespace ?? bindingNamespace}:${s.name}` : `${s.kind}:${s.name}`;
}

/** Resolves what a roleRef grants; unknown roles resolve to no rules but say so. */
export function resolveRole(m: Manifests, roleRef: any, namespace?: string): ResolvedRole {
  if (roleRef.kind === 'Role') {
    const role = m.named('Role', roleRef.name, namespace);
    return role ? { name: ref(role.object), rules: role.object.rules ?? [] } : { name: `Role ${namespace}/${roleRef.name}`, rules: [], unbounded: 'is not in the audited manifests' };
  }
  // Tenants share ClusterRoles: resolve each once.
  return m.memo(`cluster-role:${roleRef.name}`, () => resolveClusterRole(m, roleRef));
}

function resolveClusterRole(m: Manifests, roleRef: any): ResolvedRole {
  const role = m.named('ClusterRole', roleRef.name);
  if (!role) {
    const builtIn = BUILT_IN[roleRef.name];
    if (!builtIn) return { name: `ClusterRole ${roleRef.name}`, rules: [], unbounded: 'is not in the audited manifests' };
    return AGGREGATED_BUILT_IN.has(roleRef.name)
      ? { name: `ClusterRole ${roleRef.name} (built-in)`, rules: builtIn, unbounded: 'aggregates the aggregate-to-' + roleRef.name + ' ClusterRoles, so any CRD installed later can widen it' }
      : { name: `ClusterRole ${roleRef.name} (built-in)`, rules: builtIn };
  }
  const aggregation = role.object.aggregationRule?.clusterRoleSelectors;
  if (aggregation) {
    const rules = m.kind('ClusterRole')
      .filter((r) => r !== role && aggregation.some((sel: any) => selects(sel, r.object.metadata?.labels ?? {})))
      .flatMap((r) => r.object.rules ?? []);
    return { name: ref(role.object), rules, unbounded: 'aggregates every ClusterRole carrying its selector labels, so any CRD installed later can widen it' };
  }
  return { name: ref(role.object), rules: role.object.rules ?? [] };
}

export { grants, WRITE };
