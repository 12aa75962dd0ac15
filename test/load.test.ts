import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/*
 * Pure-cdk8s users must not pay for aws-cdk-lib: loading the package as
 * users do (the compiled lib/index.js, `npm test` compiles first) must not
 * load it; the `aws` submodule loads it on first use.
 */
const ROOT = path.join(__dirname, '..');

function load(script: string): { before: number; after: number; cdk8s: boolean } {
  const result = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout);
}

const count = "Object.keys(require.cache).filter((k) => k.includes('/node_modules/aws-cdk-lib/')).length";

test('the compiled package is there to load', () => {
  expect(fs.existsSync(path.join(ROOT, 'lib', 'index.js'))).toBe(true);
});

test('importing the package does not load aws-cdk-lib; using the aws submodule does', () => {
  const result = load([
    "const lib = require('./lib');",
    `const before = ${count};`,
    'const cdk8s = Object.keys(require.cache).some((k) => k.includes("/node_modules/cdk8s/"));',
    'void lib.aws.TenantFargateProfile;',
    `console.log(JSON.stringify({ before, after: ${count}, cdk8s }));`,
  ].join('\n'));
  expect(result.before).toBe(0);
  expect(result.cdk8s).toBe(true);
  // The check can fail: the submodule does load aws-cdk-lib.
  expect(result.after).toBeGreaterThan(0);
});
