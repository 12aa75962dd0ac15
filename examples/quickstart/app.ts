// The quick start: one tenant with the library's defaults, plus the options
// most platform teams set on day one.
import { App, Chart, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-27';
import { SoftTenant, TenancyPlatform, TenantMember, TenantPeer, TenantPort, TenantPriorityClass } from 'cdk8s-tenancy';

export function quickstart(app: App): void {
  // The cluster-wide part: the admission guard, and a priority class offered
  // to tenants. SoftTenant would create the platform on its own; it is
  // declared here to add the priority class.
  const platform = new TenancyPlatform(app, 'platform');
  platform.addPriorityClass('tenant-high', { value: 100000, description: 'Latency-sensitive tenant workloads' });

  const chart = new Chart(app, 'team-a');

  // A tenant with every default: one namespace, restricted Pod Security,
  // default-deny network with DNS and same-tenant traffic, quota and limits.
  new SoftTenant(chart, 'TeamA', {
    name: 'team-a',
    namespaces: ['team-a', 'team-a-staging'],
    admins: [TenantMember.group('team-a-admins')],
    users: [TenantMember.group('team-a-developers'), TenantMember.serviceAccount('ci', 'team-a-deployer')],
    network: {
      // The ingress controller may reach the tenant's web pods on 8080.
      ingressFrom: [TenantPeer.namespace('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' }, [TenantPort.tcp(8080)])],
      // HTTPS to the internet; the metadata endpoint stays excluded.
      egressTo: [TenantPeer.cidr('0.0.0.0/0', [TenantPort.tcp(443)])],
    },
    quota: { requestsCpu: Cpu.units(8), limitsCpu: Cpu.units(16), requestsMemory: Size.gibibytes(16), limitsMemory: Size.gibibytes(32) },
    priorityClasses: [TenantPriorityClass.of('tenant-high', { pods: 5 })],
  });
}
