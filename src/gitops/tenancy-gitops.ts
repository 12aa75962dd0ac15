import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import * as YAML from 'yaml';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../labels';
import { invalidProp } from '../private/errors';
import { synthChart } from '../private/gitops/synth-chart';
import { SoftTenant } from '../soft-tenant';
import { TenancyPlatform } from '../tenancy-platform';

/** The file that records what the library wrote, so it never deletes anything else. */
export const GITOPS_MANIFEST_FILE = '.cdk8s-tenancy-files.json';

/**
 * Argo CD objects pointing at the output.
 */
export interface ArgoCdOptions {
  /** The Git repository the output is committed to. */
  readonly repoUrl: string;
  /**
   * Where the output directory is inside the repository.
   *
   * @default - the output directory's name
   */
  readonly path?: string;
  /** The revision to track. @default 'HEAD' */
  readonly revision?: string;
  /** The Argo CD project. @default 'default' */
  readonly project?: string;
  /** The namespace Argo CD runs in. @default 'argocd' */
  readonly namespace?: string;
  /** The cluster to deploy to. @default 'https://kubernetes.default.svc' */
  readonly destinationServer?: string;
}

/**
 * Flux objects pointing at the output.
 */
export interface FluxOptions {
  /** The name of the Flux `GitRepository` that holds the output. */
  readonly gitRepository: string;
  /**
   * Where the output directory is inside the repository.
   *
   * @default - the output directory's name
   */
  readonly path?: string;
  /** The namespace Flux runs in. @default 'flux-system' */
  readonly namespace?: string;
  /** How often Flux reconciles. @default '10m' */
  readonly interval?: string;
}

/**
 * Options for writing an app for GitOps.
 */
export interface TenancyGitOpsOptions {
  /** The directory to write to. */
  readonly outdir: string;
  /**
   * Write even though the directory holds files the library did not write.
   * They are left untouched; only files the library wrote before (listed in
   * `.cdk8s-tenancy-files.json`) are ever replaced or deleted.
   *
   * @default false
   */
  readonly allowForeignFiles?: boolean;
  /**
   * Also write an Argo CD ApplicationSet (one Application per tenant) and an
   * Application for the platform.
   *
   * @default - no Argo CD objects
   */
  readonly argoCd?: ArgoCdOptions;
  /**
   * Also write Flux Kustomizations (one per tenant, each depending on the
   * platform's).
   *
   * @default - no Flux objects
   */
  readonly flux?: FluxOptions;
  /**
   * Report progress on stderr (only when it is a terminal and not in CI).
   *
   * @default true
   */
  readonly progress?: boolean;
}

/**
 * What was written.
 */
export interface TenancyGitOpsResult {
  /** The files written, relative to the output directory, sorted. */
  readonly files: string[];
  /** The files deleted because the library wrote them before and they are gone now. */
  readonly deleted: string[];
  /** Kubernetes objects written. */
  readonly objectCount: number;
  /** Bytes written. */
  readonly bytes: number;
}

/**
 * Writes a cdk8s app for GitOps: one directory per tenant, so that a change
 * to one tenant touches one file, in time linear in the number of tenants.
 *
 * Layout (stable, documented, a contract):
 *
 * - `platform/manifests.yaml` — the `TenancyPlatform` chart (guards,
 *   priority and runtime classes);
 * - `tenants/<tenant>/manifests.yaml` — each chart that holds one `SoftTenant`;
 * - `charts/<chart id>/manifests.yaml` — any other chart;
 * - `argocd/applications.yaml`, `flux/kustomizations.yaml` — when asked;
 * - `.cdk8s-tenancy-files.json` — the files the library wrote.
 *
 * Output is deterministic: the same app gives byte-identical files.
 *
 * @example
 * import { App, Chart } from 'cdk8s';
 * import { SoftTenant, TenancyGitOps } from 'cdk8s-tenancy';
 *
 * const app = new App();
 * for (const name of ['team-a', 'team-b']) {
 *   new SoftTenant(new Chart(app, name), name, { name });
 * }
 * TenancyGitOps.write(app, { outdir: 'gitops' });
 */
export class TenancyGitOps {
  /**
   * Synthesizes every chart of `app` and writes the layout to `outdir`.
   */
  public static write(app: App, options: TenancyGitOpsOptions): TenancyGitOpsResult {
    const outdir = options.outdir;
    TenancyGitOps.checkOptions(app, options);
    const units = TenancyGitOps.plan(app);
    const previous = TenancyGitOps.previousFiles(outdir);
    TenancyGitOps.checkForeignFiles(app, outdir, previous, options.allowForeignFiles ?? false);

    const progress = (options.progress ?? true) && Boolean(process.stderr.isTTY) && !process.env.CI;
    const written = new Set<string>();
    let objectCount = 0;
    let bytes = 0;
    const write = (file: string, text: string) => {
      const full = path.join(outdir, file);
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, text);
      written.add(file);
      bytes += Buffer.byteLength(text);
    };
    let last = 0;
    units.forEach((unit, i) => {
      const objects = synthChart(unit.chart);
      objectCount += objects.length;
      write(unit.file, toYaml(objects));
      if (progress && (Date.now() - last > 200 || i === units.length - 1)) {
        last = Date.now();
        process.stderr.write(`\rsynthesized ${i + 1}/${units.length} charts${i === units.length - 1 ? '\n' : ''}`);
      }
    });
    const tenants = units.filter((u) => u.tenant !== undefined).map((u) => u.tenant!);
    if (options.argoCd) {
      const objects = argoCdObjects(options.argoCd, options.argoCd.path ?? path.basename(path.resolve(outdir)), units.some((u) => u.platform));
      objectCount += objects.length;
      write('argocd/applications.yaml', toYaml(objects));
    }
    if (options.flux) {
      const objects = fluxObjects(options.flux, options.flux.path ?? path.basename(path.resolve(outdir)), tenants, units.some((u) => u.platform));
      objectCount += objects.length;
      write('flux/kustomizations.yaml', toYaml(objects));
    }

