/*
 * npm run bench -- --only audit [N...] [--disk]
 *
 * The audit at GitOps scale: N default tenants (`new SoftTenant(chart,
 * 'Tenant', { name })`) written by TenancyGitOpsWriter, then audited by the
 * CLI (`cdk8s-tenancy audit <dir>`, table output, discarded), against the
 * floor: parsing the same files with the same YAML parser and settings
 * (`yaml`, YAML 1.1, every document to JS) and nothing else.
 *
 * Generating, parsing and auditing each run in their own process, so the
 * floor holds nothing but the parser and each peak RSS is its own. Wall
 * and CPU time are both printed: CPU time is what to compare when the
 * machine is busy. Prints ratios, never asserts on time.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import * as YAML from 'yaml';
import { main as cli } from '../src/audit/cli';
import { listFiles } from '../src/audit/kit/loader';
import { TenancyGitOpsWriter } from '../src/gitops/tenancy-gitops-writer';
import { SoftTenant } from '../src/tenant/soft-tenant';

type Mode = 'generate' | 'parse' | 'audit';

function measure(mode: Mode, n: number, dir: string) {
  const start = process.hrtime.bigint();
  const startCpu = process.cpuUsage();
  let detail = '';
  if (mode === 'generate') {
    const app = new App();
    const writer = TenancyGitOpsWriter.open(app, { outdir: dir, progress: false });
    for (let i = 0; i < n; i++) {
      const name = `tenant-${i}`;
      const chart = new Chart(app, name);
      new SoftTenant(chart, 'Tenant', { name });
      writer.add(chart);
    }
    const { objectCount, bytes } = writer.close();
    detail = `${objectCount} objects, ${bytes} bytes`;
  } else if (mode === 'parse') {
    let documents = 0;
    for (const file of listFiles([dir], [])) {
      for (const doc of YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'), { version: '1.1' })) {
        doc.toJS();
        documents++;
      }
    }
    detail = `${documents} documents`;
  } else {
    let bytes = 0;
    const code = cli(['audit', dir], { stdout: (t) => { bytes += t.length; }, stderr: (t) => process.stderr.write(t), interactive: false });
    detail = `exit ${code}, ${bytes} characters of report`;
  }
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const cpu = process.cpuUsage(startCpu);
  return { mode, n, detail, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

function run(mode: Mode, n: number, dir: string) {
  const child = spawnSync(process.execPath, [__filename, '--child', mode, String(n), dir], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (child.status !== 0) throw new Error(`${mode} ${n} failed: ${child.stderr}`);
  return JSON.parse(child.stdout);
}

/** The audit benchmark; `args` are bench.ts's. */
export function benchAudit(args: string[]): void {
  const base = !args.includes('--disk') && fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const sizes = args.filter((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--only').map(Number);
  const ns = sizes.length > 0 ? sizes : [1000, 10000];
  console.log(`audit of N default tenants written by TenancyGitOpsWriter; files in ${base}; node ${process.version}; ${os.cpus().length} cpus`);
  console.log('tenants   audit wall    cpu  cpu/tenant   parse wall    cpu   wall/parse  cpu/parse  audit RSS MB  parse RSS MB');
  const rows: any[] = [];
  for (const n of ns) {
    const dir = fs.mkdtempSync(path.join(base, 'bench-audit-'));
    try {
      const generated = run('generate', n, dir);
      const parse = run('parse', n, dir);
      const audit = run('audit', n, dir);
      rows.push(audit);
      console.log(`${String(n).padStart(7)}  ${(audit.wallMs / 1000).toFixed(1).padStart(9)} s ${(audit.cpuMs / 1000).toFixed(1).padStart(6)} s ${(audit.cpuMs / n).toFixed(2).padStart(7)} ms  ${(parse.wallMs / 1000).toFixed(1).padStart(9)} s ${(parse.cpuMs / 1000).toFixed(1).padStart(6)} s  ${(audit.wallMs / parse.wallMs).toFixed(2).padStart(9)}x ${(audit.cpuMs / parse.cpuMs).toFixed(2).padStart(9)}x  ${audit.peakRssMb.toFixed(0).padStart(12)}  ${parse.peakRssMb.toFixed(0).padStart(12)}`);
      console.log(`         (${generated.detail}; ${parse.detail}; ${audit.detail})`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  if (rows.length >= 2) {
    const [a, b] = rows.slice(-2);
    const ratio = (k: 'wallMs' | 'cpuMs') => ((b[k] / b.n) / (a[k] / a.n)).toFixed(2);
    console.log(`audit time per tenant at ${b.n} / at ${a.n}: wall ${ratio('wallMs')}x, cpu ${ratio('cpuMs')}x`);
  }
}

if (require.main === module && process.argv[2] === '--child') {
  process.stdout.write(JSON.stringify(measure(process.argv[3] as Mode, Number(process.argv[4]), process.argv[5])) + '\n');
}
