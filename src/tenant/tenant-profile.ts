import { PodSecurityLevel } from './pod-security';
import { TenantPeer } from './tenant-network';
import { TenantLimitRangeOptions, TenantQuotaOptions } from './tenant-quota';

/**
 * What one namespace of a tenant does differently from the tenant's own
 * settings. Every field left out is the tenant's.
 */
export interface TenantProfileOptions {
  /**
   * The namespace's quota. Without a tenant `budget`, it overrides the
   * tenant's `quota` field by field. With a `budget`, it is the namespace's
   * allocation of it, field by field: fields it leaves out are shared
   * evenly by the namespaces that leave them out too.
   *
   * @default - the tenant's quota, or an even share of its budget
   */
  readonly quota?: TenantQuotaOptions;

  /**
   * The namespace's LimitRange, replacing the tenant's field by field.
   *
   * @default - the tenant's limitRange
   */
  readonly limitRange?: TenantLimitRangeOptions;

  /**
   * The Pod Security Standard enforced in the namespace (at the tenant's
   * `podSecurityVersion`).
   *
   * @default - the tenant's podSecurity
   */
  readonly podSecurity?: PodSecurityLevel;

  /**
   * Peers that may open connections to this namespace's pods, in addition
   * to the tenant's own `network.ingressFrom`.
   *
   * @default - only the tenant's peers
   */
  readonly ingressFrom?: TenantPeer[];

  /**
   * Peers this namespace's pods may open connections to, in addition to
   * the tenant's own `network.egressTo`.
   *
   * @default - only the tenant's peers
   */
  readonly egressTo?: TenantPeer[];
}

/**
 * A profile for some of a tenant's namespaces (production and development,
 * say): its own quota or share of the tenant's budget, LimitRange, Pod
 * Security level and network peers. The namespaces keep one tenant
 * identity: the same tenant label, members, guards and same-tenant
 * traffic.
 *
 * @example
 * import { Cpu } from 'cdk8s-plus-27';
 * import { PodSecurityLevel, TenantProfile } from 'cdk8s-tenancy';
 *
 * const development = TenantProfile.of({
 *   quota: { requestsCpu: Cpu.units(2), limitsCpu: Cpu.units(4) },
 *   podSecurity: PodSecurityLevel.baseline('build tools that run as root'),
 * });
 */
export class TenantProfile {
  /**
   * A profile from its options; every option left out is the tenant's.
   */
  public static of(options: TenantProfileOptions = {}): TenantProfile {
    return new TenantProfile(options);
  }

  private constructor(/** @internal */ public readonly _options: TenantProfileOptions) {}
}
