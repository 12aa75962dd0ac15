import { App, Chart } from 'cdk8s';
import { admit, AdmissionRequest } from './helpers/admission';
import { find, K8sObject, synthObjects } from './helpers/manifests';
import { GITOPS, kubeSystem, Requester, TENANT_ADMIN, TENANTS } from './helpers/requesters';
import {
  BreakGlassIdentity, CheckStatus, CORDON_POLICY_NAME, DELETION_PROTECTION_POLICY_NAME, GUARDRAILS_POLICY_NAME, SoftTenant, TenancyLabels,
  TenancyAudit, TenancyPlatform, TenantLifecycle, TenantMember,
} from 'cdk8s-tenancy';

/*
 * The tenant lifecycle (issue #21): deletion of a tenant's namespaces and
 * data takes two changes (offboarding marker first), a break-glass
 * identity bypasses it, and a cordon freezes the tenant's members. Proven
 * with the CEL model here, and against the real API server in
 * test/cluster/lifecycle.cluster.test.ts.
 */

const LIFECYCLE = 'cdk8s-tenancy.io/lifecycle';
const REASON = 'cdk8s-tenancy.io/lifecycle-reason';

/** An app with tenant team-a in `lifecycle` (and team-b, active, beside it). */
function synth(lifecycle?: TenantLifecycle): K8sObject[] {
  const app = new App();
  new TenancyPlatform(app, 'platform', { breakGlass: [BreakGlassIdentity.group('platform-break-glass'), BreakGlassIdentity.user('sre-oncall')] });
  const chart = new Chart(app, 'tenants');
  new SoftTenant(chart, 'A', {
    name: 'team-a',
    admins: [TenantMember.group('team-a-admins')],
    users: [TenantMember.group('team-a-users'), TenantMember.serviceAccount('ci', 'team-a-deployer')],
    lifecycle,
  });
  new SoftTenant(chart, 'B', { name: 'team-b', admins: [TenantMember.group('team-b-admins')] });
  return synthObjects(app);
}

const active = synth();
const cordoned = synth(TenantLifecycle.cordoned('incident INC-42: leaked credentials'));
const offboarding = synth(TenantLifecycle.offboarding('contract ended, OPS-1234'));

// Break-glass people are cluster admins (RBAC lets them delete namespaces),
// so the guardrails count them as the platform: only the deletion guard stands.
const BREAK_GLASS_GROUP: Requester = { userInfo: { username: 'carol', groups: ['platform-break-glass', 'system:authenticated'] }, authorizer: GITOPS.authorizer };
const BREAK_GLASS_USER: Requester = { userInfo: { username: 'sre-oncall', groups: ['system:authenticated'] }, authorizer: GITOPS.authorizer };
const OPERATOR: Requester = { userInfo: { username: 'olga', groups: ['team-a-operators', 'system:authenticated'] }, authorizer: () => false };
const CI_DEPLOYER: Requester = { userInfo: { username: 'system:serviceaccount:ci:team-a-deployer', groups: ['system:serviceaccounts', 'system:serviceaccounts:ci'] }, authorizer: () => false };
const NAMESPACE_CONTROLLER = kubeSystem('namespace-controller');
const GC = kubeSystem('generic-garbage-collector');
const REPLICASET_CONTROLLER = kubeSystem('replicaset-controller');

const RESOURCES = {
  Namespace: { group: '', version: 'v1', resource: 'namespaces' },
  PersistentVolumeClaim: { group: '', version: 'v1', resource: 'persistentvolumeclaims' },
  Secret: { group: '', version: 'v1', resource: 'secrets' },
  StatefulSet: { group: 'apps', version: 'v1', resource: 'statefulsets' },
  ConfigMap: { group: '', version: 'v1', resource: 'configmaps' },
  Pod: { group: '', version: 'v1', resource: 'pods' },
} as const;
type Kind = keyof typeof RESOURCES;

