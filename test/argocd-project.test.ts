import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { buildGoTool } from './helpers/go-tool';
import { K8sObject, synthObjects } from './helpers/manifests';
import { tempDir } from './helpers/temp-dir';
import { enterprise } from '../examples/enterprise/app';
import { quickstart } from '../examples/quickstart/app';
import { writeSaas } from '../examples/saas/app';
import { selfservice } from '../examples/selfservice/app';
import { vcluster } from '../examples/vcluster/app';
import { SoftTenant, TenancyGitOps, TenantGitOps, VirtualClusterDelivery, VirtualTenantCluster } from 'cdk8s-tenancy';

/*
 * The AppProjects the library writes, judged by Argo CD's own code (issue
 * #20 item 6). Argo CD's controller does not run here, but what decides
 * whether a project lets an Application sync is plain Go in its API types
 * (AppProject.IsAppNamespacePermitted, IsSourcePermitted,
 * IsDestinationPermitted, IsGroupKindNamePermitted) and its settings
 * (DeriveServiceAccountToImpersonate): test/engines/argocd builds a small
 * program on those functions, from github.com/argoproj/argo-cd/v3 as go.mod
 * pins it, that answers for every Application and every object it would
 * sync as the API server and the application controller would.
 *
 * The expected answers come from the tenants' declared namespaces and the
 * design's rules (security-invariants.md), not from the AppProject: a
 * tenant's Applications reach exactly its own namespaces, never a
 * cluster-scoped kind, never the kinds that isolate it; the platform's
 * reach everything from the platform's repository only; nobody's
 * Applications may come from a tenant's namespace. Each case that differs
 * fails by its name.
 */

const ENGINE = path.join(__dirname, 'engines', 'argocd');
const ARGOCD = 'argocd';
const IN_CLUSTER = { server: 'https://kubernetes.default.svc', name: 'in-cluster' };
const PROD_EU = { server: 'https://prod-eu.example.com:6443', name: 'prod-eu' };
const CLUSTERS = [IN_CLUSTER, PROD_EU];
const TENANT_LABEL = 'cdk8s-tenancy.io/tenant';
const PLATFORM_REPO = 'https://git.example.com/platform/gitops.git';
/** Whom Argo CD's application controller runs as (Argo CD's install): the platform's Applications impersonate it. */
const CONTROLLER_ACCOUNT = `system:serviceaccount:${ARGOCD}:argocd-application-controller`;

interface Resource { group: string; kind: string; name: string; namespace?: string; namespaced: boolean }
interface Case { id: string; application: K8sObject; resources?: Resource[] }
interface Verdict {
  id: string;
  projectInvalid: string;
  appNamespace: string;
  sources: string[];
  destination: string;
  serviceAccount: string;
  serviceAccountError: string;
  resources: string[];
}

// The kinds a tenant's workloads need, namespaced.
const WORKLOAD_KINDS: [string, string][] = [
  ['apps', 'Deployment'], ['apps', 'StatefulSet'], ['batch', 'Job'], ['batch', 'CronJob'], ['', 'Service'], ['', 'ConfigMap'],
  ['', 'Secret'], ['', 'ServiceAccount'], ['', 'PersistentVolumeClaim'], ['networking.k8s.io', 'Ingress'],
  ['autoscaling', 'HorizontalPodAutoscaler'], ['policy', 'PodDisruptionBudget'], ['gateway.networking.k8s.io', 'HTTPRoute'],
];

// What holds a tenant in (security-invariants.md, RBAC): written by the
// library, never by the tenant's own GitOps.
const ISOLATION_KINDS: [string, string][] = [
  ['networking.k8s.io', 'NetworkPolicy'], ['', 'ResourceQuota'], ['', 'LimitRange'],
  ['rbac.authorization.k8s.io', 'Role'], ['rbac.authorization.k8s.io', 'RoleBinding'],
];

