import { App, Chart } from 'cdk8s';
import { describeResult, Identity } from './client';
import { ALLOWED, Case, judgeCase, outcomeText, policy, RBAC, serverOutcome } from './differential';
import { ARGOCD, applyAsGitOps, BOOTSTRAP_RBAC, serviceAccount, useCluster, user, waitForDefaultServiceAccount, waitForPoliciesEnforced, waitForQuotas } from './fixture';
import { find, K8sObject, synthObjects } from '../helpers/manifests';
import {
  BreakGlassIdentity, CORDON_POLICY_NAME, DELETION_PROTECTION_POLICY_NAME, GUARDRAILS_POLICY_NAME, SoftTenant, TenancyLabels, TenancyPlatform,
  TenantLifecycle, TenantMember,
} from 'cdk8s-tenancy';

/*
 * The tenant lifecycle (issue #21) against the real API server and
 * controller manager, each case next to the CEL model's verdict on the
 * same request: deletion of a tenant's namespaces and data refused to the
 * GitOps controller until an earlier change marked the tenant offboarding,
 * the break-glass identity's bypass, the namespace controller emptying a
 * namespace once its deletion was allowed, and the cordon (set, enforced,
 * lifted) as the GitOps controller applies each state with server-side apply.
 */

const DELETION = DELETION_PROTECTION_POLICY_NAME;
const CORDON = CORDON_POLICY_NAME;

/** The whole app with team-a in `lifecycle`; team-b stays active. */
function synth(lifecycle: TenantLifecycle): K8sObject[] {
  const app = new App();
  new TenancyPlatform(app, 'platform', { breakGlass: [BreakGlassIdentity.group('platform-break-glass')] });
  new SoftTenant(new Chart(app, 'team-a'), 'TeamA', {
    name: 'team-a',
    admins: [TenantMember.group('team-a-admins')],
    users: [TenantMember.group('team-a-devs'), TenantMember.serviceAccount('team-a', 'deployer')],
    lifecycle,
  });
  new SoftTenant(new Chart(app, 'team-b'), 'TeamB', { name: 'team-b', admins: [TenantMember.group('team-b-admins')] });
  return synthObjects(app);
}
const ACTIVE = synth(TenantLifecycle.ACTIVE);
const CORDONED = synth(TenantLifecycle.cordoned('incident INC-42'));
const OFFBOARDING = synth(TenantLifecycle.offboarding('contract ended'));

/** The tenants' data, created by the cluster admin before the cases. */
const claim = (namespace: string): K8sObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'data', namespace },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
} as any);
const secret = (namespace: string): K8sObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-creds', namespace }, stringData: { password: 'x' } } as any);
const statefulSet = (namespace: string): K8sObject => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'db', namespace },
  spec: {
    replicas: 0,
    serviceName: 'db',
    selector: { matchLabels: { app: 'db' } },
    template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'registry.example.com/db:1' }] } },
  },
} as any);
const configMap = (namespace: string): K8sObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace }, data: { a: 'b' } } as any);
const DATA = ['team-a', 'team-b'].flatMap((ns) => [claim(ns), secret(ns), statefulSet(ns), configMap(ns)]);

const BREAK_GLASS_RBAC: K8sObject = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: { name: 'platform-break-glass' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
  subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'platform-break-glass' }],
} as any;
/** People the platform gave every right in team-a, or rights on namespaces: RBAC lets them, only the guards stand. */
const CLUSTER_RBAC: K8sObject[] = [
  BREAK_GLASS_RBAC,
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'namespace-operator' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'operators', namespace: 'team-a' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'namespace-operator' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'team-a-operators' }],
  },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'namespace-editor' }, rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'update', 'patch', 'delete'] }] },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'namespace-editors' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'namespace-editor' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'namespace-editors' }],
  },
] as any;
const tenantAdmin = user('alice', 'team-a-admins');
const tenantDev = user('dave', 'team-a-devs');
const tenantSa = serviceAccount('team-a', 'deployer');
const operator = user('olga', 'team-a-operators');
const namespaceEditor = user('ned', 'namespace-editors');
const breakGlass = user('carol', 'platform-break-glass');
const namespaceController = serviceAccount('kube-system', 'namespace-controller');
const replicaSetController = serviceAccount('kube-system', 'replicaset-controller');

