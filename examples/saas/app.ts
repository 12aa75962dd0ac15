// SaaS: a tenant per customer (seed 003 "Software as a Service"), hundreds
// of them from a list, every pod sandboxed because customers do not trust
// each other, written for GitOps: one directory per customer and an Argo CD
// ApplicationSet that deploys each. Each customer is written as soon as it is
// built (TenancyGitOpsWriter), so memory stays that of one customer however
// many there are. Every customer's pods carry its tenant label and its plan,
// for the cost tool that splits the bill. Customers on the premium plan get
// fast volumes by default: a claim naming no StorageClass is given io2 by
// Kyverno, and their database's claims are written with it.
import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Command, CommanderError } from 'commander';
import {
  PlacementEngine, SoftTenant, TenancyGitOps, TenancyGitOpsOptions, TenancyGitOpsResult, TenancyGitOpsWriter, TenancyPlatform,
  TenantPeer, TenantPodLabels, TenantPort, TenantSandbox, TenantStorageClasses,
} from 'cdk8s-tenancy';

/** The customers; in real life, read from your billing system. */
export function customers(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `customer-${String(i + 1).padStart(4, '0')}`);
}

/** The label cost tools group a customer's pods by, beside the tenant label. */
export const PLAN_LABEL = 'billing.example.com/plan';

/**
 * Every 50th customer, from the first (customer-0001, customer-0051, ...),
 * is on the premium plan; in real life, the plan comes from billing too.
 */
export const PREMIUM_EVERY = 50;

/** The plan of a customer named by customers(). */
export function planOf(name: string): 'premium' | 'standard' {
  return Number(name.slice(name.lastIndexOf('-') + 1)) % PREMIUM_EVERY === 1 ? 'premium' : 'standard';
}

/**
 * A premium customer's volumes: io2 (provisioned IOPS) unless a claim asks
 * for gp3; no other class. Only premium customers have class lists, so the
 * storage guard's one CEL map grows with them, not with every customer.
 */
export const PREMIUM_STORAGE = TenantStorageClasses.only(['io2', 'gp3'], 'io2');

/** The cluster-wide part: the guards, and Kyverno as the engine that labels pods. */
export function platform(app: App): TenancyPlatform {
  // Kyverno labels the pods and fills in premium customers' default
  // StorageClass: Kubernetes' own MutatingAdmissionPolicy (the default
  // engine's) needs 1.36, and this fleet still runs older minors.
  return new TenancyPlatform(app, 'platform', { placementEngine: PlacementEngine.kyverno() });
}

/** One customer's tenant, in a chart of its own. */
export function customer(app: App, name: string): Chart {
  const chart = new Chart(app, name);
  const plan = planOf(name);
  const tenant = new SoftTenant(chart, 'Tenant', {
    name,
    network: { ingressFrom: [TenantPeer.namespace('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' }, [TenantPort.tcp(8080)])] },
    // Cost attribution: the tenant label and the plan on every pod.
    podLabels: TenantPodLabels.of({ [PLAN_LABEL]: plan }),
    storage: plan === 'premium' ? { storageClasses: PREMIUM_STORAGE } : undefined,
  });
  const sandbox = TenantSandbox.gvisor();
  tenant.addExtension(sandbox);
  if (plan === 'premium') premiumDatabase(chart, tenant, sandbox, name);
  return chart;
}

/**
 * A premium customer's database, run by the platform in the customer's
 * namespace: its claim template names no class; applyPodDefaults writes the
 * customer's default (io2) into it, so it does not depend on the mutation
 * having run, and the sandbox puts its pods in gVisor.
 */
function premiumDatabase(chart: Chart, tenant: SoftTenant, sandbox: TenantSandbox, namespace: string): void {
  new k8s.KubeService(chart, 'db-pods', {
    metadata: { name: 'db', namespace },
    spec: { clusterIp: 'None', selector: { app: 'db' }, ports: [{ name: 'postgres', port: 5432 }] },
  });
  const restricted = { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } };
  const db = new k8s.KubeStatefulSet(chart, 'db', {
    metadata: { name: 'db', namespace },
    spec: {
      serviceName: 'db',
      selector: { matchLabels: { app: 'db' } },
      template: {
        metadata: { labels: { app: 'db' } },
        spec: { containers: [{ name: 'postgres', image: 'registry.example.com/saas/postgres:17', securityContext: restricted, volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql' }] }] },
      },
      volumeClaimTemplates: [{
        metadata: { name: 'data' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: k8s.Quantity.fromString('50Gi') } } },
      }],
    },
  });
  tenant.applyPodDefaults(db);
  sandbox.applyTo(db);
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
