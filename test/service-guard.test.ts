import { App, Chart } from 'cdk8s';
import { admit, AdmissionRequest } from './helpers/admission';
import { find, K8sObject, synthObjects } from './helpers/manifests';
import { GITOPS, kubeSystem, Requester, TENANTS } from './helpers/requesters';
import { SoftTenant, TenantAddresses, TenantExternalNames } from 'cdk8s-tenancy';

/*
 * The Services guard (CVE-2020-8554 and friends), proven with the CEL model
 * on the requests it must deny and those it must allow.
 */

const app = new App();
const chart = new Chart(app, 'tenants');
new SoftTenant(chart, 'A', { name: 'team-a' });
new SoftTenant(chart, 'B', {
  name: 'team-b',
  services: {
    externalIps: TenantAddresses.within(['203.0.113.0/24', '2001:db8::/64']),
    loadBalancerSourceRanges: TenantAddresses.within(['10.0.0.0/8']),
    externalNames: TenantExternalNames.allow(['api.example.com', '*.partner.example.net']),
  },
});
const manifests = synthObjects(app);
const nsA = find(manifests, 'Namespace', 'team-a');
const nsB = find(manifests, 'Namespace', 'team-b');
const platformNs = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ingress', labels: {} } };

function service(ns: K8sObject, spec: Record<string, unknown>, annotations?: Record<string, string>): K8sObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: ns.metadata.name, ...(annotations ? { annotations } : {}) }, spec: { ports: [{ port: 80 }], ...spec } };
}
function req(who: Requester, ns: K8sObject, object: K8sObject, operation: 'CREATE' | 'UPDATE' = 'CREATE', oldObject?: K8sObject): AdmissionRequest {
  return { operation, resource: { group: '', version: 'v1', resource: 'services' }, namespace: ns.metadata.name, namespaceObject: ns, object, oldObject: oldObject ?? null, ...who };
}

const DENIED: [string, K8sObject, K8sObject, RegExp][] = [
  ['claims an external IP (CVE-2020-8554)', nsA, service(nsA, { externalIPs: ['1.1.1.1'] }), /team-a may not set spec.externalIPs outside nothing \(none are allowed\)/],
  ['claims an external IP outside its allowlist', nsB, service(nsB, { externalIPs: ['203.0.113.7', '198.51.100.1'] }), /team-b may not set spec.externalIPs outside 203.0.113.0\/24, 2001:db8::\/64/],
  ['claims an IPv6 external IP outside its allowlist', nsB, service(nsB, { externalIPs: ['2001:db8:1::1'] }), /spec.externalIPs/],
  ['opens a load balancer to source ranges', nsA, service(nsA, { type: 'LoadBalancer', loadBalancerSourceRanges: ['10.0.0.0/8'] }), /team-a may not open a load balancer/],
  ['opens a load balancer wider than its allowlist', nsB, service(nsB, { type: 'LoadBalancer', loadBalancerSourceRanges: ['0.0.0.0/0'] }), /outside 10.0.0.0\/8/],
  ['opens a load balancer by the annotation', nsB, service(nsB, { type: 'LoadBalancer' }, { 'service.beta.kubernetes.io/load-balancer-source-ranges': '10.1.0.0/16, 0.0.0.0/0' }), /load-balancer-source-ranges annotation/],
  ['points an ExternalName at another tenant', nsA, service(nsA, { type: 'ExternalName', externalName: 'db.team-b.svc.cluster.local' }), /ExternalName Service to db.team-b.svc.cluster.local/],
  ['points an ExternalName at the API server', nsB, service(nsB, { type: 'ExternalName', externalName: 'kubernetes.default.svc.cluster.local' }), /ExternalName/],
  ['points an ExternalName at a name beside its wildcard', nsB, service(nsB, { type: 'ExternalName', externalName: 'partner.example.net' }), /ExternalName/],
  ['points an ExternalName at a look-alike', nsB, service(nsB, { type: 'ExternalName', externalName: 'api.example.com.evil.io' }), /ExternalName/],
];

describe.each(TENANTS)('a %s', (_, who) => {
  test.each(DENIED)('may not create a Service that %s', (__, ns, svc, message) => {
    const result = admit(manifests, req(who, ns, svc));
    expect(result.errors).toEqual([]);
    expect(result.allowed).toBe(false);
    expect(result.denials.map((d) => d.policy)).toEqual(['cdk8s-tenancy-services']);
    expect(result.denials[0].message).toMatch(message);
  });

  test('may not add an external IP to an existing Service', () => {
    const before = service(nsA, {});
    const result = admit(manifests, req(who, nsA, service(nsA, { externalIPs: ['10.0.0.1'] }), 'UPDATE', before));
    expect(result).toMatchObject({ allowed: false, errors: [] });
  });

  test.each<[string, K8sObject, K8sObject]>([
    ['a ClusterIP Service', nsA, service(nsA, {})],
    ['a LoadBalancer Service without source ranges (the quota decides)', nsA, service(nsA, { type: 'LoadBalancer' })],
    ['an external IP inside its allowlist', nsB, service(nsB, { externalIPs: ['203.0.113.7', '2001:db8::5'] })],
    ['source ranges inside its allowlist', nsB, service(nsB, { type: 'LoadBalancer', loadBalancerSourceRanges: ['10.1.0.0/16'] }, { 'service.beta.kubernetes.io/load-balancer-source-ranges': '10.2.0.0/16,10.3.0.0/16' })],
    ['an ExternalName it is allowed', nsB, service(nsB, { type: 'ExternalName', externalName: 'api.example.com' })],
    ['an ExternalName it is allowed, fully qualified', nsB, service(nsB, { type: 'ExternalName', externalName: 'api.example.com.' })],
    ['an ExternalName below its wildcard', nsB, service(nsB, { type: 'ExternalName', externalName: 'eu.partner.example.net' })],
  ])('may create %s', (__, ns, svc) => {
    expect(admit(manifests, req(who, ns, svc))).toMatchObject({ allowed: true, errors: [], denials: [] });
  });
});

