import { App, Chart } from 'cdk8s';
import * as YAML from 'yaml';
import { describeResult, Identity } from './client';
import { ALLOWED, Case, judgeCase, POD_SECURITY, RBAC } from './differential';
import { podsOf } from './example-suite';
import {
  ARGOCD, applyAsGitOps, BOOTSTRAP_RBAC, installControllerNamespaces, installCrds, objectRef, serviceAccount, useCluster,
  waitForDefaultServiceAccount, waitForPoliciesEnforced, waitForQuotas,
} from './fixture';
import { vcluster } from '../../examples/vcluster/app';
import { parsePodSecurityVersion, podSecurityViolations } from '../../src/tenant/internal/pod-security-standards';
import { find, K8sObject, synthObjects } from '../helpers/manifests';
import { releaseOf, renderVClusterRelease } from '../helpers/vcluster-chart';
import {
  PodSecurityLevel, SoftTenant, TENANT_LABEL, TenantMember, TenantPriorityClass, TenantRegistries, TenantSandbox, VirtualClusterDelivery,
  VirtualTenantCluster,
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
 * next to the models' verdict. What is not proven here: NetworkPolicy
 * enforcement (no CNI; the reachability evaluator's), and the syncer itself
 * (not run: its requests are stand-ins of the shape it makes).
 */

// Helm is built from source on a cold cache (minutes on a loaded 2-core machine).
jest.setTimeout(30 * 60 * 1000);

const API_SERVER_CIDRS = ['10.0.0.0/16'];

const app = new App();
vcluster(app);
// A baseline tenant whose virtual cluster syncs ingresses and sets resources (the user values the library lets through).
const legacy = new SoftTenant(new Chart(app, 'legacy'), 'Legacy', {
  name: 'legacy',
  admins: [TenantMember.group('legacy-admins')],
  podSecurity: PodSecurityLevel.baseline('images that run as root'),
});
legacy.addExtension(VirtualTenantCluster.forTenant({
  delivery: VirtualClusterDelivery.flux(),
  apiServerCidrs: API_SERVER_CIDRS,
  name: 'dev',
  values: {
    controlPlane: { statefulSet: { resources: { limits: { memory: '1Gi' } } } },
    sync: { toHost: { ingresses: { enabled: true } } },
  },
}));
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

const objects = synthObjects(app);
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

/** The vcluster.yaml the control plane runs with: the rendered config Secret's. */
function controlPlaneConfig(rendered: K8sObject[]): any {
  const secret = rendered.find((o) => o.kind === 'Secret' && o.data?.['config.yaml']);
  if (!secret) throw new Error('the rendered chart holds no config Secret');
  return YAML.parse(Buffer.from(secret.data['config.yaml'], 'base64').toString('utf8'));
}

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

/** The claims a StatefulSet's controller makes for its first replica. */
function claimsOf(rendered: K8sObject[]): K8sObject[] {
  return rendered.filter((o) => o.kind === 'StatefulSet').flatMap((s) => (s.spec.volumeClaimTemplates ?? []).map((t: any) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: `${t.metadata.name}-${s.metadata.name}-0`, namespace: s.metadata.namespace, labels: s.spec.selector.matchLabels },
    spec: t.spec,
  })));
}

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
    for (const claim of claims) {
      await judgeCase({ name: `the claim ${claim.metadata.name}`, as: statefulSetController, operation: 'CREATE', object: claim, expect: ALLOWED }, objects, rbac(), client);
    }
  });

  describe('what the control plane\'s syncer may do with the Role the chart gives it', () => {
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
      expect(controlPlaneConfig(chart()).policies.podSecurityStandard).toBe(level());
      expect((values.policies as any).podSecurityStandard).toBe(level());
    });

    test('each request is decided by the layer expected, the models agreeing where they cover it', async () => {
      const { client } = cluster();
      for (const c of cases()) await judgeCase(c, objects, rbac(), client);
    });
  });
});