const data = (kind: Kind, extra: Record<string, any> = {}, namespace = 'team-a'): K8sObject =>
  ({ apiVersion: kind === 'StatefulSet' ? 'apps/v1' : 'v1', kind, metadata: { name: 'data', namespace, ...extra } });

/** A request on `object` in its namespace, as found in `manifests` (`terminating`: its deletion was allowed). */
function req(manifests: K8sObject[], who: Requester, operation: AdmissionRequest['operation'], object: K8sObject, terminating = false): AdmissionRequest {
  const kind = object.kind as Kind;
  if (kind === 'Namespace') {
    return { operation, resource: RESOURCES.Namespace, object: operation === 'DELETE' ? null : object, oldObject: operation === 'CREATE' ? null : object, ...who };
  }
  const ns = find(manifests, 'Namespace', object.metadata.namespace!);
  const namespaceObject = terminating ? { ...ns, metadata: { ...ns.metadata, deletionTimestamp: '2026-12-01T03:00:00Z' } } : ns;
  return {
    operation,
    resource: RESOURCES[kind],
    namespace: object.metadata.namespace,
    namespaceObject,
    object: operation === 'DELETE' ? null : object,
    oldObject: operation === 'CREATE' ? null : object,
    ...who,
  };
}
const deleteOf = (manifests: K8sObject[], who: Requester, object: K8sObject, terminating = false) => req(manifests, who, 'DELETE', object, terminating);

function denied(manifests: K8sObject[], r: AdmissionRequest, policy: string, message: RegExp): void {
  const result = admit(manifests, r);
  expect(result.errors).toEqual([]);
  expect(result.denials.map((d) => d.policy)).toEqual([policy]);
  expect(result.denials[0].message).toMatch(message);
}
function allowed(manifests: K8sObject[], r: AdmissionRequest): void {
  expect(admit(manifests, r)).toMatchObject({ allowed: true, errors: [], denials: [] });
}

const teamA = (m: K8sObject[]) => find(m, 'Namespace', 'team-a');
const DATA_KINDS: Kind[] = ['PersistentVolumeClaim', 'Secret', 'StatefulSet'];

describe('the marker on the namespaces', () => {
  test('an active tenant carries none (default ACTIVE)', () => {
    expect(teamA(active).metadata.labels).not.toHaveProperty(LIFECYCLE);
    expect(teamA(active).metadata.annotations ?? {}).not.toHaveProperty(REASON);
  });
  test.each([
    ['cordoned', cordoned, 'incident INC-42: leaked credentials'],
    ['offboarding', offboarding, 'contract ended, OPS-1234'],
  ])('a %s tenant carries its state and reason on every namespace', (state, m, reason) => {
    expect(teamA(m).metadata.labels).toMatchObject({ [LIFECYCLE]: state, [TenancyLabels.TENANT]: 'team-a' });
    expect(teamA(m).metadata.annotations).toMatchObject({ [REASON]: reason });
    expect(find(m, 'Namespace', 'team-b').metadata.labels).not.toHaveProperty(LIFECYCLE);
  });
  test('every namespace of a multi-namespace tenant', () => {
    const app = new App();
    new SoftTenant(new Chart(app, 'c'), 'A', { name: 'team-a', namespaces: ['team-a', 'team-a-batch'], lifecycle: TenantLifecycle.cordoned('audit') });
    const m = synthObjects(app);
    expect(['team-a', 'team-a-batch'].map((n) => find(m, 'Namespace', n).metadata.labels![LIFECYCLE])).toEqual(['cordoned', 'cordoned']);
  });
  test('TenancyLabels names the keys', () => {
    expect([TenancyLabels.LIFECYCLE, TenancyLabels.LIFECYCLE_REASON]).toEqual([LIFECYCLE, REASON]);
  });
  test('the platform chart holds both guards, bound, failing closed; the snapshot pins them', () => {
    for (const name of [DELETION_PROTECTION_POLICY_NAME, CORDON_POLICY_NAME]) {
      expect(find(active, 'ValidatingAdmissionPolicy', name).spec.failurePolicy).toBe('Fail');
      expect(find(active, 'ValidatingAdmissionPolicyBinding', name).spec).toEqual({ policyName: name, validationActions: ['Deny'] });
    }
    expect(active.filter((o) => [DELETION_PROTECTION_POLICY_NAME, CORDON_POLICY_NAME].includes(o.metadata.name))).toMatchSnapshot();
  });
  test('a tenant without admins or users still gets the guards (the deletion guard protects every tenant)', () => {
    const app = new App();
    new SoftTenant(new Chart(app, 'c'), 'A', { name: 'solo' });
    expect(synthObjects(app).filter((o) => o.kind === 'ValidatingAdmissionPolicy').map((p) => p.metadata.name)).toEqual(
      expect.arrayContaining([DELETION_PROTECTION_POLICY_NAME, CORDON_POLICY_NAME]));
  });
});

