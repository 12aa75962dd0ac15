// Every command the README shows (issue 19): each is run here with the
// README's exact text, or is exactly what `npm test` or another test runs,
// or cannot run on a machine without a cluster or an AWS account, which the
// README then says next to it, and the names it uses are checked against
// what the library emits.
//
// The inventory below is the list of every command-like text in README.md:
// the lines of its ```sh blocks, the commands in `inline code`, and the
// commands in comments of its ```ts blocks. A command the README gains
// fails here until it is put in the inventory with what proves it; an
// inventory entry the README lost fails too.
//
// Needs lib/ built (`npm test` compiles first): the CLI runs as users run it.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { quickstart } from '../examples/quickstart/app';
import { selfservice } from '../examples/selfservice/app';
import { SoftTenant, TENANT_LABEL, TenancyGitOps, TenantLifecycle, TenantMember } from '../src';
import { admit, AuthorizerCheck } from './helpers/admission';
import { find, K8sObject, ofKind, synthObjects } from './helpers/manifests';
import { can } from './helpers/rbac';

const ROOT = path.join(__dirname, '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const TASKS = JSON.parse(fs.readFileSync(path.join(ROOT, '.projen', 'tasks.json'), 'utf8')).tasks;

jest.setTimeout(300_000);

// ---------------------------------------------------------------------------
// What the README shows

interface Shown {
  /** The command, as the README writes it. */
  readonly command: string;
  /** 1-based line in README.md. */
  readonly line: number;
  /** The text around it that a reader sees with it: its paragraph, or its block and the lines before it. */
  readonly context: string;
}

/** First words that make `inline code` a command rather than a name. */
const COMMAND_WORDS = /^(?:[A-Z_]+=\S+\s+)*(?:npm|npx|kubectl|kustomize|cdk|cdk8s|cdk8s-tenancy|helm|go|pip|python3?|mvn|java|node|jsii-rosetta|jsii-pacmak|tsc|jest|istioctl|argocd|flux|vcluster|dotnet|git)\s+\S/;

function shownCommands(readme: string): Shown[] {
  const lines = readme.split('\n');
  const shown: Shown[] = [];
  // Inline code may wrap onto the next line: read prose a paragraph at a time.
  let prose: { start: number; lines: string[] } | undefined;
  const flushProse = () => {
    if (!prose) return;
    // A run of backticks that opens no span (prose about ```ts blocks) is text.
    const text = prose.lines.join('\n').replace(/`{2,}/g, '');
    for (const m of text.matchAll(/`([^`]+)`/g)) {
      const command = m[1].replace(/\s*\n\s*/g, ' ');
      const line = prose.start + text.slice(0, m.index).split('\n').length;
      if (COMMAND_WORDS.test(command)) shown.push({ command, line, context: text });
    }
    prose = undefined;
  };
  let block: { lang: string; start: number } | undefined;
  lines.forEach((text, i) => {
    const fence = text.match(/^\s*```(\w*)\s*$/);
    if (fence) {
      flushProse();
      block = block ? undefined : { lang: fence[1], start: i };
      return;
    }
    if (block) {
      const around = lines.slice(Math.max(0, block.start - 4), i + 1).join('\n');
      if (['sh', 'bash', 'console', 'shell'].includes(block.lang)) {
        const command = text.replace(/\s+#.*$/, '').trim();
        if (command && !command.startsWith('#')) {
          // `a && b` is two commands, each proven on its own.
          for (const part of command.split(/\s+&&\s+/)) shown.push({ command: part, line: i + 1, context: around });
        }
      } else if (block.lang === 'ts') {
        const comment = text.match(/\/\/\s*((?:cdk|cdk8s|kubectl|npx|npm)\s+[\w-]+(?:\s+[\w-]+)?)/);
        if (comment) shown.push({ command: comment[1], line: i + 1, context: around });
      }
      return;
    }
    if (text.trim() === '') flushProse();
    else (prose ??= { start: i, lines: [] }).lines.push(text);
  });
  flushProse();
  return shown;
}

// ---------------------------------------------------------------------------
// The inventory: every command the README shows, and what proves it

type Proof =
  /** Run by this file, with the README's text, in the test named. */
  | { readonly run: string }
  /** A step of `npm test` (read from .projen/tasks.json), or `npm ci && npm test` itself (.ci/run). */
  | { readonly npmTest: string }
  /** Cannot run here; the README says why next to it (`readme`), and `checked` names the test that checks the names it uses. */
  | { readonly notRunHere: string; readonly readme: RegExp; readonly checked: string }
  /** Prose naming a step that `file` runs, with this text. */
  | { readonly describes: string; readonly file: string }
  /** A command that changes this repository on purpose (contributors'); `task` is what it runs, read from .projen/tasks.json or the file named. */
  | { readonly contributor: string; readonly runs: { task: string; exec: string } | { file: string; text: string } }
  /** Names a tool or subcommand in prose; it does not tell the reader to run it. */
  | { readonly mention: string };

const INVENTORY: Record<string, Proof> = {
  // The first lines of the README.
  'npm ci': { npmTest: '.ci/run' },
  'npm test': { npmTest: '.ci/run' },
  // How it is tested: the measured cold run is .ci/run's one line.
  'npm ci && npm test': { describes: 'what the measured cold run ran', file: '.ci/run' },
  'npm run example': { run: 'the examples: each `npm run example*` writes its app into dist/examples/<name>/' },
  // Examples.
  'npm run example:enterprise': { run: 'the examples: each `npm run example*` writes its app into dist/examples/<name>/' },
  'npm run example:saas': { run: 'the examples: each `npm run example*` writes its app into dist/examples/<name>/' },
  'npm run example:kaas': { run: 'the examples: each `npm run example*` writes its app into dist/examples/<name>/' },
  'npm run example:vcluster': { run: 'the examples: each `npm run example*` writes its app into dist/examples/<name>/' },
  'npm run example:selfservice': { run: 'the examples: each `npm run example*` writes its app into dist/examples/<name>/' },
  'npm run example:saas -- --dry-run --count 250': { run: 'the saas dry run refuses to remove customers, lists them and touches nothing' },
  'npm run example*': { mention: 'the example scripts as a group, each of which is run here' },
  // The audit CLI.
  'npx cdk8s-tenancy audit gitops/': { run: 'the audit block, line by line, on a GitOps repository written by TenancyGitOps' },
  'npx cdk8s-tenancy audit gitops/ --format junit > audit.xml': { run: 'the audit block, line by line, on a GitOps repository written by TenancyGitOps' },
  'npx cdk8s-tenancy audit gitops/ --tenant team-a': { run: 'the audit block, line by line, on a GitOps repository written by TenancyGitOps' },
  'kubectl kustomize overlays/prod | npx cdk8s-tenancy audit -': { run: 'the audit block, line by line, on a GitOps repository written by TenancyGitOps' },
  'npx cdk8s-tenancy audit --help': { run: 'the audit block, line by line, on a GitOps repository written by TenancyGitOps' },
  'npx cdk8s-tenancy audit dist/examples/quickstart/': { run: 'the audit block, line by line, on a GitOps repository written by TenancyGitOps' },
  'cdk8s-tenancy audit': { mention: 'the CLI by name' },
  'helm template … | cdk8s-tenancy audit -': { mention: 'a pattern (… is the user\'s chart); reading standard input is run here through kubectl kustomize' },
  // Cluster and cloud.
  'cdk deploy Tenant-customer-1': {
    notRunHere: 'needs an AWS account',
    readme: /needs an AWS account/,
    checked: 'test/examples.test.ts (`cdk deploy` names a stack its block creates) and test/package.test.ts (the same from the installed tarball)',
  },
  'kubectl hns create research-experiment-7 -n research': {
    notRunHere: 'needs a cluster running HNC, and HNC\'s kubectl plugin',
    readme: /needs a cluster running HNC/,
    checked: 'the HNC commands: the anchor `kubectl hns create` makes is allowed by RBAC and the guards in the selfservice example',
  },
  'kubectl hns create': { mention: 'the HNC plugin\'s command by name, in a comparison table' },
  'kubectl get ns -l cdk8s-tenancy.io/tenant=team-a -L cdk8s-tenancy.io/lifecycle': {
    notRunHere: 'needs a cluster',
    readme: /Check\s+on the cluster/,
    checked: 'the offboarding commands: the selector and column name the tenant\'s namespaces and their marker',
  },
  'kubectl delete namespace -l cdk8s-tenancy.io/tenant=team-a': {
    notRunHere: 'needs a cluster',
    readme: /runs, against the cluster,/,
    checked: 'the offboarding commands: the guard lets a platform admin delete what the selector selects once offboarding',
  },
  'kubectl debug': { mention: 'an API operation the image guard covers (ephemeral containers)' },
  'istioctl install -f': { mention: 'how an IstioOperator is installed, in a table' },
  'cdk8s synth': { mention: 'cdk8s\'s command, named for what the library\'s output equals' },
  'cdk deploy': { mention: 'the AWS CDK command, named in the list of what the tests do' },
  'npm pack': { mention: 'what test/package.test.ts runs, named in the list of what the tests do' },
  // The test tiers: steps of `npm test`.
  'npm run test:languages': { npmTest: 'test:languages' },
  'npx projen test:cluster': { npmTest: 'test:cluster' },
  'npm run check:languages': { npmTest: 'check:languages' },
  'npm run typecheck': { npmTest: 'typecheck' },
  'go mod download': { describes: 'how the cluster tier fetches the Gateway API CRDs', file: 'test/cluster/ingress-rights.cluster.test.ts' },
  'pip wheel': { describes: 'how the Python wheel is built', file: 'test/languages/quickstart.js' },
  'python3 -m compileall': { describes: 'the Python byte-compile check', file: '.projen/tasks.json' },
  'jsii-rosetta extract --strict': { describes: 'the README and doc examples\' translation', file: '.projen/tasks.json' },
  'mvn dependency:resolve': { describes: 'the Java probe', file: 'test/languages/quickstart.js' },
  'go mod download -json': { describes: 'the Go probe', file: 'test/languages/quickstart.js' },
  // The benchmark: a measurement, minutes of CPU at its sizes.
  'npm run bench -- --only audit': {
    notRunHere: 'a measurement (minutes of CPU at its default sizes); test/gitops.test.ts runs the benchmark at 10 and 20 tenants',
    readme: /measures/,
    checked: 'the benchmark\'s options: `--only audit` selects bench/audit.ts',
  },
  'npm run bench [-- 1000 10000] [--variant configured] [--only writer] [--repeat 2] [--disk]': {
    notRunHere: 'a measurement (minutes of CPU at its default sizes); test/gitops.test.ts runs the benchmark at 10 and 20 tenants',
    readme: /measures/,
    checked: 'the benchmark\'s options: every option of the synopsis is one bench/bench.ts reads',
  },
  // Contributors'.
  'npx projen': { contributor: 'regenerates the project files from .projenrc.ts', runs: { file: 'package.json', text: '"projen": "projen"' } },
  'npm run test:update': { contributor: 'accepts snapshot changes', runs: { task: 'test:update', exec: 'jest --updateSnapshot --passWithNoTests --ci' } },
  'npx projen docgen': { contributor: 'rewrites API.md; check:api (a step of npm test) runs the same jsii-docgen into .ci/tmp and compares', runs: { task: 'docgen', exec: 'jsii-docgen -o API.md' } },
  'UPDATE_IDENTITIES=1 npx jest test/identities.test.ts': { contributor: 'rewrites the identity pins; test/identities.test.ts names this command when a pin drifts', runs: { file: 'test/helpers/identities.ts', text: "UPDATE_HINT = 'UPDATE_IDENTITIES=1 npx jest test/identities.test.ts'" } },
};

const SHOWN = shownCommands(README);

describe('the inventory', () => {
  test('the README shows commands, and the extraction finds each kind (block lines, inline code, comments in code)', () => {
    expect(SHOWN.map((s) => s.command)).toEqual(expect.arrayContaining([
      'npm ci', 'npx cdk8s-tenancy audit gitops/', 'npm run example:enterprise', 'cdk deploy Tenant-customer-1',
    ]));
    // Names are not commands.
    expect(shownCommands('`cdk8s` and `vcluster`, `TENANT_LABEL`').map((s) => s.command)).toEqual([]);
  });

  test('every command the README shows is in the inventory', () => {
    const unknown = SHOWN.filter((s) => !(s.command in INVENTORY)).map((s) => `README.md:${s.line}: ${s.command}`);
    expect(unknown).toEqual([]);
  });

  test('every command in the inventory is still in the README', () => {
    const shown = new Set(SHOWN.map((s) => s.command));
    expect(Object.keys(INVENTORY).filter((c) => !shown.has(c))).toEqual([]);
  });

  test.each(Object.entries(INVENTORY).filter(([, p]) => 'notRunHere' in p))('`%s` cannot run here, and the README says why next to it', (command, proof) => {
    const { readme } = proof as { readme: RegExp };
    const places = SHOWN.filter((s) => s.command === command);
    expect(places.length).toBeGreaterThan(0);
    for (const s of places) expect([s.line, s.context]).toEqual([s.line, expect.stringMatching(readme)]);
  });

  test.each(Object.entries(INVENTORY).filter(([, p]) => 'npmTest' in p))('`%s` is what `npm test` runs', (command, proof) => {
    const { npmTest } = proof as { npmTest: string };
    if (npmTest === '.ci/run') {
      const lines = fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#') && !l.startsWith('set ') && !l.startsWith('cd '));
      expect(lines.join('\n').split(/\s+&&\s+/)).toContain(command);
      return;
    }
    expect(TASKS.test.steps).toContainEqual({ spawn: npmTest });
    // `npm run X` and `npx projen X` both run the task X.
    expect(command).toMatch(new RegExp(`^(npm run|npx projen) ${npmTest}$`));
  });

  test.each(Object.entries(INVENTORY).filter(([, p]) => 'describes' in p))('`%s` is what the step it describes runs', (command, proof) => {
    const { file } = proof as { file: string };
    // Its words, in order, as a command line or as the arguments of a call (`'go', ['mod', 'tidy']`).
    const words = command.split(' ').map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    expect(fs.readFileSync(path.join(ROOT, file), 'utf8')).toMatch(new RegExp(words.join('[\'",\\s[\\]]{1,6}')));
  });

  test.each(Object.entries(INVENTORY).filter(([, p]) => 'contributor' in p))('`%s` runs what the README says', (_, proof) => {
    const { runs } = proof as { runs: { task: string; exec: string } | { file: string; text: string } };
    if ('task' in runs) {
      const step = TASKS[runs.task].steps[0];
      expect(step.exec ?? step.execArgs.join(' ')).toBe(runs.exec);
    } else {
      expect(fs.readFileSync(path.join(ROOT, runs.file), 'utf8')).toContain(runs.text);
    }
  });
});

// ---------------------------------------------------------------------------
// The commands run here, with the README's text

const ran = new Set<string>();

/** The README's command (it must be shown), run by bash in `cwd`. */
function runShown(command: string, cwd: string) {
  expect(SHOWN.map((s) => s.command)).toContain(command);
  ran.add(command);
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', command], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    // npx runs the package's own bin, found locally; it must never fetch one.
    env: { ...process.env, npm_config_yes: 'false', npm_config_update_notifier: 'false', FORCE_COLOR: '0' },
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The fenced block that follows `marker` in the README. */
function blockAfter(marker: string): string {
  const at = README.indexOf(marker);
  expect(at).toBeGreaterThan(-1);
  const m = README.slice(at).match(/```\w*\n([\s\S]*?)```/);
  return m![1];
}

describe('the examples: each `npm run example*` writes its app into dist/examples/<name>/', () => {
  // What each prints when it is done.
  test.each([
    ['npm run example', 'quickstart', /^Synthesized 2 charts into dist\/examples\/quickstart\/$/m],
    ['npm run example:enterprise', 'enterprise', /^Synthesized \d+ charts into dist\/examples\/enterprise\/$/m],
    ['npm run example:saas', 'saas', /^created \(302\):$/m],
    ['npm run example:kaas', 'kaas', /^Synthesized \d+ tenant stacks into dist\/examples\/kaas\/cdk.out\/$/m],
    ['npm run example:vcluster', 'vcluster', /^Synthesized \d+ charts into dist\/examples\/vcluster\/$/m],
    ['npm run example:selfservice', 'selfservice', /^Synthesized \d+ charts into dist\/examples\/selfservice\/$/m],
  ])('%s', (command, name, done) => {
    const out = path.join(ROOT, 'dist', 'examples', name);
    // The saas writer keeps what an earlier run wrote and refuses to drop
    // customers silently: start from nothing so the run is this one's.
    fs.rmSync(out, { recursive: true, force: true });
    const r = runShown(command, ROOT);
    expect([r.status, r.status === 0 ? '' : r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(done);
    const files = fs.readdirSync(out, { recursive: true }) as string[];
    expect(files.filter((f) => /\.(ya?ml|json)$/.test(f)).length).toBeGreaterThan(0);
  });

  test('the saas dry run refuses to remove customers, lists them and touches nothing', () => {
    const out = path.join(ROOT, 'dist', 'examples', 'saas');
    const before = fs.readdirSync(path.join(out, 'tenants')).sort();
    expect(before).toHaveLength(300);
    const r = runShown('npm run example:saas -- --dry-run --count 250', ROOT);
    // 300 written by `npm run example:saas`, 250 asked for: 50 would go.
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/customer-0251\b/);
    expect(r.stdout).toMatch(/customer-0300\b/);
    expect(r.stdout).not.toMatch(/customer-0250\b/);
    expect(fs.readdirSync(path.join(out, 'tenants')).sort()).toEqual(before);
  });
});

describe('the audit block, line by line, on a GitOps repository written by TenancyGitOps', () => {
  const block = blockAfter('## The tenancy audit');
  const lines = block.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);
  const line = (start: string) => {
    const found = lines.find((l) => l.startsWith(start));
    expect(found).toBeDefined();
    return found!;
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-tenancy-readme-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  beforeAll(() => {
    // The user's repository: the quick start written as the README's GitOps
    // layout, and this package installed as npm would (its bin linked).
    const app = new App();
    quickstart(app);
    TenancyGitOps.write(app, { outdir: path.join(dir, 'gitops'), progress: false });
    fs.mkdirSync(path.join(dir, 'node_modules', '.bin'), { recursive: true });
    fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'cdk8s-tenancy'));
    const cli = path.join(ROOT, 'lib', 'audit', 'cli.js');
    fs.symlinkSync(path.join('..', 'cdk8s-tenancy', 'lib', 'audit', 'cli.js'), path.join(dir, 'node_modules', '.bin', 'cdk8s-tenancy'));
    // npm makes a bin's file executable when it links it.
    fs.chmodSync(cli, 0o755);
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'gitops', private: true, devDependencies: { 'cdk8s-tenancy': '*' } }));
    // A Kustomize overlay over it, as a repository of several clusters has.
    const files = (fs.readdirSync(path.join(dir, 'gitops'), { recursive: true }) as string[]).filter((f) => f.endsWith('.yaml')).sort();
    fs.writeFileSync(path.join(dir, 'gitops', 'kustomization.yaml'), `resources:\n${files.map((f) => `- ${f}\n`).join('')}`);
    fs.mkdirSync(path.join(dir, 'overlays', 'prod'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'overlays', 'prod', 'kustomization.yaml'), 'resources:\n- ../../gitops\ncommonAnnotations:\n  example.com/environment: prod\n');
  });

  test('the sample report is what the audit prints for `npm run example`', () => {
    // `npm run example` (run above) wrote it into this checkout; the audit
    // runs where the package is installed, as users run it (`npx` in this
    // package's own folder would install the folder into npx's cache first).
    fs.mkdirSync(path.join(dir, 'dist', 'examples'), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'dist', 'examples', 'quickstart'), path.join(dir, 'dist', 'examples', 'quickstart'));
    const sample = blockAfter('Sample report (');
    const r = runShown('npx cdk8s-tenancy audit dist/examples/quickstart/', dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(sample);
  });

  test('every line of the block is one of the commands run below', () => {
    expect(lines).toHaveLength(5);
  });

  test('a directory: every check passes', () => {
    const r = runShown(line('npx cdk8s-tenancy audit gitops/ '.trim()), dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\d+ passed, 0 failed, \d+ not applicable; \d+ objects, 1 tenant$/m);
    expect(r.stdout).toMatch(/^tenant team-a \(team-a, team-a-staging\)$/m);
  });

  test('JUnit into a file', () => {
    const r = runShown(line('npx cdk8s-tenancy audit gitops/ --format junit'), dir);
    expect([r.status, r.stdout]).toEqual([0, '']);
    const xml = fs.readFileSync(path.join(dir, 'audit.xml'), 'utf8');
    expect(xml).toMatch(/^<\?xml[^\n]*\n<testsuites name="cdk8s-tenancy audit">/);
    expect(xml).toMatch(/<testcase /);
    expect(xml).not.toMatch(/<failure/);
  });

  test('one tenant', () => {
    const r = runShown(line('npx cdk8s-tenancy audit gitops/ --tenant'), dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^tenant team-a /m);
  });

  test('standard input, from kustomize (kubectl\'s, on this project\'s machines)', () => {
    const r = runShown(line('kubectl kustomize overlays/prod |'), dir);
    expect([r.status, r.status === 0 ? '' : r.stderr]).toEqual([0, '']);
    const direct = runShown(line('npx cdk8s-tenancy audit gitops/ '.trim()), dir);
    // The same objects through the overlay as from the files: the same
    // verdicts (the files' report also counts the kustomization as not a manifest).
    const verdicts = (out: string) => out.split('\n').filter((l) => /^\s+(PASS|FAIL|n\/a)\s/.test(l) || /^\d+ passed, /.test(l));
    expect(verdicts(r.stdout).length).toBeGreaterThan(10);
    expect(verdicts(r.stdout)).toEqual(verdicts(direct.stdout));
  });

  test('--help, and --version (the comment beside it)', () => {
    const r = runShown(line('npx cdk8s-tenancy audit --help'), dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: cdk8s-tenancy audit/m);
    expect(r.stdout).toMatch(/--tenant <name\.\.\.>/);
    const version = spawnSync('npx', ['cdk8s-tenancy', '--version'], { cwd: dir, encoding: 'utf8', env: { ...process.env, npm_config_yes: 'false' } });
    expect(version.stdout.trim()).toBe(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
  });
});

// ---------------------------------------------------------------------------
// What cannot run here: the names the commands use, against what is emitted

describe('the HNC commands: the anchor `kubectl hns create` makes is allowed by RBAC and the guards in the selfservice example', () => {
  const app = new App();
  selfservice(app);
  const objects = synthObjects(app);
  const [, child, parent] = 'kubectl hns create research-experiment-7 -n research'.match(/^kubectl hns create (\S+) -n (\S+)$/)!;
  // A research lead, as the README's block says (its tenant's admins).
  const lead = { kind: 'Group', name: 'research-leads' } as const;
  const authorizer: AuthorizerCheck = (c) => can(objects, lead, c.verb, c.group, c.resource, c.namespace);
  // What the plugin creates: a SubnamespaceAnchor named after the child, in the parent.
  const anchor = (name: string) => admit(objects, {
    operation: 'CREATE',
    resource: { group: 'hnc.x-k8s.io', version: 'v1alpha2', resource: 'subnamespaceanchors' },
    namespace: parent,
    namespaceObject: find(objects, 'Namespace', parent),
    object: { apiVersion: 'hnc.x-k8s.io/v1alpha2', kind: 'SubnamespaceAnchor', metadata: { name, namespace: parent } },
    userInfo: { username: 'lee', groups: ['research-leads', 'system:authenticated'] },
    authorizer,
  });

  test('the command is the README\'s', () => {
    expect(SHOWN.map((s) => s.command)).toContain(`kubectl hns create ${child} -n ${parent}`);
  });

  test('the parent is a self-service namespace of the example, and its leads may create anchors there', () => {
    expect(ofKind(objects, 'HierarchyConfiguration', parent)).toHaveLength(1);
    expect(can(objects, lead, 'create', 'hnc.x-k8s.io', 'subnamespaceanchors', parent)).toBe(true);
  });

  test('the guards admit the README\'s name, and would refuse one outside the parent\'s prefix', () => {
    const ok = anchor(child);
    expect([ok.allowed, ok.errors]).toEqual([true, []]);
    expect(ok.evaluated.length).toBeGreaterThan(0);
    expect(anchor('experiment-7').allowed).toBe(false);
  });
});

describe('the offboarding commands: the selector and column name the tenant\'s namespaces and their marker', () => {
  // The README's step 1: team-a marked for offboarding; team-b stays.
  const build = (offboarding: boolean) => {
    const app = new App();
    new SoftTenant(new Chart(app, 'team-a'), 'TeamA', {
      name: 'team-a',
      namespaces: ['team-a', 'team-a-staging'],
      admins: [TenantMember.group('team-a-admins')],
      ...(offboarding ? { lifecycle: TenantLifecycle.offboarding('contract ended, ticket OPS-1234') } : {}),
    });
    new SoftTenant(new Chart(app, 'team-b'), 'TeamB', { name: 'team-b', admins: [TenantMember.group('team-b-admins')] });
    return synthObjects(app);
  };
  const objects = build(true);
  /** `kubectl -l key=value`: the namespaces it selects. */
  const select = (command: string, from: K8sObject[]) => {
    const [, key, value] = command.match(/ -l ([\w./-]+)=([\w.-]+)/)!;
    return ofKind(from, 'Namespace').filter((n) => n.metadata.labels?.[key] === value);
  };
  const get = 'kubectl get ns -l cdk8s-tenancy.io/tenant=team-a -L cdk8s-tenancy.io/lifecycle';
  const del = 'kubectl delete namespace -l cdk8s-tenancy.io/tenant=team-a';

  test('the commands are the README\'s', () => {
    expect(SHOWN.map((s) => s.command)).toEqual(expect.arrayContaining([get, del]));
  });

  test('`-l` is the tenant label and selects exactly the tenant\'s namespaces; `-L` shows offboarding on each', () => {
    expect(get).toContain(` -l ${TENANT_LABEL}=`);
    const column = get.match(/ -L (\S+)$/)![1];
    const selected = select(get, objects);
    expect(selected.map((n) => n.metadata.name).sort()).toEqual(['team-a', 'team-a-staging']);
    expect(selected.map((n) => n.metadata.labels?.[column])).toEqual(['offboarding', 'offboarding']);
  });

  test('the deletion guard lets a platform admin delete what the selector selects, once offboarding, and only then', () => {
    const admin: AuthorizerCheck = () => true;
    // The guards of the offboarding app judge both: the marker is read from the live namespace.
    const deleteNs = (ns: K8sObject) => admit(objects, {
      operation: 'DELETE',
      resource: { group: '', version: 'v1', resource: 'namespaces' },
      oldObject: ns,
      object: null,
      userInfo: { username: 'platform-admin', groups: ['platform-admins', 'system:authenticated'] },
      authorizer: admin,
    });
    for (const ns of select(del, objects)) {
      const r = deleteNs(ns);
      expect([ns.metadata.name, r.allowed, r.errors]).toEqual([ns.metadata.name, true, []]);
    }
    // Without the marker the same request is refused: the check above can fail.
    for (const ns of select(del, build(false))) expect(deleteNs(ns).allowed).toBe(false);
  });
});

describe('the benchmark\'s options', () => {
  const bench = fs.readFileSync(path.join(ROOT, 'bench', 'bench.ts'), 'utf8');
  test('`--only audit` selects bench/audit.ts', () => {
    expect(bench).toMatch(/args\[args\.indexOf\('--only'\) \+ 1\] === 'audit'\) return benchAudit\(args\)/);
    expect(fs.existsSync(path.join(ROOT, 'bench', 'audit.ts'))).toBe(true);
  });
  test('every option of the synopsis is one bench/bench.ts reads', () => {
    const synopsis = SHOWN.find((s) => s.command.startsWith('npm run bench ['))!.command;
    const options = [...synopsis.matchAll(/(--[a-z-]+)/g)].map((m) => m[1]);
    expect(options).toEqual(['--variant', '--only', '--repeat', '--disk']);
    for (const o of options) expect(bench).toContain(`'${o}'`);
  });
});

test('every command the inventory says is run here was run', () => {
  const expected = Object.entries(INVENTORY).filter(([, p]) => 'run' in p).map(([c]) => c).sort();
  expect([...ran].sort()).toEqual(expected);
});
