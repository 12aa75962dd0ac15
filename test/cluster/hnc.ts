import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import * as YAML from 'yaml';
import { describeResult, KubeClient } from './client';
import { ClusterEnv, killGroup, killWithThisProcess, tail } from './harness';
import { SHARED } from '../helpers/crd-schema';
import { buildGoTool } from '../helpers/go-tool';
import { K8sObject } from '../helpers/manifests';

/*
 * The real Hierarchical Namespace Controller: its manager built from the Go
 * module sigs.k8s.io/hierarchical-namespaces (test/engines/hnc pins the
 * release the library supports), run on this machine against a cluster of
 * the tier as HNC's release runs it in a cluster: as the `default`
 * ServiceAccount of `hnc-system`, holding exactly the RBAC of the release's
 * manifests (read from the module's config/ at run time, never copied),
 * authenticated by a token of the TokenRequest API, with its admission
 * webhooks on, configured as the release configures them (see
 * hncReleaseWebhooks) except where they are reached. Its process runs in
 * its own process group, killed when the test stops it or the test process
 * ends; its log is kept next to the control plane's.
 */

const MODULE_DIR = path.join(__dirname, '..', 'engines', 'hnc');
const WEBHOOK_CERT_MODULE_DIR = path.join(__dirname, '..', 'engines', 'webhook-cert');
const HNC_MODULE = 'sigs.k8s.io/hierarchical-namespaces';

/** The namespace and the ServiceAccount of the release (kustomize `namespace:` and the manifests' subject). */
export const HNC_NAMESPACE = 'hnc-system';
export const HNC_SERVICE_ACCOUNT = 'default';
/** The kustomize `namePrefix:` of every release variant. */
const HNC_NAME_PREFIX = 'hnc-';

/** Builds (or finds in the cache) HNC's manager. */
export function buildHncManager(log?: (line: string) => void): string {
  return buildGoTool({ moduleDir: MODULE_DIR, pkg: `${HNC_MODULE}/cmd/manager`, name: 'hnc-manager', log });
}

/** The folder of the pinned HNC module in the Go module cache (its config/ holds the release manifests' sources). */
export function hncModuleDir(): string {
  const out = execFileSync('go', ['list', '-m', '-json', HNC_MODULE], {
    cwd: MODULE_DIR, encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=readonly' },
  });
  const mod = JSON.parse(out);
  if (!mod.Dir || !fs.existsSync(path.join(mod.Dir, 'config'))) throw new Error(`the Go module ${HNC_MODULE}@${mod.Version} has no config/ in the module cache (run go mod download in ${MODULE_DIR})`);
  return mod.Dir;
}

function readYaml(file: string): K8sObject[] {
  return YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJSON()).filter((o) => o && o.kind);
}

/**
 * The RBAC of HNC's release, as `kustomize build config/variants/*` makes it
 * from config/rbac (the manager's ClusterRole and binding, the leader
 * election Role and binding): every name prefixed `hnc-`, every namespaced
 * object and every ServiceAccount subject in `hnc-system`. The rules are
 * the module's, unchanged (the manager's holds `*` on `*`). The `admin-role`
 * aggregated to `admin` is for people, not HNC, and is left out.
 */
export function hncReleaseRbac(moduleDir = hncModuleDir()): K8sObject[] {
  const rbac = path.join(moduleDir, 'config', 'rbac');
  const files = ['role.yaml', 'role_binding.yaml', 'leader_election_role.yaml', 'leader_election_role_binding.yaml'];
  return files.flatMap((f) => readYaml(path.join(rbac, f))).map((o) => {
    // kustomize drops the null creationTimestamp controller-gen writes.
    const { creationTimestamp, ...metadata } = o.metadata as K8sObject['metadata'] & { creationTimestamp?: unknown };
    const out: K8sObject = { ...o, metadata: { ...metadata, name: HNC_NAME_PREFIX + o.metadata.name } };
    if (o.kind === 'Role' || o.kind === 'RoleBinding') out.metadata.namespace = HNC_NAMESPACE;
    if (o.roleRef) out.roleRef = { ...o.roleRef, name: HNC_NAME_PREFIX + o.roleRef.name };
    if (o.subjects) out.subjects = o.subjects.map((s: any) => (s.kind === 'ServiceAccount' ? { ...s, namespace: HNC_NAMESPACE } : s));
    return out;
  });
}

