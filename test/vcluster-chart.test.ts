import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import * as YAML from 'yaml';
import { K8sObject, ofKind, synthObjects } from './helpers/manifests';
import { releaseOf, renderVClusterRelease, validateVClusterValues, VCLUSTER_CHART_DIR } from './helpers/vcluster-chart';
import {
  PodSecurityLevel, SoftTenant, SUPPORTED_VCLUSTER_CHART_MINORS, TenantMember, TenantPriorityClass, TenantSandbox, VCLUSTER_CHART_VERSION,
  VirtualClusterDelivery, VirtualTenantCluster,
} from 'cdk8s-tenancy';

/*
 * The values the library writes, checked by the real chart of the pinned
 * release: its values.schema.json, and `helm template` (real Helm, built
 * from its Go module) with the library's values, delivered by Argo CD and
 * by Flux. Applying the rendered objects to a real API server is the
 * cluster tier's (renderVClusterRelease is what it calls).
 */

// Helm is built from source on a cold cache (minutes on a loaded 2-core machine).
jest.setTimeout(30 * 60 * 1000);

function releases(delivery: VirtualClusterDelivery, options: Record<string, unknown> = {}, tenantProps: Record<string, unknown> = {}): K8sObject[] {
  const app = new App();
  const t = new SoftTenant(new Chart(app, 'team-a'), 'A', {
    name: 'team-a', namespaces: ['team-a-vc', 'team-a'], admins: [TenantMember.group('team-a-admins')], ...tenantProps,
  });
  t.addExtension(VirtualTenantCluster.forTenant({ delivery, apiServerCidrs: ['10.0.0.0/16'], ...options }));
  return synthObjects(app).filter((o) => ['Application', 'HelmRelease'].includes(o.kind));
}

const VARIANTS: [string, () => K8sObject[]][] = [
  ['Argo CD', () => releases(VirtualClusterDelivery.argoCd())],
  ['Flux', () => releases(VirtualClusterDelivery.flux())],
  ['Flux, baseline tenant, user values', () => releases(VirtualClusterDelivery.flux(), {
    name: 'dev',
    values: {
      exportKubeConfig: { server: 'https://dev.team-a.example.com' },
      controlPlane: { statefulSet: { resources: { limits: { memory: '1Gi' } } } },
      sync: { toHost: { ingresses: { enabled: true }, pods: { translateImage: { 'nginx:1': 'registry.example.com/nginx:1' } } } },
    },
  }, { podSecurity: PodSecurityLevel.baseline('legacy images') })],
];

describe('the pinned chart', () => {
  test('is the shared chart of that release, of a supported minor: a bump without its chart here fails', () => {
    expect(fs.existsSync(VCLUSTER_CHART_DIR)).toBe(true);
    const chart = YAML.parse(fs.readFileSync(path.join(VCLUSTER_CHART_DIR, 'Chart.yaml'), 'utf8'));
    expect([chart.name, chart.version]).toEqual(['vcluster', VCLUSTER_CHART_VERSION]);
    expect(SUPPORTED_VCLUSTER_CHART_MINORS).toContain(VCLUSTER_CHART_VERSION.split('.').slice(0, 2).join('.'));
  });
});

