import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Lazy, Yaml } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import * as YAML from 'yaml';
import { K8sObject, synthObjects } from './helpers/manifests';
import { validateAll, validateObject } from './helpers/schema';
import { tempDir } from './helpers/temp-dir';
import { GitOpsRetention, SoftTenant, TenancyAudit, TenancyGitOps, TenancyGitOpsWriter, TenancyPlatform, TenantPeer } from 'cdk8s-tenancy';

const tmp = () => tempDir('gitops-');
/** Every file under `dir` (relative path to content), the library's own included. */
function snapshotDir(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r); else files[r] = fs.readFileSync(path.join(dir, r), 'utf8');
    }
  };
  walk('');
  return files;
}
const read = (dir: string, file: string) => YAML.parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8')).map((d) => d.toJS());

function tenants(names: string[]): App {
  const app = new App();
  for (const name of names) new SoftTenant(new Chart(app, name), 'Tenant', { name });
  return app;
}

describe('layout', () => {
  const dir = tmp();
  const app = tenants(['team-a', 'team-b']);
  new Chart(app, 'shared stuff').node; // a chart without a tenant
  new k8s.KubeConfigMap(app.node.findChild('shared stuff') as Chart, 'cm', { metadata: { name: 'x', namespace: 'tools' } });
  const result = TenancyGitOps.write(app, { outdir: dir, progress: false });

  test('the platform, one directory per tenant, other charts apart, and the record of what was written', () => {
    expect(result.files).toEqual(['charts/shared-stuff/manifests.yaml', 'platform/manifests.yaml', 'tenants/team-a/manifests.yaml', 'tenants/team-b/manifests.yaml']);
    expect(JSON.parse(fs.readFileSync(path.join(dir, '.cdk8s-tenancy-files.json'), 'utf8'))).toEqual({ files: result.files });
  });

  test('each file holds exactly its chart\'s objects, as cdk8s synthesizes them', () => {
    const reference = tenants(['team-a', 'team-b']);
    const expected = synthObjects(reference);
    const written = [...read(dir, 'platform/manifests.yaml'), ...read(dir, 'tenants/team-a/manifests.yaml'), ...read(dir, 'tenants/team-b/manifests.yaml')];
    const key = (o: K8sObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    expect(written.map(key).sort()).toEqual(expected.map(key).sort());
    const byKey = (a: K8sObject, b: K8sObject) => key(a).localeCompare(key(b));
    expect(written.sort(byKey)).toEqual(JSON.parse(JSON.stringify(expected)).sort(byKey));
    expect(read(dir, 'tenants/team-a/manifests.yaml').every((o: K8sObject) => o.metadata.labels?.['cdk8s-tenancy.io/tenant'] === 'team-a')).toBe(true);
  });

  test('within a file, namespaces come before what lives in them', () => {
    const objects = read(dir, 'tenants/team-a/manifests.yaml');
    expect(objects[0].kind).toBe('Namespace');
  });

  test('the result counts what the files hold', () => {
    const inFiles = result.files.reduce((n, f) => n + read(dir, f).length, 0);
    expect(result.objectCount).toBe(inFiles);
    expect(result.bytes).toBe(result.files.reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0));
  });

  test('what was written passes the audit', () => {
    const report = TenancyAudit.auditPaths([dir]);
    expect(report.problems).toEqual([]);
    expect(report.tenants.flatMap((t) => t.checks).filter((c) => c.status === 'fail')).toEqual([]);
    expect(report.passed).toBe(true);
  });
});

test('each file is byte for byte what cdk8s writes for its chart: YAML 1.1, as the API server reads it', () => {
  const app = new App();
  const chart = new Chart(app, 'team-a');
  new SoftTenant(chart, 'Tenant', { name: 'team-a', labels: { 'example.com/monitoring': 'on' }, annotations: { 'example.com/paged': 'yes' } });
  const dir = tmp();
  TenancyGitOps.write(app, { outdir: dir, progress: false });
  const text = fs.readFileSync(path.join(dir, 'tenants/team-a/manifests.yaml'), 'utf8');
  expect(text).toBe(Yaml.stringify(...chart.toJson()));
  // YAML 1.2 would leave these bare, and Kubernetes (YAML 1.1) would read booleans.
  expect(text).toContain('example.com/monitoring: "on"');
  expect(text).toContain('example.com/paged: "yes"');
});

