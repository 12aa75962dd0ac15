import * as fs from 'fs';
import * as path from 'path';
import { App as CdkApp, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { App, Testing } from 'cdk8s';
import * as ts from 'typescript';
import * as YAML from 'yaml';
import { kyvernoApply } from './helpers/kyverno-cli';
import { K8sObject, ofKind, synthObjects } from './helpers/manifests';
import { kyvernoCelMutate } from './helpers/mutation';
import { validateAll } from './helpers/schema';
import { tempDir } from './helpers/temp-dir';
import { enterprise } from '../examples/enterprise/app';
import { kaas } from '../examples/kaas/app';
import { quickstart } from '../examples/quickstart/app';
import { customers, PLAN_LABEL, planOf, saasMain, writeSaas } from '../examples/saas/app';
import { selfservice } from '../examples/selfservice/app';
import { vcluster } from '../examples/vcluster/app';
import { TenancyAudit } from 'cdk8s-tenancy';

const ROOT = path.join(__dirname, '..');

describe('examples/quickstart', () => {
  const app = Testing.app({ outdir: tempDir('cdk8s-app-') });
  quickstart(app);
  const objects = synthObjects(app);

  test('synthesizes valid objects', () => {
    expect(validateAll(objects)).toBe(objects.length);
    expect(objects.length).toBeGreaterThan(30);
  });

  test('passes the tenancy audit', () => {
    const report = TenancyAudit.auditObjects(objects);
    expect(report.problems).toEqual([]);
    expect(report.passed).toBe(true);
  });

  test('writes one file per chart, the platform apart from the tenant', () => {
    const outdir = tempDir('quickstart-');
    const out = new App({ outdir });
    quickstart(out);
    out.synth();
    expect(fs.readdirSync(outdir).sort()).toEqual(['platform.k8s.yaml', 'team-a.k8s.yaml']);
  });

  test('the tenant has two namespaces, its members and the platform priority class', () => {
    expect(ofKind(objects, 'Namespace').map((n: K8sObject) => n.metadata.name)).toEqual(['team-a', 'team-a-staging']);
    expect(ofKind(objects, 'PriorityClass').map((n: K8sObject) => n.metadata.name)).toEqual(['tenant-high']);
    expect(ofKind(objects, 'RoleBinding')).toHaveLength(4);
  });
});

describe('examples/enterprise', () => {
  const app = Testing.app({ outdir: tempDir('cdk8s-app-') });
  enterprise(app);
  const objects = synthObjects(app);
  const report = TenancyAudit.auditObjects(objects);

  test('the full output, pinned (a snapshot: the assertions around it say why it is right)', () => {
    expect(objects).toMatchSnapshot();
  });

  test('valid objects, and the audit passes', () => {
    expect(validateAll(objects)).toBe(objects.length);
    expect(report.problems).toEqual([]);
    expect(report.passed).toBe(true);
  });

  test('the only traffic between teams is the shop calling payments', () => {
    expect(report.reachability.map((r) => [r.from, r.to, r.declared])).toEqual([['shop', 'payments', true]]);
  });

  test('shop and payments each have their own control plane; data has none', () => {
    expect(objects.filter((o) => o.kind === 'IstioOperator').map((o) => [o.metadata.namespace, o.spec.revision])).toEqual([['istio-shop', 'shop'], ['istio-payments', 'payments']]);
    expect(report.tenants.map((t) => [t.tenant, t.checks.find((c) => c.id === 'mesh.control-plane')!.status]))
      .toEqual([['data', 'n/a'], ['payments', 'pass'], ['shop', 'pass']]);
  });

  test('payments runs sandboxed on its own nodes; its workload is placed', () => {
    const ns = objects.find((o) => o.kind === 'Namespace' && o.metadata.name === 'payments')!;
    // Issue #16: attracted by the label kubelets cannot set on themselves.
    expect(ns.metadata.labels).toMatchObject({ 'cdk8s-tenancy.io/dedicated-nodes': 'node-restriction', 'cdk8s-tenancy.io/runtime-class': 'gvisor' });
    const api = objects.find((o) => o.kind === 'Deployment')!.spec.template.spec;
    expect(api.runtimeClassName).toBe('gvisor');
    expect(api.tolerations).toEqual([{ key: 'cdk8s-tenancy.io/tenant', operator: 'Equal', value: 'payments', effect: 'NoSchedule' }]);
    expect(api.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms)
      .toEqual([{ matchExpressions: [{ key: 'node-restriction.kubernetes.io/cdk8s-tenancy-tenant', operator: 'In', values: ['payments'] }] }]);
  });

  test('the shop: its hostnames and IngressClass held by the ingress guard, routes and Certificates for its members', () => {
    const rules = JSON.parse(objects.find((o) => o.metadata.name === 'cdk8s-tenancy-ingress')!.spec.variables.find((v: any) => v.name === 'all').expression);
    expect(rules).toEqual({ shop: { any: [], ingressClasses: ['nginx'], defaultIngressClass: ['nginx'], gatewayClasses: [], names: ['shop.example.com'], suffixes: ['.shop.example.com'] } });
    const role = (name: string) => objects.find((o) => o.kind === 'Role' && o.metadata.name === name && o.metadata.namespace === 'shop-staging')!;
    expect(role('tenant-admin').rules).toContainEqual(expect.objectContaining({ apiGroups: ['cert-manager.io'], resources: ['certificates'] }));
    expect(role('tenant-user').rules).not.toContainEqual(expect.objectContaining({ apiGroups: ['cert-manager.io'] }));
    expect(role('tenant-user').rules).toContainEqual(expect.objectContaining({ apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes', 'grpcroutes'] }));
    expect(report.tenants.find((t) => t.tenant === 'shop')!.checks.find((c) => c.id === 'ingress.host-collisions')!.status).toBe('pass');
  });

  test('data: pods must name one of its priority classes and RuntimeClasses (the message names batch-normal and runc); claims only on gp3, gp2 at 0 in its quota (issue #20)', () => {
    const rules = (policy: string) => JSON.parse(objects.find((o) => o.kind === 'ValidatingAdmissionPolicy' && o.metadata.name === policy)!.spec.variables.find((v: any) => v.name === 'all').expression);
    expect(rules('cdk8s-tenancy-pod-classes')).toEqual({
      data: { priorityClasses: ['batch-normal', 'batch-high'], defaultPriorityClass: ['batch-normal'], runtimeClasses: ['runc', 'gvisor'], defaultRuntimeClass: ['runc'] },
    });
    expect(rules('cdk8s-tenancy-storage')).toEqual({ data: { classes: ['gp3'] } });
    const quota = objects.find((o) => o.kind === 'ResourceQuota' && o.metadata.namespace === 'data' && o.metadata.name === 'tenant-quota')!;
    expect(quota.spec.hard).toMatchObject({ 'gp2.storageclass.storage.k8s.io/requests.storage': '0', 'gp2.storageclass.storage.k8s.io/persistentvolumeclaims': '0' });
    expect(ofKind(objects, 'PriorityClass').map((p) => [p.metadata.name, p.value, p.preemptionPolicy])).toEqual([['batch-high', 50000, 'PreemptLowerPriority'], ['batch-normal', 1000, 'Never']]);
  });

  test('data: its metastore StatefulSet gets the defaults from applyPodDefaults; both of its RuntimeClasses exist, runc declared by the platform (issue #20)', () => {
    const [metastore] = ofKind(objects, 'StatefulSet', 'data');
    expect(metastore.spec.template.spec).toMatchObject({ priorityClassName: 'batch-normal', runtimeClassName: 'runc' });
    expect(metastore.spec.volumeClaimTemplates.map((t: any) => t.spec.storageClassName)).toEqual(['gp3']);
    expect(ofKind(objects, 'RuntimeClass').map((r) => [r.metadata.name, r.handler]).sort()).toEqual([['gvisor', 'runsc'], ['runc', 'runc']]);
  });

  test('shop delivers through its own Argo CD project, data through Flux, each as its tenant-gitops account (issue #20)', () => {
    const project = objects.find((o) => o.kind === 'AppProject')!;
    expect([project.metadata.namespace, project.metadata.name]).toEqual(['argocd', 'tenant-shop']);
    expect(project.spec.destinations.map((d: any) => d.namespace)).toEqual(['shop', 'shop-staging']);
    expect(project.spec.clusterResourceWhitelist).toEqual([]);
    expect(project.spec.sourceRepos).toEqual(['https://git.example.com/shop/*']);
    expect(project.spec.destinationServiceAccounts.map((d: any) => d.defaultServiceAccount)).toEqual(['shop:tenant-gitops', 'shop:tenant-gitops']);
    // Only the tenants that asked: payments has no GitOps of its own.
    expect(ofKind(objects, 'AppProject')).toHaveLength(1);
    expect(ofKind(objects, 'Kustomization').map((k) => [k.metadata.namespace, k.spec.serviceAccountName, k.spec.sourceRef.name, k.spec.path]))
      .toEqual([['data', 'tenant-gitops', 'tenant-gitops', './prod']]);
    expect(ofKind(objects, 'GitRepository').map((g) => [g.metadata.namespace, g.spec.url])).toEqual([['data', 'https://git.example.com/data/pipelines.git']]);
    // Bound to the tenant-admin Role of its own tenant's namespaces, nowhere else.
    const bindings = ofKind(objects, 'RoleBinding').filter((b) => b.subjects?.some((x: any) => x.name === 'tenant-gitops'));
    expect(bindings.map((b) => [b.metadata.namespace, b.roleRef.name, b.subjects.map((x: any) => `${x.namespace}/${x.name}`)])).toEqual([
      ['shop', 'tenant-admin', ['shop/tenant-gitops']],
      ['shop-staging', 'tenant-admin', ['shop/tenant-gitops']],
      ['data', 'tenant-admin', ['data/tenant-gitops']],
    ]);
  });

  test('the payments pod meets the restricted Pod Security level its namespace enforces (the cluster tier admits it for real)', () => {
    const ns = objects.find((o) => o.kind === 'Namespace' && o.metadata.name === 'payments')!;
    expect(ns.metadata.labels!['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const pod = objects.find((o) => o.kind === 'Deployment')!.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers.map((c: any) => c.securityContext)).toEqual([expect.objectContaining({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } })]);
  });
});

describe('examples/saas', () => {
  const dir = tempDir('saas-');
  const result = writeSaas(dir, 50);

  test('one directory per customer, plus the platform and Argo CD', () => {
    expect(result.files.filter((f) => f.startsWith('tenants/'))).toHaveLength(50);
    expect(result.files).toContain('platform/manifests.yaml');
    expect(result.files).toContain('argocd/applications.yaml');
  });

  test('what it wrote is valid and passes the audit; no customer reaches another', () => {
    const report = TenancyAudit.auditPaths([dir]);
    expect(report.problems).toEqual([]);
    expect(report.tenants).toHaveLength(50);
    expect(report.passed).toBe(true);
    expect(report.reachability).toEqual([]);
    const written = result.files.flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8'), { version: '1.1' }).map((d: any) => d.toJS()));
    expect(written).toHaveLength(result.objectCount);
    expect(validateAll(written)).toBe(result.objectCount);
  });

  test('every customer\'s pods get its tenant label and plan, by one Kyverno MutatingPolicy in its own file (issue #20)', () => {
    const read = (f: string): K8sObject[] => YAML.parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8'), { version: '1.1' }).map((d: any) => d.toJS());
    const policies = result.files.flatMap((f) => read(f).filter((o) => o.kind === 'MutatingPolicy' && o.metadata.name.startsWith('cdk8s-tenancy-pod-labels-')).map((o) => [f, o.metadata.name]));
    expect(policies).toHaveLength(50);
    expect(policies[0]).toEqual(['tenants/customer-0001/manifests.yaml', 'cdk8s-tenancy-pod-labels-customer-0001']);
    // Kyverno's engine (the model of test/helpers/mutation.ts; the real one in test/engines/kyverno).
    const objects = result.files.flatMap(read);
    const namespace = (name: string) => objects.find((o) => o.kind === 'Namespace' && o.metadata.name === name)!;
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels: { app: 'web', [PLAN_LABEL]: 'free' } }, spec: { containers: [{ name: 'web', image: 'registry.example.com/web:1' }] } };
    for (const [name, plan] of [['customer-0001', 'premium'], ['customer-0050', 'standard']]) {
      expect(kyvernoCelMutate(objects, { pod, namespace: namespace(name) }).metadata.labels).toEqual({ 'app': 'web', 'cdk8s-tenancy.io/tenant': name, [PLAN_LABEL]: plan });
    }
    // Not outside the customers' namespaces.
    const other = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ingress-nginx', labels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } };
    expect(kyvernoCelMutate(objects, { pod, namespace: other }).metadata.labels).toEqual(pod.metadata.labels);
  });
});

describe('examples/saas: the premium plan\'s default StorageClass (issue #20 item 5)', () => {
  const dir = tempDir('saas-premium-');
  const result = writeSaas(dir, 300);
  const read = (f: string): K8sObject[] => YAML.parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8'), { version: '1.1' }).map((d: any) => d.toJS());
  const objects = result.files.flatMap(read);
  const premium = customers(300).filter((n) => planOf(n) === 'premium');
  const guard = objects.find((o) => o.kind === 'ValidatingAdmissionPolicy' && o.metadata.name === 'cdk8s-tenancy-storage')!;
  const all = JSON.parse(guard.spec.variables.find((v: any) => v.name === 'all').expression);

  test('every 50th customer from the first is premium: 6 of 300, 200 of 10,000', () => {
    expect(premium).toEqual(['customer-0001', 'customer-0051', 'customer-0101', 'customer-0151', 'customer-0201', 'customer-0251']);
    expect(customers(10_000).filter((n) => planOf(n) === 'premium')).toHaveLength(200);
  });

  test('only premium customers have StorageClass rules: the storage guard\'s map holds them alone', () => {
    expect(all).toEqual(Object.fromEntries(premium.map((n) => [n, { classes: ['io2', 'gp3'], defaultClass: ['io2'] }])));
  });

  test('one Kyverno MutatingPolicy per premium customer fills in io2, in the customer\'s own file', () => {
    const policies = result.files.flatMap((f) => read(f).filter((o) => o.kind === 'MutatingPolicy' && o.metadata.name.startsWith('cdk8s-tenancy-storage-class-')).map((o) => [f, o.metadata.name]));
    expect(policies).toEqual(premium.map((n) => [`tenants/${n}/manifests.yaml`, `cdk8s-tenancy-storage-class-${n}`]));
  });

  test('a premium customer\'s database: io2 written into its class-less claim template, its pods in gVisor', () => {
    const dbs = objects.filter((o) => o.kind === 'StatefulSet');
    expect(dbs.map((o) => o.metadata.namespace)).toEqual(premium);
    const db = dbs[0];
    expect(db.spec.volumeClaimTemplates.map((t: any) => t.spec.storageClassName)).toEqual(['io2']);
    expect(db.spec.template.spec.runtimeClassName).toBe('gvisor');
    expect(objects.find((o) => o.kind === 'Service' && o.metadata.name === 'db' && o.metadata.namespace === db.metadata.namespace)?.spec.clusterIP).toBe('None');
  });

  test('the real Kyverno CLI, with the example\'s own policies: a premium customer\'s class-less claim gets io2; a class named stays; a standard customer\'s claim is untouched', () => {
    const policies = objects.filter((o) => o.kind === 'MutatingPolicy' && ['customer-0001', 'customer-0002'].includes(o.metadata.labels?.['cdk8s-tenancy.io/tenant'] ?? ''));
    expect(policies.map((o) => o.metadata.name).sort()).toEqual(['cdk8s-tenancy-pod-labels-customer-0001', 'cdk8s-tenancy-pod-labels-customer-0002', 'cdk8s-tenancy-storage-class-customer-0001']);
    const namespace = (name: string) => objects.find((o) => o.kind === 'Namespace' && o.metadata.name === name)!;
    const claim = (storageClassName?: string) => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '50Gi' } }, ...(storageClassName ? { storageClassName } : {}) },
    });
    const userInfo = { username: 'system:serviceaccount:kube-system:statefulset-controller' };
    const outcomes = kyvernoApply(policies, [
      { id: 'premium-none', pod: claim(), namespace: namespace('customer-0001'), operation: 'CREATE', userInfo },
      { id: 'premium-gp3', pod: claim('gp3'), namespace: namespace('customer-0001'), operation: 'CREATE', userInfo },
      { id: 'standard-none', pod: claim(), namespace: namespace('customer-0002'), operation: 'CREATE', userInfo },
    ]);
    const mutated = (id: string) => ({ refused: outcomes.get(id)!.refused, storageClassName: outcomes.get(id)!.mutated.spec.storageClassName });
    expect(mutated('premium-none')).toEqual({ refused: false, storageClassName: 'io2' });
    expect(mutated('premium-gp3')).toEqual({ refused: false, storageClassName: 'gp3' });
    expect(mutated('standard-none')).toEqual({ refused: false, storageClassName: undefined });
    // The premium mutation was judged, not skipped, for the class-less claim.
    expect(outcomes.get('premium-none')!.results.filter((r) => r.policy === 'cdk8s-tenancy-storage-class-customer-0001').map((r) => r.result)).toEqual(['pass']);
  });
});

