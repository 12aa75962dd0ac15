import { App, Chart } from 'cdk8s';
// From the features' modules, not '../src' (see bench.ts: the index loads aws-cdk-lib).
import { ISTIO_DEFAULT_VERSION } from '../src/core/versions';
import { IstioInstall, IstioTenantControlPlane } from '../src/mesh/istio-tenant-control-plane';
import { TenantPlacement } from '../src/placement/tenant-placement';
import { SoftTenant } from '../src/tenant/soft-tenant';
import { TenantMember } from '../src/tenant/tenant-member';
import { TenantPeer, TenantPort } from '../src/tenant/tenant-network';
import { TenantPriorityClass } from '../src/tenant/tenant-quota';

/**
 * One tenant of the benchmark, in a chart of its own: `default` is
 * `new SoftTenant(chart, 'Tenant', { name })`; `configured` has two
 * namespaces, members, peers, a priority class, dedicated nodes and its own
 * Istio control plane. The writer's tests build the same tenants.
 */
export function benchTenant(app: App, name: string, variant: string): Chart {
  const chart = new Chart(app, name);
  if (variant === 'configured') {
    const t = new SoftTenant(chart, 'Tenant', {
      name,
      namespaces: [name, `${name}-jobs`],
      admins: [TenantMember.group(`${name}-admins`)],
      users: [TenantMember.group(`${name}-devs`)],
      network: {
        ingressFrom: [TenantPeer.namespace('ingress-nginx', undefined, [TenantPort.tcp(8080)])],
        egressTo: [TenantPeer.cidr('0.0.0.0/0', [TenantPort.tcp(443)])],
      },
      priorityClasses: [TenantPriorityClass.of('tenant-high', { pods: 5 })],
    });
    t.addExtension(TenantPlacement.forTenant(name));
    t.addExtension(IstioTenantControlPlane.forTenant({ install: IstioInstall.sail(ISTIO_DEFAULT_VERSION) }));
  } else {
    new SoftTenant(chart, 'Tenant', { name });
  }
  return chart;
}
