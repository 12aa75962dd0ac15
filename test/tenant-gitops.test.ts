import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import * as YAML from 'yaml';
import { find, K8sObject, ofKind, synthObjects } from './helpers/manifests';
import { can } from './helpers/rbac';
import { validateAll } from './helpers/schema';
import { tempDir } from './helpers/temp-dir';
import { SoftTenant, SoftTenantProps, TenancyAudit, TenancyGitOps, TenantGitOps, VirtualClusterDelivery, VirtualTenantCluster } from 'cdk8s-tenancy';

/*
 * Tenants' own GitOps (issue #20 item 6): an Argo CD AppProject or a Flux
 * Kustomization per tenant, running as a service account with the tenant's
 * rights; the platform's Applications in a project of their own. Argo CD's
 * controller does not run here: the AppProject's fields are pinned exactly
 * and validated against Argo CD's schema; what the tenant's service account
 * may do is proven on the real API server (test/cluster/tenant-gitops.cluster.test.ts).
 */

const SA = { kind: 'ServiceAccount' as const, name: 'tenant-gitops', namespace: 'team-a' };
const REPO = 'https://git.example.com/team-a/*';

function tenant(props: Partial<SoftTenantProps>): { objects: K8sObject[]; tenantObjects: K8sObject[] } {
  const app = new App();
  const chart = new Chart(app, 'team-a');
  new SoftTenant(chart, 'TeamA', { name: 'team-a', namespaces: ['team-a', 'team-a-batch'], ...props });
  new SoftTenant(new Chart(app, 'team-b'), 'TeamB', { name: 'team-b' });
  return { objects: synthObjects(app), tenantObjects: chart.toJson() };
}

