import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { stringifyManifests } from './manifest-yaml';
import type { TenancyGitOpsOptions, TenancyGitOpsResult } from './tenancy-gitops-options';
import { invalidProp } from '../core/errors';
import { isDnsLabel } from '../core/names';
import { TenancyPlatform } from '../platform/tenancy-platform';
import { argoCdObjects, fluxObjects, PLATFORM_PROJECT } from './internal/delivery';
import { synthChart } from './internal/synth-chart';
import { SoftTenant } from '../tenant/soft-tenant';

/** The file that records what the library wrote, so it never deletes anything else. */
export const GITOPS_MANIFEST_FILE = '.cdk8s-tenancy-files.json';

/**
 * Files written by a run that has not closed yet, one per line. A run that
 * dies half way leaves it behind, so the next run still knows those files
 * are its own (it neither refuses them as foreign nor forgets to delete
 * them). Appending a line per file keeps this linear.
 */
const JOURNAL_FILE = '.cdk8s-tenancy-files.partial';

/**
 * Where a run writes files before `close` moves them into place: a run
 * refused at `close` (a tenant it may not remove) or one that dies before
 * it leaves the output as it was. The next run clears what a dead run left.
 */
const STAGING_DIR = '.cdk8s-tenancy-staging';

/** Where the writer's own errors say they come from (the app's path is empty). */
const WHERE = 'TenancyGitOps';

/** A tenant's file: `tenants/<name>/manifests.yaml` (the layout's contract). */
const TENANT_FILE = /^tenants\/([^/]+)\/manifests\.yaml$/;

interface Unit {
  readonly file: string;
  readonly tenant?: string;
  readonly platform: boolean;
}

/**
 * Writes charts for GitOps one at a time, in the layout of
 * {@link TenancyGitOps}: build a tenant's chart, `add` it, build the next.
 *
 * `add` synthesizes the chart, writes its file and removes the chart from
 * the app, so memory stays that of one tenant however many there are
 * (measured in the README's performance section). `close` writes the
 * platform chart last — tenants add their priority classes, runtime
 * classes and guards to it — then any chart not added yet, the Argo CD or
 * Flux objects and the record of what was written, and deletes the files an
 * earlier run wrote that this one did not.
 *
 * Files are staged and moved into place by `close`, and only the files
 * whose content changed: a run that would remove a tenant's file without
 * being told to (`removeTenants`, `allowTenantRemoval`) throws at `close`
 * naming the tenants, having written and removed nothing. `dryRun` reports
 * what would happen and touches nothing.
 *
 * Add a chart when it is complete: its Lazy values are resolved and its
 * validations run when it is added. Dependencies between charts do not
 * order files; in GitOps that is the applier's job (sync waves, dependsOn).
 *
 * @example
 * import { App, Chart } from 'cdk8s';
 * import { SoftTenant, TenancyGitOpsWriter } from 'cdk8s-tenancy';
 *
 * declare const customers: string[];
 * const app = new App();
 * const writer = TenancyGitOpsWriter.open(app, { outdir: 'gitops' });
 * for (const name of customers) {
 *   const chart = new Chart(app, name);
 *   new SoftTenant(chart, 'Tenant', { name });
 *   writer.add(chart);
 * }
 * writer.close();
 */
export class TenancyGitOpsWriter {
  /**
   * Starts writing `app` to `options.outdir`. Checks the options and
   * refuses a directory with files the library did not write, before
   * writing anything.
   */
  public static open(app: App, options: TenancyGitOpsOptions): TenancyGitOpsWriter {
    return TenancyGitOpsWriter._open(app, options, { release: true });
  }

  /** @internal */
  public static _open(app: App, options: TenancyGitOpsOptions, mode: { release: boolean }): TenancyGitOpsWriter {
    checkOptions(app, options);
    const previous = previousFiles(options.outdir);
    checkForeignFiles(app, options.outdir, previous, options.allowForeignFiles ?? false);
    // What a run that died left staged is ours, and stale.
    if (!options.dryRun) fs.rmSync(path.join(options.outdir, STAGING_DIR), { recursive: true, force: true });
    return new TenancyGitOpsWriter(app, options, previous, mode.release);
  }

