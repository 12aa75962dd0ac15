import { IConstruct } from 'constructs';
import { checkClusterRoleName, checkRule, RenderedRights } from './internal/rights';
import { invalidProp } from '../core/errors';

/**
 * Who among a tenant's members gets extra rights.
 */
export enum TenantAudience {
  /** The tenant's admins only. */
  ADMINS = 'admins',
  /** The tenant's admins and users. */
  MEMBERS = 'members',
}

/**
 * One RBAC rule granted in the tenant's namespaces.
 */
export interface TenantRule {
  /** The API groups (`''` for the core group), never `*`. */
  readonly apiGroups: string[];
  /** The resources (plural, lower case, e.g. `certificates`, `pods/log`), never `*`. */
  readonly resources: string[];
  /** The verbs (e.g. `get`, `list`, `watch`, `create`), never `*`. */
  readonly verbs: string[];
}

/**
 * Options for {@link TenantRights}.
 */
export interface TenantRightsOptions {
  /**
   * Who gets the rights.
   *
   * @default TenantAudience.ADMINS
   */
  readonly audience?: TenantAudience;
}

/**
 * Rights the platform grants a tenant's members in the tenant's namespaces
 * on top of the library's roles, e.g. to use the platform's own CRDs
 * (cert-manager `Certificate`, Prometheus `ServiceMonitor`).
 *
 * Every right is checked at synth against what the audit's RBAC checks
 * flag, from the same definitions: no `*`, no `escalate`, `bind` or
 * `impersonate`, no write on the isolation objects (NetworkPolicies,
 * ResourceQuotas, LimitRanges, Roles, RoleBindings, Namespaces), no write on
 * Endpoints/EndpointSlices, and no cluster-scoped resource. Rights are only
 * ever bound by RoleBindings in the tenant's own namespaces, so they never
 * reach another namespace (another tenant's Secrets) or the cluster scope.
 *
 * @example
 * import { TenantRights, TenantAudience } from 'cdk8s-tenancy';
 *
 * const certificates = TenantRights.rules([
 *   { apiGroups: ['cert-manager.io'], resources: ['certificates'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
 * ], { audience: TenantAudience.MEMBERS });
 */
export class TenantRights {
  /**
   * Rules added to the library's tenant roles (`tenant-admin`, and
   * `tenant-user` for {@link TenantAudience.MEMBERS}) in every namespace of
   * the tenant.
   */
  public static rules(rules: TenantRule[], options: TenantRightsOptions = {}): TenantRights {
    return new TenantRights(undefined, rules, options);
  }

  /**
   * A ClusterRole the library writes (in the platform's chart, with these
   * rules) and binds with a RoleBinding in each of the tenant's namespaces:
   * for a set of rights several tenants share under one name. Tenants that
   * name the same role must declare the same rules.
   *
   * A ClusterRole the library does not write cannot be bound: its rules are
   * unknown at synth and may grow later (aggregation, an upgrade), which is
   * what the audit flags (`rbac.privilege-escalation`). The built-in
   * `cluster-admin`, `admin`, `edit` and `view` are refused: they hold
   * wildcards, or aggregate whatever a CRD adds to them (and `admin`/`edit`
   * write NetworkPolicies and RoleBindings, which the library's own roles
   * deliberately leave out).
   *
   * @param name the ClusterRole's name, a DNS-1123 subdomain
   */
  public static clusterRole(name: string, rules: TenantRule[], options: TenantRightsOptions = {}): TenantRights {
    return new TenantRights(name, rules, options);
  }

  /**
     * The checked rights of a tenant, by where they are written.
     *
     * @internal
     */
  public static _renderAll(scope: IConstruct, rights: TenantRights[]): RenderedRights {
    if (!Array.isArray(rights)) throw invalidProp(scope, 'extraRights', rights, 'must be a list of TenantRights.');
    const out: RenderedRights = { adminRules: [], userRules: [], clusterRoles: [] };
    const roles = new Set<string>();
    rights.forEach((r, i) => {
      if (!(r instanceof TenantRights)) {
        throw invalidProp(scope, `extraRights[${i}]`, r, 'is not a TenantRights.', 'Use TenantRights.rules([...]) or TenantRights.clusterRole(name, [...]).');
      }
      const { audience, rules, clusterRole } = r._render(scope, `extraRights[${i}]`);
      if (clusterRole !== undefined) {
        if (roles.has(clusterRole)) throw invalidProp(scope, `extraRights[${i}] clusterRole`, clusterRole, 'is bound twice: name each ClusterRole once per tenant.');
        roles.add(clusterRole);
        out.clusterRoles.push({ name: clusterRole, rules, audience: audience === TenantAudience.MEMBERS ? 'members' : 'admins' });
        return;
      }
      out.adminRules.push(...rules);
      if (audience === TenantAudience.MEMBERS) out.userRules.push(...rules);
    });
    return out;
  }

  private constructor(
    /** @internal */ public readonly _clusterRole: string | undefined,
    /** @internal */ public readonly _rules: TenantRule[],
    /** @internal */ public readonly _options: TenantRightsOptions,
  ) {}

  /**
   * The checked audience and rules.
   *
   * @internal
   */
  public _render(scope: IConstruct, prop: string): { audience: TenantAudience; rules: TenantRule[]; clusterRole?: string } {
    const audience = this._options?.audience ?? TenantAudience.ADMINS;
    if (!Object.values(TenantAudience).includes(audience)) {
      throw invalidProp(scope, `${prop} audience`, audience, 'must be TenantAudience.ADMINS or TenantAudience.MEMBERS.');
    }
    if (this._clusterRole !== undefined) checkClusterRoleName(scope, `${prop} clusterRole`, this._clusterRole);
    if (!Array.isArray(this._rules) || this._rules.length === 0) {
      throw invalidProp(scope, `${prop} rules`, this._rules, 'must list at least one rule.');
    }
    const rules = this._rules.map((r, i) => checkRule(scope, `${prop} rules[${i}]`, r));
    return { audience, rules, clusterRole: this._clusterRole };
  }
}

