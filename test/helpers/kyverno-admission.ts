import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { buildGoTool } from './go-tool';
import { CliOutcome, CliRequest, CliRuleResult } from './kyverno-cli';
import { K8sObject } from './manifests';
import { tempDir } from './temp-dir';

/*
 * Kyverno's admission path for ClusterPolicies, with the namespace's labels:
 * test/engines/kyverno/admission, a small program of ours in the same Go
 * module as the CLI (Kyverno v1.19.1), runs each pod admission request
 * through Kyverno's own resource-webhook handlers (mutation, then validation
 * of the mutated pod) and the engine as the admission controller builds it.
 *
 * Why not the CLI (helpers/kyverno-cli.ts): `kyverno apply` builds its
 * engine with `isCluster` false, with or without --cluster
 * (cmd/cli/kubectl-kyverno/processor/policy_processor.go, ApplyPoliciesOnResource),
 * and a ClusterPolicy's `validate.cel` then sees a namespace made from the
 * pod's namespace name alone, without labels
 * (pkg/engine/handlers/validation/validate_cel.go, Process). The admission
 * controller's engine (cmd/internal/engine.go) is built with `isCluster` nil,
 * which pkg/engine/engine.go NewEngine takes as true, so the same handler
 * reads the namespace through the engine's client: here a client serving the
 * namespaces the requests name, with their labels (see the program's comment
 * for what else stands in for the cluster).
 *
 * Checked by hand against the cluster tier's API server (1.37) as well:
 * with team-a stored with its tenant label and a placed team-a pod created,
 * `kyverno apply <guard> --cluster --namespace team-a` still fails the pod
 * on "may only tolerate the cdk8s-tenancy.io/tenant taint of their own
 * tenant", the rule that reads the namespace's tenant label.
 */

/** One request as the program reports it (results null when no rule matched). */
interface JudgedRequest {
  readonly id: string;
  readonly results: CliRuleResult[] | null;
  readonly refused: boolean;
  /** The webhook's answer when it refused. */
  readonly message: string;
  readonly mutated: Record<string, any>;
}

const KYVERNO_MODULE = path.resolve(__dirname, '..', 'engines', 'kyverno');

/** The program, built on first use and cached (see go-tool.ts). */
export function kyvernoAdmissionBinary(): string {
  return buildGoTool({ moduleDir: KYVERNO_MODULE, pkg: './admission', name: 'kyverno-admission' });
}

/**
 * Every request judged by Kyverno's admission path with `policies`
 * (ClusterPolicies with `failurePolicy: Fail`, mutate and Enforce validate
 * rules: the program refuses to judge anything else). Outcomes as the CLI
 * helper gives them: each rule's result, whether the webhook refused, and
 * the pod as the API server would store it. Throws with the program's output
 * when it could not judge.
 */
export function kyvernoAdmission(policies: K8sObject[], requests: CliRequest[]): Map<string, CliOutcome> {
  if (new Set(requests.map((r) => r.id)).size !== requests.length) throw new Error('request ids must be unique');
  const dir = tempDir('kyverno-admission-');
  let judged = false;
  try {
    const policiesFile = path.join(dir, 'policies.yaml');
    fs.writeFileSync(policiesFile, policies.map((p) => YAML.stringify(p)).join('---\n'));
    const input = {
      policies: policiesFile,
      namespaces: [...new Map(requests.map((r) => [r.namespace.metadata.name, r.namespace])).values()],
      requests: requests.map((r) => ({
        id: r.id,
        operation: r.operation,
        namespace: r.namespace.metadata.name,
        // The API server sets the pod's namespace from the request's path before admission.
        pod: { ...r.pod, metadata: { ...r.pod.metadata, namespace: r.namespace.metadata.name } },
        userInfo: { username: r.userInfo.username, groups: r.userInfo.groups ?? [] },
      })),
    };
    fs.writeFileSync(path.join(dir, 'input.json'), JSON.stringify(input, undefined, 2));
    const out = spawnSync(kyvernoAdmissionBinary(), [], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (out.error) throw out.error;
    if (out.status !== 0) {
      throw new Error(`the Kyverno admission program exited ${out.status} in ${dir} (kept: policies.yaml, input.json)\n--- stdout\n${out.stdout}\n--- stderr\n${out.stderr}`);
    }
    const judgedRequests: JudgedRequest[] = JSON.parse(out.stdout);
    const outcomes = new Map<string, CliOutcome>();
    for (const r of requests) {
      const o = judgedRequests.find((x) => x.id === r.id);
      if (!o) throw new Error(`the Kyverno admission program judged no request ${r.id}`);
      // The pod's namespace goes back as it was sent.
      const metadata = { ...o.mutated.metadata };
      if ('namespace' in (r.pod.metadata ?? {})) metadata.namespace = r.pod.metadata.namespace; else delete metadata.namespace;
      outcomes.set(r.id, { results: o.results ?? [], refused: o.refused, mutated: { ...o.mutated, metadata } });
    }
    judged = true;
    return outcomes;
  } finally {
    // Kept when the program could not judge, to run it again by hand.
    if (judged) fs.rmSync(dir, { recursive: true, force: true });
  }
}
