import { App, Chart } from 'cdk8s';
import { describeResult, Identity } from './client';
import { ALLOWED, Case, judgeCase, POD_SECURITY, policy, RBAC } from './differential';
import { podsOf } from './example-suite';
import {
  ARGOCD, applyAsGitOps, BOOTSTRAP_RBAC, installControllerNamespaces, installCrds, objectRef, serviceAccount, useCluster,
  waitForAccess, waitForDefaultServiceAccount, waitForPoliciesEnforced, waitForQuotas,
} from './fixture';
import { vcluster } from '../../examples/vcluster/app';
import { SERVICE_POLICY_NAME } from '../../src/network/service-guard';
import { PLACEMENT_POLICY_NAME } from '../../src/placement/internal/rules';
import { SANDBOX_POLICY_NAME } from '../../src/sandbox/guard';
import { STORAGE_POLICY_NAME } from '../../src/storage/storage-guard';
import { parsePodSecurityVersion, podSecurityViolations } from '../../src/tenant/internal/pod-security-standards';
import { gatekeeperWebhook } from '../helpers/gatekeeper';
import { kyvernoApply } from '../helpers/kyverno-cli';
import { find, K8sObject, synthObjects } from '../helpers/manifests';
import { releaseOf, renderVClusterRelease } from '../helpers/vcluster-chart';
import { controlPlaneConfig, syncedPod as syncerPod } from '../helpers/vcluster-synced-pod';
import {
  NODE_RESTRICTION_TENANT_LABEL, PlacementEngine, PodSecurityLevel, SoftTenant, TenancyPlatform, TENANT_LABEL, TenantMember, TenantPlacement,
  TenantPriorityClass, TenantRegistries, TenantSandbox, TenantStorageClasses, VirtualClusterDelivery, VirtualTenantCluster,
} from 'cdk8s-tenancy';

/*
 * The vcluster chart on the real API server, in the tenant's host namespace:
 * every virtual cluster the library can emit here (examples/vcluster's, by
 * Argo CD and by Flux; a baseline tenant's with user values; a sandboxed
 * tenant's with a default priority class; the one of a tenant held to its
 * registry, with the chart's images mirrored there) is rendered by real Helm with
 * exactly the values the library wrote, for the server's own Kubernetes
 * version, and applied as the platform's GitOps controller applies a chart
 * (server-side apply, strict field validation) after the tenant's own
 * output (namespace, Pod Security labels, quota, LimitRange, NetworkPolicies,
 * guards). Then the pods the chart's workloads become, the claims its
 * StatefulSet makes, and the requests the control plane's syncer makes with
 * the Role the chart gives it, are admitted or refused by the real layers,
 * next to the models' verdict. A tenant on dedicated nodes gets its virtual
 * cluster only with a mutating placement engine: its release (from a Kyverno
 * platform) is applied here under this server's ValidatingAdmissionPolicy
 * guard, which refuses the syncer's pod until the mutation's affinity is
 * added (the engines' mutation itself: test/vcluster-placement.test.ts).
 * What is not proven here: NetworkPolicy
 * enforcement (no CNI; the reachability evaluator's), and the syncer itself
 * (not run: its requests are stand-ins of the shape it makes).
 */

// Helm is built from source on a cold cache (minutes on a loaded 2-core machine).
jest.setTimeout(30 * 60 * 1000);

const API_SERVER_CIDRS = ['10.0.0.0/16'];

const app = new App();
vcluster(app);
// A baseline tenant held to one StorageClass, whose virtual cluster syncs
// ingresses, sets resources and puts its data on that class (the user values
// the library lets through).
const STORAGE_CLASS = 'tenant-ssd';
const legacy = new SoftTenant(new Chart(app, 'legacy'), 'Legacy', {
  name: 'legacy',
  admins: [TenantMember.group('legacy-admins')],
  podSecurity: PodSecurityLevel.baseline('images that run as root'),
  storage: { storageClasses: TenantStorageClasses.only([STORAGE_CLASS]) },
});
legacy.addExtension(VirtualTenantCluster.forTenant({
  delivery: VirtualClusterDelivery.flux(),
  apiServerCidrs: API_SERVER_CIDRS,
  name: 'dev',
  values: {
    controlPlane: { statefulSet: { resources: { limits: { memory: '1Gi' } }, persistence: { volumeClaim: { storageClass: STORAGE_CLASS } } } },
    sync: { toHost: { ingresses: { enabled: true } } },
  },
}));
// A tenant on dedicated nodes, without a virtual cluster: its placement guard binds every namespace, the host namespaces included.
const placed = new SoftTenant(new Chart(app, 'placed'), 'Placed', { name: 'placed', admins: [TenantMember.group('placed-admins')] });
placed.addExtension(TenantPlacement.forTenant('placed'));

