import { IConstruct } from 'constructs';
import { invalidProp } from '../core/errors';
import { checkDnsLabel, checkDnsSubdomain } from '../core/names';

/**
 * Who may delete a tenant's namespaces and data without the offboarding
 * step (see `TenancyPlatform`'s `breakGlass`): a person or group of the
 * cluster's authenticator, or a service account, reserved for emergencies.
 *
 * @example
 * import { BreakGlassIdentity } from 'cdk8s-tenancy';
 *
 * const sre = BreakGlassIdentity.group('platform-break-glass');
 */
export class BreakGlassIdentity {
  /**
   * A user, as the authenticator reports it. Names starting with `system:`
   * are refused (use `serviceAccount` for a service account).
   */
  public static user(name: string): BreakGlassIdentity {
    return new BreakGlassIdentity('user', name);
  }

  /**
   * A group, as the authenticator reports it. Names starting with
   * `system:` are refused: they hold every user, every service account or
   * every cluster admin (`system:masters`), never one emergency role.
   */
  public static group(name: string): BreakGlassIdentity {
    return new BreakGlassIdentity('group', name);
  }

  /**
   * A service account, e.g. the one an emergency runbook's job runs as.
   */
  public static serviceAccount(namespace: string, name: string): BreakGlassIdentity {
    return new BreakGlassIdentity('serviceAccount', name, namespace);
  }

  private constructor(
    /** @internal */ public readonly _kind: 'user' | 'group' | 'serviceAccount',
    /** @internal */ public readonly _name: string,
    /** @internal */ public readonly _namespace?: string,
  ) {}

  /**
   * Checks the identity; returns the user name or group it matches.
   *
   * @internal
   */
  public _render(scope: IConstruct, prop: string): { user?: string; group?: string } {
    if (this._kind === 'serviceAccount') {
      checkDnsLabel(scope, `${prop} service account namespace`, this._namespace!);
      checkDnsSubdomain(scope, `${prop} service account name`, this._name);
      return { user: `system:serviceaccount:${this._namespace}:${this._name}` };
    }
    const n = this._name;
    if (typeof n !== 'string' || n.trim().length === 0 || n !== n.trim()) {
      throw invalidProp(scope, `${prop} ${this._kind}`, n, 'must be a non-empty name without leading or trailing spaces.');
    }
    if (n.startsWith('system:')) {
      throw invalidProp(scope, `${prop} ${this._kind}`, n,
        "names starting with 'system:' are Kubernetes' own (every user, every service account, every cluster admin in system:masters) and never a break-glass identity.",
        'Name a dedicated emergency user or group, or use BreakGlassIdentity.serviceAccount(namespace, name).');
    }
    return this._kind === 'user' ? { user: n } : { group: n };
  }
}

/** The break-glass users and groups, as the deletion guard reads them. */
export interface BreakGlassSubjects {
  readonly users: string[];
  readonly groups: string[];
}

/** Checks `identities` (`prop` names them in errors) and collects them. */
export function renderBreakGlass(scope: IConstruct, prop: string, identities: BreakGlassIdentity[]): BreakGlassSubjects {
  if (!Array.isArray(identities)) throw invalidProp(scope, prop, identities, 'must be a list of BreakGlassIdentity.');
  const users: string[] = [];
  const groups: string[] = [];
  identities.forEach((id, i) => {
    if (!(id instanceof BreakGlassIdentity)) {
      throw invalidProp(scope, `${prop}[${i}]`, id, 'is not a BreakGlassIdentity.',
        'Use BreakGlassIdentity.user(name), BreakGlassIdentity.group(name) or BreakGlassIdentity.serviceAccount(namespace, name).');
    }
    const s = id._render(scope, `${prop}[${i}]`);
    if (s.user !== undefined) users.push(s.user);
    if (s.group !== undefined) groups.push(s.group);
  });
  return { users, groups };
}
