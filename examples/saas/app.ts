// SaaS: a tenant per customer (seed 003 "Software as a Service"), hundreds
// of them from a list, every pod sandboxed because customers do not trust
// each other, written for GitOps: one directory per customer and an Argo CD
// ApplicationSet that deploys each. Each customer is written as soon as it is
// built (TenancyGitOpsWriter), so memory stays that of one customer however
// many there are. Every customer's pods carry its tenant label and its plan,
// for the cost tool that splits the bill.
import { App, Chart } from 'cdk8s';
import { Command, CommanderError } from 'commander';
import {
  PlacementEngine, SoftTenant, TenancyGitOps, TenancyGitOpsOptions, TenancyGitOpsResult, TenancyGitOpsWriter, TenancyPlatform,
  TenantPeer, TenantPodLabels, TenantPort, TenantSandbox,
} from 'cdk8s-tenancy';

/** The customers; in real life, read from your billing system. */
export function customers(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `customer-${String(i + 1).padStart(4, '0')}`);
}

/** The label cost tools group a customer's pods by, beside the tenant label. */
export const PLAN_LABEL = 'billing.example.com/plan';

/** The cluster-wide part: the guards, and Kyverno as the engine that labels pods. */
export function platform(app: App): TenancyPlatform {
  // Kyverno labels the pods: Kubernetes' own MutatingAdmissionPolicy (the
  // default engine's) needs 1.36, and this fleet still runs older minors.
  return new TenancyPlatform(app, 'platform', { placementEngine: PlacementEngine.kyverno() });
}

/** One customer's tenant, in a chart of its own. */
export function customer(app: App, name: string): Chart {
  const chart = new Chart(app, name);
  const tenant = new SoftTenant(chart, 'Tenant', {
    name,
    network: { ingressFrom: [TenantPeer.namespace('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' }, [TenantPort.tcp(8080)])] },
    // Cost attribution: the tenant label and the plan on every pod.
    podLabels: TenantPodLabels.of({ [PLAN_LABEL]: 'standard' }),
  });
  tenant.addExtension(TenantSandbox.gvisor());
  return chart;
}

/**
 * Writes `count` customers to `outdir`. A customer an earlier run wrote
 * and this one does not is removed only when named in
 * `options.removeTenants` (or with `allowTenantRemoval`); otherwise the
 * run stops, naming them, having touched nothing.
 */
export function writeSaas(outdir: string, count: number, options: Pick<TenancyGitOpsOptions, 'dryRun' | 'removeTenants' | 'allowTenantRemoval'> = {}): TenancyGitOpsResult {
  const app = new App();
  platform(app);
  const writer = TenancyGitOpsWriter.open(app, {
    outdir,
    allowForeignFiles: false,
    argoCd: { repoUrl: 'https://git.example.com/saas/gitops.git', path: 'clusters/prod' },
    ...options,
  });
  for (const name of customers(count)) writer.add(customer(app, name));
  return writer.close();
}

/**
 * The example as a command (`npm run example:saas -- --help`): prints what
 * was (or, with --dry-run, would be) created, changed and deleted; exits 1
 * when the run refuses to remove customers (a dry run too, listing them).
 */
export function saasMain(argv: string[], io: { stdout: (t: string) => void; stderr: (t: string) => void } = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
}): number {
  const program = new Command('example:saas')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .option('--outdir <dir>', 'where to write', 'dist/examples/saas')
    .option('--count <n>', 'how many customers', '300')
    .option('--dry-run', 'show what would be created, changed and deleted; touch nothing')
    .option('--remove-tenant <names...>', 'customers this run may remove')
    .option('--allow-tenant-removal', 'remove every customer no longer in the list');
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    return e instanceof CommanderError && e.exitCode === 0 ? 0 : 2;
  }
  type Options = { outdir: string; count: string; dryRun?: boolean; removeTenant?: string[]; allowTenantRemoval?: boolean };
  const opts = program.opts<Options>();
  let result: TenancyGitOpsResult;
  try {
    result = writeSaas(opts.outdir, Number(opts.count), {
      dryRun: opts.dryRun,
      removeTenants: opts.removeTenant,
      allowTenantRemoval: opts.allowTenantRemoval,
    });
  } catch (e) {
    io.stderr(`error: ${(e as Error).message}\n`);
    return 1;
  }
  io.stdout(TenancyGitOps.summarize(result));
  return result.refusedTenantRemovals.length > 0 ? 1 : 0;
}

if (require.main === module) {
  process.exitCode = saasMain(process.argv.slice(2));
}
