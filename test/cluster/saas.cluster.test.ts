import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import * as YAML from 'yaml';
import { describeResult, Result } from './client';
import { exampleSuite } from './example-suite';
import { applyAsGitOps, policyStatus, serviceAccount, waitForPoliciesEnforced, waitForQuotas } from './fixture';
import { customer, customers, planOf, platform, writeSaas } from '../../examples/saas/app';
import { K8sObject, synthObjects } from '../helpers/manifests';
import { tempDir } from '../helpers/temp-dir';

// Three customers of the SaaS example, as the GitOps writer writes them
// (every customer's files have the same kinds; the platform and Argo CD
// files are whole): what is in the repository is what is applied. The
// first customer is on the premium plan: its database StatefulSet is the
// one pod template.
const cluster = exampleSuite('saas', {
  objects: () => {
    const dir = tempDir('saas-cluster-');
    try {
      const result = writeSaas(dir, 3);
      const objects = result.files.flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8'), { version: '1.1' }).map((d: any) => d.toJS() as K8sObject));
      if (objects.length !== result.objectCount) throw new Error(`read ${objects.length} objects, the writer wrote ${result.objectCount}`);
      return objects;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
  podTemplates: 1,
});

const STORAGE = 'cdk8s-tenancy-storage';
// The StatefulSet controller creates the claims of a customer's templates;
// the storage guard holds it at CREATE like the customer.
const STATEFULSET_CONTROLLER = serviceAccount('kube-system', 'statefulset-controller');
const claim = (namespace: string, storageClassName: string): K8sObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'data-db-1', namespace },
  spec: { accessModes: ['ReadWriteOnce'], storageClassName, resources: { requests: { storage: '50Gi' } } },
});
const verdict = (r: Result) => (r.ok ? 'admitted' : `${r.denial.layer} ${r.denial.policy ?? ''}: ${r.denial.message}`);

/** The storage guard as the platform chart of `count` customers holds it: only premium customers have entries. */
function storageGuardOf(count: number): K8sObject {
  const app = new App();
  platform(app);
  for (const name of customers(count).filter((n) => planOf(n) === 'premium')) customer(app, name);
  return synthObjects(app).find((o) => o.kind === 'ValidatingAdmissionPolicy' && o.metadata.name === STORAGE)!;
}

describe('the premium plan\'s StorageClasses (issue #20 item 5)', () => {
  beforeAll(async () => {
    await waitForQuotas(cluster().client, 'customer-0001');
  });

  test('in a premium customer\'s namespace a gp2 claim is refused by the storage guard, naming the default; io2 and gp3 are admitted', async () => {
    const { client } = cluster();
    const gp2 = await client.create(claim('customer-0001', 'gp2'), { as: STATEFULSET_CONTROLLER, dryRun: true });
    expect(verdict(gp2)).toMatch(new RegExp(`^policy ${STORAGE}: .*tenant customer-0001 may only use the StorageClasses io2, gp3: .*A claim naming none gets the tenant's default, io2`, 's'));
    for (const c of ['io2', 'gp3']) {
      expect([c, verdict(await client.create(claim('customer-0001', c), { as: STATEFULSET_CONTROLLER, dryRun: true }))]).toEqual([c, 'admitted']);
    }
  });

  test('a standard customer has no class list: gp2 is admitted there', async () => {
    const { client } = cluster();
    await waitForQuotas(client, 'customer-0002');
    expect(verdict(await client.create(claim('customer-0002', 'gp2'), { as: STATEFULSET_CONTROLLER, dryRun: true }))).toBe('admitted');
  });

  test('the storage guard of 10,000 customers (200 premium) is accepted, type-checked without warnings, and enforced', async () => {
    const { client } = cluster();
    const guard = storageGuardOf(10_000);
    const all = guard.spec.variables.find((v: any) => v.name === 'all').expression;
    expect(Object.keys(JSON.parse(all))).toHaveLength(200);
    const failures = await applyAsGitOps(client, [guard]);
    expect(failures.map((f) => `${f.object}: ${describeResult(f.result)}`)).toEqual([]);
    const status = await client.waitFor(`the type check of ${STORAGE}`, async () => {
      const s = await policyStatus(client, STORAGE);
      return s.checked ? s : undefined;
    });
    expect(status).toEqual({ name: STORAGE, checked: true, warnings: [] });
    await waitForPoliciesEnforced(client);
    expect(verdict(await client.create(claim('customer-0001', 'gp2'), { as: STATEFULSET_CONTROLLER, dryRun: true }))).toMatch(/^policy cdk8s-tenancy-storage: .*tenant customer-0001 may only use the StorageClasses io2, gp3/s);
    expect(verdict(await client.create(claim('customer-0001', 'io2'), { as: STATEFULSET_CONTROLLER, dryRun: true }))).toBe('admitted');
  });
});