test('deterministic: the same app gives byte-identical files', () => {
  const a = tmp();
  const b = tmp();
  TenancyGitOps.write(tenants(['team-a', 'team-b', 'team-c']), { outdir: a, progress: false });
  TenancyGitOps.write(tenants(['team-a', 'team-b', 'team-c']), { outdir: b, progress: false });
  for (const f of ['platform/manifests.yaml', 'tenants/team-b/manifests.yaml', '.cdk8s-tenancy-files.json']) {
    expect(fs.readFileSync(path.join(a, f))).toEqual(fs.readFileSync(path.join(b, f)));
  }
});

test('Lazy values, dependencies and validations still work', () => {
  const app = new App();
  const chart = new Chart(app, 'team-a');
  const tenant = new SoftTenant(chart, 'Tenant', { name: 'team-a' });
  const late: string[] = [];
  new k8s.KubeConfigMap(chart, 'cm', { metadata: { name: 'cm', namespace: 'team-a' }, data: { peers: Lazy.any({ produce: () => late.join(',') }) } });
  tenant.allowEgressTo(TenantPeer.tenant('team-b')); // added after construction: a Lazy rule list
  late.push('added-late');
  const dir = tmp();
  TenancyGitOps.write(app, { outdir: dir, progress: false });
  const objects = read(dir, 'tenants/team-a/manifests.yaml');
  expect(objects.find((o: K8sObject) => o.kind === 'ConfigMap').data).toEqual({ peers: 'added-late' });
  expect(objects.find((o: K8sObject) => o.metadata.name === 'allow-declared-egress').spec.egress).toEqual([{ to: [{ namespaceSelector: { matchLabels: { 'cdk8s-tenancy.io/tenant': 'team-b' } } }] }]);

  chart.node.addValidation({ validate: () => ['the chart is not ready'] });
  expect(() => TenancyGitOps.write(app, { outdir: tmp(), progress: false })).toThrow(/Validation failed with the following errors:\n {2}\[team-a\] the chart is not ready/);
});

