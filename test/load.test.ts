import { spawnSync } from 'child_process';
import * as path from 'path';

/*
 * Pure-cdk8s users must not pay for aws-cdk-lib: loading the package (its
 * entry point, as `require('cdk8s-tenancy')` would) must not load it.
 */
test('importing the library does not load aws-cdk-lib', () => {
  const script = [
    "require('./src');",
    "const loaded = Object.keys(require.cache).filter((k) => k.includes('/node_modules/aws-cdk-lib/'));",
    'console.log(JSON.stringify({ loaded: loaded.length, cdk8s: Object.keys(require.cache).some((k) => k.includes("/node_modules/cdk8s/")) }));',
  ].join('\n');
  const result = spawnSync(process.execPath, ['-r', 'ts-node/register', '-e', script], {
    cwd: path.join(__dirname, '..'),
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', TS_NODE_PROJECT: 'tsconfig.json' },
    encoding: 'utf8',
  });
  expect(result.stderr).toBe('');
  // The check can fail: cdk8s itself is seen in the module cache.
  expect(JSON.parse(result.stdout)).toEqual({ loaded: 0, cdk8s: true });
});
