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
   *
   * @default 'cdk8s-tenancy', an AppProject the library writes, taking the platform's repository (`repoUrl`) only
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
}

/**
 * What was written.
 */
export interface TenancyGitOpsResult {
  /** The files written, relative to the output directory, sorted. */
  readonly files: string[];
  /** The files deleted because the library wrote them before and they are gone now. */
  readonly deleted: string[];
  /** Kubernetes objects written. */
  readonly objectCount: number;
  /** Bytes written. */
  readonly bytes: number;
}
