import * as fs from 'fs';
import * as https from 'https';
import type { ClusterEnv } from './harness';

/*
 * A small Kubernetes client over Node's https, so the cluster tier needs no
 * kubectl: server-side apply, create/update/delete (optionally dry run),
 * impersonation, discovery of resource paths. Every refusal is classified
 * by the layer that refused it, read from the API server's Status.
 */

/** Who a request is made as (Impersonate-User / Impersonate-Group). */
export interface Identity {
  readonly username: string;
  readonly groups?: string[];
}

/** The layer of the API server that refused a request. */
export type Layer = 'rbac' | 'policy' | 'policy-error' | 'webhook' | 'webhook-error' | 'pod-security' | 'quota' | 'limit-range' | 'validation' | 'other';

export interface Denial {
  readonly layer: Layer;
  /** The ValidatingAdmissionPolicy that denied (layer 'policy' only: a policy that failed to evaluate is 'policy-error', named in the message). */
  readonly policy?: string;
  /** The admission webhook that denied (layer 'webhook'; a webhook that could not be called is 'webhook-error', named in the message). */
  readonly webhook?: string;
  readonly code: number;
  readonly reason: string;
  readonly message: string;
}

export type Result =
  | { readonly ok: true; readonly code: number; readonly body: any }
  | { readonly ok: false; readonly code: number; readonly body: any; readonly denial: Denial };

export interface RequestOptions {
  readonly as?: Identity;
  /** Server-side dry run: admitted (or refused) in full, never persisted. */
  readonly dryRun?: boolean;
}

export interface ApplyOptions extends RequestOptions {
  /** @default 'cdk8s-tenancy-tests' */
  readonly fieldManager?: string;
  /** Take ownership of fields another manager set. @default true */
  readonly force?: boolean;
}

/** Which layer refused, from a failed request's Status (message and reason as the API server words them). */
export function classify(code: number, status: any): Denial {
  const message: string = status?.message ?? (typeof status === 'string' ? status : JSON.stringify(status));
  const reason: string = status?.reason ?? '';
  const base = { code, reason, message };
  const vap = /ValidatingAdmissionPolicy '([^']+)' with binding '[^']*' denied request/.exec(message);
  // A policy whose CEL fails to evaluate refuses too (failurePolicy Fail),
  // but that is a broken guard, not a denial: it never counts as one.
  if (vap && /resulted in error|failed to evaluate|compilation failed/.test(message)) return { ...base, layer: 'policy-error' };
  if (vap) return { ...base, layer: 'policy', policy: vap[1] };
  // A webhook that cannot be reached or answers late refuses too when it
  // fails closed; like a policy that fails to evaluate, never a denial.
  if (/failed calling webhook "/.test(message)) return { ...base, layer: 'webhook-error' };
  const webhook = /admission webhook "([^"]+)" denied the request/.exec(message);
  if (webhook) return { ...base, layer: 'webhook', webhook: webhook[1] };
  if (/violates PodSecurity "/.test(message)) return { ...base, layer: 'pod-security' };
  if (/exceeded quota:|failed quota:|status unknown for quota/.test(message)) return { ...base, layer: 'quota' };
  if (/(maximum|minimum) (cpu|memory|ephemeral-storage) usage per|LimitRange/.test(message)) return { ...base, layer: 'limit-range' };
  if (code === 403 && /is forbidden: User "[^"]*" cannot /.test(message)) return { ...base, layer: 'rbac' };
  if (code === 422 || reason === 'Invalid' || reason === 'BadRequest') return { ...base, layer: 'validation' };
  return { ...base, layer: 'other' };
}

/** One line saying what happened, for test failures. */
export function describeResult(r: Result): string {
  if (r.ok) return `allowed (${r.code})`;
  const name = r.denial.policy ?? r.denial.webhook;
  return `refused by ${r.denial.layer}${name ? ` (${name})` : ''}: ${r.denial.code} ${r.denial.message}`;
}

interface ResourceInfo {
  readonly plural: string;
  readonly namespaced: boolean;
}

export class KubeClient {
  private readonly agent: https.Agent;
  private readonly server: URL;
  private readonly resources = new Map<string, ResourceInfo>();

  constructor(env: ClusterEnv) {
    this.server = new URL(env.server);
    this.agent = new https.Agent({
      ca: fs.readFileSync(env.caFile),
      cert: fs.readFileSync(env.clientCertFile),
      key: fs.readFileSync(env.clientKeyFile),
      keepAlive: true,
      maxSockets: 8,
    });
  }

  /** Closes idle connections (the process can exit). */
  close(): void {
    this.agent.destroy();
  }

