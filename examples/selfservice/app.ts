// Self-service namespaces (issue #11): a research group whose admins create
// namespaces for experiments themselves, with HNC, without a pull request to
// the platform repository; a second team keeps static namespaces. The
// namespaces created under `research` inherit its tenant and Pod Security
// labels and its NetworkPolicies, RBAC and LimitRange, and share one quota.
import { App, Chart, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-27';
import { SoftTenant, TenancyPlatform, TenantMember, TenantSelfService } from 'cdk8s-tenancy';

export function selfservice(app: App): void {
  // HNC installed from its release manifests runs as this user.
  new TenancyPlatform(app, 'platform', { hncUsername: 'system:serviceaccount:hnc-system:default' });

  const research = new SoftTenant(new Chart(app, 'research'), 'Research', {
    name: 'research',
    admins: [TenantMember.group('research-leads')],
    users: [TenantMember.group('research-staff')],
  });
  research.addExtension(TenantSelfService.hnc({
    maxNamespaces: 20,
    // For the whole tree: research and every namespace created under it.
    quota: { requestsCpu: Cpu.units(16), limitsCpu: Cpu.units(32), requestsMemory: Size.gibibytes(64), limitsMemory: Size.gibibytes(128) },
  }));

  new SoftTenant(new Chart(app, 'billing'), 'Billing', { name: 'billing', admins: [TenantMember.group('billing-leads')] });
}

if (require.main === module) {
  const app = new App({ outdir: 'dist/examples/selfservice' });
  selfservice(app);
  app.synth();
  console.log(`Synthesized ${app.charts.length} charts into ${app.outdir}/`);
}