describe('TenancyGitOpsWriter: one chart at a time', () => {
  const names = ['team-c', 'team-a', 'team-b'];

  function stream(dir: string, options: { flux?: boolean } = {}) {
    const app = new App();
    const writer = TenancyGitOpsWriter.open(app, { outdir: dir, progress: false, ...(options.flux ? { flux: { gitRepository: 'gitops', path: 'prod' } } : {}) });
    const released: boolean[] = [];
    for (const name of names) {
      const chart = new Chart(app, name);
      new SoftTenant(chart, 'Tenant', { name });
      writer.add(chart);
      released.push(app.node.tryFindChild(name) === undefined);
    }
    return { app, writer, released };
  }

  test('writes the same files as TenancyGitOps.write, byte for byte', () => {
    const a = tmp();
    const b = tmp();
    const { writer } = stream(a, { flux: true });
    const streamed = writer.close();
    const whole = TenancyGitOps.write(tenants(names), { outdir: b, progress: false, flux: { gitRepository: 'gitops', path: 'prod' } });
    expect(streamed.files).toEqual(whole.files);
    expect(streamed.objectCount).toBe(whole.objectCount);
    for (const f of [...whole.files, '.cdk8s-tenancy-files.json']) {
      expect(fs.readFileSync(path.join(a, f), 'utf8')).toBe(fs.readFileSync(path.join(b, f), 'utf8'));
    }
  });

  test('writes the bytes of cdk8s synth for text beyond ASCII, counts them, and sees a change of the same size', () => {
    const dir = tmp();
    const build = (note: string) => {
      const app = new App();
      const writer = TenancyGitOpsWriter.open(app, { outdir: dir, progress: false });
      const chart = new Chart(app, 'notes');
      new k8s.KubeConfigMap(chart, 'Notes', { metadata: { name: 'notes' }, data: { note, multi: `${note}\nzweite Zeile` } });
      writer.add(chart);
      return { result: writer.close(), expected: Yaml.stringify(...chart.toJson()) };
    };
    // two-, three- and four-byte UTF-8, a lone surrogate (written escaped), a control character
    const first = build('grüße ✓ 😀 \ud800 \x07');
    const bytes = fs.readFileSync(path.join(dir, 'charts/notes/manifests.yaml'));
    expect(bytes.equals(Buffer.from(first.expected))).toBe(true);
    const onDisk = first.result.files.map((f) => fs.statSync(path.join(dir, f)).size).reduce((a, b) => a + b, 0);
    expect(first.result.bytes).toBe(onDisk);
    expect(first.result.bytes).toBeGreaterThan(Buffer.byteLength(first.expected.replace(/[^\x00-\x7f]/g, '')));
    // same length in bytes, other content: changed, not skipped as unchanged
    const second = build('grüße ✓ 😀 \ud800 \x08');
    expect(second.result.changed).toEqual(['charts/notes/manifests.yaml']);
    expect(fs.readFileSync(path.join(dir, 'charts/notes/manifests.yaml'), 'utf8')).toBe(second.expected);
    expect(build('grüße ✓ 😀 \ud800 \x08').result.changed).toEqual([]);
  });

  test('an added chart leaves the app, so its memory can be reclaimed; the platform stays until close', () => {
    const { app, writer, released } = stream(tmp());
    expect(released).toEqual([true, true, true]);
    expect(TenancyPlatform.ofApp(app).node.scope).toBe(app);
    expect(writer.close().files).toContain('platform/manifests.yaml');
  });

  test('a run that stopped half way leaves the output as it was; the next run clears what it staged', () => {
    const dir = tmp();
    const first = stream(dir).writer.close();
    const before = snapshotDir(dir);
    const app = new App();
    const writer = TenancyGitOpsWriter.open(app, { outdir: dir, progress: false });
    const chart = new Chart(app, 'team-a');
    new SoftTenant(chart, 'Tenant', { name: 'team-a', labels: { 'example.com/tier': 'gold' } });
    writer.add(chart); // ... and the process dies before close()
    const staged = snapshotDir(dir);
    // staged flat, by number: the new content, the file in place untouched
    expect(Object.keys(staged).filter((f) => !(f in before))).toEqual(['.cdk8s-tenancy-staging/0']);
    expect(staged['.cdk8s-tenancy-staging/0']).toContain('example.com/tier: gold');
    expect(staged['tenants/team-a/manifests.yaml']).toBe(before['tenants/team-a/manifests.yaml']);
    const result = stream(dir).writer.close(); // not refused as foreign files
    expect(result.files).toEqual(first.files);
    expect(snapshotDir(dir)).toEqual(before);
  });

  test('bad use: a chart of another app, a chart twice, the platform chart, after close', () => {
    const dir = tmp();
    const { app, writer } = stream(dir);
    const other = new Chart(new App(), 'elsewhere');
    expect(() => writer.add(other)).toThrow(/invalid chart 'elsewhere': must be a chart directly under the app the writer was opened on/);
    const again = new Chart(app, 'again');
    writer.add(again);
    expect(() => writer.add(again)).toThrow(/invalid chart 'again': was added already/);
    expect(() => writer.add(TenancyPlatform.ofApp(app))).toThrow(/invalid chart 'cdk8s-tenancy': is the platform chart, which tenants keep adding to: close\(\) writes it, last/);
    writer.add(new Chart(app, 'tools a'));
    expect(() => writer.add(new Chart(app, 'tools-a'))).toThrow(/invalid chart id 'tools-a': would be written to charts\/tools-a\/manifests.yaml, like chart 'tools a'/);
    // A refused chart stays in the app: close() would refuse it again.
    expect(() => writer.close()).toThrow(/invalid chart id 'tools-a'/);
    app.node.tryRemoveChild('tools-a');
    writer.close();
    expect(() => writer.add(new Chart(app, 'late'))).toThrow(/invalid writer '.*': is closed/);
    expect(() => writer.close()).toThrow(/is closed/);
  });
});

