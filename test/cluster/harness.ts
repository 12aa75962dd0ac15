import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { buildGoTool, goVersion } from '../helpers/go-tool';

/*
 * The real control plane of the cluster tier: builds testenv (etcd,
 * kube-apiserver and kube-controller-manager from the Kubernetes Go
 * modules, see testenv/) for one Kubernetes minor, starts it on loopback
 * ports chosen at run time, and stops it. Nothing outlives the test
 * process: testenv runs in its own process group, which is killed on exit,
 * and it also stops when its stdin (a pipe from us) closes.
 */

/** The Kubernetes minors the tier runs against: the newest release, and the oldest the library supports. */
export const KUBE_MINORS: { minor: string; modfile?: string }[] = [
  { minor: '1.37' },
  { minor: '1.32', modfile: 'go-1.32.mod' },
];

/** The minor selected by CLUSTER_KUBE_MINOR (default: the newest). */
export function kubeMinor(): string {
  const minor = process.env.CLUSTER_KUBE_MINOR ?? '1.37';
  if (!KUBE_MINORS.some((m) => m.minor === minor)) {
    throw new Error(`CLUSTER_KUBE_MINOR=${minor} is not one of the pinned minors (${KUBE_MINORS.map((m) => m.minor).join(', ')})`);
  }
  return minor;
}

/** Where everything of a run is (as `testenv up` prints it). */
export interface ClusterEnv {
  readonly server: string;
  /** Admin kubeconfig (system:masters): for other controllers pointed at this cluster. */
  readonly kubeconfig: string;
  readonly caFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  readonly etcd: string;
  readonly dir: string;
  readonly logs: Record<string, string>;
  readonly pids: Record<string, number>;
  /** The version of the k8s.io/kubernetes module testenv was built from, e.g. v1.37.2. */
  readonly version: string;
  readonly readySeconds: number;
}

const MODULE_DIR = path.join(__dirname, 'testenv');

/** Builds (or finds in the cache) testenv for a minor; returns the binary. */
export function buildTestenv(minor: string, log?: (line: string) => void): string {
  goVersion(); // fails first, naming what the tier needs, when Go is missing
  return buildGoTool({ moduleDir: MODULE_DIR, pkg: './cmd/testenv', name: `testenv-k8s${minor}`, modfile: KUBE_MINORS.find((m) => m.minor === minor)?.modfile, log });
}

export interface RunningCluster {
  readonly env: ClusterEnv;
  readonly process: ChildProcess;
  /** Stops every component; resolves when they are gone. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Signals a child's whole process group (it runs detached, as its own group). */
export function killGroup(p: ChildProcess, signal: NodeJS.Signals): void {
  if (p.pid === undefined || p.exitCode !== null || p.signalCode !== null) return;
  try { process.kill(-p.pid, signal); } catch { /* already gone */ }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Whatever way this process ends, the clusters end with it.
  process.on('exit', () => { for (const p of running) killGroup(p, 'SIGKILL'); });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => { for (const p of running) killGroup(p, 'SIGKILL'); process.exit(128 + 1); });
  }
}

/** Kills `child`'s process group when this process ends, however it ends (until the child exits). */
export function killWithThisProcess(child: ChildProcess): void {
  installExitHook();
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/**
 * Starts a cluster of the given minor with its state and logs in `dir`
 * (created; its previous content removed). Resolves once the API server is
 * ready and the controllers work.
 */
export async function startCluster(binary: string, dir: string, timeoutMs = 240_000): Promise<RunningCluster> {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  installExitHook();
  const log = fs.openSync(path.join(dir, 'testenv.log'), 'a');
  const child = spawn(binary, ['up', '--dir', dir, '--watch-stdin'], { detached: true, stdio: ['pipe', 'pipe', log] });
  fs.closeSync(log);
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => { running.delete(child); resolve(); }));

  const env = await new Promise<ClusterEnv>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`not ready after ${timeoutMs / 1000}s`)), timeoutMs);
    const fail = (e: Error) => {
      clearTimeout(timer);
      killGroup(child, 'SIGKILL');
      reject(new Error(`testenv did not start: ${e.message}\n${tail(path.join(dir, 'testenv.log'))}\n(logs in ${dir})`));
    };
    child.stdout!.on('data', (chunk) => {
      out += chunk.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        try { resolve(JSON.parse(out.slice(0, nl))); } catch (e) { fail(e as Error); }
      }
    });
    child.once('exit', (code, signal) => fail(new Error(`testenv exited (${code ?? signal})`)));
  });
  // Not holding the event loop: the stdin pipe is the lifeline, not a task.
  child.unref();
  (child.stdout as any)?.unref?.();
  (child.stdin as any)?.unref?.();

  return {
    env,
    process: child,
    async stop() {
      // testenv alone: it stops the controllers, then the API server, then
      // etcd, each waited for. Signalling the whole group would stop etcd
      // under a running API server (its log then fills with refused
      // connections to etcd). The group is killed only if that hangs.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
      // etcd's data is large and worthless after the run; logs stay.
      fs.rmSync(path.join(dir, 'etcd'), { recursive: true, force: true });
    },
  };
}

/** The last lines of a log file, for error messages. */
export function tail(file: string, lines = 40): string {
  if (!fs.existsSync(file)) return `(no ${file})`;
  const all = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  return `--- last ${Math.min(lines, all.length)} lines of ${file}\n${all.slice(-lines).join('\n')}`;
}
