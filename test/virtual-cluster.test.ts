import { App, Chart } from 'cdk8s';
import { TaintEffect } from 'cdk8s-plus-27';
import { find, K8sObject, ofKind, synthObjects } from './helpers/manifests';
import { can } from './helpers/rbac';
import { validateAll, validateObject } from './helpers/schema';
import {
  PlacementEngine, PodSecurityLevel, SoftTenant, TenancyAudit, TenancyPlatform, TenantMember, TenantPlacement, TenantPriorityClass,
  TenantRuntimeClasses, TenantSandbox, VCLUSTER_CHART_VERSION, VirtualClusterDelivery, VirtualTenantCluster,
} from 'cdk8s-tenancy';

const API = ['10.0.0.0/16'];
const admin = { kind: 'Group' as const, name: 'team-a-admins' };
const user = { kind: 'Group' as const, name: 'team-a-devs' };

function virtualClusters(delivery: VirtualClusterDelivery, extra: any = {}, tenantProps: any = {}) {
  const app = new App();
  const a = new SoftTenant(new Chart(app, 'team-a'), 'A', {
    name: 'team-a', namespaces: ['team-a-vc', 'team-a'], admins: [TenantMember.group('team-a-admins')], users: [TenantMember.group('team-a-devs')], ...tenantProps,
  });
  a.addExtension(VirtualTenantCluster.forTenant({ delivery, apiServerCidrs: API, ...extra }));
  const b = new SoftTenant(new Chart(app, 'team-b'), 'B', { name: 'team-b', admins: [TenantMember.group('team-b-admins')] });
  b.addExtension(VirtualTenantCluster.forTenant({ delivery, apiServerCidrs: API }));
  return synthObjects(app);
}

const valuesOf = (o: K8sObject) => (o.kind === 'Application' ? o.spec.source.helm.valuesObject : o.spec.values);

