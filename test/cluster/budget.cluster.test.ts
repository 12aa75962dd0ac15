import { App, Chart, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-27';
import { describeResult, Result } from './client';
import { ALLOWED, Case, judgeCase, Outcome, policy } from './differential';
import { applyAsGitOps, policyStatus, useCluster, user, waitForDefaultServiceAccount, waitForPoliciesEnforced, waitForQuotas } from './fixture';
import { find, K8sObject, synthObjects } from '../helpers/manifests';
import {
  SoftTenant, TenancyPlatform, TenantMember, TenantPriorityClass, TenantProfile, TenantRegistries, TenantRuntimeClasses, TenantStorageClasses,
  TenantStorageClassQuota,
} from 'cdk8s-tenancy';

/*
 * Issue 20 items 3, 5 and 7 on a real API server: a tenant budget split
 * over namespaces (compute, a GPU, object counts, per-StorageClass keys),
 * denied StorageClasses, and the pod classes guard. The ResourceQuota and
 * LimitRange are enforced by the server's own admission (the models do not
 * cover that layer: the server alone decides those cases, and its message
 * is checked); the guards' cases are decided by the CEL model and the
 * server alike.
 */

const QUOTA: Outcome = { allowed: false, layer: 'quota' };
const POD_CLASSES = 'cdk8s-tenancy-pod-classes';
const STORAGE = 'cdk8s-tenancy-storage';
const IMAGES = 'cdk8s-tenancy-images';

const app = new App();
const platform = new TenancyPlatform(app, 'platform');
platform.addPriorityClass('tenant-normal', { value: 1000 });
platform.addPriorityClass('tenant-batch', { value: 100 });
// A class that exists but is not team-a's.
platform.addPriorityClass('platform-high', { value: 100000 });
new SoftTenant(new Chart(app, 'team-a'), 'TeamA', {
  name: 'team-a',
  namespaces: ['team-a-prod', 'team-a-dev'],
  admins: [TenantMember.group('team-a-admins')],
  priorityClasses: [TenantPriorityClass.of('tenant-normal'), TenantPriorityClass.of('tenant-batch')],
  defaultPriorityClass: 'tenant-normal',
  runtimeClasses: TenantRuntimeClasses.only(['runc', 'gvisor'], 'runc'),
  storage: { storageClasses: TenantStorageClasses.only(['gp3']) },
  budget: {
    requestsCpu: Cpu.units(2),
    limitsCpu: Cpu.units(4),
    extendedResources: { 'example.com/gpu': 2 },
    objectCounts: { 'count/deployments.apps': 4 },
    storageClasses: [TenantStorageClassQuota.of('gp3', { requestsStorage: Size.gibibytes(10) })],
  },
  profiles: {
    'team-a-prod': TenantProfile.of({
      quota: { requestsCpu: Cpu.millis(1500), limitsCpu: Cpu.units(3), extendedResources: { 'example.com/gpu': 2 }, objectCounts: { 'count/deployments.apps': 4 } },
    }),
  },
});
new SoftTenant(new Chart(app, 'team-b'), 'TeamB', {
  name: 'team-b',
  admins: [TenantMember.group('team-b-admins')],
  storage: { deniedStorageClasses: ['gp2'] },
  // Image rules on team-b only: the image guard must let team-a's pods through.
  images: { registries: TenantRegistries.only(['registry.example.com']) },
});
const synthesized = synthObjects(app);
// The cluster's side: the RuntimeClasses the tenant may name (the platform's; the RuntimeClass admission needs them to exist).
const runtimeClasses: K8sObject[] = ['runc', 'gvisor', 'kata'].map((name) => ({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name }, handler: name }));
const objects = [...synthesized, ...runtimeClasses];

const alice = user('alice', 'team-a-admins');
const bob = user('bob', 'team-b-admins');
const classes = { priorityClassName: 'tenant-normal', runtimeClassName: 'runc' };

/** A pod that meets `restricted`, requesting `cpu` (and `gpus`). */
const pod = (namespace: string, { cpu = '100m', gpus = 0, spec = classes as Record<string, unknown> } = {}) => {
  const extra = gpus > 0 ? { 'example.com/gpu': String(gpus) } : {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace },
    spec: {
      containers: [{
        name: 'web',
        image: 'registry.example.com/web:1.0',
        resources: { requests: { cpu, memory: '128Mi', ...extra }, limits: { cpu, memory: '256Mi', ...extra } },
        securityContext: { runAsNonRoot: true, runAsUser: 10001, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
      }],
      ...spec,
    },
  };
};
const deployment = (namespace: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace },
  spec: { replicas: 0, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: pod(namespace).spec } },
});
const claim = (namespace: string, storageClassName: string, storage = '1Gi') => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'data', namespace },
  spec: { accessModes: ['ReadWriteOnce'], storageClassName, resources: { requests: { storage } } },
});

