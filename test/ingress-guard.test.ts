import { App, Chart } from 'cdk8s';
import { admit, AdmissionRequest } from './helpers/admission';
import { find, K8sObject, synthObjects } from './helpers/manifests';
import { can } from './helpers/rbac';
import { GITOPS, Requester, TENANTS } from './helpers/requesters';
import { CheckStatus, SoftTenant, TenancyAudit, TenantGatewayApi, TenantHostnames, TenantIngressClasses, TenantMember } from 'cdk8s-tenancy';

/*
 * The ingress guard (IngressClasses, GatewayClasses, hostnames), proven
 * with the CEL model; the tenants' Gateway API rights with the RBAC model;
 * and the audit's host+path collision check. The same tables run on the
 * real API server in test/cluster/ingress-rights.cluster.test.ts.
 */

const app = new App();
const chart = new Chart(app, 'tenants');
// team-a keeps every default: any class and host, no Gateway API rights.
new SoftTenant(chart, 'A', { name: 'team-a' });
new SoftTenant(chart, 'B', {
  name: 'team-b',
  admins: [TenantMember.group('team-b-admins')],
  users: [TenantMember.group('team-b-devs')],
  ingress: {
    ingressClasses: TenantIngressClasses.only(['nginx-internal', 'nginx-public'], 'nginx-internal'),
    gatewayApi: TenantGatewayApi.routesAndGateways(['eg']),
    hostnames: TenantHostnames.only(['shop.example.com', '*.team-b.example.com']),
  },
});
new SoftTenant(chart, 'C', { name: 'team-c', admins: [TenantMember.group('team-c-admins')], ingress: { gatewayApi: TenantGatewayApi.routes() } });
const manifests = synthObjects(app);
const ns = (name: string) => find(manifests, 'Namespace', name);

const RESOURCE: Record<string, AdmissionRequest['resource']> = {
  Ingress: { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses' },
  Gateway: { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'gateways' },
  HTTPRoute: { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'httproutes' },
  GRPCRoute: { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'grpcroutes' },
};

export function ingress(namespace: string, spec: Record<string, any>, annotations?: Record<string, string>): K8sObject {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace, ...(annotations ? { annotations } : {}) }, spec };
}
export const rule = (host?: string, path = '/') => ({
  ...(host ? { host } : {}),
  http: { paths: [{ path, pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] },
});
export function gateway(namespace: string, gatewayClassName: string, hostnames: (string | undefined)[], extra: Record<string, any> = {}): K8sObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'gw', namespace },
    spec: { gatewayClassName, listeners: hostnames.map((h, i) => ({ name: `l${i}`, port: 80, protocol: 'HTTP', ...(h ? { hostname: h } : {}) })), ...extra },
  };
}
export function route(namespace: string, hostnames?: string[], kind = 'HTTPRoute'): K8sObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind,
    metadata: { name: 'web', namespace },
    spec: { parentRefs: [{ name: 'shared', namespace: 'gateways' }], ...(hostnames ? { hostnames } : {}), rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] },
  };
}

function req(who: Requester, object: K8sObject): AdmissionRequest {
  const namespace = object.metadata.namespace!;
  return { operation: 'CREATE', resource: RESOURCE[object.kind], namespace, namespaceObject: ns(namespace), object, oldObject: null, ...who };
}
const denied = (r: AdmissionRequest, message: RegExp) => {
  const result = admit(manifests, r);
  expect(result.errors).toEqual([]);
  expect(result.allowed).toBe(false);
  expect(result.denials.map((d) => d.policy)).toEqual(['cdk8s-tenancy-ingress']);
  expect(result.denials[0].message).toMatch(message);
};
const allowed = (r: AdmissionRequest) => expect(admit(manifests, r)).toMatchObject({ allowed: true, errors: [], denials: [] });