describe.each(VARIANTS)('vcluster %s', (_, make) => {
  const [release] = make();
  const r = releaseOf(release);

  test('the values match the chart\'s values.schema.json', () => {
    expect(() => validateVClusterValues(r.values)).not.toThrow();
  });

  describe('rendered by Helm', () => {
    let rendered: K8sObject[];
    beforeAll(() => {
      rendered = renderVClusterRelease(r);
    });

    test('renders, in the host namespace only: no cluster-scoped object, nothing in another namespace', () => {
      expect(ofKind(rendered, 'StatefulSet')).toHaveLength(1);
      expect(rendered.filter((o) => o.metadata.namespace !== r.namespace).map((o) => `${o.kind}/${o.metadata.name} in ${o.metadata.namespace ?? '(cluster)'}`))
        .toEqual([]);
      expect(rendered.filter((o) => /^Cluster/.test(o.kind))).toEqual([]);
    });

    test('the control plane\'s Role reaches nothing outside the namespace\'s own kinds', () => {
      const rules = ofKind(rendered, 'Role').flatMap((role) => role.rules);
      expect(rules.length).toBeGreaterThan(0);
      for (const rule of rules) {
        expect(rule.apiGroups).not.toContain('*');
        expect(rule.resources).not.toContain('*');
        // Cluster-scoped kinds mean nothing in a Role; they would mean a host-level sync was asked for.
        expect(rule.resources.filter((x: string) => /^(nodes|namespaces|persistentvolumes|storageclasses|priorityclasses|deviceclasses|ingressclasses|runtimeclasses|gatewayclasses)$/.test(x))).toEqual([]);
      }
    });

    test('the control plane\'s Role may read Endpoints but write neither Endpoints nor EndpointSlices (CVE-2021-25740)', () => {
      const rules = ofKind(rendered, 'Role').flatMap((role) => role.rules);
      expect(endpointWrites(rules)).toEqual([]);
      // It still reads the host Endpoints of its own Service, which it mirrors into the virtual default/kubernetes.
      expect(rules.some((rule: any) => rule.apiGroups.includes('') && rule.resources.includes('endpoints') && rule.verbs.includes('watch'))).toBe(true);
    });

    test('every pod meets the tenant\'s Pod Security standard as set in the values', () => {
      const level = (r.values.policies as any).podSecurityStandard;
      const workloads = rendered.filter((o) => ['StatefulSet', 'Deployment', 'DaemonSet', 'Job'].includes(o.kind));
      expect(workloads.length).toBeGreaterThan(0);
      for (const w of workloads) {
        const spec = w.spec.template.spec;
        const where = `${w.kind}/${w.metadata.name}`;
        expect([where, spec.hostNetwork ?? false, spec.hostPID ?? false, spec.hostIPC ?? false]).toEqual([where, false, false, false]);
        expect([where, (spec.volumes ?? []).filter((v: any) => v.hostPath)]).toEqual([where, []]);
        expect([where, spec.securityContext?.runAsNonRoot, spec.securityContext?.seccompProfile?.type]).toEqual([where, true, 'RuntimeDefault']);
        for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
          const sc = c.securityContext ?? {};
          expect([where, c.name, sc.privileged ?? false, (c.ports ?? []).filter((p: any) => p.hostPort)]).toEqual([where, c.name, false, []]);
          if (level === 'restricted') {
            expect([where, c.name, sc.allowPrivilegeEscalation, sc.capabilities?.drop, sc.runAsUser === 0]).toEqual([where, c.name, false, ['ALL'], false]);
          }
        }
      }
    });

    test('the control plane\'s own config (the rendered vcluster.yaml) keeps every host-level sync off', () => {
      const secret = rendered.find((o) => o.kind === 'Secret' && o.data?.['config.yaml']);
      expect(secret).toBeDefined();
      const config = YAML.parse(Buffer.from(secret!.data['config.yaml'], 'base64').toString('utf8'));
      const off = (x: any) => x?.enabled === false;
      for (const k of ['namespaces', 'persistentVolumes', 'storageClasses', 'priorityClasses', 'resourceClaims', 'resourceClaimTemplates', 'gatewayApi']) {
        expect([k, off(config.sync.toHost[k])]).toEqual([k, true]);
      }
      expect(off(config.sync.toHost.pods.hybridScheduling)).toBe(true);
      expect([off(config.sync.toHost.endpoints), off(config.sync.toHost.endpointSlices)]).toEqual([true, true]);
      for (const k of ['nodes', 'priorityClasses', 'deviceClasses', 'ingressClasses', 'runtimeClasses', 'gatewayClasses', 'storageClasses', 'csiNodes',
        'csiDrivers', 'csiStorageCapacities', 'gateways', 'configMaps', 'secrets']) {
        expect([k, off(config.sync.fromHost[k])]).toEqual([k, true]);
      }
      expect(config.controlPlane.hostPathMapper.enabled).toBe(false);
      expect(config.policies.podSecurityStandard).toBe((r.values.policies as any).podSecurityStandard);
    });
  });
});

/** The write verbs a Role's rules grant on Endpoints or EndpointSlices, as `resource:verb`. */
function endpointWrites(rules: any[]): string[] {
  const writes = ['create', 'update', 'patch', 'delete', 'deletecollection', '*'];
  return rules.flatMap((rule) => rule.resources
    .filter((res: string) => (res === 'endpoints' && rule.apiGroups.includes('')) || (res === 'endpointslices' && rule.apiGroups.includes('discovery.k8s.io')))
    .flatMap((res: string) => rule.verbs.filter((v: string) => writes.includes(v)).map((v: string) => `${res}:${v}`)));
}