// Cluster-scoped kinds: a tenant's project refuses every one. Also the
// scope oracle for the objects the platform's Applications sync: an object
// without a namespace must be of one of these kinds, or the test fails
// naming it rather than guess its scope.
const CLUSTER_KINDS: [string, string][] = [
  ['', 'Namespace'], ['', 'Node'], ['', 'PersistentVolume'],
  ['rbac.authorization.k8s.io', 'ClusterRole'], ['rbac.authorization.k8s.io', 'ClusterRoleBinding'],
  ['apiextensions.k8s.io', 'CustomResourceDefinition'],
  ['admissionregistration.k8s.io', 'ValidatingAdmissionPolicy'], ['admissionregistration.k8s.io', 'ValidatingAdmissionPolicyBinding'],
  ['admissionregistration.k8s.io', 'MutatingWebhookConfiguration'], ['admissionregistration.k8s.io', 'ValidatingWebhookConfiguration'],
  ['scheduling.k8s.io', 'PriorityClass'], ['node.k8s.io', 'RuntimeClass'], ['storage.k8s.io', 'StorageClass'],
  ['networking.k8s.io', 'IngressClass'], ['gateway.networking.k8s.io', 'GatewayClass'],
  ['kyverno.io', 'ClusterPolicy'], ['policies.kyverno.io', 'MutatingPolicy'], ['policies.kyverno.io', 'ValidatingPolicy'],
  ['templates.gatekeeper.sh', 'ConstraintTemplate'], ['mutations.gatekeeper.sh', 'Assign'], ['mutations.gatekeeper.sh', 'AssignMetadata'],
  ['hnc.x-k8s.io', 'HNCConfiguration'], ['sailoperator.io', 'Istio'], ['sailoperator.io', 'IstioCNI'],
  ['karpenter.sh', 'NodePool'], ['karpenter.k8s.aws', 'EC2NodeClass'],
];

/** Argo CD 3.6 needs Go 1.27 (its go.mod): fetched by the go command if the local Go is older. */
const TOOLCHAIN = 'go1.27.3';

let tool: string;
beforeAll(() => {
  tool = buildGoTool({ moduleDir: ENGINE, pkg: '.', name: 'argocd-project', toolchain: TOOLCHAIN });
}, 1_800_000);

/** Argo CD's answers, by case id. */
function judge(projects: K8sObject[], cases: Case[]): Map<string, Verdict> {
  const out: Verdict[] = JSON.parse(execFileSync(tool, {
    input: JSON.stringify({ controllerNamespace: ARGOCD, clusters: CLUSTERS, projects, cases }),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  }));
  expect(out.map((v) => v.id)).toEqual(cases.map((c) => c.id));
  return new Map(out.map((v) => [v.id, v]));
}

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

/** Every object of every YAML file under `dir`, by file (relative). */
function readTree(dir: string): Map<string, K8sObject[]> {
  const out = new Map<string, K8sObject[]>();
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      if (e.isDirectory()) walk(r);
      else if (e.name.endsWith('.yaml')) out.set(r, YAML.parseAllDocuments(fs.readFileSync(path.join(dir, r), 'utf8')).map((d) => d.toJS()).filter((o) => o));
    }
  };
  walk('');
  return out;
}

/** An object as the controller syncs it: its scope from the kind lists above, never guessed. */
function asResource(o: K8sObject): Resource {
  const group = groupOf(o.apiVersion);
  const cluster = CLUSTER_KINDS.some(([g, k]) => g === group && k === o.kind);
  if (!cluster && !o.metadata.namespace) throw new Error(`${o.kind} ${o.metadata.name} (${group || 'core'}) has no namespace and is not a known cluster-scoped kind: add its scope to CLUSTER_KINDS`);
  if (cluster && o.metadata.namespace) throw new Error(`${o.kind} ${o.metadata.name} is cluster-scoped but has namespace ${o.metadata.namespace}`);
  return { group, kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace, namespaced: !cluster };
}

type Fields = Record<string, unknown>;

function application(name: string, project: string, source: Fields, destination: Fields, namespace = ARGOCD): K8sObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace },
    spec: { project, source: { targetRevision: 'HEAD', path: '.', ...source }, destination },
  };
}

/** A repository each of the project's sourceRepos patterns matches (a glob's `*` as `apps`). */
function reposOf(project: K8sObject): string[] {
  return project.spec.sourceRepos.map((r: string) => r.replace(/\*+/g, 'apps'));
}

interface TenantProject {
  /** Where it comes from, for the test names. */
  readonly origin: string;
  readonly project: K8sObject;
  readonly tenant: string;
  /** The tenant's namespaces, from its Namespace objects (not from the project). */
  readonly namespaces: string[];
  /** Every other namespace the output declares, and the cluster's own. */
  readonly others: string[];
  /** The cluster the tenant's namespaces are on. */
  readonly cluster: { server: string; name: string };
}