describe('Argo CD: a project per tenant', () => {
  const { objects, tenantObjects } = tenant({ gitOps: TenantGitOps.argoCd({ sourceRepos: [REPO, 'git@git.example.com:team-a/infra.git'] }) });
  const project = find(objects, 'AppProject', 'tenant-team-a', 'argocd');

  test('every object matches its schema (Argo CD AppProject from @kubernetes-models/argo-cd)', () => {
    expect(validateAll(tenantObjects)).toBe(tenantObjects.length);
  });

  test('destinations are exactly the tenant\'s namespaces; no cluster-scoped kind; the isolation kinds refused; only its repositories', () => {
    expect(project.spec).toEqual({
      description: 'Tenant team-a: its namespaces only, no cluster-scoped objects (cdk8s-tenancy)',
      sourceRepos: [REPO, 'git@git.example.com:team-a/infra.git'],
      destinations: [
        { server: 'https://kubernetes.default.svc', namespace: 'team-a' },
        { server: 'https://kubernetes.default.svc', namespace: 'team-a-batch' },
      ],
      clusterResourceWhitelist: [],
      namespaceResourceBlacklist: [
        { group: 'networking.k8s.io', kind: 'NetworkPolicy' },
        { group: '', kind: 'ResourceQuota' },
        { group: '', kind: 'LimitRange' },
        { group: 'rbac.authorization.k8s.io', kind: 'Role' },
        { group: 'rbac.authorization.k8s.io', kind: 'RoleBinding' },
      ],
      destinationServiceAccounts: [
        { server: 'https://kubernetes.default.svc', namespace: 'team-a', defaultServiceAccount: 'team-a:tenant-gitops' },
        { server: 'https://kubernetes.default.svc', namespace: 'team-a-batch', defaultServiceAccount: 'team-a:tenant-gitops' },
      ],
    });
    expect(project.metadata.labels).toEqual({ 'cdk8s-tenancy.io/tenant': 'team-a', 'cdk8s-tenancy.io/managed-by': 'cdk8s-tenancy' });
  });

  test('the refused kinds are the isolation kinds, which the tenant\'s own rights do not cover either', () => {
    const resources: Record<string, string> = {
      NetworkPolicy: 'networkpolicies', ResourceQuota: 'resourcequotas', LimitRange: 'limitranges', Role: 'roles', RoleBinding: 'rolebindings',
    };
    for (const { group, kind } of project.spec.namespaceResourceBlacklist) {
      expect(can(objects, SA, 'create', group, resources[kind], 'team-a')).toBe(false);
      expect(can(objects, SA, 'delete', group, resources[kind], 'team-a')).toBe(false);
    }
  });

  test('a service account in the first namespace, with the tenant-admin Role in each namespace of the tenant and nowhere else', () => {
    const sa = find(objects, 'ServiceAccount', 'tenant-gitops', 'team-a');
    expect(sa.automountServiceAccountToken).toBe(false);
    for (const ns of ['team-a', 'team-a-batch']) {
      expect(find(objects, 'RoleBinding', 'tenant-gitops', ns)).toMatchObject({
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'tenant-admin' },
        subjects: [{ kind: 'ServiceAccount', name: 'tenant-gitops', namespace: 'team-a' }],
      });
      expect(can(objects, SA, 'create', 'apps', 'deployments', ns)).toBe(true);
      expect(can(objects, SA, 'delete', 'networking.k8s.io', 'networkpolicies', ns)).toBe(false);
    }
    expect(can(objects, SA, 'create', 'apps', 'deployments', 'team-b')).toBe(false);
    expect(can(objects, SA, 'create', '', 'namespaces')).toBe(false);
    expect(ofKind(objects, 'ClusterRoleBinding')).toEqual([]);
  });

  test('snapshot of the tenant\'s GitOps objects', () => {
    const mine = tenantObjects.filter((o) => o.metadata.name === 'tenant-gitops' || o.kind === 'AppProject');
    expect(mine.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'ServiceAccount team-a/tenant-gitops', 'RoleBinding team-a/tenant-gitops', 'RoleBinding team-a-batch/tenant-gitops', 'AppProject argocd/tenant-team-a',
    ]);
    expect(mine).toMatchSnapshot();
  });

  test('another Argo CD namespace and cluster', () => {
    const { objects: other } = tenant({ gitOps: TenantGitOps.argoCd({ sourceRepos: [REPO], namespace: 'gitops', destinationServer: 'https://prod.example.com:6443' }) });
    const p = find(other, 'AppProject', 'tenant-team-a', 'gitops');
    expect(p.spec.destinations.map((d: any) => d.server)).toEqual(['https://prod.example.com:6443', 'https://prod.example.com:6443']);
    expect(p.spec.destinationServiceAccounts[0].server).toBe('https://prod.example.com:6443');
  });
});

describe('Flux: a Kustomization reconciled as the tenant', () => {
  const { objects, tenantObjects } = tenant({ gitOps: TenantGitOps.flux({ url: 'https://git.example.com/team-a/apps.git', path: './prod', secretName: 'git-credentials' }) });

  test('every object matches its schema (Flux Kustomization v1, GitRepository v1)', () => {
    expect(validateAll(tenantObjects)).toBe(tenantObjects.length);
  });

  test('GitRepository and Kustomization in the tenant\'s first namespace, serviceAccountName the tenant\'s account', () => {
    expect(find(objects, 'GitRepository', 'tenant-gitops', 'team-a').spec).toEqual({
      interval: '10m', url: 'https://git.example.com/team-a/apps.git', ref: { branch: 'main' }, secretRef: { name: 'git-credentials' },
    });
    expect(find(objects, 'Kustomization', 'tenant-gitops', 'team-a').spec).toEqual({
      interval: '10m', path: './prod', prune: true, sourceRef: { kind: 'GitRepository', name: 'tenant-gitops' }, serviceAccountName: 'tenant-gitops',
    });
    expect(ofKind(objects, 'AppProject')).toEqual([]);
    expect(find(objects, 'RoleBinding', 'tenant-gitops', 'team-a-batch').roleRef.name).toBe('tenant-admin');
  });

  test('namespaces come before what lives in them', () => {
    const order = tenantObjects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(order.indexOf('Namespace/team-a')).toBeLessThan(order.indexOf('Kustomization/tenant-gitops'));
    expect(order.indexOf('Namespace/team-a-batch')).toBeLessThan(order.lastIndexOf('RoleBinding/tenant-gitops'));
  });

  test('snapshot', () => {
    expect(tenantObjects.filter((o) => o.metadata.name === 'tenant-gitops')).toMatchSnapshot();
  });
});

