import { App, Chart } from 'cdk8s';
import { admit, AdmissionRequest, AdmissionResult, gatekeeperAdmit, kyvernoAdmit, kyvernoCelAdmit } from './helpers/admission';
import { find, K8sObject, synthObjects } from './helpers/manifests';
import { gatekeeperMutate, kyvernoCelMutate, kyvernoMutate, MutationRequest, parseLocation } from './helpers/mutation';
import {
  admittedCases, argocd, kubeSystem, MALICIOUS_TOLERATION as malicious, monitoring, placementCluster as cluster, pod, rejectedCases, required,
  validationAloneCases,
} from './helpers/placement-cases';
import { validateAll } from './helpers/schema';
import { PlacementEngine, SoftTenant, TenancyPlatform, TENANT_LABEL, TenantPlacement } from 'cdk8s-tenancy';

/**
 * A Constraint's CRD is not shipped by Gatekeeper: it generates it from the
 * ConstraintTemplate at run time, so no upstream file holds it. gator, which
 * does that generation, checks the Constraint (test/gator.test.ts).
 */
const isConstraint = (o: K8sObject) => o.apiVersion === 'constraints.gatekeeper.sh/v1beta1';

/** The objects of one chart of the app. */
const inChart = (app: App, id: string) => app.charts.find((c) => c.node.id === id)!.toJson() as K8sObject[];

const request = (namespace: any, object: Record<string, any>, operation: 'CREATE' | 'UPDATE' | 'DELETE' = 'CREATE', username = 'alice'): AdmissionRequest => ({
  operation,
  resource: { group: '', version: 'v1', resource: 'pods' },
  namespace: namespace.metadata.name,
  object: operation === 'DELETE' ? null : object,
  oldObject: operation === 'CREATE' ? null : object,
  namespaceObject: namespace,
  userInfo: { username },
});

type Admit = (manifests: K8sObject[], req: AdmissionRequest) => AdmissionResult;
type Mutate = (manifests: K8sObject[], req: MutationRequest) => Record<string, any>;

const ENGINES: [string, () => PlacementEngine, Admit, Mutate][] = [
  ['Kyverno', () => PlacementEngine.kyverno(), kyvernoCelAdmit, kyvernoCelMutate],
  ['Kyverno (legacy ClusterPolicy)', () => PlacementEngine.kyvernoLegacyClusterPolicy(), kyvernoAdmit, kyvernoMutate],
  ['Gatekeeper', () => PlacementEngine.gatekeeper(), gatekeeperAdmit, gatekeeperMutate],
];

