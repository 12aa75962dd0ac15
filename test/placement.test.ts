import { App, Chart } from 'cdk8s';
import { Cpu, Deployment, TaintEffect } from 'cdk8s-plus-27';
import { admit, AdmissionRequest } from './helpers/admission';
import { find, K8sObject, synthObjects } from './helpers/manifests';
import { validateAll } from './helpers/schema';
import { awsEffect, kubernetesEffect } from '../src/placement/internal/taint-effect';
import { KarpenterNodeClass, SoftTenant, TenancyPlatform, TENANT_LABEL, TenantPlacement, TenantSandbox } from 'cdk8s-tenancy';

function cluster(platformProps = {}) {
  const app = new App();
  new TenancyPlatform(app, 'platform', platformProps);
  const a = new SoftTenant(new Chart(app, 'team-a'), 'TeamA', { name: 'team-a', namespaces: ['team-a', 'team-a-batch'] });
  const placement = TenantPlacement.forTenant('team-a');
  a.addExtension(placement);
  new SoftTenant(new Chart(app, 'team-b'), 'TeamB', { name: 'team-b' });
  return { app, a, placement };
}

describe('one value, three parts', () => {
  const placement = TenantPlacement.forTenant('team-a');

  test('node label, taint, toleration and affinity all derive from the tenant', () => {
    expect(placement.nodeLabels).toEqual({ [TENANT_LABEL]: 'team-a' });
    expect([placement.taintKey, placement.effect, placement.awsTaintEffect]).toEqual([TENANT_LABEL, 'NoSchedule', 'NO_SCHEDULE']);
    expect(placement.toleration).toEqual({ key: TENANT_LABEL, operator: 'Equal', value: 'team-a', effect: 'NoSchedule' });
    expect(placement.nodeSelectorTerm).toEqual({ matchExpressions: [{ key: TENANT_LABEL, operator: 'In', values: ['team-a'] }] });
  });

  test('the AWS and Kubernetes taint effects map both ways through one function', () => {
    expect(['NO_SCHEDULE', 'PREFER_NO_SCHEDULE', 'NO_EXECUTE'].map(kubernetesEffect)).toEqual(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);
    expect(['NoSchedule', 'PreferNoSchedule', 'NoExecute'].map(awsEffect)).toEqual(['NO_SCHEDULE', 'PREFER_NO_SCHEDULE', 'NO_EXECUTE']);
    expect([kubernetesEffect('NoSchedule'), awsEffect('NO_SCHEDULE'), kubernetesEffect('')]).toEqual([undefined, undefined, undefined]);
  });

  test('applyTo places a cdk8s-plus workload with exactly that toleration and affinity', () => {
    const chart = new Chart(new App(), 'c');
    const web = new Deployment(chart, 'web', { containers: [{ image: 'nginx', portNumber: 8080 }] });
    placement.applyTo(web.scheduling);
    const spec = chart.toJson()[0].spec.template.spec;
    expect(spec.tolerations).toEqual([placement.toleration]);
    expect(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([placement.nodeSelectorTerm]);
  });
});

describe('applied to a tenant', () => {
  const { app } = cluster();
  const objects = synthObjects(app);

  test('every object is valid against the Kubernetes schema', () => {
    expect(validateAll(objects)).toBe(objects.length);
  });

  test('the tenant\'s namespaces, and only those, are marked as running on dedicated nodes', () => {
    expect(find(objects, 'Namespace', 'team-a').metadata.labels!['cdk8s-tenancy.io/dedicated-nodes']).toBe('true');
    expect(find(objects, 'Namespace', 'team-a-batch').metadata.labels!['cdk8s-tenancy.io/dedicated-nodes']).toBe('true');
    expect(find(objects, 'Namespace', 'team-b').metadata.labels!['cdk8s-tenancy.io/dedicated-nodes']).toBeUndefined();
  });

  test('the guard: a v1 policy with its binding, failing closed, leaving kube-system alone', () => {
    const policy = find(objects, 'ValidatingAdmissionPolicy', 'cdk8s-tenancy-placement');
    expect(policy.spec.failurePolicy).toBe('Fail');
    expect(policy.spec.matchConstraints.namespaceSelector).toEqual({ matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system'] }] });
    expect(find(objects, 'ValidatingAdmissionPolicyBinding', 'cdk8s-tenancy-placement').spec).toEqual({ policyName: 'cdk8s-tenancy-placement', validationActions: ['Deny'] });
  });
});

describe('the placement guard, evaluated', () => {
  const { app, placement } = cluster();
  const objects = synthObjects(app);
  const ns = (name: string) => find(objects, 'Namespace', name);
  const kubeSystem = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system', labels: { 'kubernetes.io/metadata.name': 'kube-system' } } };
  const placed = {
    tolerations: [placement.toleration],
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [placement.nodeSelectorTerm] } } },
  };
  const pod = (namespace: string, spec: Record<string, unknown> = {}) => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace }, spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec },
  });
  const request = (namespace: K8sObject | any, spec: Record<string, unknown>, username = 'alice', operation: 'CREATE' | 'UPDATE' = 'CREATE'): AdmissionRequest => ({
    operation,
    resource: { group: '', version: 'v1', resource: 'pods' },
    namespace: namespace.metadata.name,
    object: pod(namespace.metadata.name, spec),
    oldObject: operation === 'UPDATE' ? pod(namespace.metadata.name, spec) : null,
    namespaceObject: namespace,
    userInfo: { username },
  });
  const argocd = 'system:serviceaccount:argocd:argocd-application-controller';

  test.each([
    ['a tenant pod placed with applyTo', request(ns('team-a'), placed)],
    ['the same, created by the GitOps controller', request(ns('team-a-batch'), placed, argocd)],
    ['a scheduled tenant pod being updated (nodeName is set by then)', request(ns('team-a'), { ...placed, nodeName: 'ip-10-0-1-1' }, 'alice', 'UPDATE')],
    ['a pod of a tenant without dedicated nodes, with no tolerations', request(ns('team-b'), {})],
    ['a pod tolerating an unrelated taint', request(ns('team-b'), { tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }] })],
  ])('admits %s', (_, req) => {
    expect(admit(objects, req)).toMatchObject({ allowed: true, errors: [] });
  });

  test('leaves kube-system DaemonSets alone, even when they tolerate everything', () => {
    expect(admit(objects, request(kubeSystem, { tolerations: [{ operator: 'Exists' }] }, 'system:serviceaccount:kube-system:daemon-set-controller')))
      .toMatchObject({ allowed: true, errors: [], evaluated: [] });
  });

  test.each([
    ['another tenant\'s pod tolerating team-a\'s taint (the seed\'s malicious toleration)', request(ns('team-b'), { tolerations: [placement.toleration] }),
      /may only tolerate the cdk8s-tenancy.io\/tenant taint of their own tenant/],
    ['a pod tolerating every taint', request(ns('team-b'), { tolerations: [{ operator: 'Exists' }] }), /may not tolerate every taint/],
    ['a tenant pod tolerating every tenant taint (Exists on the tenant key)', request(ns('team-a'), { ...placed, tolerations: [{ key: TENANT_LABEL, operator: 'Exists' }] }),
      /their own tenant, with operator Equal/],
    ['a tenant pod without the toleration and affinity', request(ns('team-a'), {}), /must tolerate and require the nodes of tenant team-a: use TenantPlacement.applyTo/],
    ['a tenant pod that chooses its node', request(ns('team-a'), { ...placed, nodeName: 'ip-10-0-9-9' }), /may not choose their node/],
    ['a tenant pod selecting another tenant\'s nodes', request(ns('team-a'), { ...placed, nodeSelector: { [TENANT_LABEL]: 'team-b' } }), /may not select another tenant's nodes/],
    ['a tenant pod with an extra affinity term to other nodes', request(ns('team-a'), {
      ...placed,
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [placement.nodeSelectorTerm, { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } },
    }), /must tolerate and require the nodes of tenant team-a/],
    ['another tenant\'s pod selecting team-a\'s nodes', request(ns('team-b'), { nodeSelector: { [TENANT_LABEL]: 'team-a' } }), /may not select another tenant's nodes/],
    ['a bad pod created by the GitOps controller', request(ns('team-a'), {}, argocd), /must tolerate and require/],
    ['another tenant\'s pod choosing a node (kubelets do not check NoSchedule taints)', request(ns('team-b'), { nodeName: 'ip-10-0-9-9' }), /may not choose their node/],
  ])('rejects %s', (_, req, message) => {
    const result = admit(objects, req);
    expect(result.errors).toEqual([]);
    expect(result.allowed).toBe(false);
    expect(result.denials.map((d) => d.message).join('\n')).toMatch(message);
  });

  test('a pod whose namespace the engine does not pass is refused, not guessed at', () => {
    // Without the namespace the tenant's bare pod would look like no tenant's.
    const result = admit(objects, { ...request(ns('team-a'), {}), namespaceObject: null });
    expect(result.errors).toEqual([]);
    expect(result.denials.map((d) => d.message)).toEqual([expect.stringMatching(/cannot see the pod's namespace/)]);
  });

  test('exempt namespaces are configurable', () => {
    const custom = synthObjects(cluster({ placementExemptNamespaces: ['kube-system', 'monitoring'] }).app);
    expect(find(custom, 'ValidatingAdmissionPolicy', 'cdk8s-tenancy-placement').spec.matchConstraints.namespaceSelector.matchExpressions[0].values).toEqual(['kube-system', 'monitoring']);
  });
});

describe('composition', () => {
  test('a sandboxed tenant on dedicated nodes gets both guards and both labels', () => {
    const app = new App();
    const t = new SoftTenant(new Chart(app, 'c'), 'T', { name: 'team-a' });
    t.addExtension(TenantPlacement.forTenant('team-a'));
    t.addExtension(TenantSandbox.gvisor());
    const objects = synthObjects(app);
    expect(find(objects, 'Namespace', 'team-a').metadata.labels).toMatchObject({ 'cdk8s-tenancy.io/dedicated-nodes': 'true', 'cdk8s-tenancy.io/runtime-class': 'gvisor' });
    expect(objects.filter((o) => o.kind === 'ValidatingAdmissionPolicyBinding').map((o) => o.metadata.name).sort())
      .toEqual(['cdk8s-tenancy-cordon', 'cdk8s-tenancy-deletion-protection', 'cdk8s-tenancy-guardrails', 'cdk8s-tenancy-placement', 'cdk8s-tenancy-sandbox', 'cdk8s-tenancy-services', 'cdk8s-tenancy-storage']);
  });
});

describe('bad input', () => {
  const apply = (placement: TenantPlacement, name = 'team-a') => () => new SoftTenant(new Chart(new App(), 'c'), 'T', { name }).addExtension(placement);
  test.each([
    ['a tenant name that is not a DNS label', apply(TenantPlacement.forTenant('Team_A')), /c\/T: invalid placement tenant 'Team_A': must be a DNS-1123 label/],
    ['another tenant\'s placement', apply(TenantPlacement.forTenant('team-b')), /invalid placement tenant 'team-b': is not this tenant \('team-a'\).*TenantPlacement.forTenant\('team-a'\)/],
    ['PreferNoSchedule', apply(TenantPlacement.forTenant('team-a', { effect: TaintEffect.PREFER_NO_SCHEDULE })), /invalid placement effect 'PreferNoSchedule': only prefers to keep other pods away/],
    ['an effect that is not one of three', apply(TenantPlacement.forTenant('team-a', { effect: 'Never' as TaintEffect })), /invalid placement effect 'Never': must be one of 'NoSchedule', 'PreferNoSchedule', 'NoExecute'/],
  ])('%s', (_, call, message) => {
    expect(call).toThrow(message);
  });

  test('two placements on one tenant', () => {
    const t = new SoftTenant(new Chart(new App(), 'c'), 'T', { name: 'team-a' });
    t.addExtension(TenantPlacement.forTenant('team-a'));
    expect(() => t.addExtension(TenantPlacement.forTenant('team-a'))).toThrow(/invalid extension 'placement': is already applied to tenant 'team-a'/);
  });

  test('an exempt namespace that is not a DNS label', () => {
    expect(() => cluster({ placementExemptNamespaces: ['Kube System'] })).toThrow(/platform: invalid placementExemptNamespaces\[0\] 'Kube System'/);
  });
});

describe('Karpenter NodePool', () => {
  test('nodes labelled and tainted from the same placement, on EKS Auto Mode by default', () => {
    const chart = new Chart(new App(), 'c');
    const placement = TenantPlacement.forTenant('team-a', { effect: TaintEffect.NO_EXECUTE });
    placement.addKarpenterNodePool(chart, 'Nodes');
    const [pool] = chart.toJson();
    expect(pool.apiVersion).toBe('karpenter.sh/v1');
    expect(pool.metadata.name).toBe('tenant-team-a');
    expect(pool.spec.template.metadata.labels).toEqual(placement.nodeLabels);
    const { key, value, effect } = placement.toleration;
    expect(pool.spec.template.spec.taints).toEqual([{ key, value, effect }]);
    expect(pool.spec.template.spec.nodeClassRef).toEqual({ group: 'eks.amazonaws.com', kind: 'NodeClass', name: 'default' });
    expect(pool.spec.limits).toEqual({ cpu: '64', memory: '256Gi' });
    expect(validateAll(chart.toJson())).toBe(1);
  });

  test('a self-managed EC2NodeClass, and bad limits', () => {
    const chart = new Chart(new App(), 'c');
    TenantPlacement.forTenant('team-b').addKarpenterNodePool(chart, 'Nodes', { nodeClass: KarpenterNodeClass.ec2NodeClass('tenants') });
    expect(chart.toJson()[0].spec.template.spec.nodeClassRef).toEqual({ group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'tenants' });
    expect(validateAll(chart.toJson())).toBe(1);
    expect(() => TenantPlacement.forTenant('team-c').addKarpenterNodePool(chart, 'Bad', { limitsCpu: Cpu.units(-4) }))
      .toThrow(/c: invalid limitsCpu '-4': must be a non-negative Kubernetes quantity/);
    expect(() => TenantPlacement.forTenant('team-c').addKarpenterNodePool(chart, 'Bad2', { nodeClass: KarpenterNodeClass.ec2NodeClass('Bad_Name') }))
      .toThrow(/c: invalid nodeClass name 'Bad_Name'/);
  });
});
