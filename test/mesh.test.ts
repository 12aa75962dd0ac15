import { App, Chart } from 'cdk8s';
import { crdSchemas } from './helpers/crd-schema';
import { find, K8sObject, ofKind, synthObjects } from './helpers/manifests';
import { can } from './helpers/rbac';
import { validateAll } from './helpers/schema';
import { selects } from '../src/audit/kit/selectors';
import { IstioCni, IstioInstall, IstioTenantControlPlane, PodSecurityLevel, SoftTenant, SUPPORTED_ISTIO_VERSIONS, TenancyAudit, TENANT_LABEL, TenantMember } from 'cdk8s-tenancy';

function meshes(install = IstioInstall.sail('v1.30.3'), extra = {}) {
  const app = new App();
  const a = new SoftTenant(new Chart(app, 'team-a'), 'A', { name: 'team-a', namespaces: ['team-a', 'team-a-api'], admins: [TenantMember.group('team-a-admins')] });
  a.addExtension(IstioTenantControlPlane.forTenant({ install, ...extra }));
  const b = new SoftTenant(new Chart(app, 'team-b'), 'B', { name: 'team-b', admins: [TenantMember.group('team-b-admins')] });
  b.addExtension(IstioTenantControlPlane.forTenant({ install }));
  return synthObjects(app);
}

const istio = (objects: K8sObject[]) => ofKind(objects, 'Istio');

/**
 * Sail's IstioCNI CRD is not in ../shared/schemas (only Istio and
 * IstioRevision are), so it cannot go through validateAll. What can be
 * checked without it is: the fields Sail 1.30.3's IstioCNI v1 declares
 * (version, namespace, profile, values, updateStrategy), the version against
 * the enum Sail uses for both kinds (read from the shared Istio CRD), and the
 * CRD's rule that the one IstioCNI of a cluster is named `default`.
 */
function checkIstioCni(o: K8sObject): void {
  const versionEnum: string[] = crdSchemas().get('sailoperator.io/v1/Istio')!.properties.spec.properties.version.enum;
  expect(Object.keys(o).sort()).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
  expect(o.metadata.name).toBe('default');
  expect(o.metadata.namespace).toBeUndefined();
  expect(['namespace', 'profile', 'updateStrategy', 'values', 'version']).toEqual(expect.arrayContaining(Object.keys(o.spec)));
  expect(versionEnum).toContain(o.spec.version);
  expect(typeof o.spec.namespace).toBe('string');
}

/** Every object valid against its schema: the shared Sail CRD for Istio, kubernetes-models for the rest, checkIstioCni for IstioCNI. */
function validateMesh(objects: K8sObject[]): number {
  const cni = objects.filter((o) => o.kind === 'IstioCNI');
  cni.forEach(checkIstioCni);
  return validateAll(objects.filter((o) => o.kind !== 'IstioCNI')) + cni.length;
}

