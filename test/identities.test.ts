import * as fs from 'fs';
import * as path from 'path';
import { App as CdkApp, NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { App, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { cfnIdentity, identityDrift, k8sIdentity, readPin, UPDATE_HINT, writePin } from './helpers/identities';
import { K8sObject, synthObjects } from './helpers/manifests';
import { tempDir } from './helpers/temp-dir';
import { enterprise } from '../examples/enterprise/app';
import { kaas } from '../examples/kaas/app';
import { quickstart } from '../examples/quickstart/app';
import { writeSaas } from '../examples/saas/app';
import { selfservice } from '../examples/selfservice/app';
import { vcluster } from '../examples/vcluster/app';

/*
 * Stable identities across releases: for each example, the identity of
 * every object it emits is pinned in test/identities/<example>.json. A
 * change that renames or removes one fails here, saying it is a migration
 * to document in README.md "Upgrade notes".
 */

const cdk8sApp = (build: (app: App) => unknown) => () => {
  const app = Testing.app({ outdir: tempDir('cdk8s-app-') });
  build(app);
  return synthObjects(app).map(k8sIdentity);
};

function saasIdentities(): string[] {
  const dir = tempDir('identities-saas-');
  const result = writeSaas(dir, 3);
  return result.files.flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8'), { version: '1.1' })
    .map((d) => k8sIdentity(d.toJS() as K8sObject)));
}

function kaasIdentities(): string[] {
  const app = new CdkApp();
  const clusters = kaas(app, { account: '123456789012', region: 'eu-west-1' });
  const stacks = app.node.findAll().filter((c): c is Stack => Stack.isStack(c));
  const stackName = (s: Stack): string => (NestedStack.isNestedStack(s) ? `${stackName(s.nestedStackParent!)}/${s.node.id}` : s.stackName);
  const cfn = stacks.flatMap((s) => Object.entries(Template.fromStack(s).toJSON().Resources ?? {})
    .map(([id, r]) => cfnIdentity(stackName(s), id, (r as { Type: string }).Type)));
  // Each cluster's baseline, written for GitOps inside that cluster: its own cdk8s app.
  const baselines = clusters.flatMap((c) => synthObjects(c.baseline.node.root as App).map((o) => `${c.stackName}: ${k8sIdentity(o)}`));
  return [...cfn, ...baselines];
}

const EXAMPLES: Array<[string, () => string[]]> = [
  ['quickstart', cdk8sApp(quickstart)],
  ['enterprise', cdk8sApp(enterprise)],
  ['saas', saasIdentities],
  ['kaas', kaasIdentities],
  ['vcluster', cdk8sApp(vcluster)],
  ['selfservice', cdk8sApp(selfservice)],
];

describe.each(EXAMPLES)('examples/%s', (example, identities) => {
  test('emits the pinned identities (group, kind, namespace, name): none renamed or gone', () => {
    const actual = identities().sort();
    expect(actual.length).toBeGreaterThan(0);
    if (process.env.UPDATE_IDENTITIES === '1') writePin(example, actual);
    const drift = identityDrift(example, actual, readPin(example));
    if (drift !== undefined) throw new Error(drift);
  });
});

describe('the pin fails on a renamed object, naming it as a migration', () => {
  const app = Testing.app({ outdir: tempDir('cdk8s-app-') });
  quickstart(app);
  const objects = synthObjects(app);
  let pinned: string[];
  beforeAll(() => { pinned = readPin('quickstart'); });

  test('the unchanged output matches', () => {
    expect(identityDrift('quickstart', objects.map(k8sIdentity).sort(), pinned)).toBeUndefined();
  });

  test('a namespace renamed in a copy of the output: the old identity is named, with the new one', () => {
    const copy: K8sObject[] = JSON.parse(JSON.stringify(objects));
    const ns = copy.find((o) => o.kind === 'Namespace')!;
    const old = ns.metadata.name;
    ns.metadata.name = `${old}-renamed`;
    const drift = identityDrift('quickstart', copy.map(k8sIdentity).sort(), pinned);
    expect(drift).toContain(`examples/quickstart: 1 object(s) the pinned release emits are gone or renamed:\n  - Namespace ${old}\n  and new:\n  + Namespace ${old}-renamed\n`);
    expect(drift).toContain('This is a MIGRATION');
    expect(drift).toContain('README.md "Upgrade notes"');
    expect(drift).toContain(UPDATE_HINT);
  });

  test('an object moved to another API group is a rename too; its version is not', () => {
    const copy: K8sObject[] = JSON.parse(JSON.stringify(objects));
    const policy = copy.find((o) => o.kind === 'NetworkPolicy')!;
    policy.apiVersion = 'networking.k8s.io/v2';
    expect(identityDrift('quickstart', copy.map(k8sIdentity).sort(), pinned)).toBeUndefined();
    policy.apiVersion = 'crd.projectcalico.org/v1';
    expect(identityDrift('quickstart', copy.map(k8sIdentity).sort(), pinned)).toMatch(/gone or renamed:\n {2}- NetworkPolicy\.networking\.k8s\.io \S+\n {2}and new:\n {2}\+ NetworkPolicy\.crd\.projectcalico\.org /);
  });

  test('a new object only needs pinning: not called a migration', () => {
    const drift = identityDrift('quickstart', [...objects.map(k8sIdentity), 'ConfigMap team-a/new'].sort(), pinned);
    expect(drift).toBe(`examples/quickstart: 1 new object(s), not pinned yet:\n  + ConfigMap team-a/new\nAdding objects is not a migration; pin them so that a later rename is caught: ${UPDATE_HINT}`);
  });
});

test('README has the upgrade notes the failure message points to, with how to update the pin', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Upgrade notes\n');
  expect(start).toBeGreaterThan(0);
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  expect(section).toContain(UPDATE_HINT);
  expect(section).toContain('test/identities/<example>.json');
});
