import { IConstruct } from 'constructs';
import { invalidProp } from '../core/errors';
import { checkDnsLabel, checkDnsSubdomain } from '../core/names';
import { RbacSubject } from './internal/rbac';

/**
 * The RBAC subject kinds a member can be.
 */
enum MemberKind {
  GROUP = 'Group',
  USER = 'User',
  SERVICE_ACCOUNT = 'ServiceAccount',
}

/**
 * Names that would hand a tenant's rights to everyone, or to the cluster's
 * own identities. Granting them is never what a platform team means.
 */
const FORBIDDEN = /^system:/;

/**
 * Someone who gets rights in a tenant's namespaces: a group or user from the
 * cluster's authenticator (OIDC, EKS access entries, IAM) or a Kubernetes
 * service account (e.g. the tenant's CI deployer).
 *
 * @example
 * import { TenantMember } from 'cdk8s-tenancy';
 *
 * const admins = TenantMember.group('team-a-admins');
 * const deployer = TenantMember.serviceAccount('ci', 'team-a-deployer');
 */
export class TenantMember {
  /**
   * A group, as the authenticator reports it.
   * Names starting with `system:` are refused: they name every user, every
   * service account or the cluster's own components.
   */
  public static group(name: string): TenantMember {
    return new TenantMember(MemberKind.GROUP, name);
  }

  /**
   * A user, as the authenticator reports it (e.g. an OIDC subject or the
   * username of an EKS access entry).
   */
  public static user(name: string): TenantMember {
    return new TenantMember(MemberKind.USER, name);
  }

  /**
   * A service account in any namespace, e.g. a CI deployer.
   */
  public static serviceAccount(namespace: string, name: string): TenantMember {
    return new TenantMember(MemberKind.SERVICE_ACCOUNT, name, namespace);
  }

  private constructor(
    /** @internal */ public readonly _kind: MemberKind,
    /** @internal */ public readonly _name: string,
    /** @internal */ public readonly _namespace?: string,
  ) {}

  /**
   * Checks the member and returns its RBAC subject.
   *
   * @internal
   */
  public _toSubject(scope: IConstruct, prop: string): RbacSubject {
    if (this._kind === MemberKind.SERVICE_ACCOUNT) {
      checkDnsLabel(scope, `${prop} service account namespace`, this._namespace!);
      checkDnsSubdomain(scope, `${prop} service account name`, this._name);
      return { kind: this._kind, name: this._name, namespace: this._namespace };
    }
    const what = this._kind === MemberKind.GROUP ? 'group' : 'user';
    if (typeof this._name !== 'string' || this._name.trim().length === 0 || this._name !== this._name.trim()) {
      throw invalidProp(scope, `${prop} ${what}`, this._name, 'must be a non-empty name without leading or trailing spaces.');
    }
    if (FORBIDDEN.test(this._name)) {
      throw invalidProp(scope, `${prop} ${what}`, this._name,
        "names starting with 'system:' are reserved for Kubernetes (they cover every user, every service account, or cluster components) and are never tenant members.",
        'Name the tenant\'s own group or user, or use TenantMember.serviceAccount(namespace, name) for a service account.');
    }
    return { kind: this._kind, name: this._name, apiGroup: 'rbac.authorization.k8s.io' };
  }
}