describe('deletion needs two steps', () => {
  const NOT_MARKED = /belongs to tenant team-a, which is not marked for offboarding: deleting the namespaces and data of a tenant takes two changes/;

  test('the GitOps controller deleting an active tenant\'s namespace is refused', () => {
    denied(active, deleteOf(active, GITOPS, teamA(active)), DELETION_PROTECTION_POLICY_NAME, /^namespace team-a belongs to tenant team-a, which is not marked for offboarding/);
  });
  test.each(DATA_KINDS)('the GitOps controller deleting a %s of an active tenant is refused', (kind) => {
    denied(active, deleteOf(active, GITOPS, data(kind)), DELETION_PROTECTION_POLICY_NAME, NOT_MARKED);
  });
  test.each(DATA_KINDS)('a cordoned tenant is not marked for offboarding: deleting its %s is refused', (kind) => {
    denied(cordoned, deleteOf(cordoned, GITOPS, data(kind)), DELETION_PROTECTION_POLICY_NAME, NOT_MARKED);
  });
  test('someone with rights in the namespace who is neither member nor platform may not delete data', () => {
    denied(active, deleteOf(active, OPERATOR, data('PersistentVolumeClaim')), DELETION_PROTECTION_POLICY_NAME, NOT_MARKED);
  });
  test('once marked offboarding (live), the GitOps controller may delete the namespace and its data', () => {
    allowed(offboarding, deleteOf(offboarding, GITOPS, teamA(offboarding)));
    for (const kind of DATA_KINDS) allowed(offboarding, deleteOf(offboarding, GITOPS, data(kind)));
  });
  test('the marker is read from the live namespace: the active namespace is what a DELETE judges', () => {
    // A single change that marks and removes the tenant deletes the namespace as it is live: unmarked.
    denied(offboarding, deleteOf(offboarding, GITOPS, teamA(active)), DELETION_PROTECTION_POLICY_NAME, NOT_MARKED);
  });
  test.each([['a break-glass group member', BREAK_GLASS_GROUP], ['the break-glass user', BREAK_GLASS_USER]])('%s may delete without the marker', (_, who) => {
    allowed(active, deleteOf(active, who, teamA(active)));
    for (const kind of DATA_KINDS) allowed(active, deleteOf(active, who, data(kind)));
  });
  test.each(DATA_KINDS)('the namespace controller empties a terminating namespace (%s), marker or not', (kind) => {
    allowed(active, deleteOf(active, NAMESPACE_CONTROLLER, data(kind), true));
  });
  test('the namespace controller is held like anyone in a namespace that is not terminating', () => {
    denied(active, deleteOf(active, NAMESPACE_CONTROLLER, data('Secret')), DELETION_PROTECTION_POLICY_NAME, NOT_MARKED);
  });
  describe.each([...TENANTS, ['declared service-account member', CI_DEPLOYER] as [string, Requester]])('a %s (active tenant)', (_, who) => {
    test.each(DATA_KINDS)('deletes its own %s', (kind) => allowed(active, deleteOf(active, who, data(kind))));
  });
  test('another tenant\'s members are not team-a\'s', () => {
    const other: Requester = { userInfo: { username: 'bea', groups: ['team-b-admins'] }, authorizer: () => false };
    denied(active, deleteOf(active, other, data('Secret')), DELETION_PROTECTION_POLICY_NAME, NOT_MARKED);
    const otherSa: Requester = { userInfo: { username: 'system:serviceaccount:team-b:app', groups: ['system:serviceaccounts'] }, authorizer: () => false };
    denied(active, deleteOf(active, otherSa, data('Secret')), DELETION_PROTECTION_POLICY_NAME, NOT_MARKED);
  });
  test('the garbage collector deletes claims owned by a Pod or a StatefulSet (ephemeral volumes, retention policy)', () => {
    allowed(active, deleteOf(active, GC, data('PersistentVolumeClaim', { ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'web-0', uid: 'u1' }] })));
    allowed(active, deleteOf(active, GC, data('PersistentVolumeClaim', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'u2' }] })));
  });
  test('the garbage collector may not cascade a custom resource\'s deletion into its data, nor delete unowned data', () => {
    const owned = data('PersistentVolumeClaim', { ownerReferences: [{ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', name: 'db', uid: 'u3' }] });
    denied(active, deleteOf(active, GC, owned), DELETION_PROTECTION_POLICY_NAME, NOT_MARKED);
    denied(active, deleteOf(active, GC, data('Secret')), DELETION_PROTECTION_POLICY_NAME, NOT_MARKED);
  });
  test('service account token Secrets are credentials, not data', () => {
    allowed(active, deleteOf(active, GITOPS, { ...data('Secret'), type: 'kubernetes.io/service-account-token' }));
  });
  test('other objects of the tenant are not the deletion guard\'s (the GitOps controller prunes a ConfigMap)', () => {
    allowed(active, deleteOf(active, GITOPS, data('ConfigMap')));
  });
  test('a namespace of the tenant the library did not declare (self-service) is the tenant\'s to delete', () => {
    const selfService = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a-dev', labels: { [TenancyLabels.TENANT]: 'team-a' } } };
    allowed(active, deleteOf(active, GITOPS, selfService));
  });
  test('namespaces of no tenant are not judged', () => {
    const other = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'monitoring' } };
    expect(admit(active, deleteOf(active, GITOPS, other)).evaluated).not.toContain(DELETION_PROTECTION_POLICY_NAME);
  });
  test('without break-glass identities, no one bypasses it', () => {
    const app = new App();
    new SoftTenant(new Chart(app, 'c'), 'A', { name: 'team-a' });
    const m = synthObjects(app);
    expect(find(m, 'ValidatingAdmissionPolicy', DELETION_PROTECTION_POLICY_NAME).spec.matchConditions.map((c: any) => c.name)).toEqual(['guardrails-let-through']);
    denied(m, deleteOf(m, BREAK_GLASS_GROUP, data('PersistentVolumeClaim')), DELETION_PROTECTION_POLICY_NAME, NOT_MARKED);
  });
});