describe('Argo CD and Flux', () => {
  const dir = tmp();
  TenancyGitOps.write(tenants(['team-a', 'team-b']), {
    outdir: dir,
    progress: false,
    argoCd: { repoUrl: 'https://git.example.com/platform/gitops.git', path: 'clusters/prod' },
    flux: { gitRepository: 'gitops', path: 'clusters/prod' },
  });

  test('an Application for the platform and an ApplicationSet with one Application per tenant directory', () => {
    const [project, platform, set] = read(dir, 'argocd/applications.yaml');
    expect(project.kind).toBe('AppProject'); // the platform's own, pinned in tenant-gitops.test.ts
    validateObject(platform);
    validateObject(set);
    expect(platform.spec.source).toEqual({ repoURL: 'https://git.example.com/platform/gitops.git', targetRevision: 'HEAD', path: 'clusters/prod/platform' });
    expect(set.spec.generators).toEqual([{ git: { repoURL: 'https://git.example.com/platform/gitops.git', revision: 'HEAD', directories: [{ path: 'clusters/prod/tenants/*' }] } }]);
    expect(set.spec.template.spec.source.path).toBe('{{.path.path}}');
  });

  test('deleting a tenant\'s Application (its directory gone) or the ApplicationSet leaves the tenant\'s objects', () => {
    const [, platform, set] = read(dir, 'argocd/applications.yaml'); // [0] is the platform's AppProject
    // The ApplicationSet controller adds resources-finalizer.argocd.argoproj.io
    // to generated Applications unless this is set.
    expect(set.spec.syncPolicy).toEqual({ preserveResourcesOnDeletion: true });
    expect(set.spec.template.metadata.finalizers).toBeUndefined();
    // A single Application cascades only with Argo CD's resources finalizer.
    expect(platform.metadata.finalizers).toBeUndefined();
    // The schema knows the field: a misspelt or mistyped one fails validation.
    expect(() => validateObject({ ...set, spec: { ...set.spec, syncPolicy: { preserveResourcesOnDeletion: 'yes' } } })).toThrow(/ApplicationSet .* is not valid/);
  });

  test('a Kustomization per tenant, each after the platform', () => {
    const kustomizations = read(dir, 'flux/kustomizations.yaml');
    validateAll(kustomizations);
    expect(kustomizations.map((k: K8sObject) => [k.metadata.name, k.spec.path, k.spec.dependsOn])).toEqual([
      ['cdk8s-tenancy-platform', './clusters/prod/platform', undefined],
      ['tenant-team-a', './clusters/prod/tenants/team-a', [{ name: 'cdk8s-tenancy-platform' }]],
      ['tenant-team-b', './clusters/prod/tenants/team-b', [{ name: 'cdk8s-tenancy-platform' }]],
    ]);
  });

  test('deleting a Kustomization (its tenant gone from the output) orphans its objects instead of deleting them', () => {
    const kustomizations = read(dir, 'flux/kustomizations.yaml');
    expect(kustomizations.map((k: K8sObject) => [k.spec.prune, k.spec.deletionPolicy])).toEqual([[true, 'Orphan'], [true, 'Orphan'], [true, 'Orphan']]);
    // Validated against Flux's schema, which knows the policies.
    expect(() => validateObject({ ...kustomizations[1], spec: { ...kustomizations[1].spec, deletionPolicy: 'Keep' } })).toThrow(/Kustomization .* is not valid/);
  });

  test('every namespace is annotated so that neither Flux nor Argo CD prunes or deletes it', () => {
    const namespaces = read(dir, 'tenants/team-a/manifests.yaml').filter((o: K8sObject) => o.kind === 'Namespace');
    expect(namespaces.length).toBeGreaterThan(0);
    for (const ns of namespaces) {
      expect(ns.metadata.annotations).toMatchObject({
        'kustomize.toolkit.fluxcd.io/prune': 'disabled',
        'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
      });
    }
  });
});

