import { AuditFinding, AuditInputProblem, AuditOptions, AuditReport, CheckResult, CheckStatus, ReachabilityEntry, TenantAuditResult } from './audit-report';
import { TENANT_CHECKS, clusterChecks } from '../private/audit/checks';
import { expand, listFiles, readFile, SourcedObject } from '../private/audit/loader';
import { Manifests } from '../private/audit/model';
import { formatPorts, isNone, PortSet, reach } from '../private/audit/network';

/**
 * Progress of a long audit, reported per file read.
 */
export interface IAuditProgress {
  /** Called after each file: `done` of `total` files read. */
  fileRead(done: number, total: number, file: string): void;
}

/**
 * Options for auditing files.
 */
export interface AuditPathsOptions extends AuditOptions {
  /**
   * Told about each file read.
   *
   * @default - silent
   */
  readonly progress?: IAuditProgress;
}

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
    return TenancyAudit.run(expand(objects, '<input>', problems), problems, options);
  }

  /**
   * Audits files and directories (recursively) of YAML (multi-document) and
   * JSON manifests.
   */
  public static auditPaths(paths: string[], options: AuditPathsOptions = {}): AuditReport {
    const problems: AuditInputProblem[] = [];
    const files = listFiles(paths, problems);
    const objects: SourcedObject[] = [];
    files.forEach((file, i) => {
      objects.push(...readFile(file, problems));
      options.progress?.fileRead(i + 1, files.length, file);
    });
    return TenancyAudit.run(objects, problems, options);
  }

  /**
   * The report as a table for people.
   */
  public static formatTable(report: AuditReport): string {
    const lines: string[] = [];
    const mark = (s: CheckStatus) => (s === CheckStatus.PASS ? 'PASS' : s === CheckStatus.FAIL ? 'FAIL' : 'n/a ');
    const row = (c: CheckResult) => {
      lines.push(`  ${mark(c.status)}  ${c.id.padEnd(28)} ${c.title}`);
      for (const f of c.findings) {
        lines.push(`          ${f.object}${f.source ? ` (${f.source})` : ''}: ${f.message}`);
        lines.push(`          fix: ${f.fix}`);
      }
    };
    lines.push('cluster');
    report.cluster.forEach(row);
    for (const t of report.tenants) {
      lines.push(`tenant ${t.tenant} (${t.namespaces.join(', ')})`);
      t.checks.forEach(row);
    }
    const tenants = report.tenants.map((t) => t.tenant);
    if (tenants.length > 1) {
      lines.push('reachability (row reaches column on the ports shown; + declared, ! undeclared, . denied)');
      const width = Math.max(...tenants.map((t) => t.length), ...report.reachability.map((r) => r.ports.length + 1), 4);
      lines.push(`  ${''.padEnd(width)}  ${tenants.map((t) => t.padEnd(width)).join(' ')}`);
      for (const from of tenants) {
        const cells = tenants.map((to) => {
          if (from === to) return '-'.padEnd(width);
          const e = report.reachability.find((r) => r.from === from && r.to === to)!;
          return (e.reachable ? `${e.declared ? '+' : '!'}${e.ports}` : '.').padEnd(width);
        });
        lines.push(`  ${from.padEnd(width)}  ${cells.join(' ')}`);
      }
    }
    if (report.unlabelledNamespaces.length > 0) lines.push(`namespaces without a tenant: ${report.unlabelledNamespaces.join(', ')}`);
    if (report.unknownKinds.length > 0) lines.push(`kinds not checked: ${report.unknownKinds.join(', ')}`);
    for (const p of report.problems) lines.push(`input problem: ${p.source}: ${p.message}`);
    const counts = TenancyAudit.counts(report);
    lines.push(`${counts.passed} passed, ${counts.failed} failed, ${counts.notApplicable} not applicable; ${report.objectCount} objects, ${report.tenants.length} tenants${report.problems.length > 0 ? `, ${report.problems.length} input problems` : ''}`);
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
          : c.status === CheckStatus.NOT_APPLICABLE ? '<skipped/>' : '';
        return `    <testcase classname="${esc(name)}" name="${esc(c.id)}">${body}</testcase>`;
      });
      return `  <testsuite name="${esc(name)}" tests="${checks.length}" failures="${failures}" skipped="${skipped}">\n${cases.join('\n')}\n  </testsuite>`;
    };
    const problems = report.problems.map((p) => ({ id: `input ${p.source}`, title: p.message, status: CheckStatus.FAIL, findings: [{ object: p.source, message: p.message, fix: 'Fix or remove the file.' }] }));
    const suites = [suite('cluster', [...report.cluster, ...problems]), ...report.tenants.map((t) => suite(`tenant ${t.tenant}`, t.checks))];
    return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="cdk8s-tenancy audit">\n${suites.join('\n')}\n</testsuites>\n`;
  }

  private static counts(report: AuditReport) {
    const all = [...report.cluster, ...report.tenants.flatMap((t) => t.checks)];
    return {
      passed: all.filter((c) => c.status === CheckStatus.PASS).length,
      failed: all.filter((c) => c.status === CheckStatus.FAIL).length,
      notApplicable: all.filter((c) => c.status === CheckStatus.NOT_APPLICABLE).length,
    };
  }

  private static run(objects: SourcedObject[], problems: AuditInputProblem[], options: AuditOptions): AuditReport {
    const m = new Manifests(objects);
    const sources = new Map(objects.map((o) => [o.object, o.source]));
    const source = (o: any) => (sources.get(o) === '<input>' ? undefined : sources.get(o));
    const selected = [...m.tenants.keys()].sort().filter((t) => !options.tenants || options.tenants.includes(t));
    const tenants: TenantAuditResult[] = selected.map((tenant) => {
      const namespaces = [...m.tenants.get(tenant)!].sort();
      const ctx = { m, tenant, namespaces, source };
      return {
        tenant,
        namespaces,
        checks: TENANT_CHECKS.map((check) => {
          const findings = check.run(ctx);
          const status = findings === undefined ? CheckStatus.NOT_APPLICABLE : findings.length > 0 ? CheckStatus.FAIL : CheckStatus.PASS;
          return { id: check.id, title: check.title, ...(check.benchmark ? { benchmark: check.benchmark } : {}), status, findings: findings ?? [] };
        }),
      };
    });
    const all = [...m.tenants.keys()].sort();
    const reachability: ReachabilityEntry[] = all.flatMap((from) => all.filter((to) => to !== from).map((to) => {
      let ports = [] as PortSet;
      let declared = true;
      for (const a of m.tenants.get(from)!) {
        for (const b of m.tenants.get(to)!) {
          const r = reach(m, a, b);
          if (!r.reachable) continue;
          ports = r.ports === 'all' || ports === 'all' ? 'all' : [...ports, ...r.ports];
          declared = declared && r.declared;
        }
      }
      const reachable = !isNone(ports);
      return { from, to, reachable, declared: reachable && declared, ports: reachable ? formatPorts(ports) : '' };
    }));
    const cluster = clusterChecks(m, source);
    const failed = [...cluster, ...tenants.flatMap((t) => t.checks)].some((c) => c.status === CheckStatus.FAIL);
    return {
      tenants,
      cluster,
      reachability,
      unlabelledNamespaces: [...m.unlabelledNamespaces].sort(),
      unknownKinds: [...m.unknownKinds].sort(),
      problems,
      objectCount: objects.length,
      passed: !failed && problems.length === 0 && objects.length > 0,
    };
  }
}