/**
 * The arguments of the release's `manager` container (config/manager),
 * without those that concern where it listens (set per run here).
 */
export function hncReleaseArgs(moduleDir = hncModuleDir()): string[] {
  const deployment = readYaml(path.join(moduleDir, 'config', 'manager', 'manager.yaml')).find((o) => o.kind === 'Deployment');
  const args: string[] = deployment?.spec.template.spec.containers.find((c: any) => c.name === 'manager')?.args ?? [];
  if (args.length === 0) throw new Error('no manager arguments in HNC\'s config/manager/manager.yaml');
  return args.filter((a) => !/^--(webhook-server-port|metrics-addr)=/.test(a));
}

/** A plain object (a YAML map), not a list or a scalar. */
function isMap(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `patch` merged into `base` as kustomize's strategic merge does for the
 * webhook configurations HNC's kustomizations patch: maps merge key by key,
 * lists are replaced, except `webhooks`, merged by `name` (its patch merge
 * key in admissionregistration/v1), the patch's items first, in its order,
 * then the base's others (the order kustomize writes).
 */
function strategicMerge(base: Record<string, any>, patch: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (k === 'webhooks' && Array.isArray(v) && Array.isArray(base[k])) {
      const patched = v.map((p: any) => {
        const b = base[k].find((x: any) => x.name === p.name);
        return b ? strategicMerge(b, p) : p;
      });
      out[k] = [...patched, ...base[k].filter((b: any) => !v.some((p: any) => p.name === b.name))];
    } else if (isMap(v) && isMap(base[k])) {
      out[k] = strategicMerge(base[k], v);
    } else {
      out[k] = v;
    }
  }
  return out;
}

/** The release's Service in front of the webhooks (config/webhook/service.yaml, kustomized). */
export const HNC_WEBHOOK_SERVICE = { name: `${HNC_NAME_PREFIX}webhook-service`, namespace: HNC_NAMESPACE };

/**
 * HNC's webhook configurations as its release ships them: the variant
 * `hrq` (`config/variants/hrq`: the default `default-cc` plus
 * `--enable-hrq` and the HierarchicalResourceQuota webhooks) when the
 * manager runs with `--enable-hrq`, as TenantSelfService.hncManagerArgs
 * asks, else `default-cc`. Made as `kustomize build` makes them from the
 * module's config/ (read at run time, never copied): config/webhook's
 * manifests with its webhook_patch.yaml (the objects webhook limited to
 * namespaces labelled `hnc.x-k8s.io/included-namespace`, 2 s), then the
 * variant's patch; names prefixed `hnc-`, clientConfig pointing at the
 * Service `hnc-webhook-service` of `hnc-system`. Checked equal, when
 * written, to `kubectl kustomize config/variants/hrq` and `default-cc`
 * (kustomize v5.5.0).
 */
export function hncReleaseWebhooks(o: { readonly hrq: boolean }, moduleDir = hncModuleDir()): K8sObject[] {
  const config = path.join(moduleDir, 'config');
  const patchFiles = [path.join(config, 'webhook', 'webhook_patch.yaml'), ...(o.hrq ? [path.join(config, 'variants', 'hrq', 'webhook_patch.yaml')] : [])];
  const patches = patchFiles.flatMap(readYaml);
  return readYaml(path.join(config, 'webhook', 'manifests.yaml')).map((doc) => {
    const merged = patches.filter((p) => p.kind === doc.kind && p.metadata.name === doc.metadata.name)
      .reduce((acc, p) => strategicMerge(acc, p) as K8sObject, doc);
    const { creationTimestamp, ...metadata } = merged.metadata as K8sObject['metadata'] & { creationTimestamp?: unknown };
    return {
      ...merged,
      metadata: { ...metadata, name: HNC_NAME_PREFIX + metadata.name },
      webhooks: merged.webhooks.map((w: any) => ({
        ...w,
        clientConfig: { ...w.clientConfig, service: { ...w.clientConfig.service, ...HNC_WEBHOOK_SERVICE } },
      })),
    };
  });
}

