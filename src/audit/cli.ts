#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { TenancyAudit } from './tenancy-audit';

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

/**
 * Runs the CLI on `argv` (without `node` and the script) and returns the
 * exit code.
 */
export function main(argv: string[], io: CliIo = PROCESS_IO): number {
  let exitCode = EXIT_PASSED;
  const program = new Command('cdk8s-tenancy')
    .description('Static multi-tenancy checks for Kubernetes manifests (cdk8s-tenancy).')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  program.command('audit')
    .description('Audit YAML/JSON manifests (files or directories, recursively) for tenant isolation.')
    .argument('<paths...>', 'manifest files or directories')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json', 'junit']).default('table'))
    .option('-t, --tenant <name...>', 'only report these tenants (all are used for reachability)')
    .action((paths: string[], opts: { format: string; tenant?: string[] }) => {
      let last = 0;
      const report = TenancyAudit.auditPaths(paths, {
        tenants: opts.tenant,
        progress: io.interactive ? {
          fileRead: (done, total) => {
            const now = Date.now();
            if (now - last > 100 || done === total) {
              last = now;
              io.stderr(`\rreading manifests: ${done}/${total}${done === total ? '\n' : ''}`);
            }
          },
        } : undefined,
      });
      if (report.objectCount === 0) {
        for (const p of report.problems) io.stderr(`${p.source}: ${p.message}\n`);
        io.stderr(`error: no Kubernetes objects found in ${paths.join(', ')}\n`);
        exitCode = EXIT_USAGE;
        return;
      }
      if (opts.tenant) {
        const unknown = opts.tenant.filter((t) => !report.tenants.some((r) => r.tenant === t));
        if (unknown.length > 0) {
          io.stderr(`error: no tenant named ${unknown.join(', ')} (tenants are namespaces labelled cdk8s-tenancy.io/tenant)\n`);
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
