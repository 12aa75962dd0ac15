import { App, Chart } from 'cdk8s';
import { admit, AdmissionRequest } from './helpers/admission';
import { find, K8sObject, synthObjects } from './helpers/manifests';
import { GITOPS, kubeSystem, Requester, TENANTS } from './helpers/requesters';
import { SoftTenant, TenantStorageClasses } from 'cdk8s-tenancy';

/*
 * The storage guard (MTB "block use of existing PVs", StorageClass
 * allowlists), proven with the CEL model, the PV controller's binding
 * update and the StatefulSet controller's creates among the requests.
 */

const app = new App();
const chart = new Chart(app, 'tenants');
new SoftTenant(chart, 'A', { name: 'team-a' });
new SoftTenant(chart, 'B', { name: 'team-b', storage: { storageClasses: TenantStorageClasses.only(['gp3', 'gp3-encrypted']) } });
const manifests = synthObjects(app);
const nsA = find(manifests, 'Namespace', 'team-a');
const nsB = find(manifests, 'Namespace', 'team-b');

function claim(ns: K8sObject, spec: Record<string, unknown>, annotations?: Record<string, string>): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', namespace: ns.metadata.name, ...(annotations ? { annotations } : {}) },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
  };
}
function req(who: Requester, ns: K8sObject, object: K8sObject, oldObject?: K8sObject): AdmissionRequest {
  return {
    operation: oldObject ? 'UPDATE' : 'CREATE',
    resource: { group: '', version: 'v1', resource: 'persistentvolumeclaims' },
    namespace: ns.metadata.name,
    namespaceObject: ns,
    object,
    oldObject: oldObject ?? null,
    ...who,
  };
}
const denied = (r: AdmissionRequest, message: RegExp) => {
  const result = admit(manifests, r);
  expect(result.errors).toEqual([]);
  expect(result.allowed).toBe(false);
  expect(result.denials.map((d) => d.policy)).toEqual(['cdk8s-tenancy-storage']);
  expect(result.denials[0].message).toMatch(message);
};
const allowed = (r: AdmissionRequest) => expect(admit(manifests, r)).toMatchObject({ allowed: true, errors: [], denials: [] });

const pending = claim(nsA, { storageClassName: 'gp3' });
const boundByTenant = claim(nsA, { storageClassName: 'gp3', volumeName: 'pv-of-team-b' });

describe.each(TENANTS)('a %s', (_, who) => {
  test('may not create a claim naming an existing PersistentVolume', () => {
    denied(req(who, nsA, boundByTenant), /may not name a PersistentVolume \(spec.volumeName pv-of-team-b\)/);
  });
  test('may not name one later, on a pending claim (the API lets volumeName be set once)', () => {
    denied(req(who, nsA, boundByTenant, pending), /spec.volumeName/);
  });
  test('may not take a claim\'s data from another namespace', () => {
    denied(req(who, nsA, claim(nsA, { dataSourceRef: { kind: 'PersistentVolumeClaim', name: 'db', namespace: 'team-b' } })), /another namespace/);
  });
  test.each<[string, K8sObject, RegExp]>([
    ['a class outside its allowlist', claim(nsB, { storageClassName: 'io2' }), /team-b may only use the StorageClasses gp3, gp3-encrypted/],
    ['no class at all', claim(nsB, {}), /gp3, gp3-encrypted/],
    ['the empty class (binds any pre-provisioned volume)', claim(nsB, { storageClassName: '' }), /StorageClasses/],
    ['an allowed class with a disallowed legacy annotation (the PV controller reads it first)', claim(nsB, { storageClassName: 'gp3' }, { 'volume.beta.kubernetes.io/storage-class': 'io2' }), /annotation/],
  ])('may not create a claim with %s', (__, c, message) => denied(req(who, nsB, c), message));

  test.each<[string, K8sObject, K8sObject | undefined]>([
    ['a claim with an allowed class', claim(nsB, { storageClassName: 'gp3-encrypted' }), undefined],
    ['a claim of any class where no allowlist is set', claim(nsA, { storageClassName: 'io2' }), undefined],
    ['a claim with a data source in its own namespace', claim(nsA, { dataSourceRef: { kind: 'PersistentVolumeClaim', name: 'db', namespace: 'team-a' } }), undefined],
    ['a resize of a bound claim', claim(nsA, { storageClassName: 'gp3', volumeName: 'pvc-123', resources: { requests: { storage: '2Gi' } } }), claim(nsA, { storageClassName: 'gp3', volumeName: 'pvc-123' })],
  ])('may create or update %s', (__, c, old) => allowed(req(who, c.metadata.namespace === 'team-b' ? nsB : nsA, c, old)));
});

test('the PV controller binds a pending claim (sets volumeName on UPDATE): allowed', () => {
  allowed(req(kubeSystem('persistent-volume-binder'), nsA, claim(nsA, { storageClassName: 'gp3', volumeName: 'pvc-0001' }), pending));
  allowed(req({ userInfo: { username: 'system:kube-controller-manager' }, authorizer: () => false }, nsA, claim(nsA, { storageClassName: 'gp3', volumeName: 'pvc-0001' }), pending));
});

test('the PV controller gives a classless claim the default class later (RetroactiveDefaultStorageClass): allowed', () => {
  allowed(req(kubeSystem('persistent-volume-binder'), nsB, claim(nsB, { storageClassName: 'standard' }), claim(nsB, {})));
});

test('the StatefulSet and ephemeral-volume controllers create claims from a tenant\'s templates: held like the tenant', () => {
  denied(req(kubeSystem('statefulset-controller'), nsA, boundByTenant), /spec.volumeName/);
  denied(req(kubeSystem('ephemeral-volume-controller'), nsB, claim(nsB, { storageClassName: 'io2' })), /StorageClasses/);
  allowed(req(kubeSystem('statefulset-controller'), nsB, claim(nsB, { storageClassName: 'gp3' })));
});

test('the platform\'s GitOps controller may pre-bind a claim for a tenant', () => {
  allowed(req(GITOPS, nsA, boundByTenant));
});

test('bad input: a clear error naming the prop, the value and what is allowed; nothing emitted', () => {
  for (const [classes, message] of [
    [TenantStorageClasses.only([]), /tenants\/T: invalid storage.storageClasses \[\]: must name at least one StorageClass. Use TenantStorageClasses.any\(\)/],
    [TenantStorageClasses.only(['GP3']), /invalid storage.storageClasses\[0\] 'GP3': must be a StorageClass name/],
    [TenantStorageClasses.only(['gp3', 'gp3']), /invalid storage.storageClasses \["gp3","gp3"\]: lists a class twice/],
    [['gp3'], /invalid storage.storageClasses \["gp3"\]: is not a TenantStorageClasses/],
  ] as [any, RegExp][]) {
    const badChart = new Chart(new App(), 'tenants');
    expect(() => new SoftTenant(badChart, 'T', { name: 'team-x', storage: { storageClasses: classes } })).toThrow(message);
    expect(badChart.toJson()).toEqual([]);
  }
});