/** Requests the guard refuses, with the message it gives. Exported: the cluster tier replays them. */
export const DENIED: [string, K8sObject, RegExp][] = [
  ['an Ingress of a class outside the allowlist', ingress('team-b', { ingressClassName: 'nginx-admin', rules: [rule('shop.example.com')] }),
    /tenant team-b may only use the IngressClasses nginx-internal, nginx-public: set spec.ingressClassName \(the tenant's default is nginx-internal\), not nginx-admin/],
  ['an Ingress without a class', ingress('team-b', { rules: [rule('shop.example.com')] }), /set spec.ingressClassName \(the tenant's default is nginx-internal\)$/],
  ['an Ingress of an allowed class with another class in the legacy annotation', ingress('team-b', { ingressClassName: 'nginx-internal', rules: [rule('shop.example.com')] }, { 'kubernetes.io/ingress.class': 'nginx-admin' }),
    /not nginx-admin, nginx-internal \(field or kubernetes.io\/ingress.class annotation\)/],
  ['an Ingress for a host outside the allowlist', ingress('team-b', { ingressClassName: 'nginx-public', rules: [rule('shop.example.com'), rule('bank.example.com')] }),
    /tenant team-b may only serve the hostnames shop.example.com, \*.team-b.example.com: every Ingress rule and TLS entry must name one of them/],
  ['an Ingress rule without host (serves every host)', ingress('team-b', { ingressClassName: 'nginx-public', rules: [rule()] }), /a rule without host/],
  ['an Ingress with a default backend', ingress('team-b', { ingressClassName: 'nginx-public', defaultBackend: { service: { name: 'web', port: { number: 80 } } } }), /default backend/],
  ['an Ingress with a TLS host outside the allowlist', ingress('team-b', { ingressClassName: 'nginx-public', rules: [rule('a.team-b.example.com')], tls: [{ hosts: ['team-b.example.com'], secretName: 'tls' }] }),
    /may only serve the hostnames/],
  ['an Ingress for a broader wildcard than allowed', ingress('team-b', { ingressClassName: 'nginx-public', rules: [rule('*.example.com')] }), /may only serve the hostnames/],
  ['a Gateway where none are allowed', gateway('team-c', 'eg', ['a.example.com']), /tenant team-c may not create Gateways \(none of its own are allowed/],
  ['a Gateway where the tenant keeps the defaults', gateway('team-a', 'eg', ['a.example.com']), /tenant team-a may not create Gateways/],
  ['a Gateway of another class', gateway('team-b', 'istio', ['shop.example.com']), /tenant team-b may only create Gateways of the GatewayClasses eg, not istio/],
  ['a Gateway listener without hostname', gateway('team-b', 'eg', ['shop.example.com', undefined]), /every Gateway listener must name one of them/],
  ['a Gateway listener for another host', gateway('team-b', 'eg', ['x.team-a.example.com']), /every Gateway listener must name one of them/],
  ['a Gateway asking for an address', gateway('team-b', 'eg', ['shop.example.com'], { addresses: [{ type: 'IPAddress', value: '203.0.113.7' }] }), /may not request addresses for a Gateway/],
  ['an HTTPRoute without hostnames (every host of its Gateway)', route('team-b'), /every route must list spec.hostnames/],
  ['an HTTPRoute for a host outside the allowlist', route('team-b', ['shop.example.com', 'bank.example.com']), /every route must list spec.hostnames, each one of them/],
  ['a GRPCRoute for a host outside the allowlist', route('team-b', ['grpc.example.com'], 'GRPCRoute'), /every route must list spec.hostnames/],
];

/** Requests the guard admits. Exported: the cluster tier replays them. */
export const ADMITTED: [string, K8sObject][] = [
  ['an Ingress of an allowed class for an exact host', ingress('team-b', { ingressClassName: 'nginx-public', rules: [rule('shop.example.com')], tls: [{ hosts: ['shop.example.com'], secretName: 'tls' }] })],
  ['an Ingress for a name below an allowed wildcard (any depth)', ingress('team-b', { ingressClassName: 'nginx-internal', rules: [rule('api.eu.team-b.example.com')] })],
  ['an Ingress for the allowed wildcard itself', ingress('team-b', { ingressClassName: 'nginx-internal', rules: [rule('*.team-b.example.com')] })],
  ['an Ingress of any class, without class, for any host, where no allowlist is set', ingress('team-a', { rules: [rule()] })],
  ['a Gateway of an allowed class for allowed hosts', gateway('team-b', 'eg', ['shop.example.com', '*.team-b.example.com'])],
  ['an HTTPRoute for allowed hosts', route('team-b', ['shop.example.com', 'www.team-b.example.com'])],
  ['a GRPCRoute for an allowed host', route('team-b', ['grpc.team-b.example.com'], 'GRPCRoute')],
  ['an HTTPRoute without hostnames where no allowlist is set', route('team-c')],
];

describe.each(TENANTS)('a %s', (_, who) => {
  test.each(DENIED)('may not create %s', (__, object, message) => denied(req(who, object), message));
  test.each(ADMITTED)('may create %s', (__, object) => allowed(req(who, object)));
});

test('an update is judged like a create (a class changed later)', () => {
  const [, who] = TENANTS[0];
  const before = ingress('team-b', { ingressClassName: 'nginx-public', rules: [rule('shop.example.com')] });
  const after = ingress('team-b', { ingressClassName: 'nginx-admin', rules: [rule('shop.example.com')] });
  denied({ ...req(who, after), operation: 'UPDATE', oldObject: before }, /nginx-admin/);
});

test('the platform\'s GitOps controller is not held (it may create a Gateway anywhere)', () => {
  allowed(req(GITOPS, gateway('team-a', 'istio', [undefined])));
});

test('the guard and team-b\'s roles, pinned (the assertions around it say why they are right)', () => {
  expect(manifests.filter((o) => o.metadata.name === 'cdk8s-tenancy-ingress' || (o.kind === 'Role' && o.metadata.namespace === 'team-b'))).toMatchSnapshot();
});

test('the guard: one policy and binding, bound in tenant namespaces, with each tenant\'s rules', () => {
  const policy = find(manifests, 'ValidatingAdmissionPolicy', 'cdk8s-tenancy-ingress');
  expect(policy.spec.failurePolicy).toBe('Fail');
  expect(policy.spec.matchConstraints.namespaceSelector).toEqual({ matchExpressions: [{ key: 'cdk8s-tenancy.io/tenant', operator: 'Exists' }] });
  expect(policy.spec.matchConstraints.resourceRules.map((r: any) => [r.apiGroups, r.resources])).toEqual([
    [['networking.k8s.io'], ['ingresses']], [['gateway.networking.k8s.io'], ['gateways', 'httproutes', 'grpcroutes']],
  ]);
  const all = JSON.parse(policy.spec.variables.find((v: any) => v.name === 'all').expression);
  // team-a keeps every default and team-c only gets routes: neither needs an entry.
  expect(all).toEqual({
    'team-b': {
      anyIngressClass: false, ingressClasses: ['nginx-internal', 'nginx-public'], defaultIngressClass: 'nginx-internal',
      gatewayClasses: ['eg'], anyHost: false, names: ['shop.example.com'], suffixes: ['.team-b.example.com'],
    },
  });
  expect(find(manifests, 'ValidatingAdmissionPolicyBinding', 'cdk8s-tenancy-ingress').spec).toEqual({ policyName: 'cdk8s-tenancy-ingress', validationActions: ['Deny'] });
});

describe('Gateway API rights (RBAC model)', () => {
  const admin = { kind: 'Group' as const, name: 'team-b-admins' };
  const dev = { kind: 'Group' as const, name: 'team-b-devs' };
  const cAdmin = { kind: 'Group' as const, name: 'team-c-admins' };
  const G = 'gateway.networking.k8s.io';
  test('routes for admins and users; Gateways for admins, only with GatewayClasses', () => {
    expect(can(manifests, admin, 'create', G, 'httproutes', 'team-b')).toBe(true);
    expect(can(manifests, dev, 'create', G, 'grpcroutes', 'team-b')).toBe(true);
    expect(can(manifests, admin, 'create', G, 'gateways', 'team-b')).toBe(true);
    expect(can(manifests, dev, 'create', G, 'gateways', 'team-b')).toBe(false);
    expect(can(manifests, dev, 'get', G, 'gateways', 'team-b')).toBe(true);
    expect(can(manifests, cAdmin, 'create', G, 'httproutes', 'team-c')).toBe(true);
    expect(can(manifests, cAdmin, 'create', G, 'gateways', 'team-c')).toBe(false);
  });
  test('never ReferenceGrants, never another namespace, never by default', () => {
    expect(can(manifests, admin, 'create', G, 'referencegrants', 'team-b')).toBe(false);
    expect(can(manifests, admin, 'create', G, 'httproutes', 'team-c')).toBe(false);
    const aRoles = manifests.filter((o) => o.kind === 'Role' && o.metadata.namespace === 'team-a');
    expect(aRoles.flatMap((r) => r.rules).filter((r: any) => r.apiGroups.includes(G))).toEqual([]);
  });
});

describe('the audit: two tenants claiming the same host and path', () => {
  const withRoutes = (extra: K8sObject[]) => TenancyAudit.auditObjects([...JSON.parse(JSON.stringify(manifests)), ...extra]);
  const check = (report: ReturnType<typeof withRoutes>, tenant: string) => report.tenants.find((t) => t.tenant === tenant)!.checks.find((c) => c.id === 'ingress.host-collisions')!;
  const named = (o: K8sObject, name: string) => ({ ...o, metadata: { ...o.metadata, name } });

  test('an Ingress and an HTTPRoute of two tenants on the same host and path: both tenants fail', () => {
    const report = withRoutes([
      named(ingress('team-a', { rules: [rule('shop.example.com', '/cart')] }), 'shop'),
      { ...route('team-b', ['shop.example.com']), spec: { hostnames: ['shop.example.com'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/cart' } }] }] } },
    ]);
    expect(check(report, 'team-a')).toMatchObject({
      status: CheckStatus.FAIL,
      findings: [{ object: 'Ingress team-a/shop', message: "serves host shop.example.com path /cart, which tenant 'team-b' (HTTPRoute team-b/web) serves too: the ingress controller decides who gets the traffic" }],
    });
    expect(check(report, 'team-b').findings.map((f) => f.object)).toEqual(['HTTPRoute team-b/web']);
    expect(check(report, 'team-c').status).toBe(CheckStatus.PASS);
  });

  test('Ingress rules without host claim every host: two tenants doing so on one path collide', () => {
    const report = withRoutes([ingress('team-a', { rules: [rule()] }), ingress('team-c', { rules: [rule()] })]);
    expect(check(report, 'team-c').findings.map((f) => f.message)).toEqual([expect.stringMatching(/^serves every host path \/, which tenant 'team-a'/)]);
  });

  test('same host on other paths, or the same tenant twice: no finding', () => {
    const report = withRoutes([
      ingress('team-a', { rules: [rule('shop.example.com', '/a')] }),
      ingress('team-b', { rules: [rule('shop.example.com', '/b')] }),
      named(ingress('team-b', { rules: [rule('shop.example.com', '/b')] }), 'again'),
    ]);
    expect(['team-a', 'team-b'].map((t) => check(report, t).status)).toEqual([CheckStatus.PASS, CheckStatus.PASS]);
  });
});

test('bad input: a clear error naming the prop, the value and what is allowed; nothing emitted', () => {
  for (const [options, message] of [
    [{ ingressClasses: TenantIngressClasses.only([]) }, /tenants\/T: invalid ingress.ingressClasses \[\]: must name at least one IngressClass. Use TenantIngressClasses.any\(\)/],
    [{ ingressClasses: TenantIngressClasses.only(['Nginx']) }, /invalid ingress.ingressClasses\[0\] 'Nginx': must be an IngressClass name/],
    [{ ingressClasses: TenantIngressClasses.only(['a', 'a']) }, /invalid ingress.ingressClasses \["a","a"\]: lists a class twice/],
    [{ ingressClasses: TenantIngressClasses.only(['a'], 'b') }, /invalid ingress.ingressClasses defaultClass 'b': must be one of the allowed classes \(a\)/],
    [{ ingressClasses: ['nginx'] }, /invalid ingress.ingressClasses \["nginx"\]: is not a TenantIngressClasses. Use TenantIngressClasses.any\(\) or TenantIngressClasses.only/],
    [{ gatewayApi: TenantGatewayApi.routesAndGateways([]) }, /invalid ingress.gatewayApi \[\]: must name at least one GatewayClass. Use TenantGatewayApi.routes\(\) for no Gateways/],
    [{ gatewayApi: TenantGatewayApi.routesAndGateways(['eg_1']) }, /invalid ingress.gatewayApi\[0\] 'eg_1': must be a GatewayClass name/],
    [{ gatewayApi: true }, /invalid ingress.gatewayApi true: is not a TenantGatewayApi/],
    [{ hostnames: TenantHostnames.only([]) }, /invalid ingress.hostnames \[\]: must name at least one hostname. Use TenantHostnames.any\(\)/],
    [{ hostnames: TenantHostnames.only(['localhost']) }, /invalid ingress.hostnames\[0\] 'localhost': must be a fully qualified, lower-case DNS name/],
    [{ hostnames: TenantHostnames.only(['*.Example.com']) }, /invalid ingress.hostnames\[0\] '\*.Example.com'/],
    [{ hostnames: TenantHostnames.only(['a.example.com', 'a.example.com']) }, /invalid ingress.hostnames \["a.example.com","a.example.com"\]: lists a hostname twice/],
    [{ hostnames: TenantHostnames.only(['*.*.example.com']) }, /invalid ingress.hostnames\[0\] '\*.\*.example.com'/],
  ] as [any, RegExp][]) {
    const badChart = new Chart(new App(), 'tenants');
    expect(() => new SoftTenant(badChart, 'T', { name: 'team-x', ingress: options })).toThrow(message);
    expect(badChart.toJson()).toEqual([]);
  }
});