/** Each case; quota cases also name the words the server's refusal must hold. */
const CASES: (Case & { quotaMessage?: RegExp })[] = [
  // The budget's split: prod holds 1500m of the 2 CPUs, dev the 500m left.
  { name: 'a 1-CPU pod in prod (allocation 1500m)', as: alice, operation: 'CREATE', object: pod('team-a-prod', { cpu: '1' }), expect: ALLOWED },
  { name: 'the same 1-CPU pod in dev (its share: 500m)', as: alice, operation: 'CREATE', object: pod('team-a-dev', { cpu: '1' }), expect: QUOTA, quotaMessage: /exceeded quota: tenant-quota.*requests\.cpu=1.*limited: .*requests\.cpu=500m/ },
  { name: 'a 400m pod in dev', as: alice, operation: 'CREATE', object: pod('team-a-dev', { cpu: '400m' }), expect: ALLOWED },
  { name: 'a GPU pod in prod (allocation 2)', as: alice, operation: 'CREATE', object: pod('team-a-prod', { gpus: 2 }), expect: ALLOWED },
  { name: 'a GPU pod in dev (none of the budget\'s GPUs left)', as: alice, operation: 'CREATE', object: pod('team-a-dev', { gpus: 1 }), expect: QUOTA, quotaMessage: /exceeded quota: tenant-quota.*requests\.example\.com\/gpu=1.*limited: .*requests\.example\.com\/gpu=0/ },
  { name: 'a Deployment in prod (count/deployments.apps 4)', as: alice, operation: 'CREATE', object: deployment('team-a-prod'), expect: ALLOWED },
  { name: 'a Deployment in dev (count/deployments.apps 0)', as: alice, operation: 'CREATE', object: deployment('team-a-dev'), expect: QUOTA, quotaMessage: /exceeded quota: tenant-quota.*count\/deployments\.apps=1.*limited: count\/deployments\.apps=0/ },
  // Per-class storage: 10Gi of gp3 split evenly (5Gi each).
  { name: 'a 4Gi gp3 claim in dev', as: alice, operation: 'CREATE', object: claim('team-a-dev', 'gp3', '4Gi'), expect: ALLOWED },
  { name: 'a 6Gi gp3 claim in dev (its share of gp3: 5Gi)', as: alice, operation: 'CREATE', object: claim('team-a-dev', 'gp3', '6Gi'), expect: QUOTA, quotaMessage: /exceeded quota: tenant-quota.*gp3\.storageclass\.storage\.k8s\.io\/requests\.storage=6Gi.*limited: gp3\.storageclass\.storage\.k8s\.io\/requests\.storage=5Gi/ },
  { name: 'a claim of a class outside team-a\'s list (the storage guard)', as: alice, operation: 'CREATE', object: claim('team-a-dev', 'gp2'), expect: policy(STORAGE) },
  { name: 'a claim of a denied class (team-b allows any other: the quota refuses it)', as: bob, operation: 'CREATE', object: claim('team-b', 'gp2'), expect: QUOTA, quotaMessage: /exceeded quota: tenant-quota.*gp2\.storageclass\.storage\.k8s\.io\/(persistentvolumeclaims=1|requests\.storage=1Gi)/ },
  { name: 'a claim of another class in team-b', as: bob, operation: 'CREATE', object: claim('team-b', 'io2'), expect: ALLOWED },
  // The pod classes guard.
  { name: 'a pod without a priority class', as: alice, operation: 'CREATE', object: pod('team-a-prod', { spec: { runtimeClassName: 'runc' } }), expect: policy(POD_CLASSES) },
  { name: 'a pod at a priority class not the tenant\'s', as: alice, operation: 'CREATE', object: pod('team-a-prod', { spec: { runtimeClassName: 'runc', priorityClassName: 'platform-high' } }), expect: policy(POD_CLASSES) },
  { name: 'a pod without a RuntimeClass', as: alice, operation: 'CREATE', object: pod('team-a-prod', { spec: { priorityClassName: 'tenant-normal' } }), expect: policy(POD_CLASSES) },
  { name: 'a pod with a RuntimeClass not the tenant\'s', as: alice, operation: 'CREATE', object: pod('team-a-prod', { spec: { priorityClassName: 'tenant-normal', runtimeClassName: 'kata' } }), expect: policy(POD_CLASSES) },
  { name: 'a pod with the tenant\'s other classes', as: alice, operation: 'CREATE', object: pod('team-a-prod', { spec: { priorityClassName: 'tenant-batch', runtimeClassName: 'gvisor' } }), expect: ALLOWED },
  { name: 'a Deployment template without classes', as: alice, operation: 'CREATE', object: { ...deployment('team-a-prod'), spec: { ...deployment('team-a-prod').spec, template: { metadata: { labels: { app: 'web' } }, spec: pod('team-a-prod', { spec: {} }).spec } } }, expect: policy(POD_CLASSES) },
  { name: 'another tenant\'s pod without classes (not held)', as: bob, operation: 'CREATE', object: pod('team-b', { spec: {} }), expect: ALLOWED },
  // The image guard, whose rules moved out of a matchCondition (where the server has no namespaceObject).
  {
    name: 'team-b\'s pod from a registry it is not given (the image guard)',
    as: bob,
    operation: 'CREATE',
    object: (() => { const p = pod('team-b', { spec: {} }); p.spec.containers[0].image = 'docker.io/library/nginx:1.27'; return p; })(),
    expect: policy(IMAGES),
  },
];

