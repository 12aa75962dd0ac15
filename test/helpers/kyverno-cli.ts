import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { buildGoTool } from './go-tool';
import { K8sObject } from './manifests';
import { tempDir } from './temp-dir';

/*
 * The real Kyverno engine, as its CLI (`kubectl-kyverno`, pinned in
 * test/engines/kyverno and built from its Go module like every other real
 * component of the tests), run on the policies the library emits: one
 * `kyverno apply` per batch of admission requests, each request a pod with
 * a name of its own, so that the policy report and the mutated output say
 * what the engine did to each.
 *
 * What the CLI is told of a request, and where it gets it (v1.19.1,
 * cmd/cli/kubectl-kyverno):
 * - the namespaces, with their labels: the values file's `namespaces`,
 *   which the CEL policies' engines read for `namespaceSelector` and
 *   `namespaceObject` (variables.Namespace) and the ClusterPolicies' `match`
 *   for `namespaceSelector` (variables.NamespaceSelectors);
 * - the operation: the values file's `request.operation` (UPDATE gives
 *   `object` and `oldObject` the same pod: processor/operation.go);
 * - the requester: `--userinfo`.
 * One thing it cannot be told: a ClusterPolicy's `validate.cel` gets a
 * namespace with its name only, no labels, even with --cluster
 * (processor/policy_processor.go ApplyPoliciesOnResource builds the engine with
 * isCluster false, and pkg/engine/handlers/validation/validate_cel.go then
 * builds `namespaceObject` from the name). ClusterPolicies are therefore
 * judged through Kyverno's admission handlers instead: kyverno-admission.ts.
 */

const KYVERNO_MODULE = path.resolve(__dirname, '..', 'engines', 'kyverno');

/** The Kyverno CLI, built on first use and cached (see go-tool.ts). */
export function kyvernoBinary(): string {
  return buildGoTool({ moduleDir: KYVERNO_MODULE, pkg: 'github.com/kyverno/kyverno/cmd/cli/kubectl-kyverno', name: 'kyverno' });
}

/** One admission request of a pod (or a claim: any namespaced object), as the CLI can be told it. */
export interface CliRequest {
  /** Unique in a batch: the pod is renamed to it, and results are found by it. */
  readonly id: string;
  readonly pod: Record<string, any>;
  /** The pod's namespace, with its labels. */
  readonly namespace: K8sObject | Record<string, any>;
  readonly operation: 'CREATE' | 'UPDATE';
  readonly userInfo: { readonly username: string; readonly groups?: string[] };
}

/** One rule's result in the CLI's policy report. */
export interface CliRuleResult {
  readonly policy: string;
  readonly rule: string;
  /** pass, fail, skip, warn or error, as Kyverno reports them. */
  readonly result: string;
  readonly message: string;
}

export interface CliOutcome {
  /** Every rule result the report holds for this request's pod. */
  readonly results: CliRuleResult[];
  /**
   * Whether Kyverno's admission webhook would refuse the request: a rule
   * failed, or errored (both policies of each kind fail closed:
   * pkg/utils/engine/response.go BlockRequest for ClusterPolicies,
   * pkg/webhooks/resource/vpol/handler.go for ValidatingPolicies).
   */
  readonly refused: boolean;
  /** The pod as the engine's mutations left it (the pod as sent when nothing mutated it). */
  readonly mutated: Record<string, any>;
}

/**
 * Whether a rule result says the engine could not evaluate the policy,
 * rather than that the policy refused: an `error`, or, from a
 * ClusterPolicy's `validate.cel`, a `fail` with the message Kubernetes' CEL
 * admission library gives an expression that failed to evaluate
 * (k8s.io/apiserver pkg/admission/plugin/cel/activation.go: "expression
 * '...' resulted in error: ..."), which it turns into a denial under
 * `failurePolicy: Fail`.
 */
export function isEvaluationError(r: CliRuleResult): boolean {
  return r.result === 'error' || (r.result === 'fail' && /^expression '.*' resulted in error: /s.test(r.message));
}

