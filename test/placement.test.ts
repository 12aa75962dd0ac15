import { App, Chart } from 'cdk8s';
import { Cpu, Deployment, TaintEffect } from 'cdk8s-plus-27';
import { admit, AdmissionRequest } from './helpers/admission';
import { find, K8sObject, synthObjects } from './helpers/manifests';
import { validateAll } from './helpers/schema';
import { awsEffect, kubernetesEffect } from '../src/placement/internal/taint-effect';
import { KarpenterNodeClass, NODE_LABELS_POLICY_NAME, NODE_RESTRICTION_TENANT_LABEL, PlacementNodeLabel, SoftTenant, TenancyPlatform, TENANT_LABEL, TenantPlacement, TenantSandbox } from 'cdk8s-tenancy';

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
    expect(placement.nodeLabels).toEqual({ [TENANT_LABEL]: 'team-a', [NODE_RESTRICTION_TENANT_LABEL]: 'team-a' });
    expect([placement.taintKey, placement.effect, placement.awsTaintEffect]).toEqual([TENANT_LABEL, 'NoSchedule', 'NO_SCHEDULE']);
    expect(placement.toleration).toEqual({ key: TENANT_LABEL, operator: 'Equal', value: 'team-a', effect: 'NoSchedule' });
    expect(placement.nodeSelectorTerm).toEqual({ matchExpressions: [{ key: NODE_RESTRICTION_TENANT_LABEL, operator: 'In', values: ['team-a'] }] });
  });

  test('pods are attracted by a label under node-restriction.kubernetes.io/ unless the placement opts into the kubelet-set one (issue #16)', () => {
    expect(NODE_RESTRICTION_TENANT_LABEL).toBe('node-restriction.kubernetes.io/cdk8s-tenancy-tenant');
    expect([placement.nodeLabel.key, placement.nodeLabel.kubeletSettable]).toEqual([NODE_RESTRICTION_TENANT_LABEL, false]);
    const legacy = TenantPlacement.forTenant('team-a', { nodeLabel: PlacementNodeLabel.kubeletLabel() });
    expect([legacy.nodeLabel.key, legacy.nodeLabel.kubeletSettable]).toEqual([TENANT_LABEL, true]);
    expect(legacy.nodeLabels).toEqual({ [TENANT_LABEL]: 'team-a' });
    expect(legacy.nodeSelectorTerm).toEqual({ matchExpressions: [{ key: TENANT_LABEL, operator: 'In', values: ['team-a'] }] });
    // The taint and toleration do not change: kubelets cannot change their taints after registration.
    expect(legacy.toleration).toEqual(placement.toleration);
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

  test('the tenant\'s namespaces, and only those, are marked as running on dedicated nodes, naming the node-restriction label', () => {
    expect(find(objects, 'Namespace', 'team-a').metadata.labels!['cdk8s-tenancy.io/dedicated-nodes']).toBe('node-restriction');
    expect(find(objects, 'Namespace', 'team-a-batch').metadata.labels!['cdk8s-tenancy.io/dedicated-nodes']).toBe('node-restriction');
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
    ['a tenant pod without the toleration and affinity', request(ns('team-a'), {}),
      /must tolerate and require the nodes of tenant team-a \(node label node-restriction.kubernetes.io\/cdk8s-tenancy-tenant\): use TenantPlacement.applyTo/],
    ['a tenant pod attracted by the kubelet-set tenant label, which a shared node can set on itself (issue #16)', request(ns('team-a'), {
      ...placed,
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: TENANT_LABEL, operator: 'In', values: ['team-a'] }] }] } } },
    }), /must tolerate and require the nodes of tenant team-a \(node label node-restriction.kubernetes.io\/cdk8s-tenancy-tenant\)/],
    ['another tenant\'s pod selecting team-a\'s nodes by the node-restriction label', request(ns('team-b'), { nodeSelector: { [NODE_RESTRICTION_TENANT_LABEL]: 'team-a' } }),
      /may not select another tenant's nodes/],
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
    expect(find(objects, 'Namespace', 'team-a').metadata.labels).toMatchObject({ 'cdk8s-tenancy.io/dedicated-nodes': 'node-restriction', 'cdk8s-tenancy.io/runtime-class': 'gvisor' });
    expect(objects.filter((o) => o.kind === 'ValidatingAdmissionPolicyBinding').map((o) => o.metadata.name).sort())
      .toEqual(['cdk8s-tenancy-cordon', 'cdk8s-tenancy-deletion-protection', 'cdk8s-tenancy-gateways', 'cdk8s-tenancy-guardrails', 'cdk8s-tenancy-ingress', 'cdk8s-tenancy-placement', 'cdk8s-tenancy-routes', 'cdk8s-tenancy-sandbox', 'cdk8s-tenancy-services', 'cdk8s-tenancy-storage']);
  });
});