describe('IstioTenantControlPlane with the Sail operator', () => {
  const objects = meshes();

  test('the two-tenant output, pinned (a snapshot: the assertions below say why it is right)', () => {
    expect(objects).toMatchSnapshot();
  });

  test('every object is valid: the Istio resources against the upstream Sail 1.30.3 CRD, the Istio policies at v1', () => {
    expect(validateMesh(objects)).toBe(objects.length);
    expect(objects.filter((o) => o.apiVersion.endsWith('.istio.io/v1beta1'))).toEqual([]);
    expect(ofKind(objects, 'PeerAuthentication').map((o) => o.apiVersion)).toEqual(Array(3).fill('security.istio.io/v1'));
    expect(ofKind(objects, 'Sidecar').map((o) => o.apiVersion)).toEqual(Array(3).fill('networking.istio.io/v1'));
  });

  test('one Istio resource per tenant: its own revision, namespace, discovery limited to the tenant label, and the CNI plugin on', () => {
    expect(istio(objects).map((o) => [o.metadata.name, o.spec.namespace, o.spec.version, o.spec.values])).toEqual([
      ['team-a', 'istio-team-a', 'v1.30.3', { revision: 'team-a', meshConfig: { discoverySelectors: [{ matchLabels: { [TENANT_LABEL]: 'team-a' } }] }, pilot: { cni: { enabled: true } } }],
      ['team-b', 'istio-team-b', 'v1.30.3', { revision: 'team-b', meshConfig: { discoverySelectors: [{ matchLabels: { [TENANT_LABEL]: 'team-b' } }] }, pilot: { cni: { enabled: true } } }],
    ]);
  });

  test('one IstioCNI for the cluster, however many tenants, in a privileged platform namespace of its own', () => {
    const cni = ofKind(objects, 'IstioCNI');
    expect(cni.map((o) => [o.metadata.name, o.spec])).toEqual([['default', { version: 'v1.30.3', namespace: 'istio-cni' }]]);
    const ns = find(objects, 'Namespace', 'istio-cni');
    expect(ns.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'privileged', 'pod-security.kubernetes.io/enforce-version': 'v1.32' });
    expect(ns.metadata.labels![TENANT_LABEL]).toBeUndefined();
    expect(ns.metadata.annotations!['cdk8s-tenancy.io/pod-security-exception']).toMatch(/CNI node agent/);
  });

  test('the control-plane namespace follows the tenant\'s Pod Security version, at baseline with the reason recorded, audited at restricted', () => {
    expect(find(objects, 'Namespace', 'istio-team-a').metadata).toMatchObject({
      labels: {
        'pod-security.kubernetes.io/enforce': 'baseline',
        'pod-security.kubernetes.io/enforce-version': 'v1.32',
        'pod-security.kubernetes.io/audit': 'restricted',
        'pod-security.kubernetes.io/audit-version': 'latest',
        'pod-security.kubernetes.io/warn': 'restricted',
        'pod-security.kubernetes.io/warn-version': 'latest',
      },
      annotations: { 'cdk8s-tenancy.io/pod-security-exception': expect.stringMatching(/seccomp/) },
    });
    const app = new App();
    new SoftTenant(new Chart(app, 'a'), 'A', { name: 'team-a', podSecurityVersion: 'v1.35' })
      .addExtension(IstioTenantControlPlane.forTenant({ install: IstioInstall.sail('v1.30.3') }));
    const out = synthObjects(app);
    expect(find(out, 'Namespace', 'istio-team-a').metadata.labels!['pod-security.kubernetes.io/enforce-version']).toBe('v1.35');
    expect(find(out, 'Namespace', 'team-a').metadata.labels!['pod-security.kubernetes.io/enforce-version']).toBe('v1.35');
  });

  test('discovery selects exactly the tenant\'s namespaces: never another tenant\'s, never a control plane', () => {
    const namespaces = ofKind(objects, 'Namespace');
    for (const cp of istio(objects)) {
      const discovers = (ns: K8sObject) => cp.spec.values.meshConfig.discoverySelectors.some((s: any) => selects(s, ns.metadata.labels ?? {}));
      const seen = namespaces.filter(discovers).map((n) => n.metadata.name);
      expect(seen).toEqual(cp.metadata.name === 'team-a' ? ['team-a', 'team-a-api'] : ['team-b']);
    }
  });

  test('the tenant\'s namespaces carry the revision for injection, and may reach their istiod only', () => {
    expect(find(objects, 'Namespace', 'team-a-api').metadata.labels!['istio.io/rev']).toBe('team-a');
    expect(find(objects, 'Namespace', 'team-b').metadata.labels!['istio.io/rev']).toBe('team-b');
    expect(find(objects, 'NetworkPolicy', 'allow-declared-egress', 'team-a').spec.egress).toEqual([{
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-team-a' } }, podSelector: { matchLabels: { app: 'istiod' } } }],
      ports: [{ protocol: 'TCP', port: 15012 }],
    }]);
  });

  test('mesh policies in every tenant namespace: STRICT mTLS, egress scope, deny other namespaces', () => {
    for (const ns of ['team-a', 'team-a-api']) {
      expect(find(objects, 'PeerAuthentication', 'default', ns).spec).toEqual({ mtls: { mode: 'STRICT' } });
      expect(find(objects, 'Sidecar', 'default', ns).spec).toEqual({ egress: [{ hosts: ['team-a/*', 'team-a-api/*', 'istio-team-a/*'] }] });
      expect(find(objects, 'AuthorizationPolicy', 'deny-other-tenants', ns).spec).toEqual({ action: 'DENY', rules: [{ from: [{ source: { notNamespaces: ['team-a', 'team-a-api'] } }] }] });
    }
  });

  test('the seed\'s RBAC test: the tenant admin manages Istio config in its namespaces, only reads its control plane, and nothing else', () => {
    const admin = { kind: 'Group' as const, name: 'team-a-admins' };
    expect(can(objects, admin, 'create', 'networking.istio.io', 'virtualservices', 'team-a')).toBe(true);
    expect(can(objects, admin, 'update', 'security.istio.io', 'authorizationpolicies', 'team-a-api')).toBe(true);
    expect(can(objects, admin, 'get', '', 'pods', 'istio-team-a')).toBe(true);
    expect(can(objects, admin, 'create', '', 'pods/exec', 'istio-team-a')).toBe(false);
    expect(can(objects, admin, 'get', '', 'secrets', 'istio-team-a')).toBe(false);
    expect(can(objects, admin, 'update', 'apps', 'deployments', 'istio-team-a')).toBe(false);
    expect(can(objects, admin, 'create', 'networking.istio.io', 'virtualservices', 'team-b')).toBe(false);
    expect(can(objects, admin, 'get', '', 'pods', 'istio-team-b')).toBe(false);
    expect(can(objects, admin, 'create', 'networking.istio.io', 'virtualservices')).toBe(false);
  });

  test('the seed\'s full control-plane access is an explicit opt-in', () => {
    const unsafe = meshes(IstioInstall.sail('v1.30.3'), { unsafeFullControlPlaneAccess: true });
    const admin = { kind: 'Group' as const, name: 'team-a-admins' };
    expect(can(unsafe, admin, 'get', '', 'secrets', 'istio-team-a')).toBe(true);
    expect(can(unsafe, admin, 'get', '', 'secrets', 'istio-team-b')).toBe(false);
  });

  test('the tenants still pass the audit', () => {
    expect(TenancyAudit.auditObjects(objects).tenants.flatMap((t) => t.checks).filter((c) => c.status === 'fail')).toEqual([]);
  });
});

