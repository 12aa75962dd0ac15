// The package as users get it: `npm pack`, installed into a fresh project
// from the tarball, compiled with tsc and run, from CommonJS and ES modules.
//
// Needs lib/ built (`npm test` compiles first); packs with --ignore-scripts
// for that reason (the prepack build would only repeat it).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { tempDir } from './helpers/temp-dir';
import { quickstart } from '../examples/quickstart/app';

const ROOT = path.join(__dirname, '..');
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

// The peers at the versions this project develops against; npm takes them
// from its cache when it can.
const dev = (name: string) => `${name}@${PKG.devDependencies[name]}`;

jest.setTimeout(600_000);

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  } catch (e: any) {
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${e.stdout}\n${e.stderr}`);
  }
}
function npm(args: string[], cwd: string): string {
  return run('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], cwd);
}
/** Runs a command expected to fail; returns its stderr. */
function fails(cmd: string, args: string[], cwd: string): string {
  try {
    execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e: any) {
    return String(e.stderr);
  }
  throw new Error(`${cmd} ${args.join(' ')} succeeded`);
}
function readTree(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

const tmp = tempDir('cdk8s-tenancy-pack-');

let packed: { filename: string; size: number; unpackedSize: number; files: { path: string }[] };
const app = path.join(tmp, 'app');

test('npm pack ships exactly the package: compiled code, types, the jsii assembly, docs, bundled dependencies', () => {
  expect(fs.existsSync(path.join(ROOT, 'lib', 'index.js'))).toBe(true);
  packed = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], ROOT))[0];
  const files = packed.files.map((f) => f.path);
  const outside = files.filter((f) => !(
    /^lib\/.+\.(js|d\.ts)$/.test(f)
    || ['.jsii', 'API.md', 'README.md', 'LICENSE', 'package.json'].includes(f)
    || PKG.bundledDependencies.some((d: string) => f.startsWith(`node_modules/${d}/`))));
  expect(outside).toEqual([]);
  for (const f of ['lib/index.js', 'lib/index.d.ts', 'lib/aws/index.js', 'lib/aws/index.d.ts', 'lib/audit/cli.js', '.jsii']) {
    expect(files).toContain(f);
  }
  // Every source file is shipped compiled, with its types.
  const sources = execFileSync('git', ['ls-files', 'src/*.ts'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n');
  for (const src of sources) {
    const base = src.replace(/^src\//, 'lib/').replace(/\.ts$/, '');
    expect([base, files.includes(`${base}.js`), files.includes(`${base}.d.ts`)]).toEqual([base, true, true]);
  }
  // Measured at 1.11 MB packed, 4.5 MB unpacked, 451 files (2026-12: the
  // jsii assembly 0.78 MB and API.md 0.38 MB of it, grown from 0.66 / 2.9 MB
  // with the lifecycle, ingress, budget, tenant GitOps and cost features);
  // the bounds catch generated code or a nested tarball slipping in.
  expect(packed.size).toBeLessThan(1_500_000);
  expect(packed.unpackedSize).toBeLessThan(6_000_000);
});

describe('installed from the tarball into a fresh cdk8s app (no aws-cdk-lib)', () => {
  beforeAll(() => {
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '0.0.0', private: true }));
    npm(['install', path.join(tmp, packed.filename), dev('cdk8s'), dev('constructs'), dev('cdk8s-plus-27')], app);
  });

  test('the optional peer aws-cdk-lib is not installed', () => {
    expect(fs.existsSync(path.join(app, 'node_modules', 'cdk8s-tenancy', 'lib', 'index.js'))).toBe(true);
    expect(fs.existsSync(path.join(app, 'node_modules', 'aws-cdk-lib'))).toBe(false);
  });

  test('CommonJS: the quick start compiles with tsc without reading aws-cdk-lib, runs, and writes what the source writes', () => {
    fs.copyFileSync(path.join(ROOT, 'examples', 'quickstart', 'app.ts'), path.join(app, 'quickstart.ts'));
    fs.writeFileSync(path.join(app, 'main.ts'), [
      "import { App } from 'cdk8s';",
      "import { quickstart } from './quickstart';",
      "const app = new App({ outdir: 'dist' });",
      'quickstart(app);',
      'app.synth();',
    ].join('\n'));
    // A strict CommonJS setup without skipLibCheck: the library's own
    // declarations are type-checked too.
    fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, lib: ['es2022'], types: [] },
      files: ['main.ts'],
    }));
    const listed = run('node', [TSC, '-p', '.', '--listFiles'], app).split('\n');
    expect(listed.some((f) => f.includes('/node_modules/cdk8s-tenancy/lib/tenant/soft-tenant.d.ts'))).toBe(true);
    expect(listed.filter((f) => f.includes('aws-cdk-lib') || f.includes('/cdk8s-tenancy/lib/aws/'))).toEqual([]);

    run('node', ['main.js'], app);
    const expected = path.join(tmp, 'expected');
    const source = new App({ outdir: expected });
    quickstart(source);
    source.synth();
    expect(readTree(path.join(app, 'dist'))).toEqual(readTree(expected));
  });

  test('ES modules: named imports work, `aws` among them; using it without aws-cdk-lib says what is missing', () => {
    fs.writeFileSync(path.join(app, 'esm.mjs'), [
      "import { aws, SoftTenant, TenancyPlatform } from 'cdk8s-tenancy';",
      'console.log(JSON.stringify({ SoftTenant: typeof SoftTenant, TenancyPlatform: typeof TenancyPlatform, aws: Object.keys(aws) }));',
      'aws.HardTenantCluster;',
    ].join('\n'));
    const err = fails('node', ['esm.mjs'], app);
    expect(err).toMatch(/Cannot find module 'aws-cdk-lib/);
    const names = JSON.parse(run('node', ['--input-type=module', '-e',
      "import { aws, SoftTenant } from 'cdk8s-tenancy'; console.log(JSON.stringify({ s: typeof SoftTenant, aws: Object.keys(aws) }))"], app));
    expect(names).toEqual({ s: 'function', aws: ['BaselineDelivery', 'HardTenantCluster', 'SoleTenantNodePool', 'TenantClusterCompute', 'TenantFargateProfile'] });
  });

  describe('with aws-cdk-lib added', () => {
    beforeAll(() => npm(['install', dev('aws-cdk-lib')], app));

    test('CommonJS: the README\'s cluster-per-tenant app (one import line for the AWS part) compiles with tsc and synthesizes the stack its `cdk deploy` names', () => {
      const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
      const block = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.includes('HardTenantCluster.forTenants'))!;
      expect(block).toMatch(/^import \* as aws from 'cdk8s-tenancy\/aws';$/m);
      const deploy = block.match(/cdk deploy ([\w-]+)/)![1];
      fs.writeFileSync(path.join(app, 'aws-app.ts'), `${block}\napp.synth();\n`);
      // TypeScript's classic `node` resolution (typesVersions) here; the
      // ESM test below goes through package.json `exports`.
      fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'commonjs', moduleResolution: 'node', strict: true, skipLibCheck: true, lib: ['es2022'], types: [] },
        files: ['aws-app.ts'],
      }));
      run('node', [TSC, '-p', '.'], app);
      // The App has no outdir: the AWS CDK CLI would pass CDK_OUTDIR.
      run('node', ['aws-app.js'], app, { CDK_OUTDIR: path.join(app, 'cdk.out') });
      const manifest = JSON.parse(fs.readFileSync(path.join(app, 'cdk.out', 'manifest.json'), 'utf8'));
      const stacks = Object.entries(manifest.artifacts).filter(([, a]: [string, any]) => a.type === 'aws:cloudformation:stack').map(([id]) => id);
      expect(stacks).toContain(deploy);
    });

    test('ES modules: `aws` from the package is the `cdk8s-tenancy/aws` entry point, loaded on use', () => {
      const out = JSON.parse(run('node', ['--input-type=module', '-e', [
        "import { aws } from 'cdk8s-tenancy';",
        "import { HardTenantCluster } from 'cdk8s-tenancy/aws';",
        'console.log(JSON.stringify({ same: aws.HardTenantCluster === HardTenantCluster, type: typeof HardTenantCluster }));',
      ].join('\n')], app));
      expect(out).toEqual({ same: true, type: 'function' });
    });
  });
});
