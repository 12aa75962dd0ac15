import { App, Chart } from 'cdk8s';
import { admit, AdmissionRequest } from './helpers/admission';
import { ADMITTED, DENIED, gateway, ingress, ingressFixture, POLICY_OF, RESOURCE, route, rule } from './helpers/ingress-cases';
import { find, K8sObject, synthObjects } from './helpers/manifests';
import { can } from './helpers/rbac';
import { GITOPS, Requester, TENANTS } from './helpers/requesters';
import { CheckStatus, SoftTenant, TenancyAudit, TenantGatewayApi, TenantHostnames, TenantIngressClasses } from 'cdk8s-tenancy';

/*
 * The ingress guard (IngressClasses, GatewayClasses, hostnames), proven
 * with the CEL model; the tenants' Gateway API rights with the RBAC model;
 * and the audit's host+path collision check. The same tables run on the
 * real API server in test/cluster/ingress-rights.cluster.test.ts.
 */

const manifests = ingressFixture();
const ns = (name: string) => find(manifests, 'Namespace', name);

function req(who: Requester, object: K8sObject): AdmissionRequest {
  const namespace = object.metadata.namespace!;
  return { operation: 'CREATE', resource: RESOURCE[object.kind], namespace, namespaceObject: ns(namespace), object, oldObject: null, ...who };
}
const denied = (r: AdmissionRequest, message: RegExp) => {
  const result = admit(manifests, r);
  expect(result.errors).toEqual([]);
  expect(result.allowed).toBe(false);
  expect(result.denials.map((d) => d.policy)).toEqual([POLICY_OF[(r.object as K8sObject).kind]]);
  expect(result.denials[0].message).toMatch(message);
};
const allowed = (r: AdmissionRequest) => expect(admit(manifests, r)).toMatchObject({ allowed: true, errors: [], denials: [] });

describe.each(TENANTS)('a %s', (_, who) => {
  test.each(DENIED)('may not create %s', (__, object, message) => denied(req(who, object), message));
  test.each(ADMITTED)('may create %s', (__, object) => allowed(req(who, object)));
});

test('an update is judged like a create (a class changed later)', () => {
  const [, who] = TENANTS[0];
  const before = ingress('team-b', { ingressClassName: 'nginx-public', rules: [rule('shop.example.com')] });
  const after = ingress('team-b', { ingressClassName: 'nginx-admin', rules: [rule('shop.example.com')] });
  denied({ ...req(who, after), operation: 'UPDATE', oldObject: before }, /, not nginx-admin/);
});

test('the platform\'s GitOps controller is not held (it may create a Gateway anywhere)', () => {
  allowed(req(GITOPS, gateway('team-a', 'istio', [undefined])));
});

test('the guard and team-b\'s roles, pinned (the assertions around it say why they are right)', () => {
  expect(manifests.filter((o) => Object.values(POLICY_OF).includes(o.metadata.name) || (o.kind === 'Role' && o.metadata.namespace === 'team-b'))).toMatchSnapshot();
});

