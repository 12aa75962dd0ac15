import { App, Chart } from 'cdk8s';
import { admit, AdmissionRequest } from './helpers/admission';
import { gatekeeperWebhook } from './helpers/gatekeeper';
import { kyvernoAdmission } from './helpers/kyverno-admission';
import { CliOutcome, kyvernoApply } from './helpers/kyverno-cli';
import { find, ofKind, synthObjects } from './helpers/manifests';
import { releaseOf, renderVClusterRelease, validateVClusterValues } from './helpers/vcluster-chart';
import { controlPlaneConfig, syncedPod } from './helpers/vcluster-synced-pod';
import {
  PLACEMENT_POLICY_NAME, PlacementEngine, SoftTenant, TenancyPlatform, TenantMember, TenantPlacement, VirtualClusterDelivery, VirtualTenantCluster,
} from 'cdk8s-tenancy';

/*
 * A virtual cluster on a tenant with dedicated nodes, under each placement
 * engine, judged by the real engines (issue #16): the real chart rendered
 * by real Helm with the library's values; the control plane's pod (its
 * StatefulSet's template) and the pod the syncer creates for a bare virtual
 * pod (helpers/vcluster-synced-pod.ts, from the rendered vcluster.yaml); then
 * the Kyverno CLI (CEL policies), Kyverno's admission handlers (legacy
 * ClusterPolicies) and Gatekeeper's
 * webhook code (Assign, then the ConstraintTemplate) with the platform's
 * policies. The ValidatingAdmissionPolicy engine is the API server's: its
 * model here (the same CEL text), the real server in the cluster tier
 * (test/cluster/vcluster-host.cluster.test.ts).
 */

// The engines and Helm are built from source on a cold cache (minutes on a loaded 2-core machine).
jest.setTimeout(30 * 60 * 1000);

const HOST = 'team-a-vc';
const TOLERATION = { key: 'cdk8s-tenancy.io/tenant', operator: 'Equal', value: 'team-a', effect: 'NoSchedule' };
const AFFINITY = {
  nodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [{ matchExpressions: [{ key: 'node-restriction.kubernetes.io/cdk8s-tenancy-tenant', operator: 'In', values: ['team-a'] }] }],
    },
  },
};
const SYNCER = `system:serviceaccount:${HOST}:vc-team-a`;
const STATEFULSET_CONTROLLER = 'system:serviceaccount:kube-system:statefulset-controller';

/** A placed tenant with a virtual cluster in its first namespace, on a platform with `engine`. */
function placedVirtualCluster(engine: PlacementEngine) {
  const app = new App();
  const platform = new TenancyPlatform(app, 'platform', { placementEngine: engine });
  const t = new SoftTenant(new Chart(app, 'team-a'), 'A', { name: 'team-a', namespaces: [HOST, 'team-a'], admins: [TenantMember.group('team-a-admins')], platform });
  t.addExtension(TenantPlacement.forTenant('team-a'));
  t.addExtension(VirtualTenantCluster.forTenant({ delivery: VirtualClusterDelivery.argoCd(), apiServerCidrs: ['10.0.0.0/16'] }));
  const objects = synthObjects(app);
  const release = releaseOf(ofKind(objects, 'Application')[0]);
  validateVClusterValues(release.values);
  const rendered = renderVClusterRelease(release);
  const statefulSet = ofKind(rendered, 'StatefulSet')[0];
  const controlPlanePod = {
    apiVersion: 'v1', kind: 'Pod', metadata: { ...statefulSet.spec.template.metadata, name: 'team-a-0', namespace: HOST }, spec: statefulSet.spec.template.spec,
  };
  const synced = syncedPod(HOST, 'team-a', controlPlaneConfig(rendered), 'web');
  return { objects, namespace: find(objects, 'Namespace', HOST), controlPlanePod, synced };
}

// One rendering serves every engine: the values do not depend on it (checked below).
const kyverno = placedVirtualCluster(PlacementEngine.kyverno());

test('the rendered chart: the control plane\'s pod tolerates and requires the tenant\'s nodes; the syncer is told the toleration, and nothing gives synced pods the affinity', () => {
  expect([kyverno.controlPlanePod.spec.tolerations, kyverno.controlPlanePod.spec.affinity]).toEqual([[TOLERATION], AFFINITY]);
  expect(kyverno.synced.spec.tolerations).toEqual([TOLERATION]);
  expect(kyverno.synced.spec.affinity).toBeUndefined();
  for (const engine of [PlacementEngine.kyvernoLegacyClusterPolicy(), PlacementEngine.gatekeeper()]) {
    const other = placedVirtualCluster(engine);
    expect([other.controlPlanePod.spec, other.synced]).toEqual([kyverno.controlPlanePod.spec, kyverno.synced]);
  }
});