/**
 * The release the same tenant gets with a virtual cluster: only on a
 * platform with a mutating placement engine (Kyverno or Gatekeeper; with this
 * cluster's ValidatingAdmissionPolicy engine the library refuses it at
 * synth, test/virtual-cluster.test.ts). Applied into the placed tenant's
 * namespace, under this cluster's ValidatingAdmissionPolicy guard: the same
 * rules the mutating engines validate with, without their mutation.
 */
function placedRelease(engine: PlacementEngine) {
  const other = new App();
  const platform = new TenancyPlatform(other, 'platform', { placementEngine: engine });
  const t = new SoftTenant(new Chart(other, 'placed'), 'Placed', { name: 'placed', admins: [TenantMember.group('placed-admins')], platform });
  t.addExtension(TenantPlacement.forTenant('placed'));
  t.addExtension(VirtualTenantCluster.forTenant({ delivery: VirtualClusterDelivery.argoCd(), apiServerCidrs: API_SERVER_CIDRS }));
  const out = synthObjects(other);
  return { objects: out, release: releaseOf(out.find((o) => o.kind === 'Application')!), namespace: out.find((o) => o.kind === 'Namespace' && o.metadata.name === 'placed')! };
}
const PLACED_RELEASE = placedRelease(PlacementEngine.kyverno());
const GATEKEEPER_PLATFORM = placedRelease(PlacementEngine.gatekeeper());
// A sandboxed tenant with a default priority class: both guards bind the control plane and every pod it syncs.
const sandboxed = new SoftTenant(new Chart(app, 'sandboxed'), 'Sandboxed', {
  name: 'sandboxed',
  admins: [TenantMember.group('sandboxed-admins')],
  priorityClasses: [TenantPriorityClass.of('tenant-standard')],
  defaultPriorityClass: 'tenant-standard',
});
sandboxed.platform.addPriorityClass('tenant-standard', { value: 1000, description: 'Tenant workloads' });
sandboxed.addExtension(TenantSandbox.gvisor());
sandboxed.addExtension(VirtualTenantCluster.forTenant({ delivery: VirtualClusterDelivery.argoCd(), apiServerCidrs: API_SERVER_CIDRS }));

// A tenant held to its own registry: the chart's images must come from a mirror there (controlPlane.advanced.defaultImageRegistry).
const MIRROR = 'registry.example.com/vcluster-mirror';
const mirrored = new SoftTenant(new Chart(app, 'mirrored'), 'Mirrored', {
  name: 'mirrored',
  admins: [TenantMember.group('mirrored-admins')],
  images: { registries: TenantRegistries.only(['registry.example.com']) },
});
mirrored.addExtension(VirtualTenantCluster.forTenant({
  delivery: VirtualClusterDelivery.argoCd(),
  apiServerCidrs: API_SERVER_CIDRS,
  values: { controlPlane: { advanced: { defaultImageRegistry: MIRROR } } },
}));

// The cluster's plain RuntimeClass, next to the sandbox's (the RuntimeClass admission refuses a pod naming one that does not exist).
const RUNC: K8sObject = { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'runc' }, handler: 'runc' } as any;
const objects = [...synthObjects(app), RUNC];
const RELEASES = objects.filter((o) => (o.kind === 'Application' && o.spec.source?.chart === 'vcluster') || o.kind === 'HelmRelease');

/** Flux's helm-controller, bound to cluster-admin by Flux's own install (as Argo CD's controller is by its). */
const FLUX_HELM_CONTROLLER = serviceAccount('flux-system', 'helm-controller');
const FLUX_RBAC: K8sObject = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: { name: 'flux-helm-controller' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
  subjects: [{ kind: 'ServiceAccount', name: 'helm-controller', namespace: 'flux-system' }],
} as any;

const statefulSetController = serviceAccount('kube-system', 'statefulset-controller');

/** Who applies a release's rendered chart: the controller that owns the release object. */
const installerOf = (release: K8sObject): Identity => (release.kind === 'HelmRelease' ? FLUX_HELM_CONTROLLER : ARGOCD);

/** The service account the control plane (and its syncer) runs as: the subject of the chart's RoleBinding. */
function syncerOf(rendered: K8sObject[]): Identity {
  const subjects = rendered.filter((o) => o.kind === 'RoleBinding').flatMap((b) => b.subjects).filter((s: any) => s.kind === 'ServiceAccount');
  if (subjects.length !== 1) throw new Error(`expected the chart to bind one service account, found ${JSON.stringify(subjects)}`);
  return serviceAccount(subjects[0].namespace, subjects[0].name);
}