  private readonly outdir: string;
  private readonly written = new Set<string>();
  private readonly created: string[] = [];
  private readonly changed: string[] = [];
  private readonly dryRun: boolean;
  /** The files earlier runs wrote (a Set: this is asked once per file). */
  private readonly known: Set<string>;
  /** Which chart each file holds, by path: charts that would share a file are refused. */
  private readonly owners = new Map<string, string>();
  private readonly done = new WeakSet<Chart>();
  private readonly tenants: string[] = [];
  /** Source repositories of the charts' Applications in the platform's project, which it must take. */
  private readonly platformProjectRepos = new Set<string>();
  private planned?: Map<Chart, Unit>;
  private platformWritten = false;
  private closed = false;
  private objectCount = 0;
  private bytes = 0;
  private readonly progress: boolean;
  private lastProgress = 0;
  /** Where each file to create or change is staged, by path: its number in the staging directory. */
  private readonly staged = new Map<string, string>();

  private constructor(
    private readonly app: App,
    private readonly options: TenancyGitOpsOptions,
    private readonly previous: string[],
    private readonly release: boolean,
  ) {
    this.outdir = options.outdir;
    this.dryRun = options.dryRun ?? false;
    this.known = new Set(previous);
    this.progress = (options.progress ?? true) && Boolean(process.stderr.isTTY) && !process.env.CI;
  }

  /**
   * Synthesizes `chart` (a chart of this app, not the platform's), writes
   * its file and removes it from the app so its memory can be reclaimed.
   */
  public add(chart: Chart): void {
    this.checkOpen();
    if (!Chart.isChart(chart) || chart.node.scope !== this.app) {
      throw invalidProp(this.app, 'chart', chart?.node?.path, 'must be a chart directly under the app the writer was opened on.');
    }
    if (this.done.has(chart)) {
      throw invalidProp(this.app, 'chart', chart.node.path, 'was added already: each chart is written once.');
    }
    if (TenancyPlatform._isPlatform(chart)) {
      throw invalidProp(this.app, 'chart', chart.node.path, 'is the platform chart, which tenants keep adding to: close() writes it, last.');
    }
    this.writeChart(chart);
    if (this.release) this.app.node.tryRemoveChild(chart.node.id);
  }

  /**
   * Writes what is left — the platform chart, charts not added, the Argo CD
   * and Flux objects, the record — deletes what an earlier run wrote and
   * this one did not, and reports what was written.
   *
   * Throws, having written and removed nothing, when that would remove a
   * tenant's file not named in `removeTenants` (unless
   * `allowTenantRemoval`), or when `removeTenants` names a tenant this run
   * still writes. In a dry run, touches nothing and reports instead.
   */
  public close(): TenancyGitOpsResult {
    this.checkOpen();
    for (const chart of this.app.node.children.filter((c): c is Chart => Chart.isChart(c))) {
      if (!this.done.has(chart)) this.writeChart(chart);
    }
    const root = (p: string | undefined) => p ?? path.basename(path.resolve(this.outdir));
    if (this.options.argoCd) {
      this.writeObjects('argocd/applications.yaml',
        argoCdObjects(this.options.argoCd, root(this.options.argoCd.path), this.platformWritten, [...this.platformProjectRepos].sort()));
    }
    if (this.options.flux) {
      const tenants = [...this.tenants].sort();
      this.writeObjects('flux/kustomizations.yaml', fluxObjects(this.options.flux, root(this.options.flux.path), tenants, this.platformWritten));
    }
    if (this.lastProgress > 0) {
      process.stderr.write(`\r${this.dryRun ? 'would write' : 'wrote'} ${this.written.size} files (${this.tenants.length} tenants)\n`);
    }

    const files = [...this.written].sort();
    const deleted = this.previous.filter((f) => !this.written.has(f)).sort();
    const removedTenants = deleted.map((f) => TENANT_FILE.exec(f)?.[1]).filter((t): t is string => t !== undefined).sort();
    const refused = this.checkRemovals(removedTenants);
    const result: TenancyGitOpsResult = {
      dryRun: this.dryRun,
      files,
      created: [...this.created].sort(),
      changed: [...this.changed].sort(),
      deleted,
      removedTenants,
      refusedTenantRemovals: refused,
      objectCount: this.objectCount,
      bytes: this.bytes,
    };
    this.closed = true;
    if (this.dryRun) return result;

    this.commit();
    for (const f of deleted) fs.rmSync(path.join(this.outdir, f), { force: true });
    fs.mkdirSync(this.outdir, { recursive: true });
    fs.writeFileSync(path.join(this.outdir, GITOPS_MANIFEST_FILE), JSON.stringify({ files }, undefined, 2) + '\n');
    fs.rmSync(path.join(this.outdir, JOURNAL_FILE), { force: true });
    fs.rmSync(path.join(this.outdir, STAGING_DIR), { recursive: true, force: true });
    return result;
  }

