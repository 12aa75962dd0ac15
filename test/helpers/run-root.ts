import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/*
 * The per-run temporary root of a jest run (issue 19: a full `npm test`
 * left thousands of folders in /tmp: gitops-*, audit-*, cdk.out*, ...).
 *
 * jest's globalSetup makes one folder under the machine's temporary folder
 * and points TMPDIR at it before any worker starts, so the workers, the
 * libraries (aws-cdk-lib's cdk.out, cdk8s's Testing.app()) and every
 * program a test runs (Go, Helm, npm, gator, kyverno) make their temporary
 * files in it. Tests take their folders from `tempDir()` (temp-dir.ts),
 * which removes them. globalTeardown then requires the root to be empty:
 * anything left is something a test or a tool it ran did not clean up, a
 * defect the run names (and fails on) instead of leaving it in /tmp.
 *
 * This module is the one source of truth for where the root is: both
 * tiers' configs (package.json's jest, test/cluster/jest.config.js) use it.
 */

/** Names the run root for the workers (TMPDIR alone could be the user's own). */
export const RUN_ROOT_ENV = 'CDK8S_TENANCY_TEST_RUN_ROOT';

/** Makes the run root and points TMPDIR (and RUN_ROOT_ENV) at it; returns it. */
export function createRunRoot(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-tenancy-test-run-'));
  process.env[RUN_ROOT_ENV] = root;
  process.env.TMPDIR = root;
  // ts-node, which tests run as a program (the benchmark, the README's
  // commands), keeps a compile cache in os.tmpdir(), to be reused by the
  // next run: a cache, not a leftover. It goes with the project's other
  // build caches instead of into the run's root.
  process.env.V8_COMPILE_CACHE_CACHE_DIR ??= path.join(os.homedir(), '.cache', 'cdk8s-tenancy', 'v8-compile-cache', process.versions.v8);
  return root;
}

/** What is left in `root`: its entries, sorted, each as a full path. */
export function leftovers(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root).sort().map((e) => path.join(root, e));
}

/**
 * Removes the run root and, if a test left anything in it, throws naming
 * each entry (the first 20 and how many in all), which makes jest exit
 * non-zero. The root is removed either way: the names in the message are
 * what to fix, and a failed run leaves nothing in /tmp either.
 */
export function finishRunRoot(root: string): void {
  const left = leftovers(root);
  fs.rmSync(root, { recursive: true, force: true });
  if (left.length === 0) return;
  const shown = left.slice(0, 20).map((f) => `  ${f}`).join('\n');
  const more = left.length > 20 ? `\n  ... and ${left.length - 20} more` : '';
  throw new Error(`tests left ${left.length} temporary ${left.length === 1 ? 'entry' : 'entries'} behind in ${root} `
    + `(now removed): make them with tempDir() from test/helpers/temp-dir.ts, or give the tool that made them a folder that is removed\n${shown}${more}`);
}
