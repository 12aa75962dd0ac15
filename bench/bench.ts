/*
 * npm run bench [-- N...] [--variant default|configured]
 *
 * Measures synthesizing N tenants into the GitOps layout (one file per
 * tenant) against the floor: serializing the same objects with the `yaml`
 * package alone and writing the same files. Each N runs in its own process,
 * so peak RSS is that run's. Prints ratios, never asserts on time.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import * as YAML from 'yaml';
import { SoftTenant, TenancyGitOps, TenantMember, TenantPeer, TenantPlacement, TenantPort, TenantPriorityClass } from '../src';
import { synthChart } from '../src/private/gitops/synth-chart';

function build(n: number, variant: string): App {
  const app = new App();
  for (let i = 0; i < n; i++) {
    const name = `tenant-${i}`;
    const chart = new Chart(app, name);
    if (variant === 'configured') {
      const tenant = new SoftTenant(chart, 'Tenant', {
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
      tenant.addExtension(TenantPlacement.forTenant(name));
    } else {
      new SoftTenant(chart, 'Tenant', { name });
    }
  }
  return app;
}

/** One measurement, in this process. */
function measure(n: number, variant: string) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-lib-'));
  const floorDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-floor-'));
  const t0 = process.hrtime.bigint();
  const app = build(n, variant);
  const result = TenancyGitOps.write(app, { outdir: out, progress: false });
  const t1 = process.hrtime.bigint();
  // The floor: the same objects, serialized with yaml alone, one file each.
  const units = app.node.children.filter((c): c is Chart => Chart.isChart(c)).map((c) => synthChart(c));
  const t2 = process.hrtime.bigint();
  let floorBytes = 0;
  units.forEach((objects, i) => {
    const text = objects.map((o) => YAML.stringify(o, { lineWidth: 0 })).join('---\n');
    fs.mkdirSync(path.join(floorDir, String(i)), { recursive: true });
    fs.writeFileSync(path.join(floorDir, String(i), 'manifests.yaml'), text);
    floorBytes += text.length;
  });
  const t3 = process.hrtime.bigint();
  fs.rmSync(out, { recursive: true, force: true });
  fs.rmSync(floorDir, { recursive: true, force: true });
  const ms = (a: bigint, b: bigint) => Number(b - a) / 1e6;
  return {
    n,
    variant,
    files: result.files.length,
    objects: result.objectCount,
    bytes: result.bytes,
    floorBytes,
    libMs: ms(t0, t1),
    floorMs: ms(t2, t3),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

function main(args: string[]) {
  const variantAt = args.indexOf('--variant');
  const variant = variantAt >= 0 ? args[variantAt + 1] : 'default';
  if (args[0] === '--child') {
    process.stdout.write(JSON.stringify(measure(Number(args[1]), variant)) + '\n');
    return;
  }
  const sizes = args.filter((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--variant').map(Number);
  const ns = sizes.length > 0 ? sizes : [100, 1000, 10000];
  console.log(`variant: ${variant}; node ${process.version}; ${os.cpus().length} cpus`);
  console.log('tenants  objects   bytes        lib ms  per tenant  yaml floor ms  lib/floor  peak RSS MB');
  const rows: any[] = [];
  for (const n of ns) {
    const args2 = [...process.execArgv, __filename, '--child', String(n), '--variant', variant];
    const child = spawnSync(process.execPath, args2, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    if (child.status !== 0) {
      console.error(child.stderr);
      process.exit(1);
    }
    const r = JSON.parse(child.stdout);
    rows.push(r);
    console.log(`${String(r.n).padStart(7)}  ${String(r.objects).padStart(7)}  ${String(r.bytes).padStart(10)}  ${r.libMs.toFixed(0).padStart(8)}  ${(r.libMs / r.n).toFixed(3).padStart(7)} ms  ${r.floorMs.toFixed(0).padStart(13)}  ${(r.libMs / r.floorMs).toFixed(2).padStart(8)}x  ${r.peakRssMb.toFixed(0).padStart(11)}`);
  }
  if (rows.length >= 2) {
    const [a, b] = rows.slice(-2);
    console.log(`time per tenant at ${b.n} / at ${a.n}: ${((b.libMs / b.n) / (a.libMs / a.n)).toFixed(2)}x`);
  }
}

main(process.argv.slice(2));
