import { Construct, IConstruct } from 'constructs';
import { invalidProp } from '../core/errors';
import { checkDnsLabel, checkDnsSubdomain } from '../core/names';
import { appProject, fluxObjects, IN_CLUSTER, serviceAccount, TenantGitOpsTarget } from './internal/tenant-gitops-objects';

/**
 * A tenant's own Argo CD project.
 */
export interface TenantArgoCdOptions {
  /**
   * The Git repositories the tenant's Applications may take manifests from,
   * as Argo CD matches them (globs allowed, e.g.
   * `https://git.example.com/team-a/*`). A bare `*` is refused: that is
   * any repository.
   */
  readonly sourceRepos: string[];

  /**
   * The namespace Argo CD runs in, where its projects live.
   *
   * @default 'argocd'
   */
  readonly namespace?: string;

  /**
   * The cluster the tenant's namespaces are in, as Argo CD names it.
   *
   * @default 'https://kubernetes.default.svc' (the cluster Argo CD runs in)
   */
  readonly destinationServer?: string;
}

/**
 * A tenant's own Flux source and Kustomization.
 */
export interface TenantFluxOptions {
  /** The tenant's Git repository (`https://` or `ssh://`, as Flux reads it). */
  readonly url: string;

  /**
   * The branch to follow.
   *
   * @default 'main'
   */
  readonly branch?: string;

  /**
   * The directory of the repository to apply.
   *
   * @default './'
   */
  readonly path?: string;

  /**
   * How often Flux reconciles (a Go duration).
   *
   * @default '10m'
   */
  readonly interval?: string;

  /**
   * A Secret in the tenant's first namespace holding the Git credentials.
   *
   * @default - none: a public repository
   */
  readonly secretName?: string;
}

/**
 * The tenant's own GitOps, with the tenant's rights and no more: tenants
 * deliver their workloads from their own repositories, and the platform's
 * guards hold what they deliver as they hold the tenant.
 *
 * Either way the library writes a service account (`tenant-gitops`, in the
 * tenant's first namespace) bound to the tenant-admin Role in each of the
 * tenant's namespaces, so the API server judges every object the tenant's
 * GitOps applies as it judges the tenant: RBAC, Pod Security, quota and
 * the platform's admission guards.
 *
 * @example
 * import { Chart } from 'cdk8s';
 * import { SoftTenant, TenantGitOps } from 'cdk8s-tenancy';
 *
 * declare const chart: Chart;
 * new SoftTenant(chart, 'TeamA', {
 *   name: 'team-a',
 *   gitOps: TenantGitOps.argoCd({ sourceRepos: ['https://git.example.com/team-a/*'] }),
 * });
 */
export class TenantGitOps {
  /**
   * An Argo CD `AppProject` named `tenant-<name>`: its destinations are
   * exactly the tenant's namespaces, it allows no cluster-scoped kind, it
   * refuses the kinds that isolate the tenant (NetworkPolicy,
   * ResourceQuota, LimitRange, Role, RoleBinding), and it takes manifests
   * from `sourceRepos` only. Its `destinationServiceAccounts` name the
   * tenant's service account: with Argo CD's sync impersonation on
   * (`application.sync.impersonation.enabled: "true"` in `argocd-cm`,
   * Argo CD 2.13 and later), Argo CD applies as the tenant. Without it,
   * Argo CD applies with its own rights, which the platform's guards count
   * as the platform's: the project's limits are then all that holds the
   * tenant's Applications. Turn impersonation on.
   */
  public static argoCd(options: TenantArgoCdOptions): TenantGitOps {
    return new TenantGitOps('argoCd', options, undefined);
  }

  /**
   * A Flux `GitRepository` and `Kustomization`, both `tenant-gitops` in the
   * tenant's first namespace, the Kustomization reconciled as the tenant's
   * service account (`serviceAccountName`), as Flux's multi-tenancy
   * lockdown prescribes: Flux impersonates that account, so the API server
   * holds what it applies to the tenant's rights.
   */
  public static flux(options: TenantFluxOptions): TenantGitOps {
    return new TenantGitOps('flux', undefined, options);
  }

  private constructor(
    /** @internal */ public readonly _tool: 'argoCd' | 'flux',
    /** @internal */ public readonly _argoCd: TenantArgoCdOptions | undefined,
    /** @internal */ public readonly _flux: TenantFluxOptions | undefined,
  ) {}

  /**
   * Checks the options (before the tenant creates anything) and returns what
   * creates the objects.
   *
   * @internal
   */
  public _check(scope: IConstruct, prop: string): (scope: Construct, tenant: TenantGitOpsTarget) => void {
    if (this._tool === 'argoCd') {
      const o = this._argoCd ?? ({} as TenantArgoCdOptions);
      const repos = o.sourceRepos;
      if (!Array.isArray(repos) || repos.length === 0) {
        throw invalidProp(scope, `${prop}.sourceRepos`, repos, 'must list at least one Git repository.');
      }
      repos.forEach((r, i) => {
        if (typeof r !== 'string' || !/^(https:\/\/|ssh:\/\/|git@)[^\s*][^\s]*$/.test(r)) {
          throw invalidProp(scope, `${prop}.sourceRepos[${i}]`, r,
            "must be a Git URL (https://, ssh:// or git@host:path), globs allowed after the host; a bare '*' would allow any repository.");
        }
      });
      if (new Set(repos).size !== repos.length) throw invalidProp(scope, `${prop}.sourceRepos`, repos, 'lists a repository twice.');
      const namespace = o.namespace ?? 'argocd';
      checkDnsLabel(scope, `${prop}.namespace`, namespace);
      const server = o.destinationServer ?? IN_CLUSTER;
      if (typeof server !== 'string' || !/^https:\/\/\S+$/.test(server)) {
        throw invalidProp(scope, `${prop}.destinationServer`, server, "must be the https:// URL of the cluster's API server, as Argo CD names it.");
      }
      return (s, t) => {
        serviceAccount(t);
        appProject(s, t, [...repos], namespace, server);
      };
    }
    const o = this._flux ?? ({} as TenantFluxOptions);
    if (typeof o.url !== 'string' || !/^(https:\/\/|ssh:\/\/)\S+$/.test(o.url)) {
      throw invalidProp(scope, `${prop}.url`, o.url, 'must be a Git URL Flux reads (https:// or ssh://; write git@host:path as ssh://git@host/path).');
    }
    const branch = o.branch ?? 'main';
    if (typeof branch !== 'string' || !/^[A-Za-z0-9._/-]+$/.test(branch) || branch.startsWith('-') || branch.includes('..') || branch.endsWith('/')) {
      throw invalidProp(scope, `${prop}.branch`, branch, 'must be a Git branch name.');
    }
    const dir = o.path ?? './';
    if (typeof dir !== 'string' || dir === '' || dir.startsWith('/') || dir.split('/').includes('..')) {
      throw invalidProp(scope, `${prop}.path`, dir, "must be a relative path inside the repository, without '..'.");
    }
    const interval = o.interval ?? '10m';
    if (typeof interval !== 'string' || !/^(\d+(ms|s|m|h))+$/.test(interval)) {
      throw invalidProp(scope, `${prop}.interval`, interval, "must be a Go duration such as '10m' or '1h30m'.");
    }
    if (o.secretName !== undefined) checkDnsSubdomain(scope, `${prop}.secretName`, o.secretName);
    return (_s, t) => {
      serviceAccount(t);
      fluxObjects(t, { url: o.url, branch, path: dir, interval, secretName: o.secretName });
    };
  }
}