describe('the ValidatingAdmissionPolicy engine (the API server\'s model; the real server: the cluster tier)', () => {
  // A VAP platform refuses the virtual cluster at synth (test/virtual-cluster.test.ts); its guard, for a tenant placed the same way, is what would judge the pods.
  const app = new App();
  const t = new SoftTenant(new Chart(app, 'team-a'), 'A', { name: 'team-a', namespaces: [HOST, 'team-a'] });
  t.addExtension(TenantPlacement.forTenant('team-a'));
  const objects = synthObjects(app);
  const request = (object: any, username: string): AdmissionRequest => ({
    operation: 'CREATE',
    resource: { group: '', version: 'v1', resource: 'pods' },
    namespace: HOST,
    object,
    oldObject: null,
    namespaceObject: find(objects, 'Namespace', HOST),
    userInfo: { username },
  });

  test('why the combination is refused: the guard refuses the pod the syncer creates (toleration, no affinity)', () => {
    const r = admit(objects, request(kyverno.synced, SYNCER));
    expect(r.allowed).toBe(false);
    expect(r.denials.map((d) => `${d.policy}: ${d.message}`)).toEqual([
      `${PLACEMENT_POLICY_NAME}: pods in namespace ${HOST} must tolerate and require the nodes of tenant team-a (node label node-restriction.kubernetes.io/cdk8s-tenancy-tenant): use TenantPlacement.applyTo(workload.scheduling), or a mutating placement engine`,
    ]);
  });

  test('the control plane\'s pod alone would be admitted: its scheduling comes from the values', () => {
    expect(admit(objects, request(kyverno.controlPlanePod, STATEFULSET_CONTROLLER))).toMatchObject({ allowed: true, errors: [] });
  });
});

describe('Kyverno (the real CLI)', () => {
  const placedPod = (p: any) => ({ ...p, spec: { ...p.spec, tolerations: [TOLERATION], affinity: AFFINITY } });

  describe('CEL policies (ValidatingPolicy, MutatingPolicy)', () => {
    const policies = kyverno.objects.filter((o) => o.apiVersion === 'policies.kyverno.io/v1');
    const guard = policies.filter((o) => o.kind === 'ValidatingPolicy');
    let outcomes: Map<string, CliOutcome>;
    beforeAll(() => {
      const req = (id: string, pod: any, username: string) => ({ id, pod, namespace: kyverno.namespace, operation: 'CREATE' as const, userInfo: { username } });
      outcomes = new Map([
        ...kyvernoApply(policies, [req('synced', kyverno.synced, SYNCER), req('control-plane', kyverno.controlPlanePod, STATEFULSET_CONTROLLER)]),
        ...[...kyvernoApply(guard, [req('synced', kyverno.synced, SYNCER)])].map(([k, v]) => [`guard-only ${k}`, v] as [string, CliOutcome]),
      ]);
    });

    test('the policies are the tenant\'s mutation and the platform\'s guard', () => {
      expect(policies.map((o) => `${o.kind} ${o.metadata.name}`).sort()).toEqual([`MutatingPolicy ${PLACEMENT_POLICY_NAME}-team-a`, `ValidatingPolicy ${PLACEMENT_POLICY_NAME}`]);
    });

    test('the synced pod is admitted, carrying the tenant\'s toleration once and its node affinity', () => {
      const o = outcomes.get('synced')!;
      expect({ refused: o.refused, failed: o.results.filter((r) => r.result !== 'pass' && r.result !== 'skip') }).toEqual({ refused: false, failed: [] });
      expect(o.results.filter((r) => r.result === 'pass').map((r) => r.policy).sort()).toEqual([`${PLACEMENT_POLICY_NAME}`, `${PLACEMENT_POLICY_NAME}-team-a`]);
      expect(o.mutated.spec).toEqual(placedPod(kyverno.synced).spec);
    });

    test('the control plane\'s pod is admitted unchanged but for the required terms, which it already has', () => {
      const o = outcomes.get('control-plane')!;
      expect(o.refused).toBe(false);
      expect([o.mutated.spec.tolerations, o.mutated.spec.affinity]).toEqual([[TOLERATION], AFFINITY]);
    });

    test('the guard alone (the mutation missing) refuses the synced pod: the mutation is what places it', () => {
      const o = outcomes.get('guard-only synced')!;
      expect(o.refused).toBe(true);
      expect(o.results.filter((r) => r.result === 'fail').map((r) => r.message).join('\n')).toMatch(/must tolerate and require the nodes of tenant team-a/);
    });
  });

  describe('legacy ClusterPolicies', () => {
    const legacy = placedVirtualCluster(PlacementEngine.kyvernoLegacyClusterPolicy());
    const policies = legacy.objects.filter((o) => o.apiVersion === 'kyverno.io/v1');
    const mutation = policies.filter((o) => o.metadata.name !== PLACEMENT_POLICY_NAME);

    const guard = policies.filter((o) => o.metadata.name === PLACEMENT_POLICY_NAME);
    // Kyverno's own admission handlers (helpers/kyverno-admission.ts): the CLI
    // shows a legacy validate.cel no namespace labels, the handlers do.
    let outcomes: Map<string, CliOutcome>;
    beforeAll(() => {
      const req = (id: string, pod: any) => ({ id, pod, namespace: legacy.namespace, operation: 'CREATE' as const, userInfo: { username: SYNCER } });
      outcomes = new Map([
        ...kyvernoAdmission(policies, [req('synced', legacy.synced)]),
        ...[...kyvernoAdmission(guard, [req('synced', legacy.synced)])].map(([k, v]) => [`guard-only ${k}`, v] as [string, CliOutcome]),
      ]);
    });

    test('the policies are the tenant\'s mutation and the platform\'s guard', () => {
      expect(mutation.map((o) => `${o.kind} ${o.metadata.name}`)).toEqual([`ClusterPolicy ${PLACEMENT_POLICY_NAME}-team-a`]);
      expect(guard.map((o) => `${o.kind} ${o.metadata.name}`)).toEqual([`ClusterPolicy ${PLACEMENT_POLICY_NAME}`]);
    });

    test('the mutation places the synced pod, and the guard then admits it', () => {
      const o = outcomes.get('synced')!;
      expect(o.refused).toBe(false);
      // The toleration was already there (enforceTolerations): the rule's precondition skips it; the affinity is added.
      expect(o.mutated.spec).toEqual(placedPod(legacy.synced).spec);
    });

    test('the guard alone (the mutation missing) refuses the synced pod', () => {
      const o = outcomes.get('guard-only synced')!;
      expect(o.refused).toBe(true);
      expect(o.results.filter((r) => r.result === 'fail').map((r) => r.message).join('\n')).toMatch(/must tolerate and require the nodes of tenant team-a/);
    });
  });
});