/**
 * Where HNC's webhooks are served on this machine: a port chosen at run
 * time and a serving certificate for 127.0.0.1 made for the run (by
 * test/engines/webhook-cert, Go's crypto/x509). In a cluster the release
 * has HNC make its own certificate for its Service's DNS name and write the
 * CA into the webhook configurations (`--enable-internal-cert-management`,
 * added by its default variants); no Service can be reached here, so that
 * flag is left off — HNC then serves what it finds in its certificate
 * directory, as in the release's cert-manager variant (`default-cm`) — and
 * the configurations are given the CA and a URL on loopback instead.
 */
export interface HncWebhookServing {
  readonly port: number;
  /**
   * HNC's TMPDIR: HNC v1.1 names no certificate directory, so
   * controller-runtime's default, `$TMPDIR/k8s-webhook-server/serving-certs`,
   * holds tls.crt and tls.key (the release mounts its Secret at the same
   * path under /tmp).
   */
  readonly tmpDir: string;
  /** The CA, base64 PEM, for the configurations' caBundle. */
  readonly caBundle: string;
}

/** Makes the serving certificate of HNC's webhooks in `dir` and chooses their port. */
export async function hncWebhookServing(dir: string, log?: (line: string) => void): Promise<HncWebhookServing> {
  const tool = buildGoTool({ moduleDir: WEBHOOK_CERT_MODULE_DIR, pkg: '.', name: 'webhook-cert', log });
  const tmpDir = path.join(dir, 'hnc-tmp');
  const certDir = path.join(tmpDir, 'k8s-webhook-server', 'serving-certs');
  execFileSync(tool, ['-dir', certDir, '-hosts', '127.0.0.1', '-name', `${HNC_WEBHOOK_SERVICE.name}.${HNC_WEBHOOK_SERVICE.namespace}.svc`]);
  return { port: await freePort(), tmpDir, caBundle: fs.readFileSync(path.join(certDir, 'ca.crt')).toString('base64') };
}

/**
 * The release's webhook configurations (hncReleaseWebhooks, the `hrq`
 * variant when `args` hold `--enable-hrq`) with one change: each
 * webhook's clientConfig is the URL of its path on 127.0.0.1 at the
 * serving port, and the serving CA. Rules, failure policies, side effects,
 * selectors and timeouts are the release's.
 */
export function hncWebhookConfigurations(serving: HncWebhookServing, args: string[], moduleDir = hncModuleDir()): K8sObject[] {
  return hncReleaseWebhooks({ hrq: args.includes('--enable-hrq') }, moduleDir).map((o) => ({
    ...o,
    webhooks: o.webhooks.map((w: any) => ({
      ...w,
      clientConfig: { url: `https://127.0.0.1:${serving.port}${w.clientConfig.service.path}`, caBundle: serving.caBundle },
    })),
  }));
}