describe('examples/saas as a command: removing customers', () => {
  const run = (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = saasMain(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
    return { code, out: out.join(''), err: err.join('') };
  };
  const dir = tempDir('saas-cli-');

  test('dropping customers from the list stops the run, naming them; a dry run lists them; naming them lets them go', () => {
    expect(run(['--outdir', dir, '--count', '4'])).toMatchObject({ code: 0, err: '' });
    const record = fs.readFileSync(path.join(dir, '.cdk8s-tenancy-files.json'), 'utf8');

    const refused = run(['--outdir', dir, '--count', '2']);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^error: .*does not name tenants 'customer-0003' and 'customer-0004', which .* would remove: nothing was written or removed/);
    expect(fs.readFileSync(path.join(dir, '.cdk8s-tenancy-files.json'), 'utf8')).toBe(record);

    const dry = run(['--outdir', dir, '--count', '2', '--dry-run']);
    expect(dry.code).toBe(1);
    expect(dry.out).toContain('would delete (2):\n  tenants/customer-0003/manifests.yaml\n  tenants/customer-0004/manifests.yaml\n');
    expect(dry.out).toContain('refused: a run with these options would stop, removing tenants not named in removeTenants: customer-0003, customer-0004\n');
    expect(fs.readFileSync(path.join(dir, '.cdk8s-tenancy-files.json'), 'utf8')).toBe(record);

    const named = run(['--outdir', dir, '--count', '2', '--remove-tenant', 'customer-0003', 'customer-0004']);
    expect(named).toMatchObject({ code: 0, err: '' });
    expect(named.out).toContain('tenants removed: customer-0003, customer-0004\n');
    // the platform chart changes (its guards list each tenant's members); the
    // two customers left and the ApplicationSet (it reads directories) do not
    expect(named.out).toContain('changed (1):\n  platform/manifests.yaml\n');
    expect(named.out).toContain('unchanged: 3 files\n');
  });

  test('usage errors exit 2', () => {
    expect(run(['--bogus']).code).toBe(2);
  });
});

