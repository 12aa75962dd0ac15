import { IConstruct } from 'constructs';
import { invalidProp } from '../core/errors';
import { LIFECYCLE_LABEL, LIFECYCLE_REASON_ANNOTATION } from '../core/labels';

/** The longest reason accepted: it is quoted in every refusal the guards send. */
const MAX_REASON = 256;

/**
 * Where a tenant is in its life: active, cordoned (frozen for an incident),
 * or offboarding (frozen, and its namespaces and data may now be deleted).
 *
 * The state is stamped on every namespace of the tenant as the label
 * `cdk8s-tenancy.io/lifecycle` (with the reason in the annotation
 * `cdk8s-tenancy.io/lifecycle-reason`), which the platform's lifecycle
 * guards read from the live namespace. Only the platform may set or remove
 * it: the guardrails protect every `cdk8s-tenancy.io/*` namespace label.
 *
 * @example
 * import { SoftTenant, TenantLifecycle } from 'cdk8s-tenancy';
 *
 * declare const chart: import('cdk8s').Chart;
 * new SoftTenant(chart, 'TeamA', {
 *   name: 'team-a',
 *   lifecycle: TenantLifecycle.offboarding('contract ended, ticket OPS-1234'),
 * });
 */
export class TenantLifecycle {
  /**
   * The tenant works normally; its namespaces and their data (claims,
   * Secrets, StatefulSets) cannot be deleted except by its own members
   * (data) or the platform's break-glass identity. No label is stamped.
   */
  public static readonly ACTIVE = new TenantLifecycle('active');

  /**
   * Freezes the tenant: its members and the service accounts of its
   * namespaces keep read access, and every write they make in its
   * namespaces is refused, naming the cordon and `reason`. The platform
   * and the cluster's controllers are not held, so running workloads keep
   * running and healing. Set the tenant back to `ACTIVE` to lift it.
   *
   * @param reason why, quoted in every refusal (1 to 256 characters, one line)
   */
  public static cordoned(reason: string): TenantLifecycle {
    return new TenantLifecycle('cordoned', reason);
  }

  /**
   * The first of the two steps that delete a tenant: cordons it and marks
   * its namespaces so that the deletion guard lets them, and the data in
   * them, be deleted. Apply it in its own change and let it sync before
   * the change that removes the tenant: the guard reads the mark from the
   * live namespace, so a single change cannot both mark and delete.
   *
   * @param reason why, quoted in every refusal (1 to 256 characters, one line)
   */
  public static offboarding(reason: string): TenantLifecycle {
    return new TenantLifecycle('offboarding', reason);
  }

  private constructor(
    /** The state: `active`, `cordoned` or `offboarding`. */
    public readonly state: string,
    /** Why the tenant is in this state (none when active). */
    public readonly reason?: string,
  ) {}

  /**
   * Checks the value and returns the namespace labels and annotations that
   * carry it (none when active).
   *
   * @internal
   */
  public _render(scope: IConstruct, prop: string): { labels: Record<string, string>; annotations: Record<string, string> } {
    if (this.state === 'active') return { labels: {}, annotations: {} };
    const r = this.reason;
    if (typeof r !== 'string' || r.trim().length === 0 || r.length > MAX_REASON || /[\r\n]/.test(r) || r !== r.trim()) {
      throw invalidProp(scope, `${prop} reason`, r,
        `must say why the tenant is ${this.state}: one line of 1 to ${MAX_REASON} characters, without leading or trailing spaces.`,
        `For example TenantLifecycle.${this.state}('incident INC-42: leaked credentials').`);
    }
    return { labels: { [LIFECYCLE_LABEL]: this.state }, annotations: { [LIFECYCLE_REASON_ANNOTATION]: r } };
  }
}