describe.each(ENGINES)('%s', (engineName, engine, engineAdmit, mutate) => {
  const { app, objects, a, c, ns } = cluster(engine());
  /** What the engine does to a pod: mutate (in its namespace), then validate. */
  const submit = (namespace: any, spec: Record<string, unknown>, operation: 'CREATE' | 'UPDATE' = 'CREATE', username = 'alice') => {
    const mutated = mutate(objects, { pod: pod(namespace.metadata.name, spec), namespace, operation });
    return { mutated, result: engineAdmit(objects, request(namespace, mutated, operation, username)) };
  };

  test('every object is valid against its schema (Gatekeeper\'s and Kyverno\'s against the upstream CRDs), the Constraint aside', () => {
    const checked = objects.filter((o) => !isConstraint(o));
    expect(validateAll(checked)).toBe(checked.length);
    expect(objects.length - checked.length).toBe(engineName === 'Gatekeeper' ? 1 : 0);
  });

  test('one engine: no ValidatingAdmissionPolicy for placement, the guard in the platform chart, each mutation in its tenant\'s chart', () => {
    expect(objects.filter((o) => o.kind.startsWith('ValidatingAdmissionPolicy') && o.metadata.name === 'cdk8s-tenancy-placement')).toEqual([]);
    const platform = inChart(app, 'platform').filter((o) => !o.apiVersion.startsWith('admissionregistration') && !o.apiVersion.startsWith('scheduling'));
    const teamA = inChart(app, 'team-a').filter((o) => o.metadata.labels?.[TENANT_LABEL] === 'team-a' && !o.metadata.namespace && o.kind !== 'Namespace');
    const teamB = inChart(app, 'team-b').filter((o) => !o.metadata.namespace && o.kind !== 'Namespace');
    if (engineName === 'Kyverno') {
      expect(platform.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ValidatingPolicy/cdk8s-tenancy-placement']);
      expect(teamA.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['MutatingPolicy/cdk8s-tenancy-placement-team-a']);
    } else if (engineName.startsWith('Kyverno')) {
      expect(platform.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ClusterPolicy/cdk8s-tenancy-placement']);
      expect(teamA.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ClusterPolicy/cdk8s-tenancy-placement-team-a']);
    } else {
      expect(platform.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ConstraintTemplate/cdk8stenancyplacement', 'Cdk8sTenancyPlacement/cdk8s-tenancy-placement']);
      expect(teamA.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Assign/cdk8s-tenancy-placement-team-a-toleration', 'Assign/cdk8s-tenancy-placement-team-a-affinity']);
    }
    expect(teamB).toEqual([]);
  });

  test('the validation is the ValidatingAdmissionPolicy\'s CEL, expression for expression', () => {
    const vap = find(cluster().objects, 'ValidatingAdmissionPolicy', 'cdk8s-tenancy-placement').spec;
    const rules = engineName === 'Kyverno' ? find(objects, 'ValidatingPolicy', 'cdk8s-tenancy-placement').spec
      : engineName.startsWith('Kyverno')
        ? (({ variables, expressions }) => ({ variables, validations: expressions }))(find(objects, 'ClusterPolicy', 'cdk8s-tenancy-placement').spec.rules[0].validate.cel)
        : find(objects, 'ConstraintTemplate', 'cdk8stenancyplacement').spec.targets[0].code[0].source;
    expect(rules.variables).toEqual(vap.variables);
    expect(rules.validations.map((v: any) => [v.expression, v.message, v.messageExpression]))
      .toEqual(vap.validations.map((v: any) => [v.expression, v.message, v.messageExpression]));
  });

  test('mutates a bare tenant pod onto its nodes, with values from the placement, and admits it', () => {
    const { mutated, result } = submit(ns('team-a'), {});
    expect(mutated.spec.tolerations).toEqual([a.toleration]);
    expect(mutated.spec.affinity).toEqual(required(a.nodeSelectorTerm));
    expect(result).toMatchObject({ allowed: true, errors: [] });
    // Without the mutation the same pod is refused: the mutation is what admits it.
    expect(engineAdmit(objects, request(ns('team-a'), pod('team-a')))).toMatchObject({ allowed: false, errors: [] });
  });

  test('keeps the pod\'s other tolerations, adds its own once, and points every required term at the tenant\'s nodes', () => {
    const gpu = { key: 'gpu', operator: 'Exists', effect: 'NoSchedule' };
    const { mutated, result } = submit(ns('team-a-batch'), { tolerations: [gpu, a.toleration], affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }) });
    expect(mutated.spec.tolerations).toEqual([gpu, a.toleration]);
    expect(mutated.spec.affinity).toEqual(required(a.nodeSelectorTerm));
    expect(result).toMatchObject({ allowed: true, errors: [] });
  });

  test('leaves pods of other namespaces untouched, and gives another placed tenant its own values', () => {
    for (const [namespace, spec] of [[ns('team-b'), {}], [kubeSystem, { tolerations: [{ operator: 'Exists' }] }], [argocd, {}]] as const) {
      expect(mutate(objects, { pod: pod(namespace.metadata.name, spec), namespace })).toEqual(pod(namespace.metadata.name, spec));
    }
    const other = mutate(objects, { pod: pod('team-c'), namespace: ns('team-c') });
    expect([other.spec.tolerations, other.spec.affinity]).toEqual([[c.toleration], required(c.nodeSelectorTerm)]);
  });

  test.each(admittedCases({ ns, a, c }))('admits %s', (_, namespace, spec, username) => {
    const { result } = submit(namespace, spec, 'CREATE', username);
    expect(result).toMatchObject({ allowed: true, errors: [] });
  });

  test('a scheduled tenant pod can still be updated (nodeName is set by then)', () => {
    const scheduled = { ...mutate(objects, { pod: pod('team-a'), namespace: ns('team-a') }).spec, nodeName: 'ip-10-0-1-1' };
    expect(engineAdmit(objects, request(ns('team-a'), pod('team-a', scheduled), 'UPDATE'))).toMatchObject({ allowed: true, errors: [] });
  });

  test.each(rejectedCases({ ns, a, c }))('rejects, mutated or not, %s', (_, namespace, spec, message) => {
    for (const result of [submit(namespace, spec).result, engineAdmit(objects, request(namespace, pod(namespace.metadata.name, spec)))]) {
      expect(result.errors).toEqual([]);
      expect(result.allowed).toBe(false);
      expect(result.denials.map((d) => d.message).join('\n')).toMatch(message);
    }
  });

  test.each(validationAloneCases())('the validation alone (mutation webhook down) rejects a tenant pod with %s', (_, spec, message) => {
    const result = engineAdmit(objects, request(ns('team-a'), pod('team-a', spec)));
    expect([result.allowed, result.errors]).toEqual([false, []]);
    expect(result.denials.map((d) => d.message).join('\n')).toMatch(message);
  });

  test('a tenant pod tolerating another tenant\'s taint never gets through the mutation either', () => {
    const { mutated, result } = submit(ns('team-a'), { tolerations: [c.toleration] });
    // Gatekeeper replaces the toleration of the same key; Kyverno appends and the validation refuses.
    expect(result.allowed ? mutated.spec.tolerations : 'rejected').toEqual(engineName === 'Gatekeeper' ? [a.toleration] : 'rejected');
  });

  test('a pod the engine cannot judge is refused (fails closed)', () => {
    const result = engineAdmit(objects, request(ns('team-b'), pod('team-b', { tolerations: 'not-a-list' })));
    expect(result.allowed).toBe(false);
    expect(result.denials[0].message).toMatch(/policy evaluation failed/);
  });

  test('exempt namespaces are configurable', () => {
    const custom = cluster(engine(), { placementExemptNamespaces: ['kube-system', 'monitoring'] }).objects;
    expect(engineAdmit(custom, request(monitoring, pod('monitoring', { tolerations: [malicious] })))).toMatchObject({ allowed: true, evaluated: [] });
    expect(engineAdmit(objects, request(monitoring, pod('monitoring', { tolerations: [malicious] }))).allowed).toBe(false);
  });
});

describe('Kyverno specifics (CEL policies)', () => {
  const { objects, a } = cluster(PlacementEngine.kyverno());
  const guard = find(objects, 'ValidatingPolicy', 'cdk8s-tenancy-placement');
  const mutation = find(objects, 'MutatingPolicy', 'cdk8s-tenancy-placement-team-a');

  test('fails closed and denies; pods only (no autogen for Deployments); admission only', () => {
    for (const policy of [guard, mutation]) {
      expect(policy.spec.failurePolicy).toBe('Fail');
      expect(policy.spec.autogen).toEqual({ podControllers: { controllers: [] } });
      expect(policy.spec.evaluation).toEqual({ background: { enabled: false } });
    }
    expect(guard.spec.validationActions).toEqual(['Deny']);
    expect(guard.spec.matchConstraints).toEqual(find(cluster().objects, 'ValidatingAdmissionPolicy', 'cdk8s-tenancy-placement').spec.matchConstraints);
    expect(objects.filter((o) => o.apiVersion === 'kyverno.io/v1')).toEqual([]);
  });

  test('mutates on CREATE only, once per request', () => {
    const existing = pod('team-a', { tolerations: [{ key: 'gpu', operator: 'Exists' }] });
    expect(kyvernoCelMutate(objects, { pod: existing, namespace: find(objects, 'Namespace', 'team-a'), operation: 'UPDATE' })).toEqual(existing);
    expect(mutation.spec.matchConstraints.resourceRules.map((r: any) => r.operations)).toEqual([['CREATE']]);
    expect(mutation.spec.reinvocationPolicy).toBe('Never');
  });

  test('keeps a preferred node affinity and the pod\'s pod affinity while replacing the required terms', () => {
    const preferred = [{ weight: 1, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } }];
    const podAffinity = { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'zone', labelSelector: { matchLabels: { app: 'x' } } }] };
    const out = kyvernoCelMutate(objects, {
      pod: pod('team-a', { affinity: { podAffinity, nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: preferred } } }),
      namespace: find(objects, 'Namespace', 'team-a'),
    });
    const nodeAffinity = { preferredDuringSchedulingIgnoredDuringExecution: preferred, ...required(a.nodeSelectorTerm).nodeAffinity };
    expect(out.spec.affinity).toEqual({ podAffinity, nodeAffinity });
  });

  test('the toleration\'s check is what keeps it from being added twice', () => {
    const once = kyvernoCelMutate(objects, { pod: pod('team-a', { tolerations: [a.toleration] }), namespace: find(objects, 'Namespace', 'team-a') });
    expect(once.spec.tolerations).toEqual([a.toleration]);
    const unchecked = objects.map((o) => (o === mutation ? {
      ...o,
      spec: { ...o.spec, mutations: [{ ...o.spec.mutations[0], jsonPatch: { expression: o.spec.mutations[0].jsonPatch.expression.replace(/exists\(t, /, 'exists(t, false && ') } }, o.spec.mutations[1]] },
    } : o));
    const twice = kyvernoCelMutate(unchecked, { pod: pod('team-a', { tolerations: [a.toleration] }), namespace: find(objects, 'Namespace', 'team-a') });
    expect(twice.spec.tolerations).toEqual([a.toleration, a.toleration]);
  });
});