const ref = (kind: string, name: string, namespace?: string) => ({ kind, name, namespace });
const NS_A = ref('Namespace', 'team-a');
const NS_B = ref('Namespace', 'team-b');
const PVC_A = ref('PersistentVolumeClaim', 'data', 'team-a');
const SECRET_A = ref('Secret', 'db-creds', 'team-a');
const STS_A = ref('StatefulSet', 'db', 'team-a');
const CM_A = ref('ConfigMap', 'cfg', 'team-a');

/** A pod as the ReplicaSet controller creates it for an existing Deployment (restricted, within the limits). */
const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-7d9f', namespace: 'team-a' },
  spec: {
    containers: [{
      name: 'web',
      image: 'registry.example.com/web:1.0',
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '200m', memory: '256Mi' } },
      securityContext: { runAsNonRoot: true, runAsUser: 10001, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
    }],
  },
};

const ACTIVE_CASES: Case[] = [
  { name: 'the GitOps controller deletes an active tenant\'s namespace', as: ARGOCD, operation: 'DELETE', target: NS_A, expect: policy(DELETION) },
  { name: 'the GitOps controller deletes a claim of an active tenant', as: ARGOCD, operation: 'DELETE', target: PVC_A, expect: policy(DELETION) },
  { name: 'the GitOps controller deletes a Secret of an active tenant', as: ARGOCD, operation: 'DELETE', target: SECRET_A, expect: policy(DELETION) },
  { name: 'the GitOps controller deletes a StatefulSet of an active tenant', as: ARGOCD, operation: 'DELETE', target: STS_A, expect: policy(DELETION) },
  { name: 'the GitOps controller prunes a ConfigMap (not data the guard protects)', as: ARGOCD, operation: 'DELETE', target: CM_A, expect: ALLOWED },
  { name: 'a namespace operator (every right in team-a, not a member) deletes a claim', as: operator, operation: 'DELETE', target: PVC_A, expect: policy(DELETION) },
  { name: 'the namespace controller deletes a claim of a namespace that is not terminating', as: namespaceController, operation: 'DELETE', target: PVC_A, expect: policy(DELETION) },
  { name: 'a namespace editor (not the platform) deletes a tenant namespace: the guardrails refuse, alone', as: namespaceEditor, operation: 'DELETE', target: NS_A, expect: policy(GUARDRAILS_POLICY_NAME) },
  { name: 'a tenant admin deletes its namespace', as: tenantAdmin, operation: 'DELETE', target: NS_A, expect: RBAC },
  { name: 'the break-glass identity deletes an active tenant\'s namespace', as: breakGlass, operation: 'DELETE', target: NS_A, expect: ALLOWED },
  { name: 'the break-glass identity deletes a claim of an active tenant', as: breakGlass, operation: 'DELETE', target: PVC_A, expect: ALLOWED },
  { name: 'a tenant admin deletes its own claim', as: tenantAdmin, operation: 'DELETE', target: PVC_A, expect: ALLOWED },
  { name: 'a tenant developer deletes its own Secret', as: tenantDev, operation: 'DELETE', target: SECRET_A, expect: ALLOWED },
  { name: 'a tenant service account (member) deletes its own StatefulSet', as: tenantSa, operation: 'DELETE', target: STS_A, expect: ALLOWED },
  { name: 'a tenant admin writes a ConfigMap (active: no cordon)', as: tenantAdmin, operation: 'UPDATE', target: CM_A, change: (c) => { c.data.a = 'c'; }, expect: ALLOWED },
];