describe('examples/kaas', () => {
  const app = new CdkApp();
  const clusters = kaas(app, { account: '123456789012', region: 'eu-west-1' });

  test('a stack per customer, each with a private cluster and its baseline', () => {
    expect(clusters.map((c) => c.stackName)).toEqual(['tenant-acme', 'tenant-globex', 'tenant-initech']);
    // What `cdk deploy` takes (the example's comment says so).
    expect(clusters.map((c) => c.node.path)).toEqual(['Tenant-acme', 'Tenant-globex', 'Tenant-initech']);
    for (const c of clusters) {
      Template.fromStack(c).hasResourceProperties('AWS::EKS::Cluster', { ResourcesVpcConfig: { EndpointPrivateAccess: true, EndpointPublicAccess: false } });
      // Cost attribution (issue #20): the tenant tag and the example's cost centre.
      Template.fromStack(c).hasResourceProperties('AWS::EKS::Cluster', {
        Tags: Match.arrayWith([{ Key: 'cdk8s-tenancy.io/tenant', Value: c.tenant }, { Key: 'cost-centre', Value: 'kaas' }]),
      });
      const baseline = synthObjects(c.baseline.node.root as any);
      validateAll(baseline);
      expect(TenancyAudit.auditObjects(baseline).passed).toBe(true);
    }
  });
});

