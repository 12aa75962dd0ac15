import { App, Chart } from 'cdk8s';
import { describeResult, Result } from './client';
import { ARGOCD, applyAsGitOps, installControllerNamespaces, installCrds, serviceAccount, useCluster, waitForDefaultServiceAccount, waitForPoliciesEnforced, waitForQuotas } from './fixture';
import { K8sObject, synthObjects } from '../helpers/manifests';
import { SoftTenant, TenancyPlatform, TenantGitOps } from 'cdk8s-tenancy';

/*
 * Tenants' own GitOps on the real API server: Flux impersonates the
 * Kustomization's serviceAccountName, Argo CD (sync impersonation on) the
 * AppProject's destinationServiceAccounts, so what each applies is a request
 * of the tenant's service account. Here those requests are made with the
 * same impersonation. Neither controller runs: the AppProject's own limits
 * (destinations, kinds, repositories) are Argo CD's to enforce and are
 * pinned field by field in test/tenant-gitops.test.ts.
 */

const app = new App();
new TenancyPlatform(app, 'platform');
new SoftTenant(new Chart(app, 'team-a'), 'TeamA', {
  name: 'team-a',
  namespaces: ['team-a', 'team-a-batch'],
  gitOps: TenantGitOps.flux({ url: 'https://git.example.com/team-a/apps.git' }),
});
new SoftTenant(new Chart(app, 'team-b'), 'TeamB', {
  name: 'team-b',
  gitOps: TenantGitOps.argoCd({ sourceRepos: ['https://git.example.com/team-b/*'] }),
});
const objects = synthObjects(app);

const FLUX_A = serviceAccount('team-a', 'tenant-gitops');
const ARGO_B = serviceAccount('team-b', 'tenant-gitops');

const deployment = (namespace: string, name = 'web'): K8sObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace },
  spec: {
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [{
          name: 'web',
          image: 'registry.example.com/web:1',
          securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
        }],
      },
    },
  },
});
const privilegedPod = (namespace: string): K8sObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'root', namespace },
  spec: { containers: [{ name: 'c', image: 'registry.example.com/tools:1', securityContext: { privileged: true } }] },
});

const cluster = useCluster('tenant-gitops');

beforeAll(async () => {
  const { client } = cluster();
  await installCrds(client, objects);
  await installControllerNamespaces(client, objects); // argocd, where the AppProject lives
  const failures = await applyAsGitOps(client, objects);
  expect(failures.map((f) => `${f.object}: ${describeResult(f.result)}`)).toEqual([]);
  await waitForPoliciesEnforced(client);
  for (const ns of ['team-a', 'team-a-batch', 'team-b']) {
    await waitForQuotas(client, ns);
    await waitForDefaultServiceAccount(client, ns);
  }
}, 300_000);

const outcome = (r: Result) => (r.ok ? 'allowed' : `${r.denial.layer}${r.denial.policy ? ` ${r.denial.policy}` : ''}`);

describe('the Flux tenant\'s service account (impersonated, as kustomize-controller does for serviceAccountName)', () => {
  test('creates the tenant\'s workloads in each of its namespaces', async () => {
    const { client } = cluster();
    for (const ns of ['team-a', 'team-a-batch']) {
      const r = await client.create(deployment(ns), { as: FLUX_A });
      expect([ns, describeResult(r), outcome(r)]).toEqual([ns, describeResult(r), 'allowed']);
    }
    const cm = await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'team-a' }, data: { a: 'b' } }, { as: FLUX_A });
    expect(outcome(cm)).toBe('allowed');
  });

  test('is refused in another tenant\'s namespace', async () => {
    const { client } = cluster();
    const r = await client.create(deployment('team-b', 'intruder'), { as: FLUX_A });
    expect(outcome(r)).toBe('rbac');
    expect(r.code).toBe(403);
  });

  test.each([
    ['a Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a-extra' } }],
    ['a ClusterRole', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'team-a-everything' }, rules: [] }],
    ['a ClusterRoleBinding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'team-a-admin' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'tenant-gitops', namespace: 'team-a' }],
    }],
  ])('is refused cluster-scoped objects: %s', async (_, object) => {
    const { client } = cluster();
    expect(outcome(await client.create(object, { as: FLUX_A }))).toBe('rbac');
  });

  test('cannot change what isolates the tenant, nor its own rights', async () => {
    const { client } = cluster();
    const denyAll = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: 'team-a' } };
    expect(outcome(await client.delete(denyAll, { as: FLUX_A }))).toBe('rbac');
    const quota = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'tenant-quota', namespace: 'team-a' } };
    expect(outcome(await client.delete(quota, { as: FLUX_A }))).toBe('rbac');
    const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'tenant-gitops', namespace: 'team-a-batch' } };
    expect(outcome(await client.delete(binding, { as: FLUX_A }))).toBe('rbac');
    // RBAC lets tenants write service accounts; the platform's guard keeps its own.
    const own = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'tenant-gitops', namespace: 'team-a' } };
    expect(outcome(await client.delete(own, { as: FLUX_A }))).toBe('policy cdk8s-tenancy-guardrails');
  });

  test('is held by Pod Security like the tenant', async () => {
    const { client } = cluster();
    expect(outcome(await client.create(privilegedPod('team-a'), { as: FLUX_A }))).toBe('pod-security');
  });
});

describe('the Argo CD tenant\'s service account (impersonated, as the application controller does with destinationServiceAccounts)', () => {
  test('creates in its namespace, is refused in another tenant\'s and cluster-wide', async () => {
    const { client } = cluster();
    expect(outcome(await client.create(deployment('team-b'), { as: ARGO_B }))).toBe('allowed');
    expect(outcome(await client.create(deployment('team-a', 'intruder'), { as: ARGO_B }))).toBe('rbac');
    expect(outcome(await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-b-extra' } }, { as: ARGO_B }))).toBe('rbac');
  });

  test('without impersonation, Argo CD\'s own identity is the platform to the guards: why the README says to turn it on', async () => {
    const { client } = cluster();
    const denyAll = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: 'team-b' } };
    expect(outcome(await client.delete(denyAll, { as: ARGOCD, dryRun: true }))).toBe('allowed');
  });
});
