/*
 * node bench/compiled-rss.js N [configured]   (after `npx projen compile`)
 *
 * The writer's loop of bench.ts (default or configured tenants, into
 * /dev/shm) run from the compiled package in a plain node process, as its
 * users run it: bench.ts measures under ts-node, whose TypeScript compiler
 * stays resident (about 105 MB of its peak RSS). Prints CPU time and peak
 * RSS, and the objects and bytes written (the same counts as bench.ts's rows).
 */
const fs = require('fs');
const { App, Chart } = require('cdk8s');
const { TenancyGitOpsWriter } = require('../lib/gitops/tenancy-gitops-writer');
const { SoftTenant } = require('../lib/tenant/soft-tenant');
const { TenantMember } = require('../lib/tenant/tenant-member');
const { TenantPeer, TenantPort } = require('../lib/tenant/tenant-network');
const { TenantPriorityClass } = require('../lib/tenant/tenant-quota');
const { TenantPlacement } = require('../lib/placement/tenant-placement');
const { IstioInstall, IstioTenantControlPlane } = require('../lib/mesh/istio-tenant-control-plane');
const { ISTIO_DEFAULT_VERSION } = require('../lib/core/versions');
const configured = process.argv[3] === 'configured';
const n = Number(process.argv[2]);
const out = fs.mkdtempSync('/dev/shm/cw-');
const rss0 = process.memoryUsage().rss;
const c0 = process.cpuUsage();
const app = new App();
const writer = TenancyGitOpsWriter.open(app, { outdir: out, progress: false });
for (let i = 0; i < n; i++) {
  const name = `tenant-${i}`;
  const chart = new Chart(app, name);
  if (configured) {
    const t = new SoftTenant(chart, 'Tenant', { name, namespaces: [name, `${name}-jobs`], admins: [TenantMember.group(`${name}-admins`)], users: [TenantMember.group(`${name}-devs`)],
      network: { ingressFrom: [TenantPeer.namespace('ingress-nginx', undefined, [TenantPort.tcp(8080)])], egressTo: [TenantPeer.cidr('0.0.0.0/0', [TenantPort.tcp(443)])] },
      priorityClasses: [TenantPriorityClass.of('tenant-high', { pods: 5 })] });
    t.addExtension(TenantPlacement.forTenant(name));
    t.addExtension(IstioTenantControlPlane.forTenant({ install: IstioInstall.sail(ISTIO_DEFAULT_VERSION) }));
  } else new SoftTenant(chart, 'Tenant', { name });
  writer.add(chart);
}
const r = writer.close();
const cpu = process.cpuUsage(c0);
console.log(JSON.stringify({ n, variant: configured ? 'configured' : 'default', objects: r.objectCount, bytes: r.bytes, cpuMs: (cpu.user + cpu.system) / 1000, rssAfterLoadMb: rss0 / 1048576, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
fs.rmSync(out, { recursive: true, force: true });