describe('examples/vcluster', () => {
  const app = Testing.app({ outdir: tempDir('cdk8s-app-') });
  vcluster(app);
  const objects = synthObjects(app);

  test('valid objects, and the audit passes', () => {
    expect(validateAll(objects)).toBe(objects.length);
    const report = TenancyAudit.auditObjects(objects);
    expect(report.problems).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.reachability).toEqual([]);
  });

  test('one virtual cluster per tenant: Argo CD for platform-team, Flux for research', () => {
    expect(ofKind(objects, 'Application').map((o) => [o.metadata.name, o.spec.project, o.spec.destination.namespace])).toEqual([['vcluster-platform-team', 'tenants', 'platform-team-vc']]);
    expect(ofKind(objects, 'HelmRelease').map((o) => [o.metadata.name, o.spec.interval, o.spec.targetNamespace])).toEqual([['vcluster-research', '30m', 'research']]);
    expect(ofKind(objects, 'Role').filter((r) => r.metadata.name === 'vcluster-kubeconfig-reader').map((r) => [r.metadata.namespace, r.rules[0].resourceNames]))
      .toEqual([['platform-team-vc', ['vc-platform-team']], ['research', ['vc-research']]]);
  });
});

/**
 * Type-checks snippets against the library's source, as if each were a file
 * of the project; returns each one's diagnostics. One program for all of
 * them: aws-cdk-lib's 2,600 declaration files are read once, not once per
 * README block (a program per block made this file most of jest's time).
 */
