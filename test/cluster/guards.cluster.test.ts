import { App, Chart } from 'cdk8s';
import { describeResult } from './client';
import { ALLOWED, Case, judgeCase, POD_SECURITY, policy, RBAC } from './differential';
import { ARGOCD, applyAsGitOps, BOOTSTRAP_RBAC, installControllerNamespaces, installCrds, serviceAccount, useCluster, user, waitForDefaultServiceAccount, waitForPoliciesEnforced, waitForQuotas } from './fixture';
import { find, K8sObject, synthObjects } from '../helpers/manifests';
import { SoftTenant, TenancyPlatform, TENANT_LABEL, TenantMember, TenantPlacement, TenantSandbox } from 'cdk8s-tenancy';

/*
 * The guardrails, the sandbox and placement guards (the cases of
 * test/guardrails.test.ts, test/sandbox.test.ts and test/placement.test.ts)
 * as real requests, next to the models' verdict on the same requests.
 */

const GUARDRAILS = 'cdk8s-tenancy-guardrails';
const SANDBOX = 'cdk8s-tenancy-sandbox';
const PLACEMENT = 'cdk8s-tenancy-placement';
const SERVICES = 'cdk8s-tenancy-services';
const STORAGE = 'cdk8s-tenancy-storage';
const INGRESS = 'cdk8s-tenancy-ingress';

const app = new App();
new TenancyPlatform(app, 'platform');
const teamA = new SoftTenant(new Chart(app, 'team-a'), 'TeamA', {
  name: 'team-a',
  namespaces: ['team-a', 'team-a-batch'],
  admins: [TenantMember.group('team-a-admins')],
  users: [TenantMember.group('team-a-devs')],
});
const placement = TenantPlacement.forTenant('team-a');
teamA.addExtension(placement);
teamA.addExtension(TenantSandbox.gvisor());
new SoftTenant(new Chart(app, 'team-b'), 'TeamB', { name: 'team-b', admins: [TenantMember.group('team-b-admins')] });
const synthesized = synthObjects(app);

/*
 * The cluster's side, applied by the cluster admin: people the platform
 * gave broad rights in a tenant's namespaces or on namespaces (so that RBAC
 * lets them and only the guard stands). The bootstrap roles of the
 * controllers the cases impersonate are the fixture's BOOTSTRAP_RBAC.
 */
const clusterRbac: K8sObject[] = [
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'namespace-operator' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
  ...['team-a', 'team-a-batch'].map((ns) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'operators', namespace: ns },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'namespace-operator' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'team-a-operators' }],
  })),
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'namespace-editor' }, rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'update', 'patch', 'delete'] }] },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'namespace-editors' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'namespace-editor' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'namespace-editors' }],
  },
];
const objects = [...synthesized, ...clusterRbac];
const rbac = [...objects, ...BOOTSTRAP_RBAC];

const tenantAdmin = user('alice', 'team-a-admins');
const tenantDev = user('dave', 'team-a-devs');
const otherTenant = user('bob', 'team-b-admins');
const operator = user('olga', 'team-a-operators');
const namespaceEditor = user('ned', 'namespace-editors');
const namespaceController = serviceAccount('kube-system', 'namespace-controller');
const replicaSetController = serviceAccount('kube-system', 'replicaset-controller');
const statefulSetController = serviceAccount('kube-system', 'statefulset-controller');

/** A pod that meets `restricted` and the tenant's limits; `spec` adds to it. */
const pod = (namespace: string, spec: Record<string, any> = {}, name = 'web') => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace },
  spec: {
    containers: [{
      name: 'web',
      image: 'registry.example.com/web:1.0',
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '200m', memory: '256Mi' } },
      securityContext: { runAsNonRoot: true, runAsUser: 10001, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
    }],
    ...spec,
  },
});
const service = (spec: Record<string, any>, name = 'svc') => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'team-a' }, spec });
const claim = (spec: Record<string, any> = {}, name = 'data') => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'team-a' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});
const placed = {
  tolerations: [placement.toleration],
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [placement.nodeSelectorTerm] } } },
};
const teamAPod = (extra: Record<string, any> = {}) => pod('team-a', { runtimeClassName: 'gvisor', ...placed, ...extra });
const without = (o: Record<string, any>, ...keys: string[]) => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

