import { App, Chart, Size } from 'cdk8s';
import { k8s, PersistentVolumeAccessMode, PersistentVolumeClaim } from 'cdk8s-plus-27';
import { admit, AdmissionRequest } from './helpers/admission';
import { find, K8sObject, ofKind, synthObjects } from './helpers/manifests';
import { gatekeeperMutate, kyvernoCelMutate, kyvernoMutate, mutatingAdmissionPolicyMutate, MutationRequest } from './helpers/mutation';
import { GITOPS, kubeSystem, Requester } from './helpers/requesters';
import { validateAll } from './helpers/schema';
import { PlacementEngine, SoftTenant, SoftTenantProps, TenancyPlatform, TenantStorageClasses } from 'cdk8s-tenancy';

/*
 * A tenant's default StorageClass (issue #20 item 5): a claim that names no
 * class gets it from the platform's admission engine, proven by applying
 * the emitted mutation with the project's model of each engine
 * (test/helpers/mutation.ts) and then the storage guard's CEL model; by the
 * real engines in test/kyverno-engine.test.ts and test/gator.test.ts; and,
 * for the MutatingAdmissionPolicy, on the real API server
 * (test/cluster/default-storage-class.cluster.test.ts).
 */

const ANNOTATION = 'volume.beta.kubernetes.io/storage-class';
const PREFIX = 'cdk8s-tenancy-storage-class';

function build(engine: PlacementEngine) {
  const app = new App();
  new TenancyPlatform(app, 'platform', { placementEngine: engine });
  const a = new Chart(app, 'team-a');
  new SoftTenant(a, 'T', { name: 'team-a', namespaces: ['team-a', 'team-a-batch'], storage: { storageClasses: TenantStorageClasses.only(['gp3', 'io2'], 'gp3') } });
  new SoftTenant(new Chart(app, 'team-b'), 'T', { name: 'team-b', storage: { storageClasses: TenantStorageClasses.only(['gp3']) } });
  new SoftTenant(new Chart(app, 'team-c'), 'T', { name: 'team-c' });
  const objects = synthObjects(app);
  return { objects, mutators: a.toJson().filter((o: K8sObject) => o.metadata.name?.startsWith(PREFIX)) as K8sObject[] };
}

const ns = (objects: K8sObject[], name: string) => find(objects, 'Namespace', name);
const claim = (spec: Record<string, unknown> = {}, annotations?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'data', ...(annotations ? { annotations } : {}) },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});
const classOf = (o: Record<string, any>) => o.spec.storageClassName;

type Mutate = (m: K8sObject[], r: MutationRequest) => Record<string, any>;
type Engine = [string, () => PlacementEngine, Mutate, string[], boolean];
const ENGINES: Engine[] = [
  ['MutatingAdmissionPolicy (with the ValidatingAdmissionPolicy engine)', () => PlacementEngine.validatingAdmissionPolicy(), mutatingAdmissionPolicyMutate,
    ['MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding'], true],
  ['Kyverno MutatingPolicy', () => PlacementEngine.kyverno(), kyvernoCelMutate, ['MutatingPolicy'], true],
  ['Kyverno ClusterPolicy', () => PlacementEngine.kyvernoLegacyClusterPolicy(), kyvernoMutate, ['ClusterPolicy'], true],
  ['Gatekeeper Assign', () => PlacementEngine.gatekeeper(), gatekeeperMutate, ['Assign'], false],
];

/** The storage guard's verdict (CEL model) on a claim created by a tenant user. */
function guard(objects: K8sObject[], namespace: string, object: Record<string, any>) {
  const req: AdmissionRequest = {
    operation: 'CREATE',
    resource: { group: '', version: 'v1', resource: 'persistentvolumeclaims' },
    namespace,
    namespaceObject: ns(objects, namespace),
    object: { ...object, metadata: { ...object.metadata, namespace } },
    oldObject: null,
    userInfo: { username: 'alice', groups: ['team-a-admins', 'system:authenticated'] },
  };
  return admit(objects, req);
}