/** Installs HNC's webhook configurations for `serving` (idempotent); returns them. */
export async function installHncWebhooks(client: KubeClient, serving: HncWebhookServing, args: string[]): Promise<K8sObject[]> {
  const configs = hncWebhookConfigurations(serving, args);
  for (const o of configs) {
    const r = await client.apply(o, { fieldManager: 'hnc-install' });
    if (!r.ok) throw new Error(`installing HNC's ${o.kind} ${o.metadata.name}: ${describeResult(r)}`);
  }
  return configs;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RunningHnc {
  readonly log: string;
  readonly args: string[];
  /** How often the manager died and was started again (see startHnc). */
  readonly restarts: number;
  /** Stops HNC (its whole process group); resolves when it is gone. */
  stop(): Promise<void>;
}


/** HNC's four CRDs, as its release installs them (../shared/schemas/hnc-v1.1.0, unmodified). */
export function hncCrds(): K8sObject[] {
  const folder = path.join(SHARED, 'schemas', 'hnc-v1.1.0');
  return fs.readdirSync(folder).filter((f) => f.endsWith('.yaml')).sort().flatMap((f) => readYaml(path.join(folder, f)))
    .filter((o) => o.kind === 'CustomResourceDefinition');
}

/**
 * Installs what HNC's release installs besides its Deployment (idempotent):
 * its namespace, its CRDs (all four: its manager watches every kind, and
 * an example that emits no SubnamespaceAnchor still needs the kind) and its
 * RBAC. Returns a kubeconfig authenticating as HNC's ServiceAccount: a
 * token of the TokenRequest API, written to `dir`.
 */
export async function hncIdentity(client: KubeClient, env: ClusterEnv, dir: string): Promise<string> {
  const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: HNC_NAMESPACE } };
  const crds = hncCrds();
  if (crds.length !== 4) throw new Error(`expected HNC's 4 CRDs in ../shared/schemas/hnc-v1.1.0, found ${crds.length}`);
  for (const o of [ns, ...crds, ...hncReleaseRbac()]) {
    const r = await client.apply(o, { fieldManager: 'hnc-install' });
    if (!r.ok) throw new Error(`installing HNC's ${o.kind} ${o.metadata.name}: ${describeResult(r)}`);
  }
  for (const crd of crds) {
    await client.waitFor(`CRD ${crd.metadata.name} to be established`, async () => {
      const live = await client.get(crd);
      return live?.status?.conditions?.some((c: any) => c.type === 'Established' && c.status === 'True') ? true : undefined;
    });
  }
  client.forgetDiscovery();
  // The ServiceAccount controller creates `default`, as on a cluster.
  const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: HNC_SERVICE_ACCOUNT, namespace: HNC_NAMESPACE } };
  await client.waitFor(`the ServiceAccount ${HNC_NAMESPACE}/${HNC_SERVICE_ACCOUNT}`, async () => ((await client.get(sa)) ? true : undefined));
  const token = await client.must('POST', `/api/v1/namespaces/${HNC_NAMESPACE}/serviceaccounts/${HNC_SERVICE_ACCOUNT}/token`,
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } });
  const kubeconfig = {
    'apiVersion': 'v1',
    'kind': 'Config',
    'clusters': [{ name: 'test', cluster: { 'server': env.server, 'certificate-authority': env.caFile } }],
    'users': [{ name: 'hnc', user: { token: token.status.token } }],
    'contexts': [{ name: 'hnc', context: { cluster: 'test', user: 'hnc' } }],
    'current-context': 'hnc',
  };
  const file = path.join(dir, 'hnc.kubeconfig');
  fs.writeFileSync(file, YAML.stringify(kubeconfig), { mode: 0o600 });
  return file;
}

export interface StartHncOptions {
  /** Arguments on top of the release's (e.g. `TenantSelfService.hncManagerArgs`). */
  readonly args: string[];
  /** Where its webhooks serve (hncWebhookServing; the configurations: installHncWebhooks). */
  readonly webhooks: HncWebhookServing;
  /** The log's name in `dir`. @default 'hnc-manager.log' */
  readonly logName?: string;
  /** How long to wait for its readiness. @default 120 s */
  readonly timeoutMs?: number;
}

/**
 * Starts HNC's manager against the cluster of `env` as HNC's ServiceAccount,
 * with the release's arguments and `o.args`, its webhooks served on the
 * port and with the certificate of `o.webhooks` (internal certificate
 * management off: see HncWebhookServing). HNC names no address to listen
 * on, so its webhook server, like its Deployment's, listens on every
 * interface, at a port chosen at run time; the API server calls it on
 * 127.0.0.1. Resolves when its readiness endpoint answers, which with
 * webhooks on includes its webhook server answering TLS.
 */