const CORDONED_CASES: Case[] = [
  { name: 'cordoned: a tenant admin creates a ConfigMap', as: tenantAdmin, operation: 'CREATE', object: { ...configMap('team-a'), metadata: { name: 'new', namespace: 'team-a' } }, expect: policy(CORDON) },
  { name: 'cordoned: a tenant admin updates a ConfigMap', as: tenantAdmin, operation: 'UPDATE', target: CM_A, change: (c) => { c.data.a = 'c'; }, expect: policy(CORDON) },
  { name: 'cordoned: a tenant developer deletes a ConfigMap', as: tenantDev, operation: 'DELETE', target: CM_A, expect: policy(CORDON) },
  { name: 'cordoned: a tenant service account creates a ConfigMap', as: tenantSa, operation: 'CREATE', object: { ...configMap('team-a'), metadata: { name: 'new', namespace: 'team-a' } }, expect: policy(CORDON) },
  { name: 'cordoned: a tenant admin deletes its own claim (the cordon, not the deletion guard)', as: tenantAdmin, operation: 'DELETE', target: PVC_A, expect: policy(CORDON) },
  { name: 'cordoned: the GitOps controller updates a ConfigMap (the platform is not cordoned)', as: ARGOCD, operation: 'UPDATE', target: CM_A, change: (c) => { c.data.a = 'd'; }, expect: ALLOWED },
  { name: 'cordoned: the ReplicaSet controller creates a pod for an existing Deployment', as: replicaSetController, operation: 'CREATE', object: pod, expect: ALLOWED },
  { name: 'cordoned: the GitOps controller still may not delete data (cordoned is not offboarding)', as: ARGOCD, operation: 'DELETE', target: PVC_A, expect: policy(DELETION) },
  {
    name: 'cordoned: a namespace editor lifts the cordon by removing the label',
    as: namespaceEditor,
    operation: 'UPDATE',
    target: NS_A,
    change: (n) => { delete n.metadata.labels[TenancyLabels.LIFECYCLE]; },
    expect: policy(GUARDRAILS_POLICY_NAME),
  },
];

const OFFBOARDING_CASES: Case[] = [
  { name: 'offboarding: the GitOps controller deletes a claim', as: ARGOCD, operation: 'DELETE', target: PVC_A, expect: ALLOWED },
  { name: 'offboarding: the GitOps controller deletes a Secret', as: ARGOCD, operation: 'DELETE', target: SECRET_A, expect: ALLOWED },
  { name: 'offboarding: the GitOps controller deletes a StatefulSet', as: ARGOCD, operation: 'DELETE', target: STS_A, expect: ALLOWED },
  { name: 'offboarding: the GitOps controller deletes the namespace', as: ARGOCD, operation: 'DELETE', target: NS_A, expect: ALLOWED },
  { name: 'offboarding: a tenant admin writes (offboarding cordons)', as: tenantAdmin, operation: 'UPDATE', target: CM_A, change: (c) => { c.data.a = 'e'; }, expect: policy(CORDON) },
  { name: 'offboarding: team-b (active) is still protected', as: ARGOCD, operation: 'DELETE', target: NS_B, expect: policy(DELETION) },
];

