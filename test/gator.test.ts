import { App, Chart } from 'cdk8s';
import { AdmissionResult, gatekeeperAdmit } from './helpers/admission';
import { GatekeeperRequest, GatekeeperVerdict, gatekeeperWebhook, gatorBinary, GatorCase, gatorVerify } from './helpers/gatekeeper';
import { find, K8sObject, synthObjects } from './helpers/manifests';
import { gatekeeperAssignMetadata, gatekeeperMutate } from './helpers/mutation';
import { PlacementEngine, SoftTenant, TenancyPlatform, TENANT_LABEL, TenantPlacement, TenantPodLabels, TenantStorageClasses } from 'cdk8s-tenancy';

/*
 * The Gatekeeper objects the library emits (PlacementEngine.gatekeeper():
 * the ConstraintTemplate with the placement rules and its Constraint, the
 * tenants' Assign mutations; podLabels: AssignMetadata; a default
 * StorageClass: an Assign on claims) judged by Gatekeeper
 * itself, v3.23.1 built from its Go module (test/helpers/gatekeeper.ts):
 * every request the model tests make (test/placement-engines.test.ts
 * 'Gatekeeper', test/pod-labels.test.ts 'Gatekeeper AssignMetadata'), and
 * the whole matrix of namespaces, pod shapes and operations around them,
 * goes through Gatekeeper's webhook code, and through `gator verify`; each
 * must agree with the project's model of Gatekeeper (test/helpers/admission.ts
 * gatekeeperAdmit, test/helpers/mutation.ts gatekeeperMutate and
 * gatekeeperAssignMetadata), and where they disagree the test fails naming
 * the case.
 */

const COST = 'example.com/cost-centre';

/** As in placement-engines.test.ts: team-a and team-c on dedicated nodes, team-b not; team-a's pods get cost labels. */
function cluster(platformProps: Record<string, unknown> = {}) {
  const app = new App();
  new TenancyPlatform(app, 'platform', { placementEngine: PlacementEngine.gatekeeper(), ...platformProps });
  const placements: Record<string, TenantPlacement> = {};
  for (const [name, namespaces, placed] of [['team-a', ['team-a', 'team-a-batch'], true], ['team-b', ['team-b'], false], ['team-c', ['team-c'], true]] as const) {
    const podLabels = name === 'team-a' ? TenantPodLabels.of({ [COST]: 'cc-1234' }) : undefined;
    const tenant = new SoftTenant(new Chart(app, name), 'Tenant', { name, namespaces: [...namespaces], podLabels });
    if (placed) {
      placements[name] = TenantPlacement.forTenant(name);
      tenant.addExtension(placements[name]);
    }
  }
  return { objects: synthObjects(app), a: placements['team-a'], c: placements['team-c'] };
}

const { objects, a, c } = cluster();
const ns = (name: string): K8sObject => objects.find((o) => o.kind === 'Namespace' && o.metadata.name === name)
  ?? { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } };
const pod = (namespace: string, spec: Record<string, unknown> = {}, labels?: Record<string, string>) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace, ...(labels ? { labels } : {}) }, spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec },
});
const required = (...terms: unknown[]) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } });

const malicious = { operator: 'Exists' };
const gpu = { key: 'gpu', operator: 'Exists', effect: 'NoSchedule' };
const SPECS: [string, Record<string, unknown>, Record<string, string>?][] = [
  ['a bare pod', {}],
  ['a pod tolerating every taint', { tolerations: [malicious] }],
  ['a pod tolerating team-a\'s taint', { tolerations: [a.toleration] }],
  ['a pod tolerating team-c\'s taint', { tolerations: [c.toleration] }],
  ['a pod with a gpu toleration and its own zone affinity', { tolerations: [gpu, a.toleration], affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }) }],
  ['a pod choosing its node', { nodeName: 'ip-10-0-9-9' }],
  ['a pod selecting team-a\'s nodes', { nodeSelector: { [TENANT_LABEL]: 'team-a' } }],
  ['a pod selecting team-c\'s nodes', { nodeSelector: { [TENANT_LABEL]: 'team-c' } }],
  ['a pod requiring team-c\'s nodes', { tolerations: [], affinity: required({ matchExpressions: [{ key: TENANT_LABEL, operator: 'In', values: ['team-c'] }] }) }],
  ['a labelled pod', {}, { app: 'web', [TENANT_LABEL]: 'team-b', [COST]: 'someone-else' }],
];
const NAMESPACES = ['team-a', 'team-a-batch', 'team-b', 'team-c', 'kube-system', 'argocd', 'monitoring'];
const USERS: Record<string, string> = {
  'kube-system': 'system:serviceaccount:kube-system:daemon-set-controller',
  'argocd': 'system:serviceaccount:kube-system:replicaset-controller',
};

