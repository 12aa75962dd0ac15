// SaaS: a tenant per customer (seed 003 "Software as a Service"), hundreds
// of them from a list, every pod sandboxed because customers do not trust
// each other, written for GitOps: one directory per customer and an Argo CD
// ApplicationSet that deploys each.
import { App, Chart } from 'cdk8s';
import { SoftTenant, TenancyGitOps, TenancyGitOpsResult, TenantPeer, TenantPort, TenantSandbox } from 'cdk8s-tenancy';

/** The customers; in real life, read from your billing system. */
export function customers(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `customer-${String(i + 1).padStart(4, '0')}`);
}

export function saas(app: App, names: string[]): void {
  for (const name of names) {
    const tenant = new SoftTenant(new Chart(app, name), 'Tenant', {
      name,
      network: { ingressFrom: [TenantPeer.namespace('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' }, [TenantPort.tcp(8080)])] },
    });
    tenant.addExtension(TenantSandbox.gvisor());
  }
}

export function writeSaas(outdir: string, count: number): TenancyGitOpsResult {
  const app = new App();
  saas(app, customers(count));
  return TenancyGitOps.write(app, {
    outdir,
    allowForeignFiles: false,
    argoCd: { repoUrl: 'https://git.example.com/saas/gitops.git', path: 'clusters/prod' },
  });
}

if (require.main === module) {
  const result = writeSaas('dist/examples/saas', 300);
  console.log(`Wrote ${result.files.length} files (${result.objectCount} objects) into dist/examples/saas/`);
}