test('a tenant without gitOps gets none of it', () => {
  const { objects } = tenant({});
  expect(objects.filter((o) => o.metadata.name === 'tenant-gitops' || o.kind === 'AppProject')).toEqual([]);
});

test('written for GitOps, the tenants with their own GitOps pass the audit', () => {
  const app = new App();
  new SoftTenant(new Chart(app, 'team-a'), 'T', { name: 'team-a', namespaces: ['team-a', 'team-a-batch'], gitOps: TenantGitOps.argoCd({ sourceRepos: [REPO] }) });
  new SoftTenant(new Chart(app, 'team-b'), 'T', { name: 'team-b', gitOps: TenantGitOps.flux({ url: 'ssh://git@git.example.com/team-b/apps.git' }) });
  const dir = tempDir('tenant-gitops-');
  TenancyGitOps.write(app, { outdir: dir, progress: false, argoCd: { repoUrl: 'https://git.example.com/platform/gitops.git' } });
  const report = TenancyAudit.auditPaths([dir]);
  expect(report.problems).toEqual([]);
  expect(report.tenants.flatMap((t) => t.checks).filter((c) => c.status === 'fail')).toEqual([]);
  expect(report.tenants.map((t) => t.tenant).sort()).toEqual(['team-a', 'team-b']);
  const argo = YAML.parseAllDocuments(fs.readFileSync(path.join(dir, 'argocd/applications.yaml'), 'utf8')).map((d) => d.toJS());
  expect(argo.map((o: K8sObject) => o.spec.project ?? o.spec.template?.spec.project ?? `${o.kind}:${o.metadata.name}`)).toEqual(['AppProject:cdk8s-tenancy', 'cdk8s-tenancy', 'cdk8s-tenancy']);
});

