import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { AdmissionRequest, AdmissionResult, kyvernoAdmit, kyvernoCelAdmit } from './helpers/admission';
import { kyvernoAdmission } from './helpers/kyverno-admission';
import { CliOutcome, CliRequest, isEvaluationError, kyvernoApply } from './helpers/kyverno-cli';
import { K8sObject, synthObjects } from './helpers/manifests';
import { kyvernoCelMutate, kyvernoMutate, MutationRequest } from './helpers/mutation';
import {
  admittedCases, argocd, kubeSystem, MALICIOUS_TOLERATION, monitoring, placementCluster, pod, rejectedCases, required, validationAloneCases,
} from './helpers/placement-cases';
import {
  PLACEMENT_POLICY_NAME, PlacementEngine, POD_LABELS_POLICY_NAME, SoftTenant, TenancyPlatform, TENANT_LABEL, TenantPlacement, TenantPodLabels,
  TenantStorageClasses,
} from 'cdk8s-tenancy';

/*
 * Every Kyverno policy the library emits, judged by the real Kyverno engine
 * (v1.19.1, built from its Go module in test/engines/kyverno) and by the
 * project's models of it
 * (helpers/admission.ts, helpers/mutation.ts), on the cases the model tests
 * use (helpers/placement-cases.ts, test/pod-labels.test.ts): requests it must
 * refuse and requests it must admit, mutations it must make and pods it must
 * leave alone. Where the engine and the model disagree, the case fails
 * naming itself: one of them is wrong.
 *
 * The engine runs as the `kyverno` CLI (helpers/kyverno-cli.ts) for the CEL
 * policies, and through Kyverno's own admission handlers
 * (helpers/kyverno-admission.ts) for the legacy ClusterPolicies: the CLI
 * shows a ClusterPolicy's `validate.cel` the pod's namespace without its
 * labels, the admission controller shows it the namespace as it is.
 */

// The CLI is built from source on a cold cache (minutes on a loaded 2-core machine).
jest.setTimeout(30 * 60 * 1000);

type Admit = (manifests: K8sObject[], req: AdmissionRequest) => AdmissionResult;
type Mutate = (manifests: K8sObject[], req: MutationRequest) => Record<string, any>;
type Judge = (policies: K8sObject[], requests: CliRequest[]) => Map<string, CliOutcome>;

interface Flavour {
  readonly name: string;
  readonly engine: () => PlacementEngine;
  readonly admit: Admit;
  readonly mutate: Mutate;
  /** How the real engine is run on a batch of requests. */
  readonly engineRoute: string;
  readonly judge: Judge;
  /** The legacy ClusterPolicies (the CLI cannot judge their validate.cel as a cluster would). */
  readonly legacy: boolean;
}

const FLAVOURS: Flavour[] = [
  {
    name: 'Kyverno CEL policies (ValidatingPolicy, MutatingPolicy)',
    engine: () => PlacementEngine.kyverno(),
    admit: kyvernoCelAdmit,
    mutate: kyvernoCelMutate,
    engineRoute: 'the Kyverno CLI',
    judge: kyvernoApply,
    legacy: false,
  },
  {
    name: 'Kyverno legacy ClusterPolicies',
    engine: () => PlacementEngine.kyvernoLegacyClusterPolicy(),
    admit: kyvernoAdmit,
    mutate: kyvernoMutate,
    engineRoute: 'Kyverno\'s admission handlers',
    judge: kyvernoAdmission,
    legacy: true,
  },
];

const isKyverno = (o: K8sObject) => /(^|\.)kyverno\.io\//.test(o.apiVersion);

/** One request, judged by the engine and by the model with the same policies. */
interface Case {
  readonly name: string;
  readonly policies: K8sObject[];
  readonly namespace: K8sObject | Record<string, any>;
  readonly pod: Record<string, any>;
  readonly operation?: 'CREATE' | 'UPDATE';
  readonly username?: string;
  /** What must happen (where the engine can be told enough to prove it). */
  readonly expect?: { readonly refused: RegExp } | { readonly admitted: true; readonly mutated?: Record<string, any> };
}

interface Verdict { readonly refused: boolean; readonly mutated: Record<string, any>; readonly messages: string[]; readonly errors: string[] }