/** The service account synced pods run as: the chart's other ServiceAccount (the workload one), not the control plane's. */
function workloadServiceAccountOf(rendered: K8sObject[]): string {
  const control = syncerOf(rendered).username.split(':')[3];
  const others = rendered.filter((o) => o.kind === 'ServiceAccount' && o.metadata.name !== control).map((o) => o.metadata.name);
  if (others.length !== 1) throw new Error(`expected one workload ServiceAccount in the chart, found ${JSON.stringify(others)}`);
  return others[0];
}

/**
 * A pod as the syncer writes a tenant's virtual pod into the host namespace:
 * the workload service account and no token (as its pod translator sets
 * them), the classes vcluster.yaml sets on every synced pod
 * (sync.toHost.pods), a container within the LimitRange.
 * `securityContext` adds to the container's.
 */
function syncedPod(namespace: string, config: any, name: string, securityContext: Record<string, unknown> = {},
  serviceAccountName?: string): K8sObject {
  const pods = config.sync?.toHost?.pods ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { 'vcluster.loft.sh/managed-by': 'stand-in' } },
    spec: {
      ...(serviceAccountName ? { serviceAccountName } : {}),
      ...(pods.runtimeClassName ? { runtimeClassName: pods.runtimeClassName } : {}),
      ...(pods.priorityClassName ? { priorityClassName: pods.priorityClassName } : {}),
      automountServiceAccountToken: false,
      containers: [{
        name: 'app',
        image: 'registry.example.com/app:1',
        resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '100m', memory: '128Mi' } },
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 10001,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
          ...securityContext,
        },
      }],
    },
  } as any;
}

/**
 * A synced pod of a StatefulSet inside the virtual cluster: vcluster adds an
 * init container rewriting /etc/hosts (sync.toHost.pods.rewriteHosts, on by
 * default), with the security context its pod translator writes
 * (pkg/controllers/resources/pods/translate/hosts.go: non-root, no privilege
 * escalation, every capability dropped, RuntimeDefault seccomp) and the
 * resources vcluster.yaml gives it.
 */
function syncedStatefulSetPod(namespace: string, config: any, name: string, serviceAccountName: string): K8sObject {
  const pod: any = syncedPod(namespace, config, name, {}, serviceAccountName);
  const rewrite = config.sync.toHost.pods.rewriteHosts;
  pod.spec.volumes = [{ name: 'vcluster-rewrite-hosts', emptyDir: {} }];
  pod.spec.initContainers = [{
    name: 'vcluster-rewrite-hosts',
    // The chart's image rule (templates/_helper.tpl "vcluster.image"): the default registry, when set, replaces the image's own.
    image: `${config.controlPlane?.advanced?.defaultImageRegistry || rewrite.initContainer.image.registry}/${rewrite.initContainer.image.repository}:${rewrite.initContainer.image.tag}`,
    command: ['sh'],
    args: ['-c', 'sed -E -e s/x/y/ /etc/hosts > /hosts/hosts'],
    securityContext: {
      runAsUser: 12345,
      runAsGroup: 12345,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      allowPrivilegeEscalation: false,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    resources: rewrite.initContainer.resources,
    volumeMounts: [{ mountPath: '/hosts', name: 'vcluster-rewrite-hosts' }],
  }];
  pod.spec.containers[0].volumeMounts = [{ mountPath: '/etc/hosts', name: 'vcluster-rewrite-hosts', subPath: 'hosts' }];
  return pod;
}

/** `pod` with `spec` merged into its spec. */
const withSpec = (pod: K8sObject, spec: Record<string, unknown>): K8sObject => ({ ...pod, spec: { ...pod.spec, ...spec } });

/** The claims a StatefulSet's controller makes for its first replica. */
function claimsOf(rendered: K8sObject[]): K8sObject[] {
  return rendered.filter((o) => o.kind === 'StatefulSet').flatMap((s) => (s.spec.volumeClaimTemplates ?? []).map((t: any) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: `${t.metadata.name}-${s.metadata.name}-0`, namespace: s.metadata.namespace, labels: s.spec.selector.matchLabels },
    spec: t.spec,
  })));
}

/** The StorageClass a release's values put the control plane's data on, if any. */
const storageClassOf = (values: Record<string, any>): string | undefined => values.controlPlane?.statefulSet?.persistence?.volumeClaim?.storageClass;

/** An object as the syncer writes one of the tenant's virtual objects into the host namespace (name translated, label of the syncer). */
function synced(kind: string, namespace: string, name: string, body: Record<string, unknown>, apiVersion = 'v1'): K8sObject {
  return { apiVersion, kind, metadata: { name, namespace, labels: { 'vcluster.loft.sh/managed-by': 'stand-in' } }, ...body } as any;
}

