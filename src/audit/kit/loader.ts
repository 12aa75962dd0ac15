import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { AuditInputProblem } from '../audit-report';

/** An object read from the input, with where it came from. */
export interface SourcedObject {
  readonly object: any;
  readonly source: string;
}

const MANIFEST = /\.(ya?ml|json)$/i;
const SKIP_DIRS = new Set(['node_modules']);

/** What `-` reads: standard input. */
export const STDIN = '-';
/** How findings name standard input. */
export const STDIN_SOURCE = '<stdin>';

/**
 * Files of a GitOps repository that are not Kubernetes manifests, by name:
 * Helm's and Kustomize's own files, and project files beside them. They are
 * counted, not parsed, and are no input problem.
 */
const NOT_MANIFESTS: [RegExp, string][] = [
  [/^(Chart\.ya?ml|Chart\.lock|requirements\.(ya?ml|lock))$/, 'Helm chart metadata'],
  [/^values\.schema\.json$/, 'Helm values schema'],
  [/^(kustomization\.ya?ml|Kustomization)$/, 'Kustomize kustomization'],
  [/^kustomizeconfig.*\.ya?ml$/i, 'Kustomize configuration'],
  [/^cdk8s\.ya?ml$/, 'cdk8s project configuration'],
  [/^(package(-lock)?\.json|tsconfig.*\.json)$/, 'npm project file'],
];

/**
 * Helm values files by name. Inside a chart they are values; elsewhere
 * (values kept beside an Argo CD Application) only when no document in them
 * is a Kubernetes object: a file of manifests is never set aside by its
 * name alone.
 */
const HELM_VALUES = /^values([-._].*)?\.ya?ml$/;

/** A file read but not as manifests, and what it is. */
export interface NotManifest {
  readonly source: string;
  readonly kind: string;
}

/** What the files of `paths` are. */
export interface FileList {
  /** Files to read as manifests, each once, in a stable order. */
  readonly files: string[];
  /** Files recognised as something else (Helm, Kustomize, project files). */
  readonly notManifests: NotManifest[];
}

/**
 * Lists the manifest files under `paths` (files as given, directories
 * recursively, in a stable order, each file once however often it is
 * named), reporting paths that do not exist and setting aside the files
 * that are not manifests.
 */