describe('Gatekeeper (its webhook code: Assign, then the ConstraintTemplate)', () => {
  const gk = placedVirtualCluster(PlacementEngine.gatekeeper());
  const installed = gk.objects.filter((o) => /gatekeeper\.sh\//.test(o.apiVersion));
  const verdicts = () => gatekeeperWebhook(installed, [
    { name: 'synced', operation: 'CREATE', namespace: gk.namespace, object: gk.synced, username: SYNCER, mutate: true },
    { name: 'synced, mutation webhook down', operation: 'CREATE', namespace: gk.namespace, object: gk.synced, username: SYNCER, mutate: false },
    { name: 'control plane', operation: 'CREATE', namespace: gk.namespace, object: gk.controlPlanePod, username: STATEFULSET_CONTROLLER, mutate: true },
  ]);
  let v: ReturnType<typeof gatekeeperWebhook>;
  beforeAll(() => {
    v = verdicts();
  });

  test('the objects are the guard (template, constraint) and the tenant\'s two Assigns', () => {
    expect(installed.map((o) => o.kind).sort()).toEqual(['Assign', 'Assign', 'Cdk8sTenancyPlacement', 'ConstraintTemplate']);
  });

  test('the synced pod is admitted, mutated to the tenant\'s toleration (once) and node affinity', () => {
    const [synced] = v;
    expect([synced.error, synced.denials, synced.mutated]).toEqual([undefined, [], true]);
    expect(synced.object!.spec.tolerations).toEqual([TOLERATION]);
    expect(synced.object!.spec.affinity).toEqual(AFFINITY);
  });

  test('without the mutation webhook the guard refuses it', () => {
    expect(v[1].denials.map((d) => d.message).join('\n')).toMatch(/must tolerate and require the nodes of tenant team-a/);
  });

  test('the control plane\'s pod is admitted', () => {
    expect([v[2].error, v[2].denials]).toEqual([undefined, []]);
    expect(v[2].object!.spec.affinity).toEqual(AFFINITY);
  });
});
