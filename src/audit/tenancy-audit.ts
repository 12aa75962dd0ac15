import { AuditFinding, AuditInputProblem, AuditOptions, AuditReport, AuditSkippedFile, CheckResult, CheckStatus, ReachabilityEntry, TenantAuditResult } from './audit-report';
import { TENANT_CHECKS, clusterChecks, runCheck, tenantsFound } from './internal/checks';
import { expand, listManifestFiles, readManifestFile, SourcedObject, STDIN } from './kit/loader';
import { Manifests } from './kit/model';
import { formatPorts, PortSet, Reach, Reachability } from '../tenant/internal/reachability';

/**
 * Progress of a long audit.
 */
export interface IAuditProgress {
  /**
   * Called as the audit advances through a phase: `reading manifests`
   * (files), `indexing` (objects), `checking tenants` and `reachability`
   * (tenants); `done` of `total`.
   */
  advance(phase: string, done: number, total: number): void;
}

/**
 * Options for auditing files.
 */
export interface AuditPathsOptions extends AuditOptions {
  /**
   * Told how each phase advances.
   *
   * @default - silent
   */
  readonly progress?: IAuditProgress;
}

/** Up to this many tenants the table shows the whole reachability matrix; beyond, the connections that exist. */
const MATRIX_MAX_TENANTS = 12;
/** Nor when its lines would be wider than this (long tenant names, long port lists). */
const MATRIX_MAX_WIDTH = 200;

/**
 * A static isolation audit: proves from the manifests alone — a GitOps
 * repository, the output of `cdk8s synth` — that tenants are isolated,
 * before anything reaches a cluster. Tenants are the namespaces carrying the
 * tenant label, whoever wrote them.
 *
 * @example
 * import { TenancyAudit } from 'cdk8s-tenancy';
 *
 * const report = TenancyAudit.auditPaths(['dist/']);
 * const table = TenancyAudit.formatTable(report);
 * const failed = !report.passed;
 */
export class TenancyAudit {
  /**
   * Audits Kubernetes objects (parsed manifests; `List` objects are
   * expanded).
   */
  public static auditObjects(objects: any[], options: AuditOptions = {}): AuditReport {
    const problems: AuditInputProblem[] = [];
    const expanded = expand(objects, '<input>', problems);
    return TenancyAudit.run(expanded, problems, [], `the ${plural(expanded.length, 'object')} given`, options);
  }

  /**
   * Audits files and directories (recursively) of YAML (multi-document) and
   * JSON manifests; `-` reads standard input. Helm chart files and
   * templates, Kustomize files and project files are recognised and set
   * aside as not manifests.
   */
  public static auditPaths(paths: string[], options: AuditPathsOptions = {}): AuditReport {
    const problems: AuditInputProblem[] = [];
    const { files, notManifests } = listManifestFiles(paths, problems);
    const objects: SourcedObject[] = [];
    const skipped = [...notManifests];
    files.forEach((file, i) => {
      const content = readManifestFile(file, problems);
      if (content.notManifest) skipped.push({ source: file, kind: content.notManifest });
      for (const o of content.objects) objects.push(o);
      options.progress?.advance('reading manifests', i + 1, files.length);
    });
    const where = `${paths.map((p) => (p === STDIN ? 'standard input' : p)).join(', ')} (${plural(files.length, 'manifest file')}, ${plural(objects.length, 'object')})`;
    return TenancyAudit.run(objects, problems, skipped, where, options);
  }

