import { App, Chart } from 'cdk8s';
import { AdmissionRequest } from './admission';
import { K8sObject, synthObjects } from './manifests';
import { SoftTenant, TenancyPlatform, TenantAudience, TenantGatewayApi, TenantHostnames, TenantIngressClasses, TenantMember, TenantRights, TenantRule } from 'cdk8s-tenancy';

const ALL_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
/** cert-manager's Certificate: granted to team-a's admins. */
export const CERTIFICATES: TenantRule = { apiGroups: ['cert-manager.io'], resources: ['certificates'], verbs: ALL_VERBS };
/** Prometheus operator's monitors: a shared ClusterRole bound to all of team-a's members. */
export const MONITORS: TenantRule = { apiGroups: ['monitoring.coreos.com'], resources: ['servicemonitors'], verbs: ALL_VERBS };

/*
 * The ingress guard's fixture and its deny/allow tables, shared by the CEL
 * model's test (test/ingress-guard.test.ts) and the real API server's
 * (test/cluster/ingress-rights.cluster.test.ts), so both judge the same
 * requests.
 */

/**
 * Three tenants: team-a keeps every default (any class and host, no
 * Gateway API rights), team-b has allowlists and Gateways of class `eg`,
 * team-c gets routes only.
 */
export function ingressFixture(): K8sObject[] {
  const app = new App();
  new TenancyPlatform(app, 'platform');
  const chart = new Chart(app, 'tenants');
  // team-a keeps every ingress default: any class and host, no Gateway API
  // rights; it has extra rights on the platform's CRDs.
  new SoftTenant(chart, 'A', {
    name: 'team-a',
    admins: [TenantMember.group('team-a-admins')],
    users: [TenantMember.group('team-a-devs')],
    extraRights: [
      TenantRights.rules([CERTIFICATES]),
      TenantRights.clusterRole('servicemonitor-editor', [MONITORS], { audience: TenantAudience.MEMBERS }),
    ],
  });
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
  return synthObjects(app);
}

/** The guard's policy that judges each kind. */
export const POLICY_OF: Record<string, string> = {
  Ingress: 'cdk8s-tenancy-ingress', Gateway: 'cdk8s-tenancy-gateways', HTTPRoute: 'cdk8s-tenancy-routes', GRPCRoute: 'cdk8s-tenancy-routes',
};

export const RESOURCE: Record<string, AdmissionRequest['resource']> = {
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

/** Requests the guard refuses, with the message it gives. Exported: the cluster tier replays them. */
export const DENIED: [string, K8sObject, RegExp][] = [
  ['an Ingress of a class outside the allowlist', ingress('team-b', { ingressClassName: 'nginx-admin', rules: [rule('shop.example.com')] }),
    /tenant team-b may only use the IngressClasses nginx-internal, nginx-public: set spec.ingressClassName \(the tenant's default is nginx-internal\), not nginx-admin/],
  ['an Ingress without a class', ingress('team-b', { rules: [rule('shop.example.com')] }), /set spec.ingressClassName \(the tenant's default is nginx-internal\)$/],
  ['an Ingress naming a class outside the allowlist in the legacy annotation only', ingress('team-b', { rules: [rule('shop.example.com')] }, { 'kubernetes.io/ingress.class': 'nginx-admin' }),
    /, not nginx-admin \(field or kubernetes.io\/ingress.class annotation\)$/],
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
  ['an Ingress naming an allowed class in the legacy annotation only', ingress('team-b', { rules: [rule('shop.example.com')] }, { 'kubernetes.io/ingress.class': 'nginx-public' })],
  ['an Ingress for a name below an allowed wildcard (any depth)', ingress('team-b', { ingressClassName: 'nginx-internal', rules: [rule('api.eu.team-b.example.com')] })],
  ['an Ingress for the allowed wildcard itself', ingress('team-b', { ingressClassName: 'nginx-internal', rules: [rule('*.team-b.example.com')] })],
  ['an Ingress of any class, without class, for any host, where no allowlist is set', ingress('team-a', { rules: [rule()] })],
  ['a Gateway of an allowed class for allowed hosts', gateway('team-b', 'eg', ['shop.example.com', '*.team-b.example.com'])],
  ['an HTTPRoute for allowed hosts', route('team-b', ['shop.example.com', 'www.team-b.example.com'])],
  ['a GRPCRoute for an allowed host', route('team-b', ['grpc.team-b.example.com'], 'GRPCRoute')],
  ['an HTTPRoute without hostnames where no allowlist is set', route('team-c')],
];