  /**
   * Which of the tenants this run would remove it may not; throws for them
   * unless this is a dry run (which reports them), and for names in
   * `removeTenants` this run still writes.
   */
  private checkRemovals(removed: string[]): string[] {
    const named = this.options.removeTenants ?? [];
    const stillWritten = named.filter((t) => this.tenants.includes(t));
    const refused = this.options.allowTenantRemoval ? [] : removed.filter((t) => !named.includes(t));
    const fail = (e: Error): never => {
      this.closed = true;
      fs.rmSync(path.join(this.outdir, STAGING_DIR), { recursive: true, force: true });
      throw e;
    };
    // Contradictory options: refused in a dry run too.
    if (stillWritten.length > 0) {
      fail(invalidProp(WHERE, 'removeTenants', named,
        `names ${list(stillWritten)}, which this run still writes: nothing was written or removed.`,
        'Take them out of removeTenants, or out of the app if they are meant to go.'));
    }
    if (refused.length > 0 && !this.dryRun) {
      fail(invalidProp(WHERE, 'removeTenants', named,
        `does not name ${list(refused)}, which ${this.outdir} holds from an earlier run and this run would remove: nothing was written or removed.`,
        'If they are meant to go, name them in removeTenants (or set allowTenantRemoval); otherwise add them back to the app.'));
    }
    return refused;
  }

  /** Moves the staged files into place; new ones are journaled first, so a run that dies here still owns them. */
  private commit(): void {
    const staging = path.join(this.outdir, STAGING_DIR);
    for (const file of [...this.created, ...this.changed]) {
      const full = path.join(this.outdir, file);
      fs.mkdirSync(path.dirname(full), { recursive: true });
      if (!this.known.has(file)) fs.appendFileSync(path.join(this.outdir, JOURNAL_FILE), file + '\n');
      fs.renameSync(path.join(staging, this.staged.get(file)!), full);
    }
  }

  /**
   * Decides the file of every chart of the app now, so that charts that
   * would share a file are refused before anything is written.
   *
   * @internal
   */
  public _planAll(): void {
    const plan = new Map<Chart, Unit>();
    for (const chart of this.app.node.children.filter((c): c is Chart => Chart.isChart(c))) {
      plan.set(chart, this.claim(chart));
    }
    this.planned = plan;
  }

  private checkOpen(): void {
    if (this.closed) throw invalidProp(this.app, 'writer', this.outdir, 'is closed: open a new TenancyGitOpsWriter to write again.');
  }

