import { App, Chart } from 'cdk8s';
import { find, K8sObject, ofKind, synthObjects } from './helpers/manifests';
import { can } from './helpers/rbac';
import { validateAll } from './helpers/schema';
import { selects } from '../src/private/audit/selectors';
import { IstioInstall, IstioTenantControlPlane, SoftTenant, TenancyAudit, TENANT_LABEL, TenantMember } from 'cdk8s-tenancy';

function meshes(install = IstioInstall.sail('v1.26.2'), extra = {}) {
  const app = new App();
  const a = new SoftTenant(new Chart(app, 'team-a'), 'A', { name: 'team-a', namespaces: ['team-a', 'team-a-api'], admins: [TenantMember.group('team-a-admins')] });
  a.addExtension(IstioTenantControlPlane.forTenant({ install, ...extra }));
  const b = new SoftTenant(new Chart(app, 'team-b'), 'B', { name: 'team-b', admins: [TenantMember.group('team-b-admins')] });
  b.addExtension(IstioTenantControlPlane.forTenant({ install }));
  return synthObjects(app);
}

const istio = (objects: K8sObject[]) => objects.filter((o) => o.apiVersion === 'sailoperator.io/v1');
const validatable = (objects: K8sObject[]) => objects.filter((o) => o.apiVersion !== 'sailoperator.io/v1');

describe('IstioTenantControlPlane with the Sail operator', () => {
  const objects = meshes();

  test('the two-tenant output, pinned (a snapshot: the assertions below say why it is right)', () => {
    expect(objects).toMatchSnapshot();
  });

  test('every object with a published schema is valid (Sail has none on npm: checked by assertions below)', () => {
    expect(validateAll(validatable(objects))).toBe(objects.length - 2);
  });

  test('one Istio resource per tenant: its own revision, namespace, and discovery limited to the tenant label', () => {
    expect(istio(objects).map((o) => [o.metadata.name, o.spec.namespace, o.spec.version, o.spec.values])).toEqual([
      ['team-a', 'istio-team-a', 'v1.26.2', { revision: 'team-a', meshConfig: { discoverySelectors: [{ matchLabels: { [TENANT_LABEL]: 'team-a' } }] } }],
      ['team-b', 'istio-team-b', 'v1.26.2', { revision: 'team-b', meshConfig: { discoverySelectors: [{ matchLabels: { [TENANT_LABEL]: 'team-b' } }] } }],
    ]);
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
    const unsafe = meshes(IstioInstall.sail('v1.26.2'), { unsafeFullControlPlaneAccess: true });
    const admin = { kind: 'Group' as const, name: 'team-a-admins' };
    expect(can(unsafe, admin, 'get', '', 'secrets', 'istio-team-a')).toBe(true);
    expect(can(unsafe, admin, 'get', '', 'secrets', 'istio-team-b')).toBe(false);
  });

  test('the tenants still pass the audit', () => {
    expect(TenancyAudit.auditObjects(objects).tenants.flatMap((t) => t.checks).filter((c) => c.status === 'fail')).toEqual([]);
  });
});

test('IstioOperator for istioctl: per tenant, base disabled, valid against its schema', () => {
  const objects = meshes(IstioInstall.istioOperator('v1.25.1'));
  const ops = ofKind(objects, 'IstioOperator');
  validateAll(ops);
  expect(ops.map((o) => [o.metadata.namespace, o.spec.revision, o.spec.components, o.spec.meshConfig])).toEqual([
    ['istio-team-a', 'team-a', { base: { enabled: false } }, { discoverySelectors: [{ matchLabels: { [TENANT_LABEL]: 'team-a' } }] }],
    ['istio-team-b', 'team-b', { base: { enabled: false } }, { discoverySelectors: [{ matchLabels: { [TENANT_LABEL]: 'team-b' } }] }],
  ]);
});

describe('bad input', () => {
  const apply = (options: any, name = 'team-a', namespaces?: string[]) => () => {
    const t = new SoftTenant(new Chart(new App(), 'c'), 'T', { name, namespaces });
    t.addExtension(IstioTenantControlPlane.forTenant({ install: IstioInstall.sail('v1.26.2'), ...options }));
  };
  test.each([
    ['a revision with dots', apply({ revision: '1.24.0' }), /c\/T: invalid mesh revision '1.24.0': must be a DNS-1123 label/],
    ['a revision over 63 characters', apply({ revision: 'r'.repeat(64) }), /invalid mesh revision 'r{64}': must be a DNS-1123 label of 1 to 63/],
    ['an unsupported Istio version', apply({ install: IstioInstall.sail('v1.18.0') }), /invalid mesh version 'v1.18.0': must be an Istio release of v1.24/],
    ['a version that is not one', apply({ install: IstioInstall.istioOperator('latest') }), /invalid mesh version 'latest'/],
    ['an allowed namespace that is not a DNS label', apply({ allowedNamespaces: ['Ingress NS'] }), /invalid mesh allowedNamespaces\[0\] 'Ingress NS'/],
    ['a control-plane namespace that is not a DNS label', apply({ namespace: 'Istio_A' }), /invalid mesh namespace 'Istio_A'/],
    ['a control-plane namespace that is the tenant\'s', apply({ namespace: 'team-a-api' }, 'team-a', ['team-a', 'team-a-api']), /invalid mesh namespace 'team-a-api': is one of the tenant's own namespaces/],
  ])('%s', (_, call, message) => {
    expect(call).toThrow(message);
  });

  test('two tenants claiming one revision, or one control-plane namespace, or a tenant namespace', () => {
    const app = new App();
    new SoftTenant(new Chart(app, 'a'), 'A', { name: 'team-a' }).addExtension(IstioTenantControlPlane.forTenant({ install: IstioInstall.sail('v1.26.2'), revision: 'shared' }));
    const b = new SoftTenant(new Chart(app, 'b'), 'B', { name: 'team-b' });
    expect(() => b.addExtension(IstioTenantControlPlane.forTenant({ install: IstioInstall.sail('v1.26.2'), revision: 'shared' })))
      .toThrow(/b\/B: invalid mesh revision 'shared': is already the revision of tenant 'team-a'/);
    const c = new SoftTenant(new Chart(app, 'c'), 'C', { name: 'team-c' });
    expect(() => c.addExtension(IstioTenantControlPlane.forTenant({ install: IstioInstall.sail('v1.26.2'), namespace: 'istio-team-a' })))
      .toThrow(/invalid mesh namespace 'istio-team-a': already belongs to 'mesh of team-a'/);
    const d = new SoftTenant(new Chart(app, 'd'), 'D', { name: 'team-d' });
    expect(() => d.addExtension(IstioTenantControlPlane.forTenant({ install: IstioInstall.sail('v1.26.2'), namespace: 'team-b' })))
      .toThrow(/invalid mesh namespace 'team-b': already belongs to 'team-b'/);
  });
});