/** What the model says: the engine's mutations, then its validation of the mutated pod. */
function model(flavour: Flavour, c: Case): Verdict {
  const operation = c.operation ?? 'CREATE';
  const mutated = flavour.mutate(c.policies, { pod: c.pod, namespace: c.namespace, operation });
  const result = flavour.admit(c.policies, {
    operation,
    resource: { group: '', version: 'v1', resource: c.pod.kind === 'PersistentVolumeClaim' ? 'persistentvolumeclaims' : 'pods' },
    namespace: c.namespace.metadata.name,
    object: mutated,
    oldObject: operation === 'UPDATE' ? mutated : null,
    namespaceObject: c.namespace,
    userInfo: { username: c.username ?? 'alice' },
  });
  return { refused: !result.allowed, mutated, messages: result.denials.map((d) => d.message), errors: result.errors.map((e) => e.error) };
}

/** Runs every case through the flavour's engine, one batch per set of policies; returns the outcomes by case name. */
function engine(flavour: Flavour, cases: Case[]): Map<string, CliOutcome> {
  if (new Set(cases.map((c) => c.name)).size !== cases.length) throw new Error('case names must be unique');
  const bySet = new Map<K8sObject[], Case[]>();
  for (const c of cases) bySet.set(c.policies, [...(bySet.get(c.policies) ?? []), c]);
  const outcomes = new Map<string, CliOutcome>();
  for (const [policies, batch] of bySet) {
    const requests: CliRequest[] = batch.map((c, i) => ({
      id: `case-${cases.indexOf(c)}-${i}`, pod: c.pod, namespace: c.namespace, operation: c.operation ?? 'CREATE', userInfo: { username: c.username ?? 'alice' },
    }));
    const judged = flavour.judge(policies, requests);
    batch.forEach((c, i) => outcomes.set(c.name, judged.get(requests[i].id)!));
  }
  return outcomes;
}

/**
 * The differential: the same refusal (for the same reasons), the same pod.
 * Fails with the case's name and both sides' words.
 */
function expectAgreement(flavour: Flavour, c: Case, cli: CliOutcome, m: Verdict): void {
  const both = `case "${c.name}": ${flavour.engineRoute} ${cli.refused ? 'refuses' : 'admits'} (${JSON.stringify(cli.results)}), `
    + `the model ${m.refused ? 'refuses' : 'admits'} (${JSON.stringify({ denials: m.messages, errors: m.errors })})`;
  if (cli.refused !== m.refused) throw new Error(`${both}: they disagree`);
  const failures = cli.results.filter((r) => r.result === 'fail' && !isEvaluationError(r)).map((r) => r.message);
  const unexplained = failures.filter((f) => !m.messages.some((x) => f.includes(x)));
  if (unexplained.length) throw new Error(`${both}: the engine refuses for a reason the model does not give: ${unexplained.join('; ')}`);
  const cliErrors = cli.results.some(isEvaluationError);
  if (cliErrors !== (m.errors.length > 0)) throw new Error(`${both}: only one of them failed to evaluate`);
  try {
    expect(cli.mutated).toEqual(m.mutated);
  } catch (e) {
    throw new Error(`case "${c.name}": ${flavour.engineRoute} and the model mutate the pod differently\n${(e as Error).message}`);
  }
}

function expectOutcome(c: Case, cli: CliOutcome): void {
  if (!c.expect) return;
  if ('refused' in c.expect) {
    expect({ case: c.name, refused: cli.refused }).toEqual({ case: c.name, refused: true });
    expect(cli.results.filter((r) => r.result === 'fail' || r.result === 'error').map((r) => r.message).join('\n')).toMatch(c.expect.refused);
  } else {
    expect({ case: c.name, refused: cli.refused, results: cli.results.filter((r) => r.result !== 'pass' && r.result !== 'skip') })
      .toEqual({ case: c.name, refused: false, results: [] });
    if (c.expect.mutated) expect(cli.mutated).toEqual(c.expect.mutated);
  }
}

/** Every policy of `policies` the engine judged with a verdict (not skipped) on some case. */
function judgedPolicies(outcomes: Iterable<CliOutcome>): Set<string> {
  const out = new Set<string>();
  for (const o of outcomes) for (const r of o.results) if (r.result !== 'skip') out.add(r.policy);
  return out;
}

