import { App, Chart } from 'cdk8s';
import { K8sObject, ofKind, synthObjects } from './helpers/manifests';
import { gatekeeperAssignMetadata, kyvernoCelMutate, kyvernoMutate, mutatingAdmissionPolicyMutate, MutationRequest } from './helpers/mutation';
import { validateAll } from './helpers/schema';
import { PlacementEngine, SoftTenant, SoftTenantProps, TenancyPlatform, TenantPodLabels } from 'cdk8s-tenancy';

/*
 * Cost attribution on pods (issue #20 item 8): the tenant label and the
 * platform's labels on every pod created in a tenant's namespaces, by the
 * platform's admission engine, proven by applying the emitted mutations with
 * the project's models of each engine (test/helpers/mutation.ts) and, for
 * the MutatingAdmissionPolicy, on the real API server
 * (test/cluster/pod-labels.cluster.test.ts).
 */

const COST = 'example.com/cost-centre';

function build(engine: PlacementEngine, podLabels: TenantPodLabels = TenantPodLabels.of({ [COST]: 'cc-1234' })) {
  const app = new App();
  new TenancyPlatform(app, 'platform', { placementEngine: engine });
  const a = new Chart(app, 'team-a');
  new SoftTenant(a, 'T', { name: 'team-a', namespaces: ['team-a', 'team-a-batch'], podLabels });
  new SoftTenant(new Chart(app, 'team-b'), 'T', { name: 'team-b' });
  const objects = synthObjects(app);
  return { objects, mutators: a.toJson().filter((o: K8sObject) => o.metadata.name?.startsWith('cdk8s-tenancy-pod-labels')) as K8sObject[] };
}

const ns = (objects: K8sObject[], name: string) => objects.find((o) => o.kind === 'Namespace' && o.metadata.name === name)!;
const pod = (labels?: Record<string, string>) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', ...(labels ? { labels } : {}) }, spec: { containers: [{ name: 'web', image: 'registry.example.com/web:1' }] },
});

type Engine = [string, () => PlacementEngine, (m: K8sObject[], r: MutationRequest) => Record<string, any>, string[], boolean];
const ENGINES: Engine[] = [
  ['MutatingAdmissionPolicy (with the ValidatingAdmissionPolicy engine)', () => PlacementEngine.validatingAdmissionPolicy(), mutatingAdmissionPolicyMutate,
    ['MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding'], true],
  ['Kyverno MutatingPolicy', () => PlacementEngine.kyverno(), kyvernoCelMutate, ['MutatingPolicy'], true],
  ['Kyverno ClusterPolicy', () => PlacementEngine.kyvernoLegacyClusterPolicy(), kyvernoMutate, ['ClusterPolicy'], true],
  ['Gatekeeper AssignMetadata', () => PlacementEngine.gatekeeper(), gatekeeperAssignMetadata, ['AssignMetadata', 'AssignMetadata'], false],
];

