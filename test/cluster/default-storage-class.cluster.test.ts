import { App, Chart } from 'cdk8s';
import { describeResult, Result } from './client';
import { applyAsGitOps, useCluster, user, waitForDefaultServiceAccount, waitForPoliciesEnforced, waitForQuotas } from './fixture';
import { K8sObject, synthObjects } from '../helpers/manifests';
import { mutatingAdmissionPolicyMutate } from '../helpers/mutation';
import { SoftTenant, TenancyPlatform, TenantMember, TenantStorageClasses } from 'cdk8s-tenancy';

/*
 * A tenant's default StorageClass on the real API server: the
 * MutatingAdmissionPolicy (the default engine's mutation) gives a claim
 * that names no class the tenant's default, next to the model's verdict on
 * the same claims; the storage guard holds the class either way; and the
 * cluster's own default StorageClass, written in by the DefaultStorageClass
 * admission plugin before any mutation runs, takes precedence.
 *
 * MutatingAdmissionPolicy is GA and on by default from Kubernetes 1.36; on
 * 1.32 (alpha and off) the API is not served: there the platform applies
 * without it, and what a tenant sees is the guard refusing a claim naming
 * no class, with a message that names the default.
 */

const STORAGE = 'cdk8s-tenancy-storage';
const app = new App();
new TenancyPlatform(app, 'platform');
new SoftTenant(new Chart(app, 'team-a'), 'T', {
  name: 'team-a', admins: [TenantMember.group('team-a-admins')], storage: { storageClasses: TenantStorageClasses.only(['gp3', 'io2'], 'gp3') },
});
new SoftTenant(new Chart(app, 'team-b'), 'T', { name: 'team-b', admins: [TenantMember.group('team-b-admins')], storage: { storageClasses: TenantStorageClasses.only(['gp3']) } });
const objects = synthObjects(app);
const ADMIN_A = user('alice', 'team-a-admins');
const ADMIN_B = user('bob', 'team-b-admins');
const isMap = (o: K8sObject) => o.apiVersion === 'admissionregistration.k8s.io/v1' && o.kind.startsWith('MutatingAdmissionPolicy');

const claim = (namespace: string, spec: Record<string, unknown> = {}, name = 'data'): K8sObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});
const storageClass = (name: string, isDefault: boolean): K8sObject => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name, ...(isDefault ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}) },
  provisioner: 'ebs.csi.aws.com',
});

const cluster = useCluster('default-storage-class');
const served = () => Number(cluster().minor.split('.')[1]) >= 36;
const classOf = (r: Result) => (r.ok ? r.body.spec.storageClassName : describeResult(r));
const refusedBy = (r: Result) => (r.ok ? 'allowed' : `${r.denial.layer} ${r.denial.policy ?? ''}`.trim());

beforeAll(async () => {
  const { client } = cluster();
  // Without MutatingAdmissionPolicy (1.32), the platform is applied without the mutation.
  const failures = await applyAsGitOps(client, served() ? objects : objects.filter((o) => !isMap(o)));
  expect(failures.map((f) => `${f.object}: ${describeResult(f.result)}`)).toEqual([]);
  await client.must('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shared' } });
  await waitForPoliciesEnforced(client);
  for (const ns of ['team-a', 'team-b']) {
    await waitForQuotas(client, ns);
    await waitForDefaultServiceAccount(client, ns);
  }
  if (served()) {
    // The admission plugin compiles policies from its informers, asynchronously.
    await client.waitFor('the MutatingAdmissionPolicy to be enforced', async () => {
      const r = await client.create(claim('team-a'), { as: ADMIN_A, dryRun: true });
      return r.ok && r.body.spec.storageClassName === 'gp3' ? true : undefined;
    });
  }
}, 300_000);

test('MutatingAdmissionPolicy is served from 1.36 (GA), not on 1.32', async () => {
  const { client, minor } = cluster();
  const list = await client.must('GET', '/apis/admissionregistration.k8s.io/v1');
  expect([minor, list.resources.some((r: any) => r.name === 'mutatingadmissionpolicies')]).toEqual([minor, served()]);
});

