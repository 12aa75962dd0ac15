import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { AuditInputProblem } from '../../audit/audit-report';

/** An object read from the input, with where it came from. */
export interface SourcedObject {
  readonly object: any;
  readonly source: string;
}

const MANIFEST = /\.(ya?ml|json)$/i;
const SKIP_DIRS = new Set(['node_modules']);

/**
 * Lists the manifest files under `paths` (files as given, directories
 * recursively, in a stable order), reporting paths that do not exist.
 */
export function listFiles(paths: string[], problems: AuditInputProblem[]): string[] {
  const files: string[] = [];
  const cannotRead = (p: string, e: unknown) => problems.push({ source: p, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
  // `given`: named on the command line, read whatever its extension.
  const walk = (p: string, given: boolean) => {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch (e) {
      // A dangling link inside a directory: it may have held manifests.
      cannotRead(p, e);
      return;
    }
    if (stat.isDirectory()) {
      let entries: string[];
      try {
        entries = fs.readdirSync(p).sort();
      } catch (e) {
        cannotRead(p, e);
        return;
      }
      for (const entry of entries) {
        // hidden entries (.git, .github, the GitOps writer's file record) are not manifests
        if (!SKIP_DIRS.has(entry) && !entry.startsWith('.')) walk(path.join(p, entry), false);
      }
    } else if (given || MANIFEST.test(p)) {
      files.push(p);
    }
  };
  paths.forEach((p) => walk(p, true));
  return files;
}

/**
 * Reads one file: multi-document YAML, or JSON; `kind: List` objects and
 * JSON arrays are expanded.
 */
export function readFile(file: string, problems: AuditInputProblem[]): SourcedObject[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    problems.push({ source: file, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
    return [];
  }
  const values: unknown[] = [];
  if (/\.json$/i.test(file)) {
    try {
      values.push(JSON.parse(text));
    } catch (e) {
      problems.push({ source: file, message: `invalid JSON: ${(e as Error).message}` });
      return [];
    }
  } else {
    // YAML 1.1, as kubectl and the API server read it: `on` and `yes` are
    // booleans there, so they must be here too.
    for (const doc of YAML.parseAllDocuments(text, { version: '1.1' })) {
      if (doc.errors.length > 0) {
        const err = doc.errors[0];
        problems.push({ source: file, message: `invalid YAML: ${err.message.split('\n')[0]}${err.linePos ? ` (line ${err.linePos[0].line})` : ''}` });
        continue;
      }
      values.push(doc.toJS());
    }
  }
  return expand(values, file, problems);
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