describe('cordon', () => {
  const CORDONED = /^tenant team-a is cordoned \(incident INC-42: leaked credentials\): its members keep read access, but writes in its namespaces are refused until the platform sets the tenant back to TenantLifecycle.ACTIVE$/;
  const configMap = (namespace = 'team-a') => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace }, data: { a: 'b' } });
  const changed = (namespace = 'team-a') => ({ ...configMap(namespace), data: { a: 'c' } });

  describe.each([...TENANTS, ['declared service-account member', CI_DEPLOYER] as [string, Requester]])('a %s', (_, who) => {
    test('may not create, update or delete while cordoned', () => {
      denied(cordoned, req(cordoned, who, 'CREATE', configMap()), CORDON_POLICY_NAME, CORDONED);
      denied(cordoned, { ...req(cordoned, who, 'UPDATE', changed()), oldObject: configMap() }, CORDON_POLICY_NAME, CORDONED);
      denied(cordoned, req(cordoned, who, 'DELETE', configMap()), CORDON_POLICY_NAME, CORDONED);
    });
    test('may not delete its own data while cordoned (the cordon refuses, not the deletion guard)', () => {
      denied(cordoned, deleteOf(cordoned, who, data('PersistentVolumeClaim')), CORDON_POLICY_NAME, CORDONED);
    });
    test('writes again once the cordon is lifted (ACTIVE)', () => {
      allowed(active, req(active, who, 'CREATE', configMap()));
      allowed(active, { ...req(active, who, 'UPDATE', changed()), oldObject: configMap() });
    });
  });
  test('subresources are writes too: a member evicting a pod (CREATE pods/eviction)', () => {
    const eviction = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web-abc', namespace: 'team-a' } };
    const r = { ...req(cordoned, TENANT_ADMIN, 'CREATE', eviction as any), resource: RESOURCES.Pod, subResource: 'eviction' };
    denied(cordoned, r, CORDON_POLICY_NAME, CORDONED);
  });
  test.each(['exec', 'attach', 'portforward'])('a shell or tunnel into a pod is a write: a member\'s CONNECT pods/%s is refused', (sub) => {
    const options = { apiVersion: 'v1', kind: sub === 'portforward' ? 'PodPortForwardOptions' : sub === 'exec' ? 'PodExecOptions' : 'PodAttachOptions', metadata: { name: 'web-abc', namespace: 'team-a' } };
    const r = { ...req(cordoned, TENANT_ADMIN, 'CONNECT', options as any), resource: RESOURCES.Pod, subResource: sub };
    denied(cordoned, r, CORDON_POLICY_NAME, CORDONED);
    allowed(active, { ...req(active, TENANT_ADMIN, 'CONNECT', options as any), resource: RESOURCES.Pod, subResource: sub });
  });
  test('offboarding cordons too, naming the state and reason', () => {
    denied(offboarding, req(offboarding, TENANT_ADMIN, 'CREATE', configMap()), CORDON_POLICY_NAME,
      /^tenant team-a is offboarding \(contract ended, OPS-1234\): its members keep read access/);
  });
  test('the platform is not cordoned', () => {
    allowed(cordoned, req(cordoned, GITOPS, 'CREATE', configMap()));
    allowed(cordoned, { ...req(cordoned, GITOPS, 'UPDATE', changed()), oldObject: configMap() });
  });
  test('controllers acting for existing workloads are not cordoned (the ReplicaSet controller recreates a pod)', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-abc', namespace: 'team-a' }, spec: { containers: [{ name: 'web', image: 'web:1' }] } };
    allowed(cordoned, req(cordoned, REPLICASET_CONTROLLER, 'CREATE', pod));
  });
  test('another tenant beside a cordoned one writes as usual; its namespaces never evaluate the cordon', () => {
    const bea: Requester = { userInfo: { username: 'bea', groups: ['team-b-admins'] }, authorizer: () => false };
    const r = req(cordoned, bea, 'CREATE', configMap('team-b'));
    expect(admit(cordoned, r)).toMatchObject({ allowed: true, errors: [] });
    expect(admit(cordoned, r).evaluated).not.toContain(CORDON_POLICY_NAME);
  });
});

