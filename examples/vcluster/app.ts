// A virtual control plane per tenant (seed 003 "Virtual Cluster"; issue
// #11): each team gets its own API server (vcluster) in one of its
// namespaces, installed by the GitOps controller the platform already runs.
// `platform` is delivered by Argo CD, `research` by Flux.
import { App, Chart } from 'cdk8s';
import { SoftTenant, TenantMember, VirtualClusterDelivery, VirtualTenantCluster } from 'cdk8s-tenancy';

/** Where the cluster's API server endpoints are (here: the VPC's subnets). */
const API_SERVER_CIDRS = ['10.0.0.0/16'];

export function vcluster(app: App): void {
  // Argo CD: the virtual cluster lives in `platform-vc`; the team keeps
  // `platform` for workloads it runs on the host directly.
  const platform = new SoftTenant(new Chart(app, 'platform-team'), 'Platform', {
    name: 'platform-team',
    namespaces: ['platform-team-vc', 'platform-team'],
    admins: [TenantMember.group('platform-team-admins')],
  });
  platform.addExtension(VirtualTenantCluster.forTenant({
    delivery: VirtualClusterDelivery.argoCd({ project: 'tenants' }),
    apiServerCidrs: API_SERVER_CIDRS,
    hostNamespace: 'platform-team-vc',
    values: { exportKubeConfig: { server: 'https://platform-team.vcluster.example.com' } },
  }));

  // Flux: the tenant has one namespace, and works only through its virtual cluster.
  const research = new SoftTenant(new Chart(app, 'research'), 'Research', {
    name: 'research',
    admins: [TenantMember.group('research-admins')],
  });
  research.addExtension(VirtualTenantCluster.forTenant({
    delivery: VirtualClusterDelivery.flux({ interval: '30m' }),
    apiServerCidrs: API_SERVER_CIDRS,
  }));
}

if (require.main === module) {
  const app = new App({ outdir: 'dist/examples/vcluster' });
  vcluster(app);
  app.synth();
  console.log(`Synthesized ${app.charts.length} charts into ${app.outdir}/`);
}