describe.each([
  ['Argo CD', VirtualClusterDelivery.argoCd(), 'Application'],
  ['Flux', VirtualClusterDelivery.flux(), 'HelmRelease'],
])('VirtualTenantCluster delivered by %s', (_, delivery, kind) => {
  const objects = virtualClusters(delivery);
  const releases = ofKind(objects, kind);

  test('every object is valid against its schema', () => {
    expect(validateAll(objects)).toBe(objects.length);
  });

  test('one release per tenant, pinned chart version, in the tenant\'s host namespace', () => {
    expect(releases).toHaveLength(2);
    if (kind === 'Application') {
      const source = (r: K8sObject) => [r.spec.source.repoURL, r.spec.source.chart, r.spec.source.targetRevision, r.spec.source.helm.releaseName];
      expect(releases.map((r) => [r.metadata.namespace, ...source(r), r.spec.destination.namespace])).toEqual([
        ['argocd', 'https://charts.loft.sh', 'vcluster', VCLUSTER_CHART_VERSION, 'team-a', 'team-a-vc'],
        ['argocd', 'https://charts.loft.sh', 'vcluster', VCLUSTER_CHART_VERSION, 'team-b', 'team-b'],
      ]);
      expect(releases[0].spec.syncPolicy.syncOptions).toBeUndefined();
      // Without Argo CD's resources finalizer, deleting the Application (the
      // tenant's vcluster gone from Git) leaves the virtual cluster running.
      expect(releases.map((r) => (r.metadata as { finalizers?: string[] }).finalizers)).toEqual([undefined, undefined]);
    } else {
      const spec = (r: K8sObject) => [r.spec.chart.spec.version, r.spec.releaseName, r.spec.targetNamespace, r.spec.storageNamespace, r.spec.install];
      expect(releases.map((r) => [r.metadata.namespace, ...spec(r)])).toEqual([
        ['flux-system', VCLUSTER_CHART_VERSION, 'team-a', 'team-a-vc', 'team-a-vc', { createNamespace: false }],
        ['flux-system', VCLUSTER_CHART_VERSION, 'team-b', 'team-b', 'team-b', { createNamespace: false }],
      ]);
      expect(ofKind(objects, 'HelmRepository').map((r) => [r.metadata.name, r.spec.url])).toEqual([
        ['vcluster-team-a', 'https://charts.loft.sh'], ['vcluster-team-b', 'https://charts.loft.sh'],
      ]);
    }
  });

  test('secure values: Pod Security, no host paths, no cluster-scoped sync, restricted security contexts, the tenant\'s policies bind', () => {
    const restrictedContainer = {
      allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, runAsUser: 12345, runAsGroup: 12345, seccompProfile: { type: 'RuntimeDefault' },
    };
    for (const r of releases) {
      const v = valuesOf(r);
      expect(v.policies).toEqual({ podSecurityStandard: 'restricted', networkPolicy: { enabled: false }, resourceQuota: { enabled: false }, limitRange: { enabled: false } });
      expect(v.controlPlane.hostPathMapper).toEqual({ enabled: false });
      const off = { enabled: false };
      // volumeSnapshotContents is gone: vcluster 0.36 refuses to render with it.
      expect(v.sync.toHost).toEqual({
        namespaces: off,
        persistentVolumes: off,
        storageClasses: off,
        priorityClasses: off,
        resourceClaims: off,
        resourceClaimTemplates: off,
        gatewayApi: off,
        pods: { hybridScheduling: off },
        // CVE-2021-25740: no host Endpoints or EndpointSlices written from inside (the chart's default is on).
        endpoints: off,
        endpointSlices: off,
      });
      expect(v.sync.fromHost).toEqual({
        nodes: off,
        priorityClasses: off,
        deviceClasses: off,
        ingressClasses: off,
        runtimeClasses: off,
        gatewayClasses: off,
        storageClasses: off,
        csiNodes: off,
        csiDrivers: off,
        csiStorageCapacities: off,
        gateways: off,
        configMaps: off,
        secrets: off,
      });
      expect(v.controlPlane.distro.k8s).toEqual({ enabled: true, securityContext: restrictedContainer });
      for (const part of [v.controlPlane.statefulSet, v.controlPlane.coredns]) {
        expect(part.security.containerSecurityContext).toEqual(restrictedContainer);
        expect(part.security.podSecurityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      }
      expect(v.rbac).toEqual({ clusterRole: { enabled: false } });
    }
  });

  test('the host namespace keeps the tenant\'s Pod Security, default deny, quota and LimitRange', () => {
    const ns = find(objects, 'Namespace', 'team-a-vc');
    expect(ns.metadata.labels!['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(find(objects, 'NetworkPolicy', 'default-deny', 'team-a-vc').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    find(objects, 'ResourceQuota', 'tenant-quota', 'team-a-vc');
    find(objects, 'LimitRange', 'tenant-limits', 'team-a-vc');
  });

  test('only the control plane\'s pods may reach the host API server', () => {
    expect(find(objects, 'NetworkPolicy', 'vcluster-team-a-api-server', 'team-a-vc').spec).toEqual({
      podSelector: { matchLabels: { app: 'vcluster', release: 'team-a' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/16' } }], ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 6443 }] }],
    });
  });

  test('tenant admins read their kubeconfig secret and nothing else in the host namespace; members keep their other namespaces', () => {
    expect(can(objects, admin, 'get', '', 'secrets', 'team-a-vc')).toBe(true);
    expect(find(objects, 'Role', 'vcluster-kubeconfig-reader', 'team-a-vc').rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['vc-team-a'], verbs: ['get'] }]);
    for (const [verb, group, resource] of [['list', '', 'secrets'], ['watch', '', 'secrets'], ['update', '', 'secrets'], ['get', '', 'pods'], ['create', '', 'pods/exec'],
      ['create', '', 'pods/portforward'], ['get', 'apps', 'statefulsets'], ['get', '', 'configmaps'], ['get', '', 'services']]) {
      expect([verb, resource, can(objects, admin, verb, group, resource, 'team-a-vc')]).toEqual([verb, resource, false]);
      expect([verb, resource, can(objects, user, verb, group, resource, 'team-a-vc')]).toEqual([verb, resource, false]);
    }
    expect(can(objects, user, 'get', '', 'secrets', 'team-a-vc')).toBe(false);
    expect(can(objects, admin, 'get', '', 'secrets', 'team-b')).toBe(false);
    expect(can(objects, admin, 'create', 'apps', 'deployments', 'team-a')).toBe(true);
    expect(can(objects, user, 'create', 'apps', 'deployments', 'team-a')).toBe(true);
  });

  test('the tenants still pass the audit', () => {
    const report = TenancyAudit.auditObjects(objects);
    expect(report.problems).toEqual([]);
    expect(report.tenants.flatMap((t) => t.checks).filter((c) => c.status === 'fail')).toEqual([]);
  });
});

test('the Flux v2 schema is really checked: a HelmRelease without its chart source is refused', () => {
  const release = find(virtualClusters(VirtualClusterDelivery.flux()), 'HelmRelease', 'vcluster-team-a');
  expect(() => validateObject({ ...release, spec: { ...release.spec, chart: { spec: { chart: 'vcluster' } } } })).toThrow(/HelmRelease flux-system\/vcluster-team-a is not valid/);
});

test('a baseline tenant gets the baseline standard inside the virtual cluster too', () => {
  const objects = virtualClusters(VirtualClusterDelivery.argoCd(), {}, { podSecurity: PodSecurityLevel.baseline('legacy images') });
  expect(find(objects, 'Application', 'vcluster-team-a').spec.source.helm.valuesObject.policies.podSecurityStandard).toBe('baseline');
});

test('user values are merged over the library\'s, and delivery options are used', () => {
  const objects = virtualClusters(VirtualClusterDelivery.flux({ namespace: 'gitops', interval: '1h' }), {
    name: 'dev',
    hostNamespace: 'team-a',
    chartVersion: '0.36.0',
    values: { exportKubeConfig: { server: 'https://dev.team-a.example.com' }, controlPlane: { statefulSet: { resources: { limits: { memory: '1Gi' } } } } },
  });
  validateAll(objects);
  const release = find(objects, 'HelmRelease', 'vcluster-team-a', 'gitops');
  expect([release.spec.interval, release.spec.releaseName, release.spec.targetNamespace, release.spec.chart.spec.version]).toEqual(['1h', 'dev', 'team-a', '0.36.0']);
  expect(release.spec.values.exportKubeConfig).toEqual({ server: 'https://dev.team-a.example.com' });
  expect(release.spec.values.controlPlane.statefulSet.resources).toEqual({ limits: { memory: '1Gi' } });
  expect(release.spec.values.controlPlane.statefulSet.security.containerSecurityContext.runAsNonRoot).toBe(true);
  expect(find(objects, 'Role', 'vcluster-kubeconfig-reader', 'team-a').rules[0].resourceNames).toEqual(['vc-dev']);
  expect(can(virtualClusters(VirtualClusterDelivery.argoCd(), { hostNamespace: 'team-a' }), admin, 'create', 'apps', 'deployments', 'team-a-vc')).toBe(true);
});

describe('bad input', () => {
  const apply = (options: any, tenant: any = {}) => () => {
    const t = new SoftTenant(new Chart(new App(), 'c'), 'T', { name: 'team-a', ...tenant });
    t.addExtension(VirtualTenantCluster.forTenant({ delivery: VirtualClusterDelivery.argoCd(), apiServerCidrs: API, ...options }));
  };
  test.each([
    ['a name that is not a DNS label', apply({ name: 'Dev_1' }), /c\/T: invalid vcluster name 'Dev_1': must be a DNS-1123 label/],
    ['a name too long for a Helm release', apply({ name: 'v'.repeat(54) }), /invalid vcluster name 'v{54}': must be at most 53 characters/],
    ['a host namespace that is not the tenant\'s', apply({ hostNamespace: 'team-b' }), /invalid vcluster hostNamespace 'team-b': must be one of the tenant's namespaces \(team-a\)/],
    ['a host namespace that is not a DNS label', apply({ hostNamespace: 'Team A' }), /invalid vcluster hostNamespace 'Team A': must be a DNS-1123 label/],
    ['an unsupported chart version', apply({ chartVersion: '0.19.0' }), /invalid vcluster chartVersion '0.19.0': must be a vcluster chart release of 0.36, e.g. '0.36.1'/],
    ['the last chart that rendered the old values', apply({ chartVersion: '0.29.3' }), /invalid vcluster chartVersion '0.29.3': must be a vcluster chart release of 0.36/],
    ['a chart version that is not one', apply({ chartVersion: 'latest' }), /invalid vcluster chartVersion 'latest'/],
    ['values turning off Pod Security', apply({ values: { policies: { podSecurityStandard: 'privileged' } } }), /invalid vcluster values 'policies': is set by the library to isolate the tenant and cannot be overridden/],
    ['values enabling the host path mapper', apply({ values: { controlPlane: { hostPathMapper: { enabled: true } } } }), /invalid vcluster values 'controlPlane.hostPathMapper'/],
    ['values syncing host nodes', apply({ values: { sync: { fromHost: { nodes: { enabled: true } } } } }), /invalid vcluster values 'sync.fromHost.nodes'/],
    ['values syncing host namespaces', apply({ values: { sync: { toHost: { namespaces: { enabled: true } } } } }), /invalid vcluster values 'sync.toHost.namespaces'/],
    ['values running the control plane as root', apply({ values: { controlPlane: { statefulSet: { security: { containerSecurityContext: { runAsUser: 0 } } } } } }), /invalid vcluster values 'controlPlane.statefulSet.security'/],
    ['values syncing Gateway API objects', apply({ values: { sync: { toHost: { gatewayApi: { httpRoutes: { enabled: true } } } } } }), /invalid vcluster values 'sync.toHost.gatewayApi'/],
    ['values syncing resource claims', apply({ values: { sync: { toHost: { resourceClaims: { enabled: true } } } } }), /invalid vcluster values 'sync.toHost.resourceClaims'/],
    ['values reading host device classes', apply({ values: { sync: { fromHost: { deviceClasses: { enabled: true } } } } }), /invalid vcluster values 'sync.fromHost.deviceClasses'/],
    ['values reading host gateway classes', apply({ values: { sync: { fromHost: { gatewayClasses: { enabled: true } } } } }), /invalid vcluster values 'sync.fromHost.gatewayClasses'/],
    ['values reading secrets of other host namespaces', apply({ values: { sync: { fromHost: { secrets: { enabled: true } } } } }), /invalid vcluster values 'sync.fromHost.secrets'/],
    ['values scheduling with the host schedulers', apply({ values: { sync: { toHost: { pods: { hybridScheduling: { enabled: true } } } } } }), /invalid vcluster values 'sync.toHost.pods.hybridScheduling'/],
    ['values replicating host services', apply({ values: { networking: { replicateServices: { fromHost: [{ from: 'kube-system/x', to: 'x' }] } } } }), /invalid vcluster values 'networking.replicateServices'/],
    ['values replicating virtual services to the host', apply({ values: { networking: { replicateServices: { toHost: [{ from: 'default/x', to: 'x' }] } } } }), /invalid vcluster values 'networking.replicateServices'/],
    ['values syncing Endpoints to the host', apply({ values: { sync: { toHost: { endpoints: { enabled: true } } } } }),
      /invalid vcluster values 'sync.toHost.endpoints': is set by the library to isolate the tenant and cannot be overridden \(locked: .*sync.toHost.endpoints, sync.toHost.endpointSlices,/],
    ['values syncing EndpointSlices to the host', apply({ values: { sync: { toHost: { endpointSlices: { enabled: true } } } } }), /invalid vcluster values 'sync.toHost.endpointSlices': is set by the library/],
    ['values patching synced Endpoints', apply({ values: { sync: { toHost: { endpoints: { patches: [] } } } } }), /invalid vcluster values 'sync.toHost.endpoints'/],
    ['values switching on an integration', apply({ values: { integrations: { metricsServer: { enabled: true } } } }), /invalid vcluster values 'integrations'/],
    ['values running pods on private nodes', apply({ values: { privateNodes: { enabled: true } } }), /invalid vcluster values 'privateNodes'/],
    ['values naming a platform secret elsewhere', apply({ values: { platform: { apiKey: { namespace: 'loft' } } } }), /invalid vcluster values 'platform'/],
    ['values moving the kubeconfig secret', apply({ values: { exportKubeConfig: { secret: { name: 'elsewhere' } } } }), /invalid vcluster values 'exportKubeConfig.secret'/],
    ['values adding host RBAC', apply({ values: { rbac: { role: { extraRules: [{}] } } } }), /invalid vcluster values 'rbac'/],
    ['no API server CIDR', apply({ apiServerCidrs: [] }), /invalid vcluster apiServerCidrs \[\]: must list at least one CIDR/],
    ['an API server CIDR that is not one', apply({ apiServerCidrs: ['10.0.0.0/33'] }), /invalid vcluster apiServerCidrs\[0\] cidr '10.0.0.0\/33'/],
    ['a Flux interval that is not a duration', apply({ delivery: VirtualClusterDelivery.flux({ interval: 'hourly' }) }), /invalid vcluster delivery interval 'hourly': must be a Go duration/],
    ['a delivery namespace that is not a DNS label', apply({ delivery: VirtualClusterDelivery.argoCd({ namespace: 'Argo CD' }) }), /invalid vcluster delivery namespace 'Argo CD'/],
    ['an Argo CD project that is not a name', apply({ delivery: VirtualClusterDelivery.argoCd({ project: '' }) }), /invalid vcluster delivery project ''/],
  ])('%s', (_, call, message) => {
    expect(call).toThrow(message);
  });

  test('a second virtual cluster for one tenant', () => {
    const t = new SoftTenant(new Chart(new App(), 'c'), 'T', { name: 'team-a' });
    t.addExtension(VirtualTenantCluster.forTenant({ delivery: VirtualClusterDelivery.argoCd(), apiServerCidrs: API }));
    expect(() => t.addExtension(VirtualTenantCluster.forTenant({ delivery: VirtualClusterDelivery.flux(), apiServerCidrs: API })))
      .toThrow(/invalid extension 'virtual-cluster': is already applied to tenant 'team-a'/);
  });
});

describe('the tenant\'s pod classes in the values (the sandbox and pod classes guards refuse pods without them)', () => {
  /** The release of a one-namespace tenant, with `before` and `after` run around adding the virtual cluster. */
  function release(tenantProps: any, before?: (t: SoftTenant) => void, after?: (t: SoftTenant) => void, extra: any = {}): Record<string, any> {
    const app = new App();
    const t = new SoftTenant(new Chart(app, 'team-a'), 'A', { name: 'team-a', ...tenantProps });
    before?.(t);
    t.addExtension(VirtualTenantCluster.forTenant({ delivery: VirtualClusterDelivery.argoCd(), apiServerCidrs: API, ...extra }));
    after?.(t);
    return valuesOf(ofKind(synthObjects(app), 'Application')[0]);
  }
  const classes = (v: Record<string, any>) => ({
    statefulSet: [v.controlPlane.statefulSet.runtimeClassName, v.controlPlane.statefulSet.scheduling?.priorityClassName],
    synced: [v.sync.toHost.pods.runtimeClassName, v.sync.toHost.pods.priorityClassName],
  });

  test('a sandboxed tenant: the sandbox\'s RuntimeClass on the control plane and on every synced pod, whether the sandbox comes before or after', () => {
    const expected = { statefulSet: ['gvisor', undefined], synced: ['gvisor', undefined] };
    expect(classes(release({}, (t) => t.addExtension(TenantSandbox.gvisor())))).toEqual(expected);
    expect(classes(release({}, undefined, (t) => t.addExtension(TenantSandbox.gvisor())))).toEqual(expected);
  });

  test('a tenant with a default priority class and RuntimeClasses: both defaults', () => {
    const v = release({
      priorityClasses: [TenantPriorityClass.of('tenant-normal'), TenantPriorityClass.of('tenant-high')],
      defaultPriorityClass: 'tenant-normal',
      runtimeClasses: TenantRuntimeClasses.only(['runc', 'kata'], 'kata'),
    });
    expect(classes(v)).toEqual({ statefulSet: ['kata', 'tenant-normal'], synced: ['kata', 'tenant-normal'] });
  });

  test('a tenant without either: no class is named (the chart\'s defaults, empty)', () => {
    const v = release({});
    expect(v.controlPlane.statefulSet).toEqual({ security: expect.any(Object) });
    expect(Object.keys(v.sync.toHost.pods)).toEqual(['hybridScheduling']);
  });

  test('user values naming a class are merged over the tenant\'s (the guards judge them like any pod)', () => {
    const v = release({}, (t) => t.addExtension(TenantSandbox.gvisor()), undefined, { values: { sync: { toHost: { pods: { runtimeClassName: 'runc' } } } } });
    expect(classes(v)).toEqual({ statefulSet: ['gvisor', undefined], synced: ['runc', undefined] });
  });
});

describe('a virtual cluster on a tenant with dedicated nodes (TenantPlacement)', () => {
  /** The app of one placed tenant with a virtual cluster, the placement applied `before` or after it, on a platform with `engine`. */
  function placedApp(engine: PlacementEngine, order: 'placement first' | 'vcluster first', values: any = {}) {
    const app = new App();
    const platform = new TenancyPlatform(app, 'platform', { placementEngine: engine });
    const t = new SoftTenant(new Chart(app, 'team-a'), 'A', { name: 'team-a', platform });
    const vcluster = VirtualTenantCluster.forTenant({ delivery: VirtualClusterDelivery.argoCd(), apiServerCidrs: API, values });
    const placement = TenantPlacement.forTenant('team-a');
    const extensions = order === 'placement first' ? [placement, vcluster] : [vcluster, placement];
    return { app, t, placement, add: () => extensions.forEach((e) => t.addExtension(e)) };
  }

  describe.each([
    ['Kyverno', () => PlacementEngine.kyverno()],
    ['Kyverno legacy', () => PlacementEngine.kyvernoLegacyClusterPolicy()],
    ['Gatekeeper', () => PlacementEngine.gatekeeper()],
  ])('with the mutating engine %s', (_, engine) => {
    test.each(['placement first', 'vcluster first'] as const)('%s: the control plane tolerates and requires the tenant\'s nodes, every synced pod gets the toleration', (order) => {
      const { app, placement, add } = placedApp(engine(), order);
      add();
      const values = valuesOf(ofKind(synthObjects(app), 'Application')[0]);
      expect(values.controlPlane.statefulSet.scheduling).toEqual({
        tolerations: [{ key: 'cdk8s-tenancy.io/tenant', operator: 'Equal', value: 'team-a', effect: 'NoSchedule' }],
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [placement.nodeSelectorTerm] } } },
      });
      expect(placement.nodeSelectorTerm).toEqual({ matchExpressions: [{ key: 'node-restriction.kubernetes.io/cdk8s-tenancy-tenant', operator: 'In', values: ['team-a'] }] });
      // vcluster's toleration syntax (pkg/util/toleration: key=value:effect gives operator Equal).
      expect(values.sync.toHost.pods.enforceTolerations).toEqual(['cdk8s-tenancy.io/tenant=team-a:NoSchedule']);
      // The locked isolation is unchanged: no nodes sync, no hybrid scheduling.
      expect([values.sync.fromHost.nodes, values.sync.toHost.pods.hybridScheduling]).toEqual([{ enabled: false }, { enabled: false }]);
    });
  });

  test('a placed tenant with its virtual cluster passes the audit', () => {
    const { app, add } = placedApp(PlacementEngine.kyverno(), 'placement first');
    add();
    const report = TenancyAudit.auditObjects(synthObjects(app));
    expect(report.problems).toEqual([]);
    expect(report.tenants.flatMap((t) => t.checks).filter((c) => c.status === 'fail')).toEqual([]);
    expect(report.tenants.flatMap((t) => t.checks).filter((c) => c.id === 'vcluster.values').map((c) => c.status)).toEqual(['pass']);
  });

  test('a NoExecute placement: the effect follows into both', () => {
    const app = new App();
    const platform = new TenancyPlatform(app, 'platform', { placementEngine: PlacementEngine.kyverno() });
    const t = new SoftTenant(new Chart(app, 'team-a'), 'A', { name: 'team-a', platform });
    t.addExtension(TenantPlacement.forTenant('team-a', { effect: TaintEffect.NO_EXECUTE }));
    t.addExtension(VirtualTenantCluster.forTenant({ delivery: VirtualClusterDelivery.flux(), apiServerCidrs: API }));
    const values = valuesOf(ofKind(synthObjects(app), 'HelmRelease')[0]);
    expect(values.sync.toHost.pods.enforceTolerations).toEqual(['cdk8s-tenancy.io/tenant=team-a:NoExecute']);
    expect(values.controlPlane.statefulSet.scheduling.tolerations[0].effect).toBe('NoExecute');
  });

  test('without a placement, no scheduling and no enforced toleration', () => {
    const app = new App();
    const platform = new TenancyPlatform(app, 'platform', { placementEngine: PlacementEngine.kyverno() });
    const t = new SoftTenant(new Chart(app, 'team-a'), 'A', { name: 'team-a', platform });
    t.addExtension(VirtualTenantCluster.forTenant({ delivery: VirtualClusterDelivery.argoCd(), apiServerCidrs: API }));
    const values = valuesOf(ofKind(synthObjects(app), 'Application')[0]);
    expect([values.controlPlane.statefulSet.scheduling, values.sync.toHost.pods.enforceTolerations]).toEqual([undefined, undefined]);
  });

  describe('bad input: the ValidatingAdmissionPolicy engine cannot give synced pods the node affinity', () => {
    const message = new RegExp('team-a/A: invalid placementEngine \'ValidatingAdmissionPolicy\': cannot place a virtual cluster\'s pods: tenant \'team-a\' has dedicated nodes \\(TenantPlacement\\) and a VirtualTenantCluster'
      + '.*Use a mutating engine, which adds the affinity: TenancyPlatformProps.placementEngine PlacementEngine.kyverno\\(\\) or PlacementEngine.gatekeeper\\(\\)');
    test.each(['placement first', 'vcluster first'] as const)('%s: refused, and the second extension emits nothing', (order) => {
      const { app, t, add } = placedApp(PlacementEngine.validatingAdmissionPolicy(), order);
      expect(add).toThrow(message);
      const objects = synthObjects(app);
      const placementGuard = objects.filter((o) => o.metadata.name?.startsWith('cdk8s-tenancy-placement')).map((o) => o.kind).sort();
      const dedicated = find(objects, 'Namespace', 'team-a').metadata.labels?.['cdk8s-tenancy.io/dedicated-nodes'];
      const vcluster = objects.filter((o) => o.kind === 'Application' || o.metadata.name?.startsWith('vcluster-')).map((o) => `${o.kind} ${o.metadata.name}`);
      if (order === 'placement first') {
        // The virtual cluster emitted nothing: no release, no kubeconfig Role, no NetworkPolicy; the placement stands.
        expect([vcluster, t.node.tryFindChild('VirtualCluster')]).toEqual([[], undefined]);
        expect([placementGuard, dedicated]).toEqual([['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'], 'node-restriction']);
      } else {
        // The placement emitted nothing: no guard, no dedicated-nodes namespace label, not recorded on the tenant; the virtual cluster stands.
        expect([placementGuard, dedicated, t._placement]).toEqual([[], undefined, undefined]);
        expect(vcluster).toEqual(expect.arrayContaining(['Application vcluster-team-a']));
      }
    });

    test('the default platform is the ValidatingAdmissionPolicy engine: refused too', () => {
      const t = new SoftTenant(new Chart(new App(), 'team-a'), 'A', { name: 'team-a' });
      t.addExtension(TenantPlacement.forTenant('team-a'));
      expect(() => t.addExtension(VirtualTenantCluster.forTenant({ delivery: VirtualClusterDelivery.argoCd(), apiServerCidrs: API })))
        .toThrow(/invalid placementEngine 'ValidatingAdmissionPolicy': cannot place a virtual cluster's pods/);
    });
  });
});