/** Every pod shape in every namespace, created with and without the mutation webhook; scheduled pods updated; pods deleted. */
function matrix(): GatekeeperRequest[] {
  const requests: GatekeeperRequest[] = [];
  for (const namespace of NAMESPACES) {
    const username = USERS[namespace] ?? 'alice';
    for (const [shape, spec, labels] of SPECS) {
      const object = pod(namespace, spec, labels);
      for (const mutate of [true, false]) {
        requests.push({ name: `CREATE ${shape} in ${namespace}${mutate ? '' : ' (no mutation)'}`, operation: 'CREATE', namespace: ns(namespace), object, username, mutate });
      }
    }
    // A pod as the scheduler leaves it: mutated at creation (by the model; the differential checks it), then bound to a node.
    const created = gatekeeperMutate(objects, { pod: pod(namespace), namespace: ns(namespace) });
    const scheduled = { ...created, spec: { ...created.spec, nodeName: 'ip-10-0-1-1' } };
    requests.push({ name: `UPDATE a scheduled pod in ${namespace}`, operation: 'UPDATE', namespace: ns(namespace), object: scheduled, oldObject: scheduled, username, mutate: true });
    requests.push({ name: `DELETE a pod in ${namespace}`, operation: 'DELETE', namespace: ns(namespace), object: null, oldObject: pod(namespace), username, mutate: true });
  }
  requests.push({ name: 'CREATE a pod the engine cannot judge in team-b', operation: 'CREATE', namespace: ns('team-b'), object: pod('team-b', { tolerations: 'not-a-list' }), username: 'alice', mutate: false });
  requests.push({ name: 'CREATE a bare pod in team-a by the GitOps controller', operation: 'CREATE', namespace: ns('team-a'), object: pod('team-a'), username: 'system:serviceaccount:argocd:argocd-application-controller', mutate: true });
  return requests;
}

/** The model's verdict on a request: its mutations (Assign, then AssignMetadata), then its validation. */
function model(manifests: K8sObject[], r: GatekeeperRequest): { object: Record<string, any> | null; result: AdmissionResult } {
  let object = r.object;
  if (r.mutate && object && r.namespace) {
    const placed = gatekeeperMutate(manifests, { pod: object, namespace: r.namespace, operation: r.operation as 'CREATE' | 'UPDATE' });
    object = gatekeeperAssignMetadata(manifests, { pod: placed, namespace: r.namespace, operation: r.operation as 'CREATE' | 'UPDATE' });
  }
  const namespace = r.namespace?.metadata?.name ?? (object ?? r.oldObject)?.metadata?.namespace;
  const result = gatekeeperAdmit(manifests, {
    operation: r.operation,
    resource: { group: '', version: 'v1', resource: 'pods' },
    namespace,
    object,
    oldObject: r.oldObject ?? null,
    namespaceObject: r.namespace,
    userInfo: { username: r.username, groups: r.groups },
  });
  return { object, result };
}

/** JSON with object keys sorted: Gatekeeper writes its objects with Go's encoding/json, which sorts them. */
function canonical(x: unknown): string {
  const sorted = (v: any): any => (Array.isArray(v) ? v.map(sorted)
    : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])])) : v);
  return JSON.stringify(sorted(x));
}

/**
 * Where the model and Gatekeeper disagree on a request, one line naming the
 * case and both answers. A CEL evaluation error is compared as a denial
 * (both fail closed) with the engine's own wording.
 */