/** The cases a tenant's project must answer, and what Argo CD must say. */
function tenantCases(t: TenantProject): { cases: Case[]; expect: (v: Map<string, Verdict>) => void } {
  const p = t.project.metadata.name;
  const repo = reposOf(t.project)[0];
  const home = t.namespaces[0];
  const other = t.cluster === IN_CLUSTER ? PROD_EU : IN_CLUSTER;
  const cases: Case[] = [];
  const checks: ((v: Map<string, Verdict>) => void)[] = [];
  const id = (s: string) => `${t.origin} ${p}: ${s}`;
  const add = (c: Case, check: (v: Verdict) => void) => {
    cases.push(c);
    checks.push((m) => check(m.get(c.id)!));
  };
  const resources = (ns: string | undefined, kinds: [string, string][], namespaced: boolean) =>
    kinds.map(([group, kind]) => ({ group, kind, name: `x-${kind.toLowerCase()}`, namespace: namespaced ? ns : undefined, namespaced }));

  for (const ns of t.namespaces) {
    // Its own namespace: the Application is accepted, syncs as the tenant,
    // and the workloads go in (with or without a namespace of their own).
    const workloads = resources(ns, WORKLOAD_KINDS, true);
    const defaulted = resources(undefined, WORKLOAD_KINDS, true);
    const isolation = resources(ns, ISOLATION_KINDS, true);
    const clusterScoped = resources(undefined, CLUSTER_KINDS, false);
    const elsewhere = [...t.others, ...t.namespaces.filter((n) => n !== ns)].map((n) => ({ group: 'apps', kind: 'Deployment', name: 'web', namespace: n, namespaced: true }));
    for (const [repoIndex, r] of reposOf(t.project).entries()) {
      add({ id: id(`an Application from sourceRepos[${repoIndex}] into ${ns}`), application: application(`${t.tenant}-apps`, p, { repoURL: r }, { server: t.cluster.server, namespace: ns }) }, (v) => {
        expect([v.id, v.sources]).toEqual([v.id, ['']]);
      });
    }
    add({
      id: id(`an Application into ${ns}`),
      application: application(`${t.tenant}-apps`, p, { repoURL: repo }, { server: t.cluster.server, namespace: ns }),
      resources: [...workloads, ...defaulted, ...isolation, ...clusterScoped, ...elsewhere],
    }, (v) => {
      expect([v.id, v.projectInvalid, v.appNamespace, v.sources, v.destination]).toEqual([v.id, '', '', [''], '']);
      // With sync impersonation on, Argo CD applies as the tenant's own account.
      expect([v.id, v.serviceAccount, v.serviceAccountError]).toEqual([v.id, `system:serviceaccount:${home}:tenant-gitops`, '']);
      let i = 0;
      const next = (n: number) => v.resources.slice(i, (i += n));
      const named = (rs: Resource[], verdicts: string[]) => rs.map((r, j) => `${r.kind} ${r.namespace ?? '(no namespace)'}: ${verdicts[j] || 'permitted'}`);
      expect(named(workloads, next(workloads.length))).toEqual(named(workloads, workloads.map(() => '')));
      expect(named(defaulted, next(defaulted.length))).toEqual(named(defaulted, defaulted.map(() => '')));
      expect(named(isolation, next(isolation.length))).toEqual(named(isolation, isolation.map((r) => `resource ${r.group}:${r.kind} is not permitted in project ${p}`)));
      expect(named(clusterScoped, next(clusterScoped.length))).toEqual(named(clusterScoped, clusterScoped.map((r) => `resource ${r.group}:${r.kind} is not permitted in project ${p}`)));
      expect(named(elsewhere, next(elsewhere.length))).toEqual(named(elsewhere, elsewhere.map((r) =>
        (t.namespaces.includes(r.namespace!) ? '' : `namespace ${r.namespace} is not permitted in project '${p}'`))));
      expect(i).toBe(v.resources.length);
    });
    // The same namespace name on another cluster is not the tenant's.
    add({ id: id(`an Application into ${ns} on ${other.name}`), application: application(`${t.tenant}-apps`, p, { repoURL: repo }, { server: other.server, namespace: ns }) }, (v) => {
      expect([v.id, v.destination]).toEqual([v.id, `application destination server '${other.server}' and namespace '${ns}' do not match any of the allowed destinations in project '${p}'`]);
    });
    // By cluster name, as Argo CD also allows.
    add({ id: id(`an Application into ${ns} by cluster name`), application: application(`${t.tenant}-apps`, p, { repoURL: repo }, { name: t.cluster.name, namespace: ns }) }, (v) => {
      expect([v.id, v.destination]).toEqual([v.id, '']);
    });
  }
  for (const ns of [...t.others, '*', '']) {
    add({ id: id(`an Application into ${ns || '(no namespace)'}`), application: application(`${t.tenant}-apps`, p, { repoURL: repo }, { server: t.cluster.server, namespace: ns }) }, (v) => {
      expect([v.id, v.destination]).toEqual([v.id, `application destination server '${t.cluster.server}' and namespace '${ns}' do not match any of the allowed destinations in project '${p}'`]);
    });
  }
  for (const foreign of ['https://git.example.com/someone-else/apps.git', PLATFORM_REPO, 'https://charts.loft.sh']) {
    add({ id: id(`an Application from ${foreign}`), application: application(`${t.tenant}-apps`, p, { repoURL: foreign }, { server: t.cluster.server, namespace: home }) }, (v) => {
      expect([v.id, v.sources]).toEqual([v.id, [`application repo ${foreign} is not permitted in project '${p}'`]]);
    });
  }
  // Only Argo CD's own namespace holds Applications of the project: an
  // Application a tenant writes in its namespace may not use it.
  add({ id: id(`an Application in the tenant's namespace ${home}`), application: application(`${t.tenant}-apps`, p, { repoURL: repo }, { server: t.cluster.server, namespace: home }, home) }, (v) => {
    expect([v.id, v.appNamespace]).toEqual([v.id, `application in namespace "${home}" may not use project "${p}"`]);
  });
  return { cases, expect: (m) => checks.forEach((c) => c(m)) };
}

