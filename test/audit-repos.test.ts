import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import * as YAML from 'yaml';
import { K8sObject, synthObjects } from './helpers/manifests';
import { tempDir } from './helpers/temp-dir';
import { EXIT_FAILED, EXIT_PASSED, main } from '../src/audit/cli';
import { listFiles, readFile } from '../src/audit/kit/loader';
import { Manifests } from '../src/audit/kit/model';
import { LabelSelector, selects } from '../src/audit/kit/selectors';
import { Reachability } from '../src/tenant/internal/reachability';
import { AuditReport, CheckStatus, SoftTenant, TenancyAudit, TENANT_LABEL, TenantPeer, TenantPort } from 'cdk8s-tenancy';

/*
 * The audit on real GitOps repositories (extracts in test/fixtures/gitops-repos,
 * origin in its README), on what repositories hold besides manifests, and at
 * scale: the work it does, the verdicts and the CLI conventions.
 */
const REPOS = path.join(__dirname, 'fixtures', 'gitops-repos');
const run = (args: string[], interactive = false) => {
  let stdout = '';
  let stderr = '';
  const code = main(args, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, interactive });
  return { code, stdout, stderr };
};
const check = (report: AuditReport, tenant: string, id: string) =>
  (tenant === 'cluster' ? report.cluster : report.tenants.find((t) => t.tenant === tenant)!.checks).find((c) => c.id === id)!;
const messages = (report: AuditReport, tenant: string, id: string) => check(report, tenant, id).findings.map((f) => `${f.object}: ${f.message}`);
const statuses = (report: AuditReport, tenant: string) =>
  Object.fromEntries(report.tenants.find((t) => t.tenant === tenant)!.checks.map((c) => [c.id, c.status]));
/** Every object of a fixture repository, as the audit reads them. */
const objectsOf = (dir: string) => listFiles([dir], []).flatMap((f) => readFile(f, []).map((o) => o.object));
/** The repository's namespace, labelled as a tenant of ours (in memory only). */
const asTenant = (objects: any[], namespace: string, tenant: string) => objects.map((o) => (o.kind === 'Namespace' && o.metadata.name === namespace
  ? { ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, [TENANT_LABEL]: tenant } } } : o));
const write = (dir: string, file: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  fs.writeFileSync(path.join(dir, file), text);
};