describe('what the render catches', () => {
  const [release] = releases(VirtualClusterDelivery.argoCd());
  const r = releaseOf(release);
  const withValues = (values: Record<string, unknown>) => ({ ...r, values });

  test('the values the library wrote before 0.36 (sync.toHost.volumeSnapshotContents) pass the schema but fail rendering', () => {
    const sync = (r.values as any).sync;
    const old = { ...r.values, sync: { ...sync, toHost: { ...sync.toHost, volumeSnapshotContents: { enabled: false } } } };
    expect(() => validateVClusterValues(old)).not.toThrow();
    expect(() => renderVClusterRelease(withValues(old))).toThrow(/sync.toHost.volumeSnapshotContents was removed in 0.36.0/);
  });

  test('a key the chart does not know fails the schema', () => {
    expect(() => validateVClusterValues({ ...r.values, sync: { ...(r.values.sync as any), toHost: { podz: { enabled: true } } } }))
      .toThrow(/must NOT have additional properties \(podz\)/);
  });

  test('the endpoints lock is what keeps endpoint writes out of the Role: the chart\'s defaults grant them', () => {
    const sync = (r.values as any).sync;
    const defaults = { ...r.values, sync: { ...sync, toHost: { ...sync.toHost, endpoints: { enabled: true }, endpointSlices: { enabled: true } } } };
    expect(endpointWrites(ofKind(renderVClusterRelease(withValues(defaults)), 'Role').flatMap((role) => role.rules))).toEqual([
      'endpoints:create', 'endpoints:delete', 'endpoints:patch', 'endpoints:update',
      'endpointslices:create', 'endpointslices:delete', 'endpointslices:patch', 'endpointslices:update',
    ]);
    // And they are the chart's defaults: a values object without the two keys gets them too.
    const { endpoints, endpointSlices, ...toHost } = sync.toHost;
    expect([endpoints, endpointSlices]).toEqual([{ enabled: false }, { enabled: false }]);
    expect(endpointWrites(ofKind(renderVClusterRelease(withValues({ ...r.values, sync: { ...sync, toHost } })), 'Role').flatMap((role) => role.rules)))
      .toHaveLength(8);
  });

  test('rbac.clusterRole.enabled: false holds even when a host-level sync is switched on behind the library\'s back', () => {
    const sync = (r.values as any).sync;
    const sneaky: Record<string, any> = { ...r.values, sync: { ...sync, fromHost: { ...sync.fromHost, secrets: { enabled: true, mappings: { byName: { 'kube-system/*': 'stolen/*' } } } } } };
    expect(ofKind(renderVClusterRelease(withValues(sneaky)), 'ClusterRole')).toEqual([]);
    // Without that lock the chart grants the control plane a ClusterRole: the lock is what keeps it out.
    const { rbac, ...unlocked } = sneaky;
    expect(ofKind(renderVClusterRelease(withValues(unlocked)), 'ClusterRole').map((o) => o.metadata.name)).toEqual(['vc-team-a-v-team-a-vc']);
  });
});

describe('the tenant\'s pod classes, rendered', () => {
  test('a sandboxed tenant with a default priority class: the control plane\'s pods and the synced pods name both', () => {
    const app = new App();
    const t = new SoftTenant(new Chart(app, 'team-a'), 'A', {
      name: 'team-a', priorityClasses: [TenantPriorityClass.of('tenant-normal')], defaultPriorityClass: 'tenant-normal',
    });
    t.addExtension(VirtualTenantCluster.forTenant({ delivery: VirtualClusterDelivery.argoCd(), apiServerCidrs: ['10.0.0.0/16'] }));
    t.addExtension(TenantSandbox.gvisor());
    const r = releaseOf(ofKind(synthObjects(app), 'Application')[0]);
    expect(() => validateVClusterValues(r.values)).not.toThrow();
    const rendered = renderVClusterRelease(r);
    const spec = ofKind(rendered, 'StatefulSet')[0].spec.template.spec;
    expect([spec.runtimeClassName, spec.priorityClassName]).toEqual(['gvisor', 'tenant-normal']);
    const config = YAML.parse(Buffer.from(rendered.find((o) => o.kind === 'Secret' && o.data?.['config.yaml'])!.data['config.yaml'], 'base64').toString('utf8'));
    expect([config.sync.toHost.pods.runtimeClassName, config.sync.toHost.pods.priorityClassName]).toEqual(['gvisor', 'tenant-normal']);
  });
});