export async function startHnc(binary: string, kubeconfig: string, dir: string, o: StartHncOptions): Promise<RunningHnc> {
  const probePort = await freePort();
  const args = [
    ...hncReleaseArgs(),
    `--webhook-server-port=${o.webhooks.port}`,
    '--metrics-addr=0',
    `--health-probe-bind-address=127.0.0.1:${probePort}`,
    '--enable-stackdriver=false',
    `--kubeconfig=${kubeconfig}`,
    ...o.args,
  ];
  const logFile = path.join(dir, o.logName ?? 'hnc-manager.log');
  const { KUBECONFIG, ...parentEnv } = process.env;
  const env = { ...parentEnv, TMPDIR: o.webhooks.tmpDir };
  // HNC runs as a Deployment, whose pod is restarted when the manager dies;
  // so it is here. HNC v1.1.0 can die at start-up with "fatal error:
  // concurrent map read and map write" (internal/stats: StopObjReconcile
  // reads the per-kind map without the lock StartObjReconcile holds to
  // insert into it, and the RoleBinding, NetworkPolicy and LimitRange
  // controllers start together): an upstream race, not a test failure.
  // Each restart is written to the log; more than MAX_RESTARTS fails.
  const MAX_RESTARTS = 3;
  let restarts = 0;
  let stopping = false;
  let child!: ChildProcess;
  let exited!: Promise<void>;
  const launch = () => {
    const log = fs.openSync(logFile, 'a');
    fs.writeSync(log, `# ${binary} ${args.join(' ')}\n`);
    child = spawn(binary, args, { detached: true, stdio: ['ignore', log, log], env });
    fs.closeSync(log);
    killWithThisProcess(child);
    const me = child;
    exited = new Promise<void>((resolve) => me.once('exit', (code, signal) => {
      if (!stopping && restarts < MAX_RESTARTS) {
        restarts++;
        fs.appendFileSync(logFile, `# exited (${code ?? signal}); restarted (${restarts} of at most ${MAX_RESTARTS}), as its Deployment would\n`);
        launch();
      }
      resolve();
    }));
    child.unref();
  };
  launch();

  const deadline = Date.now() + (o.timeoutMs ?? 120_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      if (restarts >= MAX_RESTARTS) throw new Error(`HNC exited (${child.exitCode ?? child.signalCode}) after ${restarts} restarts\n${tail(logFile)}`);
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    const ready = await new Promise<boolean>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: probePort, path: '/readyz', timeout: 2000 }, (res) => { res.resume(); resolve(res.statusCode === 200); });
      req.on('error', () => resolve(false));
      req.on('timeout', () => { req.destroy(); resolve(false); });
    });
    if (ready) break;
    if (Date.now() > deadline) { stopping = true; killGroup(child, 'SIGKILL'); throw new Error(`HNC not ready after ${(o.timeoutMs ?? 120_000) / 1000}s\n${tail(logFile)}`); }
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    log: logFile,
    args,
    get restarts() { return restarts; },
    async stop() {
      stopping = true;
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Waits until the controller manager's quota controller counts `plural.group`
 * (a custom resource): it looks for new kinds every 30 s, and a quota
 * created before it does leaves that count unknown until its full resync (5
 * minutes), refusing every such object meanwhile ("status unknown for
 * quota"). A probe quota is made again until it is counted. On a cluster,
 * HNC is installed long before tenants ask for namespaces.
 */
export async function waitForQuotaCounting(client: KubeClient, resource: string, namespace = HNC_NAMESPACE): Promise<void> {
  const key = `count/${resource}`;
  const probe = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'quota-counting-probe', namespace }, spec: { hard: { [key]: '1000' } } };
  const deadline = Date.now() + 120_000;
  for (;;) {
    await client.create(probe);
    const counted = await client.waitFor(`the quota controller to count ${resource}`, async () => {
      const live = await client.get(probe);
      return live?.status?.used ? key in live.status.used : undefined;
    }).catch(() => false);
    await client.delete(probe);
    if (counted) return;
    if (Date.now() > deadline) throw new Error(`the quota controller does not count ${resource} after 120 s`);
    await new Promise((r) => setTimeout(r, 3000));
  }
}