export function listManifestFiles(paths: string[], problems: AuditInputProblem[]): FileList {
  const files: string[] = [];
  const notManifests: NotManifest[] = [];
  const seen = new Set<string>();
  const cannotRead = (p: string, e: unknown) => problems.push({ source: p, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
  // `given`: named on the command line, read whatever its extension.
  // `helm`: inside a Helm chart's templates/ or charts/: Go templates, not manifests.
  const walk = (p: string, given: boolean, helm?: string) => {
    if (p === STDIN && given) {
      if (!seen.has(STDIN)) files.push(STDIN);
      seen.add(STDIN);
      return;
    }
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch (e) {
      // A dangling link inside a directory: it may have held manifests.
      cannotRead(p, e);
      return;
    }
    // The same file through two paths (a directory and a file in it, a link) is read once.
    let real = p;
    try {
      real = fs.realpathSync(p);
    } catch { /* stat worked: keep the path as given */ }
    if (seen.has(real)) return;
    seen.add(real);
    if (stat.isDirectory()) {
      let entries: string[];
      try {
        entries = fs.readdirSync(p).sort();
      } catch (e) {
        cannotRead(p, e);
        return;
      }
      const chart = helm === undefined && entries.includes('Chart.yaml');
      if (chart) entries.filter((e) => HELM_VALUES.test(e)).forEach((e) => referenced.set(path.resolve(p, e), 'Helm values'));
      for (const entry of entries) {
        // hidden entries (.git, .github, the GitOps writer's file record) are not manifests
        if (SKIP_DIRS.has(entry) || entry.startsWith('.')) continue;
        const inChart = chart && entry === 'templates' ? 'Helm template' : chart && entry === 'charts' ? 'Helm subchart' : helm;
        walk(path.join(p, entry), false, inChart);
      }
    } else if (helm !== undefined) {
      notManifests.push({ source: p, kind: helm });
    } else if (given || MANIFEST.test(p)) {
      const name = path.basename(p);
      const known = NOT_MANIFESTS.find(([pattern]) => pattern.test(name));
      if (known) notManifests.push({ source: p, kind: known[1] });
      else files.push(p);
      if (known?.[1] === KUSTOMIZATION) kustomizationInputs(p, referenced);
    }
  };
  const referenced = new Map<string, string>();
  paths.forEach((p) => walk(p, true));
  // Files a kustomization names as patches, configurations or generator
  // input are pieces Kustomize assembles, not objects applied as they are.
  const manifests = files.filter((f) => {
    const kind = f === STDIN ? undefined : referenced.get(path.resolve(f)) ?? referenced.get(realpath(f));
    if (kind !== undefined) notManifests.push({ source: f, kind });
    return kind === undefined;
  });
  return { files: manifests, notManifests };
}

const KUSTOMIZATION = 'Kustomize kustomization';

function realpath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/**
 * The files a kustomization names that are not resources: patches,
 * transformer configurations (kustomizeconfig), replacements, generator
 * input and Helm values, by absolute path. An unreadable kustomization
 * names none (Kustomize itself reports it).
 */
function kustomizationInputs(file: string, into: Map<string, string>): void {
  let k: any;
  try {
    k = YAML.parse(fs.readFileSync(file, 'utf8'), YAML_OPTIONS);
  } catch {
    return;
  }
  if (k === null || typeof k !== 'object') return;
  const dir = path.dirname(file);
  const add = (ref: unknown, kind: string) => {
    // a path, or `key=path` in generators; an inline patch holds a newline
    if (typeof ref !== 'string' || ref.includes('\n')) return;
    into.set(path.resolve(dir, ref.includes('=') ? ref.slice(ref.indexOf('=') + 1) : ref), kind);
  };
  const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);
  for (const patch of list(k.patches)) add(patch?.path, 'Kustomize patch');
  for (const patch of list(k.patchesStrategicMerge)) add(patch, 'Kustomize patch');
  for (const patch of list(k.patchesJson6902)) add(patch?.path, 'Kustomize patch');
  for (const c of list(k.configurations)) add(c, 'Kustomize configuration');
  for (const r of list(k.replacements)) add(r?.path, 'Kustomize configuration');
  for (const g of [...list(k.configMapGenerator), ...list(k.secretGenerator)]) {
    for (const f of [...list(g?.files), ...list(g?.envs), ...(g?.env ? [g.env] : [])]) add(f, 'Kustomize generator input');
  }
  for (const h of list(k.helmCharts)) add(h?.valuesFile, 'Helm values');
}

/** The manifest files under `paths` (see listManifestFiles). */
export function listFiles(paths: string[], problems: AuditInputProblem[]): string[] {
  return listManifestFiles(paths, problems).files;
}

/**
 * Parse options: YAML 1.1, as kubectl and the API server read it (`on` and
 * `yes` are booleans there, so they must be here too); the parser's
 * warnings are not printed (an input problem is reported once, by the
 * audit, with its file and line).
 */
export const YAML_OPTIONS = { version: '1.1', logLevel: 'error' } as const;

/** What one file held. */
export interface FileContent {
  readonly objects: SourcedObject[];
  /** Set when the file is recognised by its content as not a manifest (Kustomize configuration). */
  readonly notManifest?: string;
}

/**
 * Reads one file (`-`: standard input): multi-document YAML, or JSON;
 * `kind: List` objects and JSON arrays are expanded. A file is reported as
 * a problem at most once, with the first thing wrong and its line.
 */
export function readFile(file: string, problems: AuditInputProblem[]): SourcedObject[] {
  return readManifestFile(file, problems).objects;
}

export function readManifestFile(file: string, problems: AuditInputProblem[]): FileContent {
  const source = file === STDIN ? STDIN_SOURCE : file;
  let text: string;
  try {
    text = fs.readFileSync(file === STDIN ? 0 : file, 'utf8');
  } catch (e) {
    problems.push({ source, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
    return { objects: [] };
  }
  const own: AuditInputProblem[] = [];
  const values: unknown[] = [];
  if (/\.json$/i.test(file)) {
    try {
      values.push(JSON.parse(text));
    } catch (e) {
      own.push({ source, message: `invalid JSON: ${(e as Error).message}` });
    }
  } else {
    const templated = text.includes('{{');
    for (const doc of YAML.parseAllDocuments(text, YAML_OPTIONS)) {
      const template = templated && doc.errors.length === 0 ? templateAction(doc) : undefined;
      if (template !== undefined) {
        own.push({ source, message: `holds an unrendered Go template action (line ${text.slice(0, template).split('\n').length}): render it first, e.g. helm template ... | cdk8s-tenancy audit -` });
        continue;
      }
      if (doc.errors.length > 0) {
        const err = doc.errors[0];
        const hint = /\{\{.*\}\}/.test(text) ? ' (a Go template? render it first, e.g. helm template ... | cdk8s-tenancy audit -)' : '';
        own.push({ source, message: `invalid YAML: ${err.message.split('\n')[0]}${err.linePos ? ` (line ${err.linePos[0].line})` : ''}${hint}` });
        continue;
      }
      try {
        values.push(doc.toJS());
      } catch (e) {
        // e.g. more aliases than the parser's limit against alias bombs
        own.push({ source, message: `invalid YAML: ${(e as Error).message}` });
      }
    }
  }
  // Kustomize's own objects (a Kustomization or Component by another file
  // name) are build instructions, not something applied to a cluster.
  const objects = values.filter((v) => v !== null && v !== undefined);
  const isObject = (v: any) => typeof v?.apiVersion === 'string' && typeof v?.kind === 'string';
  if (own.length === 0 && objects.length > 0 && objects.every((v: any) => isObject(v) && v.apiVersion.startsWith('kustomize.config.k8s.io/'))) {
    return { objects: [], notManifest: 'Kustomize configuration' };
  }
  if (own.length === 0 && HELM_VALUES.test(path.basename(file)) && !objects.some(isObject)) {
    return { objects: [], notManifest: 'Helm values' };
  }
  const out = expand(values, source, own);
  if (own.length > 0) {
    problems.push(own.length === 1 ? own[0] : { source, message: `${own[0].message}; and ${own.length - 1} more problem${own.length > 2 ? 's' : ''} in this file` });
  }
  return { objects: out };
}

/**
 * Where a document holds an unquoted `{{ ... }}` (YAML reads it as a
 * mapping keyed by a mapping, which no manifest means), as an offset.
 */
function templateAction(doc: YAML.Document): number | undefined {
  let at: number | undefined;
  YAML.visit(doc, {
    Pair: (_, pair) => {
      if (YAML.isCollection(pair.key)) {
        at = pair.key.range?.[0];
        return YAML.visit.BREAK;
      }
      return undefined;
    },
  });
  return at;
}

/** Checks objects passed in directly, as they would be read from a file. */
export function expand(values: unknown[], source: string, problems: AuditInputProblem[]): SourcedObject[] {
  const out: SourcedObject[] = [];
  const visit = (v: unknown) => {
    if (v === null || v === undefined) return; // empty YAML document
    if (Array.isArray(v)) return v.forEach(visit);
    const o = v as any;
    if (typeof o !== 'object' || typeof o.kind !== 'string' || typeof o.apiVersion !== 'string') {
      problems.push({ source, message: `not a Kubernetes object (no apiVersion and kind): ${JSON.stringify(v).slice(0, 80)}` });
      return;
    }
    if (o.kind.endsWith('List') && Array.isArray(o.items)) return o.items.forEach(visit);
    out.push({ object: o, source });
  };
  values.forEach(visit);
  return out;
}