describe.each(FLAVOURS)('placement: $name', (flavour) => {
  const { objects, a, c: teamC, ns } = placementCluster(flavour.engine());
  const all = objects.filter(isKyverno);
  const guard = all.filter((o) => o.metadata.name === PLACEMENT_POLICY_NAME);
  const mutations = all.filter((o) => o.metadata.name !== PLACEMENT_POLICY_NAME);
  const customGuard = placementCluster(flavour.engine(), { placementExemptNamespaces: ['kube-system', 'monitoring'] }).objects
    .filter((o) => isKyverno(o) && o.metadata.name === PLACEMENT_POLICY_NAME);
  const ctx = { ns, a, c: teamC };
  /** A pod spec as the tenant's mutation leaves it: its toleration appended, its required node affinity set. */
  const placed = (p: TenantPlacement, spec: Record<string, unknown> = {}) => ({
    ...spec,
    tolerations: [...((spec.tolerations as unknown[]) ?? []), p.toleration],
    affinity: required(p.nodeSelectorTerm),
  });
  const gpu = { key: 'gpu', operator: 'Exists', effect: 'NoSchedule' };

  const cases: Case[] = [
    // Mutation and validation together, as admission runs them.
    { name: 'a bare tenant pod is placed and admitted', policies: all, namespace: ns('team-a'), pod: pod('team-a'), expect: { admitted: true, mutated: pod('team-a', placed(a)) } },
    {
      name: 'a tenant pod keeps its other tolerations, gets its own once, and every required term points at its nodes',
      policies: all,
      namespace: ns('team-a-batch'),
      pod: pod('team-a-batch', { tolerations: [gpu, a.toleration], affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }) }),
      expect: { admitted: true, mutated: pod('team-a-batch', { tolerations: [gpu, a.toleration], affinity: required(a.nodeSelectorTerm) }) },
    },
    ...admittedCases(ctx).map(([name, namespace, spec, username]): Case => (
      { name: `admits ${name}`, policies: all, namespace, pod: pod(namespace.metadata.name, spec), username, expect: { admitted: true } })),
    ...rejectedCases(ctx).map(([name, namespace, spec, message]): Case => (
      { name: `refuses, mutated, ${name}`, policies: all, namespace, pod: pod(namespace.metadata.name, spec), expect: { refused: message } })),
    { name: 'a tenant pod tolerating another tenant\'s taint does not get through the mutation', policies: all, namespace: ns('team-a'), pod: pod('team-a', { tolerations: [teamC.toleration] }), expect: { refused: /their own tenant/ } },
    // The validation alone (the mutation webhook down).
    { name: 'the validation alone refuses a bare tenant pod', policies: guard, namespace: ns('team-a'), pod: pod('team-a'), expect: { refused: /must tolerate and require the nodes of tenant team-a/ } },
    ...rejectedCases(ctx).map(([name, namespace, spec, message]): Case => (
      { name: `refuses, not mutated, ${name}`, policies: guard, namespace, pod: pod(namespace.metadata.name, spec), expect: { refused: message } })),
    ...validationAloneCases().map(([name, spec, message]): Case => (
      { name: `the validation alone refuses a tenant pod with ${name}`, policies: guard, namespace: ns('team-a'), pod: pod('team-a', spec), expect: { refused: message } })),
    {
      name: 'a scheduled tenant pod can still be updated (nodeName is set by then)',
      policies: guard,
      namespace: ns('team-a'),
      operation: 'UPDATE',
      pod: pod('team-a', { ...placed(a), nodeName: 'ip-10-0-1-1' }),
      expect: { admitted: true },
    },
    {
      name: 'a pod the engine cannot judge is refused (fails closed)',
      policies: guard,
      namespace: ns('team-b'),
      pod: pod('team-b', { tolerations: 'not-a-list' }),
      expect: { refused: /expected iterable type/ },
    },
    { name: 'an exempt namespace (placementExemptNamespaces) is not judged', policies: customGuard, namespace: monitoring, pod: pod('monitoring', { tolerations: [MALICIOUS_TOLERATION] }), expect: { admitted: true } },
    { name: 'a namespace that is not exempt is judged', policies: guard, namespace: monitoring, pod: pod('monitoring', { tolerations: [MALICIOUS_TOLERATION] }), expect: { refused: /may not tolerate every taint/ } },
    // The mutations alone.
    ...[[ns('team-b'), {}], [kubeSystem, { tolerations: [{ operator: 'Exists' }] }], [argocd, {}]].map(([namespace, spec]: any): Case => ({
      name: `the mutation leaves a pod in ${namespace.metadata.name} untouched`,
      policies: mutations,
      namespace,
      pod: pod(namespace.metadata.name, spec),
      expect: { admitted: true, mutated: pod(namespace.metadata.name, spec) },
    })),
    { name: 'another placed tenant gets its own values', policies: mutations, namespace: ns('team-c'), pod: pod('team-c'), expect: { admitted: true, mutated: pod('team-c', placed(teamC)) } },
    {
      name: 'the mutation runs on CREATE only',
      policies: mutations,
      namespace: ns('team-a'),
      operation: 'UPDATE',
      pod: pod('team-a', { tolerations: [{ key: 'gpu', operator: 'Exists' }] }),
      expect: { admitted: true, mutated: pod('team-a', { tolerations: [{ key: 'gpu', operator: 'Exists' }] }) },
    },
    { name: 'the toleration is not added twice', policies: mutations, namespace: ns('team-a'), pod: pod('team-a', { tolerations: [a.toleration] }), expect: { admitted: true, mutated: pod('team-a', placed(a, {})) } },
    (() => {
      const preferred = [{ weight: 1, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } }];
      const podAffinity = { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'zone', labelSelector: { matchLabels: { app: 'x' } } }] };
      return {
        name: 'a preferred node affinity and the pod affinity stay while the required terms are replaced',
        policies: mutations,
        namespace: ns('team-a'),
        pod: pod('team-a', { affinity: { podAffinity, nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: preferred } } }),
        expect: {
          admitted: true,
          mutated: pod('team-a', {
            tolerations: [a.toleration],
            affinity: {
              podAffinity,
              nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: preferred, ...required(a.nodeSelectorTerm).nodeAffinity },
            },
          }),
        },
      } as Case;
    })(),
  ];

  let outcomes: Map<string, CliOutcome>;
  beforeAll(() => {
    outcomes = engine(flavour, cases);
  });

  test.each(cases.map((c) => [c.name, c] as const))('engine and model agree: %s', (_, c) => {
    expectAgreement(flavour, c, outcomes.get(c.name)!, model(flavour, c));
  });

  test.each(cases.map((c) => [c.name, c] as const))('the engine does what the case requires: %s', (_, c) => {
    expectOutcome(c, outcomes.get(c.name)!);
  });

  test('every policy was judged, none only skipped', () => {
    expect([...judgedPolicies(outcomes.values())].sort()).toEqual([...new Set([...all, ...customGuard].map((o) => o.metadata.name))].sort());
  });

  if (flavour.legacy) {
    test('why the legacy ClusterPolicies go through the admission handlers: `kyverno apply` refuses a placed tenant pod they admit, its validate.cel shown no namespace labels', () => {
      const c = cases[0];
      const id = 'placed-tenant-pod';
      const cli = kyvernoApply(c.policies, [{ id, pod: c.pod, namespace: c.namespace, operation: 'CREATE', userInfo: { username: 'alice' } }]).get(id)!;
      expect(cli.refused).toBe(true);
      expect(cli.results.filter((r) => r.result === 'fail').map((r) => r.message).join('\n')).toMatch(/may only tolerate the cdk8s-tenancy.io\/tenant taint of their own tenant/);
      // The same engine, as the admission controller runs it, reads the namespace's tenant label and admits the same pod.
      expect(outcomes.get(c.name)!).toMatchObject({ refused: false, mutated: cli.mutated });
    });
  }
});

