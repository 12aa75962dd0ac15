import { ancestorsOf, domainOf, grpcRoutePath, Host, hostsOverlap, hostText, httpRoutePath, ingressPath, parseHost, PathMatch, pathsOverlap, pathText } from './internal/claims';
import type { AuditFinding } from '../audit/audit-report';
import { CheckDefinition } from '../audit/kit/check';
import { Manifests, ref } from '../audit/kit/model';

/** One host and path an Ingress rule or a route serves. */
interface HostClaim {
  readonly host: Host;
  readonly path: PathMatch;
  readonly tenant: string;
  readonly object: any;
}

/**
 * The Gateway API route kinds that carry hostnames, with the paths a rule
 * matches (TLSRoute: a whole host, by SNI). TCPRoute and UDPRoute name no
 * host: the listener's port is theirs.
 */
const ROUTE_PATHS: Record<string, (rule: any) => PathMatch[]> = {
  HTTPRoute: (r) => (Array.isArray(r?.matches) && r.matches.length > 0 ? r.matches : [{}]).map(httpRoutePath),
  GRPCRoute: (r) => (Array.isArray(r?.matches) && r.matches.length > 0 ? r.matches : [{}]).map(grpcRoutePath),
  TLSRoute: () => [{ type: 'Prefix', value: '/' }],
};

/** Every host and path the tenants' Ingresses and routes claim. */
function claimsOf(m: Manifests): HostClaim[] {
  const claims: HostClaim[] = [];
  const seen = new Set<string>();
  const add = (host: Host, path: PathMatch, object: any) => {
    const tenant = m.tenantOf(object.metadata?.namespace);
    if (tenant === undefined) return;
    // One claim per object, host and path: an object listing a host twice is one claimant.
    const key = `${ref(object)} ${hostText(host)} ${path.type} ${path.value}`;
    if (seen.has(key)) return;
    seen.add(key);
    claims.push({ host, path, tenant, object });
  };
  for (const { object: o } of m.kind('Ingress')) {
    for (const rule of Array.isArray(o.spec?.rules) ? o.spec.rules : []) {
      // A rule without host serves every host of its class.
      const host = parseHost(typeof rule?.host === 'string' ? rule.host : '', false);
      for (const p of Array.isArray(rule?.http?.paths) ? rule.http.paths : []) add(host, ingressPath(p), o);
    }
  }
  for (const [kind, pathsOf] of Object.entries(ROUTE_PATHS)) {
    for (const { object: o } of m.kind(kind)) {
      // A route without hostnames takes its Gateway listener's: not known from the route.
      const hosts: string[] = Array.isArray(o.spec?.hostnames) ? o.spec.hostnames.filter((h: unknown) => typeof h === 'string') : [];
      const rules: any[] = Array.isArray(o.spec?.rules) && o.spec.rules.length > 0 ? o.spec.rules : [{}];
      const paths = rules.flatMap(pathsOf);
      for (const host of hosts) for (const path of paths) add(parseHost(host, true), path, o);
    }
  }
  return claims;
}

/**
 * For every claim, the other tenants' claims that serve some of its
 * requests. Claims are filed by domain (a host, or a wildcard's suffix) and
 * under every domain above it, so each claim is compared with the claims
 * of its own domain, of the domains above it (their wildcards) and, for a
 * wildcard, below it: not with every other claim of the cluster.
 */
function collisionsByTenant(m: Manifests): Map<string, { own: HostClaim; others: HostClaim[] }[]> {
  const claims = claimsOf(m);
  const at = new Map<string, HostClaim[]>();
  const under = new Map<string, HostClaim[]>();
  const file = (map: Map<string, HostClaim[]>, key: string, c: HostClaim) => { const l = map.get(key); if (l) l.push(c); else map.set(key, [c]); };
  for (const c of claims) {
    const domain = domainOf(c.host);
    file(at, domain, c);
    for (const a of ancestorsOf(domain)) file(under, a, c);
  }
  const out = new Map<string, { own: HostClaim; others: HostClaim[] }[]>();
  for (const own of claims) {
    const domain = domainOf(own.host);
    const candidates = [
      ...(at.get(domain) ?? []),
      ...ancestorsOf(domain).flatMap((a) => at.get(a) ?? []),
      ...(own.host.kind === 'wildcard' ? under.get(domain) ?? [] : []),
    ];
    const others = candidates.filter((c) => c.tenant !== own.tenant && hostsOverlap(own.host, c.host) && pathsOverlap(own.path, c.path));
    if (others.length === 0) continue;
    const list = out.get(own.tenant) ?? [];
    list.push({ own, others });
    out.set(own.tenant, list);
  }
  return out;
}

const claimText = (c: HostClaim) => `${c.host.kind === 'exact' && c.host.name === '' ? 'every host' : `host ${hostText(c.host)}`} path ${pathText(c.path)}`;

/**
 * Two tenants serving some of the same requests (the same host and path,
 * a wildcard host over another's host, a path prefix over another's path):
 * which one gets the traffic depends on the ingress controller (the most
 * specific match, the oldest object, alphabetical order, or both merged),
 * and when one goes away the other takes its traffic. An admission guard
 * sees one object at a time and cannot tell; the manifests of every tenant
 * can. (Registered, in report order, in src/audit/internal/checks.ts.)
 */
const HOST_COLLISIONS_CHECK: CheckDefinition = {
  id: 'ingress.host-collisions',
  title: 'No two tenants claim the same host and path (Ingress rules, HTTPRoute hostnames and paths)',
  run(ctx) {
    const byTenant = ctx.m.memo('ingress-host-collisions', () => collisionsByTenant(ctx.m));
    const findings: AuditFinding[] = [];
    for (const { own, others } of byTenant.get(ctx.tenant) ?? []) {
      const source = ctx.source(own.object);
      const same = (c: HostClaim) => hostText(c.host) === hostText(own.host) && c.path.type === own.path.type && c.path.value === own.path.value;
      const plural = others.length > 1;
      findings.push({
        object: ref(own.object),
        message: `serves ${claimText(own)}, which tenant${plural ? 's' : ''} `
          + `${others.map((c) => `'${c.tenant}' (${ref(c.object)}${same(c) ? '' : `: ${claimText(c)}`})`).join(', ')} ${plural ? 'serve' : 'serves'} too: the ingress controller decides who gets the traffic`,
        fix: 'Give each tenant its own hostnames (SoftTenant ingress.hostnames: TenantHostnames.only([...]), no two tenants\' overlapping) and remove the overlap.',
        ...(source ? { source } : {}),
      });
    }
    return findings;
  },
};

/** The audit checks of ingress and Gateway API per tenant. */
export const INGRESS_AUDIT_CHECKS: CheckDefinition[] = [HOST_COLLISIONS_CHECK];