/** Every tenant's AppProject in a written GitOps tree, with the tenant's namespaces from its own file. */
type ClusterRef = { server: string; name: string };

function tenantProjects(origin: string, tree: Map<string, K8sObject[]>, clusterOf: (tenant: string) => ClusterRef): TenantProject[] {
  const all = [...tree.values()].flat();
  const namespaces = all.filter((o) => o.kind === 'Namespace');
  const declared = [...new Set([...namespaces.map((n) => n.metadata.name), ...all.map((o) => o.metadata.namespace).filter((n): n is string => !!n)])];
  return all.filter((o) => o.kind === 'AppProject' && o.metadata.labels?.[TENANT_LABEL]).map((project) => {
    const tenant = project.metadata.labels![TENANT_LABEL];
    const own = namespaces.filter((n) => n.metadata.labels?.[TENANT_LABEL] === tenant).map((n) => n.metadata.name);
    const others = [...new Set([...declared.filter((n) => !own.includes(n)), 'kube-system', 'kube-public', 'default', ARGOCD])];
    return { origin, project, tenant, namespaces: own, others, cluster: clusterOf(tenant) };
  });
}

/**
 * The Applications the platform's project serves: the written ones and the
 * ApplicationSet's, one per tenant directory, each with the directory of the
 * tree it syncs. `root` is where the tree sits in the repository (the
 * writer's `path`, else the output directory's name).
 */
function platformApplications(tree: Map<string, K8sObject[]>, root: string): { app: K8sObject; dir: string }[] {
  const out: { app: K8sObject; dir: string }[] = [];
  const inTree = (repoPath: string) => path.relative(root, repoPath);
  for (const o of [...tree.values()].flat()) {
    if (o.kind === 'Application') {
      out.push({ app: o, dir: o.spec.source.chart ? '' : inTree(o.spec.source.path) });
    } else if (o.kind === 'ApplicationSet') {
      const tenantDirs = new Set([...tree.keys()].filter((f) => f.startsWith(`tenants${path.sep}`)).map((f) => path.dirname(f)));
      for (const dir of tenantDirs) {
        const filled = JSON.stringify(o.spec.template).replace(/\{\{\.path\.basename\}\}/g, path.basename(dir)).replace(/\{\{\.path\.path\}\}/g, path.join(root, dir));
        const template = JSON.parse(filled);
        out.push({ app: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { ...template.metadata, namespace: o.metadata.namespace }, spec: template.spec }, dir });
      }
    }
  }
  return out;
}

/** What an Application syncs: the objects of its directory (none for a chart, which Helm renders). */
function syncedBy(tree: Map<string, K8sObject[]>, a: { app: K8sObject; dir: string }): Resource[] {
  if (a.app.spec.source.chart) return [];
  return [...tree.entries()].filter(([f]) => path.dirname(f) === a.dir).flatMap(([, objs]) => objs).map(asResource);
}