describe('fluxcd/flux2-multi-tenancy', () => {
  const dir = path.join(REPOS, 'flux2-multi-tenancy');

  test('as it is: its kustomizations and patch are not manifests, and no tenant is found, saying where and which label', () => {
    const report = TenancyAudit.auditPaths([dir]);
    expect(report.problems).toEqual([]);
    expect(report.notManifests.map((f) => [path.relative(dir, f.source), f.kind]).sort()).toEqual([
      ['tenants/base/dev-team/kustomization.yaml', 'Kustomize kustomization'],
      ['tenants/staging/dev-team-patch.yaml', 'Kustomize patch'],
      ['tenants/staging/kustomization.yaml', 'Kustomize kustomization'],
    ]);
    expect(report.objectCount).toBe(6);
    expect(report.unknownKinds).toEqual(['kustomize.toolkit.fluxcd.io/v1/Kustomization', 'source.toolkit.fluxcd.io/v1/GitRepository']);
    expect(report.unlabelledNamespaces).toEqual(['apps']);
    expect(report.tenants).toEqual([]);
    expect(check(report, 'cluster', 'cluster.tenants').status).toBe(CheckStatus.FAIL);
    expect(messages(report, 'cluster', 'cluster.tenants')).toEqual([
      `label ${TENANT_LABEL}: no tenant found: looked in ${dir} (3 manifest files, 6 objects), which hold 1 Namespace object (apps), none labelled ${TENANT_LABEL}=<tenant>`,
    ]);
    expect(check(report, 'cluster', 'cluster.guardrails')).toMatchObject({ status: CheckStatus.NOT_APPLICABLE, findings: [] });
    expect(report.passed).toBe(false);
    const cli = run(['audit', dir]);
    expect([cli.code, cli.stderr]).toEqual([EXIT_FAILED, '']);
    expect(cli.stdout).toMatch(/^not manifests: 3 files \(Kustomize kustomization 2, Kustomize patch 1\)$/m);
    expect(cli.stdout).toMatch(/^0 passed, 1 failed, 1 not applicable; 6 objects, 0 tenants$/m);
    // An explicit flag accepts it.
    expect(run(['audit', dir, '--allow-no-tenants']).code).toBe(EXIT_PASSED);
  });

  test('its namespace as a tenant: cluster-admin for the tenant\'s reconciler, open network, no quota', () => {
    const report = TenancyAudit.auditObjects(asTenant(objectsOf(dir), 'apps', 'dev-team'));
    expect(report.problems).toEqual([]);
    expect(statuses(report, 'dev-team')).toEqual({
      'namespace.pod-security': 'fail',
      'namespace.hnc-tree': 'n/a',
      'network.default-deny': 'fail',
      'network.dns': 'fail',
      'network.metadata-endpoint': 'fail',
      'quota.namespace': 'fail',
      'quota.nodeports': 'fail',
      'quota.limit-range': 'fail',
      'quota.priority-classes': 'fail',
      'quota.tenant-budget': 'n/a',
      'rbac.cluster-scope': 'pass',
      'rbac.other-tenants': 'pass',
      'rbac.privilege-escalation': 'fail',
      'rbac.isolation-objects': 'fail',
      'network.cross-tenant': 'pass',
      'nodes.placement': 'n/a',
      'mesh.control-plane': 'n/a',
      'vcluster.values': 'n/a',
      'workloads.admitted': 'n/a',
      'ingress.host-collisions': 'pass',
      // No platform chart in the repo: nothing stops a prune from deleting the tenant with its data.
      'lifecycle.deletion-protection': 'fail',
    });
    expect(messages(report, 'dev-team', 'lifecycle.deletion-protection')).toEqual([
      'ValidatingAdmissionPolicy cdk8s-tenancy-deletion-protection: is missing: one prune by the GitOps controller deletes the tenant with its data',
    ]);
    // The reconciler's RoleBinding to cluster-admin: everything, in the tenant's namespace.
    expect(messages(report, 'dev-team', 'rbac.privilege-escalation')).toEqual([
      'RoleBinding apps/gotk-reconciler: binds ClusterRole cluster-admin (built-in), whose rules use \'*\' in apiGroups, resources, verbs',
    ]);
    expect(messages(report, 'dev-team', 'rbac.isolation-objects')).toEqual([
      'networking.k8s.io/networkpolicies', 'resourcequotas', 'limitranges', 'rbac.authorization.k8s.io/roles', 'rbac.authorization.k8s.io/rolebindings', 'namespaces',
    ].map((r) => `RoleBinding apps/gotk-reconciler: binds ClusterRole cluster-admin (built-in), which lets tenant subjects change ${r}`));
    expect(messages(report, 'dev-team', 'network.default-deny')).toEqual([
      'Namespace apps: no NetworkPolicy selects all pods for Ingress: pods are open to every namespace',
      'Namespace apps: no NetworkPolicy selects all pods for Egress: pods are open towards every namespace',
    ]);
    expect(messages(report, 'dev-team', 'network.dns')).toEqual([
      'Namespace apps: has open egress (no NetworkPolicy selects all its pods for Egress): DNS goes to any server, and every other connection too',
    ]);
    expect(messages(report, 'dev-team', 'network.metadata-endpoint')).toEqual([
      'Namespace apps: has open egress (no NetworkPolicy selects all its pods for Egress): pods reach the metadata endpoint 169.254.169.254/32 and fd00:ec2::254/128',
    ]);
    expect(messages(report, 'dev-team', 'namespace.pod-security')).toEqual([
      'Namespace apps: enforces \'nothing\' without a recorded exception',
      'Namespace apps: has no pod-security.kubernetes.io/enforce-version label',
      'Namespace apps: has no pod-security.kubernetes.io/audit label',
      'Namespace apps: has no pod-security.kubernetes.io/warn label',
    ]);
    expect(messages(report, 'cluster', 'cluster.guardrails')).toEqual([
      'ValidatingAdmissionPolicy cdk8s-tenancy-guardrails: is missing: tenants are held back by RBAC alone',
      'ValidatingAdmissionPolicyBinding for cdk8s-tenancy-guardrails: is missing: a policy without its binding does nothing',
    ]);
    expect(check(report, 'cluster', 'cluster.tenants').status).toBe(CheckStatus.PASS);
  });
});

