import { IConstruct } from 'constructs';
import { checkCidr } from '../core/cidr';
import { invalidProp } from '../core/errors';
import { isDnsSubdomain } from '../core/names';

/**
 * Which IP networks a tenant may name in a Service field that reaches
 * outside its namespace (`spec.externalIPs`, `spec.loadBalancerSourceRanges`).
 */
export class TenantAddresses {
  /**
   * None: the field must stay empty.
   */
  public static none(): TenantAddresses {
    return new TenantAddresses([]);
  }

  /**
   * Only addresses (or ranges) inside these networks.
   *
   * @param cidrs IPv4 or IPv6 networks in canonical form, e.g. `203.0.113.0/24`.
   */
  public static within(cidrs: string[]): TenantAddresses {
    return new TenantAddresses(cidrs);
  }

  private constructor(/** @internal */ public readonly _cidrs: string[]) {}

  /**
   * The checked networks.
   *
   * @internal
   */
  public _render(scope: IConstruct, prop: string): string[] {
    if (!Array.isArray(this._cidrs)) throw invalidProp(scope, prop, this._cidrs, 'must be a list of CIDRs.');
    this._cidrs.forEach((c, i) => checkCidr(scope, `${prop}[${i}]`, c));
    if (new Set(this._cidrs).size !== this._cidrs.length) throw invalidProp(scope, prop, this._cidrs, 'lists a network twice.');
    return [...this._cidrs];
  }
}

/**
 * Which DNS names a tenant's `ExternalName` Services may point at.
 */
export class TenantExternalNames {
  /**
   * None: `type: ExternalName` Services are refused.
   */
  public static none(): TenantExternalNames {
    return new TenantExternalNames([]);
  }

  /**
   * Only these names: `api.example.com` exactly, or `*.example.com` for any
   * name below `example.com` (not `example.com` itself).
   */
  public static allow(names: string[]): TenantExternalNames {
    return new TenantExternalNames(names);
  }

  private constructor(/** @internal */ public readonly _names: string[]) {}

  /**
   * The checked names: exact names and, for wildcards, the suffix with its
   * leading dot (`.example.com`).
   *
   * @internal
   */
  public _render(scope: IConstruct, prop: string): { exact: string[]; suffixes: string[] } {
    const exact: string[] = [];
    const suffixes: string[] = [];
    this._names.forEach((n, i) => {
      const wildcard = typeof n === 'string' && n.startsWith('*.');
      const name = wildcard ? n.slice(2) : n;
      // In-cluster names would route a tenant, through any ingress
      // controller or mesh that follows ExternalName, to another tenant's
      // Services or the API server, past its NetworkPolicies.
      if (typeof name !== 'string' || !isDnsSubdomain(name) || !name.includes('.')) {
        throw invalidProp(scope, `${prop}[${i}]`, n, "must be a fully qualified DNS name ('api.example.com') or a wildcard below one ('*.example.com').");
      }
      if (name.endsWith('.svc') || name.includes('.svc.') || name === 'cluster.local' || name.endsWith('.cluster.local')) {
        throw invalidProp(scope, `${prop}[${i}]`, n, 'is a cluster-internal name: an ExternalName Service pointing into the cluster reaches other tenants\' Services past their NetworkPolicies.',
          'Allow only names outside the cluster.');
      }
      (wildcard ? suffixes : exact).push(wildcard ? `.${name}` : name);
    });
    return { exact, suffixes };
  }
}

/**
 * What a tenant's Services may reach beyond the tenant's namespaces. Each
 * field is refused by default; the platform decides per tenant.
 */
export interface TenantServiceOptions {
  /**
   * The addresses a Service may claim in `spec.externalIPs`. Any tenant
   * that may set them can capture traffic to those addresses from every
   * node and pod of the cluster (CVE-2020-8554; the `DenyServiceExternalIPs`
   * admission plugin that would refuse them is off in Kubernetes and on EKS).
   *
   * @default TenantAddresses.none()
   */
  readonly externalIps?: TenantAddresses;

  /**
   * The source ranges a LoadBalancer Service may open itself to, in
   * `spec.loadBalancerSourceRanges` or the
   * `service.beta.kubernetes.io/load-balancer-source-ranges` annotation.
   * Cloud controllers write them into security groups; on AWS, for a
   * Network Load Balancer, into the nodes' security group, which every
   * tenant on those nodes shares. LoadBalancer Services themselves are
   * capped at 0 by the tenant's quota unless allowed.
   *
   * @default TenantAddresses.none()
   */
  readonly loadBalancerSourceRanges?: TenantAddresses;

  /**
   * The names `type: ExternalName` Services may point at. An ExternalName
   * Service is a DNS alias that ingress controllers and meshes follow: one
   * pointing at `other.other-tenant.svc.cluster.local` or the API server
   * routes around NetworkPolicies.
   *
   * @default TenantExternalNames.none()
   */
  readonly externalNames?: TenantExternalNames;
}