describe('tenant budget, storage classes and pod classes: the real API server refuses what the quota and the guards must', () => {
  const cluster = useCluster('budget');

  beforeAll(async () => {
    const { client } = cluster();
    const failures = await applyAsGitOps(client, objects);
    if (failures.length > 0) throw new Error(`applying the fixture: ${failures.map((f) => `${f.object}: ${describeResult(f.result)}`).join('\n')}`);
    for (const ns of ['team-a-prod', 'team-a-dev', 'team-b']) {
      await waitForDefaultServiceAccount(client, ns);
      await waitForQuotas(client, ns);
    }
    for (const p of synthesized.filter((o) => o.kind === 'ValidatingAdmissionPolicy')) {
      await client.waitFor(`${p.metadata.name} to be type-checked`, async () => ((await policyStatus(client, p.metadata.name)).checked ? true : undefined));
    }
    await waitForPoliciesEnforced(client);
  }, 300_000);

  test('the server took the quotas as synthesized (budget split, GPU, object count, per-class keys)', async () => {
    const { client } = cluster();
    const live = async (ns: string) => (await client.get(find(synthesized, 'ResourceQuota', 'tenant-quota', ns)))!.status.hard;
    expect(await live('team-a-prod')).toMatchObject({ 'requests.cpu': '1500m', 'requests.example.com/gpu': '2', 'count/deployments.apps': '4', 'gp3.storageclass.storage.k8s.io/requests.storage': '5Gi' });
    expect(await live('team-a-dev')).toMatchObject({ 'requests.cpu': '500m', 'requests.example.com/gpu': '0', 'count/deployments.apps': '0', 'gp3.storageclass.storage.k8s.io/requests.storage': '5Gi' });
    expect(await live('team-b')).toMatchObject({ 'gp2.storageclass.storage.k8s.io/requests.storage': '0', 'gp2.storageclass.storage.k8s.io/persistentvolumeclaims': '0' });
  });

  test('the pod classes guard type-checks on the server without warnings', async () => {
    expect(await policyStatus(cluster().client, POD_CLASSES)).toEqual({ name: POD_CLASSES, checked: true, warnings: [] });
  });

  test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const result = await judgeCase(c, objects, objects, cluster().client);
    if (c.quotaMessage) expect((result as Extract<Result, { ok: false }>).denial.message).toMatch(c.quotaMessage);
    // A policy that fails with a CEL error refuses too (failurePolicy Fail): a refusal only counts with the policy's own message.
    if (!result.ok) expect(result.denial.message).not.toMatch(/resulted in error/);
    if (!c.expect.allowed && c.expect.layer === 'policy' && c.expect.policy === POD_CLASSES) {
      expect((result as Extract<Result, { ok: false }>).denial.message).toMatch(/pods of tenant team-a must name their (priority class|RuntimeClass) .*: (tenant-normal|runc) \(the tenant's default\)/);
    }
  });
});
