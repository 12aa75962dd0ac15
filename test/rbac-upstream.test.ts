import { App, Chart } from 'cdk8s';
import { find, synthObjects } from './helpers/manifests';
import { ADMIN, EDIT, UPSTREAM_VERSION, UpstreamRule } from './upstream/rbac-bootstrap-v1.37';
import { SoftTenant, TenantMember } from 'cdk8s-tenancy';

/*
 * Every verb the tenant roles hold, compared with upstream `edit` (for
 * tenant-user) and `admin` (for tenant-admin) of the newest Kubernetes,
 * aggregation resolved. The differences are pinned one by one: a role that
 * gains or loses a right fails here until the README's list says why.
 */

const app = new App();
new SoftTenant(new Chart(app, 'team-a'), 'TeamA', {
  name: 'team-a', admins: [TenantMember.group('admins')], users: [TenantMember.group('users')],
});
const manifests = synthObjects(app);

/** `group/resource:verb` for every right a rule list grants. */
function rights(rules: UpstreamRule[]): Set<string> {
  const out = new Set<string>();
  for (const r of rules) for (const g of r.apiGroups) for (const res of r.resources) for (const v of r.verbs) out.add(`${g || 'core'}/${res}:${v}`);
  return out;
}
const minus = (a: Set<string>, b: Set<string>) => [...a].filter((x) => !b.has(x)).sort();
/** Collapses `g/r:verb` lists into `g/r: v1 v2` lines, as they read. */
function byResource(list: string[]): string[] {
  const m = new Map<string, string[]>();
  for (const x of list) {
    const [res, verb] = x.split(':');
    m.set(res, [...(m.get(res) ?? []), verb]);
  }
  return [...m].map(([res, verbs]) => `${res}: ${verbs.join(' ')}`);
}

const user = rights(find(manifests, 'Role', 'tenant-user', 'team-a').rules);
const admin = rights(find(manifests, 'Role', 'tenant-admin', 'team-a').rules);

/** What upstream `edit` grants and tenant-user does not, each for a reason the README states. */
const USER_MISSING = [
  // Read-only on Endpoints (CVE-2021-25740): as upstream since 1.22, so no difference; writes never existed upstream.
  'core/bindings: get list watch', // binding pods to nodes is the scheduler's
  'core/events: create delete deletecollection patch update', // tenants read events, they do not forge them
  'core/namespaces: get list watch', // the namespace object is the platform's (labels protected)
  'core/namespaces/status: get list watch',
  'core/persistentvolumeclaims/status: get list watch', // status subresources: read the object itself
  'core/pods/eviction: create',
  'core/replicationcontrollers/status: get list watch',
  'core/resourcequotas/status: get list watch',
  'core/serviceaccounts: impersonate', // never impersonate (security invariants)
  'core/serviceaccounts/token: create', // tokens reach pods through projected volumes only
  'core/services/status: get list watch',
  'apps/daemonsets/status: get list watch',
  'apps/deployments/status: get list watch',
  'apps/replicasets/status: get list watch',
  'apps/statefulsets/status: get list watch',
  'autoscaling/horizontalpodautoscalers/status: get list watch',
  'batch/cronjobs/status: get list watch',
  'batch/jobs/status: get list watch',
  'coordination.k8s.io/leases: create delete deletecollection get list patch update watch',
  'events.k8s.io/events: create delete deletecollection patch update',
  'extensions/*: every verb', // the extensions group is no longer served (1.16+)
  'networking.k8s.io/ingresses/status: get list watch',
  'networking.k8s.io/networkpolicies: create delete deletecollection patch update', // NetworkPolicies are the platform's
  'policy/poddisruptionbudgets/status: get list watch',
  'resource.k8s.io/resourceclaims: create delete deletecollection get list patch update watch', // devices (DRA) are not offered to tenants
  'resource.k8s.io/resourceclaims/status: get list watch',
  'resource.k8s.io/resourceclaimtemplates: create delete deletecollection get list patch update watch',
];

/** What tenant-user holds and upstream `edit` does not. */
const USER_EXTRA = [
  // get/list/watch on write-only subresources: no effect, those subresources serve no reads.
  'apps/deployments/rollback: get list watch',
];

/** What upstream `admin` adds to `edit` that tenant-admin does not get. */
const ADMIN_MISSING_BEYOND_USER = [
  'authorization.k8s.io/localsubjectaccessreviews: create',
  'rbac.authorization.k8s.io/rolebindings: create delete deletecollection patch update', // membership is declared in code
  'rbac.authorization.k8s.io/roles: create delete deletecollection patch update',
];

/** What tenant-admin adds to tenant-user: Istio configuration, not in upstream `admin` at all. */
const ADMIN_EXTRA_BEYOND_USER = [
  'networking.istio.io/destinationrules', 'networking.istio.io/gateways', 'networking.istio.io/serviceentries', 'networking.istio.io/sidecars',
  'networking.istio.io/virtualservices', 'networking.istio.io/workloadentries', 'networking.istio.io/workloadgroups',
  'security.istio.io/authorizationpolicies', 'security.istio.io/peerauthentications', 'security.istio.io/requestauthentications',
  'telemetry.istio.io/telemetries',
].map((r) => `${r}: create delete deletecollection get list patch update watch`);

/** Folds every `extensions/...` line into one: the group is gone from the API. */
const foldExtensions = (lines: string[]) => {
  const rest = lines.filter((l) => !l.startsWith('extensions/'));
  return rest.length === lines.length ? rest : [...rest, 'extensions/*: every verb'].sort();
};

test(`tenant-user against upstream edit (${UPSTREAM_VERSION}): every difference is a listed one`, () => {
  expect(foldExtensions(byResource(minus(rights(EDIT), user)))).toEqual([...USER_MISSING].sort());
  expect(byResource(minus(user, rights(EDIT)))).toEqual(USER_EXTRA);
});

test(`tenant-admin against upstream admin (${UPSTREAM_VERSION}): the user differences, RBAC read-only, Istio added`, () => {
  const missing = foldExtensions(byResource(minus(rights(ADMIN), admin)));
  expect(missing).toEqual([...USER_MISSING, ...ADMIN_MISSING_BEYOND_USER].sort());
  expect(byResource(minus(admin, rights(ADMIN)))).toEqual([...USER_EXTRA, ...ADMIN_EXTRA_BEYOND_USER].sort());
});

test('no tenant role writes endpoints or endpointslices (CVE-2021-25740), and both roles can read them', () => {
  for (const role of [user, admin]) {
    for (const verb of ['create', 'update', 'patch', 'delete', 'deletecollection']) {
      expect(role.has(`core/endpoints:${verb}`)).toBe(false);
      expect(role.has(`discovery.k8s.io/endpointslices:${verb}`)).toBe(false);
    }
    expect(['get', 'list', 'watch'].every((v) => role.has(`core/endpoints:${v}`) && role.has(`discovery.k8s.io/endpointslices:${v}`))).toBe(true);
  }
});