describe('tenant lifecycle: the models and the real API server decide every case alike', () => {
  const cluster = useCluster('lifecycle');
  const rbac = (objects: K8sObject[]) => [...objects, ...DATA, ...CLUSTER_RBAC, ...BOOTSTRAP_RBAC];

  /** Applies one state of the app as the GitOps controller (server-side apply, one field manager: a lifted label is removed). */
  async function applyState(objects: K8sObject[]): Promise<void> {
    const failures = await applyAsGitOps(cluster().client, objects);
    if (failures.length > 0) throw new Error(`applying: ${failures.map((f) => `${f.object}: ${describeResult(f.result)}`).join('\n')}`);
  }

  /** Runs a case on the model and the server; both must give the expected outcome. */
  async function judge(c: Case, objects: K8sObject[]): Promise<void> {
    await judgeCase(c, [...objects, ...DATA], rbac(objects), cluster().client);
  }

  /** Waits until the admission plugin sees a namespace's new labels (it reads them from its informer). */
  async function waitUntil(c: Case, objects: K8sObject[]): Promise<void> {
    await cluster().client.waitFor(`'${c.name}' to be ${outcomeText(c.expect)}`, async () => {
      const r = await serverOutcome(c, [...objects, ...DATA], cluster().client);
      return outcomeText(r.outcome) === outcomeText(c.expect) ? true : undefined;
    }, 30_000);
  }

  beforeAll(async () => {
    const { client } = cluster();
    await applyState(ACTIVE);
    for (const o of CLUSTER_RBAC) await client.must('POST', (await client.paths(o)).collection, o);
    for (const ns of ['team-a', 'team-b']) {
      await waitForDefaultServiceAccount(client, ns);
      await waitForQuotas(client, ns);
    }
    for (const o of DATA) await client.must('POST', (await client.paths(o)).collection, o);
    for (const p of ACTIVE.filter((o) => o.kind === 'ValidatingAdmissionPolicy')) {
      await client.waitFor(`${p.metadata.name} to be type-checked`, async () => {
        const live = await client.get(p);
        return live?.status?.observedGeneration === live?.metadata.generation ? true : undefined;
      });
    }
    await waitForPoliciesEnforced(client);
  }, 300_000);

  test('the server type-checks both guards without warnings', async () => {
    for (const name of [DELETION, CORDON]) {
      const live = await cluster().client.get({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name } });
      expect({ name, warnings: live.status?.typeChecking?.expressionWarnings ?? [] }).toEqual({ name, warnings: [] });
    }
  });

  describe('active', () => {
    test.each(ACTIVE_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => judge(c, ACTIVE));
    test('the refusal names the offboarding step and the tenant', async () => {
      const r = await cluster().client.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } }, { as: ARGOCD, dryRun: true });
      expect(r.ok).toBe(false);
      expect(describeResult(r)).toMatch(/namespace team-a belongs to tenant team-a, which is not marked for offboarding: deleting the namespaces and data of a tenant takes two changes/);
    });
  });

  describe('cordoned, then lifted', () => {
    beforeAll(async () => {
      await applyState(CORDONED);
      await waitUntil(CORDONED_CASES[0], CORDONED);
    }, 120_000);
    test.each(CORDONED_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => judge(c, CORDONED));
    test('cordoned: the refusal names the cordon and its reason', async () => {
      const r = await cluster().client.create({ ...configMap('team-a'), metadata: { name: 'new', namespace: 'team-a' } }, { as: tenantAdmin, dryRun: true });
      expect(describeResult(r)).toMatch(/tenant team-a is cordoned \(incident INC-42\): its members keep read access/);
    });
    test.each(['exec?command=ls&stdout=true', 'attach?stdout=true', 'portforward?ports=8080'])('cordoned: a member\'s shell or tunnel into a pod (CONNECT pods/%s) is refused by the cordon', async (sub) => {
      // Admission runs before the connection is proxied (no kubelet here):
      // the refusal must be the cordon policy's, not RBAC's or a failed upgrade.
      const r = await cluster().client.request('POST', `/api/v1/namespaces/team-a/pods/web-7d9f/${sub}`, undefined, { as: tenantAdmin });
      expect(describeResult(r)).toMatch(new RegExp(`^refused by policy \\(${CORDON}\\): 403 .*tenant team-a is cordoned`));
    });
    test('cordoned: members keep read access', async () => {
      const { client } = cluster();
      for (const as of [tenantAdmin, tenantDev, tenantSa] as Identity[]) {
        const r = await client.request('GET', '/api/v1/namespaces/team-a/configmaps/cfg', undefined, { as });
        expect({ as: as.username, result: describeResult(r) }).toEqual({ as: as.username, result: 'allowed (200)' });
      }
    });
    test('lifting the cordon (ACTIVE applied again) restores the members\' writes, and removes the label', async () => {
      await applyState(ACTIVE);
      const restored: Case = { name: 'lifted: a tenant admin creates a ConfigMap', as: tenantAdmin, operation: 'CREATE', object: { ...configMap('team-a'), metadata: { name: 'new', namespace: 'team-a' } }, expect: ALLOWED };
      await waitUntil(restored, ACTIVE);
      await judge(restored, ACTIVE);
      await judge({ name: 'lifted: a tenant service account updates a ConfigMap', as: tenantSa, operation: 'UPDATE', target: CM_A, change: (c) => { c.data.a = 'f'; }, expect: ALLOWED }, ACTIVE);
      const live = await cluster().client.get({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
      expect(live.metadata.labels).not.toHaveProperty(TenancyLabels.LIFECYCLE);
    }, 60_000);
  });

  /**
   * Waits until the namespace controller has emptied and removed a
   * namespace whose deletion was allowed. Its DELETE of the claim must pass
   * the deletion guard (the claim then has a deletionTimestamp); the claim's
   * `kubernetes.io/pvc-protection` finalizer (added by the API server's
   * admission) is then removed by the test, standing in for the
   * pvc-protection controller, which testenv does not run (it runs the
   * namespace, garbage-collector, quota, service-account and VAP status
   * controllers).
   */
  async function waitUntilEmptiedAndGone(namespace: string): Promise<void> {
    const { client } = cluster();
    const pvc = claim(namespace);
    const deleting = await client.waitFor(`the namespace controller to delete claim ${namespace}/data`, async () => {
      const live = await client.get(pvc);
      return live?.metadata.deletionTimestamp ? live : undefined;
    }, 60_000);
    expect(deleting.metadata.finalizers).toEqual(['kubernetes.io/pvc-protection']);
    const { item } = await client.paths(pvc);
    await client.must('PATCH', item, { metadata: { finalizers: null } }, { contentType: 'application/merge-patch+json' });
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } };
    await client.waitFor(`namespace ${namespace} to be gone`, async () => ((await client.get(ns)) ? undefined : true), 90_000);
    for (const o of DATA.filter((d) => d.metadata.namespace === namespace)) expect(await client.get(o)).toBeUndefined();
  }

  describe('offboarding: the second change deletes, and the namespace controller empties the namespace', () => {
    beforeAll(async () => {
      await applyState(OFFBOARDING);
      await waitUntil(OFFBOARDING_CASES[0], OFFBOARDING);
    }, 120_000);
    test.each(OFFBOARDING_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => judge(c, OFFBOARDING));

    test('the GitOps controller deletes team-a for real; the namespace controller removes its data and the namespace', async () => {
      const { client } = cluster();
      const r = await client.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } }, { as: ARGOCD });
      expect(describeResult(r)).toMatch(/^allowed/);
      await waitUntilEmptiedAndGone('team-a');
    }, 180_000);

    test('the break-glass identity deletes team-b (never marked); the namespace controller still empties it', async () => {
      const { client } = cluster();
      const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-b' } };
      expect(describeResult(await client.delete(ns, { as: ARGOCD }))).toMatch(new RegExp(`refused by policy \\(${DELETION}\\)`));
      expect(describeResult(await client.delete(ns, { as: breakGlass }))).toMatch(/^allowed/);
      // No marker: only "the namespace is terminating" lets the namespace controller delete the claim, Secret and StatefulSet.
      expect((await client.get(ns)).metadata.labels).not.toHaveProperty(TenancyLabels.LIFECYCLE);
      await waitUntilEmptiedAndGone('team-b');
    }, 180_000);
  });

  test('the fixture is what the cases assume', () => {
    expect(find(CORDONED, 'Namespace', 'team-a').metadata.labels).toMatchObject({ [TenancyLabels.LIFECYCLE]: 'cordoned' });
    expect(find(OFFBOARDING, 'Namespace', 'team-a').metadata.labels).toMatchObject({ [TenancyLabels.LIFECYCLE]: 'offboarding' });
    expect(find(ACTIVE, 'Namespace', 'team-a').metadata.labels).not.toHaveProperty(TenancyLabels.LIFECYCLE);
  });
});
