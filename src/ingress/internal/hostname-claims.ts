import { IConstruct } from 'constructs';
import { hostsOverlap, parseHost } from './claims';
import { invalidProp } from '../../core/errors';
import type { Claim, PlatformRegistry } from '../../platform/registry';

/** The registry's space of the hostnames tenants are allowed. */
const HOSTNAME_SPACE = 'hostname';

/** The registries that already hold the overlap rule (it is added once per app). */
const RULED = new WeakSet<PlatformRegistry>();

/**
 * A tenant's hostname allowlist (`TenantHostnames.only`) as claims on the
 * platform's registry: no other tenant may be allowed the same hostname,
 * nor one that overlaps it (a wildcard over another tenant's name or
 * wildcard; a wildcard allows any depth below its suffix, as the ingress
 * guard reads it). The guard admits only hosts inside a tenant's list, so
 * with lists that do not overlap no two tenants' Ingresses or routes can
 * ever serve the same requests, and the audit's `ingress.host-collisions`
 * (the same matching, `./claims.ts`) finds nothing between them.
 */
export function hostnameClaims(scope: IConstruct, registry: PlatformRegistry, tenant: string,
  allowed: { names: string[]; suffixes: string[] } | undefined): Claim[] {
  if (allowed === undefined) return [];
  if (!RULED.has(registry)) {
    RULED.add(registry);
    registry.addClaimRules([{
      space: HOSTNAME_SPACE,
      reason: (name, owner) => {
        const host = parseHost(name, true);
        const other = registry.claimedWithOwners(HOSTNAME_SPACE).find(([n, o]) => o !== owner && hostsOverlap(parseHost(n, true), host));
        return other && `overlaps '${other[0]}', which tenant '${other[1]}' is allowed: both tenants could serve the same requests, which the ingress guard`
          + ' cannot stop (it judges one object at a time). Give each tenant hostnames of its own.';
      },
      // Added before the first hostname is claimed: there is nothing to judge.
      refuseExisting: (name, owner, reason) => new Error(`hostname '${name}' of tenant '${owner}' ${reason}`),
    }]);
  }
  return [...allowed.names, ...allowed.suffixes.map((s) => `*${s}`)].map((name) => ({
    space: HOSTNAME_SPACE,
    name,
    owner: tenant,
    refuse: (owner: string) => invalidProp(scope, 'ingress.hostnames', name, `is already allowed to tenant '${owner}': a hostname belongs to one tenant.`),
    refuseByRule: (reason: string) => invalidProp(scope, 'ingress.hostnames', name, reason),
  }));
}