describe.each(FLAVOURS)('pod labels: $name', (flavour) => {
  const COST = 'example.com/cost-centre';
  const app = new App();
  new TenancyPlatform(app, 'platform', { placementEngine: flavour.engine() });
  const teamA = new SoftTenant(new Chart(app, 'team-a'), 'T', { name: 'team-a', namespaces: ['team-a', 'team-a-batch'], podLabels: TenantPodLabels.of({ [COST]: 'cc-1234' }) });
  teamA.addExtension(TenantPlacement.forTenant('team-a'));
  new SoftTenant(new Chart(app, 'team-b'), 'T', { name: 'team-b' });
  const objects = synthObjects(app);
  const all = objects.filter(isKyverno);
  const labelPolicies = all.filter((o) => o.metadata.name.startsWith(POD_LABELS_POLICY_NAME));
  const ns = (name: string) => objects.find((o) => o.kind === 'Namespace' && o.metadata.name === name)!;
  const labelled = (labels?: Record<string, string>) => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', ...(labels ? { labels } : {}) }, spec: { containers: [{ name: 'web', image: 'registry.example.com/web:1' }] },
  });
  const platformLabels = { [TENANT_LABEL]: 'team-a', [COST]: 'cc-1234' };

  const cases: Case[] = [
    ...['team-a', 'team-a-batch'].map((n): Case => ({
      name: `a pod without labels in ${n} gets the tenant and cost labels`,
      policies: labelPolicies,
      namespace: ns(n),
      pod: labelled(),
      expect: { admitted: true, mutated: labelled(platformLabels) },
    })),
    {
      name: 'a pod\'s own labels stay; the tenant\'s and the cost labels are the platform\'s',
      policies: labelPolicies,
      namespace: ns('team-a'),
      pod: labelled({ app: 'web', [TENANT_LABEL]: 'team-b', [COST]: 'someone-else' }),
      expect: { admitted: true, mutated: labelled({ app: 'web', ...platformLabels }) },
    },
    { name: 'a pod with a label of its own', policies: labelPolicies, namespace: ns('team-a'), pod: labelled({ app: 'web' }), expect: { admitted: true, mutated: labelled({ app: 'web', ...platformLabels }) } },
    { name: 'another tenant\'s pods are left alone', policies: labelPolicies, namespace: ns('team-b'), pod: labelled({ app: 'web' }), expect: { admitted: true, mutated: labelled({ app: 'web' }) } },
    { name: 'the mutation runs on CREATE only', policies: labelPolicies, namespace: ns('team-a'), operation: 'UPDATE', pod: labelled({ app: 'web' }), expect: { admitted: true, mutated: labelled({ app: 'web' }) } },
    // Every Kyverno policy of the platform at once: the labels and the placement, then the guard.
    {
      name: 'every policy of the platform at once: a bare tenant pod is labelled, placed and admitted',
      policies: all,
      namespace: ns('team-a'),
      pod: labelled(),
      expect: { admitted: true },
    },
  ];

  let outcomes: Map<string, CliOutcome>;
  beforeAll(() => {
    outcomes = engine(flavour, cases);
  });

  test.each(cases.map((c) => [c.name, c] as const))('engine and model agree: %s', (_, c) => {
    expectAgreement(flavour, c, outcomes.get(c.name)!, model(flavour, c));
  });

  test.each(cases.map((c) => [c.name, c] as const))('the engine does what the case requires: %s', (_, c) => {
    expectOutcome(c, outcomes.get(c.name)!);
  });

  test('the platform\'s policies at once: labels and placement both applied by the engine', () => {
    const { mutated } = outcomes.get(cases[cases.length - 1].name)!;
    expect(mutated.metadata.labels).toEqual(platformLabels);
    expect(mutated.spec.tolerations).toEqual([TenantPlacement.forTenant('team-a').toleration]);
  });

  test('every policy was judged, none only skipped', () => {
    expect([...judgedPolicies(outcomes.values())].sort()).toEqual(all.map((o) => o.metadata.name).sort());
  });
});