describe.each(ENGINES)('%s', (_, engine, mutate, kinds, overwrites) => {
  const { objects, mutators } = build(engine());

  test('what the tenant\'s chart holds for it', () => {
    expect(mutators.map((o) => o.kind)).toEqual(kinds);
    expect(mutators.every((o) => o.metadata.labels?.['cdk8s-tenancy.io/managed-by'] === 'cdk8s-tenancy')).toBe(true);
    expect(mutators).toMatchSnapshot();
  });

  test('valid against its schema', () => {
    // The MutatingAdmissionPolicy has no schema in kubernetes-models 4.5: the
    // real API server checks it (strict field validation) in the cluster tier.
    const checkable = mutators.filter((o) => o.apiVersion !== 'admissionregistration.k8s.io/v1');
    expect(validateAll(checkable)).toBe(kinds[0] === 'MutatingAdmissionPolicy' ? 0 : mutators.length);
  });

  test.each(['team-a', 'team-a-batch'])('a pod without labels in %s gets the tenant and cost labels', (namespace) => {
    const out = mutate(objects, { pod: pod(), namespace: ns(objects, namespace) });
    expect(out.metadata.labels).toEqual({ 'cdk8s-tenancy.io/tenant': 'team-a', [COST]: 'cc-1234' });
  });

  test('a pod\'s own labels stay; the tenant\'s and the cost labels are the platform\'s' + (overwrites ? '' : ' only where the pod has none (AssignMetadata never changes a label)'), () => {
    const out = mutate(objects, { pod: pod({ 'app': 'web', 'cdk8s-tenancy.io/tenant': 'team-b', [COST]: 'someone-else' }), namespace: ns(objects, 'team-a') });
    expect(out.metadata.labels).toEqual(overwrites
      ? { 'app': 'web', 'cdk8s-tenancy.io/tenant': 'team-a', [COST]: 'cc-1234' }
      : { 'app': 'web', 'cdk8s-tenancy.io/tenant': 'team-b', [COST]: 'someone-else' });
    expect(mutate(objects, { pod: pod({ app: 'web' }), namespace: ns(objects, 'team-a') }).metadata.labels)
      .toEqual({ 'app': 'web', 'cdk8s-tenancy.io/tenant': 'team-a', [COST]: 'cc-1234' });
  });

  test('another tenant\'s pods are left alone', () => {
    expect(mutate(objects, { pod: pod({ app: 'web' }), namespace: ns(objects, 'team-b') }).metadata.labels).toEqual({ app: 'web' });
  });
});

test('only the tenant label when the platform adds none', () => {
  const { objects } = build(PlacementEngine.validatingAdmissionPolicy(), TenantPodLabels.of());
  expect(mutatingAdmissionPolicyMutate(objects, { pod: pod({ x: 'y' }), namespace: ns(objects, 'team-a') }).metadata.labels).toEqual({ 'x': 'y', 'cdk8s-tenancy.io/tenant': 'team-a' });
});

test('a tenant without podLabels gets no mutation', () => {
  const app = new App();
  new SoftTenant(new Chart(app, 'team-a'), 'T', { name: 'team-a' });
  expect(synthObjects(app).filter((o) => o.metadata.name?.startsWith('cdk8s-tenancy-pod-labels'))).toEqual([]);
  expect(ofKind(synthObjects(app), 'MutatingAdmissionPolicy')).toEqual([]);
});

describe('bad values: a clear error naming the prop, the value and what is allowed; nothing emitted', () => {
  test.each([
    ['not a TenantPodLabels', { podLabels: { [COST]: 'x' } as any }, /invalid podLabels \{.*\}: is not a TenantPodLabels. Use TenantPodLabels.of/],
    ['the tenant label', { podLabels: TenantPodLabels.of({ 'cdk8s-tenancy.io/tenant': 'team-b' }) }, /invalid podLabels 'cdk8s-tenancy.io\/tenant': is one of the library's own keys/],
    ['a Pod Security key', { podLabels: TenantPodLabels.of({ 'pod-security.kubernetes.io/enforce': 'privileged' }) }, /invalid podLabels 'pod-security.kubernetes.io\/enforce': is one of the library's own keys/],
    ['a key that is not a label key', { podLabels: TenantPodLabels.of({ 'cost centre': 'x' }) }, /invalid podLabels key 'cost centre': must be a label key/],
    ['a value over 63 characters', { podLabels: TenantPodLabels.of({ [COST]: 'c'.repeat(64) }) }, /invalid podLabels\['example.com\/cost-centre'\] 'c{64}': must be a label value/],
  ])('%s', (_, props: Partial<SoftTenantProps>, message) => {
    const app = new App();
    const chart = new Chart(app, 'tenants');
    expect(() => new SoftTenant(chart, 'TeamA', { name: 'team-a', ...props })).toThrow(message);
    expect(chart.toJson()).toEqual([]);
  });
});
