import { ApiObject, App, Chart, JsonPatch } from 'cdk8s';
import { Deployment } from 'cdk8s-plus-27';
import { admit, AdmissionRequest } from './helpers/admission';
import { find, K8sObject, ofKind, synthObjects } from './helpers/manifests';
import { GITOPS, kubeSystem, Requester, TENANTS } from './helpers/requesters';
import { validateAll } from './helpers/schema';
import { SoftTenant, SoftTenantProps, TenantPriorityClass, TenantRuntimeClasses, TenantSandbox } from 'cdk8s-tenancy';

/*
 * A default priority class and RuntimeClasses per tenant: the pod classes
 * guard, evaluated with the CEL model (the same cases run on the real API
 * server in test/cluster/budget.cluster.test.ts), and applyPodDefaults.
 */

const POLICY = 'cdk8s-tenancy-pod-classes';
const app = new App();
const chartA = new Chart(app, 'team-a');
const teamA = new SoftTenant(chartA, 'A', {
  name: 'team-a',
  namespaces: ['team-a', 'team-a-dev'],
  priorityClasses: [TenantPriorityClass.of('tenant-normal'), TenantPriorityClass.of('tenant-batch')],
  defaultPriorityClass: 'tenant-normal',
  runtimeClasses: TenantRuntimeClasses.only(['runc', 'gvisor'], 'gvisor'),
});
new SoftTenant(new Chart(app, 'team-b'), 'B', { name: 'team-b' });
new SoftTenant(new Chart(app, 'team-c'), 'C', { name: 'team-c', runtimeClasses: TenantRuntimeClasses.only(['kata-fc']) });
const web = new Deployment(chartA, 'web', { metadata: { namespace: 'team-a' }, containers: [{ image: 'registry.example.com/web:1', portNumber: 8080 }] });
// What team-a's `restricted` level asks beyond cdk8s-plus's defaults (the
// cluster tier admits every workload the tests synthesize).
ApiObject.of(web).addJsonPatch(
  JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
  JsonPatch.add('/spec/template/spec/containers/0/securityContext/capabilities', { drop: ['ALL'] }),
);
teamA.applyPodDefaults(web);
const objects = synthObjects(app);
const ns = (name: string) => find(objects, 'Namespace', name);

const pod = (namespace: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace }, spec: { containers: [{ name: 'web', image: 'nginx' }], ...spec },
});
const create = (who: Requester, object: Record<string, any>, resource = 'pods', group = ''): AdmissionRequest => ({
  operation: 'CREATE',
  resource: { group, version: 'v1', resource },
  namespace: object.metadata.namespace,
  namespaceObject: ns(object.metadata.namespace),
  object,
  oldObject: null,
  ...who,
});
const denied = (r: AdmissionRequest, message: RegExp) => {
  const result = admit(objects, r);
  expect(result.errors).toEqual([]);
  expect([...new Set(result.denials.map((d) => d.policy))]).toEqual([POLICY]);
  expect(result.denials[0].message).toMatch(message);
};
const allowed = (r: AdmissionRequest) => expect(admit(objects, r)).toMatchObject({ allowed: true, errors: [], denials: [] });
const good = { priorityClassName: 'tenant-batch', runtimeClassName: 'runc' };

describe.each([...TENANTS, ['GitOps controller', GITOPS], ['ReplicaSet controller', kubeSystem('replicaset-controller')]] as [string, Requester][])('pods created by the %s', (_, who) => {
  test.each<[string, Record<string, unknown>, RegExp]>([
    ['without a priority class', { runtimeClassName: 'gvisor' }, /^pods of tenant team-a must name their priority class in spec.priorityClassName: tenant-normal \(the tenant's default\), or one of tenant-normal, tenant-batch\. Kubernetes has no per-namespace default/],
    ['with a priority class not the tenant\'s', { priorityClassName: 'system-cluster-critical', runtimeClassName: 'gvisor' }, /must name their priority class/],
    ['without a RuntimeClass', { priorityClassName: 'tenant-normal' }, /^pods of tenant team-a must name their RuntimeClass in spec.runtimeClassName: gvisor \(the tenant's default\), or one of runc, gvisor$/],
    ['with a RuntimeClass not the tenant\'s', { priorityClassName: 'tenant-normal', runtimeClassName: 'kata-fc' }, /RuntimeClass/],
  ])('are refused %s', (__, spec, message) => denied(create(who, pod('team-a-dev', spec)), message));

  test('are admitted with the tenant\'s classes, in every namespace of the tenant', () => {
    allowed(create(who, pod('team-a', good)));
    allowed(create(who, pod('team-a-dev', { priorityClassName: 'tenant-normal', runtimeClassName: 'gvisor' })));
  });
});

test('a tenant with only RuntimeClasses is not held to priority classes; a tenant with neither is not held at all', () => {
  allowed(create(TENANTS[0][1], pod('team-c', { runtimeClassName: 'kata-fc' })));
  denied(create(TENANTS[0][1], pod('team-c', { runtimeClassName: 'runc' })), /kata-fc \(the tenant's default\), or one of kata-fc$/);
  allowed(create(TENANTS[0][1], pod('team-b')));
});

test('templates are held too: a Deployment without classes fails at apply, one with them passes', () => {
  const deployment = (spec: Record<string, unknown>) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'team-a' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }], ...spec } } },
  });
  denied(create(GITOPS, deployment({}), 'deployments', 'apps'), /priority class/);
  allowed(create(GITOPS, deployment(good), 'deployments', 'apps'));
});