describe('never touching what the library did not write', () => {
  test('a directory with foreign files is refused, and nothing is written', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'README.md'), 'mine');
    expect(() => TenancyGitOps.write(tenants(['team-a']), { outdir: dir, progress: false }))
      .toThrow(/invalid outdir '.*': holds files cdk8s-tenancy did not write \(README.md\).*allowForeignFiles/);
    expect(fs.readdirSync(dir)).toEqual(['README.md']);
  });

  test('with allowForeignFiles they stay, untouched', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'README.md'), 'mine');
    TenancyGitOps.write(tenants(['team-a']), { outdir: dir, progress: false, allowForeignFiles: true });
    expect(fs.readFileSync(path.join(dir, 'README.md'), 'utf8')).toBe('mine');
  });

  test('a tenant removed from the app (and named) has its file removed; its own previous files only', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'README.md'), 'mine');
    TenancyGitOps.write(tenants(['team-a', 'team-b']), { outdir: dir, progress: false, allowForeignFiles: true });
    const again = TenancyGitOps.write(tenants(['team-a']), { outdir: dir, progress: false, allowForeignFiles: true, removeTenants: ['team-b'] });
    expect(again.deleted).toEqual(['tenants/team-b/manifests.yaml']);
    expect(fs.existsSync(path.join(dir, 'tenants/team-b/manifests.yaml'))).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'README.md'), 'utf8')).toBe('mine');
  });

  test('a tampered record cannot make it delete outside the output directory', () => {
    const parent = tmp();
    const dir = path.join(parent, 'out');
    fs.mkdirSync(dir);
    const outside = path.join(parent, 'keep.txt');
    fs.writeFileSync(outside, 'keep');
    fs.writeFileSync(path.join(dir, '.cdk8s-tenancy-files.json'), JSON.stringify({ files: [`../${path.basename(outside)}`, '/etc/hostname'] }));
    TenancyGitOps.write(tenants(['team-a']), { outdir: dir, progress: false });
    expect(fs.readFileSync(outside, 'utf8')).toBe('keep');
  });

  test('two charts that would share a file', () => {
    const app = new App();
    new k8s.KubeConfigMap(new Chart(app, 'tools a'), 'cm', { metadata: { name: 'a' } });
    new k8s.KubeConfigMap(new Chart(app, 'tools-a'), 'cm', { metadata: { name: 'b' } });
    const dir = tmp();
    expect(() => TenancyGitOps.write(app, { outdir: dir, progress: false }))
      .toThrow(/tools-a: invalid chart id 'tools-a': would be written to charts\/tools-a\/manifests.yaml, like chart 'tools a'/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('removing tenants takes an explicit word', () => {
  const flux = { gitRepository: 'gitops', path: 'prod' };
  const argoCd = { repoUrl: 'https://git.example.com/x.git', path: 'prod' };
  const firstRun = () => {
    const dir = tmp();
    TenancyGitOps.write(tenants(['team-a', 'team-b', 'team-c']), { outdir: dir, progress: false, flux, argoCd });
    return { dir, before: snapshotDir(dir) };
  };

  test('a run that would remove tenants not named refuses, naming them, and writes and removes nothing', () => {
    const { dir, before } = firstRun();
    const app = new App();
    new SoftTenant(new Chart(app, 'team-a'), 'Tenant', { name: 'team-a', labels: { 'example.com/tier': 'gold' } }); // changed too
    expect(() => TenancyGitOps.write(app, { outdir: dir, progress: false, flux, argoCd }))
      .toThrow(/^TenancyGitOps: invalid removeTenants \[\]: does not name tenants 'team-b' and 'team-c', which .* holds from an earlier run and this run would remove: nothing was written or removed\. If they are meant to go, name them in removeTenants \(or set allowTenantRemoval\); otherwise add them back to the app\./);
    expect(snapshotDir(dir)).toEqual(before);
  });

  test('the streaming writer too: what it wrote before close stays staged, and is cleared', () => {
    const { dir, before } = firstRun();
    const app = new App();
    const writer = TenancyGitOpsWriter.open(app, { outdir: dir, progress: false, flux, argoCd, removeTenants: ['team-c'] });
    const chart = new Chart(app, 'team-a');
    new SoftTenant(chart, 'Tenant', { name: 'team-a', labels: { 'example.com/tier': 'gold' } });
    writer.add(chart);
    expect(() => writer.close()).toThrow(/invalid removeTenants \["team-c"\]: does not name tenant 'team-b', which/);
    expect(snapshotDir(dir)).toEqual(before);
    expect(() => writer.close()).toThrow(/is closed/);
  });

  test('named in removeTenants: removed, with its Kustomization; the rest unchanged and not rewritten', () => {
    const { dir, before } = firstRun();
    const old = new Date('2020-01-01T00:00:00Z');
    fs.utimesSync(path.join(dir, 'tenants/team-a/manifests.yaml'), old, old);
    const result = TenancyGitOps.write(tenants(['team-a', 'team-c']), { outdir: dir, progress: false, flux, argoCd, removeTenants: ['team-b'] });
    expect(result).toMatchObject({
      dryRun: false, created: [], changed: ['flux/kustomizations.yaml', 'platform/manifests.yaml'], deleted: ['tenants/team-b/manifests.yaml'], removedTenants: ['team-b'], refusedTenantRemovals: [],
    });
    expect(fs.statSync(path.join(dir, 'tenants/team-a/manifests.yaml')).mtime).toEqual(old);
    expect(read(dir, 'flux/kustomizations.yaml').map((k: K8sObject) => k.metadata.name)).toEqual(['cdk8s-tenancy-platform', 'tenant-team-a', 'tenant-team-c']);
    expect(fs.existsSync(path.join(dir, 'tenants/team-b/manifests.yaml'))).toBe(false);
    expect(fs.readdirSync(dir).sort()).toEqual(['.cdk8s-tenancy-files.json', 'argocd', 'flux', 'platform', 'tenants']);
    expect(snapshotDir(dir)['argocd/applications.yaml']).toBe(before['argocd/applications.yaml']);
  });

  test('allowTenantRemoval: every tenant no longer in the app goes', () => {
    const { dir } = firstRun();
    const result = TenancyGitOps.write(tenants(['team-b']), { outdir: dir, progress: false, flux, argoCd, allowTenantRemoval: true });
    expect(result.removedTenants).toEqual(['team-a', 'team-c']);
    expect(fs.readdirSync(path.join(dir, 'tenants')).filter((t) => fs.existsSync(path.join(dir, 'tenants', t, 'manifests.yaml')))).toEqual(['team-b']);
  });

  test('a name the app still writes is refused (the app and the intent disagree); a name with nothing left to remove is fine', () => {
    const { dir, before } = firstRun();
    expect(() => TenancyGitOps.write(tenants(['team-a', 'team-b']), { outdir: dir, progress: false, flux, argoCd, removeTenants: ['team-b', 'team-c'] }))
      .toThrow(/invalid removeTenants \["team-b","team-c"\]: names tenant 'team-b', which this run still writes: nothing was written or removed\. Take them out of removeTenants/);
    expect(snapshotDir(dir)).toEqual(before);
    TenancyGitOps.write(tenants(['team-a', 'team-b']), { outdir: dir, progress: false, flux, argoCd, removeTenants: ['team-c'] });
    const again = TenancyGitOps.write(tenants(['team-a', 'team-b']), { outdir: dir, progress: false, flux, argoCd, removeTenants: ['team-c'] });
    expect(again).toMatchObject({ created: [], changed: [], deleted: [], removedTenants: [] });
  });

  test('dry run: what would be created, changed and deleted, and the refusals, touching nothing', () => {
    const { dir, before } = firstRun();
    const app = tenants(['team-a', 'team-d']);
    new SoftTenant(new Chart(app, 'team-c'), 'Tenant', { name: 'team-c', labels: { 'example.com/tier': 'gold' } });
    const result = TenancyGitOps.write(app, { outdir: dir, progress: false, flux, argoCd, dryRun: true });
    expect(result).toMatchObject({
      dryRun: true,
      created: ['tenants/team-d/manifests.yaml'],
      // The platform chart holds each tenant's entries in the guards (lifecycle: its members).
      changed: ['flux/kustomizations.yaml', 'platform/manifests.yaml', 'tenants/team-c/manifests.yaml'],
      deleted: ['tenants/team-b/manifests.yaml'],
      removedTenants: ['team-b'],
      refusedTenantRemovals: ['team-b'],
    });
    expect(snapshotDir(dir)).toEqual(before);
    expect(TenancyGitOps.summarize(result)).toBe([
      'dry run: nothing was written or removed',
      'would create (1):', '  tenants/team-d/manifests.yaml',
      'would change (3):', '  flux/kustomizations.yaml', '  platform/manifests.yaml', '  tenants/team-c/manifests.yaml',
      'would delete (1):', '  tenants/team-b/manifests.yaml',
      'unchanged: 2 files',
      'tenants it would remove: team-b',
      'refused: a run with these options would stop, removing tenants not named in removeTenants: team-b',
      '',
    ].join('\n'));
    // Named, nothing is refused; and a directory that does not exist is not created.
    expect(TenancyGitOps.write(app, { outdir: dir, progress: false, flux, argoCd, dryRun: true, removeTenants: ['team-b'] }).refusedTenantRemovals).toEqual([]);
    const fresh = path.join(tmp(), 'not-yet');
    expect(TenancyGitOps.write(app, { outdir: fresh, progress: false, dryRun: true }).created).toHaveLength(4);
    expect(fs.existsSync(fresh)).toBe(false);
  });

  test('summarize after a run that wrote', () => {
    const dir = tmp();
    expect(TenancyGitOps.summarize(TenancyGitOps.write(tenants(['team-a']), { outdir: dir, progress: false }))).toBe(
      'created (2):\n  platform/manifests.yaml\n  tenants/team-a/manifests.yaml\nunchanged: 0 files\n');
  });
});

describe('bad options', () => {
  test.each([
    ['removeTenants that is not a list', { removeTenants: 'team-b' }, /invalid removeTenants 'team-b': must be a list of tenant names/],
    ['removeTenants with a name that is no tenant name', { removeTenants: ['team-b', 'Team C'] }, /invalid removeTenants 'Team C': must be a tenant name \(a DNS-1123 label/],
    ['allowTenantRemoval that is not a boolean', { allowTenantRemoval: 'yes' }, /^TenancyGitOps: invalid allowTenantRemoval 'yes': must be true or false\.$/],
    ['dryRun that is not a boolean', { dryRun: 1 }, /invalid dryRun 1: must be true or false/],

    ['an empty outdir', { outdir: '' }, /invalid outdir '': must name a directory/],
    ['an Argo CD repo that is not a Git URL', { argoCd: { repoUrl: 'gitops' } }, /invalid argoCd.repoUrl 'gitops': must be a Git URL/],
    ['an Argo CD path leaving the repository', { argoCd: { repoUrl: 'https://git.example.com/x.git', path: '../other' } }, /invalid argoCd.path '..\/other': must be a relative path/],
    ['a Flux GitRepository that is not a name', { flux: { gitRepository: 'My Repo' } }, /invalid flux.gitRepository 'My Repo': must be the name of a Flux GitRepository/],
    ['a Flux interval that is not a duration', { flux: { gitRepository: 'gitops', interval: 'hourly' } }, /invalid flux.interval 'hourly': must be a Go duration/],
  ])('%s', (_, options, message) => {
    const dir = tmp();
    expect(() => TenancyGitOps.write(tenants(['team-a']), { outdir: dir, progress: false, ...options } as any)).toThrow(message);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('the benchmark', () => {
  const root = path.join(__dirname, '..');
  // `npm run bench`'s steps (.projenrc.ts), into a directory of this test's
  // own: the compile, then plain node on the compiled bench.js.
  const tasks = JSON.parse(fs.readFileSync(path.join(root, '.projen', 'tasks.json'), 'utf8')).tasks;
  // Under the package, where node resolves its dependencies (cdk8s, yaml).
  fs.mkdirSync(path.join(root, '.ci', 'tmp'), { recursive: true });
  const out = fs.mkdtempSync(path.join(root, '.ci', 'tmp', 'bench-test-'));
  let compiled: ReturnType<typeof spawnSync>;
  beforeAll(() => {
    compiled = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'bench/tsconfig.build.json', '--outDir', out], { cwd: root, encoding: 'utf8' });
  });
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  test('npm run bench compiles bench/ and runs it in plain node', () => {
    expect(tasks.bench.steps).toEqual([
      { exec: 'tsc -p bench/tsconfig.build.json' },
      { exec: 'node .ci/tmp/bench/bench/bench.js', receiveArgs: true },
    ]);
    expect(JSON.parse(fs.readFileSync(path.join(root, 'bench', 'tsconfig.build.json'), 'utf8')).compilerOptions.outDir).toBe('../.ci/tmp/bench');
    expect(compiled.stdout).toBe('');
    expect(compiled.status).toBe(0);
  });

  test('it refuses to run under a TypeScript loader, whose compiler would stay in every measured process', () => {
    const result = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(root, 'bench', 'bench.ts'), '10'], {
      cwd: root, encoding: 'utf8', env: { ...process.env, TS_NODE_PROJECT: 'bench/tsconfig.json' },
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/the benchmark runs as compiled JavaScript in plain node, not from bench\.ts: use npm run bench/);
    expect(result.stdout).toBe('');
  });

  test('the audit benchmark runs (--only audit, small N)', () => {
    const result = spawnSync(process.execPath, [path.join(out, 'bench', 'bench.js'), '--only', 'audit', '10'], { cwd: root, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^\s+10\s+[\d.]+ s\s+[\d.]+ s\s+[\d.]+ ms\s+[\d.]+ s\s+[\d.]+ s\s+[\d.]+x\s+[\d.]+x\s+\d+\s+\d+$/m);
    expect(result.stdout).toMatch(/\(116 objects, \d+ bytes; 116 documents; exit \d, \d+ characters of report\)/);
  });

  test('it runs (small N) and prints its ratios', () => {
    const result = spawnSync(process.execPath, [path.join(out, 'bench', 'bench.js'), '10', '20'], { cwd: root, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const rows = result.stdout.split('\n').filter((l) => /^(write|writer)\s+\d+/.test(l));
    expect(rows).toHaveLength(4);
    // mode, tenants, run, objects, bytes, wall, cpu, cpu/tenant, peak RSS, cpu/yaml floor, cpu/json floor, wall/yaml floor
    expect(rows[3]).toMatch(/^writer\s+20\s+1\s+216\s+\d+\s+\d+\s+\d+\s+[\d.]+ ms\s+\d+\s+[\d.]+x\s+[\d.]+x\s+[\d.]+x$/);
    // the library wrote the yaml floor's bytes (the benchmark exits non-zero otherwise)
    expect(result.stdout).toMatch(/identical bytes: every library run/);
    expect(result.stdout).toMatch(/floor-yaml\s+20\s+1\s+216\s/);
    expect(result.stdout).toMatch(/floor-json\s+20\s+1\s+216\s/);
    expect(result.stdout).toMatch(/writer: time per tenant at 20 \/ at 10 \(fastest runs\): wall [\d.]+x, cpu [\d.]+x/);
  });
});

describe('progress', () => {
  const run = (env: { tty: boolean; ci?: string }) => {
    const saved = { tty: process.stderr.isTTY, ci: process.env.CI };
    const out: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => { out.push(String(chunk)); return true; });
    try {
      (process.stderr as any).isTTY = env.tty;
      if (env.ci === undefined) delete process.env.CI; else process.env.CI = env.ci;
      TenancyGitOps.write(tenants(['team-a', 'team-b']), { outdir: tmp() });
    } finally {
      spy.mockRestore();
      (process.stderr as any).isTTY = saved.tty;
      if (saved.ci === undefined) delete process.env.CI; else process.env.CI = saved.ci;
    }
    return out.join('');
  };

  test('on a terminal: how far it got, and the total at the end', () => {
    const text = run({ tty: true });
    expect(text).toMatch(/\rwrote 1 of 3 charts/);
    expect(text).toMatch(/\rwrote 3 files \(2 tenants\)\n$/);
  });

  test('quiet in CI and when not a terminal', () => {
    expect(run({ tty: true, ci: 'true' })).toBe('');
    expect(run({ tty: false })).toBe('');
  });
});

describe('GitOpsRetention', () => {
  test('protect: a user\'s PVC keeps its own sync options and gains the retention ones', () => {
    const chart = new Chart(new App(), 'data');
    const pvc = new k8s.KubePersistentVolumeClaim(chart, 'pvc', {
      metadata: { name: 'db', namespace: 'team-a', annotations: { 'argocd.argoproj.io/sync-options': 'ServerSideApply=true, Prune=true' } },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: k8s.Quantity.fromString('1Gi') } } },
    });
    GitOpsRetention.protect(pvc);
    expect(pvc.toJson().metadata.annotations).toEqual({
      'argocd.argoproj.io/sync-options': 'ServerSideApply=true,Prune=false,Delete=false',
      'kustomize.toolkit.fluxcd.io/prune': 'disabled',
    });
    GitOpsRetention.protect(pvc); // twice: the same
    expect(pvc.toJson().metadata.annotations['argocd.argoproj.io/sync-options']).toBe('ServerSideApply=true,Prune=false,Delete=false');
  });

  test('a tenant\'s own annotations for its namespaces win over the retention defaults', () => {
    const chart = new Chart(new App(), 'team-a');
    new SoftTenant(chart, 'Tenant', { name: 'team-a', annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'enabled' } });
    const ns = chart.toJson().find((o: K8sObject) => o.kind === 'Namespace');
    expect(ns.metadata.annotations['kustomize.toolkit.fluxcd.io/prune']).toBe('enabled');
    expect(ns.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
  });
});