const ref = (kind: string, name: string, namespace?: string) => ({ kind, name, namespace });
const NP = ref('NetworkPolicy', 'default-deny', 'team-a');
const QUOTA = ref('ResourceQuota', 'tenant-quota', 'team-a');
const ADMINS = ref('RoleBinding', 'tenant-admins', 'team-a');
const NS = ref('Namespace', 'team-a');

export const CASES: Case[] = [
  // Guardrails: RBAC stops tenants first; the guard stops whoever RBAC lets through but is not the platform.
  { name: 'a tenant admin deletes the default-deny NetworkPolicy', as: tenantAdmin, operation: 'DELETE', target: NP, expect: RBAC },
  { name: 'a namespace operator (every right in the namespace) deletes the default-deny NetworkPolicy', as: operator, operation: 'DELETE', target: NP, expect: policy(GUARDRAILS) },
  { name: 'a namespace operator loosens the ResourceQuota', as: operator, operation: 'UPDATE', target: QUOTA, change: (q) => { q.spec.hard.pods = '5000'; }, expect: policy(GUARDRAILS) },
  { name: 'a namespace operator drops the managed-by label of the quota', as: operator, operation: 'UPDATE', target: QUOTA, change: (q) => { delete q.metadata.labels['cdk8s-tenancy.io/managed-by']; }, expect: policy(GUARDRAILS) },
  { name: 'a namespace operator adds a user to the tenant-admins RoleBinding', as: operator, operation: 'UPDATE', target: ADMINS, change: (b) => { b.subjects.push({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'mallory' }); }, expect: policy(GUARDRAILS) },
  { name: 'a tenant admin adds a user to the tenant-admins RoleBinding', as: tenantAdmin, operation: 'UPDATE', target: ADMINS, change: (b) => { b.subjects.push({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'mallory' }); }, expect: RBAC },
  { name: 'a tenant admin re-enables token automount on the default ServiceAccount', as: tenantAdmin, operation: 'UPDATE', target: ref('ServiceAccount', 'default', 'team-a'), change: (s) => { s.automountServiceAccountToken = true; }, expect: policy(GUARDRAILS) },
  {
    name: 'a tenant admin forges a managed object (a ConfigMap labelled managed-by)',
    as: tenantAdmin,
    operation: 'CREATE',
    object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'forged', namespace: 'team-a', labels: { 'cdk8s-tenancy.io/managed-by': 'cdk8s-tenancy' } } },
    expect: policy(GUARDRAILS),
  },
  { name: 'a tenant admin creates its own ConfigMap', as: tenantAdmin, operation: 'CREATE', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'team-a' }, data: { a: 'b' } }, expect: ALLOWED },
  {
    name: 'a tenant developer creates a Deployment',
    as: tenantDev,
    operation: 'CREATE',
    object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'team-a' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: teamAPod().spec } } },
    expect: ALLOWED,
  },
  { name: 'a tenant admin deletes its namespace', as: tenantAdmin, operation: 'DELETE', target: NS, expect: RBAC },
  { name: 'a tenant admin weakens Pod Security on its namespace', as: tenantAdmin, operation: 'UPDATE', target: NS, change: (n) => { n.metadata.labels['pod-security.kubernetes.io/enforce'] = 'privileged'; }, expect: RBAC },
  { name: 'a namespace editor weakens Pod Security on a tenant namespace', as: namespaceEditor, operation: 'UPDATE', target: NS, change: (n) => { n.metadata.labels['pod-security.kubernetes.io/enforce'] = 'privileged'; }, expect: policy(GUARDRAILS) },
  { name: 'a namespace editor moves a tenant namespace to another tenant', as: namespaceEditor, operation: 'UPDATE', target: NS, change: (n) => { n.metadata.labels[TENANT_LABEL] = 'team-b'; }, expect: policy(GUARDRAILS) },
  { name: 'a namespace editor deletes a tenant namespace', as: namespaceEditor, operation: 'DELETE', target: NS, expect: policy(GUARDRAILS) },
  { name: 'a namespace editor claims a new namespace for a tenant', as: namespaceEditor, operation: 'CREATE', object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sneaky', labels: { [TENANT_LABEL]: 'team-a' } } }, expect: RBAC },
  { name: 'a tenant admin changes the guard itself', as: tenantAdmin, operation: 'UPDATE', target: ref('ValidatingAdmissionPolicy', GUARDRAILS), change: (p) => { p.spec.failurePolicy = 'Ignore'; }, expect: RBAC },
  { name: 'the GitOps controller raises the quota', as: ARGOCD, operation: 'UPDATE', target: QUOTA, change: (q) => { q.spec.hard.pods = '80'; }, expect: ALLOWED },
  { name: 'the GitOps controller prunes the default-deny NetworkPolicy', as: ARGOCD, operation: 'DELETE', target: NP, expect: ALLOWED },
  { name: 'the GitOps controller relabels a tenant namespace', as: ARGOCD, operation: 'UPDATE', target: NS, change: (n) => { n.metadata.labels['pod-security.kubernetes.io/warn'] = 'restricted'; }, expect: ALLOWED },
  { name: 'the namespace controller empties a deleted namespace (a RoleBinding)', as: namespaceController, operation: 'DELETE', target: ADMINS, expect: ALLOWED },
  { name: 'the namespace controller empties a deleted namespace (the quota)', as: namespaceController, operation: 'DELETE', target: QUOTA, expect: ALLOWED },

  // The sandbox and placement guards on pods (who creates the pod does not matter).
  { name: 'a tenant admin creates a sandboxed, placed pod', as: tenantAdmin, operation: 'CREATE', object: teamAPod(), expect: ALLOWED },
  { name: 'a tenant admin creates a pod without runtimeClassName', as: tenantAdmin, operation: 'CREATE', object: pod('team-a', placed), expect: policy(SANDBOX) },
  { name: 'the ReplicaSet controller creates a pod without runtimeClassName', as: replicaSetController, operation: 'CREATE', object: pod('team-a', placed), expect: policy(SANDBOX) },
  { name: 'a tenant admin creates a pod without the placement toleration and affinity', as: tenantAdmin, operation: 'CREATE', object: pod('team-a', { runtimeClassName: 'gvisor' }), expect: policy(PLACEMENT) },
  { name: 'the GitOps controller creates a pod without the placement toleration and affinity', as: ARGOCD, operation: 'CREATE', object: pod('team-a', { runtimeClassName: 'gvisor' }), expect: policy(PLACEMENT) },
  { name: 'a tenant pod that chooses its node', as: tenantAdmin, operation: 'CREATE', object: teamAPod({ nodeName: 'ip-10-0-9-9' }), expect: policy(PLACEMENT) },
  { name: 'a tenant pod selecting another tenant\'s nodes', as: tenantAdmin, operation: 'CREATE', object: teamAPod({ nodeSelector: { [TENANT_LABEL]: 'team-b' } }), expect: policy(PLACEMENT) },
  {
    name: 'a tenant pod attracted by the kubelet-set tenant label instead of the node-restriction one (issue #16)',
    as: tenantAdmin,
    operation: 'CREATE',
    object: teamAPod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: TENANT_LABEL, operator: 'In', values: ['team-a'] }] }] } } } }),
    expect: policy(PLACEMENT),
  },
  { name: 'another tenant\'s pod tolerating team-a\'s taint', as: otherTenant, operation: 'CREATE', object: pod('team-b', { tolerations: [placement.toleration] }), expect: policy(PLACEMENT) },
  { name: 'another tenant\'s pod tolerating every taint', as: otherTenant, operation: 'CREATE', object: pod('team-b', { tolerations: [{ operator: 'Exists' }] }), expect: policy(PLACEMENT) },
  { name: 'another tenant\'s pod choosing a node', as: otherTenant, operation: 'CREATE', object: pod('team-b', { nodeName: 'ip-10-0-9-9' }), expect: policy(PLACEMENT) },
  { name: 'another tenant\'s ordinary pod', as: otherTenant, operation: 'CREATE', object: pod('team-b'), expect: ALLOWED },
  { name: 'another tenant creates a pod in team-a', as: otherTenant, operation: 'CREATE', object: teamAPod(), expect: RBAC },
  { name: 'a tenant service account (no RBAC) creates a pod', as: serviceAccount('team-a', 'app'), operation: 'CREATE', object: teamAPod(), expect: RBAC },

  // The Services guard (team-a has no rules: it may name nothing beyond its namespaces).
  { name: 'a tenant admin creates a ClusterIP Service', as: tenantAdmin, operation: 'CREATE', object: service({ selector: { app: 'web' }, ports: [{ port: 80 }] }), expect: ALLOWED },
  { name: 'a tenant admin claims an external IP on a Service (CVE-2020-8554)', as: tenantAdmin, operation: 'CREATE', object: service({ selector: { app: 'web' }, ports: [{ port: 80 }], externalIPs: ['203.0.113.7'] }), expect: policy(SERVICES) },
  { name: 'a tenant admin creates an ExternalName Service', as: tenantAdmin, operation: 'CREATE', object: service({ type: 'ExternalName', externalName: 'db.other-tenant.svc.cluster.local' }), expect: policy(SERVICES) },
  { name: 'a tenant admin opens a LoadBalancer to source ranges', as: tenantAdmin, operation: 'CREATE', object: service({ type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80 }], loadBalancerSourceRanges: ['0.0.0.0/0'] }), expect: policy(SERVICES) },

  // The storage guard: no claim names a volume, not even through a controller.
  { name: 'a tenant admin creates an ordinary claim', as: tenantAdmin, operation: 'CREATE', object: claim(), expect: ALLOWED },
  { name: 'a tenant admin creates a claim naming a PersistentVolume', as: tenantAdmin, operation: 'CREATE', object: claim({ volumeName: 'pv-of-team-b' }), expect: policy(STORAGE) },
  { name: 'the StatefulSet controller creates a claim naming a PersistentVolume (from a tenant template)', as: statefulSetController, operation: 'CREATE', object: claim({ volumeName: 'pv-of-team-b' }), expect: policy(STORAGE) },
  { name: 'a tenant admin creates a claim with data from another namespace', as: tenantAdmin, operation: 'CREATE', object: claim({ dataSourceRef: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'snap', namespace: 'team-b' } }), expect: policy(STORAGE) },

  // Pod Security: the layer the server adds; the models do not cover it.
  {
    name: 'a tenant admin creates a privileged pod (otherwise sandboxed and placed)',
    as: tenantAdmin,
    operation: 'CREATE',
    object: (() => { const p = teamAPod(); (p.spec.containers[0] as any).securityContext = { privileged: true }; return p; })(),
    expect: POD_SECURITY,
  },
  {
    name: 'a tenant admin creates a pod that runs as root',
    as: tenantAdmin,
    operation: 'CREATE',
    object: (() => { const p = teamAPod(); p.spec.containers[0].securityContext = without(p.spec.containers[0].securityContext, 'runAsNonRoot', 'runAsUser') as any; return p; })(),
    expect: POD_SECURITY,
  },
];