test('IstioOperator for istioctl: per tenant, base disabled, the CNI plugin (installed by the platform) on, valid against its schema', () => {
  const objects = meshes(IstioInstall.istioOperator('v1.29.6'));
  const ops = ofKind(objects, 'IstioOperator');
  expect(validateAll(objects)).toBe(objects.length);
  expect(ops.map((o) => [o.metadata.namespace, o.spec.revision, o.spec.components, o.spec.meshConfig, o.spec.values.pilot])).toEqual([
    ['istio-team-a', 'team-a', { base: { enabled: false } }, { discoverySelectors: [{ matchLabels: { [TENANT_LABEL]: 'team-a' } }] }, { cni: { enabled: true } }],
    ['istio-team-b', 'team-b', { base: { enabled: false } }, { discoverySelectors: [{ matchLabels: { [TENANT_LABEL]: 'team-b' } }] }, { cni: { enabled: true } }],
  ]);
  expect(ofKind(objects, 'IstioCNI')).toEqual([]);
});

describe('Istio versions: the releases Sail 1.30.3 installs', () => {
  const sailEnum: string[] = crdSchemas().get('sailoperator.io/v1/Istio')!.properties.spec.properties.version.enum;
  const minorOf = (v: string) => Number(/^v1\.(\d+)/.exec(v)![1]);

  test('accepted: exactly the CRD enum\'s releases and aliases from v1.28 on (Sail refuses older ones as end-of-life)', () => {
    expect([...SUPPORTED_ISTIO_VERSIONS].sort()).toEqual(sailEnum.filter((v) => minorOf(v) >= 28).sort());
    expect(SUPPORTED_ISTIO_VERSIONS).toEqual(expect.arrayContaining(['v1.28.0', 'v1.29.6', 'v1.30.3', 'v1.28-latest', 'v1.30-latest']));
  });

  test.each(['v1.28.0', 'v1.29.6', 'v1.30.3', 'v1.30-latest', 'v1.28-latest'])('Sail installs %s, and every object stays valid', (version) => {
    const objects = meshes(IstioInstall.sail(version));
    expect(istio(objects).map((o) => o.spec.version)).toEqual([version, version]);
    expect(validateMesh(objects)).toBe(objects.length);
  });
});