function compileSnippets(snippets: { [name: string]: string }): { [name: string]: string[] } {
  const files = new Map(Object.entries(snippets).map(([name, code]) =>
    // `export {}` keeps each snippet a module of its own, as it is alone.
    [path.join(ROOT, 'test', '__readme__', `${name}.ts`), `${code}\nexport {};\n`]));
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    esModuleInterop: true,
    skipLibCheck: true,
    types: ['node'],
    baseUrl: ROOT,
    paths: { 'cdk8s-tenancy': ['src'], 'cdk8s-tenancy/aws': ['src/aws'] },
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile;
  host.getSourceFile = (n, lang, ...rest) => (files.has(n) ? ts.createSourceFile(n, files.get(n)!, lang) : getSourceFile(n, lang, ...rest));
  const fileExists = host.fileExists;
  host.fileExists = (n) => files.has(n) || fileExists(n);
  const program = ts.createProgram([...files.keys()], options, host);
  const diagnostics = ts.getPreEmitDiagnostics(program);
  return Object.fromEntries(Object.keys(snippets).map((name) => {
    const file = path.join(ROOT, 'test', '__readme__', `${name}.ts`);
    return [name, diagnostics.filter((d) => d.file?.fileName === file).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))];
  }));
}

describe('examples/selfservice', () => {
  const app = Testing.app({ outdir: tempDir('cdk8s-app-') });
  selfservice(app);
  const objects = synthObjects(app);
  const hnc = objects.filter((o) => o.apiVersion === 'hnc.x-k8s.io/v1alpha2');

  test('valid objects (HNC\'s against the upstream v1.1.0 CRDs), and the audit passes', () => {
    expect(hnc.map((o) => o.kind).sort()).toEqual(['HNCConfiguration', 'HierarchicalResourceQuota', 'HierarchyConfiguration']);
    expect(validateAll(objects)).toBe(objects.length);
    const report = TenancyAudit.auditObjects(objects);
    expect(report.unknownKinds).toEqual([]);
    expect(report.problems).toEqual([]);
    expect(report.passed).toBe(true);
  });

  test('research admins may create namespaces under research; billing keeps static namespaces', () => {
    expect(ofKind(objects, 'RoleBinding').filter((b) => b.metadata.name === 'tenant-self-service').map((b) => [b.metadata.namespace, b.subjects[0].name]))
      .toEqual([['research', 'research-leads']]);
    expect(hnc.find((o) => o.kind === 'HierarchicalResourceQuota')!.spec.hard).toMatchObject({ 'requests.cpu': '16', 'count/subnamespaceanchors.hnc.x-k8s.io': '20' });
  });
});

