/*
 * npm run bench [-- N...] [--variant default|configured] [--disk] [--only write|writer|audit]
 * (`--only audit`: the audit's benchmark, in bench/audit.ts)
 *
 * default: `new SoftTenant(chart, 'Tenant', { name })`; configured: two
 * namespaces, members, peers, a priority class, a placement and an Istio
 * control plane per tenant.
 *
 * Measures writing N tenants into the GitOps layout (one file per tenant)
 * two ways — `TenancyGitOps.write` on a whole app, and `TenancyGitOpsWriter`
 * adding each tenant's chart as it is built — against the floor:
 * serializing the same objects with the `yaml` package alone (same
 * settings as cdk8s: YAML 1.1, no folding) and writing the same files.
 *
 * Each measurement runs in its own process, so its peak RSS is its own and
 * one run's garbage does not slow the next. Files go to /dev/shm when it
 * exists: on a VM disk, writeback throttling of 10,000 small files costs
 * more than the synthesis and varies from run to run; `--disk` measures
 * with os.tmpdir() instead. Wall and CPU time are both printed: CPU time
 * is what to compare when the machine is busy. Prints ratios, never
 * asserts on time.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import * as YAML from 'yaml';
import { IstioInstall, IstioTenantControlPlane, SoftTenant, TenancyGitOps, TenancyGitOpsWriter, TenantMember, TenantPeer, TenantPlacement, TenantPort, TenantPriorityClass } from '../src';
import { benchAudit } from './audit';
import { synthChart } from '../src/private/gitops/synth-chart';

type Mode = 'write' | 'writer' | 'floor';

function tenant(app: App, i: number, variant: string): Chart {
  const name = `tenant-${i}`;
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
    t.addExtension(IstioTenantControlPlane.forTenant({ install: IstioInstall.sail('v1.26.2') }));
  } else {
    new SoftTenant(chart, 'Tenant', { name });
  }
  return chart;
}

/** One measurement, in this process. */
function measure(mode: Mode, n: number, variant: string, base: string) {
  const out = fs.mkdtempSync(path.join(base, `bench-${mode}-`));
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  let objects = 0;
  let bytes = 0;
  const app = new App();
  if (mode === 'writer') {
    const writer = TenancyGitOpsWriter.open(app, { outdir: out, progress: false });
    for (let i = 0; i < n; i++) writer.add(tenant(app, i, variant));
    ({ objectCount: objects, bytes } = writer.close());
  } else if (mode === 'write') {
    for (let i = 0; i < n; i++) tenant(app, i, variant);
    ({ objectCount: objects, bytes } = TenancyGitOps.write(app, { outdir: out, progress: false }));
  } else {
    // The floor: the same objects, built and synthesized before the clock
    // starts, then serialized with yaml alone into the same files.
    for (let i = 0; i < n; i++) tenant(app, i, variant);
    const units = app.node.children.filter((c): c is Chart => Chart.isChart(c)).map((c) => synthChart(c));
    const start = process.hrtime.bigint();
    const startCpu = process.cpuUsage();
    units.forEach((unit, i) => {
      const text = unit.map((o) => YAML.stringify(o, { lineWidth: 0, version: '1.1' })).join('---\n');
      const file = path.join(out, String(i), 'manifests.yaml');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
      objects += unit.length;
      bytes += Buffer.byteLength(text);
    });
    return result(start, startCpu);
  }
  return result(t0, c0);

  function result(start: bigint, startCpu: NodeJS.CpuUsage) {
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    const cpu = process.cpuUsage(startCpu);
    fs.rmSync(out, { recursive: true, force: true });
    return { mode, n, objects, bytes, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, peakRssMb: process.resourceUsage().maxRSS / 1024 };
  }
}

function main(args: string[]) {
  if (args.includes('--only') && args[args.indexOf('--only') + 1] === 'audit') return benchAudit(args);
  const variantAt = args.indexOf('--variant');
  const variant = variantAt >= 0 ? args[variantAt + 1] : 'default';
  const base = !args.includes('--disk') && fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  if (args[0] === '--child') {
    process.stdout.write(JSON.stringify(measure(args[1] as Mode, Number(args[2]), variant, base)) + '\n');
    return;
  }
  const sizes = args.filter((a, i) => /^\d+$/.test(a) && !['--variant', '--only'].includes(args[i - 1])).map(Number);
  const ns = sizes.length > 0 ? sizes : [100, 1000, 10000];
  const run = (mode: Mode, n: number) => {
    const childArgs = ['--child', mode, String(n), '--variant', variant, ...(args.includes('--disk') ? ['--disk'] : [])];
    const child = spawnSync(process.execPath, [...process.execArgv, __filename, ...childArgs], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    if (child.status !== 0) {
      console.error(child.stderr);
      process.exit(1);
    }
    return JSON.parse(child.stdout);
  };
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
  if (only !== undefined && only !== 'write' && only !== 'writer') throw new Error(`--only ${only}: use 'write' or 'writer'`);
  const ways: Mode[] = only === 'write' ? ['write'] : only === 'writer' ? ['writer'] : ['write', 'writer'];
  console.log(`variant: ${variant}; output in ${base}; node ${process.version}; ${os.cpus().length} cpus`);
  console.log('mode    tenants  objects       bytes   wall ms    cpu ms  cpu/tenant  floor wall  floor cpu  wall/floor  cpu/floor  peak RSS MB');
  const rows: any[] = [];
  for (const n of ns) {
    const floor = run('floor', n);
    for (const mode of ways) {
      const r = run(mode, n);
      if (r.bytes !== floor.bytes) throw new Error(`${mode} wrote ${r.bytes} bytes, the floor ${floor.bytes}: not the same output`);
      rows.push(r);
      console.log(`${mode.padEnd(6)}  ${String(n).padStart(7)}  ${String(r.objects).padStart(7)}  ${String(r.bytes).padStart(10)}  ${r.wallMs.toFixed(0).padStart(8)}  ${r.cpuMs.toFixed(0).padStart(8)}  ${(r.cpuMs / n).toFixed(3).padStart(7)} ms  ${floor.wallMs.toFixed(0).padStart(10)}  ${floor.cpuMs.toFixed(0).padStart(9)}  ${(r.wallMs / floor.wallMs).toFixed(2).padStart(9)}x  ${(r.cpuMs / floor.cpuMs).toFixed(2).padStart(8)}x  ${r.peakRssMb.toFixed(0).padStart(11)}`);
    }
  }
  if (ns.length >= 2) {
    const [a, b] = ns.slice(-2);
    for (const mode of ways) {
      const at = (n: number) => rows.find((r) => r.mode === mode && r.n === n);
      const ratio = (k: 'wallMs' | 'cpuMs') => ((at(b)[k] / b) / (at(a)[k] / a)).toFixed(2);
      console.log(`${mode}: time per tenant at ${b} / at ${a}: wall ${ratio('wallMs')}x, cpu ${ratio('cpuMs')}x`);
    }
  }
}

main(process.argv.slice(2));