describe.each(FLAVOURS)('default StorageClass: $name', (flavour) => {
  const app = new App();
  new TenancyPlatform(app, 'platform', { placementEngine: flavour.engine() });
  new SoftTenant(new Chart(app, 'team-a'), 'T', { name: 'team-a', namespaces: ['team-a', 'team-a-batch'], storage: { storageClasses: TenantStorageClasses.only(['gp3', 'io2'], 'gp3') } });
  new SoftTenant(new Chart(app, 'team-b'), 'T', { name: 'team-b', storage: { storageClasses: TenantStorageClasses.only(['gp3']) } });
  const objects = synthObjects(app);
  const policies = objects.filter((o) => isKyverno(o) && o.metadata.name.startsWith('cdk8s-tenancy-storage-class'));
  const ns = (name: string) => objects.find((o) => o.kind === 'Namespace' && o.metadata.name === name)!;
  const claim = (spec: Record<string, unknown> = {}, annotations?: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', ...(annotations ? { annotations } : {}) },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
  });
  const legacy = { 'volume.beta.kubernetes.io/storage-class': 'io2' };

  const cases: Case[] = [
    ...['team-a', 'team-a-batch'].map((n): Case => ({
      name: `a claim naming no class in ${n} gets the tenant's default`,
      policies,
      namespace: ns(n),
      pod: claim(),
      expect: { admitted: true, mutated: claim({ storageClassName: 'gp3' }) },
    })),
    { name: 'a claim naming an allowed class keeps it', policies, namespace: ns('team-a'), pod: claim({ storageClassName: 'io2' }), expect: { admitted: true, mutated: claim({ storageClassName: 'io2' }) } },
    { name: 'the empty class (static binding) is a class: left alone', policies, namespace: ns('team-a'), pod: claim({ storageClassName: '' }), expect: { admitted: true, mutated: claim({ storageClassName: '' }) } },
    { name: 'a claim naming its class in the legacy annotation only is left alone', policies, namespace: ns('team-a'), pod: claim({}, legacy), expect: { admitted: true, mutated: claim({}, legacy) } },
    { name: 'a tenant without a default: left alone', policies, namespace: ns('team-b'), pod: claim(), expect: { admitted: true, mutated: claim() } },
    { name: 'the mutation runs on CREATE only', policies, namespace: ns('team-a'), operation: 'UPDATE', pod: claim(), expect: { admitted: true, mutated: claim() } },
  ];

  let outcomes: Map<string, CliOutcome>;
  beforeAll(() => {
    outcomes = engine(flavour, cases);
  });

  test('one policy, for the tenant with a default', () => {
    expect(policies.map((o) => o.metadata.name)).toEqual(['cdk8s-tenancy-storage-class-team-a']);
  });

  test.each(cases.map((c) => [c.name, c] as const))('engine and model agree: %s', (_, c) => {
    expectAgreement(flavour, c, outcomes.get(c.name)!, model(flavour, c));
  });

  test.each(cases.map((c) => [c.name, c] as const))('the engine does what the case requires: %s', (_, c) => {
    expectOutcome(c, outcomes.get(c.name)!);
  });

  test('every policy was judged, none only skipped', () => {
    expect([...judgedPolicies(outcomes.values())]).toEqual(['cdk8s-tenancy-storage-class-team-a']);
  });
});

