import type { AuditFinding } from '../audit/audit-report';
import { CheckDefinition } from '../audit/kit/check';
import { Manifests, ref } from '../audit/kit/model';

/** One host and path an Ingress rule or an HTTPRoute serves. */
interface HostClaim {
  readonly host: string;
  readonly path: string;
  readonly tenant: string;
  readonly object: any;
}

/** Every host and path the tenants' Ingresses and HTTPRoutes claim, by `host path`. */
function claimsByKey(m: Manifests): Map<string, HostClaim[]> {
  const byKey = new Map<string, HostClaim[]>();
  const add = (host: string, path: string, object: any) => {
    const tenant = m.tenantOf(object.metadata?.namespace);
    if (tenant === undefined) return;
    const key = `${host} ${path}`;
    const list = byKey.get(key) ?? [];
    // One claim per object and key: an object listing a host twice is one claimant.
    if (!list.some((c) => c.object === object)) list.push({ host, path, tenant, object });
    byKey.set(key, list);
  };
  for (const { object: o } of m.kind('Ingress')) {
    for (const rule of Array.isArray(o.spec?.rules) ? o.spec.rules : []) {
      // A rule without host serves every host of its class.
      for (const p of Array.isArray(rule?.http?.paths) ? rule.http.paths : []) add(rule.host ?? '', p?.path ?? '/', o);
    }
  }
  for (const { object: o } of m.kind('HTTPRoute')) {
    // A route without hostnames takes its Gateway listener's: not known from the route.
    const hosts: string[] = Array.isArray(o.spec?.hostnames) ? o.spec.hostnames : [];
    const rules: any[] = Array.isArray(o.spec?.rules) && o.spec.rules.length > 0 ? o.spec.rules : [{}];
    const paths = rules.flatMap((r) => (Array.isArray(r?.matches) && r.matches.length > 0 ? r.matches : [{}]).map((x: any) => x?.path?.value ?? '/'));
    for (const host of hosts) for (const path of paths) add(host, path, o);
  }
  return byKey;
}

/**
 * Two tenants serving the same host and path: which one gets the traffic
 * depends on the ingress controller (oldest object, alphabetical order, or
 * both merged), so one tenant can take over another's traffic. An
 * admission guard sees one object at a time and cannot tell; the manifests
 * of every tenant can. (Registered, in report order, in
 * src/audit/internal/checks.ts.)
 */
const HOST_COLLISIONS_CHECK: CheckDefinition = {
  id: 'ingress.host-collisions',
  title: 'No two tenants claim the same host and path (Ingress rules, HTTPRoute hostnames and paths)',
  run(ctx) {
    const byKey = ctx.m.memo('ingress-host-claims', () => claimsByKey(ctx.m));
    const findings: AuditFinding[] = [];
    for (const claims of byKey.values()) {
      const others = claims.filter((c) => c.tenant !== ctx.tenant);
      if (others.length === 0) continue;
      for (const own of claims.filter((c) => c.tenant === ctx.tenant)) {
        const source = ctx.source(own.object);
        findings.push({
          object: ref(own.object),
          message: `serves ${own.host === '' ? 'every host' : `host ${own.host}`} path ${own.path}, which tenant${others.length > 1 ? 's' : ''} `
            + `${others.map((c) => `'${c.tenant}' (${ref(c.object)})`).join(', ')} ${others.length > 1 ? 'serve' : 'serves'} too: the ingress controller decides who gets the traffic`,
          fix: 'Give each tenant its own hostnames (SoftTenant ingress.hostnames: TenantHostnames.only([...])) and remove the duplicate.',
          ...(source ? { source } : {}),
        });
      }
    }
    return findings;
  },
};

/** The audit checks of ingress and Gateway API per tenant. */
export const INGRESS_AUDIT_CHECKS: CheckDefinition[] = [HOST_COLLISIONS_CHECK];
