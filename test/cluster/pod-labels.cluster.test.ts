import { App, Chart } from 'cdk8s';
import { describeResult } from './client';
import { applyAsGitOps, useCluster, user, waitForDefaultServiceAccount, waitForPoliciesEnforced, waitForQuotas } from './fixture';
import { K8sObject, synthObjects } from '../helpers/manifests';
import { mutatingAdmissionPolicyMutate } from '../helpers/mutation';
import { SoftTenant, TenancyPlatform, TenantMember, TenantPodLabels } from 'cdk8s-tenancy';

/*
 * Cost labels on pods by a MutatingAdmissionPolicy (the default engine's
 * mutation), on the real API server, next to the model's verdict on the
 * same pods. MutatingAdmissionPolicy is GA and on by default from
 * Kubernetes 1.36; on the oldest supported minor (1.32, alpha and off) the
 * API is not served, which is why the library documents 1.36+.
 */

const COST = 'example.com/cost-centre';
const app = new App();
new TenancyPlatform(app, 'platform');
new SoftTenant(new Chart(app, 'team-a'), 'T', {
  name: 'team-a', admins: [TenantMember.group('team-a-admins')], podLabels: TenantPodLabels.of({ [COST]: 'cc-1234' }),
});
new SoftTenant(new Chart(app, 'team-b'), 'T', { name: 'team-b', admins: [TenantMember.group('team-b-admins')] });
const objects = synthObjects(app);
const ADMIN_A = user('alice', 'team-a-admins');
const ADMIN_B = user('bob', 'team-b-admins');

const pod = (namespace: string, labels: Record<string, string>): K8sObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace, labels },
  spec: {
    containers: [{
      name: 'web',
      image: 'registry.example.com/web:1',
      securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
    }],
  },
});

const cluster = useCluster('pod-labels');
const served = () => Number(cluster().minor.split('.')[1]) >= 36;

test('MutatingAdmissionPolicy is served from 1.36 (GA), not on 1.32', async () => {
  const { client, minor } = cluster();
  const list = await client.must('GET', '/apis/admissionregistration.k8s.io/v1');
  const has = list.resources.some((r: any) => r.name === 'mutatingadmissionpolicies');
  expect([minor, has]).toEqual([minor, served()]);
});

describe('on a cluster that serves it', () => {
  beforeAll(async () => {
    if (!served()) return;
    const { client } = cluster();
    const failures = await applyAsGitOps(client, objects);
    expect(failures.map((f) => `${f.object}: ${describeResult(f.result)}`)).toEqual([]);
    await waitForPoliciesEnforced(client);
    for (const ns of ['team-a', 'team-b']) {
      await waitForQuotas(client, ns);
      await waitForDefaultServiceAccount(client, ns);
    }
    // The admission plugin compiles policies from its informers, asynchronously.
    await client.waitFor('the MutatingAdmissionPolicy to be enforced', async () => {
      const r = await client.create(pod('team-a', { app: 'probe' }), { as: ADMIN_A, dryRun: true });
      return r.ok && r.body.metadata.labels?.[COST] === 'cc-1234' ? true : undefined;
    });
  }, 300_000);

  test.each([
    ['a pod with its own labels', 'team-a', { app: 'web' }, ADMIN_A],
    ['a pod claiming another tenant and cost centre', 'team-a', { 'app': 'web', 'cdk8s-tenancy.io/tenant': 'team-b', [COST]: 'someone-else' }, ADMIN_A],
    ['another tenant\'s pod', 'team-b', { app: 'web' }, ADMIN_B],
  ])('%s: the server and the model agree', async (_, namespace, labels, as) => {
    if (!served()) return;
    const { client } = cluster();
    const r = await client.create(pod(namespace, labels), { as, dryRun: true });
    expect(describeResult(r)).toMatch(/^allowed/);
    const model = mutatingAdmissionPolicyMutate(objects, { pod: pod(namespace, labels), namespace: objects.find((o) => o.kind === 'Namespace' && o.metadata.name === namespace)! });
    expect(r.ok && r.body.metadata.labels).toEqual(model.metadata.labels);
    if (namespace === 'team-a') expect(model.metadata.labels).toMatchObject({ 'cdk8s-tenancy.io/tenant': 'team-a', [COST]: 'cc-1234' });
    else expect(model.metadata.labels).toEqual({ app: 'web' });
  });
});