/** A Service the syncer writes for a virtual Service: its selector translated to the synced pods' labels. */
const syncedService = (namespace: string, name: string, spec: Record<string, unknown>): K8sObject =>
  synced('Service', namespace, name, { spec: { ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }], ...spec } });

/** A claim the syncer writes for a virtual claim. */
const syncedClaim = (namespace: string, name: string, spec: Record<string, unknown>): K8sObject =>
  synced('PersistentVolumeClaim', namespace, name, { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec } });

/** Another tenant's pod address, as a selectorless virtual Service's Endpoints would name it (CVE-2021-25740). */
const FOREIGN_POD_IP = '10.244.7.12';

/** The Endpoints the syncer would write for a selectorless virtual Service whose virtual Endpoints name FOREIGN_POD_IP. */
const foreignEndpoints = (namespace: string): K8sObject =>
  synced('Endpoints', namespace, 'db-x-default-x-vc', { subsets: [{ addresses: [{ ip: FOREIGN_POD_IP }], ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] }] });

/** The same as an EndpointSlice. */
const foreignEndpointSlice = (namespace: string): K8sObject => synced('EndpointSlice', namespace, 'db-x-default-x-vc-abcde', {
  addressType: 'IPv4',
  endpoints: [{ addresses: [FOREIGN_POD_IP] }],
  ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
}, 'discovery.k8s.io/v1');

/** A namespace's labels, as the tenants' output declares them. */
const labelsOf = (namespace: string): Record<string, string> => find(objects, 'Namespace', namespace).metadata.labels ?? {};

const cluster = useCluster('vcluster-host');
const rendered = new Map<K8sObject, K8sObject[]>();

beforeAll(async () => {
  const { client, env } = cluster();
  await installCrds(client, objects);
  await installControllerNamespaces(client, objects);
  const failures = await applyAsGitOps(client, objects);
  if (failures.length > 0) throw new Error(`applying the tenants: ${failures.map((f) => `${f.object}: ${describeResult(f.result)}`).join('\n')}`);
  await client.must('POST', (await client.paths(FLUX_RBAC)).collection, FLUX_RBAC);
  for (const r of RELEASES) {
    // Rendered for the server's version, as the controller renders for the cluster it deploys to (the chart's Role differs from 1.35 on).
    rendered.set(r, renderVClusterRelease(releaseOf(r), env.version));
    const ns = releaseOf(r).namespace;
    await waitForDefaultServiceAccount(client, ns);
    await waitForQuotas(client, ns);
  }
  await waitForPoliciesEnforced(client);
}, 30 * 60 * 1000);

test('the fixture is what the cases assume: five releases, each into a host namespace of its tenant, at the level the tenant enforces', () => {
  const hosts = RELEASES.map((r) => {
    const ns = releaseOf(r).namespace;
    return `${r.kind} ${releaseOf(r).releaseName} -> ${ns} (${labelsOf(ns)[TENANT_LABEL]}, ${labelsOf(ns)['pod-security.kubernetes.io/enforce']})`;
  });
  expect(hosts).toEqual([
    'Application platform-team -> platform-team-vc (platform-team, restricted)',
    'HelmRelease research -> research (research, restricted)',
    'HelmRelease dev -> legacy (legacy, baseline)',
    'Application sandboxed -> sandboxed (sandboxed, restricted)',
    'Application mirrored -> mirrored (mirrored, restricted)',
  ]);
});

test('why a tenant held to its registries needs the chart\'s images mirrored: without the mirror, the image guard refuses the control plane', async () => {
  const { client } = cluster();
  const release = RELEASES.find((r) => releaseOf(r).releaseName === 'mirrored')!;
  const { controlPlane, ...rest } = releaseOf(release).values as any;
  const { advanced, ...controlPlaneRest } = controlPlane;
  expect(advanced).toEqual({ defaultImageRegistry: MIRROR });
  const unmirrored = renderVClusterRelease({ ...releaseOf(release), values: { ...rest, controlPlane: controlPlaneRest } }, cluster().env.version);
  const statefulSet = unmirrored.find((o) => o.kind === 'StatefulSet')!;
  const r = await client.apply(statefulSet, { as: ARGOCD, fieldManager: 'argocd-controller', dryRun: true });
  expect([describeResult(r).slice(0, 60), r.ok ? undefined : r.denial.policy]).toEqual([expect.stringMatching(/^refused by policy/), 'cdk8s-tenancy-images']);
  expect(r.ok ? '' : r.denial.message).toMatch(/must come from registry\.example\.com/);
  // With the mirror, every image of the chart is in the tenant's registry.
  const images = rendered.get(release)!.filter((o) => o.kind === 'StatefulSet')
    .flatMap((o) => [...(o.spec.template.spec.initContainers ?? []), ...o.spec.template.spec.containers]).map((c: any) => c.image);
  expect(images.length).toBeGreaterThan(0);
  expect(images.filter((i: string) => !i.startsWith(`${MIRROR}/`))).toEqual([]);
});