describe('Kyverno specifics (legacy ClusterPolicy)', () => {
  const { objects, a } = cluster(PlacementEngine.kyvernoLegacyClusterPolicy());
  const guard = find(objects, 'ClusterPolicy', 'cdk8s-tenancy-placement');
  const mutation = find(objects, 'ClusterPolicy', 'cdk8s-tenancy-placement-team-a');

  test('fails closed and enforces; pod rules only (no autogen for Deployments)', () => {
    for (const policy of [guard, mutation]) {
      expect(policy.spec.webhookConfiguration).toEqual({ failurePolicy: 'Fail' });
      expect(policy.metadata.annotations).toEqual({ 'pod-policies.kyverno.io/autogen-controllers': 'none' });
    }
    expect(guard.spec.rules.map((r: any) => r.validate.failureAction)).toEqual(['Enforce']);
    expect(guard.spec.rules[0].exclude).toEqual({ any: [{ resources: { namespaces: ['kube-system'] } }] });
  });

  test('mutates on CREATE only: a pod\'s affinity cannot change afterwards', () => {
    const existing = pod('team-a', { tolerations: [{ key: 'gpu', operator: 'Exists' }] });
    expect(kyvernoMutate(objects, { pod: existing, namespace: find(objects, 'Namespace', 'team-a'), operation: 'UPDATE' })).toEqual(existing);
    expect(mutation.spec.rules.map((r: any) => r.match.any[0].resources.operations)).toEqual([['CREATE'], ['CREATE']]);
  });

  test('the toleration\'s precondition is what keeps it from being added twice', () => {
    const withoutPrecondition = objects.map((o) => (o === mutation
      ? { ...o, spec: { ...o.spec, rules: o.spec.rules.map(({ preconditions, ...r }: any) => r) } } : o));
    const twice = kyvernoMutate(withoutPrecondition, { pod: pod('team-a', { tolerations: [a.toleration] }), namespace: find(objects, 'Namespace', 'team-a') });
    expect(twice.spec.tolerations).toEqual([a.toleration, a.toleration]);
  });
});