  /** A raw request; JSON in and out. */
  request(method: string, path: string, body?: unknown, opts: { as?: Identity; contentType?: string } = {}): Promise<Result> {
    const headers: Record<string, string | string[]> = { Accept: 'application/json' };
    const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    if (payload) {
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    if (opts.as) {
      headers['Impersonate-User'] = opts.as.username;
      if (opts.as.groups?.length) headers['Impersonate-Group'] = opts.as.groups;
    }
    return new Promise((resolve, reject) => {
      const req = https.request({
        host: this.server.hostname, port: this.server.port, method, path, headers, agent: this.agent, timeout: 60_000,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: any = text;
          try { parsed = text ? JSON.parse(text) : undefined; } catch { /* not JSON: keep the text */ }
          const code = res.statusCode ?? 0;
          if (code >= 200 && code < 300) resolve({ ok: true, code, body: parsed });
          else resolve({ ok: false, code, body: parsed, denial: classify(code, parsed) });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  /** Throws with the Status when the request failed. */
  async must(method: string, path: string, body?: unknown, opts: { as?: Identity; contentType?: string } = {}): Promise<any> {
    const r = await this.request(method, path, body, opts);
    if (!r.ok) throw new Error(`${method} ${path}: ${describeResult(r)}`);
    return r.body;
  }

  /** Forgets discovery, after CRDs were installed. */
  forgetDiscovery(): void {
    this.resources.clear();
  }

  private async resourceFor(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const key = `${apiVersion}/${kind}`;
    if (!this.resources.has(key)) {
      const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      const list = await this.request('GET', base);
      if (!list.ok) throw new Error(`the API server does not serve ${apiVersion} (${describeResult(list)})`);
      for (const r of list.body.resources ?? []) {
        if (!r.name.includes('/')) this.resources.set(`${apiVersion}/${r.kind}`, { plural: r.name, namespaced: r.namespaced });
      }
      if (!this.resources.has(key)) throw new Error(`the API server does not serve ${kind} in ${apiVersion}`);
    }
    return this.resources.get(key)!;
  }

  /** Whether the server serves a kind as namespaced (discovery's word, not a list of ours). */
  async namespaced(apiVersion: string, kind: string): Promise<boolean> {
    return (await this.resourceFor(apiVersion, kind)).namespaced;
  }

  /** The collection path of an object's kind (in its namespace), and its own path. */
  async paths(obj: { apiVersion: string; kind: string; metadata: { name?: string; namespace?: string } }):
  Promise<{ collection: string; item: string }> {
    const info = await this.resourceFor(obj.apiVersion, obj.kind);
    const base = obj.apiVersion.includes('/') ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
    if (info.namespaced && !obj.metadata.namespace) throw new Error(`${obj.kind} ${obj.metadata.name} is namespaced but has no namespace`);
    const collection = info.namespaced ? `${base}/namespaces/${obj.metadata.namespace}/${info.plural}` : `${base}/${info.plural}`;
    return { collection, item: `${collection}/${encodeURIComponent(obj.metadata.name ?? '')}` };
  }

  /** Server-side apply with strict field validation, as a GitOps controller applies. */
  async apply(obj: any, o: ApplyOptions = {}): Promise<Result> {
    const { item } = await this.paths(obj);
    const q = new URLSearchParams({ fieldManager: o.fieldManager ?? 'cdk8s-tenancy-tests', fieldValidation: 'Strict', force: String(o.force ?? true) });
    if (o.dryRun) q.set('dryRun', 'All');
    return this.request('PATCH', `${item}?${q}`, obj, { as: o.as, contentType: 'application/apply-patch+yaml' });
  }

  async create(obj: any, o: RequestOptions = {}): Promise<Result> {
    const { collection } = await this.paths(obj);
    const q = new URLSearchParams({ fieldValidation: 'Strict' });
    if (o.dryRun) q.set('dryRun', 'All');
    return this.request('POST', `${collection}?${q}`, obj, { as: o.as });
  }

  /** A full update (PUT); takes the live resourceVersion when the object has none. */
  async update(obj: any, o: RequestOptions = {}): Promise<Result> {
    const { item } = await this.paths(obj);
    let body = obj;
    if (!obj.metadata.resourceVersion) {
      const live = await this.get(obj);
      if (live) body = { ...obj, metadata: { ...obj.metadata, resourceVersion: live.metadata.resourceVersion } };
    }
    const q = new URLSearchParams({ fieldValidation: 'Strict' });
    if (o.dryRun) q.set('dryRun', 'All');
    return this.request('PUT', `${item}?${q}`, body, { as: o.as });
  }

  async delete(obj: any, o: RequestOptions = {}): Promise<Result> {
    const { item } = await this.paths(obj);
    const q = new URLSearchParams();
    if (o.dryRun) q.set('dryRun', 'All');
    return this.request('DELETE', `${item}${o.dryRun ? `?${q}` : ''}`, undefined, { as: o.as });
  }

  /** The live object, or undefined when it does not exist. */
  async get(obj: any): Promise<any | undefined> {
    const { item } = await this.paths(obj);
    const r = await this.request('GET', item);
    if (r.ok) return r.body;
    if (r.code === 404) return undefined;
    throw new Error(`GET ${item}: ${describeResult(r)}`);
  }

  /** Polls until `test` returns a value (not undefined), or fails after `timeoutMs` naming what it waited for. */
  async waitFor<T>(what: string, test: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await test();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