  /** Where a chart goes: the platform, its tenant's directory, or its own. */
  private claim(chart: Chart): Unit {
    const platform = TenancyPlatform._isPlatform(chart);
    const tenants = platform ? [] : chart.node.findAll().filter((c): c is SoftTenant => c instanceof SoftTenant);
    const tenant = tenants.length === 1 ? tenants[0].name : undefined;
    const dir = platform ? 'platform' : tenant !== undefined ? `tenants/${tenant}` : `charts/${fileName(chart.node.id)}`;
    const file = `${dir}/manifests.yaml`;
    const other = this.owners.get(file);
    if (other !== undefined) {
      throw invalidProp(chart, 'chart id', chart.node.id, `would be written to ${file}, like chart '${other}'.`, 'Give the charts ids that differ in letters, digits, \'-\' or \'.\'.');
    }
    this.owners.set(file, chart.node.path);
    return { file, tenant, platform };
  }

  private writeChart(chart: Chart): void {
    const unit = this.planned?.get(chart) ?? this.claim(chart);
    const objects = synthChart(chart);
    for (const o of objects) {
      if (o.kind === 'Application' && o.spec?.project === PLATFORM_PROJECT && typeof o.spec.source?.repoURL === 'string') this.platformProjectRepos.add(o.spec.source.repoURL);
    }
    this.writeObjects(unit.file, objects);
    this.done.add(chart);
    if (unit.tenant !== undefined) this.tenants.push(unit.tenant);
    if (unit.platform) this.platformWritten = true;
    if (this.progress && Date.now() - this.lastProgress > 200) {
      this.lastProgress = Date.now();
      const total = this.planned ? ` of ${this.planned.size}` : '';
      process.stderr.write(`\r${this.dryRun ? 'would write' : 'wrote'} ${this.written.size}${total} charts (${this.tenants.length} tenants)`);
    }
  }

  private writeObjects(file: string, objects: any[]): void {
    // What cdk8s synth writes (Yaml.stringify), byte for byte: YAML 1.1, as
    // the Kubernetes API reads it (an unquoted `on` or `yes` would be a
    // boolean there). Its own serializer, for speed: see manifest-yaml.ts.
    const text = stringifyManifests(objects);
    const size = Buffer.byteLength(text);
    // Only a file of an earlier run (or, with allowForeignFiles, anyone's)
    // can be there already: a first run reads nothing.
    const before = this.known.has(file) || this.options.allowForeignFiles ? readIfExists(path.join(this.outdir, file)) : undefined;
    // Unchanged files are not rewritten: a run after a small change touches
    // only the files of what changed.
    if (before === undefined || before.length !== size || !before.equals(Buffer.from(text))) {
      (before === undefined ? this.created : this.changed).push(file);
      if (!this.dryRun) {
        // Staged flat, by number, in one directory made once: a directory
        // per file here would cost a system call per file, and `close`
        // makes each file's own directory when it moves it into place.
        const staged = String(this.staged.size);
        if (this.staged.size === 0) fs.mkdirSync(path.join(this.outdir, STAGING_DIR), { recursive: true });
        // The text itself, not a Buffer of it: writeFileSync writes a
        // string as UTF-8 in one native call (open, write, close), without
        // copying it into a Buffer first. The same bytes either way.
        fs.writeFileSync(path.join(this.outdir, STAGING_DIR, staged), text);
        this.staged.set(file, staged);
      }
    }
    this.written.add(file);
    this.objectCount += objects.length;
    this.bytes += size;
  }
}

