import { execFileSync, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/*
 * Builds the real components the tests run (kube-apiserver, etcd, HNC, Helm
 * and the like) from their Go modules, through a Go module of ours that
 * pins them, and keeps each binary in the user's cache directory: a warm
 * run finds it there and builds nothing.
 */

/** Where built tools are kept: `$XDG_CACHE_HOME/cdk8s-tenancy`, else `~/.cache/cdk8s-tenancy`. */
export const TOOLS_CACHE = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'cdk8s-tenancy');

const GO_NEEDED = 'The cluster tier of the tests needs the Go toolchain (Go 1.26 or newer) with access to the Go module proxy: '
  + 'it builds kube-apiserver, etcd and the other real components from their Go modules. '
  + 'Install Go, put `go` on the PATH and run the tests again.';

/** The `go version` line; throws a message naming what is needed when Go is missing. */
export function goVersion(toolchain?: string): string {
  const r = spawnSync('go', ['version'], { encoding: 'utf8', env: goEnv(toolchain) });
  if (r.error || r.status !== 0) {
    throw new Error(`${GO_NEEDED}\n(running \`go version\` failed: ${r.error?.message ?? r.stderr.trim()})`);
  }
  return r.stdout.trim();
}

export interface GoToolOptions {
  /** The folder of our Go module that pins the component (holds go.mod). */
  readonly moduleDir: string;
  /** The main package to build, e.g. `k8s.io/kubernetes/cmd/kube-apiserver` or `./cmd/testenv`. */
  readonly pkg: string;
  /** The binary's name in the cache. */
  readonly name: string;
  /** An alternative go.mod in `moduleDir` (go build -modfile), e.g. to build the same code against another Kubernetes minor. */
  readonly modfile?: string;
  /** Where build output goes. @default this process's stderr */
  readonly log?: (line: string) => void;
  /**
   * A Go toolchain newer than the local one that the module needs (its
   * go.mod's `go` line), e.g. `go1.27.3`: the go command fetches it from
   * the module proxy (GOTOOLCHAIN), once.
   *
   * @default the local Go
   */
  readonly toolchain?: string;
}

/** The environment of the go command: the toolchain asked for, if any. */
function goEnv(toolchain?: string): NodeJS.ProcessEnv {
  return toolchain ? { ...process.env, GOTOOLCHAIN: toolchain } : process.env;
}

/** Every input of a build: our sources, the module files, the Go version, the package. */
function buildKey(o: GoToolOptions, go: string): string {
  const h = createHash('sha256').update(go).update('\0').update(o.pkg).update('\0');
  const modfile = o.modfile ?? 'go.mod';
  const sumfile = modfile.replace(/\.mod$/, '.sum');
  const files: string[] = [modfile, sumfile];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(path.join(o.moduleDir, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) {
        // A nested module is another build's input, not this one's.
        if (!fs.existsSync(path.join(o.moduleDir, rel, 'go.mod'))) walk(rel);
      } else if (e.name.endsWith('.go')) {
        files.push(rel);
      }
    }
  };
  walk('.');
  for (const f of files) {
    const p = path.join(o.moduleDir, f);
    h.update(f).update('\0').update(fs.existsSync(p) ? fs.readFileSync(p) : '').update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

/**
 * The path of the built tool, building it first if the cache has no build
 * of these exact inputs. Builds are static (CGO off), reproducible
 * (-trimpath) and use only the versions go.mod/go.sum pin (-mod=readonly).
 */
export function buildGoTool(o: GoToolOptions): string {
  const go = goVersion(o.toolchain);
  const out = path.join(TOOLS_CACHE, 'bin', `${o.name}-${buildKey(o, go)}`);
  if (fs.existsSync(out)) return out;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  log(`building ${o.name} (${o.pkg}) with ${go}; kept in ${path.dirname(out)}`);
  const started = Date.now();
  const tmp = `${out}.tmp-${process.pid}`;
  try {
    execFileSync('go', ['build', '-trimpath', ...(o.modfile ? ['-modfile', o.modfile] : []), '-o', tmp, o.pkg], {
      cwd: o.moduleDir,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...goEnv(o.toolchain), CGO_ENABLED: '0', GOFLAGS: '-mod=readonly' },
    });
    // Another process may have built the same inputs meanwhile: either copy is right.
    fs.renameSync(tmp, out);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new Error(`building ${o.name} failed (${(e as Error).message}). ${GO_NEEDED}`);
  }
  log(`built ${o.name} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return out;
}