  /**
   * The report as a table for people. With more tenants than fit a screen,
   * the reachability matrix gives way to the list of connections that
   * exist.
   */
  public static formatTable(report: AuditReport): string {
    const lines: string[] = [];
    const mark = (s: CheckStatus) => (s === CheckStatus.PASS ? 'PASS' : s === CheckStatus.FAIL ? 'FAIL' : s === CheckStatus.WARN ? 'WARN' : 'n/a ');
    const row = (c: CheckResult) => {
      lines.push(`  ${mark(c.status)}  ${c.id.padEnd(28)} ${c.title}`);
      if (c.status !== CheckStatus.FAIL && c.status !== CheckStatus.WARN) return;
      for (const f of c.findings) {
        lines.push(`          ${f.warning ? 'warning: ' : ''}${f.object}${f.source ? ` (${f.source})` : ''}: ${f.message}`);
        lines.push(`          fix: ${f.fix}`);
      }
    };
    lines.push('cluster');
    report.cluster.forEach(row);
    for (const t of report.tenants) {
      lines.push(`tenant ${t.tenant} (${t.namespaces.join(', ')})`);
      t.checks.forEach(row);
    }
    const cell = (e: ReachabilityEntry) => `${e.declared ? '+' : '!'}${e.ports}`;
    const tenants = report.tenants.map((t) => t.tenant);
    const inReport = new Set(tenants);
    const width = Math.max(...tenants.map((t) => t.length), ...report.reachability.map((r) => cell(r).length), 4);
    const matrix = tenants.length > 1 && tenants.length <= MATRIX_MAX_TENANTS && (width + 1) * (tenants.length + 1) + 2 <= MATRIX_MAX_WIDTH
      && report.reachability.every((r) => inReport.has(r.from) && inReport.has(r.to));
    if (matrix) {
      const edges = new Map(report.reachability.map((r) => [`${r.from}\u0000${r.to}`, r]));
      lines.push('reachability (row reaches column on the ports shown; + declared, ! undeclared, . denied)');
      lines.push(`  ${''.padEnd(width)}  ${tenants.map((t) => t.padEnd(width)).join(' ')}`);
      for (const from of tenants) {
        const cells = tenants.map((to) => {
          if (from === to) return '-'.padEnd(width);
          const e = edges.get(`${from}\u0000${to}`);
          return (e ? cell(e) : '.').padEnd(width);
        });
        lines.push(`  ${from.padEnd(width)}  ${cells.join(' ')}`);
      }
    } else if (report.pairsChecked > 0) {
      lines.push(`reachability: ${report.reachability.length} of ${plural(report.pairsChecked, 'ordered tenant pair')} connect; every other pair is denied`);
      for (const e of report.reachability) {
        lines.push(`  ${e.from} -> ${e.to}: ${e.ports === 'all' ? 'all ports' : e.ports}, ${e.declared ? 'declared on both sides' : 'NOT declared by name on both sides'}`);
      }
    }
    if (report.unlabelledNamespaces.length > 0) lines.push(`namespaces without a tenant: ${report.unlabelledNamespaces.join(', ')}`);
    if (report.unknownKinds.length > 0) lines.push(`kinds not checked: ${report.unknownKinds.join(', ')}`);
    if (report.notManifests.length > 0) {
      const kinds = new Map<string, number>();
      for (const f of report.notManifests) kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
      lines.push(`not manifests: ${plural(report.notManifests.length, 'file')} (${[...kinds].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`).join(', ')})`);
    }
    for (const p of report.problems) lines.push(`input problem: ${p.source}: ${p.message}`);
    const counts = TenancyAudit.counts(report);
    lines.push(`${counts.passed} passed, ${counts.warned > 0 ? `${counts.warned} passed with warnings, ` : ''}${counts.failed} failed, ${counts.notApplicable} not applicable; ${plural(report.objectCount, 'object')}, ${plural(report.tenants.length, 'tenant')}${report.problems.length > 0 ? `, ${plural(report.problems.length, 'input problem')}` : ''}`);
    return lines.join('\n') + '\n';
  }

  /**
   * The report as JSON.
   */
  public static formatJson(report: AuditReport): string {
    return JSON.stringify(report, undefined, 2) + '\n';
  }

  /**
   * The report as JUnit XML: a test suite per tenant (and one for the
   * cluster), a test case per check, a failure per failed check.
   */
  public static formatJunit(report: AuditReport): string {
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    const suite = (name: string, checks: CheckResult[]) => {
      const failures = checks.filter((c) => c.status === CheckStatus.FAIL).length;
      const skipped = checks.filter((c) => c.status === CheckStatus.NOT_APPLICABLE).length;
      const cases = checks.map((c) => {
        const body = c.status === CheckStatus.FAIL
          ? `<failure message="${esc(c.findings[0]?.message ?? c.title)}">${esc(c.findings.map((f: AuditFinding) => `${f.object}: ${f.message}\nfix: ${f.fix}`).join('\n'))}</failure>`
          : c.status === CheckStatus.NOT_APPLICABLE ? '<skipped/>'
            : c.status === CheckStatus.WARN ? `<system-out>${esc(c.findings.map((f: AuditFinding) => `warning: ${f.object}: ${f.message}\nfix: ${f.fix}`).join('\n'))}</system-out>` : '';
        return `    <testcase classname="${esc(name)}" name="${esc(c.id)}">${body}</testcase>`;
      });
      return `  <testsuite name="${esc(name)}" tests="${checks.length}" failures="${failures}" skipped="${skipped}">\n${cases.join('\n')}\n  </testsuite>`;
    };
    const problems = report.problems.map((p) => ({ id: `input ${p.source}`, title: p.message, status: CheckStatus.FAIL, findings: [{ object: p.source, message: p.message, fix: 'Fix or remove the file.' }] }));
    const suites = [suite('cluster', [...report.cluster, ...problems]), ...report.tenants.map((t) => suite(`tenant ${t.tenant}`, t.checks))];
    return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="cdk8s-tenancy audit">\n${suites.join('\n')}\n</testsuites>\n`;
  }

  private static counts(report: AuditReport) {
    const counts = { passed: 0, warned: 0, failed: 0, notApplicable: 0 };
    const add = (c: CheckResult) => {
      if (c.status === CheckStatus.PASS) counts.passed++;
      else if (c.status === CheckStatus.WARN) counts.warned++;
      else if (c.status === CheckStatus.FAIL) counts.failed++;
      else counts.notApplicable++;
    };
    report.cluster.forEach(add);
    report.tenants.forEach((t) => t.checks.forEach(add));
    return counts;
  }

  private static run(
    objects: SourcedObject[], problems: AuditInputProblem[], notManifests: AuditSkippedFile[], where: string, options: AuditPathsOptions,
  ): AuditReport {
    const progress = options.progress;
    progress?.advance('indexing', 0, objects.length);
    const m = new Manifests(objects);
    const sources = new Map(objects.map((o) => [o.object, o.source]));
    const source = (o: any) => (sources.get(o) === '<input>' ? undefined : sources.get(o));
    progress?.advance('indexing', objects.length, objects.length);
    const all = [...m.tenants.keys()].sort();
    const wanted = options.tenants ? new Set(options.tenants) : undefined;
    const selected = wanted ? all.filter((t) => wanted.has(t)) : all;
    const tenants: TenantAuditResult[] = selected.map((tenant, i) => {
      const namespaces = [...m.tenants.get(tenant)!].sort();
      const ctx = { m, tenant, namespaces, source };
      const checks = TENANT_CHECKS.map((check) => runCheck(check, ctx));
      progress?.advance('checking tenants', i + 1, selected.length);
      return { tenant, namespaces, checks };
    });
    // Only the namespace pairs some policy can connect are evaluated, each
    // once, and only those with a selected tenant at one end.
    const network = m.memo('reachability', () => new Reachability(m));
    const edges = new Map<string, { from: string; to: string; ports: PortSet; declared: boolean }>();
    const pairs = new Set<string>();
    const add = (fromNs: string, toNs: string, r: Reach) => {
      const pair = `${fromNs}\u0000${toNs}`;
      if (pairs.has(pair)) return;
      pairs.add(pair);
      const from = m.tenantOf(fromNs)!;
      const to = m.tenantOf(toNs)!;
      const key = `${from}\u0000${to}`;
      const e = edges.get(key);
      if (!e) edges.set(key, { from, to, ports: r.ports, declared: r.declared });
      else edges.set(key, { from, to, ports: e.ports === 'all' || r.ports === 'all' ? 'all' : [...e.ports, ...r.ports], declared: e.declared && r.declared });
    };
    selected.forEach((tenant, i) => {
      for (const ns of m.tenants.get(tenant)!) {
        for (const { from, reach } of network.into(ns)) add(from, ns, reach);
        for (const { to, reach } of network.outOf(ns)) add(ns, to, reach);
      }
      progress?.advance('reachability', i + 1, selected.length);
    });
    const reachability: ReachabilityEntry[] = [...edges.values()]
      .sort((a, b) => (a.from === b.from ? (a.to < b.to ? -1 : 1) : a.from < b.from ? -1 : 1))
      .map((e) => ({ from: e.from, to: e.to, declared: e.declared, ports: formatPorts(e.ports) }));
    const others = all.length - selected.length;
    const cluster = [tenantsFound(m, where, options.allowNoTenants ?? false), ...clusterChecks(m, source)];
    const failed = [...cluster, ...tenants.flatMap((t) => t.checks)].some((c) => c.status === CheckStatus.FAIL);
    return {
      tenants,
      cluster,
      reachability,
      pairsChecked: all.length * (all.length - 1) - others * (others - 1),
      unlabelledNamespaces: [...m.unlabelledNamespaces].sort(),
      unknownKinds: [...m.unknownKinds].sort(),
      problems,
      notManifests,
      objectCount: objects.length,
      passed: !failed && problems.length === 0,
    };
  }
}

/** `1 tenant`, `2 tenants`. */
function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