function checkOptions(app: App, options: TenancyGitOpsOptions): void {
  if (typeof options.outdir !== 'string' || options.outdir.trim() === '') {
    throw invalidProp(app, 'outdir', options.outdir, 'must name a directory.');
  }
  for (const flag of ['allowForeignFiles', 'progress', 'allowTenantRemoval', 'dryRun'] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean') {
      throw invalidProp(WHERE, flag, options[flag], 'must be true or false.');
    }
  }
  if (options.removeTenants !== undefined) {
    if (!Array.isArray(options.removeTenants)) {
      throw invalidProp(WHERE, 'removeTenants', options.removeTenants, 'must be a list of tenant names.');
    }
    for (const t of options.removeTenants) {
      if (typeof t !== 'string' || !isDnsLabel(t)) {
        throw invalidProp(WHERE, 'removeTenants', t, 'must be a tenant name (a DNS-1123 label: lowercase letters, digits and \'-\', 1 to 63 characters).');
      }
    }
  }
  const checkPath = (prop: string, p: string | undefined) => {
    if (p !== undefined && (p === '' || path.isAbsolute(p) || p.split('/').includes('..'))) {
      throw invalidProp(app, prop, p, "must be a relative path inside the repository, without '..'.");
    }
  };
  if (options.argoCd) {
    if (!/^(https:\/\/|ssh:\/\/|git@)\S+$/.test(options.argoCd.repoUrl ?? '')) {
      throw invalidProp(app, 'argoCd.repoUrl', options.argoCd.repoUrl, 'must be a Git URL (https://, ssh:// or git@host:path).');
    }
    checkPath('argoCd.path', options.argoCd.path);
    const project = options.argoCd.project;
    if (project !== undefined && (project === 'default' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(project) || project.length > 63)) {
      throw invalidProp(app, 'argoCd.project', project, "must name an Argo CD AppProject of yours (a DNS-1123 label), not 'default', which takes any repository.",
        "Leave it out for the 'cdk8s-tenancy' project the library writes.");
    }
  }
  if (options.flux) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(options.flux.gitRepository ?? '') || options.flux.gitRepository.length > 63) {
      throw invalidProp(app, 'flux.gitRepository', options.flux.gitRepository, 'must be the name of a Flux GitRepository (a DNS-1123 label).');
    }
    checkPath('flux.path', options.flux.path);
    if (options.flux.interval !== undefined && !/^(\d+(ms|s|m|h))+$/.test(options.flux.interval)) {
      throw invalidProp(app, 'flux.interval', options.flux.interval, "must be a Go duration such as '10m' or '1h30m'.");
    }
  }
}

/** What earlier runs wrote: the record, and the journal of a run that did not close. */
function previousFiles(outdir: string): string[] {
  const files = new Set<string>();
  const record = path.join(outdir, GITOPS_MANIFEST_FILE);
  if (fs.existsSync(record)) {
    const listed = JSON.parse(fs.readFileSync(record, 'utf8')).files;
    (Array.isArray(listed) ? listed : []).forEach((f: unknown) => typeof f === 'string' && files.add(f));
  }
  const journal = path.join(outdir, JOURNAL_FILE);
  if (fs.existsSync(journal)) {
    fs.readFileSync(journal, 'utf8').split('\n').filter((f) => f !== '').forEach((f) => files.add(f));
  }
  // never trust a path that leaves the output directory
  return [...files].filter((f) => !f.startsWith('..') && !path.isAbsolute(f) && !f.includes('/../'));
}

function checkForeignFiles(app: App, outdir: string, previous: string[], allowed: boolean): void {
  if (!fs.existsSync(outdir) || allowed) return;
  const known = new Set([...previous, GITOPS_MANIFEST_FILE, JOURNAL_FILE]);
  const foreign: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(outdir, dir), { withFileTypes: true })) {
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (rel === STAGING_DIR) continue;
      if (entry.isDirectory()) walk(rel);
      else if (!known.has(rel)) foreign.push(rel);
    }
  };
  walk('');
  if (foreign.length > 0) {
    throw invalidProp(app, 'outdir', outdir,
      `holds files cdk8s-tenancy did not write (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? `, and ${foreign.length - 5} more` : ''}).`,
      'Choose an empty directory, or set allowForeignFiles to write beside them (they are never touched).');
  }
}

function readIfExists(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** 'a', 'a and b', 'a, b and c' — tenants, quoted. */
function list(names: string[]): string {
  const q = names.map((n) => `'${n}'`);
  return q.length === 1 ? `tenant ${q[0]}` : `tenants ${q.slice(0, -1).join(', ')} and ${q[q.length - 1]}`;
}

function fileName(id: string): string {
  return id.replace(/[^A-Za-z0-9.-]+/g, '-');
}
