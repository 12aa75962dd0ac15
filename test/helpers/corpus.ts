import * as path from 'path';

/*
 * The corpus: every distinct Kubernetes object the unit tier synthesizes,
 * one file per test file (written by ./yaml-differential.ts after the
 * file's tests, replacing the previous run's), applied to a real API server
 * by test/cluster/corpus.cluster.test.ts. It lives in the project's
 * .ci/tmp (ignored by git, outside the package's files allowlist).
 */

/** Where the corpus is. */
export const CORPUS_DIR = path.join(__dirname, '..', '..', '.ci', 'tmp', 'corpus');

/** What one test file recorded. */
export interface CorpusFile {
  /** The test file, relative to the project (e.g. test/soft-tenant.test.ts). */
  readonly source: string;
  readonly objects: any[];
}

/** The corpus file of a test file (relative path, `/` made `__`). */
export function corpusFile(source: string): string {
  return path.join(CORPUS_DIR, `${source.replace(/\//g, '__')}.json`);
}

/** An object a Kubernetes API server could be sent: apiVersion, kind and metadata.name, all strings. */
export function isKubernetesShaped(o: any): boolean {
  return typeof o === 'object' && o !== null && typeof o.apiVersion === 'string' && typeof o.kind === 'string'
    && typeof o.metadata?.name === 'string';
}
