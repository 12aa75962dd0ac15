/*
 * npm run bench [-- N...] [--variant default|configured] [--disk] [--only write|writer|audit] [--repeat K]
 * (`--only audit`: the audit's benchmark, in bench/audit.ts)
 *
 * default: `new SoftTenant(chart, 'Tenant', { name })`; configured: two
 * namespaces, members, peers, a priority class, a placement and an Istio
 * control plane per tenant.
 *
 * Measures writing N tenants into the GitOps layout (one file per tenant)
 * two ways — `TenancyGitOps.write` on a whole app, and `TenancyGitOpsWriter`
 * adding each tenant's chart as it is built — against two floors (see
 * floor.ts): the same plain objects, loaded in a process that holds nothing
 * else before its clock starts, serialized into the same files with cdk8s's
 * Yaml.stringify (the `yaml` floor, whose bytes the library must match: the
 * benchmark compares digests of every file) and with JSON.stringify.
 *
 * Each measurement runs in its own process, so its peak RSS is its own and
 * one run's garbage does not slow the next. `npm run bench` first compiles
 * bench/ and the modules of src/ it imports (bench/tsconfig.build.json,
 * into .ci/tmp/bench), and every process is a plain `node` running that
 * JavaScript, as the package's users run it: under ts-node, its TypeScript
 * compiler stayed resident in every child (about 105 MB of a writer's peak
 * RSS, and CPU time to transpile), which users never pay. Files go to /dev/shm when it
 * exists: on a VM disk, writeback throttling of 10,000 small files costs
 * more than the synthesis and varies from run to run; `--disk` measures
 * with os.tmpdir() instead. Wall and CPU time are both printed: CPU time
 * is what to compare when the machine is busy (the load average is printed
 * too); `--repeat K` runs everything K times and compares the fastest (by
 * CPU) of each. Prints ratios, never asserts on time.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { benchAudit } from './audit';
import { digest, floor, FloorKind, prepare } from './floor';
import { benchTenant } from './tenants';
// From the features' modules, not '../src': that index loads the `aws`
// submodule (aws-cdk-lib) eagerly, where the built package loads it on
// first use (build-tools/lazy-submodules.js), and loading aws-cdk-lib wraps
// every function of `fs` in a timer (aws-cdk-lib's core/lib/private/perf.js)
// and adds ~30 MB to the heap every garbage collection walks: a cost the
// package's cdk8s users never pay. `measure` checks it stays unloaded.
import { TenancyGitOps } from '../src/gitops/tenancy-gitops';
import { TenancyGitOpsWriter } from '../src/gitops/tenancy-gitops-writer';

type Mode = 'write' | 'writer' | 'prepare' | `floor-${FloorKind}`;

const tenant = (app: App, i: number, variant: string): Chart => benchTenant(app, `tenant-${i}`, variant);

/** One measurement, in this process. */
function measure(mode: Mode, n: number, variant: string, base: string, dump: string) {
  const aws = Object.keys(require.cache).filter((f) => f.includes(`${path.sep}aws-cdk-lib${path.sep}`));
  if (aws.length > 0) throw new Error(`aws-cdk-lib is loaded (${aws[0]}): the benchmark must measure what cdk8s users of the package run`);
  if (mode === 'prepare') return { files: prepare(n, (app, i) => tenant(app, i, variant), dump) };
  const out = fs.mkdtempSync(path.join(base, `bench-${mode}-`));
  if (mode.startsWith('floor-')) {
    const f = floor(mode.slice('floor-'.length) as FloorKind, dump, out);
    return result(f.start, f.startCpu, f.objects, f.bytes);
  }
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const app = new App();
  let r;
  if (mode === 'writer') {
    const writer = TenancyGitOpsWriter.open(app, { outdir: out, progress: false });
    for (let i = 0; i < n; i++) writer.add(tenant(app, i, variant));
    r = writer.close();
  } else {
    for (let i = 0; i < n; i++) tenant(app, i, variant);
    r = TenancyGitOps.write(app, { outdir: out, progress: false });
  }
  return result(t0, c0, r.objectCount, r.bytes);

  function result(start: bigint, startCpu: NodeJS.CpuUsage, objects: number, bytes: number) {
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    const cpu = process.cpuUsage(startCpu);
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    const sha256 = digest(out); // after the clock
    fs.rmSync(out, { recursive: true, force: true });
    return { mode, n, objects, bytes, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, peakRssMb, sha256 };
  }
}