test.each<[string, Requester]>([
  ['the platform\'s GitOps controller', GITOPS],
  ['a kube-system controller', kubeSystem('service-controller')],
])('%s is not held (it is the platform)', (_, who) => {
  expect(admit(manifests, req(who, nsA, service(nsA, { externalIPs: ['10.0.0.1'] })))).toMatchObject({ allowed: true, errors: [], evaluated: [] });
});

test('namespaces that are no tenant\'s are not the guard\'s', () => {
  expect(admit(manifests, req(TENANTS[0][1], platformNs, service(platformNs, { externalIPs: ['10.0.0.1'] })))).toMatchObject({ allowed: true, evaluated: [] });
});

test('the endpoints and endpointslice controllers writing a tenant\'s endpoints are not matched at all', () => {
  const endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'team-a' }, subsets: [] };
  const result = admit(manifests, { operation: 'UPDATE', resource: { group: '', version: 'v1', resource: 'endpoints' }, namespace: 'team-a', namespaceObject: nsA, object: endpoints, oldObject: endpoints, ...kubeSystem('endpoint-controller') });
  expect(result).toMatchObject({ allowed: true, errors: [] });
  const slice = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-abc', namespace: 'team-a' }, addressType: 'IPv4', endpoints: [] };
  expect(admit(manifests, { operation: 'CREATE', resource: { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' }, namespace: 'team-a', namespaceObject: nsA, object: slice, ...kubeSystem('endpointslice-controller') }))
    .toMatchObject({ allowed: true, errors: [] });
});

test('the guard is one policy with its binding; tenants without settings are not in its map', () => {
  const policy = find(manifests, 'ValidatingAdmissionPolicy', 'cdk8s-tenancy-services');
  expect(find(manifests, 'ValidatingAdmissionPolicyBinding', 'cdk8s-tenancy-services').spec).toEqual({ policyName: 'cdk8s-tenancy-services', validationActions: ['Deny'] });
  const all = JSON.parse(policy.spec.variables.find((v: any) => v.name === 'all').expression);
  expect(all).toEqual({ 'team-b': { externalIPs: ['203.0.113.0/24', '2001:db8::/64'], sourceRanges: ['10.0.0.0/8'], names: ['api.example.com'], suffixes: ['.partner.example.net'] } });
  expect(policy.spec.failurePolicy).toBe('Fail');
});

describe('bad input', () => {
  test.each<[string, any, RegExp]>([
    ['an external IP range that is not a CIDR', { externalIps: TenantAddresses.within(['10.0.0.1']) }, /tenants\/T: invalid services.externalIps\[0\] '10.0.0.1': must be an IPv4 or IPv6 network with a prefix length/],
    ['an external IP range with host bits', { externalIps: TenantAddresses.within(['10.0.0.1/8']) }, /invalid services.externalIps\[0\] '10.0.0.1\/8': has host bits set .* Use '10.0.0.0\/8'/],
    ['a prefix over 32', { loadBalancerSourceRanges: TenantAddresses.within(['10.0.0.0/33']) }, /invalid services.loadBalancerSourceRanges\[0\] '10.0.0.0\/33'/],
    ['an IPv4-mapped IPv6 range', { externalIps: TenantAddresses.within(['::ffff:10.0.0.0/104']) }, /invalid services.externalIps\[0\] '::ffff:10.0.0.0\/104': is an IPv4-mapped IPv6 network/],
    ['a range listed twice', { externalIps: TenantAddresses.within(['10.0.0.0/8', '10.0.0.0/8']) }, /invalid services.externalIps \["10.0.0.0\/8","10.0.0.0\/8"\]: lists a network twice/],
    ['an ExternalName into the cluster', { externalNames: TenantExternalNames.allow(['*.svc.cluster.local']) }, /invalid services.externalNames\[0\] '\*.svc.cluster.local': is a cluster-internal name/],
    ['an ExternalName that is not a DNS name', { externalNames: TenantExternalNames.allow(['Not A Name']) }, /invalid services.externalNames\[0\] 'Not A Name': must be a fully qualified DNS name/],
    ['a bare wildcard', { externalNames: TenantExternalNames.allow(['*']) }, /invalid services.externalNames\[0\] '\*'/],
    ['a single-label name', { externalNames: TenantExternalNames.allow(['localhost']) }, /invalid services.externalNames\[0\] 'localhost'/],
    ['something that is not a TenantAddresses', { externalIps: ['10.0.0.0/8'] }, /invalid services.externalIps \["10.0.0.0\/8"\]: is not a TenantAddresses/],
  ])('%s: a clear error, nothing emitted', (_, services, message) => {
    const badApp = new App();
    const badChart = new Chart(badApp, 'tenants');
    expect(() => new SoftTenant(badChart, 'T', { name: 'team-x', services })).toThrow(message);
    expect(badChart.toJson()).toEqual([]);
  });
});