describe('a cluster without a default StorageClass (EKS since 1.30)', () => {
  test('a claim naming no class: given the default and admitted where the mutation runs; refused by the guard, naming the default, where it does not', async () => {
    const { client } = cluster();
    const r = await client.create(claim('team-a', {}, 'stored'), { as: ADMIN_A });
    if (served()) {
      expect(classOf(r)).toBe('gp3');
      const model = mutatingAdmissionPolicyMutate(objects, { pod: claim('team-a'), namespace: objects.find((o) => o.kind === 'Namespace' && o.metadata.name === 'team-a')! });
      expect(model.spec.storageClassName).toBe('gp3');
      // Stored so, not only answered so.
      expect((await client.get(claim('team-a', {}, 'stored')))?.spec.storageClassName).toBe('gp3');
    } else {
      expect(refusedBy(r)).toBe(`policy ${STORAGE}`);
      expect(describeResult(r)).toMatch(/A claim naming none gets the tenant's default, gp3, only where the cluster has no default StorageClass of its own/);
    }
  });

  test.each([
    ['a claim naming an allowed class keeps it', 'io2', 'io2'],
    ['a claim naming a class outside the list is refused by the guard', 'gp2', `policy ${STORAGE}`],
    ['the empty class (static binding) is not filled in, and is refused by the guard', '', `policy ${STORAGE}`],
  ])('%s', async (_, storageClassName, expected) => {
    const { client } = cluster();
    const r = await client.create(claim('team-a', { storageClassName }), { as: ADMIN_A, dryRun: true });
    expect(r.ok ? r.body.spec.storageClassName : refusedBy(r)).toBe(expected);
    if (!r.ok) expect(describeResult(r)).toMatch(/may only use the StorageClasses gp3, io2: .*tenant's default, gp3/);
  });

  test('a tenant without a default: a claim naming no class is refused, the message naming no default', async () => {
    const { client } = cluster();
    const r = await client.create(claim('team-b'), { as: ADMIN_B, dryRun: true });
    expect(refusedBy(r)).toBe(`policy ${STORAGE}`);
    expect(describeResult(r)).toMatch(/tenant team-b may only use the StorageClasses gp3: name one in spec.storageClassName \(and in the volume.beta.kubernetes.io\/storage-class annotation, if set\)$/);
  });

  test('a claim outside the tenants is untouched', async () => {
    const { client } = cluster();
    const r = await client.create(claim('shared'), { dryRun: true });
    expect(r.ok ? r.body.spec.storageClassName ?? 'none' : describeResult(r)).toBe('none');
  });
});

describe('a cluster with a default StorageClass: the DefaultStorageClass plugin runs first', () => {
  /** Makes `name` the cluster's default and waits until the plugin's informer has it (a claim in `shared` gets it). */
  async function clusterDefault(name: string): Promise<void> {
    const { client } = cluster();
    await client.must('POST', '/apis/storage.k8s.io/v1/storageclasses', storageClass(name, true));
    await client.waitFor(`the DefaultStorageClass plugin to see ${name}`, async () => {
      const r = await client.create(claim('shared'), { dryRun: true });
      return r.ok && r.body.spec.storageClassName === name ? true : undefined;
    }, 30_000);
  }

  test('a cluster default outside the tenant\'s list: a claim naming no class gets it, and the guard refuses it, naming the tenant\'s default', async () => {
    await clusterDefault('gp2');
    const { client } = cluster();
    const r = await client.create(claim('team-a'), { as: ADMIN_A, dryRun: true });
    expect(refusedBy(r)).toBe(`policy ${STORAGE}`);
    expect(describeResult(r)).toMatch(/may only use the StorageClasses gp3, io2: .*gets the tenant's default, gp3, only where the cluster has no default StorageClass of its own/);
  });

  test('a cluster default in the tenant\'s list: the claim keeps the cluster\'s class, not the tenant\'s', async () => {
    const { client } = cluster();
    // One default at a time: two created in the same second tie, and the plugin then takes the first by name.
    await client.must('DELETE', '/apis/storage.k8s.io/v1/storageclasses/gp2');
    await clusterDefault('io2');
    const r = await client.create(claim('team-a'), { as: ADMIN_A, dryRun: true });
    expect(classOf(r)).toBe('io2');
  });

  test('a claim naming its class is not touched by the plugin either', async () => {
    const { client } = cluster();
    const r = await client.create(claim('team-a', { storageClassName: 'gp3' }), { as: ADMIN_A, dryRun: true });
    expect(classOf(r)).toBe('gp3');
  });
});
