import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/*
 * Temporary folders for tests, removed by the tests that made them (issue
 * 19). Loaded before every test file (jest setupFilesAfterEnv), so its
 * hooks run around every test; test files and helpers import `tempDir`.
 *
 * os.tmpdir() is the run's root (run-root.ts), which must be empty when the
 * run ends: a folder made here is removed after the test that made it, or,
 * when made outside a test (at file scope, in beforeAll), after the file.
 */

const perTest: string[] = [];
const perFile: string[] = [];
let inTest = false;

/**
 * A new, empty folder named `<prefix>XXXXXX` under the run's root; removed
 * after the current test (or after the file when no test is running).
 */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  (inTest ? perTest : perFile).push(dir);
  return dir;
}

function remove(dirs: string[]): void {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

// Registered before any test file's hooks: this beforeEach runs first and
// this afterEach last, so a folder made in a test or its hooks lives as
// long as they do.
beforeEach(() => { inTest = true; });
afterEach(() => { inTest = false; remove(perTest); });
afterAll(() => remove(perFile));

// An AWS CDK App made without `outdir` synthesizes into a new
// os.tmpdir()/cdk.out* folder and never removes it (Template.fromStack does
// this for every stack it reads). The App takes its default from
// CDK_OUTDIR: one folder per test file, removed after it.
process.env.CDK_OUTDIR = tempDir('cdk.out-');