test('why the endpoints sync is locked off: with the chart\'s defaults, the API server lets the syncer write Endpoints and EndpointSlices of any address', async () => {
  const { client, env } = cluster();
  // The Argo CD example's release, rendered under another name with the chart's defaults for the two syncs (on).
  const r = releaseOf(RELEASES[0]);
  const sync = (r.values as any).sync;
  const unlocked = renderVClusterRelease({
    ...r,
    releaseName: 'unlocked',
    values: { ...r.values, sync: { ...sync, toHost: { ...sync.toHost, endpoints: { enabled: true }, endpointSlices: { enabled: true } } } },
  }, env.version);
  const rbacOnly = unlocked.filter((o) => ['ServiceAccount', 'Role', 'RoleBinding'].includes(o.kind));
  expect(rbacOnly.map(objectRef).sort()).toEqual([
    `Role ${r.namespace}/vc-unlocked`, `RoleBinding ${r.namespace}/vc-unlocked`, `ServiceAccount ${r.namespace}/vc-unlocked`, `ServiceAccount ${r.namespace}/vc-workload-unlocked`,
  ].sort());
  const failures = await applyAsGitOps(client, rbacOnly, ARGOCD);
  expect(failures.map((f) => `${f.object}: ${describeResult(f.result)}`)).toEqual([]);
  const syncer = syncerOf(unlocked);
  expect(syncer.username).toBe(`system:serviceaccount:${r.namespace}:vc-unlocked`);
  // The Role was just applied: wait until the authorizer has it (this case once failed 1 run in 10 without).
  await waitForAccess(client, syncer, r.namespace, 'create', 'endpoints');
  await waitForAccess(client, syncer, r.namespace, 'create', 'endpointslices', 'discovery.k8s.io');
  const rbac = [...objects, ...rbacOnly, ...BOOTSTRAP_RBAC];
  await judgeCase({ name: 'the unlocked syncer writes Endpoints to another tenant\'s pod', as: syncer, operation: 'CREATE', object: foreignEndpoints(r.namespace), expect: ALLOWED }, objects, rbac, client);
  await judgeCase({ name: 'the unlocked syncer writes an EndpointSlice to another tenant\'s pod', as: syncer, operation: 'CREATE', object: foreignEndpointSlice(r.namespace), expect: ALLOWED }, objects, rbac, client);
});

