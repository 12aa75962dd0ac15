import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Testing } from 'cdk8s';
import * as ts from 'typescript';
import { K8sObject, ofKind, synthObjects } from './helpers/manifests';
import { validateAll } from './helpers/schema';
import { quickstart } from '../examples/quickstart/app';
import { TenancyAudit } from 'cdk8s-tenancy';

const ROOT = path.join(__dirname, '..');

describe('examples/quickstart', () => {
  const app = Testing.app();
  quickstart(app);
  const objects = synthObjects(app);

  test('synthesizes valid objects', () => {
    expect(validateAll(objects)).toBeGreaterThan(30);
  });

  test('passes the tenancy audit', () => {
    const report = TenancyAudit.auditObjects(objects);
    expect(report.problems).toEqual([]);
    expect(report.passed).toBe(true);
  });

  test('writes one file per chart, the platform apart from the tenant', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'quickstart-'));
    const out = new App({ outdir });
    quickstart(out);
    out.synth();
    expect(fs.readdirSync(outdir).sort()).toEqual(['platform.k8s.yaml', 'team-a.k8s.yaml']);
    fs.rmSync(outdir, { recursive: true });
  });

  test('the tenant has two namespaces, its members and the platform priority class', () => {
    expect(ofKind(objects, 'Namespace').map((n: K8sObject) => n.metadata.name)).toEqual(['team-a', 'team-a-staging']);
    expect(ofKind(objects, 'PriorityClass').map((n: K8sObject) => n.metadata.name)).toEqual(['tenant-high']);
    expect(ofKind(objects, 'RoleBinding')).toHaveLength(4);
  });
});

/**
 * Type-checks a snippet against the library's source, as if it were a file
 * of the project; returns the diagnostics.
 */
function compileSnippet(code: string, name: string): string[] {
  const file = path.join(ROOT, 'test', '__readme__', `${name}.ts`);
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    esModuleInterop: true,
    skipLibCheck: true,
    types: ['node'],
    baseUrl: ROOT,
    paths: { 'cdk8s-tenancy': ['src'] },
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile;
  host.getSourceFile = (n, lang, ...rest) => (n === file ? ts.createSourceFile(n, code, lang) : getSourceFile(n, lang, ...rest));
  const fileExists = host.fileExists;
  host.fileExists = (n) => n === file || fileExists(n);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === file).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('README examples', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

  test('there are examples to check, and the check can fail', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    expect(compileSnippet("import { SoftTenant } from 'cdk8s-tenancy';\nnew SoftTenant(undefined as any, 'x', { nam: 'a' });", 'broken').join('\n'))
      .toMatch(/'nam' does not exist/);
  });

  test.each(blocks.map((code, i) => [i, code]))('block %i compiles', (i, code) => {
    expect(compileSnippet(code as string, `block-${i}`)).toEqual([]);
  });
});