function main(args: string[]) {
  // Plain node on compiled JavaScript, parent and children alike (see the
  // header): refuse a TypeScript loader rather than measure it.
  if (!__filename.endsWith('.js')) {
    throw new Error(`the benchmark runs as compiled JavaScript in plain node, not from ${path.basename(__filename)}: use npm run bench`);
  }
  if (args.includes('--only') && args[args.indexOf('--only') + 1] === 'audit') return benchAudit(args);
  const valueOf = (flag: string) => (args.indexOf(flag) >= 0 ? args[args.indexOf(flag) + 1] : undefined);
  const variant = valueOf('--variant') ?? 'default';
  const base = !args.includes('--disk') && fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  if (args[0] === '--child') {
    process.stdout.write(JSON.stringify(measure(args[1] as Mode, Number(args[2]), variant, base, args[3])) + '\n');
    return;
  }
  const sizes = args.filter((a, i) => /^\d+$/.test(a) && !['--variant', '--only', '--repeat'].includes(args[i - 1])).map(Number);
  const ns = sizes.length > 0 ? sizes : [100, 1000, 10000];
  const repeat = Number(valueOf('--repeat') ?? 1);
  const dumps = fs.mkdtempSync(path.join(base, 'bench-objects-'));
  const run = (mode: Mode, n: number) => {
    const childArgs = ['--child', mode, String(n), path.join(dumps, `${n}.jsonl`), '--variant', variant, ...(args.includes('--disk') ? ['--disk'] : [])];
    const child = spawnSync(process.execPath, [__filename, ...childArgs], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    if (child.status !== 0) {
      console.error(child.stderr);
      process.exit(1);
    }
    return JSON.parse(child.stdout);
  };
  const only = valueOf('--only');
  if (only !== undefined && only !== 'write' && only !== 'writer') throw new Error(`--only ${only}: use 'write' or 'writer'`);
  const ways: Mode[] = only === 'write' ? ['write'] : only === 'writer' ? ['writer'] : ['write', 'writer'];
  const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
  console.log(`variant: ${variant}; output in ${base}; node ${process.version}; ${os.cpus().length} cpus; load average ${load()}`);
  console.log('mode              tenants  run  objects       bytes   wall ms    cpu ms  cpu/tenant  peak RSS MB  cpu/yaml floor  cpu/json floor  wall/yaml floor');
  const best: Record<string, any> = {};
  const fastest = (rows: any[]) => rows.reduce((a, b) => (b.cpuMs < a.cpuMs ? b : a));
  try {
    for (const n of ns) {
      run('prepare', n);
      const rows: Record<string, any[]> = {};
      for (let k = 0; k < repeat; k++) {
        for (const mode of ['floor-yaml', 'floor-json', 'floor-serializer', ...ways] as Mode[]) {
          const r = run(mode, n);
          (rows[mode] ??= []).push(r);
          r.run = k + 1;
        }
      }
      const yamlFloor = fastest(rows['floor-yaml']);
      const jsonFloor = fastest(rows['floor-json']);
      for (const mode of ['floor-serializer', ...ways]) {
        for (const r of rows[mode]) {
          if (r.sha256 !== yamlFloor.sha256 || r.bytes !== yamlFloor.bytes) {
            throw new Error(`${mode} wrote other bytes than the yaml floor (${r.bytes} against ${yamlFloor.bytes}): not the same output`);
          }
        }
      }
      for (const mode of ['floor-yaml', 'floor-json', 'floor-serializer', ...ways]) {
        for (const r of rows[mode]) {
          const ratio = (x: number, y: number) => `${(x / y).toFixed(2)}x`;
          console.log(`${mode.padEnd(16)}  ${String(n).padStart(7)}  ${String(r.run).padStart(3)}  ${String(r.objects).padStart(7)}  ${String(r.bytes).padStart(10)}  `
            + `${r.wallMs.toFixed(0).padStart(8)}  ${r.cpuMs.toFixed(0).padStart(8)}  ${(r.cpuMs / n).toFixed(3).padStart(7)} ms  ${r.peakRssMb.toFixed(0).padStart(11)}  `
            + `${ratio(r.cpuMs, yamlFloor.cpuMs).padStart(14)}  ${ratio(r.cpuMs, jsonFloor.cpuMs).padStart(14)}  ${ratio(r.wallMs, yamlFloor.wallMs).padStart(15)}`);
        }
        best[`${mode}@${n}`] = fastest(rows[mode]);
      }
      fs.rmSync(path.join(dumps, `${n}.jsonl`), { force: true });
    }
  } finally {
    fs.rmSync(dumps, { recursive: true, force: true });
  }
  console.log(`identical bytes: every library run (and the serializer's) wrote the files of the yaml floor (sha256 of all files); load average ${load()}`);
  if (ns.length >= 2) {
    const [a, b] = ns.slice(-2);
    for (const mode of ['floor-yaml', 'floor-serializer', ...ways]) {
      const ratio = (k: 'wallMs' | 'cpuMs') => ((best[`${mode}@${b}`][k] / b) / (best[`${mode}@${a}`][k] / a)).toFixed(2);
      console.log(`${mode}: time per tenant at ${b} / at ${a} (fastest runs): wall ${ratio('wallMs')}x, cpu ${ratio('cpuMs')}x`);
    }
  }
}

main(process.argv.slice(2));