describe('fluxcd/flux2-kustomize-helm-example', () => {
  const dir = path.join(REPOS, 'flux2-kustomize-helm-example');

  test('as it is: the HelmRelease values patch is not a manifest; no tenant', () => {
    const report = TenancyAudit.auditPaths([dir]);
    expect(report.problems).toEqual([]);
    expect(report.notManifests.map((f) => [path.relative(dir, f.source), f.kind]).sort()).toEqual([
      ['apps/base/podinfo/kustomization.yaml', 'Kustomize kustomization'],
      ['apps/staging/kustomization.yaml', 'Kustomize kustomization'],
      ['apps/staging/podinfo-values.yaml', 'Kustomize patch'],
    ]);
    expect(report.objectCount).toBe(4);
    expect(report.unknownKinds).toEqual(['kustomize.toolkit.fluxcd.io/v1/Kustomization', 'source.toolkit.fluxcd.io/v1/HelmRepository']);
    expect(report.unlabelledNamespaces).toEqual(['podinfo']);
    expect(messages(report, 'cluster', 'cluster.tenants')).toEqual([
      `label ${TENANT_LABEL}: no tenant found: looked in ${dir} (4 manifest files, 4 objects), which hold 1 Namespace object (podinfo), none labelled ${TENANT_LABEL}=<tenant>`,
    ]);
  });

  test('its namespace as a tenant: a HelmRelease that is not a virtual cluster, no RBAC to judge, open network', () => {
    const report = TenancyAudit.auditObjects(asTenant(objectsOf(dir), 'podinfo', 'dev-team'));
    expect(statuses(report, 'dev-team')).toMatchObject({
      'network.default-deny': 'fail',
      'network.dns': 'fail',
      'network.metadata-endpoint': 'fail',
      'quota.namespace': 'fail',
      'rbac.cluster-scope': 'pass',
      'rbac.privilege-escalation': 'pass',
      'rbac.isolation-objects': 'pass',
      'network.cross-tenant': 'pass',
      // podinfo's HelmRelease is no vcluster release
      'vcluster.values': 'n/a',
    });
    expect(messages(report, 'dev-team', 'quota.namespace')).toEqual([
      'Namespace podinfo: has no quota on requests.cpu, limits.cpu, requests.memory, limits.memory, requests.storage, pods, services, configmaps, secrets, persistentvolumeclaims, services.nodeports, services.loadbalancers',
    ]);
    expect(report.unknownKinds).toEqual(['kustomize.toolkit.fluxcd.io/v1/Kustomization', 'source.toolkit.fluxcd.io/v1/HelmRepository']);
  });
});

