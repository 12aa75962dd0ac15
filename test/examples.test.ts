import * as fs from 'fs';
import * as path from 'path';
import { App, Testing } from 'cdk8s';
import * as ts from 'typescript';
import { quickstart } from '../examples/quickstart/app';
import { K8sObject, ofKind, synthObjects } from './helpers/manifests';
import { validateAll } from './helpers/schema';

const ROOT = path.join(__dirname, '..');

describe('examples/quickstart', () => {
  const app = Testing.app();
  quickstart(app);
  const objects = synthObjects(app);

  test('synthesizes valid objects', () => {
    expect(validateAll(objects)).toBeGreaterThan(30);
  });

  test('writes one file per chart, the platform apart from the tenant', () => {
    const outdir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'quickstart-'));
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
 * Type-checks every ```ts block of the README against the library's source,
 * as if each were a file in the project: a README example that stops
 * compiling fails the tests.
 */
describe('README examples', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

  test('there are examples to check', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
  });

  test.each(blocks.map((code, i) => [i, code]))('block %i compiles', (i, code) => {
    const file = path.join(ROOT, 'test', '__readme__', `block-${i}.ts`);
    const options: ts.CompilerOptions = {
      strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16,
      esModuleInterop: true, skipLibCheck: true, types: ['node'], baseUrl: ROOT, paths: { 'cdk8s-tenancy': ['src'] },
      noUnusedLocals: false,
    };
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile;
    host.getSourceFile = (name, lang, ...rest) => (name === file ? ts.createSourceFile(name, code as string, lang) : getSourceFile(name, lang, ...rest));
    const fileExists = host.fileExists;
    host.fileExists = (name) => name === file || fileExists(name);
    const program = ts.createProgram([file], options, host);
    const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === file);
    expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
  });
});
