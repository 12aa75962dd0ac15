#!/usr/bin/env node
import * as fs from 'fs';
import * as path from 'path';
import { Command, CommanderError, Option } from 'commander';
import { TenancyAudit } from './tenancy-audit';
import { TENANT_LABEL } from '../core/labels';

/** Exit codes, documented in the README. */
export const EXIT_PASSED = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stderr is an interactive terminal (progress is shown only then). */
  readonly interactive: boolean;
}

const PROCESS_IO: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  interactive: Boolean(process.stderr.isTTY) && !process.env.CI,
};

/** The package's version, from its package.json (two levels up from src/audit and lib/audit alike). */
function version(): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

const EXIT_CODES = `
Exit codes:
  ${EXIT_PASSED}  every check passed
  ${EXIT_FAILED}  a check failed, no tenant was found, or an input file could not be read or parsed
  ${EXIT_USAGE}  usage error, or no Kubernetes objects found at all`;

/**
 * Runs the CLI on `argv` (without `node` and the script) and returns the
 * exit code.
 */
export function main(argv: string[], io: CliIo = PROCESS_IO): number {
  let exitCode = EXIT_PASSED;
  const program = new Command('cdk8s-tenancy')
    .description('Static multi-tenancy checks for Kubernetes manifests (cdk8s-tenancy).')
    .version(version(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'print this help')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .addHelpText('after', EXIT_CODES);

  program.command('audit')
    .description('Audit YAML/JSON manifests (files or directories, recursively; - for standard input) for tenant isolation.')
    .argument('<paths...>', 'manifest files or directories; - reads standard input (kustomize build | cdk8s-tenancy audit -)')
    .helpOption('-h, --help', 'print this help')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json', 'junit']).default('table'))
    .option('-t, --tenant <name...>', 'audit only these tenants: their checks, and paths to and from them')
    .option('--allow-no-tenants', 'pass when the manifests hold no tenant (by default that fails)')
    .addHelpText('after', `${EXIT_CODES}\n\nTenants are the namespaces labelled ${TENANT_LABEL}. Helm chart files and templates, Kustomize files\nand project files are recognised and counted as not manifests. Progress goes to stderr on a terminal, never in CI.`)
    .action((paths: string[], opts: { format: string; tenant?: string[]; allowNoTenants?: boolean }) => {
      let last = 0;
      let shown = '';
      const report = TenancyAudit.auditPaths(paths, {
        tenants: opts.tenant,
        allowNoTenants: opts.allowNoTenants,
        // Like the GitOps writer: on a terminal only, at most every 100 ms, one line per phase.
        progress: io.interactive ? {
          advance: (phase, done, total) => {
            const now = Date.now();
            if (phase !== shown && shown !== '') io.stderr('\n');
            if (phase !== shown || now - last > 100 || done === total) {
              last = now;
              shown = phase;
              io.stderr(`\r${phase}: ${done}/${total}`);
            }
          },
        } : undefined,
      });
      if (shown !== '') io.stderr('\n');
      if (report.objectCount === 0 && !opts.allowNoTenants) {
        for (const p of report.problems) io.stderr(`${p.source}: ${p.message}\n`);
        const skipped = report.notManifests.length > 0 ? ` (${report.notManifests.length} file${report.notManifests.length === 1 ? ' is' : 's are'} not manifests: ${[...new Set(report.notManifests.map((f) => f.kind))].sort().join(', ')})` : '';
        io.stderr(`error: no Kubernetes objects found in ${paths.map((p) => (p === '-' ? 'standard input' : p)).join(', ')}${skipped}\n`);
        exitCode = EXIT_USAGE;
        return;
      }
      if (opts.tenant) {
        const unknown = opts.tenant.filter((t) => !report.tenants.some((r) => r.tenant === t));
        if (unknown.length > 0) {
          io.stderr(`error: no tenant named ${unknown.join(', ')} (tenants are namespaces labelled ${TENANT_LABEL})\n`);
          exitCode = EXIT_USAGE;
          return;
        }
      }
      const format = opts.format === 'json' ? TenancyAudit.formatJson : opts.format === 'junit' ? TenancyAudit.formatJunit : TenancyAudit.formatTable;
      io.stdout(format(report));
      exitCode = report.passed ? EXIT_PASSED : EXIT_FAILED;
    });

  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here too, with exit code 0
      return e.exitCode === 0 ? EXIT_PASSED : EXIT_USAGE;
    }
    throw e;
  }
  return exitCode;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
