/*
 * The options and result of writing for GitOps, apart from the code that
 * writes: TenancyGitOps, TenancyGitOpsWriter and the Argo CD and Flux
 * objects all read them, and this module imports none of them.
 */

/**
 * Argo CD objects pointing at the output.
 */
export interface ArgoCdOptions {
  /** The Git repository the output is committed to. */
  readonly repoUrl: string;
  /**
   * Where the output directory is inside the repository.
   *
   * @default - the output directory's name
   */
  readonly path?: string;
  /** The revision to track. @default 'HEAD' */
  readonly revision?: string;
  /**
   * The Argo CD project of the platform's Applications: an AppProject of
   * yours. Argo CD's `default` project is refused (it takes any repository).
   * With Argo CD's sync impersonation on (tenants' own projects need it),
   * give your project `destinationServiceAccounts` for its destinations:
   * Argo CD refuses to sync an Application whose project names none.
   *
   * @default 'cdk8s-tenancy', an AppProject the library writes, taking the platform's repository (`repoUrl`) only and syncing as Argo CD's controller account (`argocd-application-controller`)
   */
  readonly project?: string;
  /** The namespace Argo CD runs in. @default 'argocd' */
  readonly namespace?: string;
  /** The cluster to deploy to. @default 'https://kubernetes.default.svc' */
  readonly destinationServer?: string;
}

/**
 * Flux objects pointing at the output.
 */
export interface FluxOptions {
  /** The name of the Flux `GitRepository` that holds the output. */
  readonly gitRepository: string;
  /**
   * Where the output directory is inside the repository.
   *
   * @default - the output directory's name
   */
  readonly path?: string;
  /** The namespace Flux runs in. @default 'flux-system' */
  readonly namespace?: string;
  /** How often Flux reconciles. @default '10m' */
  readonly interval?: string;
}

/**
 * Options for writing an app for GitOps.
 */
export interface TenancyGitOpsOptions {
  /** The directory to write to. */
  readonly outdir: string;
  /**
   * Write even though the directory holds files the library did not write.
   * They are left untouched; only files the library wrote before (listed in
   * `.cdk8s-tenancy-files.json`) are ever replaced or deleted.
   *
   * @default false
   */
  readonly allowForeignFiles?: boolean;
  /**
   * Also write an Argo CD ApplicationSet (one Application per tenant) and an
   * Application for the platform.
   *
   * @default - no Argo CD objects
   */
  readonly argoCd?: ArgoCdOptions;
  /**
   * Also write Flux Kustomizations (one per tenant, each depending on the
   * platform's).
   *
   * @default - no Flux objects
   */
  readonly flux?: FluxOptions;
  /**
   * Report progress on stderr (only when it is a terminal and not in CI).
   *
   * @default true
   */
  readonly progress?: boolean;
  /**
   * Tenants whose files this run may remove: tenants written by an earlier
   * run into this directory and deliberately left out of the app now.
   *
   * A run that would remove the file of a tenant not named here (a
   * customer dropped from a list by mistake, a typo, a renamed construct)
   * refuses: it names those tenants in its error and writes and removes
   * nothing. A name here that the app still writes is refused too (the
   * app and the intent disagree); a name with nothing left to remove is
   * fine, so the same options can be run twice.
   *
   * Removing a tenant's file does not delete its namespaces: the GitOps
   * objects and namespaces the library writes keep them (see
   * `GitOpsRetention`), for a person to delete deliberately.
   *
   * @default - no tenant may be removed
   */
  readonly removeTenants?: string[];
  /**
   * Remove the files of every tenant an earlier run wrote and this one
   * does not, without naming them in `removeTenants`.
   *
   * @default false
   */
  readonly allowTenantRemoval?: boolean;
  /**
   * Work out what would be written, changed and removed, and touch
   * nothing: no file, no directory, not the record. The result says what a
   * run with the same options would do, including which tenant removals
   * it would refuse (`refusedTenantRemovals`) instead of refusing.
   *
   * @default false
   */
  readonly dryRun?: boolean;
}

/**
 * What was written (or, in a dry run, what would be).
 */
export interface TenancyGitOpsResult {
  /** Whether this was a dry run: then nothing was written or removed. */
  readonly dryRun: boolean;
  /** The files written, relative to the output directory, sorted (unchanged ones included). */
  readonly files: string[];
  /** Of `files`, those that did not exist before, sorted. */
  readonly created: string[];
  /** Of `files`, those that existed with other content, sorted. */
  readonly changed: string[];
  /** The files deleted because the library wrote them before and they are gone now. */
  readonly deleted: string[];
  /** The tenants whose files were deleted (their names), sorted. */
  readonly removedTenants: string[];
  /**
   * The tenants whose removal a run with these options refuses (neither
   * named in `removeTenants` nor allowed by `allowTenantRemoval`), sorted.
   * Only a dry run reports them; a run that writes throws instead.
   */
  readonly refusedTenantRemovals: string[];
  /** Kubernetes objects written. */
  readonly objectCount: number;
  /** Bytes written. */
  readonly bytes: number;
}
