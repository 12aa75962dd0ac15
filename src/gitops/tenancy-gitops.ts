import { App } from 'cdk8s';
import type { TenancyGitOpsOptions, TenancyGitOpsResult } from './tenancy-gitops-options';
import { TenancyGitOpsWriter } from './tenancy-gitops-writer';

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

  /**
   * What a result says, as text for a terminal or a CI log: the files
   * created, changed and deleted (listed), how many are unchanged, the
   * tenants removed and, for a dry run, the removals a real run would
   * refuse.
   */
  public static summarize(result: TenancyGitOpsResult): string {
    const lines: string[] = [];
    const verb = (done: string, would: string) => (result.dryRun ? would : done);
    const files = (title: string, list: string[]) => {
      if (list.length > 0) lines.push(`${title} (${list.length}):`, ...list.map((f) => `  ${f}`));
    };
    if (result.dryRun) lines.push('dry run: nothing was written or removed');
    files(verb('created', 'would create'), result.created);
    files(verb('changed', 'would change'), result.changed);
    files(verb('deleted', 'would delete'), result.deleted);
    lines.push(`unchanged: ${result.files.length - result.created.length - result.changed.length} files`);
    if (result.removedTenants.length > 0) {
      lines.push(`${verb('tenants removed', 'tenants it would remove')}: ${result.removedTenants.join(', ')}`);
    }
    if (result.refusedTenantRemovals.length > 0) {
      lines.push(`refused: a run with these options would stop, removing tenants not named in removeTenants: ${result.refusedTenantRemovals.join(', ')}`);
    }
    return lines.join('\n') + '\n';
  }

  private constructor() {}
}