describe('the marker is the platform\'s', () => {
  const ns = teamA(cordoned);
  const kept = Object.fromEntries(Object.entries(ns.metadata.labels!).filter(([k]) => k !== LIFECYCLE));
  const unmarked = { ...ns, metadata: { ...ns.metadata, labels: kept } };
  const editor: Requester = { userInfo: { username: 'ned', groups: ['namespace-editors'] }, authorizer: () => false };
  test.each([...TENANTS, ['namespace editor', editor] as [string, Requester]])('a %s may not lift a cordon by removing the label', (_, who) => {
    const result = admit(cordoned, { operation: 'UPDATE', resource: RESOURCES.Namespace, object: unmarked, oldObject: ns, ...who });
    expect(result.allowed).toBe(false);
    expect(result.denials.map((d) => d.policy)).toContain(GUARDRAILS_POLICY_NAME);
  });
  test('a tenant admin may not mark its own namespace offboarding', () => {
    const marked = { ...teamA(active), metadata: { ...teamA(active).metadata, labels: { ...teamA(active).metadata.labels, [LIFECYCLE]: 'offboarding' } } };
    const result = admit(active, { operation: 'UPDATE', resource: RESOURCES.Namespace, object: marked, oldObject: teamA(active), ...TENANT_ADMIN });
    expect([...new Set(result.denials.map((d) => d.policy))]).toEqual([GUARDRAILS_POLICY_NAME]);
  });
  test('the GitOps controller sets and lifts it', () => {
    allowed(active, { operation: 'UPDATE', resource: RESOURCES.Namespace, object: ns, oldObject: teamA(active), ...GITOPS });
    allowed(cordoned, { operation: 'UPDATE', resource: RESOURCES.Namespace, object: teamA(active), oldObject: ns, ...GITOPS });
  });
});

