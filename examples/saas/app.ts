// SaaS: a tenant per customer (seed 003 "Software as a Service"), hundreds
// of them from a list, every pod sandboxed because customers do not trust
// each other, written for GitOps: one directory per customer and an Argo CD
// ApplicationSet that deploys each. Each customer is written as soon as it is
// built (TenancyGitOpsWriter), so memory stays that of one customer however
// many there are.
import { App, Chart } from 'cdk8s';
import { SoftTenant, TenancyGitOpsResult, TenancyGitOpsWriter, TenantPeer, TenantPort, TenantSandbox } from 'cdk8s-tenancy';

/** The customers; in real life, read from your billing system. */
export function customers(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `customer-${String(i + 1).padStart(4, '0')}`);
}

/** One customer's tenant, in a chart of its own. */
export function customer(app: App, name: string): Chart {
  const chart = new Chart(app, name);
  const tenant = new SoftTenant(chart, 'Tenant', {
    name,
    network: { ingressFrom: [TenantPeer.namespace('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' }, [TenantPort.tcp(8080)])] },
  });
  tenant.addExtension(TenantSandbox.gvisor());
  return chart;
}

export function writeSaas(outdir: string, count: number): TenancyGitOpsResult {
  const app = new App();
  const writer = TenancyGitOpsWriter.open(app, {
    outdir,
    allowForeignFiles: false,
    argoCd: { repoUrl: 'https://git.example.com/saas/gitops.git', path: 'clusters/prod' },
  });
  for (const name of customers(count)) writer.add(customer(app, name));
  return writer.close();
}

if (require.main === module) {
  const result = writeSaas('dist/examples/saas', 300);
  console.log(`Wrote ${result.files.length} files (${result.objectCount} objects) into dist/examples/saas/`);
}