function run(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(kyvernoBinary(), args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The one-line JSON policy report `--policy-report --output-format json`
 * prints among the CLI's other output (which does not always end its last
 * line before it: "Mutation has been applied successfully.{...}").
 */
function reportOf(stdout: string, status: number | null): any {
  const start = '{"kind":"ClusterReport"';
  const reports = stdout.split('\n').filter((l) => l.includes(start)).map((l) => JSON.parse(l.slice(l.indexOf(start))));
  // No report at all when no rule of any policy matched a request: then the CLI also counted no failure and no error (exit 0).
  if (reports.length === 0 && status === 0) return { results: [] };
  if (reports.length !== 1) throw new Error(`expected one ClusterReport in the CLI's output, found ${reports.length}`);
  return reports[0];
}

/**
 * Runs `kyverno apply` with `policies` on one batch of requests that share
 * an operation and a requester. Throws with the CLI's output when it could
 * not judge (a policy it refused to load or compile, a bad request).
 */
function applyBatch(policies: K8sObject[], batch: CliRequest[]): Map<string, CliOutcome> {
  const { operation, userInfo } = batch[0];
  const dir = tempDir('kyverno-cli-');
  let judged = false;
  try {
    const yaml = (docs: unknown[]) => docs.map((d) => YAML.stringify(d)).join('---\n');
    const pods = batch.map((r) => ({ ...r.pod, metadata: { ...r.pod.metadata, name: r.id, namespace: r.namespace.metadata.name } }));
    const namespaces = [...new Map(batch.map((r) => [r.namespace.metadata.name, r.namespace])).values()];
    fs.writeFileSync(path.join(dir, 'policies.yaml'), yaml(policies));
    fs.writeFileSync(path.join(dir, 'resources.yaml'), yaml(pods));
    fs.writeFileSync(path.join(dir, 'values.yaml'), yaml([{
      apiVersion: 'cli.kyverno.io/v1alpha1',
      kind: 'Values',
      metadata: { name: 'requests' },
      globalValues: { 'request.operation': operation },
      namespaces,
    }]));
    fs.writeFileSync(path.join(dir, 'userinfo.yaml'), yaml([{
      apiVersion: 'cli.kyverno.io/v1alpha1',
      kind: 'UserInfo',
      metadata: { name: 'requester' },
      userInfo: { username: userInfo.username, groups: userInfo.groups ?? [] },
    }]));
    const out = run(['apply', 'policies.yaml', '--resource', 'resources.yaml', '--values-file', 'values.yaml', '--userinfo', 'userinfo.yaml',
      '--policy-report', '--output-format', 'json', '--output', 'mutated', '--remove-color'], dir);
    const transcript = `kyverno apply exited ${out.status} in ${dir} (kept: policies, requests, values)\n--- stdout\n${out.stdout}\n--- stderr\n${out.stderr}`;
    // The CLI exits 1 when a rule failed or errored: that is a verdict, not a failure of the run.
    if (out.status !== 0 && out.status !== 1) throw new Error(transcript);
    // A ClusterPolicy the CLI finds invalid is skipped, not applied: nothing it says of it could be trusted.
    if (/Policies Skipped:|Invalid Policies:/.test(out.stdout)) throw new Error(`the CLI refused a policy\n${transcript}`);
    let report: any;
    try {
      report = reportOf(out.stdout, out.status);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${transcript}`);
    }
    const outcomes = new Map<string, CliOutcome>();
    for (const [i, r] of batch.entries()) {
      const results: CliRuleResult[] = (report.results ?? [])
        .filter((x: any) => (x.resources ?? []).some((s: any) => s.kind === r.pod.kind && s.name === r.id
          && s.namespace === r.namespace.metadata.name))
        .map((x: any) => ({ policy: x.policy, rule: x.rule ?? '', result: x.result, message: x.message ?? '' }));
      // Each mutation the engine applied appends the pod as it then was: the last one is the final pod.
      const file = path.join(dir, 'mutated', `${r.id}-mutated.yaml`);
      const written = fs.existsSync(file) ? YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJSON()).filter((d) => d) : [];
      const mutated = written.length ? written[written.length - 1] : pods[i];
      // The pod's own name and namespace go back as they were sent.
      const metadata = { ...mutated.metadata };
      for (const key of ['name', 'namespace']) {
        if (key in (r.pod.metadata ?? {})) metadata[key] = r.pod.metadata[key]; else delete metadata[key];
      }
      outcomes.set(r.id, {
        results,
        refused: results.some((x) => x.result === 'fail' || x.result === 'error'),
        mutated: { ...mutated, metadata },
      });
    }
    judged = true;
    return outcomes;
  } finally {
    // Kept when the CLI could not judge, to run it again by hand.
    if (judged) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Every request judged by the real Kyverno engine with `policies`: one CLI
 * run per operation and requester (the CLI takes one of each per run).
 */
export function kyvernoApply(policies: K8sObject[], requests: CliRequest[]): Map<string, CliOutcome> {
  if (new Set(requests.map((r) => r.id)).size !== requests.length) throw new Error('request ids must be unique');
  const batches = new Map<string, CliRequest[]>();
  for (const r of requests) {
    const key = JSON.stringify([r.operation, r.userInfo.username, r.userInfo.groups ?? []]);
    batches.set(key, [...(batches.get(key) ?? []), r]);
  }
  const outcomes = new Map<string, CliOutcome>();
  for (const batch of batches.values()) {
    for (const [id, outcome] of applyBatch(policies, batch)) outcomes.set(id, outcome);
  }
  return outcomes;
}
