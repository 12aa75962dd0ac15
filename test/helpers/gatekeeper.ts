import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { buildGoTool } from './go-tool';
import { K8sObject } from './manifests';
import { tempDir } from './temp-dir';

/*
 * OPA Gatekeeper itself, built from its Go module at the release the
 * library is checked against (test/engines/gatekeeper pins
 * github.com/open-policy-agent/gatekeeper/v3 v3.23.1):
 *
 * - `gator`, Gatekeeper's CLI for testing policies (cmd/gator), runs
 *   `gator verify` suites. gator reviews objects without their namespace:
 *   a template's CEL sees `namespaceObject` as null there, as on a
 *   Gatekeeper before 3.22.
 * - `gatekeeper-webhook` (test/engines/gatekeeper/webhook, ours) runs
 *   requests through Gatekeeper's mutation system and constraint client the
 *   way its two webhooks call them, namespace included: what a cluster with
 *   Gatekeeper 3.23 does to a pod, without the cluster.
 */

const MODULE = path.resolve(__dirname, '..', 'engines', 'gatekeeper');

/** The gator binary, built on first use and cached (see go-tool.ts). */
export function gatorBinary(): string {
  return buildGoTool({ moduleDir: MODULE, pkg: 'github.com/open-policy-agent/gatekeeper/v3/cmd/gator', name: 'gator' });
}

/** Our driver of Gatekeeper's webhook code, built on first use and cached. */
export function gatekeeperWebhookBinary(): string {
  return buildGoTool({ moduleDir: MODULE, pkg: './webhook', name: 'gatekeeper-webhook' });
}

export interface GatekeeperRequest {
  /** Names the case in failures. */
  readonly name: string;
  readonly operation: 'CREATE' | 'UPDATE' | 'DELETE';
  /** The Namespace object the webhook fetches for the request; null for none. */
  readonly namespace: K8sObject | Record<string, any> | null;
  readonly object: Record<string, any> | null;
  readonly oldObject?: Record<string, any> | null;
  readonly username: string;
  readonly groups?: string[];
  /** Run the mutation webhook first; false judges the object as given (the mutation webhook down). */
  readonly mutate: boolean;
}

export interface GatekeeperVerdict {
  readonly name: string;
  /** The object after the mutation webhook (the input when `mutate` is false). */
  readonly object: Record<string, any> | null;
  readonly mutated: boolean;
  /** Every violation, in the order Gatekeeper reports them (not the order of the template's validations). */
  readonly denials: { constraint: string; message: string; enforcementAction: string }[];
  /** What the webhook would answer with an error (HTTP 500): the API server then applies the webhook's failurePolicy. */
  readonly error?: string;
}

/**
 * Runs `requests` through Gatekeeper's webhook code with `objects` (the
 * ConstraintTemplates, Constraints, Assign and AssignMetadata among them)
 * installed. Throws Gatekeeper's message when it refuses one of the objects.
 */
export function gatekeeperWebhook(objects: K8sObject[], requests: GatekeeperRequest[]): GatekeeperVerdict[] {
  const r = spawnSync(gatekeeperWebhookBinary(), {
    input: JSON.stringify({ objects, requests }),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error || r.status !== 0) throw new Error(`Gatekeeper refused the input: ${r.error?.message ?? r.stderr.trim()}`);
  return JSON.parse(r.stdout);
}

export interface GatorCase {
  readonly name: string;
  readonly request: GatekeeperRequest;
  /** The messages the case's object must be denied with, exactly; [] for admitted. */
  readonly denials: string[];
}

export interface GatorResult {
  /** gator's exit status: 0 when every case held. */
  readonly status: number;
  readonly output: string;
  /** Each case by name: whether gator found what the case says. */
  readonly cases: Record<string, 'PASS' | 'FAIL'>;
  /** What gator said about each failed case. */
  readonly failures: Record<string, string>;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Writes a `gator verify` suite (test.gatekeeper.sh/v1alpha1 Suite) with
 * the template, its Constraint and one case per request (an AdmissionReview,
 * so the operation and the user are the request's), each asserting exactly
 * the given denials, and runs `gator verify -v` on it. An `invalid`
 * Constraint is expected to be refused by the CRD gator generates from the
 * template.
 */
export function gatorVerify(template: K8sObject, constraint: K8sObject, cases: GatorCase[], invalidConstraints: K8sObject[] = []): GatorResult {
  const dir = tempDir('gator-verify-');
  try {
    const write = (file: string, doc: unknown) => fs.writeFileSync(path.join(dir, file), YAML.stringify(doc));
    write('template.yaml', template);
    write('constraint.yaml', constraint);
    invalidConstraints.forEach((c, i) => write(`invalid-${i}.yaml`, c));
    const gatorCases = cases.map((c, i) => {
      const object = c.request.object ?? c.request.oldObject;
      write(`case-${i}.yaml`, {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: {
          uid: `case-${i}`,
          kind: { group: '', version: 'v1', kind: object?.kind },
          resource: { group: '', version: 'v1', resource: `${String(object?.kind).toLowerCase()}s` },
          name: object?.metadata?.name,
          namespace: c.request.namespace?.metadata?.name ?? object?.metadata?.namespace,
          operation: c.request.operation,
          userInfo: { username: c.request.username, ...(c.request.groups ? { groups: c.request.groups } : {}) },
          ...(c.request.object ? { object: c.request.object } : {}),
          ...(c.request.oldObject ? { oldObject: c.request.oldObject } : {}),
        },
      });
      const counts = new Map<string, number>();
      for (const m of c.denials) counts.set(m, (counts.get(m) ?? 0) + 1);
      return {
        name: c.name,
        object: `case-${i}.yaml`,
        assertions: [
          { violations: c.denials.length },
          ...[...counts].map(([message, n]) => ({ violations: n, message: `^${escapeRegExp(message)}$` })),
        ],
      };
    });
    write('suite.yaml', {
      apiVersion: 'test.gatekeeper.sh/v1alpha1',
      kind: 'Suite',
      metadata: { name: 'cdk8s-tenancy' },
      tests: [
        { name: 'emitted', template: 'template.yaml', constraint: 'constraint.yaml', cases: gatorCases },
        ...invalidConstraints.map((_, i) => ({ name: `invalid-${i}`, template: 'template.yaml', constraint: `invalid-${i}.yaml`, invalid: true })),
      ],
    });
    const r = spawnSync(gatorBinary(), ['verify', '-v', path.join(dir, 'suite.yaml')], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (r.error) throw r.error;
    const output = `${r.stdout}${r.stderr}`;
    const result: Record<string, 'PASS' | 'FAIL'> = {};
    const failures: Record<string, string> = {};
    const lines = output.split('\n');
    lines.forEach((line, i) => {
      const m = /^\s*--- (PASS|FAIL): (.*)\t\(.*\)$/.exec(line);
      if (!m) return;
      result[m[2]] = m[1] as 'PASS' | 'FAIL';
      if (m[1] === 'FAIL') failures[m[2]] = (lines[i + 1] ?? '').trim();
    });
    return { status: r.status ?? -1, output, cases: result, failures };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