describe('guards: the models and the real API server decide every case alike', () => {
  const cluster = useCluster('guards');

  beforeAll(async () => {
    const { client } = cluster();
    await installCrds(client, synthesized);
    await installControllerNamespaces(client, synthesized);
    const failures = await applyAsGitOps(client, synthesized);
    if (failures.length > 0) throw new Error(`applying the fixture: ${failures.map((f) => `${f.object}: ${describeResult(f.result)}`).join('\n')}`);
    for (const o of clusterRbac) await client.must('POST', (await client.paths(o)).collection, o);
    for (const ns of ['team-a', 'team-a-batch', 'team-b']) {
      await waitForDefaultServiceAccount(client, ns);
      await waitForQuotas(client, ns);
    }
    // The guard policies take effect once the API server has compiled them.
    for (const p of synthesized.filter((o) => o.kind === 'ValidatingAdmissionPolicy')) {
      await client.waitFor(`${p.metadata.name} to be type-checked`, async () => {
        const live = await client.get(p);
        return live?.status?.observedGeneration === live?.metadata.generation ? true : undefined;
      });
    }
    await waitForPoliciesEnforced(client);
  }, 300_000);

  test('the fixture is what the cases assume', () => {
    expect(find(synthesized, 'Namespace', 'team-a').metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted', [TENANT_LABEL]: 'team-a' });
    expect(synthesized.filter((o) => o.kind === 'ValidatingAdmissionPolicy').map((p) => p.metadata.name).sort()).toEqual(['cdk8s-tenancy-cordon', 'cdk8s-tenancy-deletion-protection', 'cdk8s-tenancy-gateways', GUARDRAILS, INGRESS, PLACEMENT, 'cdk8s-tenancy-routes', SANDBOX, SERVICES, STORAGE]);
  });

  test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    await judgeCase(c, objects, rbac, cluster().client);
  });
});
