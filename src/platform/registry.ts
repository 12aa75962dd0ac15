import { Construct } from 'constructs';
import { NamedExpression } from '../core/admission-v1';

/**
 * A cluster-scoped object a feature needs, such as a RuntimeClass or a
 * PriorityClass: any number of tenants may declare it, all the same way.
 */
export interface ClusterObjectDeclaration {
  /** What names the object in the cluster: its kind and name, e.g. `RuntimeClass/gvisor`. */
  readonly key: string;
  /** The settings every declaration must repeat, as text, compared as is. */
  readonly settings: string;
  /** Creates the object in the platform's chart; called for the first declaration only. */
  create(scope: Construct): void;
  /** The error for a later declaration with other settings, given the first one's. */
  conflict(existing: string): Error;
}

/**
 * A name that belongs to one owner in an app: a tenant's name, a namespace,
 * a mesh revision.
 */
export interface Claim {
  /** What kind of name it is; names in different spaces never clash. */
  readonly space: string;
  /** The name. */
  readonly name: string;
  /** Who holds the name once claimed, as a later claimant's error shows it. */
  readonly owner: string;
  /**
   * The same owner may claim the name again: a platform namespace every
   * tenant's extension asks for (the Istio CNI node agent's).
   * @default false
   */
  readonly shared?: boolean;
  /** The error for a claim on a name another owner holds, given that owner. */
  refuse(owner: string): Error;
  /**
   * The error for a claim a rule refuses, given the rule's reason.
   *
   * @default - an error naming the owner, the space and the name
   */
  refuseByRule?(reason: string): Error;
}

/**
 * A condition on the names of one space, beyond one owner per name: a
 * feature that reserves a family of names (self-service reserves the names
 * under each parent) refuses claims on them, made before or after it.
 */
export interface ClaimRule {
  /** The space whose claims the rule judges. */
  readonly space: string;
  /** Why `owner` may not hold `name`, or undefined if it may. */
  reason(name: string, owner: string): string | undefined;
  /** The error for a claim made before the rule was added, given the reason. */
  refuseExisting(name: string, owner: string, reason: string): Error;
}

/**
 * What features add to the cluster-wide part of the tenancy, through four
 * verbs, so that the platform knows no feature by name and a new guard
 * needs no edit of the platform:
 *
 * - `addGuard`: a guard (its policies, or any cluster-wide objects), once
 *   by name, however many tenants ask for it;
 * - `addClusterObject`: a cluster-scoped object, once by kind and name, and
 *   refused if declared again differently;
 * - `claim`: names that belong to one owner (tenants, namespaces), all or none;
 * - `exemptFromGuardrails`: a request the guardrails let through, for a
 *   controller a feature installs (HNC writes namespaces and copies).
 *
 * Everything it creates goes into the platform's chart.
 */
export class PlatformRegistry {
  private readonly guards = new Map<string, unknown>();
  private readonly objects = new Map<string, string>();
  private readonly claims = new Map<string, Map<string, string>>();
  private readonly rules: ClaimRule[] = [];
  private readonly exemptions = new Map<string, NamedExpression>();

  constructor(private readonly scope: Construct) {}

  /**
   * Adds the guard `name` the first time it is asked for, with `create`,
   * and returns what that first `create` returned (e.g. a list later
   * callers add to). A `create` that throws adds nothing, and the next
   * request tries again.
   */
  public addGuard<T>(name: string, create: (scope: Construct) => T): T {
    if (this.guards.has(name)) return this.guards.get(name) as T;
    const made = create(this.scope);
    this.guards.set(name, made);
    return made;
  }

  /**
   * Adds, like `addGuard`, a guard that reads per-tenant settings, and
   * records `tenant`'s settings for it (none: the guard's defaults). The
   * guard renders every tenant's settings at synth, through the function
   * `create` is given, as JSON (tenant name -> settings) for its CEL.
   */
  public addTenantGuard(name: string, create: (scope: Construct, settings: () => string) => void, tenant: string, settings?: unknown): void {
    const all = this.addGuard(name, (scope) => {
      const byTenant = new Map<string, unknown>();
      create(scope, () => JSON.stringify(Object.fromEntries(byTenant)));
      return byTenant;
    });
    if (settings !== undefined) all.set(tenant, settings);
  }

  /**
   * Adds a cluster-scoped object once; a second declaration with the same
   * settings adds nothing, one with other settings is refused.
   */
  public addClusterObject(declaration: ClusterObjectDeclaration): void {
    const existing = this.objects.get(declaration.key);
    if (existing !== undefined) {
      if (existing !== declaration.settings) throw declaration.conflict(existing);
      return;
    }
    declaration.create(this.scope);
    this.objects.set(declaration.key, declaration.settings);
  }

  /**
   * Records the claims, or none of them: every claim is checked before any
   * is recorded, so a refused owner holds nothing.
   */
  public claim(claims: Claim[]): void {
    for (const c of claims) {
      const owner = this.space(c.space).get(c.name);
      if (owner !== undefined && !(c.shared && owner === c.owner)) throw c.refuse(owner);
      for (const rule of this.rules.filter((r) => r.space === c.space)) {
        const reason = rule.reason(c.name, c.owner);
        if (reason !== undefined) throw c.refuseByRule?.(reason) ?? new Error(`${c.owner}: invalid ${c.space} '${c.name}': ${reason}`);
      }
    }
    claims.forEach((c) => this.space(c.space).set(c.name, c.owner));
  }

  /**
   * Adds rules on claims, or none of them: each judges the claims made so
   * far (the first it refuses is thrown) and every later one.
   */
  public addClaimRules(rules: ClaimRule[]): void {
    for (const rule of rules) {
      for (const [name, owner] of this.space(rule.space)) {
        const reason = rule.reason(name, owner);
        if (reason !== undefined) throw rule.refuseExisting(name, owner, reason);
      }
    }
    this.rules.push(...rules);
  }

  /** The names claimed in `space` so far, in the order they were claimed. */
  public claimed(space: string): string[] {
    return [...this.space(space).keys()];
  }

  /** The names claimed in `space` so far with their owners, in the order they were claimed. */
  public claimedWithOwners(space: string): [string, string][] {
    return [...this.space(space)];
  }

  /** What the guard `name` was created with, if it was added. */
  public guard<T>(name: string): T | undefined {
    return this.guards.get(name) as T | undefined;
  }

  /**
   * Lets the guardrails pass requests for which `condition` is false: a
   * match condition of the guardrails policy, added once by name.
   */
  public exemptFromGuardrails(condition: NamedExpression): void {
    if (!this.exemptions.has(condition.name)) this.exemptions.set(condition.name, condition);
  }

  /** The guardrails' exemptions, in the order they were added. */
  public get guardrailsExemptions(): NamedExpression[] {
    return [...this.exemptions.values()];
  }

  private space(space: string): Map<string, string> {
    let names = this.claims.get(space);
    if (!names) this.claims.set(space, names = new Map());
    return names;
  }
}