    const files = [...written].sort();
    const deleted = previous.filter((f) => !written.has(f)).sort();
    for (const f of deleted) fs.rmSync(path.join(outdir, f), { force: true });
    fs.writeFileSync(path.join(outdir, GITOPS_MANIFEST_FILE), JSON.stringify({ files }, undefined, 2) + '\n');
    return { files, deleted, objectCount, bytes };
  }

  private static checkOptions(app: App, options: TenancyGitOpsOptions): void {
    if (typeof options.outdir !== 'string' || options.outdir.trim() === '') {
      throw invalidProp(app, 'outdir', options.outdir, 'must name a directory.');
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

  /** Where each chart goes; refuses charts that would land in one file. */
  private static plan(app: App): { chart: Chart; file: string; tenant?: string; platform: boolean }[] {
    const units: { chart: Chart; file: string; tenant?: string; platform: boolean }[] = [];
    const byFile = new Map<string, Chart>();
    for (const chart of app.node.children.filter((c): c is Chart => Chart.isChart(c))) {
      const platform = isPlatform(chart);
      const tenants = platform ? [] : chart.node.findAll().filter((c): c is SoftTenant => c instanceof SoftTenant);
      const tenant = tenants.length === 1 ? tenants[0].name : undefined;
      const dir = platform ? 'platform' : tenant !== undefined ? `tenants/${tenant}` : `charts/${fileName(chart.node.id)}`;
      const file = `${dir}/manifests.yaml`;
      const other = byFile.get(file);
      if (other) {
        throw invalidProp(chart, 'chart id', chart.node.id, `would be written to ${file}, like chart '${other.node.path}'.`, 'Give the charts ids that differ in letters, digits, \'-\' or \'.\'.');
      }
      byFile.set(file, chart);
      units.push({ chart, file, tenant, platform });
    }
    return units;
  }

  private static previousFiles(outdir: string): string[] {
    const manifest = path.join(outdir, GITOPS_MANIFEST_FILE);
    if (!fs.existsSync(manifest)) return [];
    const files = JSON.parse(fs.readFileSync(manifest, 'utf8')).files;
    // never trust a path that leaves the output directory
    return (Array.isArray(files) ? files : []).filter((f: unknown): f is string => typeof f === 'string' && !f.startsWith('..') && !path.isAbsolute(f) && !f.includes('/../'));
  }

  private static checkForeignFiles(app: App, outdir: string, previous: string[], allowed: boolean): void {
    if (!fs.existsSync(outdir) || allowed) return;
    const known = new Set([...previous, GITOPS_MANIFEST_FILE]);
    const foreign: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(path.join(outdir, dir), { withFileTypes: true })) {
        const rel = dir ? `${dir}/${entry.name}` : entry.name;
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
}

function isPlatform(chart: Chart): boolean {
  return TenancyPlatform._isPlatform(chart);
}

function fileName(id: string): string {
  return id.replace(/[^A-Za-z0-9.-]+/g, '-');
}

/** One multi-document YAML file; no line folding, so diffs stay line-based. */
function toYaml(objects: any[]): string {
  return objects.map((o) => YAML.stringify(o, { lineWidth: 0 })).join('---\n');
}

function labels() {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
}

function argoCdObjects(o: ArgoCdOptions, root: string, platform: boolean): any[] {
  const namespace = o.namespace ?? 'argocd';
  const revision = o.revision ?? 'HEAD';
  const project = o.project ?? 'default';
  const server = o.destinationServer ?? 'https://kubernetes.default.svc';
  const objects: any[] = [];
  if (platform) {
    objects.push({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'cdk8s-tenancy-platform', namespace, labels: labels() },
      spec: {
        project,
        source: { repoURL: o.repoUrl, targetRevision: revision, path: `${root}/platform` },
        destination: { server },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      },
    });
  }
  objects.push({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: 'cdk8s-tenancy-tenants', namespace, labels: labels() },
    spec: {
      goTemplate: true,
      generators: [{ git: { repoURL: o.repoUrl, revision, directories: [{ path: `${root}/tenants/*` }] } }],
      template: {
        metadata: { name: 'tenant-{{.path.basename}}', labels: labels() },
        spec: {
          project,
          source: { repoURL: o.repoUrl, targetRevision: revision, path: '{{.path.path}}' },
          destination: { server },
          syncPolicy: { automated: { prune: true, selfHeal: true } },
        },
      },
    },
  });
  return objects;
}

function fluxObjects(o: FluxOptions, root: string, tenants: string[], platform: boolean): any[] {
  const namespace = o.namespace ?? 'flux-system';
  const interval = o.interval ?? '10m';
  const kustomization = (name: string, dir: string, dependsOn: string[]) => ({
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace, labels: labels() },
    spec: {
      interval,
      path: `./${root}/${dir}`,
      prune: true,
      sourceRef: { kind: 'GitRepository', name: o.gitRepository },
      ...(dependsOn.length > 0 ? { dependsOn: dependsOn.map((d) => ({ name: d })) } : {}),
    },
  });
  return [
    ...(platform ? [kustomization('cdk8s-tenancy-platform', 'platform', [])] : []),
    ...tenants.map((t) => kustomization(`tenant-${t}`, `tenants/${t}`, platform ? ['cdk8s-tenancy-platform'] : [])),
  ];
}