describe('what repositories hold besides manifests', () => {
  test('a Helm chart (Chart.yaml, values, templates, subcharts), Kustomize files with or without apiVersion, project files: counted, not problems', () => {
    const d = tempDir('audit-repo-');
    write(d, 'chart/Chart.yaml', 'apiVersion: v2\nname: guestbook\nversion: 0.1.0\n');
    write(d, 'chart/values.yaml', 'replicaCount: 1\nimage:\n  repository: gcr.io/heptio-images/ks-guestbook-demo\n');
    write(d, 'chart/values-production.yaml', 'replicaCount: 3\n');
    // A Go template: with `{{ ... }}` unquoted, YAML reads a flow mapping keyed by a mapping (a parser warning) or fails.
    write(d, 'chart/templates/deployment.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ template "guestbook.fullname" . }}\nspec:\n  replicas: {{ .Values.replicaCount }}\n');
    write(d, 'chart/templates/_helpers.tpl', '{{- define "guestbook.fullname" -}}{{- end -}}\n');
    write(d, 'chart/charts/redis/Chart.yaml', 'apiVersion: v2\nname: redis\nversion: 1.0.0\n');
    write(d, 'kustomize/kustomization.yaml', 'resources:\n- ns.yaml\nconfigurations:\n- names.yaml\nconfigMapGenerator:\n- name: settings\n  files:\n  - settings.json\n');
    write(d, 'kustomize/names.yaml', 'nameReference:\n- kind: ConfigMap\n  fieldSpecs:\n  - path: spec/volumes/configMap/name\n    kind: Pod\n');
    write(d, 'kustomize/settings.json', '{"level": "debug"}');
    write(d, 'kustomize/kustomizeconfig.yaml', 'namePrefix:\n- path: metadata/name\n');
    write(d, 'kustomize/ns.yaml', `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n  labels:\n    ${TENANT_LABEL}: team-a\n`);
    write(d, 'kustomize/component.yaml', 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n- path: p.yaml\n');
    write(d, 'package.json', '{"name": "gitops"}');
    const warnings = jest.spyOn(process, 'emitWarning');
    const report = TenancyAudit.auditPaths([d]);
    expect(warnings).not.toHaveBeenCalled();
    warnings.mockRestore();
    expect(report.problems).toEqual([]);
    expect(report.notManifests.map((f) => [path.relative(d, f.source), f.kind]).sort()).toEqual([
      ['chart/Chart.yaml', 'Helm chart metadata'],
      ['chart/charts/redis/Chart.yaml', 'Helm subchart'],
      ['chart/templates/_helpers.tpl', 'Helm template'],
      ['chart/templates/deployment.yaml', 'Helm template'],
      ['chart/values-production.yaml', 'Helm values'],
      ['chart/values.yaml', 'Helm values'],
      ['kustomize/component.yaml', 'Kustomize configuration'],
      ['kustomize/kustomization.yaml', 'Kustomize kustomization'],
      ['kustomize/kustomizeconfig.yaml', 'Kustomize configuration'],
      ['kustomize/names.yaml', 'Kustomize configuration'],
      ['kustomize/settings.json', 'Kustomize generator input'],
      ['package.json', 'npm project file'],
    ]);
    expect(report.objectCount).toBe(1);
    expect(report.tenants.map((t) => t.tenant)).toEqual(['team-a']);
  });

  test('invalid YAML is still a problem, with file and line, once per file however many documents are wrong', () => {
    const d = tempDir('audit-bad-');
    write(d, 'bad.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: [x\n---\nkey: : :\n  - bad\n');
    write(d, 'scalars.yaml', 'one\n---\ntwo\n');
    const report = TenancyAudit.auditPaths([d, path.join(d, 'bad.yaml'), d]);
    expect(report.problems.map((p) => [path.basename(p.source), p.message.replace(/: .*?(\(line \d+\))?(;|$)/, ': …$1$2')])).toEqual([
      ['bad.yaml', 'invalid YAML: …(line 5); and 1 more problem in this file'],
      ['scalars.yaml', 'not a Kubernetes object (no apiVersion and kind): …; and 1 more problem in this file'],
    ]);
    expect(report.problems[0].message).toMatch(/\(line \d+\)/);
    expect(report.notManifests).toEqual([]);
  });

  test('a Go template outside a chart is a problem that says to render it first, whether YAML reads it or not', () => {
    const d = tempDir('audit-tpl-');
    write(d, 'parses.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  name: {{ .Values.name }}\n');
    write(d, 'fails.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n{{- if .Values.labels }}\n  labels: {}\n{{- end }}\n');
    // values beside an Application, outside a chart: not manifests; a values-named file of manifests is read
    write(d, 'values-prod.yaml', 'replicaCount: 3\n');
    write(d, 'values-team.yaml', `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n  labels:\n    ${TENANT_LABEL}: team-a\n`);
    const warnings = jest.spyOn(process, 'emitWarning');
    const report = TenancyAudit.auditPaths([d]);
    expect(warnings).not.toHaveBeenCalled();
    warnings.mockRestore();
    expect(report.problems.map((p) => [path.basename(p.source), p.message])).toEqual([
      ['fails.yaml', expect.stringMatching(/^invalid YAML: .*\(line 5\) \(a Go template\? render it first, e\.g\. helm template \.\.\. \| cdk8s-tenancy audit -\)$/)],
      ['parses.yaml', 'holds an unrendered Go template action (line 6): render it first, e.g. helm template ... | cdk8s-tenancy audit -'],
    ]);
    expect(report.notManifests.map((f) => [path.basename(f.source), f.kind])).toEqual([['values-prod.yaml', 'Helm values']]);
    expect(report.tenants.map((t) => t.tenant)).toEqual(['team-a']);
  });

  test('the same file named twice, directly and through its directory or a link, is read once', () => {
    const d = tempDir('audit-twice-');
    write(d, 'ns.yaml', `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n  labels:\n    ${TENANT_LABEL}: team-a\n`);
    fs.symlinkSync(path.join(d, 'ns.yaml'), path.join(d, 'link.yaml'));
    const report = TenancyAudit.auditPaths([d, path.join(d, 'ns.yaml'), path.join(d, 'link.yaml')]);
    expect(report.objectCount).toBe(1);
  });
});

/** Tenants a..n; `peers`: [from, to] pairs where `to` admits `from` on TCP 8080 and `from` may egress there. */
function tenants(names: string[], peers: [string, string][] = []): K8sObject[] {
  const app = new App();
  for (const name of names) {
    new SoftTenant(new Chart(app, name), 'T', {
      name,
      network: {
        ingressFrom: peers.filter(([, to]) => to === name).map(([from]) => TenantPeer.tenant(from, [TenantPort.tcp(8080)])),
        egressTo: peers.filter(([from]) => from === name).map(([, to]) => TenantPeer.tenant(to, [TenantPort.tcp(8080)])),
      },
    });
  }
  return JSON.parse(JSON.stringify(synthObjects(app)));
}

describe('at scale', () => {
  const names = Array.from({ length: 14 }, (_, i) => `t-${String(i).padStart(2, '0')}`);

  test('only namespace pairs a policy can connect are evaluated', () => {
    const objects = tenants(names, [['t-01', 't-02'], ['t-03', 't-04']]);
    const m = new Manifests(objects.map((object) => ({ object, source: '<input>' })));
    const r = new Reachability(m);
    const edges = names.flatMap((n) => r.into(n).map((e) => [e.from, n, e.reach.declared]));
    expect(edges).toEqual([['t-01', 't-02', true], ['t-03', 't-04', true]]);
    // 14 tenants, 182 ordered pairs: only the two declared ones were looked at rule by rule.
    expect(r.evaluated).toBe(2);
  });

  test('the namespace label index selects what scanning every namespace selects', () => {
    const objects = tenants(names.slice(0, 4));
    const m = new Manifests(objects.map((object) => ({ object, source: '<input>' })));
    const selectors: LabelSelector[] = [
      {}, { matchLabels: { [TENANT_LABEL]: 't-01' } }, { matchLabels: { [TENANT_LABEL]: 't-01', other: 'x' } },
      { matchExpressions: [{ key: TENANT_LABEL, operator: 'In', values: ['t-02', 't-03', 'nobody'] }] },
      { matchExpressions: [{ key: TENANT_LABEL, operator: 'NotIn', values: ['t-02'] }] },
      { matchExpressions: [{ key: TENANT_LABEL, operator: 'Exists' }] }, { matchExpressions: [{ key: TENANT_LABEL, operator: 'DoesNotExist' }] },
      { matchLabels: { 'kubernetes.io/metadata.name': 't-03' }, matchExpressions: [{ key: TENANT_LABEL, operator: 'Exists' }] },
    ];
    for (const s of selectors) {
      const scanned = [...m.namespaceLabels.keys()].filter((ns) => selects(s, m.namespaceLabels.get(ns)!)).sort();
      expect([s, m.namespacesSelectedBy(s).sort()]).toEqual([s, scanned]);
    }
  });

  test('beyond a screen of tenants, the table lists the connections that exist and the pairs checked', () => {
    const objects = tenants(names, [['t-01', 't-02']]);
    const d = tempDir('audit-many-');
    fs.writeFileSync(path.join(d, 'all.yaml'), objects.map((o) => YAML.stringify(o)).join('---\n'));
    const { code, stdout } = run(['audit', d]);
    expect(code).toBe(EXIT_PASSED);
    expect(stdout).not.toMatch(/^reachability \(row reaches column/m);
    expect(stdout).toMatch(/^reachability: 1 of 182 ordered tenant pairs connect; every other pair is denied\n {2}t-01 -> t-02: TCP\/8080, declared on both sides$/m);
    // With twelve it is a matrix again.
    const few = tempDir('audit-few-');
    fs.writeFileSync(path.join(few, 'all.yaml'), tenants(names.slice(0, 12)).map((o) => YAML.stringify(o)).join('---\n'));
    expect(run(['audit', few]).stdout).toMatch(/^reachability \(row reaches column/m);
  });

  test('--tenant restricts the work: its checks, and the pairs with it at one end', () => {
    const objects = tenants(['a', 'b', 'c'], [['a', 'b'], ['b', 'c']]);
    const one = TenancyAudit.auditObjects(objects, { tenants: ['a'] });
    expect(one.tenants.map((t) => t.tenant)).toEqual(['a']);
    expect(one.pairsChecked).toBe(4);
    expect(one.reachability).toEqual([{ from: 'a', to: 'b', declared: true, ports: 'TCP/8080' }]);
    const all = TenancyAudit.auditObjects(objects);
    expect(all.pairsChecked).toBe(6);
    expect(all.reachability.map((e) => `${e.from}->${e.to}`)).toEqual(['a->b', 'b->c']);
    // JSON is deterministic: the same input, the same text.
    expect(TenancyAudit.formatJson(TenancyAudit.auditObjects([...objects].reverse()))).toEqual(TenancyAudit.formatJson(all));
    expect(TenancyAudit.formatJunit(TenancyAudit.auditObjects([...objects].reverse()))).toEqual(TenancyAudit.formatJunit(all));
  });
});

describe('verdicts and words', () => {
  test('counts read "1 tenant"; a check that does not apply prints no findings', () => {
    const d = tempDir('audit-one-');
    fs.writeFileSync(path.join(d, 'all.yaml'), tenants(['solo']).map((o) => YAML.stringify(o)).join('---\n'));
    const { stdout } = run(['audit', d]);
    expect(stdout).toMatch(/; \d+ objects, 1 tenant\n$/);
    const lines = stdout.split('\n');
    lines.forEach((line, i) => {
      if (/^ {2}n\/a /.test(line)) expect(lines[i + 1]).not.toMatch(/^ {10}/);
    });
  });

  test('an undeclared path reads "on all ports", in the finding and in the list of connections', () => {
    const names = Array.from({ length: 13 }, (_, i) => `t-${String(i).padStart(2, '0')}`);
    const objects = tenants(names).filter((o) => !(o.kind === 'NetworkPolicy' && o.metadata.namespace === 't-05'));
    objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'default-deny' && o.metadata.namespace === 't-04')!.spec.egress = [{}];
    const report = TenancyAudit.auditObjects(objects);
    expect(messages(report, 't-05', 'network.cross-tenant')).toEqual(['Namespace t-05: lets tenant \'t-04\' (t-04) reach t-05 on all ports without naming it']);
    expect(TenancyAudit.formatTable(report)).toMatch(/^reachability: 1 of 156 ordered tenant pairs connect; every other pair is denied\n {2}t-04 -> t-05: all ports, NOT declared by name on both sides$/m);
  });
});

describe('CLI conventions', () => {
  test('--version and --help on every command, with the exit codes', () => {
    const version = run(['--version']);
    expect(version).toEqual({ code: EXIT_PASSED, stdout: `${JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).version}\n`, stderr: '' });
    for (const args of [['--help'], ['audit', '--help'], ['help', 'audit']]) {
      const help = run(args);
      expect([args, help.code]).toEqual([args, EXIT_PASSED]);
      expect(help.stdout).toMatch(/Exit codes:\n {2}0 {2}every check passed\n {2}1 {2}a check failed, no tenant was found, or an input file could not be read or parsed\n {2}2 {2}usage error/);
    }
    expect(run(['audit', '--help']).stdout).toMatch(/--allow-no-tenants/);
  });

  test('- reads standard input: kustomize build | cdk8s-tenancy audit -', () => {
    const cli = path.join(__dirname, '..', 'lib', 'audit', 'cli.js');
    const input = tenants(['a']).map((o) => YAML.stringify(o)).join('---\n');
    const piped = spawnSync(process.execPath, [cli, 'audit', '-', '--format', 'json'], { input, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    expect([piped.status, piped.stderr]).toEqual([EXIT_PASSED, '']);
    expect(JSON.parse(piped.stdout).tenants.map((t: any) => t.tenant)).toEqual(['a']);
    const bad = spawnSync(process.execPath, [cli, 'audit', '-'], { input: 'kind: [', encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^<stdin>: invalid YAML: .*\(line 1\)\nerror: no Kubernetes objects found in standard input\n$/);
  });
});