describe('Gatekeeper specifics', () => {
  const { objects, a } = cluster(PlacementEngine.gatekeeper());
  const template = find(objects, 'ConstraintTemplate', 'cdk8stenancyplacement');
  const source = template.spec.targets[0].code[0].source;

  test('fails closed: CEL errors deny, and the rules also run as an API-server VAP (generateVAP)', () => {
    expect([source.failurePolicy, source.generateVAP]).toEqual(['Fail', true]);
    expect(find(objects, 'Cdk8sTenancyPlacement', 'cdk8s-tenancy-placement').spec).toEqual({
      enforcementAction: 'deny',
      match: { scope: 'Namespaced', kinds: [{ apiGroups: [''], kinds: ['Pod'] }], excludedNamespaces: ['kube-system'] },
    });
    expect(source.validations.every((v: any) => !('reason' in v))).toBe(true);
  });

  test('Gatekeeper before 3.22 passes no namespaceObject: tenant pods are refused, not waved through', () => {
    const teamA = find(objects, 'Namespace', 'team-a');
    const result = gatekeeperAdmit(objects, { ...request(teamA, pod('team-a')), namespaceObject: null });
    expect(result.denials.map((d) => d.message)).toEqual([expect.stringMatching(/cannot see the pod's namespace/)]);
  });

  test('DELETE is not judged (Gatekeeper clears the object then)', () => {
    const teamA = find(objects, 'Namespace', 'team-a');
    expect(gatekeeperAdmit(objects, request(teamA, pod('team-a'), 'DELETE'))).toEqual({ allowed: true, denials: [], evaluated: [], errors: [] });
  });

  test('the upstream CRDs really check: a misspelt Assign field or a template target that is not a name is refused', () => {
    const assign = objects.find((o) => o.kind === 'Assign')!;
    expect(() => validateAll([{ ...assign, spec: { ...assign.spec, locaton: assign.spec.location } }])).toThrow(/Assign \/cdk8s-tenancy-placement-team-a-toleration does not match its upstream CRD: .*locaton/);
    expect(() => validateAll([{ ...template, spec: { ...template.spec, targets: [{ ...template.spec.targets[0], target: 1 }] } }])).toThrow(/targets\/0\/target must be string/);
  });

  test('the Assign locations, as Gatekeeper parses them', () => {
    const locations = objects.filter((o) => o.kind === 'Assign' && o.metadata.labels?.[TENANT_LABEL] === 'team-a').map((o) => o.spec.location);
    expect(locations.map(parseLocation)).toEqual([
      [{ field: 'spec' }, { field: 'tolerations' }, { keyField: 'key', keyValue: TENANT_LABEL }],
      ['spec', 'affinity', 'nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution', 'nodeSelectorTerms'].map((field) => ({ field })),
    ]);
    expect(objects.filter((o) => o.kind === 'Assign' && o.metadata.labels?.[TENANT_LABEL] === 'team-a').map((o) => o.spec.parameters.assign.value))
      .toEqual([a.toleration, [a.nodeSelectorTerm]]);
  });
});

describe('the default engine', () => {
  test('is the ValidatingAdmissionPolicy, and it mutates nothing', () => {
    const { app, objects } = cluster();
    expect(find(objects, 'ValidatingAdmissionPolicy', 'cdk8s-tenancy-placement').spec.failurePolicy).toBe('Fail');
    expect(objects.filter((o) => ['ValidatingPolicy', 'MutatingPolicy', 'ClusterPolicy', 'Assign', 'ConstraintTemplate'].includes(o.kind))).toEqual([]);
    expect((app.charts.find((ch) => ch.node.id === 'platform') as TenancyPlatform).placementEngine.mutates).toBe(false);
    const teamA = find(objects, 'Namespace', 'team-a');
    expect(admit(objects, request(teamA, pod('team-a')))).toMatchObject({ allowed: false, errors: [] });
  });
});

describe('names', () => {
  test('stay within 63 characters and apart for long tenant names', () => {
    const long = (suffix: string) => `${'t'.repeat(60)}-${suffix}`;
    const names = (engine: PlacementEngine) => {
      const app = new App();
      new TenancyPlatform(app, 'platform', { placementEngine: engine });
      for (const name of [long('a'), long('b')]) {
        new SoftTenant(new Chart(app, name), 'T', { name }).addExtension(TenantPlacement.forTenant(name));
      }
      return synthObjects(app).filter((o) => ['MutatingPolicy', 'ClusterPolicy', 'Assign'].includes(o.kind) && o.metadata.labels?.[TENANT_LABEL]).map((o) => o.metadata.name);
    };
    const engines = [[PlacementEngine.kyverno(), 2], [PlacementEngine.kyvernoLegacyClusterPolicy(), 2], [PlacementEngine.gatekeeper(), 4]] as const;
    for (const list of engines.map(([engine, count]) => { const l = names(engine); expect(l).toHaveLength(count); return l; })) {
      expect(list.every((n) => n.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n))).toBe(true);
      expect(new Set(list).size).toBe(list.length);
    }
  });
});