describe('bad input', () => {
  const apply = (placement: TenantPlacement, name = 'team-a') => () => new SoftTenant(new Chart(new App(), 'c'), 'T', { name }).addExtension(placement);
  test.each([
    ['a tenant name that is not a DNS label', apply(TenantPlacement.forTenant('Team_A')), /c\/T: invalid placement tenant 'Team_A': must be a DNS-1123 label/],
    ['another tenant\'s placement', apply(TenantPlacement.forTenant('team-b')), /invalid placement tenant 'team-b': is not this tenant \('team-a'\).*TenantPlacement.forTenant\('team-a'\)/],
    ['PreferNoSchedule', apply(TenantPlacement.forTenant('team-a', { effect: TaintEffect.PREFER_NO_SCHEDULE })), /invalid placement effect 'PreferNoSchedule': only prefers to keep other pods away/],
    ['an effect that is not one of three', apply(TenantPlacement.forTenant('team-a', { effect: 'Never' as TaintEffect })), /invalid placement effect 'Never': must be one of 'NoSchedule', 'PreferNoSchedule', 'NoExecute'/],
    ['a node label of the caller\'s own (not a PlacementNodeLabel)', apply(TenantPlacement.forTenant('team-a', { nodeLabel: { key: 'example.com/tenant' } as unknown as PlacementNodeLabel })),
      /c\/T: invalid placement nodeLabel 'example.com\/tenant': must be PlacementNodeLabel.nodeRestriction\(\) \('node-restriction.kubernetes.io\/cdk8s-tenancy-tenant'\) or PlacementNodeLabel.kubeletLabel\(\) \('cdk8s-tenancy.io\/tenant'\)/],
    ['an object without a key (from another language)', apply(TenantPlacement.forTenant('team-a', { nodeLabel: {} as unknown as PlacementNodeLabel })),
      /c\/T: invalid placement nodeLabel '\[object Object\]': must be PlacementNodeLabel.nodeRestriction\(\)/],
  ])('%s', (_, call, message) => {
    expect(call).toThrow(message);
  });

  test('a null node label is a left-out one (jsii passes null for it): the default', () => {
    expect(TenantPlacement.forTenant('team-a', { nodeLabel: null as unknown as PlacementNodeLabel }).nodeLabel.key).toBe(NODE_RESTRICTION_TENANT_LABEL);
  });

  test('a bad node label emits nothing: no namespace, no guard', () => {
    const app = new App();
    new TenancyPlatform(app, 'platform');
    const t = new SoftTenant(new Chart(app, 'c'), 'T', { name: 'team-a' });
    expect(() => t.addExtension(TenantPlacement.forTenant('team-a', { nodeLabel: { key: 'example.com/tenant' } as unknown as PlacementNodeLabel }))).toThrow(/invalid placement nodeLabel/);
    const objects = synthObjects(app);
    expect(objects.filter((o) => o.metadata?.name === 'cdk8s-tenancy-placement' || o.metadata?.name === NODE_LABELS_POLICY_NAME)).toEqual([]);
    expect(find(objects, 'Namespace', 'team-a').metadata.labels!['cdk8s-tenancy.io/dedicated-nodes']).toBeUndefined();
  });

  test('a Karpenter NodePool refuses a bad node label too', () => {
    const chart = new Chart(new App(), 'c');
    expect(() => TenantPlacement.forTenant('team-a', { nodeLabel: { key: 'example.com/tenant' } as unknown as PlacementNodeLabel }).addKarpenterNodePool(chart, 'Nodes'))
      .toThrow(/c: invalid placement nodeLabel 'example.com\/tenant'/);
    expect(chart.toJson()).toEqual([]);
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
    // The label that attracts the pods, set by Karpenter's controller (not the kubelet, which NodeRestriction holds off it).
    expect(pool.spec.template.metadata.labels[NODE_RESTRICTION_TENANT_LABEL]).toBe('team-a');
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

describe('the node label guard, evaluated (issue #16)', () => {
  // A tenant on a node group: attracted by the kubelet-set tenant label.
  const app = new App();
  new TenancyPlatform(app, 'platform');
  new SoftTenant(new Chart(app, 'team-a'), 'TeamA', { name: 'team-a' })
    .addExtension(TenantPlacement.forTenant('team-a', { nodeLabel: PlacementNodeLabel.kubeletLabel() }));
  const objects = synthObjects(app);
  const node = (labels: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'ip-10-0-1-1', labels: { 'kubernetes.io/hostname': 'ip-10-0-1-1', ...labels } } });
  const kubelet = { username: 'system:node:ip-10-0-1-1', groups: ['system:nodes', 'system:authenticated'] };
  const karpenter = { username: 'system:serviceaccount:kube-system:karpenter', groups: ['system:serviceaccounts', 'system:authenticated'] };
  type User = { username: string; groups: string[] };
  const update = (before: Record<string, string>, after: Record<string, string>, userInfo: User, subResource?: string): AdmissionRequest => ({
    operation: 'UPDATE', resource: { group: '', version: 'v1', resource: 'nodes' }, subResource, object: node(after), oldObject: node(before), namespaceObject: null, userInfo,
  });

  test('is emitted only for the kubelet-set label, and the namespace says which label attracts', () => {
    expect(find(objects, 'ValidatingAdmissionPolicy', NODE_LABELS_POLICY_NAME).spec.failurePolicy).toBe('Fail');
    expect(find(objects, 'Namespace', 'team-a').metadata.labels!['cdk8s-tenancy.io/dedicated-nodes']).toBe('true');
    expect(synthObjects(cluster().app).filter((o) => o.metadata?.name === NODE_LABELS_POLICY_NAME)).toEqual([]);
  });

  test.each([
    ['a shared node\'s kubelet labelling itself as team-a\'s', update({}, { [TENANT_LABEL]: 'team-a' }, kubelet)],
    ['the same through the status subresource (which keeps metadata)', update({}, { [TENANT_LABEL]: 'team-a' }, kubelet, 'status')],
    ['a tenant node\'s kubelet moving to another tenant', update({ [TENANT_LABEL]: 'team-b' }, { [TENANT_LABEL]: 'team-a' }, kubelet)],
    ['a tenant node\'s kubelet dropping the label', update({ [TENANT_LABEL]: 'team-a' }, {}, kubelet)],
  ])('refuses %s', (_, req) => {
    const result = admit(objects, req);
    expect(result.errors).toEqual([]);
    expect(result.denials).toEqual([{ policy: NODE_LABELS_POLICY_NAME, message: `node ip-10-0-1-1 may not add, change or remove its own ${TENANT_LABEL} label: that label attracts a tenant's pods` }]);
  });

  test.each([
    ['a kubelet heartbeat that keeps the label', update({ [TENANT_LABEL]: 'team-a' }, { [TENANT_LABEL]: 'team-a' }, kubelet, 'status')],
    ['a kubelet changing a label of its own', update({ [TENANT_LABEL]: 'team-a' }, { [TENANT_LABEL]: 'team-a', 'example.com/disk': 'ssd' }, kubelet)],
    ['Karpenter (or an administrator) labelling a node', update({}, { [TENANT_LABEL]: 'team-a' }, karpenter)],
  ])('admits %s', (_, req) => {
    expect(admit(objects, req)).toMatchObject({ allowed: true, errors: [] });
  });
});