describe('tenants\' projects and the platform\'s, judged by Argo CD v3\'s own code', () => {
  const outdir = tempDir('argocd-project-');
  const app = new App();
  const teamA = new SoftTenant(new Chart(app, 'team-a'), 'TeamA', {
    name: 'team-a',
    namespaces: ['team-a', 'team-a-batch'],
    gitOps: TenantGitOps.argoCd({ sourceRepos: ['https://git.example.com/team-a/*', 'git@git.example.com:team-a/infra.git'] }),
  });
  teamA.addExtension(VirtualTenantCluster.forTenant({ delivery: VirtualClusterDelivery.argoCd(), apiServerCidrs: ['10.0.0.1/32'] }));
  new SoftTenant(new Chart(app, 'team-b'), 'TeamB', {
    name: 'team-b',
    gitOps: TenantGitOps.argoCd({ sourceRepos: ['ssh://git@git.example.com/team-b/apps.git'], destinationServer: PROD_EU.server }),
  });
  new SoftTenant(new Chart(app, 'team-c'), 'TeamC', { name: 'team-c', gitOps: TenantGitOps.flux({ url: 'https://git.example.com/team-c/apps.git' }) });
  new SoftTenant(new Chart(app, 'team-d'), 'TeamD', { name: 'team-d', namespaces: ['team-d', 'team-d-ml', 'team-d-web'], gitOps: TenantGitOps.argoCd({ sourceRepos: ['https://git.example.com/team-d/*'] }) });
  TenancyGitOps.write(app, { outdir, progress: false, argoCd: { repoUrl: PLATFORM_REPO } });
  const tree = readTree(outdir);
  const projects = tenantProjects('fixture', tree, (t) => (t === 'team-b' ? PROD_EU : IN_CLUSTER));
  const platformProject = tree.get('argocd/applications.yaml')!.find((o) => o.kind === 'AppProject')!;

  test('every tenant with Argo CD has its project, and the tenants without none', () => {
    expect(projects.map((p) => [p.tenant, p.project.metadata.name, p.namespaces])).toEqual([
      ['team-a', 'tenant-team-a', ['team-a', 'team-a-batch']],
      ['team-b', 'tenant-team-b', ['team-b']],
      ['team-d', 'tenant-team-d', ['team-d', 'team-d-ml', 'team-d-web']],
    ]);
  });

  test('a tenant\'s Applications reach exactly its namespaces, its repositories, no cluster-scoped kind nor the kinds that isolate it, and sync as the tenant', () => {
    const all = projects.map(tenantCases);
    const cases = all.flatMap((c) => c.cases);
    const verdicts = judge([platformProject, ...projects.map((p) => p.project)], cases);
    for (const c of all) c.expect(verdicts);
    // One answer per case: no two cases share a name.
    expect(verdicts.size).toBe(cases.length);
  });

  test('the platform\'s Applications (platform, each tenant\'s baseline, the vcluster) sync everything they deploy, from the platform\'s repository and the vcluster chart\'s only', () => {
    const apps = platformApplications(tree, path.basename(outdir));
    expect(apps.map(({ app: o }) => o.metadata.name).sort()).toEqual(['cdk8s-tenancy-platform', 'tenant-team-a', 'tenant-team-b', 'tenant-team-c', 'tenant-team-d', 'vcluster-team-a']);
    const cases: Case[] = apps.map((a) => ({ id: a.app.metadata.name, application: a.app, resources: syncedBy(tree, a) }));
    expect(cases.filter((c) => c.id !== 'vcluster-team-a').every((c) => c.resources!.length > 0)).toBe(true);
    const verdicts = judge([platformProject], cases);
    for (const c of cases) {
      const v = verdicts.get(c.id)!;
      expect([c.id, v.projectInvalid, v.appNamespace, v.sources, v.destination]).toEqual([c.id, '', '', [''], '']);
      const refused = c.resources!.map((r, i) => [`${r.kind} ${r.namespace ?? ''}/${r.name}`, v.resources[i]]).filter(([, x]) => x !== '');
      expect([c.id, refused]).toEqual([c.id, []]);
      // With impersonation on, Argo CD enforces a service account for every
      // destination by default (application.sync.impersonation.enforced):
      // without one the platform's Applications would not sync at all.
      expect([c.id, v.serviceAccount, v.serviceAccountError]).toEqual([c.id, CONTROLLER_ACCOUNT, '']);
    }
  });

  test('the platform\'s project refuses other repositories, other clusters, and Applications from a tenant\'s namespace', () => {
    const platform = application('x', 'cdk8s-tenancy', { repoURL: PLATFORM_REPO, path: 'platform' }, { server: IN_CLUSTER.server });
    const cases: Case[] = [
      { id: 'a tenant\'s repository', application: application('x', 'cdk8s-tenancy', { repoURL: 'https://git.example.com/team-a/apps.git' }, { server: IN_CLUSTER.server }) },
      { id: 'another cluster', application: application('x', 'cdk8s-tenancy', { repoURL: PLATFORM_REPO }, { server: PROD_EU.server }) },
      { id: 'an Application in team-a', application: { ...platform, metadata: { name: 'x', namespace: 'team-a' } } },
    ];
    const v = judge([platformProject], cases);
    expect(v.get('a tenant\'s repository')!.sources).toEqual(['application repo https://git.example.com/team-a/apps.git is not permitted in project \'cdk8s-tenancy\'']);
    expect(v.get('another cluster')!.destination).toMatch(/^application destination server 'https:\/\/prod-eu.example.com:6443' and namespace '' do not match any of the allowed destinations in project 'cdk8s-tenancy'$/);
    expect(v.get('an Application in team-a')!.appNamespace).toBe('application in namespace "team-a" may not use project "cdk8s-tenancy"');
  });
});