test('applyPodDefaults writes the tenant\'s defaults, which the guard admits', () => {
  const [rendered] = ofKind(objects, 'Deployment', 'team-a');
  expect(rendered.spec.template.spec).toMatchObject({ priorityClassName: 'tenant-normal', runtimeClassName: 'gvisor' });
  allowed(create(GITOPS, rendered as K8sObject, 'deployments', 'apps'));
});

test('the guard is emitted once, failing closed, with the rules of the tenants that have them', () => {
  expect(validateAll(objects)).toBe(objects.length);
  const policy = find(objects, 'ValidatingAdmissionPolicy', POLICY);
  expect(policy.spec.failurePolicy).toBe('Fail');
  expect(policy.spec.matchConditions).toBeUndefined();
  expect(policy.spec.variables[0]).toEqual({
    name: 'all',
    expression: '{"team-a":{"priorityClasses":["tenant-normal","tenant-batch"],"defaultPriorityClass":["tenant-normal"],'
    + '"runtimeClasses":["runc","gvisor"],"defaultRuntimeClass":["gvisor"]},"team-c":{"priorityClasses":[],"defaultPriorityClass":[],"runtimeClasses":["kata-fc"],"defaultRuntimeClass":["kata-fc"]}}',
  });
  expect(find(objects, 'ValidatingAdmissionPolicyBinding', POLICY).spec).toEqual({ policyName: POLICY, validationActions: ['Deny'] });
});

test('no tenant with a default or RuntimeClasses: no guard (existing apps keep their output)', () => {
  const plain = new App();
  new SoftTenant(new Chart(plain, 'a'), 'A', { name: 'team-a', priorityClasses: [TenantPriorityClass.of('tenant-normal')] });
  expect(ofKind(synthObjects(plain), 'ValidatingAdmissionPolicy').map((p) => p.metadata.name)).not.toContain(POLICY);
});

describe('bad values', () => {
  test.each<[string, Partial<SoftTenantProps>, RegExp]>([
    ['a default priority class the tenant is not given', { priorityClasses: [TenantPriorityClass.of('a')], defaultPriorityClass: 'b' },
      /invalid defaultPriorityClass 'b': must be one of the tenant's priorityClasses \(a\)\. Add it with TenantPriorityClass.of\(name\)/],
    ['a default priority class without any', { defaultPriorityClass: 'b' }, /invalid defaultPriorityClass 'b': must be one of the tenant's priorityClasses \(none given\)/],
    ['no RuntimeClass in the list', { runtimeClasses: TenantRuntimeClasses.only([]) }, /invalid runtimeClasses \[\]: must name at least one RuntimeClass/],
    ['a RuntimeClass that is not a name', { runtimeClasses: TenantRuntimeClasses.only(['g Visor']) }, /invalid runtimeClasses\[0\] 'g Visor': must be a RuntimeClass name/],
    ['a RuntimeClass listed twice', { runtimeClasses: TenantRuntimeClasses.only(['runc', 'runc']) }, /invalid runtimeClasses \["runc","runc"\]: lists a class twice/],
    ['a default RuntimeClass not in the list', { runtimeClasses: TenantRuntimeClasses.only(['runc'], 'gvisor') }, /invalid runtimeClasses default 'gvisor': must be one of the allowed classes \(runc\)/],
    ['runtimeClasses that are not TenantRuntimeClasses', { runtimeClasses: ['runc'] as any }, /invalid runtimeClasses \["runc"\]: is not a TenantRuntimeClasses/],
  ])('%s', (_, props, message) => {
    const bad = new App();
    const chart = new Chart(bad, 'tenants');
    expect(() => new SoftTenant(chart, 'TeamA', { name: 'team-a', ...props })).toThrow(message);
    expect(() => new SoftTenant(chart, 'TeamA2', { name: 'team-a', ...props })).toThrow(/^tenants\/TeamA2: /);
    expect(chart.toJson()).toEqual([]);
  });

  test('a sandbox on a tenant with RuntimeClasses', () => {
    const tenant = new SoftTenant(new Chart(new App(), 't'), 'A', { name: 'team-a', runtimeClasses: TenantRuntimeClasses.only(['runc']) });
    expect(() => tenant.addExtension(TenantSandbox.gvisor())).toThrow(/t\/A: invalid sandbox runtimeClassName 'gvisor': cannot be combined with the tenant's runtimeClasses \(runc\)/);
  });
});
