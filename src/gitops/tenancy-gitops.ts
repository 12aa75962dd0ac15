import { App } from 'cdk8s';
import { TenancyGitOpsWriter } from './tenancy-gitops-writer';

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
  /** The Argo CD project. @default 'default' */
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

/**
 * Writes a cdk8s app for GitOps: one directory per tenant, so that a change
 * to one tenant touches one file, in time linear in the number of tenants.
 *
 * Layout (stable, documented, a contract):
 *
 * - `platform/manifests.yaml` — the `TenancyPlatform` chart (guards,
 *   priority and runtime classes);
 * - `tenants/<tenant>/manifests.yaml` — each chart that holds one `SoftTenant`;
 * - `charts/<chart id>/manifests.yaml` — any other chart;
 * - `argocd/applications.yaml`, `flux/kustomizations.yaml` — when asked;
 * - `.cdk8s-tenancy-files.json` — the files the library wrote.
 *
 * Output is deterministic: the same app gives byte-identical files. Each
 * file is what `cdk8s synth` would write for its chart (YAML 1.1, as the
 * Kubernetes API reads it).
 *
 * `write` keeps the app whole; to write tens of thousands of tenants in
 * little memory, add each chart to a {@link TenancyGitOpsWriter} as soon as
 * it is built.
 *
 * @example
 * import { App, Chart } from 'cdk8s';
 * import { SoftTenant, TenancyGitOps } from 'cdk8s-tenancy';
 *
 * const app = new App();
 * for (const name of ['team-a', 'team-b']) {
 *   new SoftTenant(new Chart(app, name), name, { name });
 * }
 * TenancyGitOps.write(app, { outdir: 'gitops' });
 */
export class TenancyGitOps {
  /**
   * Synthesizes every chart of `app` and writes the layout to `outdir`.
   * Charts that would land in one file are refused before anything is
   * written. The app is left as it was.
   */
  public static write(app: App, options: TenancyGitOpsOptions): TenancyGitOpsResult {
    const writer = TenancyGitOpsWriter._open(app, options, { release: false });
    writer._planAll();
    return writer.close();
  }

  private constructor() {}
}