function disagreement(manifests: K8sObject[], r: GatekeeperRequest, real: GatekeeperVerdict): string | undefined {
  const { object, result } = model(manifests, r);
  // As sets: Gatekeeper does not report violations in the order of the
  // template's validations (the webhook joins them into one message).
  const realMessages = real.denials.map((d) => d.message).sort();
  const modelMessages = result.errors.length > 0 ? null : result.denials.map((d) => d.message).sort();
  const problems: string[] = [];
  if (real.error) problems.push(`Gatekeeper errored: ${real.error}`);
  if (canonical(real.object) !== canonical(object)) {
    problems.push(`mutated object: Gatekeeper ${JSON.stringify(real.object)}, model ${JSON.stringify(object)}`);
  }
  if (modelMessages === null) {
    if (realMessages.length === 0) problems.push(`the model failed closed (${result.errors.map((e) => e.error).join('; ')}) but Gatekeeper admitted`);
  } else if (JSON.stringify(realMessages) !== JSON.stringify(modelMessages)) {
    problems.push(`denials: Gatekeeper ${JSON.stringify(realMessages)}, model ${JSON.stringify(modelMessages)}`);
  }
  return problems.length ? `${r.name}: ${problems.join('; ')}` : undefined;
}

let verdicts: Map<string, GatekeeperVerdict>;
const requests = matrix();
beforeAll(() => {
  // Builds both binaries on a cold cache (see the README for the cost), then runs the matrix.
  gatorBinary();
  verdicts = new Map(gatekeeperWebhook(objects, requests).map((v) => [v.name, v]));
}, 1_800_000);
const real = (name: string) => {
  const v = verdicts.get(name);
  if (!v) throw new Error(`no request named '${name}'`);
  return v;
};
const messages = (v: GatekeeperVerdict) => v.denials.map((d) => d.message).join('\n');