describe.each(ENGINES)('%s', (_, engine, mutate, kinds, seesAnnotation) => {
  const { objects, mutators } = build(engine());
  const run = (namespace: string, object: Record<string, any>, operation: 'CREATE' | 'UPDATE' = 'CREATE') =>
    mutate(objects, { pod: object, namespace: ns(objects, namespace), operation });

  test('what the tenant\'s chart holds for it', () => {
    expect(mutators.map((o) => o.kind)).toEqual(kinds);
    expect(mutators.every((o) => o.metadata.name === `${PREFIX}-team-a` && o.metadata.labels?.['cdk8s-tenancy.io/managed-by'] === 'cdk8s-tenancy')).toBe(true);
    expect(mutators).toMatchSnapshot();
  });

  test('valid against its schema', () => {
    // The MutatingAdmissionPolicy has no schema in kubernetes-models: the
    // real API server checks it (strict field validation) in the cluster tier.
    const checkable = mutators.filter((o) => o.apiVersion !== 'admissionregistration.k8s.io/v1');
    expect(validateAll(checkable)).toBe(checkable.length);
  });

  test.each(['team-a', 'team-a-batch'])('a claim naming no class in %s gets the default, which the guard admits', (namespace) => {
    const out = run(namespace, claim());
    expect(classOf(out)).toBe('gp3');
    expect(out.metadata).toEqual({ name: 'data' });
    expect(guard(objects, namespace, out)).toMatchObject({ allowed: true, errors: [] });
  });

  test('a claim naming an allowed class keeps it', () => {
    expect(classOf(run('team-a', claim({ storageClassName: 'io2' })))).toBe('io2');
  });

  test('a claim naming a class outside the list keeps it, and the guard refuses it naming the default', () => {
    const out = run('team-a', claim({ storageClassName: 'gp2' }));
    expect(classOf(out)).toBe('gp2');
    const verdict = guard(objects, 'team-a', out);
    expect(verdict.allowed).toBe(false);
    expect(verdict.denials.map((d) => d.message)).toEqual([expect.stringMatching(
      /^tenant team-a may only use the StorageClasses gp3, io2: .*A claim naming none gets the tenant's default, gp3, only where the cluster has no default StorageClass of its own$/)]);
  });

  test('the empty class (static binding) is a class: left alone, and refused by the guard', () => {
    const out = run('team-a', claim({ storageClassName: '' }));
    expect(classOf(out)).toBe('');
    expect(guard(objects, 'team-a', out).allowed).toBe(false);
  });

  test(seesAnnotation
    ? 'a claim naming its class in the legacy annotation only is left alone (the DefaultStorageClass plugin\'s "has a class")'
    : 'a claim naming its class in the legacy annotation only also gets the field (an Assign tests only its own path); the guard holds both', () => {
    const out = run('team-a', claim({}, { [ANNOTATION]: 'io2' }));
    expect(classOf(out)).toBe(seesAnnotation ? undefined : 'gp3');
    // io2 (and gp3) are the tenant's: admitted either way.
    expect(guard(objects, 'team-a', out)).toMatchObject({ allowed: true, errors: [] });
  });

  test('claims of a tenant without a default, and of a tenant with any class, are left alone', () => {
    expect(classOf(run('team-b', claim()))).toBeUndefined();
    expect(classOf(run('team-c', claim()))).toBeUndefined();
  });

  if (seesAnnotation) {
    test('the mutation runs on CREATE only', () => {
      expect(classOf(run('team-a', claim(), 'UPDATE'))).toBeUndefined();
    });
  }
});

describe('the storage guard with a default', () => {
  const { objects } = build(PlacementEngine.validatingAdmissionPolicy());

  test('a claim naming no class that reaches the guard (the mutation did not run) is refused, naming the default', () => {
    const verdict = guard(objects, 'team-a', claim());
    expect(verdict.allowed).toBe(false);
    expect(verdict.denials[0].message).toMatch(/gets the tenant's default, gp3, only where the cluster has no default StorageClass/);
  });

  test('the cluster\'s default class set by the DefaultStorageClass plugin is held to the list like any other', () => {
    // The plugin runs before every mutation: the claim arrives with the cluster's class.
    expect(guard(objects, 'team-a', run(objects, claim({ storageClassName: 'gp2' }))).allowed).toBe(false);
    expect(guard(objects, 'team-a', run(objects, claim({ storageClassName: 'io2' }))).allowed).toBe(true);
  });

  test('a tenant without a default: the message names none', () => {
    const verdict = guard(objects, 'team-b', claim());
    expect(verdict.denials[0].message).toMatch(/^tenant team-b may only use the StorageClasses gp3: name one in spec.storageClassName \(and in the volume.beta.kubernetes.io\/storage-class annotation, if set\)$/);
  });

  test('the rules the guard reads: the default as a list of one, only for the tenant that has one', () => {
    const policy = find(objects, 'ValidatingAdmissionPolicy', 'cdk8s-tenancy-storage');
    expect(policy.spec.variables.find((v: any) => v.name === 'all').expression)
      .toBe('{"team-a":{"classes":["gp3","io2"],"defaultClass":["gp3"]},"team-b":{"classes":["gp3"]}}');
  });

  function run(all: K8sObject[], object: Record<string, any>) {
    return mutatingAdmissionPolicyMutate(all, { pod: object, namespace: ns(all, 'team-a') });
  }
});

test('no default: no mutation (existing apps keep their output)', () => {
  const app = new App();
  new SoftTenant(new Chart(app, 'a'), 'A', { name: 'team-a', storage: { storageClasses: TenantStorageClasses.only(['gp3']) } });
  new SoftTenant(new Chart(app, 'b'), 'B', { name: 'team-b' });
  const objects = synthObjects(app);
  expect(objects.filter((o) => o.metadata.name?.startsWith(PREFIX))).toEqual([]);
  expect(ofKind(objects, 'MutatingAdmissionPolicy')).toEqual([]);
});

describe('applyPodDefaults writes the default into claims that name no class', () => {
  const app = new App();
  const chart = new Chart(app, 'team-a');
  const tenant = new SoftTenant(chart, 'T', { name: 'team-a', storage: { storageClasses: TenantStorageClasses.only(['gp3', 'io2'], 'gp3') } });
  const template = (name: string, spec: Record<string, unknown> = {}, annotations?: Record<string, string>) => ({
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: k8s.Quantity.fromString('1Gi') } }, ...spec },
  });
  const RWO = [PersistentVolumeAccessMode.READ_WRITE_ONCE];
  const db = new k8s.KubeStatefulSet(chart, 'db', {
    metadata: { name: 'db', namespace: 'team-a' },
    spec: {
      serviceName: 'db',
      selector: { matchLabels: { app: 'db' } },
      // A pod the tenant's `restricted` namespace admits (the cluster tier applies every test's objects).
      template: {
        metadata: { labels: { app: 'db' } },
        spec: {
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{ name: 'db', image: 'registry.example.com/db:1', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
        },
      },
      volumeClaimTemplates: [template('data'), template('fast', { storageClassName: 'io2' }), template('static', { storageClassName: '' }), template('legacy', {}, { [ANNOTATION]: 'io2' })],
    },
  });
  tenant.applyPodDefaults(db);
  tenant.applyPodDefaults(new k8s.KubePersistentVolumeClaim(chart, 'scratch', { metadata: { name: 'scratch', namespace: 'team-a' }, spec: template('scratch').spec }));
  tenant.applyPodDefaults(new PersistentVolumeClaim(chart, 'plus', { metadata: { name: 'plus', namespace: 'team-a' }, storage: Size.gibibytes(1), accessModes: RWO }));
  tenant.applyPodDefaults(new PersistentVolumeClaim(chart, 'plus-io2', { metadata: { name: 'plus-io2', namespace: 'team-a' }, storage: Size.gibibytes(1), storageClassName: 'io2', accessModes: RWO }));
  const objects = synthObjects(app);

  test('a StatefulSet: templates naming none get it; a class, the empty class and the legacy annotation are kept', () => {
    const [sts] = ofKind(objects, 'StatefulSet', 'team-a');
    expect(sts.spec.volumeClaimTemplates.map((t: any) => [t.metadata.name, t.spec.storageClassName]))
      .toEqual([['data', 'gp3'], ['fast', 'io2'], ['static', ''], ['legacy', undefined]]);
  });

  test('PersistentVolumeClaims, k8s and cdk8s-plus alike', () => {
    expect(ofKind(objects, 'PersistentVolumeClaim', 'team-a').map((c) => [c.metadata.name, c.spec.storageClassName]))
      .toEqual([['scratch', 'gp3'], ['plus', 'gp3'], ['plus-io2', 'io2']]);
  });

  test('the claims written so are admitted by the guard as they are applied (the GitOps controller, the StatefulSet controller)', () => {
    const admitted = (who: Requester, object: Record<string, any>) => admit(objects, {
      operation: 'CREATE',
      resource: { group: '', version: 'v1', resource: 'persistentvolumeclaims' },
      namespace: 'team-a',
      namespaceObject: ns(objects, 'team-a'),
      object,
      oldObject: null,
      ...who,
    }).allowed;
    for (const c of ofKind(objects, 'PersistentVolumeClaim', 'team-a')) expect(admitted(GITOPS, c)).toBe(true);
    const [sts] = ofKind(objects, 'StatefulSet', 'team-a');
    expect(admitted(kubeSystem('statefulset-controller'), { apiVersion: 'v1', kind: 'PersistentVolumeClaim', ...sts.spec.volumeClaimTemplates[0] })).toBe(true);
  });

  test('a tenant without a default leaves claims alone', () => {
    const other = new Chart(new App(), 'team-b');
    const plain = new SoftTenant(other, 'T', { name: 'team-b', storage: { storageClasses: TenantStorageClasses.only(['gp3']) } });
    plain.applyPodDefaults(new k8s.KubePersistentVolumeClaim(other, 'c', { metadata: { name: 'c', namespace: 'team-b' }, spec: template('c').spec }));
    expect(ofKind(other.toJson(), 'PersistentVolumeClaim')[0].spec.storageClassName).toBeUndefined();
  });
});

describe('bad values: a clear error naming the prop, the value and what is allowed; nothing emitted', () => {
  test.each<[string, Partial<SoftTenantProps>, RegExp]>([
    ['a default not in the list', { storage: { storageClasses: TenantStorageClasses.only(['gp3', 'io2'], 'gp2') } },
      /tenants\/TeamA: invalid storage.storageClasses default 'gp2': must be one of the allowed classes \(gp3, io2\)\.$/],
    ['an empty default', { storage: { storageClasses: TenantStorageClasses.only(['gp3'], '') } }, /invalid storage.storageClasses default '': must be one of the allowed classes \(gp3\)/],
    ['a default that is not a string', { storage: { storageClasses: TenantStorageClasses.only(['gp3'], 3 as any) } }, /invalid storage.storageClasses default 3: must be one of the allowed classes \(gp3\)/],
    ['a default among bad classes: the class is named first', { storage: { storageClasses: TenantStorageClasses.only(['GP3'], 'GP3') } }, /invalid storage.storageClasses\[0\] 'GP3': must be a StorageClass name/],
  ])('%s', (_, props, message) => {
    const app = new App();
    const chart = new Chart(app, 'tenants');
    expect(() => new SoftTenant(chart, 'TeamA', { name: 'team-a', ...props })).toThrow(message);
    expect(chart.toJson()).toEqual([]);
  });
});