describe('examples/saas (Argo CD: the platform\'s project and its ApplicationSet over 5 customers)', () => {
  const outdir = tempDir('argocd-saas-');
  writeSaas(outdir, 5);

  test('each customer\'s baseline syncs in the platform\'s project, as the controller\'s own account', () => {
    const tree = readTree(outdir);
    const root = 'clusters/prod';
    const project = tree.get('argocd/applications.yaml')!.find((o) => o.kind === 'AppProject')!;
    const apps = platformApplications(tree, root);
    expect(apps).toHaveLength(6);
    const cases: Case[] = apps.map((a) => ({ id: a.app.metadata.name, application: a.app, resources: syncedBy(tree, a) }));
    const verdicts = judge([project], cases);
    for (const c of cases) {
      const v = verdicts.get(c.id)!;
      expect(c.resources!.length).toBeGreaterThan(0);
      expect([c.id, v.projectInvalid, v.sources, v.destination, v.resources.filter((x) => x !== '')]).toEqual([c.id, '', [''], '', []]);
      expect([c.id, v.serviceAccount]).toEqual([c.id, CONTROLLER_ACCOUNT]);
    }
    judgeTenantProjects(tenantProjects('examples/saas', tree, () => IN_CLUSTER), [project]);
  });
});

/** Judges tenant projects as the fixture's are; returns how many. */
function judgeTenantProjects(tenants: TenantProject[], others: K8sObject[] = []): number {
  if (tenants.length === 0) return 0;
  const all = tenants.map(tenantCases);
  const verdicts = judge([...others, ...tenants.map((t) => t.project)], all.flatMap((c) => c.cases));
  for (const c of all) c.expect(verdicts);
  return tenants.length;
}

// The other examples (kaas is AWS CDK: its clusters have no Argo CD
// objects): a tenant's own Argo CD project any of them writes is judged
// like the fixture's; none of their Applications uses Argo CD's default project.
describe.each([
  ['enterprise', enterprise], ['quickstart', quickstart], ['selfservice', selfservice], ['vcluster', vcluster],
] as const)('examples/%s', (name, build) => {
  test('no Application in Argo CD\'s default project; every tenant\'s own project judged by Argo CD', () => {
    const app = Testing.app({ outdir: tempDir('cdk8s-app-') });
    build(app);
    const objects = synthObjects(app);
    const inDefault = objects.filter((o) => o.kind === 'Application' && (o.spec.project ?? 'default') === 'default');
    expect(inDefault.map((o) => o.metadata.name)).toEqual([]);
    const tenants = tenantProjects(`examples/${name}`, new Map([['all', objects]]), () => IN_CLUSTER);
    expect(judgeTenantProjects(tenants)).toBe(objects.filter((o) => o.kind === 'AppProject' && o.metadata.labels?.[TENANT_LABEL]).length);
  });
});

test('the program refuses a project with a field Argo CD does not know, rather than drop a misspelt restriction', () => {
  const project = { apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'p', namespace: ARGOCD }, spec: { sourceRepos: ['*'], clusterResourceWhitelists: [] } };
  expect(() => execFileSync(tool, { input: JSON.stringify({ controllerNamespace: ARGOCD, clusters: CLUSTERS, projects: [project], cases: [] }), encoding: 'utf8', stdio: 'pipe' }))
    .toThrow(/projects\[0\] is not an Argo CD AppProject: json: unknown field "clusterResourceWhitelists"/);
});