describe('Gatekeeper\'s webhook code (mutation, then validation with the namespace)', () => {
  test(`agrees with the model on every one of the ${requests.length} requests`, () => {
    expect(verdicts.size).toBe(requests.length);
    expect(requests.map((r) => disagreement(objects, r, real(r.name))).filter((d) => d !== undefined)).toEqual([]);
  });

  test('the differential can fail: a model that forgot the exempt namespaces disagrees, naming the case', () => {
    const unexempt = objects.map((o) => (o.kind === 'Cdk8sTenancyPlacement' ? { ...o, spec: { ...o.spec, match: { ...o.spec.match, excludedNamespaces: [] } } } : o));
    const r = requests.find((x) => x.name === 'CREATE a pod tolerating every taint in kube-system')!;
    expect(disagreement(unexempt, r, real(r.name))).toMatch(/^CREATE a pod tolerating every taint in kube-system: denials: Gatekeeper \[\], model \["pods may not tolerate every taint/);
  });

  test('mutates a bare tenant pod onto its nodes, with its tenant\'s labels, and admits it; without the mutation it is refused', () => {
    const v = real('CREATE a bare pod in team-a');
    expect([v.mutated, v.object!.spec.tolerations, v.object!.spec.affinity, v.denials])
      .toEqual([true, [a.toleration], required(a.nodeSelectorTerm), []]);
    expect(v.object!.metadata.labels).toEqual({ [TENANT_LABEL]: 'team-a', [COST]: 'cc-1234' });
    expect(messages(real('CREATE a bare pod in team-a (no mutation)'))).toMatch(/must tolerate and require the nodes of tenant team-a/);
  });

  test('keeps the pod\'s other tolerations, adds its own once, and points every required term at the tenant\'s nodes', () => {
    const v = real('CREATE a pod with a gpu toleration and its own zone affinity in team-a-batch');
    expect([v.object!.spec.tolerations, v.object!.spec.affinity, v.denials]).toEqual([[gpu, a.toleration], required(a.nodeSelectorTerm), []]);
  });

  test('leaves pods of other namespaces untouched, and gives another placed tenant its own values', () => {
    for (const namespace of ['team-b', 'kube-system', 'argocd']) {
      const v = real(`CREATE a bare pod in ${namespace}`);
      expect([v.mutated, v.object]).toEqual([false, pod(namespace)]);
    }
    const other = real('CREATE a bare pod in team-c').object!;
    expect([other.spec.tolerations, other.spec.affinity]).toEqual([[c.toleration], required(c.nodeSelectorTerm)]);
  });

  test.each([
    ['a kube-system DaemonSet pod tolerating every taint', 'CREATE a pod tolerating every taint in kube-system'],
    ['the GitOps controller\'s own pod', 'CREATE a bare pod in argocd'],
    ['a tenant pod created by the GitOps controller', 'CREATE a bare pod in team-a by the GitOps controller'],
    ['a pod of a tenant without dedicated nodes', 'CREATE a bare pod in team-b'],
    ['a scheduled tenant pod, updated (nodeName is set by then)', 'UPDATE a scheduled pod in team-a'],
    ['a tenant pod tolerating another tenant\'s taint: the Assign replaces the toleration of that key', 'CREATE a pod tolerating team-c\'s taint in team-a'],
    ['a pod deleted (Gatekeeper clears the object on DELETE; the template judges nothing then)', 'DELETE a pod in team-a'],
  ])('admits %s', (_, name) => {
    const v = real(name);
    expect([v.error, v.denials]).toEqual([undefined, []]);
  });

  test.each([
    ['the seed\'s malicious toleration (Exists, no key) outside any tenant', 'a pod tolerating every taint', 'team-b', /may not tolerate every taint/],
    ['the same inside a tenant with dedicated nodes', 'a pod tolerating every taint', 'team-a', /may not tolerate every taint/],
    ['another tenant\'s pod tolerating team-a\'s taint', 'a pod tolerating team-a\'s taint', 'team-b', /may only tolerate the cdk8s-tenancy.io\/tenant taint of their own tenant/],
    ['a tenant pod choosing its node', 'a pod choosing its node', 'team-a', /may not choose their node/],
    ['any pod choosing its node', 'a pod choosing its node', 'team-b', /may not choose their node/],
    ['a tenant pod selecting team-c\'s nodes', 'a pod selecting team-c\'s nodes', 'team-a', /may not select another tenant's nodes/],
    ['another tenant\'s pod selecting team-a\'s nodes', 'a pod selecting team-a\'s nodes', 'team-b', /may not select another tenant's nodes/],
    ['a pod outside the exempt namespaces tolerating every taint', 'a pod tolerating every taint', 'monitoring', /may not tolerate every taint/],
  ])('rejects, mutated or not, %s', (_, shape, namespace, message) => {
    for (const name of [`CREATE ${shape} in ${namespace}`, `CREATE ${shape} in ${namespace} (no mutation)`]) {
      const v = real(name);
      expect(v.error).toBeUndefined();
      expect(v.denials.map((d) => [d.constraint, d.enforcementAction])).toContainEqual(['Cdk8sTenancyPlacement/cdk8s-tenancy-placement', 'deny']);
      expect(messages(v)).toMatch(message);
    }
  });

  test.each([
    ['team-c\'s toleration', 'a pod tolerating team-c\'s taint', /their own tenant/],
    ['an affinity term to team-c\'s nodes', 'a pod requiring team-c\'s nodes', /must tolerate and require the nodes of tenant team-a/],
    ['no toleration or affinity', 'a bare pod', /must tolerate and require the nodes of tenant team-a/],
  ])('the validation alone (mutation webhook down) rejects a tenant pod with %s', (_, shape, message) => {
    expect(messages(real(`CREATE ${shape} in team-a (no mutation)`))).toMatch(message);
  });

  test('a pod the engine cannot judge is refused (failurePolicy: Fail in the template\'s source)', () => {
    const v = real('CREATE a pod the engine cannot judge in team-b');
    expect(v.error).toBeUndefined();
    expect(messages(v)).toMatch(/expression 'variables.tolerations.all\(.*' resulted in error: got 'types.String', expected iterable type/);
  });

  test('cost labels: added where the pod has none, a pod\'s own labels kept (AssignMetadata never changes a label), other tenants\' pods left alone', () => {
    expect(real('CREATE a bare pod in team-a-batch').object!.metadata.labels).toEqual({ [TENANT_LABEL]: 'team-a', [COST]: 'cc-1234' });
    expect(real('CREATE a labelled pod in team-a').object!.metadata.labels).toEqual({ app: 'web', [TENANT_LABEL]: 'team-b', [COST]: 'someone-else' });
    expect(real('CREATE a labelled pod in team-c').object!.metadata.labels).toEqual({ app: 'web', [TENANT_LABEL]: 'team-b', [COST]: 'someone-else' });
  });

  test('exempt namespaces are configurable', () => {
    const custom = cluster({ placementExemptNamespaces: ['kube-system', 'monitoring'] }).objects;
    const r: GatekeeperRequest = { name: 'monitoring', operation: 'CREATE', namespace: ns('monitoring'), object: pod('monitoring', { tolerations: [malicious] }), username: 'alice', mutate: true };
    const [v] = gatekeeperWebhook(custom, [r]);
    expect([v.error, v.denials]).toEqual([undefined, []]);
    expect(disagreement(custom, r, v)).toBeUndefined();
    expect(messages(real('CREATE a pod tolerating every taint in monitoring'))).toMatch(/may not tolerate every taint/);
  }, 60_000);

  test('without the pod\'s namespace (Gatekeeper before 3.22) tenant pods are refused, not waved through', () => {
    const r: GatekeeperRequest = { name: 'no namespace', operation: 'CREATE', namespace: null, object: pod('team-a'), username: 'alice', mutate: false };
    const [v] = gatekeeperWebhook(objects, [r]);
    expect(messages(v)).toMatch(/cannot see the pod's namespace/);
    expect(disagreement(objects, r, v)).toBeUndefined();
  }, 60_000);

  test('Gatekeeper refuses a Constraint its template does not allow, and an Assign that changes the key of its list element', () => {
    const constraint = find(objects, 'Cdk8sTenancyPlacement', 'cdk8s-tenancy-placement');
    expect(() => gatekeeperWebhook(objects.map((o) => (o === constraint ? { ...o, spec: { ...o.spec, match: { ...o.spec.match, kinds: 'Pod' } } } : o)), []))
      .toThrow(/Cdk8sTenancyPlacement cdk8s-tenancy-placement: schema validation failed: .*spec.match.kinds in body must be of type array/);
    const toleration = objects.find((o) => o.kind === 'Assign' && o.metadata.name.endsWith('team-a-toleration'))!;
    const renamed = { ...toleration, spec: { ...toleration.spec, parameters: { assign: { value: { ...a.toleration, key: 'other' } } } } };
    expect(() => gatekeeperWebhook(objects.map((o) => (o === toleration ? renamed : o)), [])).toThrow(/Assign cdk8s-tenancy-placement-team-a-toleration: adding object to list with different key/);
  }, 60_000);
});

describe('gator verify', () => {
  const template = find(objects, 'ConstraintTemplate', 'cdk8stenancyplacement');
  const constraint = find(objects, 'Cdk8sTenancyPlacement', 'cdk8s-tenancy-placement');

  /*
   * gator (3.23.1) reviews each case without its namespace: the template's
   * CEL sees namespaceObject as null, as on a Gatekeeper before 3.22. So the
   * suite's expectations are the model's with no namespaceObject: the guard
   * refuses every pod outside the exempt namespaces, whatever its shape.
   */
  test('runs every validation request of the matrix with the model\'s verdicts, and checks the Constraint against the CRD it generates', () => {
    // A CEL error's wording is the engine's own: those requests stay with the webhook test above.
    const cases: GatorCase[] = requests.filter((r) => !r.mutate || r.operation !== 'CREATE').flatMap((r): GatorCase[] => {
      const request: GatekeeperRequest = { ...r, mutate: false, namespace: null };
      const { result } = model(objects, request);
      return result.errors.length > 0 ? [] : [{ name: r.name, request, denials: result.denials.map((d) => d.message) }];
    });
    const invalid = { ...constraint, metadata: { ...constraint.metadata, name: 'invalid' }, spec: { ...constraint.spec, match: { ...constraint.spec.match, kinds: 'Pod' } } };
    const result = gatorVerify(template, constraint, cases, [invalid]);
    expect(result.failures).toEqual({});
    expect(result.status).toBe(0);
    expect(Object.keys(result.cases).sort()).toEqual([...cases.map((x) => x.name), 'emitted', 'invalid-0'].sort());
    expect(Object.values(result.cases).every((s) => s === 'PASS')).toBe(true);
    // What gator users see: every tenant pod is refused, a kube-system pod is not.
    expect(cases.find((x) => x.name === 'CREATE a bare pod in team-a (no mutation)')!.denials).toEqual([expect.stringMatching(/cannot see the pod's namespace/)]);
    expect(cases.find((x) => x.name === 'CREATE a pod tolerating every taint in kube-system (no mutation)')!.denials).toEqual([]);
  }, 300_000);

  test('gator fails a case whose expectation is wrong, naming it', () => {
    const r = requests.find((x) => x.name === 'CREATE a bare pod in team-a (no mutation)')!;
    const result = gatorVerify(template, constraint, [{ name: 'wrongly expected admitted', request: { ...r, namespace: null }, denials: [] }]);
    expect(result.status).not.toBe(0);
    expect(result.cases['wrongly expected admitted']).toBe('FAIL');
    expect(result.failures['wrongly expected admitted']).toMatch(/got 1 violations but want exactly 0/);
  }, 60_000);
});

describe('default StorageClass: Gatekeeper\'s webhook code runs the tenant\'s Assign on claims', () => {
  const app = new App();
  new TenancyPlatform(app, 'platform', { placementEngine: PlacementEngine.gatekeeper() });
  new SoftTenant(new Chart(app, 'team-a'), 'Tenant', { name: 'team-a', namespaces: ['team-a', 'team-a-batch'], storage: { storageClasses: TenantStorageClasses.only(['gp3', 'io2'], 'gp3') } });
  new SoftTenant(new Chart(app, 'team-b'), 'Tenant', { name: 'team-b', storage: { storageClasses: TenantStorageClasses.only(['gp3']) } });
  const storageObjects = synthObjects(app);
  const nsOf = (name: string): K8sObject => storageObjects.find((o) => o.kind === 'Namespace' && o.metadata.name === name)
    ?? { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } };
  const claim = (namespace: string, spec: Record<string, unknown> = {}, annotations?: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', namespace, ...(annotations ? { annotations } : {}) },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
  });
  const legacy = { 'volume.beta.kubernetes.io/storage-class': 'io2' };
  const CASES: [string, Record<string, any>, string | undefined][] = [
    ['a claim naming no class in team-a gets the default', claim('team-a'), 'gp3'],
    ['a claim naming no class in team-a-batch gets the default', claim('team-a-batch'), 'gp3'],
    ['a claim naming an allowed class keeps it', claim('team-a', { storageClassName: 'io2' }), 'io2'],
    ['the empty class (static binding) is a class: left alone', claim('team-a', { storageClassName: '' }), ''],
    ['a claim naming its class in the legacy annotation only gets the field too (an Assign tests only its own path)', claim('team-a', {}, legacy), 'gp3'],
    ['a claim of a tenant without a default is left alone', claim('team-b'), undefined],
    ['a claim outside any tenant is left alone', claim('default'), undefined],
  ];
  const claimRequests: GatekeeperRequest[] = CASES.map(([name, object]) => ({
    name, operation: 'CREATE', namespace: nsOf(object.metadata.namespace), object, username: 'alice', mutate: true,
  }));
  let claimVerdicts: GatekeeperVerdict[];
  beforeAll(() => {
    claimVerdicts = gatekeeperWebhook(storageObjects, claimRequests);
  }, 1_800_000);

  test('one Assign, for the tenant with a default', () => {
    expect(storageObjects.filter((o) => o.kind === 'Assign').map((o) => o.metadata.name)).toEqual(['cdk8s-tenancy-storage-class-team-a']);
  });

  test.each(CASES.map(([name, , expected], i) => [name, i, expected] as const))('%s (Gatekeeper and the model agree)', (_, i, expected) => {
    const v = claimVerdicts[i];
    expect([v.error, v.denials]).toEqual([undefined, []]);
    expect(canonical(v.object)).toBe(canonical(gatekeeperMutate(storageObjects, { pod: CASES[i][1], namespace: claimRequests[i].namespace! })));
    expect(v.object!.spec.storageClassName).toBe(expected);
    expect(v.mutated).toBe(CASES[i][1].spec.storageClassName !== expected);
  });
});
