import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App as CdkApp, CfnWaitConditionHandle, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Testing } from 'cdk8s';
import { finishRunRoot, leftovers, RUN_ROOT_ENV } from './helpers/run-root';
import { tempDir } from './helpers/temp-dir';

/*
 * Issue 19: tests clean up what they create. The run's temporary root
 * (run-root.ts) must be empty when the run ends, and a leftover fails the
 * run naming it; tempDir() (temp-dir.ts) removes its folders after the
 * test, or the file, that made them.
 */

const ROOT = path.join(__dirname, '..');

describe('the run\'s temporary root', () => {
  test('is this worker\'s TMPDIR: os.tmpdir(), and the AWS CDK\'s default cdk.out, are in it', () => {
    const root = process.env[RUN_ROOT_ENV]!;
    expect(root).toMatch(/cdk8s-tenancy-test-run-/);
    expect(os.tmpdir()).toBe(root);
    expect(path.dirname(process.env.CDK_OUTDIR!)).toBe(root);
    // An AWS CDK App without outdir synthesizes there, not into a cdk.out* of its own.
    const stack = new Stack(new CdkApp(), 'S');
    new CfnWaitConditionHandle(stack, 'Handle');
    Template.fromStack(stack);
    expect(fs.readdirSync(process.env.CDK_OUTDIR!)).toContain('S.template.json');
  });

  test('catches what a library leaves in it: cdk8s\'s Testing.app() without outdir makes a folder and never removes it', () => {
    const root = process.env[RUN_ROOT_ENV]!;
    const before = new Set(leftovers(root));
    Testing.app();
    const made = leftovers(root).filter((e) => !before.has(e));
    expect(made).toEqual([expect.stringMatching(/\/cdk8s\.outdir\.[^/]+$/)]);
    fs.rmSync(made[0], { recursive: true }); // (so this run stays clean)
  });
});

describe('finishRunRoot (the globalTeardown of both tiers)', () => {
  const root = () => fs.mkdtempSync(path.join(tempDir('teardown-'), 'run-'));

  test('an empty root: removed, no error', () => {
    const r = root();
    expect(() => finishRunRoot(r)).not.toThrow();
    expect(fs.existsSync(r)).toBe(false);
  });

  test('a leftover fails, naming its path; the root is removed all the same', () => {
    const r = root();
    fs.mkdirSync(path.join(r, 'gitops-abc123'));
    fs.writeFileSync(path.join(r, 'gitops-abc123', 'team-a.yaml'), 'x');
    fs.writeFileSync(path.join(r, 'stray.log'), 'x');
    expect(() => finishRunRoot(r)).toThrow(`tests left 2 temporary entries behind in ${r} (now removed)`);
    expect(fs.existsSync(r)).toBe(false);
  });

  test('each leftover is named, the first 20 and how many more', () => {
    const r = root();
    for (let i = 0; i < 25; i++) fs.mkdirSync(path.join(r, `audit-${String(i).padStart(2, '0')}`));
    let message = '';
    try { finishRunRoot(r); } catch (e) { message = (e as Error).message; }
    expect(message).toContain(`\n  ${path.join(r, 'audit-00')}\n`);
    expect(message).toContain(`\n  ${path.join(r, 'audit-19')}\n`);
    expect(message).not.toContain('audit-20');
    expect(message).toMatch(/tests left 25 temporary entries .*\n[^]*\n {2}\.\.\. and 5 more$/);
  });

  test('a jest run whose test leaves a folder exits non-zero naming it; the same run cleaning up passes', () => {
    // Its own TMPDIR, so its run root and jest's cache are under a folder of ours.
    const jest = (leave: boolean) => spawnSync(process.execPath, [
      path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--config', path.join(ROOT, 'test', 'fixtures', 'tmp-leftover', 'jest.config.js'),
    ], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TMPDIR: tempDir('nested-jest-'), LEAVE_A_FOLDER: leave ? '1' : '0' } });
    const left = jest(true);
    expect(left.status).not.toBe(0);
    expect(left.stderr).toMatch(/tests left 1 temporary entry behind in \S+cdk8s-tenancy-test-run-\S+ \(now removed\)/);
    expect(left.stderr).toMatch(/\n {2}\S+\/cdk8s-tenancy-test-run-[^/\s]+\/left-behind-by-a-test\n/);
    const clean = jest(false);
    expect([clean.status, clean.stderr]).toEqual([0, expect.stringContaining('1 passed')]);
  }, 120_000);
});

describe('tempDir', () => {
  const fileScoped = tempDir('file-scoped-');
  let madeInATest = '';

  test('makes an empty folder under the run\'s root, named by its prefix', () => {
    madeInATest = tempDir('made-in-a-test-');
    expect(path.dirname(madeInATest)).toBe(os.tmpdir());
    expect(path.basename(madeInATest)).toMatch(/^made-in-a-test-\w{6}$/);
    expect(fs.readdirSync(madeInATest)).toEqual([]);
  });

  test('a folder made in a test is removed after that test; one made outside a test lives to the end of the file', () => {
    expect(madeInATest).not.toBe('');
    expect(fs.existsSync(madeInATest)).toBe(false);
    expect(fs.existsSync(fileScoped)).toBe(true);
  });
});
