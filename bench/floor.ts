/*
 * The floors of the GitOps benchmark, and the check that the library wrote
 * what the floor wrote.
 *
 * A floor is the serialization of the same plain objects the library
 * writes, into the same files, in a process that holds nothing else: a
 * `prepare` process builds the tenants, synthesizes each chart and dumps
 * its objects as JSON lines (not timed), each made by cdk8s's own
 * ApiObject.toJson(), not the library's fast path (so the byte check
 * proves that too); a floor process reads the dump
 * before its clock starts, then only serializes and writes. Two floors:
 * `yaml`, what cdk8s synth does (cdk8s's Yaml.stringify: the yaml package
 * with YAML 1.1 and no folding), which must write the very bytes the
 * library writes; and `json`, JSON.stringify of the same objects, near the
 * physical floor of writing these files. A third run, `serializer`, writes
 * the same objects with the library's own serializer (what the writer
 * uses): what serialization alone costs in the library.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Yaml } from 'cdk8s';
import { synthChart } from '../src/gitops/internal/synth-chart';
import { stringifyManifests } from '../src/gitops/manifest-yaml';

export type FloorKind = 'yaml' | 'json' | 'serializer';

interface Unit {
  readonly file: string;
  readonly objects: any[];
}

/**
 * Builds `n` tenants one at a time and dumps each chart's objects with the
 * file the GitOps layout puts them in (tenants/<name>/, the platform last,
 * as TenancyGitOpsWriter does). Returns the number of files.
 */
export function prepare(n: number, tenant: (app: App, i: number) => Chart, dump: string): number {
  const fd = fs.openSync(dump, 'w');
  const app = new App();
  const put = (unit: Unit) => fs.writeSync(fd, JSON.stringify(unit) + '\n');
  for (let i = 0; i < n; i++) {
    const chart = tenant(app, i);
    put({ file: `tenants/${chart.node.id}/manifests.yaml`, objects: synthChart(chart, { viaToJson: true }) });
    app.node.tryRemoveChild(chart.node.id);
  }
  for (const chart of app.node.children.filter((c): c is Chart => Chart.isChart(c))) {
    put({ file: 'platform/manifests.yaml', objects: synthChart(chart, { viaToJson: true }) });
  }
  fs.closeSync(fd);
  return n + 1;
}

/** Loads the dump (not timed), then serializes and writes it, timed. */
export function floor(kind: FloorKind, dump: string, out: string) {
  const units: Unit[] = fs.readFileSync(dump, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
  const serialize = {
    yaml: (objects: any[]) => Yaml.stringify(...objects),
    json: (objects: any[]) => objects.map((o) => JSON.stringify(o)).join('\n') + '\n',
    serializer: stringifyManifests,
  }[kind];
  const start = process.hrtime.bigint();
  const startCpu = process.cpuUsage();
  let objects = 0;
  let bytes = 0;
  for (const unit of units) {
    const text = serialize(unit.objects);
    const file = path.join(out, unit.file);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    objects += unit.objects.length;
    bytes += Buffer.byteLength(text);
  }
  return { start, startCpu, objects, bytes };
}

/**
 * A digest of every manifest file under `dir` (path and content, in path
 * order): the library and the yaml floor must agree on it. The library's
 * record and journal are not manifests and are left out.
 */
export function digest(dir: string): string {
  const hash = createHash('sha256');
  const files: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.yaml')) files.push(p);
    }
  };
  walk('');
  for (const f of files.sort()) hash.update(f + '\0').update(fs.readFileSync(path.join(dir, f))).update('\0');
  return hash.digest('hex');
}