describe('bad values: a clear error naming the prop, the value and what is allowed; nothing emitted', () => {
  test.each([
    ['a string instead of a TenantLifecycle', 'offboarding', /tenants\/A: invalid lifecycle 'offboarding': is not a TenantLifecycle\. Use TenantLifecycle\.ACTIVE, TenantLifecycle\.cordoned\(reason\) or TenantLifecycle\.offboarding\(reason\)\./],
    ['an empty cordon reason', TenantLifecycle.cordoned(''), /tenants\/A: invalid lifecycle reason '': must say why the tenant is cordoned: one line of 1 to 256 characters/],
    ['a blank offboarding reason', TenantLifecycle.offboarding('   '), /invalid lifecycle reason ' {3}': must say why the tenant is offboarding/],
    ['a reason over two lines', TenantLifecycle.offboarding('a\nb'), /invalid lifecycle reason 'a\nb': must say why .* one line/],
    ['a reason of 257 characters', TenantLifecycle.cordoned('x'.repeat(257)), /invalid lifecycle reason 'x{257}': must say why the tenant is cordoned: one line of 1 to 256 characters/],
    ['a reason that is not text', TenantLifecycle.cordoned(42 as any), /invalid lifecycle reason 42: must say why/],
  ])('lifecycle: %s', (_, lifecycle, message) => {
    const app = new App();
    const chart = new Chart(app, 'tenants');
    expect(() => new SoftTenant(chart, 'A', { name: 'team-a', lifecycle: lifecycle as any })).toThrow(message);
    expect(chart.toJson()).toEqual([]);
    expect(app.charts.flatMap((c) => c.toJson()).filter((o: any) => o.kind === 'ValidatingAdmissionPolicy' && o.metadata.name === DELETION_PROTECTION_POLICY_NAME)).toEqual([]);
  });

  test.each([
    ['a system: group (every cluster admin)', [BreakGlassIdentity.group('system:masters')], /p: invalid breakGlass\[0\] group 'system:masters': names starting with 'system:' are Kubernetes' own .* never a break-glass identity\. Name a dedicated emergency user or group/],
    ['a system: user', [BreakGlassIdentity.user('system:admin')], /invalid breakGlass\[0\] user 'system:admin': names starting with 'system:'/],
    ['an empty user', [BreakGlassIdentity.user('')], /invalid breakGlass\[0\] user '': must be a non-empty name/],
    ['a padded group', [BreakGlassIdentity.group('ops ')], /invalid breakGlass\[0\] group 'ops ': must be a non-empty name without leading or trailing spaces/],
    ['a service account in a bad namespace', [BreakGlassIdentity.serviceAccount('Ops', 'glass')], /invalid breakGlass\[0\] service account namespace 'Ops': must be a DNS-1123 label/],
    ['a name instead of an identity', ['sre-oncall'], /p: invalid breakGlass\[0\] 'sre-oncall': is not a BreakGlassIdentity\. Use BreakGlassIdentity\.user\(name\)/],
    ['one identity instead of a list', BreakGlassIdentity.group('ops'), /p: invalid breakGlass .*: must be a list of BreakGlassIdentity/],
  ])('breakGlass: %s', (_, breakGlass, message) => {
    const app = new App();
    expect(() => new TenancyPlatform(app, 'p', { breakGlass: breakGlass as any })).toThrow(message);
    expect(app.charts.flatMap((c) => c.toJson())).toEqual([]);
  });

  test('a service-account break-glass identity is matched by its user name', () => {
    const app = new App();
    new TenancyPlatform(app, 'p', { breakGlass: [BreakGlassIdentity.serviceAccount('ops', 'break-glass')] });
    new SoftTenant(new Chart(app, 'c'), 'A', { name: 'team-a' });
    const m = synthObjects(app);
    const sa: Requester = { userInfo: { username: 'system:serviceaccount:ops:break-glass', groups: ['system:serviceaccounts'] }, authorizer: GITOPS.authorizer };
    allowed(m, deleteOf(m, sa, data('PersistentVolumeClaim')));
    allowed(m, deleteOf(m, sa, find(m, 'Namespace', 'team-a')));
  });
});

describe('the audit check lifecycle.deletion-protection', () => {
  const check = (objects: any[]) => {
    const c = TenancyAudit.auditObjects(objects).tenants.find((t) => t.tenant === 'team-a')!.checks.find((x) => x.id === 'lifecycle.deletion-protection')!;
    return { status: c.status, messages: c.findings.map((f) => `${f.object}: ${f.message}`) };
  };
  const without = (name: string, kind?: string) => active.filter((o) => !(o.metadata.name === name && (!kind || o.kind === kind)));
  const edited = (kind: string, change: (o: any) => void) => active.map((o) => {
    if (o.kind !== kind || o.metadata.name !== DELETION_PROTECTION_POLICY_NAME) return o;
    const copy = JSON.parse(JSON.stringify(o));
    change(copy);
    return copy;
  });
  test('passes on what the library emits, whatever the tenant\'s state', () => {
    for (const m of [active, cordoned, offboarding]) expect(check(m)).toEqual({ status: CheckStatus.PASS, messages: [] });
  });
  test('fails without the guard (tenant files audited without the platform chart)', () => {
    expect(check(without(DELETION_PROTECTION_POLICY_NAME))).toEqual({
      status: CheckStatus.FAIL,
      messages: [
        `ValidatingAdmissionPolicy ${DELETION_PROTECTION_POLICY_NAME}: is missing: one prune by the GitOps controller deletes the tenant with its data`,
      ],
    });
  });
  test('fails without its binding, with a binding that only warns, or failing open', () => {
    expect(check(without(DELETION_PROTECTION_POLICY_NAME, 'ValidatingAdmissionPolicyBinding')).messages).toEqual([
      `ValidatingAdmissionPolicyBinding for ${DELETION_PROTECTION_POLICY_NAME}: is missing: a policy without its binding does nothing`,
    ]);
    expect(check(edited('ValidatingAdmissionPolicyBinding', (b) => { b.spec.validationActions = ['Warn']; })).messages).toEqual([
      `ValidatingAdmissionPolicyBinding ${DELETION_PROTECTION_POLICY_NAME}: does not deny`,
    ]);
    expect(check(edited('ValidatingAdmissionPolicy', (p) => { p.spec.failurePolicy = 'Ignore'; })).messages).toEqual([
      `ValidatingAdmissionPolicy ${DELETION_PROTECTION_POLICY_NAME}: does not fail closed`,
    ]);
  });
  test('fails when its namespace selector misses the tenant\'s namespaces', () => {
    const m = edited('ValidatingAdmissionPolicy', (p) => { p.spec.matchConstraints.namespaceSelector = { matchLabels: { protected: 'true' } }; });
    expect(check(m)).toEqual({
      status: CheckStatus.FAIL,
      messages: [
        `Namespace team-a: is not selected by the namespaceSelector of ${DELETION_PROTECTION_POLICY_NAME}: its data is unprotected`,
      ],
    });
  });
});