describe.each(RELEASES.map((r) => [`${r.kind} ${releaseOf(r).releaseName} in ${releaseOf(r).namespace}`, r] as const))('vcluster %s', (_, release) => {
  const { namespace, values } = releaseOf(release);
  const chart = () => rendered.get(release)!;
  const level = () => labelsOf(namespace)['pod-security.kubernetes.io/enforce'];
  const version = () => parsePodSecurityVersion(labelsOf(namespace)['pod-security.kubernetes.io/enforce-version']) ?? 'latest';
  const rbac = () => [...objects, ...chart(), ...BOOTSTRAP_RBAC, FLUX_RBAC];

  test('the chart renders namespaced objects in the host namespace only: nothing cluster-scoped (by the server\'s discovery), nothing elsewhere', async () => {
    const { client } = cluster();
    const clusterScoped: string[] = [];
    for (const o of chart()) if (!(await client.namespaced(o.apiVersion, o.kind))) clusterScoped.push(objectRef(o));
    expect(clusterScoped).toEqual([]);
    expect(chart().filter((o) => o.metadata.namespace !== namespace).map(objectRef)).toEqual([]);
    // The tenant's own NetworkPolicies, quota and LimitRange stand: the chart adds none of its own (the library switches them off).
    expect(chart().filter((o) => ['NetworkPolicy', 'ResourceQuota', 'LimitRange'].includes(o.kind)).map(objectRef)).toEqual([]);
    expect([...new Set(chart().map((o) => o.kind))].sort()).toEqual(['Role', 'RoleBinding', 'Secret', 'Service', 'ServiceAccount', 'StatefulSet']);
  });

  test('every rendered object is applied by the GitOps controller that owns the release (server-side apply, strict field validation)', async () => {
    const { client } = cluster();
    const failures = await applyAsGitOps(client, chart(), installerOf(release));
    expect(failures.map((f) => `${f.object}: ${describeResult(f.result)}`)).toEqual([]);
    for (const o of chart()) {
      const live = await client.get(o);
      expect([objectRef(o), live?.metadata?.name]).toEqual([objectRef(o), o.metadata.name]);
    }
  });

  test('every pod template is admitted as the StatefulSet controller creates its pod (Pod Security, quota, LimitRange, guards), models agreeing', async () => {
    const { client } = cluster();
    const pods = podsOf(chart());
    expect(pods.map((p) => p.source)).toEqual(chart().filter((o) => o.kind === 'StatefulSet').map(objectRef));
    for (const { source, pod } of pods) {
      // The Pod Security model (the audit's port of the standards) must find nothing the server would refuse.
      expect([source, podSecurityViolations(level(), version(), pod)]).toEqual([source, []]);
      const c: Case = { name: `${source}: its pod, created by the StatefulSet controller`, as: statefulSetController, operation: 'CREATE', object: pod, expect: ALLOWED };
      await judgeCase(c, objects, rbac(), client);
    }
  });

  test('the claims of the StatefulSet\'s volumeClaimTemplates are admitted (quota, storage guard)', async () => {
    const { client } = cluster();
    const claims = claimsOf(chart());
    // The library keeps the chart's embedded database, which persists on a claim.
    expect(claims.map((c) => c.metadata.name)).toEqual([`data-${releaseOf(release).releaseName}-0`]);
    // A tenant held to its StorageClasses gets the claim on one of them (controlPlane.statefulSet.persistence.volumeClaim.storageClass).
    expect(claims.map((c) => c.spec.storageClassName)).toEqual([storageClassOf(values)]);
    for (const claim of claims) {
      await judgeCase({ name: `the claim ${claim.metadata.name}`, as: statefulSetController, operation: 'CREATE', object: claim, expect: ALLOWED }, objects, rbac(), client);
    }
  });

  describe('what the control plane\'s syncer may do with the Role the chart gives it', () => {
    /** A sandboxed host namespace: a synced pod on another RuntimeClass is refused (vcluster.yaml sets the sandbox's on every synced pod). */
    const offSandbox = (config: any, syncer: Identity, workloads: string): Case[] => {
      const sandbox = config.sync?.toHost?.pods?.runtimeClassName;
      if (!sandbox) return [];
      return [{
        name: `sync a pod off the tenant's sandbox (runc, not ${sandbox})`,
        as: syncer,
        operation: 'CREATE',
        object: withSpec(syncedPod(namespace, config, 'bare-x-default-x-vc', {}, workloads), { runtimeClassName: 'runc' }),
        expect: policy(SANDBOX_POLICY_NAME),
      }];
    };
    const other = () => objects.find((o) => o.kind === 'Namespace' && o.metadata.labels?.[TENANT_LABEL] && o.metadata.labels[TENANT_LABEL] !== labelsOf(namespace)[TENANT_LABEL])!;
    const cases = (): Case[] => {
      const config = controlPlaneConfig(chart());
      const syncer = syncerOf(chart());
      const workloads = workloadServiceAccountOf(chart());
      return [
        { name: 'sync a tenant pod that meets the host namespace\'s level into it', as: syncer, operation: 'CREATE', object: syncedPod(namespace, config, 'web-x-default-x-vc', {}, workloads), expect: ALLOWED },
        {
          name: 'sync a StatefulSet\'s pod, with the init container vcluster adds to rewrite its hosts file',
          as: syncer,
          operation: 'CREATE',
          object: syncedStatefulSetPod(namespace, config, 'db-0-x-default-x-vc', workloads),
          expect: ALLOWED,
        },
        { name: 'sync a privileged pod', as: syncer, operation: 'CREATE', object: syncedPod(namespace, config, 'root-x-default-x-vc', { privileged: true, allowPrivilegeEscalation: true }, workloads), expect: POD_SECURITY },
        ...offSandbox(config, syncer, workloads),
        {
          name: 'sync a pod selecting another tenant\'s dedicated nodes',
          as: syncer,
          operation: 'CREATE',
          object: withSpec(syncedPod(namespace, config, 'steer-x-default-x-vc', {}, workloads), { nodeSelector: { [NODE_RESTRICTION_TENANT_LABEL]: 'placed' } }),
          expect: policy(PLACEMENT_POLICY_NAME),
        },
        {
          name: 'sync a pod tolerating every taint (every tenant\'s dedicated nodes)',
          as: syncer,
          operation: 'CREATE',
          object: withSpec(syncedPod(namespace, config, 'anywhere-x-default-x-vc', {}, workloads), { tolerations: [{ operator: 'Exists' }] }),
          expect: policy(PLACEMENT_POLICY_NAME),
        },
        // What a vcluster syncs normally.
        { name: 'sync a Service (ClusterIP, with a selector)', as: syncer, operation: 'CREATE', object: syncedService(namespace, 'web-x-default-x-vc', { selector: { 'vcluster.loft.sh/label-vc-x-app': 'web' } }), expect: ALLOWED },
        { name: 'sync a ConfigMap', as: syncer, operation: 'CREATE', object: synced('ConfigMap', namespace, 'settings-x-default-x-vc', { data: { mode: 'prod' } }), expect: ALLOWED },
        { name: 'sync a Secret', as: syncer, operation: 'CREATE', object: synced('Secret', namespace, 'creds-x-default-x-vc', { type: 'Opaque', stringData: { password: 'x' } }), expect: ALLOWED },
        {
          name: `sync a claim of ${storageClassOf(values) ? `the tenant's StorageClass ${storageClassOf(values)}` : 'a StorageClass (the tenant may use any)'}`,
          as: syncer,
          operation: 'CREATE',
          object: syncedClaim(namespace, 'data-x-default-x-vc', { storageClassName: storageClassOf(values) ?? 'gp3' }),
          expect: ALLOWED,
        },
        // Endpoints: the chart's Role grants no write on them (sync.toHost.endpoints/endpointSlices locked off, CVE-2021-25740).
        { name: 'write Endpoints pointing a Service at another tenant\'s pod', as: syncer, operation: 'CREATE', object: foreignEndpoints(namespace), expect: RBAC },
        { name: 'write an EndpointSlice pointing a Service at another tenant\'s pod', as: syncer, operation: 'CREATE', object: foreignEndpointSlice(namespace), expect: RBAC },
        // Services and claims the syncer copies from the virtual cluster: held by the tenant's guards like the tenant itself.
        {
          name: 'sync a Service with spec.externalIPs (CVE-2020-8554)',
          as: syncer,
          operation: 'CREATE',
          object: syncedService(namespace, 'grab-x-default-x-vc', { selector: { app: 'web' }, externalIPs: ['203.0.113.10'] }),
          expect: policy(SERVICE_POLICY_NAME),
        },
        {
          name: 'sync an ExternalName Service',
          as: syncer,
          operation: 'CREATE',
          object: syncedService(namespace, 'alias-x-default-x-vc', { type: 'ExternalName', externalName: 'kubernetes.default.svc.cluster.local' }),
          expect: policy(SERVICE_POLICY_NAME),
        },
        {
          name: 'sync a LoadBalancer Service open to loadBalancerSourceRanges 0.0.0.0/0',
          as: syncer,
          operation: 'CREATE',
          object: syncedService(namespace, 'public-x-default-x-vc', { type: 'LoadBalancer', selector: { app: 'web' }, loadBalancerSourceRanges: ['0.0.0.0/0'] }),
          expect: policy(SERVICE_POLICY_NAME),
        },
        {
          name: 'sync a claim naming an existing PersistentVolume (spec.volumeName)',
          as: syncer,
          operation: 'CREATE',
          object: syncedClaim(namespace, 'steal-x-default-x-vc', { volumeName: 'pv-of-another-tenant', ...(storageClassOf(values) ? { storageClassName: storageClassOf(values) } : {}) }),
          expect: policy(STORAGE_POLICY_NAME),
        },
        ...(storageClassOf(values) ? [{
          name: 'sync a claim of a StorageClass the tenant may not use',
          as: syncer,
          operation: 'CREATE' as const,
          object: syncedClaim(namespace, 'fast-x-default-x-vc', { storageClassName: 'premium-io2' }),
          expect: policy(STORAGE_POLICY_NAME),
        }] : []),
        { name: 'create a pod in another tenant\'s namespace', as: syncer, operation: 'CREATE', object: syncedPod(other().metadata.name, config, 'web-x-default-x-vc'), expect: RBAC },
        { name: 'delete the tenant\'s default-deny NetworkPolicy', as: syncer, operation: 'DELETE', target: { kind: 'NetworkPolicy', name: 'default-deny', namespace }, expect: RBAC },
        {
          name: 'bind itself a role in the host namespace',
          as: syncer,
          operation: 'CREATE',
          object: {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'RoleBinding',
            metadata: { name: 'escalate', namespace },
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
            subjects: [{ kind: 'ServiceAccount', name: syncer.username.split(':')[3], namespace }],
          },
          expect: RBAC,
        },
      ];
    };

    test('the syncer is the chart\'s own service account, and the host namespace\'s level is the one the virtual cluster enforces', () => {
      expect(syncerOf(chart()).username).toBe(`system:serviceaccount:${namespace}:vc-${releaseOf(release).releaseName}`);
      // No Endpoints or EndpointSlices sync: the control plane's config has both off (the chart's default is on).
      const toHost = controlPlaneConfig(chart()).sync.toHost;
      expect([toHost.endpoints.enabled, toHost.endpointSlices.enabled]).toEqual([false, false]);
      expect(controlPlaneConfig(chart()).policies.podSecurityStandard).toBe(level());
      expect((values.policies as any).podSecurityStandard).toBe(level());
    });

    test('each request is decided by the layer expected, the models agreeing where they cover it', async () => {
      const { client } = cluster();
      for (const c of cases()) await judgeCase(c, objects, rbac(), client);
    });
  });
});