test('the guard: a policy and binding per object shape, bound in tenant namespaces, with each tenant\'s rules', () => {
  const policies = ['cdk8s-tenancy-ingress', 'cdk8s-tenancy-gateways', 'cdk8s-tenancy-routes'].map((name) => find(manifests, 'ValidatingAdmissionPolicy', name));
  expect(policies.map((p) => p.spec.matchConstraints.resourceRules.map((r: any) => [r.apiGroups, r.resources, r.operations]))).toEqual([
    [[['networking.k8s.io'], ['ingresses'], ['CREATE', 'UPDATE']]],
    [[['gateway.networking.k8s.io'], ['gateways'], ['CREATE', 'UPDATE']]],
    [[['gateway.networking.k8s.io'], ['httproutes', 'grpcroutes'], ['CREATE', 'UPDATE']]],
  ]);
  for (const policy of policies) {
    expect(policy.spec.failurePolicy).toBe('Fail');
    expect(policy.spec.matchConstraints.namespaceSelector).toEqual({ matchExpressions: [{ key: 'cdk8s-tenancy.io/tenant', operator: 'Exists' }] });
    const all = JSON.parse(policy.spec.variables.find((v: any) => v.name === 'all').expression);
    // team-a keeps every default and team-c only gets routes: neither needs an entry.
    expect(all).toEqual({
      'team-b': {
        any: [],
        ingressClasses: ['nginx-internal', 'nginx-public'],
        defaultIngressClass: ['nginx-internal'],
        gatewayClasses: ['eg'],
        names: ['shop.example.com'],
        suffixes: ['.team-b.example.com'],
      },
    });
    expect(find(manifests, 'ValidatingAdmissionPolicyBinding', policy.metadata.name).spec).toEqual({ policyName: policy.metadata.name, validationActions: ['Deny'] });
  }
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

  // Overlaps beyond the same host and path (issue #20). Ingress wildcards
  // match one label (IngressRule.host: "matches only a single label"),
  // Gateway API wildcards any number (HTTPRoute.spec.hostnames:
  // "*.example.com" matches "test.example.com" and "foo.test.example.com");
  // neither matches the bare suffix.
  const prefix = (path: string) => ({ matches: [{ path: { type: 'PathPrefix', value: path } }] });
  const withRules = (namespace: string, kind: string, hostnames: string[], rules: any[]) =>
    ({ ...route(namespace, hostnames, kind), spec: { hostnames, rules } });
  const exact = (host: string, path: string) => {
    const r = rule(host, path);
    return { ...r, http: { paths: r.http.paths.map((p) => ({ ...p, pathType: 'Exact' })) } };
  };
  const statuses = (report: ReturnType<typeof withRoutes>) => ['team-a', 'team-b', 'team-c'].map((t) => check(report, t).status);
  const { FAIL, PASS } = CheckStatus;

  test.each([
    ['an Ingress wildcard over another tenant\'s route host', ingress('team-a', { rules: [rule('*.example.com', '/cart')] }),
      withRules('team-b', 'HTTPRoute', ['shop.example.com'], [prefix('/cart')]),
      "serves host *.example.com path /cart, which tenant 'team-b' (HTTPRoute team-b/web: host shop.example.com path /cart) serves too"],
    ['a route wildcard over a host two labels down', withRules('team-a', 'HTTPRoute', ['*.example.com'], [{}]),
      ingress('team-b', { rules: [rule('a.shop.example.com', '/')] }),
      "serves host *.example.com path /, which tenant 'team-b' (Ingress team-b/web: host a.shop.example.com path /) serves too"],
    ['a route wildcard over a narrower Ingress wildcard', withRules('team-a', 'HTTPRoute', ['*.example.com'], [{}]),
      ingress('team-b', { rules: [rule('*.shop.example.com', '/')] }),
      "serves host *.example.com path /, which tenant 'team-b' (Ingress team-b/web: host *.shop.example.com path /) serves too"],
    ['the same wildcard', ingress('team-a', { rules: [rule('*.example.com')] }), withRules('team-b', 'HTTPRoute', ['*.example.com'], [{}]),
      "serves host *.example.com path /, which tenant 'team-b' (HTTPRoute team-b/web) serves too"],
    ['a path prefix over a longer one', ingress('team-a', { rules: [rule('shop.example.com', '/api')] }), withRules('team-b', 'HTTPRoute', ['shop.example.com'], [prefix('/api/v1/')]),
      "serves host shop.example.com path /api, which tenant 'team-b' (HTTPRoute team-b/web: host shop.example.com path /api/v1/) serves too"],
    ['a prefix over an exact path', ingress('team-a', { rules: [exact('shop.example.com', '/api/v1/cart')] }), ingress('team-b', { rules: [rule('shop.example.com', '/api')] }),
      "serves host shop.example.com path /api/v1/cart (exact), which tenant 'team-b' (Ingress team-b/web: host shop.example.com path /api) serves too"],
    ['a GRPCRoute method under an HTTPRoute prefix', withRules('team-a', 'GRPCRoute', ['api.example.com'], [{ matches: [{ method: { service: 'shop.Cart', method: 'Get' } }] }]),
      withRules('team-b', 'HTTPRoute', ['api.example.com'], [prefix('/shop.Cart')]),
      "serves host api.example.com path /shop.Cart/Get (exact), which tenant 'team-b' (HTTPRoute team-b/web: host api.example.com path /shop.Cart) serves too"],
    ['a TLSRoute on a host another tenant routes', withRules('team-a', 'TLSRoute', ['db.example.com'], [{ backendRefs: [{ name: 'db', port: 5432 }] }]),
      withRules('team-b', 'HTTPRoute', ['db.example.com'], [prefix('/admin')]),
      "serves host db.example.com path /, which tenant 'team-b' (HTTPRoute team-b/web: host db.example.com path /admin) serves too"],
  ])('%s: both tenants fail', (_, a, b, message) => {
    const report = withRoutes([a, b]);
    expect(statuses(report)).toEqual([FAIL, FAIL, PASS]);
    expect(check(report, 'team-a').findings.map((f) => [f.object, f.message])).toEqual([[`${a.kind} team-a/web`, `${message}: the ingress controller decides who gets the traffic`]]);
    expect(check(report, 'team-b').findings.map((f) => f.message)).toEqual([expect.stringContaining("tenant 'team-a' (")]);
  });

  test.each([
    ['an Ingress wildcard and a host two labels down (one label only)', ingress('team-a', { rules: [rule('*.example.com')] }), ingress('team-b', { rules: [rule('a.shop.example.com')] })],
    ['an Ingress wildcard and a narrower route wildcard', ingress('team-a', { rules: [rule('*.example.com')] }), withRules('team-b', 'HTTPRoute', ['*.shop.example.com'], [{}])],
    ['a wildcard and its bare suffix', withRules('team-a', 'HTTPRoute', ['*.example.com'], [{}]), withRules('team-b', 'HTTPRoute', ['example.com'], [{}])],
    ['wildcards of sibling domains', withRules('team-a', 'HTTPRoute', ['*.a.example.com'], [{}]), withRules('team-b', 'HTTPRoute', ['*.b.example.com'], [{}])],
    ['a wildcard and a host without one (a rule without host)', ingress('team-a', { rules: [rule('*.example.com')] }), ingress('team-b', { rules: [rule()] })],
    ['prefixes that only share characters', ingress('team-a', { rules: [rule('shop.example.com', '/api')] }), withRules('team-b', 'HTTPRoute', ['shop.example.com'], [prefix('/apis')])],
    ['an exact path outside a prefix', ingress('team-a', { rules: [exact('shop.example.com', '/apis')] }), ingress('team-b', { rules: [rule('shop.example.com', '/api')] })],
    ['two exact paths', ingress('team-a', { rules: [exact('shop.example.com', '/a')] }), ingress('team-b', { rules: [exact('shop.example.com', '/a/')] })],
    ['GRPCRoutes of two services', withRules('team-a', 'GRPCRoute', ['api.example.com'], [{ matches: [{ method: { service: 'shop.Cart' } }] }]),
      withRules('team-b', 'GRPCRoute', ['api.example.com'], [{ matches: [{ method: { service: 'shop.Payments', method: 'Pay' } }] }])],
    ['TLSRoutes on two hosts', withRules('team-a', 'TLSRoute', ['db-a.example.com'], [{}]), withRules('team-b', 'TLSRoute', ['db-b.example.com'], [{}])],
  ])('%s: no finding', (_, a, b) => {
    expect(statuses(withRoutes([a, b]))).toEqual([PASS, PASS, PASS]);
  });

  test('regular expressions are compared as text: the same one collides, another does not', () => {
    const regex = (namespace: string, value: string) => withRules(namespace, 'HTTPRoute', ['shop.example.com'], [{ matches: [{ path: { type: 'RegularExpression', value } }] }]);
    expect(statuses(withRoutes([regex('team-a', '/v[0-9]+'), regex('team-b', '/v[0-9]+')]))).toEqual([FAIL, FAIL, PASS]);
    expect(statuses(withRoutes([regex('team-a', '/v[0-9]+'), regex('team-b', '/v[0-9]*')]))).toEqual([PASS, PASS, PASS]);
  });

  test('one finding per claim, naming every other tenant it overlaps', () => {
    const report = withRoutes([
      withRules('team-a', 'HTTPRoute', ['*.example.com'], [{}]),
      ingress('team-b', { rules: [rule('shop.example.com', '/cart')] }),
      withRules('team-c', 'HTTPRoute', ['api.example.com'], [{}]),
    ]);
    expect(check(report, 'team-a').findings.map((f) => f.message)).toEqual([
      "serves host *.example.com path /, which tenants 'team-b' (Ingress team-b/web: host shop.example.com path /cart), 'team-c' (HTTPRoute team-c/web: host api.example.com path /) serve too: the ingress controller decides who gets the traffic",
    ]);
    // team-b and team-c do not overlap each other, only team-a.
    expect(check(report, 'team-c').findings.map((f) => f.message)).toEqual([expect.stringMatching(/which tenant 'team-a' \(HTTPRoute team-a\/web: host \*\.example\.com path \/\) serves too/)]);
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

describe('hostname allowlists of two tenants may not overlap (the guard could not keep them apart; the audit matches hosts the same way)', () => {
  const build = (a: string[], b: string[]) => {
    const chart = new Chart(new App(), 'tenants');
    new SoftTenant(chart, 'A', { name: 'team-a', ingress: { hostnames: TenantHostnames.only(a) } });
    const second = () => new SoftTenant(chart, 'B', { name: 'team-b', ingress: { hostnames: TenantHostnames.only(b) } });
    return { chart, second };
  };

  test.each([
    [['shop.example.com'], ['shop.example.com'], /^tenants\/B: invalid ingress.hostnames 'shop.example.com': is already allowed to tenant 'team-a': a hostname belongs to one tenant.$/],
    [['*.example.com'], ['*.example.com'], /^tenants\/B: invalid ingress.hostnames '\*.example.com': is already allowed to tenant 'team-a'/],
    [['shop.example.com'], ['*.example.com'],
      /^tenants\/B: invalid ingress.hostnames '\*.example.com': overlaps 'shop.example.com', which tenant 'team-a' is allowed: both tenants could serve the same requests, which the ingress guard cannot stop \(it judges one object at a time\). Give each tenant hostnames of its own.$/],
    [['*.example.com'], ['a.shop.example.com'], /invalid ingress.hostnames 'a.shop.example.com': overlaps '\*.example.com', which tenant 'team-a' is allowed/],
    [['*.example.com'], ['api.example.org', '*.shop.example.com'], /invalid ingress.hostnames '\*.shop.example.com': overlaps '\*.example.com'/],
  ])('%j then %j: refused, and the second tenant emits nothing', (a, b, message) => {
    const { chart, second } = build(a, b);
    expect(second).toThrow(message);
    expect(chart.toJson().filter((o: K8sObject) => JSON.stringify(o).includes('team-b'))).toEqual([]);
  });

  test.each([
    [['shop.example.com', '*.shop.example.com'], ['example.com', '*.pay.example.com']],
    [['*.a.example.com'], ['*.b.example.com', 'a.example.com']],
  ])('%j and %j: both allowed', (a, b) => {
    const { chart, second } = build(a, b);
    second();
    const policy = find(synthObjects(chart.node.root as App), 'ValidatingAdmissionPolicy', 'cdk8s-tenancy-ingress');
    expect(Object.keys(JSON.parse(policy.spec.variables.find((v: any) => v.name === 'all').expression))).toEqual(['team-a', 'team-b']);
  });
});

