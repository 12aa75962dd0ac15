import { describeResult, Identity } from './client';
import { applyAsGitOps, Cluster, installControllerNamespaces, installCrds, objectRef, policyStatus, serviceAccount, useCluster, waitForDefaultServiceAccount, waitForPoliciesEnforced, waitForQuotas } from './fixture';
import { K8sObject } from '../helpers/manifests';

/*
 * What every example must survive on a real API server: its whole output
 * applied as the platform's GitOps controller applies it, every guard
 * accepted, type-checked without warnings and bound, and every workload's
 * pod admitted in its namespace (Pod Security, quota, limits, sandbox).
 */

/** The kinds whose pods a controller creates, with where the pod template is and who creates the pods. */
const WORKLOADS: Record<string, { template: (o: any) => any; creator: Identity }> = {
  Deployment: { template: (o) => o.spec.template, creator: serviceAccount('kube-system', 'replicaset-controller') },
  ReplicaSet: { template: (o) => o.spec.template, creator: serviceAccount('kube-system', 'replicaset-controller') },
  StatefulSet: { template: (o) => o.spec.template, creator: serviceAccount('kube-system', 'statefulset-controller') },
  DaemonSet: { template: (o) => o.spec.template, creator: serviceAccount('kube-system', 'daemon-set-controller') },
  Job: { template: (o) => o.spec.template, creator: serviceAccount('kube-system', 'job-controller') },
  CronJob: { template: (o) => o.spec.jobTemplate.spec.template, creator: serviceAccount('kube-system', 'job-controller') },
};

/** A StatefulSet's pod spec with the volume of each of its volumeClaimTemplates, as its controller adds them (claim of replica 0). */
function withClaimVolumes(statefulSet: any, spec: any): any {
  const claims = (statefulSet.spec.volumeClaimTemplates ?? []).map((c: any) => ({
    name: c.metadata.name,
    persistentVolumeClaim: { claimName: `${c.metadata.name}-${statefulSet.metadata.name}-0` },
  }));
  return claims.length === 0 ? spec : { ...spec, volumes: [...(spec.volumes ?? []), ...claims] };
}

/** The pods the example's workloads would create: each template as a Pod in its namespace, with who creates it. */
export function podsOf(objects: K8sObject[]): { source: string; pod: any; creator?: Identity }[] {
  const out: { source: string; pod: any; creator?: Identity }[] = [];
  for (const o of objects) {
    const w = WORKLOADS[o.kind];
    if (o.kind === 'Pod') out.push({ source: objectRef(o), pod: o });
    if (!w) continue;
    const t = w.template(o);
    out.push({
      source: objectRef(o),
      creator: w.creator,
      pod: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { ...t.metadata, name: `${o.metadata.name}-tier-check`, namespace: o.metadata.namespace },
        spec: o.kind === 'StatefulSet' ? withClaimVolumes(o, t.spec) : t.spec,
      },
    });
  }
  return out;
}

export interface ExampleSuiteOptions {
  /** The example's objects, as the platform's GitOps repository holds them. */
  readonly objects: () => K8sObject[];
  /** How many pod templates the example has (the test says so, so a lost workload fails). */
  readonly podTemplates: number;
  /**
   * Pods the example's workloads become on a real cluster beyond their
   * templates (a mesh's sidecar injection), admitted like them.
   * @default none
   */
  readonly injectedPods?: () => { source: string; pod: any; creator?: Identity }[];
}

/** Returns the cluster, for an example's own cases after the suite's (they run in the order declared). */
export function exampleSuite(name: string, o: ExampleSuiteOptions): () => Cluster {
  const cluster = useCluster(name);
  let objects: K8sObject[] = [];

  beforeAll(() => { objects = o.objects(); });

  test('every object is applied by the GitOps controller (server-side apply, strict field validation), CRDs first', async () => {
    const { client } = cluster();
    await installCrds(client, objects);
    await installControllerNamespaces(client, objects);
    const failures = await applyAsGitOps(client, objects);
    expect(failures.map((f) => `${f.object}: ${describeResult(f.result)}`)).toEqual([]);
    // Each object is now on the server, as written.
    for (const obj of objects) {
      const live = await client.get(obj);
      expect([objectRef(obj), live?.metadata?.name]).toEqual([objectRef(obj), obj.metadata.name]);
    }
  });

  test('every ValidatingAdmissionPolicy is accepted, bound, and type-checked by the API server without warnings', async () => {
    const { client } = cluster();
    const policies = objects.filter((x) => x.kind === 'ValidatingAdmissionPolicy').map((x) => x.metadata.name);
    const bound = new Set(objects.filter((x) => x.kind === 'ValidatingAdmissionPolicyBinding').map((b) => b.spec.policyName));
    expect(policies.length).toBeGreaterThan(0);
    expect(policies.filter((p) => !bound.has(p))).toEqual([]);
    for (const p of policies) {
      const status = await client.waitFor(`the type check of ${p}`, async () => {
        const s = await policyStatus(client, p);
        return s.checked ? s : undefined;
      });
      expect(status).toEqual({ name: p, checked: true, warnings: [] });
    }
    // Bindings are on the server and point at the policies.
    const live = await client.must('GET', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings');
    const liveBound = new Set(live.items.map((b: any) => b.spec.policyName));
    expect(policies.filter((p) => !liveBound.has(p))).toEqual([]);
  });

  test('every pod template is admitted as a Pod in its namespace (Pod Security, quota, limits, guards; dry run)', async () => {
    const { client } = cluster();
    const pods = podsOf(objects);
    expect(pods).toHaveLength(o.podTemplates);
    await waitForPoliciesEnforced(client);
    const refused: string[] = [];
    for (const { source, pod, creator } of [...pods, ...(o.injectedPods?.() ?? [])]) {
      await waitForDefaultServiceAccount(client, pod.metadata.namespace);
      await waitForQuotas(client, pod.metadata.namespace);
      const r = await client.create(pod, { as: creator, dryRun: true });
      if (!r.ok) refused.push(`${source}: ${describeResult(r)}`);
    }
    expect(refused).toEqual([]);
  });
  return cluster;
}