describe('a virtual cluster on the placed tenant\'s dedicated nodes (its release from a Kyverno platform, this server\'s ValidatingAdmissionPolicy guard)', () => {
  const { release } = PLACED_RELEASE;
  let chart: K8sObject[];
  const rbac = () => [...objects, ...chart, ...BOOTSTRAP_RBAC];
  /** The toleration and node affinity the tenant's placement requires. */
  const TOLERATION = { key: TENANT_LABEL, operator: 'Equal', value: 'placed', effect: 'NoSchedule' };
  const AFFINITY = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: NODE_RESTRICTION_TENANT_LABEL, operator: 'In', values: ['placed'] }] }] } } };

  beforeAll(async () => {
    const { client, env } = cluster();
    chart = renderVClusterRelease(release, env.version);
    await waitForDefaultServiceAccount(client, 'placed');
    await waitForQuotas(client, 'placed');
    const failures = await applyAsGitOps(client, chart, ARGOCD);
    if (failures.length > 0) throw new Error(`applying the placed release: ${failures.map((f) => `${f.object}: ${describeResult(f.result)}`).join('\n')}`);
  });

  test('the same tenant: the Kyverno platform\'s namespace carries the labels this cluster\'s placed namespace has', () => {
    expect(PLACED_RELEASE.namespace.metadata.labels).toEqual(labelsOf('placed'));
    expect(release.namespace).toBe('placed');
  });

  test('the control plane\'s pod (tolerating and requiring the tenant\'s nodes from the values) is admitted as the StatefulSet controller creates it', async () => {
    const { client } = cluster();
    const [{ pod }] = podsOf(chart);
    expect([pod.spec.tolerations, pod.spec.affinity]).toEqual([[TOLERATION], AFFINITY]);
    await judgeCase({ name: 'the placed control plane\'s pod', as: statefulSetController, operation: 'CREATE', object: pod, expect: ALLOWED }, objects, rbac(), client);
  });

  test('the pod the syncer creates is refused by the placement guard without the mutation (why the library refuses the ValidatingAdmissionPolicy engine), and admitted as each real engine\'s mutation leaves it', async () => {
    const { client } = cluster();
    const syncer = syncerOf(chart);
    expect(syncer.username).toBe('system:serviceaccount:placed:vc-placed');
    const pod = syncerPod('placed', 'placed', controlPlaneConfig(chart), 'web');
    // The syncer's own work: the enforced toleration, no affinity.
    expect([pod.spec.tolerations, pod.spec.affinity]).toEqual([[TOLERATION], undefined]);
    await judgeCase({ name: 'the syncer creates a placed tenant\'s pod as vcluster translates it', as: syncer, operation: 'CREATE', object: pod, expect: policy(PLACEMENT_POLICY_NAME) }, objects, rbac(), client);
    // The pod as each real engine's mutation leaves it (the Kyverno CLI; Gatekeeper's webhook code), then created on this server.
    const kyvernoPolicies = PLACED_RELEASE.objects.filter((o) => o.apiVersion === 'policies.kyverno.io/v1');
    const [[, byKyverno]] = [...kyvernoApply(kyvernoPolicies, [{ id: 'synced', pod, namespace: PLACED_RELEASE.namespace, operation: 'CREATE', userInfo: { username: syncer.username } }])];
    const [byGatekeeper] = gatekeeperWebhook(GATEKEEPER_PLATFORM.objects.filter((o) => /gatekeeper\.sh\//.test(o.apiVersion)),
      [{ name: 'synced', operation: 'CREATE', namespace: GATEKEEPER_PLATFORM.namespace, object: pod, username: syncer.username, mutate: true }]);
    expect([byKyverno.refused, byGatekeeper.error, byGatekeeper.denials]).toEqual([false, undefined, []]);
    for (const [engine, mutated] of [['Kyverno', byKyverno.mutated], ['Gatekeeper', byGatekeeper.object!]] as const) {
      expect([engine, mutated.spec.tolerations, mutated.spec.affinity]).toEqual([engine, [TOLERATION], AFFINITY]);
      const renamed = { ...mutated, metadata: { ...mutated.metadata, name: `web-x-default-x-placed-${engine.toLowerCase()}` } };
      await judgeCase({ name: `the same pod as ${engine}'s mutation leaves it`, as: syncer, operation: 'CREATE', object: renamed, expect: ALLOWED }, objects, rbac(), client);
    }
  });
});