describe('bad input', () => {
  let lastApp: App;
  const apply = (options: any, name = 'team-a', namespaces?: string[]) => () => {
    lastApp = new App();
    const t = new SoftTenant(new Chart(lastApp, 'c'), 'T', { name, namespaces });
    t.addExtension(IstioTenantControlPlane.forTenant({ install: IstioInstall.sail('v1.30.3'), ...options }));
  };
  const MESH_KINDS = ['Istio', 'IstioOperator', 'IstioCNI', 'PeerAuthentication', 'Sidecar', 'AuthorizationPolicy'];
  test.each([
    ['a revision with dots', apply({ revision: '1.24.0' }), /c\/T: invalid mesh revision '1.24.0': must be a DNS-1123 label/],
    ['a revision over 63 characters', apply({ revision: 'r'.repeat(64) }), /invalid mesh revision 'r{64}': must be a DNS-1123 label of 1 to 63/],
    ['an end-of-life Istio release', apply({ install: IstioInstall.sail('v1.27.9') }),
      /c\/T: invalid mesh version 'v1.27.9': must be a release the Sail operator 1.30.3 installs, v1.28.0 to v1.30.3, or a minor's alias, v1.28-latest to v1.30-latest .*Releases before v1.28 are end-of-life/],
    ['a long-gone Istio release', apply({ install: IstioInstall.sail('v1.18.0') }), /invalid mesh version 'v1.18.0': .*end-of-life/],
    ['a bare minor (not in Sail\'s enum)', apply({ install: IstioInstall.sail('v1.30') }), /invalid mesh version 'v1.30': .*A bare minor is not a release: add the patch or '-latest' \(e.g. 'v1.30-latest'\)/],
    ['an end-of-life bare minor', apply({ install: IstioInstall.sail('v1.27') }), /invalid mesh version 'v1.27': .*A bare minor is not a release/],
    ['a patch Sail 1.30.3 does not know', apply({ install: IstioInstall.sail('v1.30.4') }), /invalid mesh version 'v1.30.4': must be a release the Sail operator 1.30.3 installs/],
    ['an end-of-life minor\'s alias', apply({ install: IstioInstall.sail('v1.27-latest') }), /invalid mesh version 'v1.27-latest'/],
    ['a Sail alias for istioctl', apply({ install: IstioInstall.istioOperator('v1.30-latest') }), /invalid mesh version 'v1.30-latest': must be an Istio release from v1.28.0 to v1.30.3 .*'-latest' aliases are Sail's/],
    ['a bare minor for istioctl', apply({ install: IstioInstall.istioOperator('v1.29') }), /invalid mesh version 'v1.29': must be an Istio release from v1.28.0 to v1.30.3 .*add the patch\./],
    ['a version that is not one', apply({ install: IstioInstall.istioOperator('latest') }), /invalid mesh version 'latest'/],
    ['no CNI plugin at restricted', apply({ cni: IstioCni.disabled() }),
      /c\/T: invalid mesh cni 'IstioCni.disabled\(\)': leaves sidecar injection to the istio-init container \(root, NET_ADMIN and NET_RAW\), which the tenant's Pod Security level 'restricted' refuses.*Use IstioCni.sail\(\) or IstioCni.preinstalled\(\)/],
    ['Sail\'s CNI without the Sail operator', apply({ install: IstioInstall.istioOperator('v1.30.3'), cni: IstioCni.sail() }), /invalid mesh cni 'IstioCni.sail\(\)': needs the Sail operator/],
    ['a CNI version Sail does not install', apply({ cni: IstioCni.sail({ version: 'v1.27.9' }) }), /invalid mesh cni version 'v1.27.9': must be a release the Sail operator 1.30.3 installs/],
    ['a CNI namespace that is not a DNS label', apply({ cni: IstioCni.sail({ namespace: 'Istio CNI' }) }), /invalid mesh cni namespace 'Istio CNI': must be a DNS-1123 label/],
    ['a CNI namespace that is the tenant\'s', apply({ cni: IstioCni.sail({ namespace: 'team-a' }) }), /invalid mesh cni namespace 'team-a': already belongs to 'team-a': a platform namespace is shared by no tenant/],
    ['an allowed namespace that is not a DNS label', apply({ allowedNamespaces: ['Ingress NS'] }), /invalid mesh allowedNamespaces\[0\] 'Ingress NS'/],
    ['a control-plane namespace that is not a DNS label', apply({ namespace: 'Istio_A' }), /invalid mesh namespace 'Istio_A'/],
    ['a control-plane namespace that is the tenant\'s', apply({ namespace: 'team-a-api' }, 'team-a', ['team-a', 'team-a-api']), /invalid mesh namespace 'team-a-api': is one of the tenant's own namespaces/],
  ])('%s', (_, call, message) => {
    expect(call).toThrow(message);
    // Nothing of the mesh is emitted, not even the cluster-wide CNI or the control-plane namespace.
    const out = synthObjects(lastApp);
    expect(out.filter((o) => MESH_KINDS.includes(o.kind) || o.metadata.name.startsWith('tenant-admin-control-plane')
      || (o.kind === 'Namespace' && !['team-a', 'team-a-api'].includes(o.metadata.name)))).toEqual([]);
  });

  test('no CNI plugin is refused at baseline too, and allowed only for a privileged tenant (then the injector adds istio-init)', () => {
    const tenant = (podSecurity: PodSecurityLevel) => {
      const app = new App();
      new SoftTenant(new Chart(app, 'c'), 'T', { name: 'team-a', podSecurity })
        .addExtension(IstioTenantControlPlane.forTenant({ install: IstioInstall.sail('v1.30.3'), cni: IstioCni.disabled() }));
      return app;
    };
    expect(() => tenant(PodSecurityLevel.baseline('legacy'))).toThrow(/invalid mesh cni 'IstioCni.disabled\(\)': .*Pod Security level 'baseline' refuses/);
    const objects = synthObjects(tenant(PodSecurityLevel.privilegedUnsafe('runs node agents')));
    expect(istio(objects)[0].spec.values.pilot).toBeUndefined();
    expect(ofKind(objects, 'IstioCNI')).toEqual([]);
  });

  test('the CNI namespace is no tenant\'s: neither another tenant\'s, nor one declared later, nor a control plane\'s', () => {
    const app = new App();
    new SoftTenant(new Chart(app, 'a'), 'A', { name: 'team-a' }).addExtension(IstioTenantControlPlane.forTenant({ install: IstioInstall.sail('v1.30.3') }));
    expect(() => new SoftTenant(new Chart(app, 'b'), 'B', { name: 'istio-cni' }))
      .toThrow(/b\/B: invalid name 'istio-cni': already belongs to tenant 'the Istio CNI node agent'/);
    const c = new SoftTenant(new Chart(app, 'c'), 'C', { name: 'team-c' });
    expect(() => c.addExtension(IstioTenantControlPlane.forTenant({ install: IstioInstall.sail('v1.30.3'), cni: IstioCni.sail({ namespace: 'team-a' }) })))
      .toThrow(/c\/C: invalid mesh cni namespace 'team-a': already belongs to 'team-a'/);
    const d = new SoftTenant(new Chart(app, 'd'), 'D', { name: 'team-d' });
    expect(() => d.addExtension(IstioTenantControlPlane.forTenant({ install: IstioInstall.sail('v1.30.3'), namespace: 'istio-cni' })))
      .toThrow(/d\/D: invalid mesh namespace 'istio-cni': already belongs to 'the Istio CNI node agent'/);
  });

  test('tenants asking for different IstioCNI versions: one per cluster, so the second is refused, naming the first', () => {
    const app = new App();
    new SoftTenant(new Chart(app, 'a'), 'A', { name: 'team-a' }).addExtension(IstioTenantControlPlane.forTenant({ install: IstioInstall.sail('v1.30.3') }));
    const b = new SoftTenant(new Chart(app, 'b'), 'B', { name: 'team-b' });
    expect(() => b.addExtension(IstioTenantControlPlane.forTenant({ install: IstioInstall.sail('v1.29.6') })))
      .toThrow(/b\/B: invalid mesh cni 'IstioCni.sail\(\{ version: 'v1.29.6', namespace: 'istio-cni' \}\)': conflicts with tenant 'team-a', which asked for version 'v1.30.3'/);
    // A canary: the older control plane names the cluster's CNI version.
    new SoftTenant(new Chart(app, 'c'), 'C', { name: 'team-c' }).addExtension(IstioTenantControlPlane.forTenant({ install: IstioInstall.sail('v1.29.6'), cni: IstioCni.sail({ version: 'v1.30.3' }) }));
    const objects = synthObjects(app);
    expect(istio(objects).map((o) => [o.metadata.name, o.spec.version])).toEqual([['team-a', 'v1.30.3'], ['team-c', 'v1.29.6']]);
    expect(ofKind(objects, 'IstioCNI').map((o) => o.spec.version)).toEqual(['v1.30.3']);
  });

  test('two tenants claiming one revision, or one control-plane namespace, or a tenant namespace', () => {
    const app = new App();
    new SoftTenant(new Chart(app, 'a'), 'A', { name: 'team-a' }).addExtension(IstioTenantControlPlane.forTenant({ install: IstioInstall.sail('v1.30.3'), revision: 'shared' }));
    const b = new SoftTenant(new Chart(app, 'b'), 'B', { name: 'team-b' });
    expect(() => b.addExtension(IstioTenantControlPlane.forTenant({ install: IstioInstall.sail('v1.30.3'), revision: 'shared' })))
      .toThrow(/b\/B: invalid mesh revision 'shared': is already the revision of tenant 'team-a'/);
    const c = new SoftTenant(new Chart(app, 'c'), 'C', { name: 'team-c' });
    expect(() => c.addExtension(IstioTenantControlPlane.forTenant({ install: IstioInstall.sail('v1.30.3'), namespace: 'istio-team-a' })))
      .toThrow(/invalid mesh namespace 'istio-team-a': already belongs to 'mesh of team-a'/);
    const d = new SoftTenant(new Chart(app, 'd'), 'D', { name: 'team-d' });
    expect(() => d.addExtension(IstioTenantControlPlane.forTenant({ install: IstioInstall.sail('v1.30.3'), namespace: 'team-b' })))
      .toThrow(/invalid mesh namespace 'team-b': already belongs to 'team-b'/);
  });
});