test('the Kyverno policies the library emits are the ones judged here: seven emitters in src/', () => {
  // A new Kyverno emitter must join the cases above: this count is what makes it fail here first.
  const src = path.join(__dirname, '..', 'src');
  const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? (e.name === 'imports' ? [] : files(path.join(dir, e.name))) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
  const emitters = files(src).flatMap((f) => [...fs.readFileSync(f, 'utf8').matchAll(/apiVersion: '((?:policies\.)?kyverno\.io\/v\w+)',\s*kind: '(\w+)'/g)]
    .map((m) => `${path.relative(src, f)} ${m[1]} ${m[2]}`));
  expect(emitters.sort()).toEqual([
    'cost/tenant-pod-labels.ts kyverno.io/v1 ClusterPolicy',
    // the pod labels' and the default StorageClass's MutatingPolicy (both judged above)
    'placement/internal/cel-mutations.ts policies.kyverno.io/v1 MutatingPolicy',
    'placement/internal/kyverno.ts kyverno.io/v1 ClusterPolicy',
    'placement/internal/kyverno.ts kyverno.io/v1 ClusterPolicy',
    'placement/internal/kyverno.ts policies.kyverno.io/v1 MutatingPolicy',
    'placement/internal/kyverno.ts policies.kyverno.io/v1 ValidatingPolicy',
    'storage/default-storage-class.ts kyverno.io/v1 ClusterPolicy',
  ]);
});