describe('the platform\'s own Applications leave Argo CD\'s default project', () => {
  const write = (argoCd: any) => {
    const app = new App();
    new SoftTenant(new Chart(app, 'team-a'), 'T', { name: 'team-a' });
    const dir = tempDir('platform-project-');
    TenancyGitOps.write(app, { outdir: dir, progress: false, argoCd });
    return YAML.parseAllDocuments(fs.readFileSync(path.join(dir, 'argocd/applications.yaml'), 'utf8')).map((d) => d.toJS()) as K8sObject[];
  };

  test('by default, a project of the library\'s limited to the platform repository, used by the Application and the ApplicationSet', () => {
    const [project, platform, set] = write({ repoUrl: 'https://git.example.com/platform/gitops.git' });
    expect(validateAll([project, platform, set])).toBe(3);
    expect(project).toEqual({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: 'cdk8s-tenancy', namespace: 'argocd', labels: { 'cdk8s-tenancy.io/managed-by': 'cdk8s-tenancy' } },
      spec: {
        description: 'The tenancy platform and its tenants\' baselines (cdk8s-tenancy)',
        sourceRepos: ['https://git.example.com/platform/gitops.git'],
        destinations: [{ server: 'https://kubernetes.default.svc', namespace: '*' }],
        clusterResourceWhitelist: [{ group: '*', kind: '*' }],
        destinationServiceAccounts: [{ server: 'https://kubernetes.default.svc', namespace: '*', defaultServiceAccount: 'argocd:argocd-application-controller' }],
      },
    });
    expect(platform.spec.project).toBe('cdk8s-tenancy');
    expect(set.spec.template.spec.project).toBe('cdk8s-tenancy');
  });

  test('with sync impersonation on (enforced by default), the platform\'s Applications sync as Argo CD\'s controller account, in Argo CD\'s namespace', () => {
    // Without a service account for its destination, Argo CD refuses to
    // sync (found by Argo CD's own code: test/argocd-project.test.ts).
    const [project] = write({ repoUrl: 'https://git.example.com/platform/gitops.git', namespace: 'gitops', destinationServer: 'https://prod.example.com:6443' });
    expect(project.spec.destinationServiceAccounts).toEqual([
      { server: 'https://prod.example.com:6443', namespace: '*', defaultServiceAccount: 'gitops:argocd-application-controller' },
    ]);
    expect(project.spec.destinations).toEqual([{ server: 'https://prod.example.com:6443', namespace: '*' }]);
  });

  test('a project of the user\'s: used, and not written', () => {
    const objects = write({ repoUrl: 'https://git.example.com/platform/gitops.git', project: 'platform' });
    expect(objects.map((o) => o.kind)).toEqual(['Application', 'ApplicationSet']);
    expect(objects.map((o) => o.spec.project ?? o.spec.template.spec.project)).toEqual(['platform', 'platform']);
  });

  test.each([
    ['default', /invalid argoCd.project 'default': must name an Argo CD AppProject of yours \(a DNS-1123 label\), not 'default', which takes any repository. Leave it out/],
    ['Platform Apps', /invalid argoCd.project 'Platform Apps': must name an Argo CD AppProject of yours/],
  ])('project %s is refused, nothing written', (project, message) => {
    const dir = tempDir('platform-project-');
    const app = new App();
    new SoftTenant(new Chart(app, 'team-a'), 'T', { name: 'team-a' });
    expect(() => TenancyGitOps.write(app, { outdir: dir, progress: false, argoCd: { repoUrl: 'https://git.example.com/x.git', project } })).toThrow(message);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('bad values: a clear error naming the prop, the value and what is allowed; the tenant emits nothing', () => {
  test.each([
    ['not a TenantGitOps', { gitOps: { sourceRepos: [REPO] } as any }, /invalid gitOps \{"sourceRepos":.*\}: is not a TenantGitOps. Use TenantGitOps.argoCd/],
    ['no source repository', { gitOps: TenantGitOps.argoCd({ sourceRepos: [] }) }, /invalid gitOps.sourceRepos \[\]: must list at least one Git repository/],
    ['any repository', { gitOps: TenantGitOps.argoCd({ sourceRepos: ['*'] }) }, /invalid gitOps.sourceRepos\[0\] '\*': must be a Git URL .* a bare '\*' would allow any repository/],
    ['a repository that is not a URL', { gitOps: TenantGitOps.argoCd({ sourceRepos: [REPO, 'team-a-repo'] }) }, /invalid gitOps.sourceRepos\[1\] 'team-a-repo': must be a Git URL/],
    ['a repository twice', { gitOps: TenantGitOps.argoCd({ sourceRepos: [REPO, REPO] }) }, /invalid gitOps.sourceRepos .*: lists a repository twice/],
    ['an Argo CD namespace that is not a name', { gitOps: TenantGitOps.argoCd({ sourceRepos: [REPO], namespace: 'Argo CD' }) }, /invalid gitOps.namespace 'Argo CD': must be a DNS-1123 label/],
    ['a cluster that is not https', { gitOps: TenantGitOps.argoCd({ sourceRepos: [REPO], destinationServer: 'http://prod:6443' }) }, /invalid gitOps.destinationServer 'http:\/\/prod:6443': must be the https:\/\/ URL/],
    ['a Flux URL in scp form', { gitOps: TenantGitOps.flux({ url: 'git@git.example.com:team-a/apps.git' }) }, /invalid gitOps.url 'git@git.example.com:team-a\/apps.git': must be a Git URL Flux reads .*ssh:\/\/git@host\/path/],
    ['a branch that is not a branch', { gitOps: TenantGitOps.flux({ url: 'https://git.example.com/a.git', branch: 'main..dev' }) }, /invalid gitOps.branch 'main..dev': must be a Git branch name/],
    ['a path leaving the repository', { gitOps: TenantGitOps.flux({ url: 'https://git.example.com/a.git', path: '../platform' }) }, /invalid gitOps.path '..\/platform': must be a relative path inside the repository/],
    ['an absolute path', { gitOps: TenantGitOps.flux({ url: 'https://git.example.com/a.git', path: '/etc' }) }, /invalid gitOps.path '\/etc'/],
    ['an interval that is not a duration', { gitOps: TenantGitOps.flux({ url: 'https://git.example.com/a.git', interval: 'hourly' }) }, /invalid gitOps.interval 'hourly': must be a Go duration/],
    ['a secret that is not a name', { gitOps: TenantGitOps.flux({ url: 'https://git.example.com/a.git', secretName: 'Git_Creds' }) }, /invalid gitOps.secretName 'Git_Creds': must be a DNS-1123 subdomain/],
  ])('%s', (_, props, message) => {
    const app = new App();
    const chart = new Chart(app, 'tenants');
    expect(() => new SoftTenant(chart, 'TeamA', { name: 'team-a', ...props })).toThrow(message);
    expect(chart.toJson()).toEqual([]);
    // Nothing claimed either: the same tenant, fixed, is accepted.
    expect(() => new SoftTenant(new Chart(app, 'fixed'), 'TeamA', { name: 'team-a' })).not.toThrow();
  });
});

test('the README\'s replication example: the object in every namespace of every tenant, in each tenant\'s own file, held by the guard', () => {
  const app = new App();
  const tenants = ['team-a', 'team-b', 'team-c'].map((name) => new SoftTenant(new Chart(app, name), 'Tenant', { name, ...(name === 'team-c' ? { namespaces: ['team-c', 'team-c-ml'] } : {}) }));
  for (const t of tenants) {
    for (const namespace of t.namespaces) {
      new k8s.KubeConfigMap(t, `corporate-ca-${namespace}`, {
        metadata: { name: 'corporate-ca', namespace, labels: t.labels },
        data: { 'ca.crt': '-----BEGIN CERTIFICATE-----\n...' },
      });
    }
  }
  const dir = tempDir('replicate-');
  TenancyGitOps.write(app, { outdir: dir, progress: false });
  for (const [name, namespaces] of [['team-a', ['team-a']], ['team-b', ['team-b']], ['team-c', ['team-c', 'team-c-ml']]] as const) {
    const file = YAML.parseAllDocuments(fs.readFileSync(path.join(dir, `tenants/${name}/manifests.yaml`), 'utf8')).map((d) => d.toJS()) as K8sObject[];
    const copies = file.filter((o) => o.kind === 'ConfigMap' && o.metadata.name === 'corporate-ca');
    expect(copies.map((o) => o.metadata.namespace)).toEqual(namespaces);
    // The managed-by label: the guardrails refuse tenants changing or deleting it.
    expect(copies.every((o) => o.metadata.labels?.['cdk8s-tenancy.io/managed-by'] === 'cdk8s-tenancy' && o.metadata.labels?.['cdk8s-tenancy.io/tenant'] === name)).toBe(true);
  }
  expect(TenancyAudit.auditPaths([dir]).passed).toBe(true);
});

test('a vcluster\'s Application is the platform\'s too: in its project, which takes the vcluster chart repository', () => {
  const app = new App();
  const t = new SoftTenant(new Chart(app, 'team-a'), 'T', { name: 'team-a' });
  t.addExtension(VirtualTenantCluster.forTenant({ delivery: VirtualClusterDelivery.argoCd(), apiServerCidrs: ['10.0.0.1/32'] }));
  const dir = tempDir('vcluster-project-');
  TenancyGitOps.write(app, { outdir: dir, progress: false, argoCd: { repoUrl: 'https://git.example.com/platform/gitops.git' } });
  const vcluster = (YAML.parseAllDocuments(fs.readFileSync(path.join(dir, 'tenants/team-a/manifests.yaml'), 'utf8')).map((d) => d.toJS()) as K8sObject[])
    .find((o) => o.kind === 'Application')!;
  expect(vcluster.spec.project).toBe('cdk8s-tenancy');
  const [project] = YAML.parseAllDocuments(fs.readFileSync(path.join(dir, 'argocd/applications.yaml'), 'utf8')).map((d) => d.toJS());
  expect(project.spec.sourceRepos).toEqual(['https://git.example.com/platform/gitops.git', vcluster.spec.source.repoURL]);
});