describe('README examples', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

  const diagnostics = compileSnippets({
    ...Object.fromEntries(blocks.map((code, i) => [`block-${i}`, code])),
    broken: "import { SoftTenant } from 'cdk8s-tenancy';\nnew SoftTenant(undefined as any, 'x', { nam: 'a' });",
  });

  test('there are examples to check, and the check can fail', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    expect(diagnostics.broken.join('\n')).toMatch(/'nam' does not exist/);
  });

  test.each(blocks.map((_, i) => [i]))('block %i compiles', (i) => {
    expect(diagnostics[`block-${i}`]).toEqual([]);
  });

  // The AWS CDK CLI selects stacks by id (`Tenant-customer-1`), not by
  // CloudFormation name (`tenant-customer-1`): run each block that shows a
  // `cdk deploy`, and check the stacks it names are the ones it creates.
  const deploys = blocks.filter((code) => /cdk deploy /.test(code));
  test('the README shows a cdk deploy command (so the check below runs)', () => {
    expect(deploys.length).toBeGreaterThanOrEqual(1);
  });
  test.each(deploys)('`cdk deploy` names a stack its block creates', (code) => {
    const named = [...code.matchAll(/cdk deploy ([\w-]+)/g)].map((m) => m[1]);
    const js = ts.transpileModule(`${code}\nexport { app as __app };`, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
    const exported: any = {};
    // The test's own require: `cdk8s-tenancy` maps to the sources.
    new Function('require', 'exports', js)(require, exported);
    const stacks = exported.__app.node.children.filter((c: any) => Stack.isStack(c)).map((c: any) => c.node.path);
    expect(stacks.length).toBeGreaterThan(0);
    for (const id of named) expect(stacks).toContain(id);
  });
});
