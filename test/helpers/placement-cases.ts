import { App, Chart } from 'cdk8s';
import { find, K8sObject, synthObjects } from './manifests';
import { PlacementEngine, SoftTenant, TenancyPlatform, TENANT_LABEL, TenantPlacement } from 'cdk8s-tenancy';

/*
 * The placement guard's cases, one table for every judge of them: the
 * engines' models (test/placement-engines.test.ts) and the real engines
 * (test/kyverno-engine.test.ts runs them through the Kyverno CLI).
 */

/** team-a and team-c on dedicated nodes, team-b not, one engine for the cluster. */
export function placementCluster(placementEngine?: PlacementEngine, platformProps: Record<string, unknown> = {}) {
  const app = new App();
  new TenancyPlatform(app, 'platform', { placementEngine, ...platformProps });
  const placements: Record<string, TenantPlacement> = {};
  for (const [name, namespaces, placed] of [['team-a', ['team-a', 'team-a-batch'], true], ['team-b', ['team-b'], false], ['team-c', ['team-c'], true]] as const) {
    const tenant = new SoftTenant(new Chart(app, name), 'Tenant', { name, namespaces: [...namespaces] });
    if (placed) {
      placements[name] = TenantPlacement.forTenant(name);
      tenant.addExtension(placements[name]);
    }
  }
  const objects = synthObjects(app);
  return { app, objects, a: placements['team-a'], c: placements['team-c'], ns: (n: string) => find(objects, 'Namespace', n) };
}

const namespace = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } });
export const kubeSystem = namespace('kube-system');
export const argocd = namespace('argocd');
export const monitoring = namespace('monitoring');

export const pod = (ns: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: ns }, spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec },
});
export const required = (...terms: unknown[]) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } });

type Ns = K8sObject | ReturnType<typeof namespace>;
export interface PlacementContext {
  readonly ns: (name: string) => K8sObject;
  readonly a: TenantPlacement;
  readonly c: TenantPlacement;
}

/** Pods every engine admits, after its mutation: [case, namespace, pod spec, requester]. */
export const admittedCases = ({ ns }: PlacementContext): [string, Ns, Record<string, unknown>, string][] => [
  ['a kube-system DaemonSet pod tolerating every taint', kubeSystem, { tolerations: [{ operator: 'Exists' }] }, 'system:serviceaccount:kube-system:daemon-set-controller'],
  ['the GitOps controller\'s own pod', argocd, {}, 'system:serviceaccount:kube-system:replicaset-controller'],
  ['a tenant pod created by the GitOps controller', ns('team-a'), {}, 'system:serviceaccount:argocd:argocd-application-controller'],
  ['a pod of a tenant without dedicated nodes', ns('team-b'), { tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }] }, 'alice'],
];

const malicious = { operator: 'Exists' };

/** Pods every engine refuses, through its mutation or not: [case, namespace, pod spec, message]. */
export const rejectedCases = ({ ns, a }: PlacementContext): [string, Ns, Record<string, unknown>, RegExp][] => [
  ['the seed\'s malicious toleration (Exists, no key) outside any tenant', ns('team-b'), { tolerations: [malicious] }, /may not tolerate every taint/],
  ['the same inside a tenant with dedicated nodes', ns('team-a'), { tolerations: [malicious] }, /may not tolerate every taint/],
  ['another tenant\'s pod tolerating team-a\'s taint', ns('team-b'), { tolerations: [a.toleration] }, /may only tolerate the cdk8s-tenancy.io\/tenant taint of their own tenant/],
  ['a tenant pod choosing its node', ns('team-a'), { nodeName: 'ip-10-0-9-9' }, /may not choose their node/],
  ['any pod choosing its node', ns('team-b'), { nodeName: 'ip-10-0-9-9' }, /may not choose their node/],
  ['a tenant pod selecting team-c\'s nodes', ns('team-a'), { nodeSelector: { [TENANT_LABEL]: 'team-c' } }, /may not select another tenant's nodes/],
  ['another tenant\'s pod selecting team-a\'s nodes', ns('team-b'), { nodeSelector: { [TENANT_LABEL]: 'team-a' } }, /may not select another tenant's nodes/],
];

/** team-a pods the validation alone refuses (the mutation webhook down): [case, pod spec, message]. */
export const validationAloneCases = (): [string, Record<string, unknown>, RegExp][] => [
  ['team-c\'s toleration', { tolerations: [{ key: TENANT_LABEL, operator: 'Equal', value: 'team-c', effect: 'NoSchedule' }] }, /their own tenant/],
  ['an affinity term to team-c\'s nodes', { tolerations: [], affinity: required({ matchExpressions: [{ key: TENANT_LABEL, operator: 'In', values: ['team-c'] }] }) }, /must tolerate and require the nodes of tenant team-a/],
  ['no toleration or affinity', {}, /must tolerate and require the nodes of tenant team-a/],
];

/** The seed's malicious toleration, for the exempt-namespaces cases. */
export const MALICIOUS_TOLERATION = malicious;
