import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-27';
import { HNC_SERVICE_ACCOUNT, HNC_V1_1_0_RBAC } from './fixtures/hnc-v1.1.0-rbac';
import { admit, AdmissionRequest, AuthorizerCheck } from './helpers/admission';
import { find, K8sObject, ofKind, synthObjects } from './helpers/manifests';
import { can } from './helpers/rbac';
import { validateAll } from './helpers/schema';
import {
  PodSecurityLevel, RUNTIME_CLASS_LABEL, SoftTenant, TenancyPlatform, TenantMember, TenantSandbox, TenantSelfService, TENANT_LABEL,
} from 'cdk8s-tenancy';

const isHnc = (o: K8sObject) => o.apiVersion === 'hnc.x-k8s.io/v1alpha2';

const HNC = { username: 'system:serviceaccount:hnc-system:default', groups: ['system:serviceaccounts', 'system:serviceaccounts:hnc-system'] };
const argocd = { username: 'system:serviceaccount:argocd:argocd-application-controller', groups: ['system:serviceaccounts'] };
const tenantAdmin = { username: 'alice', groups: ['team-a-admins', 'system:authenticated'] };
/** HNC's shipped rights (v1.1.0's hnc-manager-role, `*` on everything), as RBAC evaluates them. */
const hncRbac: AuthorizerCheck = (c) =>
  can(HNC_V1_1_0_RBAC, HNC_SERVICE_ACCOUNT, c.verb, c.group, c.subresource ? `${c.resource}/${c.subresource}` : c.resource, c.namespace);
/** The GitOps controller applies the platform chart, so RBAC lets it update the guard itself. */
const platformRbac: AuthorizerCheck = (c) => c.group === 'admissionregistration.k8s.io' && c.resource === 'validatingadmissionpolicies' && c.verb === 'update';

function build(configure?: (a: SoftTenant) => void) {
  const app = new App();
  const a = new SoftTenant(new Chart(app, 'team-a'), 'TeamA', {
    name: 'team-a', namespaces: ['team-a', 'team-a-ci'], admins: [TenantMember.group('team-a-admins')],
  });
  new SoftTenant(new Chart(app, 'team-b'), 'TeamB', { name: 'team-b', podSecurity: PodSecurityLevel.baseline('legacy images run as root') });
  const quota = { requestsCpu: Cpu.units(10), limitsCpu: Cpu.units(20) };
  const defaults = (t: SoftTenant) => t.addExtension(TenantSelfService.hnc({ quota, maxNamespaces: 5 }));
  (configure ?? defaults)(a);
  return synthObjects(app);
}

describe('TenantSelfService.hnc()', () => {
  const objects = build();
  const labels = { 'cdk8s-tenancy.io/tenant': 'team-a', 'cdk8s-tenancy.io/managed-by': 'cdk8s-tenancy' };

  test('every object is valid against its schema, HNC\'s against the upstream v1.1.0 CRDs', () => {
    expect(validateAll(objects)).toBe(objects.length);
    // Per parent a HierarchyConfiguration and a HierarchicalResourceQuota; one HNCConfiguration.
    expect(objects.filter(isHnc).map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort()).toEqual([
      'HNCConfiguration /config',
      'HierarchicalResourceQuota team-a-ci/tenant-tree-quota',
      'HierarchicalResourceQuota team-a/tenant-tree-quota',
      'HierarchyConfiguration team-a-ci/hierarchy',
      'HierarchyConfiguration team-a/hierarchy',
    ]);
  });

  test('the upstream HNC CRDs really check: a misspelt field is refused', () => {
    const hrq = find(objects, 'HierarchicalResourceQuota', 'tenant-tree-quota', 'team-a');
    expect(() => validateAll([{ ...hrq, spec: { hardd: hrq.spec.hard } }])).toThrow(/HierarchicalResourceQuota team-a\/tenant-tree-quota does not match its upstream CRD: .*hardd/);
  });

  test('the hierarchy of each parent propagates the tenant and Pod Security labels, not the managed-by label', () => {
    expect(find(objects, 'HierarchyConfiguration', 'hierarchy', 'team-a')).toEqual({
      apiVersion: 'hnc.x-k8s.io/v1alpha2',
      kind: 'HierarchyConfiguration',
      metadata: { name: 'hierarchy', namespace: 'team-a', labels },
      spec: {
        // HNC's managed labels are a list of {key, value}.
        labels: Object.entries({
          'cdk8s-tenancy.io/tenant': 'team-a',
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/audit-version': 'latest',
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'v1.32',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/warn-version': 'latest',
        }).map(([key, value]) => ({ key, value })),
      },
    });
  });

  test('a tree-wide quota with the tenant\'s values and the namespace count', () => {
    const hrq = find(objects, 'HierarchicalResourceQuota', 'tenant-tree-quota', 'team-a');
    expect(hrq.metadata.labels).toEqual(labels);
    expect(hrq.spec.hard).toMatchObject({
      'requests.cpu': '10', 'limits.cpu': '20', 'services.nodeports': '0', 'services.loadbalancers': '0', 'count/subnamespaceanchors.hnc.x-k8s.io': '5',
    });
    expect(Object.keys(hrq.spec)).toEqual(['hard']);
  });

  test('the platform propagates NetworkPolicies and LimitRanges (Roles and RoleBindings HNC always propagates)', () => {
    expect(ofKind(objects, 'HNCConfiguration')).toEqual([{
      apiVersion: 'hnc.x-k8s.io/v1alpha2',
      kind: 'HNCConfiguration',
      metadata: { name: 'config', labels: { 'cdk8s-tenancy.io/managed-by': 'cdk8s-tenancy' } },
      spec: {
        resources: [
          { group: 'networking.k8s.io', resource: 'networkpolicies', mode: 'Propagate' },
          { group: '', resource: 'limitranges', mode: 'Propagate' },
        ],
      },
    }]);
  });

  test('admins may create and delete anchors in the parents, and only read the hierarchy and quota', () => {
    expect(find(objects, 'Role', 'tenant-self-service', 'team-a').rules).toEqual([
      { apiGroups: ['hnc.x-k8s.io'], resources: ['subnamespaceanchors'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
      { apiGroups: ['hnc.x-k8s.io'], resources: ['hierarchyconfigurations', 'hierarchicalresourcequotas'], verbs: ['get', 'list', 'watch'] },
    ]);
    expect(find(objects, 'RoleBinding', 'tenant-self-service', 'team-a-ci').subjects).toEqual([{ kind: 'Group', name: 'team-a-admins', apiGroup: 'rbac.authorization.k8s.io' }]);
    expect(ofKind(objects, 'RoleBinding', 'team-b').map((b) => b.metadata.name)).not.toContain('tenant-self-service');
  });

  test.each(['cdk8s-tenancy-self-service', 'cdk8s-tenancy-self-service-pods'])('the guard %s is a v1 policy with its binding, failing closed, added once', (name) => {
    expect(ofKind(objects, 'ValidatingAdmissionPolicy').filter((p) => p.metadata.name === name)).toHaveLength(1);
    expect(find(objects, 'ValidatingAdmissionPolicy', name).spec.failurePolicy).toBe('Fail');
    expect(find(objects, 'ValidatingAdmissionPolicyBinding', name).spec).toEqual({ policyName: name, validationActions: ['Deny'] });
  });

  test('only the listed parents get self-service', () => {
    const only = build((t) => t.addExtension(TenantSelfService.hnc({ parents: ['team-a-ci'] })));
    expect(ofKind(only, 'HierarchyConfiguration').map((o) => o.metadata.namespace)).toEqual(['team-a-ci']);
  });

  test('the labels of an extension applied later (a sandbox) are inherited too', () => {
    const sandboxed = build((t) => {
      t.addExtension(TenantSelfService.hnc());
      t.addExtension(TenantSandbox.gvisor());
    });
    expect(find(sandboxed, 'HierarchyConfiguration', 'hierarchy', 'team-a').spec.labels).toContainEqual({ key: RUNTIME_CLASS_LABEL, value: 'gvisor' });
  });
});

describe('the self-service guard, evaluated', () => {
  const objects = build((t) => {
    t.addExtension(TenantSelfService.hnc());
    t.addExtension(TenantSandbox.gvisor());
  });
  const teamA = find(objects, 'Namespace', 'team-a');
  const teamB = find(objects, 'Namespace', 'team-b');
  const inherited: Record<string, string> = Object.fromEntries(
    find(objects, 'HierarchyConfiguration', 'hierarchy', 'team-a').spec.labels.map((kv: any) => [kv.key, kv.value]));
  const tree = (...ancestors: [string, number][]) => Object.fromEntries(ancestors.map(([ns, depth]) => [`${ns}.tree.hnc.x-k8s.io/depth`, String(depth)]));
  const ns = (name: string, labels: Record<string, string>, parent?: string) => ({
    apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels, ...(parent ? { annotations: { 'hnc.x-k8s.io/subnamespace-of': parent } } : {}) },
  });
  const bare = ns('feature', {}, 'team-a');
  const labelled = ns('feature', { ...tree(['team-a', 1], ['feature', 0]), ...inherited }, 'team-a');
  // HNC always holds its shipped rights.
  const nsRequest = (operation: AdmissionRequest['operation'], oldObject: any, object: any, userInfo = HNC,
    authorizer: AuthorizerCheck | undefined = userInfo === HNC ? hncRbac : undefined): AdmissionRequest => ({
    operation, oldObject, object, userInfo, authorizer, resource: { group: '', version: 'v1', resource: 'namespaces' }, namespaceObject: null,
  });
  const copyOf = (o: K8sObject, into: string) => ({ ...o, metadata: { ...o.metadata, namespace: into, labels: { ...o.metadata.labels, 'hnc.x-k8s.io/inherited-from': o.metadata.namespace! } } });
  const denyAll = find(objects, 'NetworkPolicy', 'default-deny', 'team-a');
  const objRequest = (operation: AdmissionRequest['operation'], oldObject: any, object: any, userInfo: AdmissionRequest['userInfo'], group: string, resource: string): AdmissionRequest => ({
    operation, oldObject, object, userInfo, authorizer: userInfo === HNC ? hncRbac : undefined, resource: { group, version: 'v1', resource }, namespace: (object ?? oldObject).metadata.namespace, namespaceObject: labelled,
  });

  const SELF_SERVICE = 'cdk8s-tenancy-self-service';
  const TREES = 'cdk8s-tenancy-self-service-trees';
  const GUARDRAILS = 'cdk8s-tenancy-guardrails';

  test.each([
    ['HNC creates a namespace under a parent, bare (it labels it next)', nsRequest('CREATE', null, bare)],
    ['HNC creates it already carrying exactly the parent\'s labels', nsRequest('CREATE', null, ns('feature', inherited, 'team-a'))],
    ['HNC sets the tree labels and the parent\'s labels in one update', nsRequest('UPDATE', bare, labelled)],
    ['HNC creates a namespace two levels down, bare', nsRequest('CREATE', null, ns('deep', {}, 'feature'))],
    ['HNC labels the namespace two levels down with the root\'s labels', nsRequest('UPDATE', ns('deep', {}, 'feature'),
      ns('deep', { ...tree(['team-a', 2], ['feature', 1], ['deep', 0]), ...inherited }, 'feature'))],
    ['HNC adds its tree label to the parent itself, labels unchanged', nsRequest('UPDATE', teamA, { ...teamA, metadata: { ...teamA.metadata, labels: { ...teamA.metadata.labels, ...tree(['team-a', 0]) } } })],
    ['HNC deletes a namespace it created, its anchor gone', nsRequest('DELETE', labelled, null)],
    ['the platform\'s GitOps controller relabels a namespace however it likes', nsRequest('UPDATE', labelled,
      ns('feature', { ...labelled.metadata.labels, 'pod-security.kubernetes.io/enforce': 'privileged' }, 'team-a'), argocd, platformRbac)],
    ['the platform\'s GitOps controller applies the tenant namespace', nsRequest('UPDATE', teamA, teamA, argocd, platformRbac)],
  ])('allows: %s', (_, req) => {
    const result = admit(objects, req);
    expect(result.errors).toEqual([]);
    expect(result.denials).toEqual([]);
  });

  test('the guard evaluates HNC\'s namespace writes (and the guardrails leave them to it)', () => {
    expect(admit(objects, nsRequest('UPDATE', bare, labelled)).evaluated).toEqual([SELF_SERVICE, TREES]);
  });

  const without = (key: string) => Object.fromEntries(Object.entries(labelled.metadata.labels).filter(([k]) => k !== key));
  test.each([
    ['tree labels without the tenant label', nsRequest('UPDATE', bare, ns('feature', without(TENANT_LABEL), 'team-a')), /descends from the self-service namespace team-a/, [SELF_SERVICE]],
    ['tree labels without any of the parent\'s labels', nsRequest('UPDATE', bare, ns('feature', tree(['team-a', 1], ['feature', 0]), 'team-a')), /descends from the self-service namespace team-a/, [SELF_SERVICE]],
    ['another tenant\'s label', nsRequest('UPDATE', bare, ns('feature', { ...labelled.metadata.labels, [TENANT_LABEL]: 'team-b' }, 'team-a')), /descends from the self-service namespace team-a/, [SELF_SERVICE, TREES]],
    ['a lower Pod Security level', nsRequest('UPDATE', bare, ns('feature', { ...labelled.metadata.labels, 'pod-security.kubernetes.io/enforce': 'privileged' }, 'team-a')), /same Pod Security/, [SELF_SERVICE]],
    ['no sandbox label (pods would escape the sandbox guard)', nsRequest('UPDATE', bare, ns('feature', without(RUNTIME_CLASS_LABEL), 'team-a')), /descends from/, [SELF_SERVICE]],
    ['the platform\'s managed-by label', nsRequest('UPDATE', bare, ns('feature', { ...labelled.metadata.labels, 'cdk8s-tenancy.io/managed-by': 'cdk8s-tenancy' }, 'team-a')), /descends from/, [SELF_SERVICE]],
    ['created under a parent with another tenant\'s label (e.g. from anchor labels)', nsRequest('CREATE', null, ns('feature', { [TENANT_LABEL]: 'team-b' }, 'team-a')), /is created under the self-service namespace team-a/, [SELF_SERVICE, TREES]],
    ['created under a parent with privileged Pod Security', nsRequest('CREATE', null, ns('feature', { 'pod-security.kubernetes.io/enforce': 'privileged' }, 'team-a')), /is created under the self-service namespace team-a/, [SELF_SERVICE]],
    ['created two levels down already claiming a tenant', nsRequest('CREATE', null, ns('deep', { [TENANT_LABEL]: 'team-b' }, 'feature')), /outside a self-service tenant's tree/, [SELF_SERVICE, TREES]],
    ['a namespace outside any self-service tree relabelled', nsRequest('UPDATE', teamB, { ...teamB, metadata: { ...teamB.metadata, labels: { ...teamB.metadata.labels, [TENANT_LABEL]: 'team-a' } } }), /outside a self-service tenant's tree/, [SELF_SERVICE]],
    ['a namespace under another tree relabelled into a tenant', nsRequest('UPDATE', ns('x', tree(['other', 1])), ns('x', { ...tree(['other', 1]), [TENANT_LABEL]: 'team-a' })), /outside a self-service tenant's tree/, [SELF_SERVICE]],
    ['a tenant namespace deleted', nsRequest('DELETE', teamA, null), /only the platform may delete it/, [SELF_SERVICE]],
  ])('denies HNC: %s', (_, req, message, policies) => {
    const result = admit(objects, req);
    expect(result.errors).toEqual([]);
    expect(result.denials.map((d) => d.policy)).toEqual(policies);
    expect(result.denials[0]).toEqual({ policy: SELF_SERVICE, message: expect.stringMatching(message) });
  });

  test('a tenant admin may not create or relabel namespaces itself: both guards refuse', () => {
    const result = admit(objects, nsRequest('CREATE', null, ns('feature', inherited, 'team-a'), tenantAdmin));
    expect(result.errors).toEqual([]);
    expect(result.denials.map((d) => d.policy)).toEqual([GUARDRAILS]);
    const relabel = admit(objects, nsRequest('UPDATE', labelled, ns('feature', { ...labelled.metadata.labels, [TENANT_LABEL]: 'team-b' }, 'team-a'), tenantAdmin));
    expect(relabel.denials.map((d) => d.policy).sort()).toEqual([GUARDRAILS, SELF_SERVICE, TREES]);
  });

  describe('no pods in a namespace HNC created until it is labelled', () => {
    const replicaSetController = { username: 'system:serviceaccount:kube-system:replicaset-controller' };
    const pod = (namespace: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace }, spec: { containers: [{ name: 'web', image: 'nginx' }] } });
    const podRequest = (namespaceObject: any, userInfo: AdmissionRequest['userInfo']): AdmissionRequest => ({
      operation: 'CREATE',
      object: pod(namespaceObject.metadata.name),
      oldObject: null,
      namespaceObject,
      userInfo,
      namespace: namespaceObject.metadata.name,
      resource: { group: '', version: 'v1', resource: 'pods' },
    });

    test.each([['a tenant admin', tenantAdmin], ['the ReplicaSet controller', replicaSetController], ['the platform', argocd]])('refused while bare, whoever creates it: %s', (_, user) => {
      const result = admit(objects, { ...podRequest(bare, user), authorizer: platformRbac });
      expect(result.errors).toEqual([]);
      expect(result.denials).toEqual([{
        policy: 'cdk8s-tenancy-self-service-pods',
        message: 'namespace feature was created by HNC and has no cdk8s-tenancy.io/tenant and Pod Security labels yet: no pods until HNC sets them',
      }]);
    });

    test('admitted once labelled (the sandbox guard then holds it to the RuntimeClass); static namespaces are not concerned', () => {
      const sandboxed = { ...pod('feature'), spec: { ...pod('feature').spec, runtimeClassName: 'gvisor' } };
      expect(admit(objects, { ...podRequest(labelled, replicaSetController), object: sandboxed }).denials).toEqual([]);
      expect(admit(objects, podRequest(labelled, replicaSetController)).denials.map((d) => d.policy)).toEqual(['cdk8s-tenancy-sandbox']);
      expect(admit(objects, podRequest(teamB, tenantAdmin))).toMatchObject({ allowed: true, errors: [], denials: [] });
    });
  });

  test('HNC may write propagated copies of managed objects and its own objects\' status', () => {
    const copy = copyOf(denyAll, 'team-a-feature');
    for (const req of [
      objRequest('CREATE', null, copy, HNC, 'networking.k8s.io', 'networkpolicies'),
      objRequest('DELETE', copy, null, HNC, 'networking.k8s.io', 'networkpolicies'),
      objRequest('UPDATE', find(objects, 'HierarchyConfiguration', 'hierarchy', 'team-a'), find(objects, 'HierarchyConfiguration', 'hierarchy', 'team-a'), HNC, 'hnc.x-k8s.io', 'hierarchyconfigurations'),
    ]) {
      expect(admit(objects, req).denials).toEqual([]);
    }
  });

  test('HNC may not forge a managed object that is not a copy, and tenants may not touch copies', () => {
    const forged = { ...denyAll, metadata: { ...denyAll.metadata, name: 'allow-all', namespace: 'feature' }, spec: { podSelector: {}, ingress: [{}] } };
    expect(admit(objects, objRequest('CREATE', null, forged, HNC, 'networking.k8s.io', 'networkpolicies')).denials.map((d) => d.policy)).toEqual([GUARDRAILS]);
    const copy = copyOf(denyAll, 'team-a-feature');
    expect(admit(objects, objRequest('DELETE', copy, null, tenantAdmin, 'networking.k8s.io', 'networkpolicies')).denials.map((d) => d.policy)).toEqual([GUARDRAILS]);
  });

  test('a copy\'s label lets HNC through only below a self-service parent: not into another tenant\'s namespace, nor the parent itself', () => {
    // Found on the real API server (test/cluster/hnc.cluster.test.ts): HNC
    // took over another tenant's tenant-admins RoleBinding by labelling it
    // a copy. Here: team-b's default-deny, made to allow everything.
    const theirs = find(objects, 'NetworkPolicy', 'default-deny', 'team-b');
    const takeOver = (o: K8sObject, from: string) => {
      const c = copyOf(o, o.metadata.namespace!);
      return { ...c, metadata: { ...c.metadata, labels: { ...c.metadata.labels, 'hnc.x-k8s.io/inherited-from': from } }, spec: { podSelector: {}, ingress: [{}] } };
    };
    // The policies that refuse, each once (the guardrails refuse by two rules: managed before, managed after).
    const policies = (r: { denials: { policy: string }[] }) => [...new Set(r.denials.map((d) => d.policy))];
    const into = (namespaceObject: any, oldObject: any, object: any): AdmissionRequest => ({
      ...objRequest(oldObject ? 'UPDATE' : 'CREATE', oldObject, object, HNC, 'networking.k8s.io', 'networkpolicies'), namespaceObject,
    });
    expect(policies(admit(objects, into(teamB, theirs, takeOver(theirs, 'team-a'))))).toEqual([GUARDRAILS]);
    // Wherever the namespace says it is (match conditions see no namespaceObject on the server).
    const otherTree = { ...teamB, metadata: { ...teamB.metadata, labels: { ...teamB.metadata.labels, ...tree(['elsewhere', 1]) } } };
    expect(policies(admit(objects, into(otherTree, theirs, takeOver(theirs, 'elsewhere'))))).toEqual([GUARDRAILS]);
    // The parent itself (team-a-ci too, a parent under team-a's prefix): HNC copies into descendants only.
    const ci = find(objects, 'NetworkPolicy', 'default-deny', 'team-a-ci');
    expect(policies(admit(objects, into(find(objects, 'Namespace', 'team-a-ci'), ci, takeOver(ci, 'team-a'))))).toEqual([GUARDRAILS]);
    const rootLabelled = { ...teamA, metadata: { ...teamA.metadata, labels: { ...teamA.metadata.labels, ...tree(['team-a', 0]) } } };
    expect(policies(admit(objects, into(rootLabelled, denyAll, takeOver(denyAll, 'team-b'))))).toEqual([GUARDRAILS]);
    // Below the parent, HNC's copy is HNC's to write.
    expect(admit(objects, into(labelled, null, copyOf(denyAll, 'team-a-feature'))).denials).toEqual([]);
  });

  test('without self-service, HNC is held to the guardrails like anyone', () => {
    const app = new App();
    new SoftTenant(new Chart(app, 'team-a'), 'TeamA', { name: 'team-a' });
    const plain = synthObjects(app);
    expect(find(plain, 'ValidatingAdmissionPolicy', 'cdk8s-tenancy-guardrails').spec.matchConditions.map((c: any) => c.name)).toEqual(['touches-tenancy-guardrails', 'not-the-platform']);
    expect(admit(plain, objRequest('CREATE', null, copyOf(denyAll, 'feature'), HNC, 'networking.k8s.io', 'networkpolicies')).allowed).toBe(false);
  });

  test('HNC running as another service account', () => {
    const app = new App();
    new TenancyPlatform(app, 'platform', { hncUsername: 'system:serviceaccount:hnc:hnc-controller' });
    new SoftTenant(new Chart(app, 'team-a'), 'TeamA', { name: 'team-a', admins: [TenantMember.group('a')] }).addExtension(TenantSelfService.hnc());
    const custom = synthObjects(app);
    const other = { username: 'system:serviceaccount:hnc:hnc-controller', groups: [] };
    const plain = ns('feature', {
      ...tree(['team-a', 1], ['feature', 0]),
      ...Object.fromEntries(
        find(custom, 'HierarchyConfiguration', 'hierarchy', 'team-a').spec.labels.map((kv: any) => [kv.key, kv.value])),
    }, 'team-a');
    expect(admit(custom, nsRequest('UPDATE', bare, plain, other)).denials).toEqual([]);
    // The default user, here not HNC, with no rights.
    expect(admit(custom, nsRequest('UPDATE', bare, plain, HNC, () => false)).denials.map((d) => d.policy)).toEqual([GUARDRAILS]);
  });
});

describe('HNC holds its shipped rights and is held like anyone (gap: HNC counted as the platform)', () => {
  const objects = build();
  const teamB = find(objects, 'Namespace', 'team-b');
  const nsReq = (operation: AdmissionRequest['operation'], oldObject: any, object: any, userInfo = HNC,
    authorizer: AuthorizerCheck = userInfo === HNC ? hncRbac : platformRbac): AdmissionRequest => ({
    operation, oldObject, object, userInfo, authorizer, resource: { group: '', version: 'v1', resource: 'namespaces' }, namespaceObject: null,
  });
  const relabel = (o: K8sObject, labels: Record<string, string>) => ({ ...o, metadata: { ...o.metadata, labels } });
  const strip = (o: K8sObject, prefix: string) =>
    relabel(o, Object.fromEntries(Object.entries(o.metadata.labels ?? {}).filter(([k]) => !k.startsWith(prefix))));

  test('by RBAC alone HNC may update the guardrails policy: the authorizer check would count it as the platform', () => {
    const updateGuardrails = { group: 'admissionregistration.k8s.io', resource: 'validatingadmissionpolicies', name: 'cdk8s-tenancy-guardrails', verb: 'update' };
    expect(hncRbac(updateGuardrails)).toBe(true);
    // Proof the model's RBAC is what lets it through when HNC is another user:
    const app = new App();
    new TenancyPlatform(app, 'platform', { hncUsername: 'system:serviceaccount:hnc:other' });
    new SoftTenant(new Chart(app, 'team-b'), 'TeamB', { name: 'team-b' });
    const other = synthObjects(app);
    const b = find(other, 'Namespace', 'team-b');
    expect(admit(other, nsReq('UPDATE', b, strip(b, 'pod-security'))).allowed).toBe(true);
  });

  test('every guard that exempts the platform holds HNC, and still exempts the GitOps controller', () => {
    const guards = ofKind(objects, 'ValidatingAdmissionPolicy').filter((p) => (p.spec.matchConditions ?? []).some((c: any) => c.name === 'not-the-platform'));
    expect(guards.map((p) => p.metadata.name)).toEqual(['cdk8s-tenancy-guardrails', 'cdk8s-tenancy-services', 'cdk8s-tenancy-ingress', 'cdk8s-tenancy-gateways', 'cdk8s-tenancy-routes', 'cdk8s-tenancy-self-service', 'cdk8s-tenancy-self-service-anchors']);
    for (const p of guards) {
      const condition = p.spec.matchConditions.find((c: any) => c.name === 'not-the-platform');
      const only = [{ ...p, spec: { ...p.spec, matchConditions: [condition], variables: undefined, validations: [{ expression: 'false', message: 'held' }] } },
        ...ofKind(objects, 'ValidatingAdmissionPolicyBinding').filter((x) => x.spec.policyName === p.metadata.name)];
      const req = (userInfo: any, authorizer: AuthorizerCheck) => ({
        ...nsReq('UPDATE', teamB, teamB, userInfo, authorizer),
        resource: { group: p.spec.matchConstraints.resourceRules[0].apiGroups[0] === '*' ? '' : p.spec.matchConstraints.resourceRules[0].apiGroups[0], version: 'v1', resource: p.spec.matchConstraints.resourceRules[0].resources[0] === '*' ? 'namespaces' : p.spec.matchConstraints.resourceRules[0].resources[0] },
        operation: 'CREATE' as const,
        namespace: 'team-a',
      });
      expect([p.metadata.name, admit(only, req(HNC, hncRbac)).denials.map((d) => d.message)]).toEqual([p.metadata.name, ['held']]);
      expect([p.metadata.name, admit(only, req(argocd, platformRbac)).denials]).toEqual([p.metadata.name, []]);
    }
  });

  // Replayable as real requests: [what, request, denying policies or [] to allow].
  const cases: [string, AdmissionRequest, string[]][] = [
    ['HNC strips the tenant label of a namespace outside any tree', nsReq('UPDATE', teamB, strip(teamB, 'cdk8s-tenancy.io/tenant')), ['cdk8s-tenancy-self-service']],
    ['HNC strips the Pod Security labels of a namespace outside any tree', nsReq('UPDATE', teamB, strip(teamB, 'pod-security')), ['cdk8s-tenancy-self-service']],
    ['HNC strips the managed-by label of a namespace outside any tree', nsReq('UPDATE', teamB, strip(teamB, 'cdk8s-tenancy.io/managed-by')), ['cdk8s-tenancy-self-service']],
    ['HNC strips the managed-by label of a parent', nsReq('UPDATE', find(objects, 'Namespace', 'team-a'), strip(find(objects, 'Namespace', 'team-a'), 'cdk8s-tenancy.io/managed-by')), ['cdk8s-tenancy-self-service']],
    ['HNC deletes a tenant namespace', nsReq('DELETE', teamB, null), ['cdk8s-tenancy-self-service']],
    ['HNC changes the guardrails policy', {
      operation: 'UPDATE',
      object: find(objects, 'ValidatingAdmissionPolicy', 'cdk8s-tenancy-guardrails'),
      oldObject: find(objects, 'ValidatingAdmissionPolicy', 'cdk8s-tenancy-guardrails'),
      userInfo: HNC,
      authorizer: hncRbac,
      resource: { group: 'admissionregistration.k8s.io', version: 'v1', resource: 'validatingadmissionpolicies' },
    }, ['cdk8s-tenancy-guardrails', 'cdk8s-tenancy-guardrails']],
    ['HNC creates a RoleBinding labelled managed-by that is not a copy', {
      operation: 'CREATE',
      object: { ...find(objects, 'RoleBinding', 'tenant-self-service', 'team-a'), metadata: { ...find(objects, 'RoleBinding', 'tenant-self-service', 'team-a').metadata, namespace: 'team-b' } },
      oldObject: null,
      userInfo: HNC,
      authorizer: hncRbac,
      namespace: 'team-b',
      resource: { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings' },
    }, ['cdk8s-tenancy-guardrails']],
    ['HNC creates a subnamespace with the parent\'s labels', nsReq('CREATE', null, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-a-x', labels: Object.fromEntries(find(objects, 'HierarchyConfiguration', 'hierarchy', 'team-a').spec.labels.map((kv: any) => [kv.key, kv.value])), annotations: { 'hnc.x-k8s.io/subnamespace-of': 'team-a' } },
    }), []],
    ['HNC propagates a copy of a NetworkPolicy', {
      operation: 'CREATE',
      oldObject: null,
      userInfo: HNC,
      authorizer: hncRbac,
      namespace: 'team-a-x',
      resource: { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies' },
      object: (() => { const o = find(objects, 'NetworkPolicy', 'default-deny', 'team-a'); return { ...o, metadata: { ...o.metadata, namespace: 'team-a-x', labels: { ...o.metadata.labels, 'hnc.x-k8s.io/inherited-from': 'team-a' } } }; })(),
    }, []],
    ['HNC writes the status of a HierarchicalResourceQuota', {
      operation: 'UPDATE',
      subResource: 'status',
      userInfo: HNC,
      authorizer: hncRbac,
      namespace: 'team-a',
      resource: { group: 'hnc.x-k8s.io', version: 'v1alpha2', resource: 'hierarchicalresourcequotas' },
      object: find(objects, 'HierarchicalResourceQuota', 'tenant-tree-quota', 'team-a'),
      oldObject: find(objects, 'HierarchicalResourceQuota', 'tenant-tree-quota', 'team-a'),
    }, []],
    ['HNC adds its tree and included-namespace labels to a parent', nsReq('UPDATE', find(objects, 'Namespace', 'team-a'), relabel(find(objects, 'Namespace', 'team-a'), {
      ...find(objects, 'Namespace', 'team-a').metadata.labels, 'team-a.tree.hnc.x-k8s.io/depth': '0', 'hnc.x-k8s.io/included-namespace': 'true',
    })), []],
  ];
  test.each(cases)('%s', (_, req, policies) => {
    const result = admit(objects, req);
    expect(result.errors).toEqual([]);
    expect(result.denials.map((d) => d.policy)).toEqual(policies);
  });
});

describe('the recommended HNC configuration (gap: HNC strips the labels of namespaces outside a tree)', () => {
  const objects = build((t) => {
    t.addExtension(TenantSelfService.hnc());
    t.addExtension(TenantSandbox.gvisor());
  });
  const app = new App();
  const a = new SoftTenant(new Chart(app, 'team-a'), 'TeamA', { name: 'team-a', namespaces: ['team-a', 'team-a-ci'], admins: [TenantMember.group('team-a-admins')] });
  new SoftTenant(new Chart(app, 'team-b'), 'TeamB', { name: 'team-b', podSecurity: PodSecurityLevel.baseline('legacy images run as root') });
  a.addExtension(TenantSelfService.hnc());
  a.addExtension(TenantSandbox.gvisor());
  const args = TenantSelfService.hncManagerArgs(app);
  const values = (flag: string) => args.filter((x) => x.startsWith(`--${flag}=`)).map((x) => x.slice(flag.length + 3));
  // HNC wraps each regex in ^...$ (internal/config, v1.1.0); these are RE2-compatible, so JavaScript reads them alike.
  const full = (re: string) => new RegExp(`^${re}$`);

  test('the exact arguments', () => {
    expect(args).toEqual([
      '--enable-hrq',
      '--included-namespace-regex=(team-a|team-a-ci)(-.+)?',
      '--excluded-namespace=kube-system',
      '--excluded-namespace=kube-public',
      '--excluded-namespace=kube-node-lease',
      '--excluded-namespace=hnc-system',
      '--managed-namespace-label=cdk8s-tenancy\\.io/runtime-class',
      '--managed-namespace-label=cdk8s-tenancy\\.io/tenant',
      '--managed-namespace-label=pod-security\\.kubernetes\\.io/audit',
      '--managed-namespace-label=pod-security\\.kubernetes\\.io/audit-version',
      '--managed-namespace-label=pod-security\\.kubernetes\\.io/enforce',
      '--managed-namespace-label=pod-security\\.kubernetes\\.io/enforce-version',
      '--managed-namespace-label=pod-security\\.kubernetes\\.io/warn',
      '--managed-namespace-label=pod-security\\.kubernetes\\.io/warn-version',
    ]);
  });

  test('HNC manages the parents and the names reserved under them, and no other namespace of the app', () => {
    const [included] = values('included-namespace-regex');
    const parents = ofKind(objects, 'HierarchyConfiguration').map((h) => h.metadata.namespace);
    for (const ns of ofKind(objects, 'Namespace').map((n) => n.metadata.name)) {
      expect([ns, full(included).test(ns)]).toEqual([ns, parents.includes(ns)]);
    }
    expect(['team-a-feature', 'team-a-ci-x-y'].every((n) => full(included).test(n))).toBe(true);
    expect(['team-ab', 'xteam-a', 'team-b-x'].some((n) => full(included).test(n))).toBe(false);
  });

  test('HNC manages exactly the labels the hierarchies propagate: never the managed-by label of the parents', () => {
    const managed = values('managed-namespace-label').map(full);
    const propagated = ofKind(objects, 'HierarchyConfiguration').flatMap((h) => h.spec.labels.map((kv: any) => kv.key));
    expect(propagated.every((k: string) => managed.some((re) => re.test(k)))).toBe(true);
    expect(managed.some((re) => re.test('cdk8s-tenancy.io/managed-by'))).toBe(false);
    expect(managed.some((re) => re.test('cdk8s-tenancyXio/tenant'))).toBe(false);
  });

  test('HNC enforces the trees\' HierarchicalResourceQuotas (off in HNC v1.1 unless asked)', () => {
    expect(ofKind(objects, 'HierarchicalResourceQuota').length).toBeGreaterThan(0);
    expect(args.filter((x) => x === '--enable-hrq')).toEqual(['--enable-hrq']);
  });

  test('HNC\'s namespace follows hncUsername', () => {
    const custom = new App();
    new TenancyPlatform(custom, 'platform', { hncUsername: 'system:serviceaccount:hnc:hnc-controller' });
    new SoftTenant(new Chart(custom, 'a'), 'A', { name: 'research', admins: [TenantMember.group('a')] }).addExtension(TenantSelfService.hnc());
    expect(TenantSelfService.hncManagerArgs(custom).filter((x) => x.startsWith('--excluded'))).toContain('--excluded-namespace=hnc');
  });

  test('the README gives the arguments of its example', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const example = new App();
    new SoftTenant(new Chart(example, 'research'), 'Research', { name: 'research', admins: [TenantMember.group('research-leads')] })
      .addExtension(TenantSelfService.hnc({ maxNamespaces: 20 }));
    const block = TenantSelfService.hncManagerArgs(example).map((x) => `- '${x}'`).join('\n');
    expect(readme).toContain(block);
  });
});

describe('a namespace name taken in advance (gap: adoption into another tenant\'s tree)', () => {
  const objects = build();
  const tree = (...ancestors: [string, number][]) => Object.fromEntries(ancestors.map(([ns, depth]) => [`${ns}.tree.hnc.x-k8s.io/depth`, String(depth)]));
  const inherited: Record<string, string> = Object.fromEntries(find(objects, 'HierarchyConfiguration', 'hierarchy', 'team-a').spec.labels.map((kv: any) => [kv.key, kv.value]));
  const anchor = (namespace: string, name: string, userInfo: AdmissionRequest['userInfo'] = tenantAdmin, authorizer?: AuthorizerCheck,
    spec?: Record<string, any>): AdmissionRequest => ({
    operation: 'CREATE',
    oldObject: null,
    userInfo,
    authorizer,
    namespace,
    resource: { group: 'hnc.x-k8s.io', version: 'v1alpha2', resource: 'subnamespaceanchors' },
    object: { apiVersion: 'hnc.x-k8s.io/v1alpha2', kind: 'SubnamespaceAnchor', metadata: { name, namespace }, ...(spec ? { spec } : {}) },
  });
  const kv = (key: string, value: string) => [{ key, value }];
  const nsObj = (name: string, labels: Record<string, string>, parent?: string) => ({
    apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels, ...(parent ? { annotations: { 'hnc.x-k8s.io/subnamespace-of': parent } } : {}) },
  });
  const nsReq = (operation: AdmissionRequest['operation'], oldObject: any, object: any, userInfo: AdmissionRequest['userInfo'], authorizer: AuthorizerCheck): AdmissionRequest => ({
    operation, oldObject, object, userInfo, authorizer, resource: { group: '', version: 'v1', resource: 'namespaces' }, namespaceObject: null,
  });
  const ANCHORS = 'cdk8s-tenancy-self-service-anchors';
  const TREES = 'cdk8s-tenancy-self-service-trees';
  const teamB = find(objects, 'Namespace', 'team-b');
  const bareLater = nsObj('team-a-later', {}, 'team-a');
  const labelledLater = nsObj('team-a-later', { ...tree(['team-a', 1], ['team-a-later', 0]), ...inherited }, 'team-a');
  const platformGives = (old: any, tenant: string) => nsObj('team-a-later', { ...old.metadata.labels, ...teamB.metadata.labels, [TENANT_LABEL]: tenant }, 'team-a');

  // Replayable as real requests, in order: [what, request, denying policies or [] to allow].
  const cases: [string, AdmissionRequest, string[]][] = [
    ['a tenant admin anchors a name under its parent', anchor('team-a', 'team-a-feature'), []],
    ['a tenant admin anchors under a namespace it created', anchor('team-a-feature', 'team-a-feature-x'), []],
    ['a tenant admin anchors another tenant\'s namespace', anchor('team-a', 'team-b'), [ANCHORS, ANCHORS]],
    ['a tenant admin anchors a name outside its parent\'s prefix', anchor('team-a', 'payments'), [ANCHORS]],
    ['a tenant admin anchors the root\'s prefix under a child', anchor('team-a-feature', 'team-a-y'), [ANCHORS]],
    ['a tenant admin anchors a namespace the platform declares under its prefix', anchor('team-a', 'team-a-ci'), [ANCHORS]],
    // HNC sets an anchor's spec.labels on the namespace (seen on the real HNC): none of the protected ones.
    ['a tenant admin\'s anchor asks for privileged Pod Security', anchor('team-a', 'team-a-p', tenantAdmin, undefined, { labels: kv('pod-security.kubernetes.io/enforce', 'privileged') }), [ANCHORS]],
    ['a tenant admin\'s anchor asks for another tenant\'s label', anchor('team-a', 'team-a-m', tenantAdmin, undefined, { labels: kv(TENANT_LABEL, 'team-b') }), [ANCHORS]],
    ['a tenant admin\'s anchor asks for a protected annotation', anchor('team-a', 'team-a-n', tenantAdmin, undefined, { annotations: kv('cdk8s-tenancy.io/managed-by', 'cdk8s-tenancy') }), [ANCHORS]],
    ['a tenant admin\'s anchor asks for a label of its own', anchor('team-a', 'team-a-o', tenantAdmin, undefined, { labels: kv('team', 'ml') }), []],
    ['the platform anchors any name', anchor('team-a', 'shared', argocd, platformRbac), []],
    // A name the platform declares only in a later release: HNC gets there first.
    ['HNC creates team-a-later, bare', nsReq('CREATE', null, bareLater, HNC, hncRbac), []],
    ['the platform applies it for team-b while bare', nsReq('UPDATE', bareLater, platformGives(bareLater, 'team-b'), argocd, platformRbac), [TREES]],
    ['HNC labels it for team-a', nsReq('UPDATE', bareLater, labelledLater, HNC, hncRbac), []],
    ['the platform applies it for team-b once labelled', nsReq('UPDATE', labelledLater, platformGives(labelledLater, 'team-b'), argocd, platformRbac), [TREES]],
    ['a cluster admin creates a namespace for team-b carrying team-a\'s tree', nsReq('CREATE', null, nsObj('x', { ...tree(['team-a', 1]), [TENANT_LABEL]: 'team-b' }), argocd, platformRbac), [TREES]],
    ['the platform applies it for team-a, the tree\'s tenant', nsReq('UPDATE', labelledLater, { ...labelledLater, metadata: { ...labelledLater.metadata, labels: { ...labelledLater.metadata.labels, extra: 'x' } } }, argocd, platformRbac), []],
    ['the platform applies its own namespaces', nsReq('UPDATE', teamB, teamB, argocd, platformRbac), []],
  ];
  test.each(cases)('%s', (_, req, policies) => {
    const result = admit(objects, req);
    expect(result.errors).toEqual([]);
    expect(result.denials.map((d) => d.policy)).toEqual(policies);
  });

  test('the messages name the rule', () => {
    expect(admit(objects, anchor('team-a', 'team-b')).denials.map((d) => d.message)).toEqual([
      'namespaces created under team-a must be named team-a-<name>, not team-b (HNC manages only the names under a self-service parent)',
      'namespace team-b is declared by the platform for a tenant: it cannot be created under team-a',
    ]);
    expect(admit(objects, nsReq('UPDATE', labelledLater, platformGives(labelledLater, 'team-b'), argocd, platformRbac)).denials.map((d) => d.message)).toEqual([
      'namespace team-a-later is in a self-service tree (team-a): no one may label it cdk8s-tenancy.io/tenant=team-b, the platform included; delete it and its anchor first',
    ]);
  });

  describe('at synth, no tenant declares a namespace under another\'s self-service parent', () => {
    test('declared after the self-service: the tenant\'s namespace is refused, and it emits nothing', () => {
      const app = new App();
      new SoftTenant(new Chart(app, 'team-a'), 'TeamA', { name: 'team-a', admins: [TenantMember.group('a')] }).addExtension(TenantSelfService.hnc());
      const before = app.charts.flatMap((c) => c.toJson()).length;
      expect(() => new SoftTenant(new Chart(app, 'team-b'), 'TeamB', { name: 'team-b', namespaces: ['team-b', 'team-a-prod'] })).toThrow(
        "team-b/TeamB: invalid namespaces[1] 'team-a-prod': falls under the self-service namespace 'team-a' of tenant 'team-a': HNC manages every namespace named 'team-a-<name>'");
      expect(app.charts.flatMap((c) => c.toJson())).toHaveLength(before);
    });

    test('declared before: the self-service is refused, and it emits nothing', () => {
      const app = new App();
      const a = new SoftTenant(new Chart(app, 'team-a'), 'TeamA', { name: 'team-a', admins: [TenantMember.group('a')] });
      new SoftTenant(new Chart(app, 'team-b'), 'TeamB', { name: 'team-b', namespaces: ['team-a-prod'] });
      const before = app.charts.flatMap((c) => c.toJson()).length;
      expect(() => a.addExtension(TenantSelfService.hnc())).toThrow(
        "team-a/TeamA: invalid selfService parent (namespaces[0]) 'team-a': would reserve the names 'team-a-*' for namespaces created under it, but namespace 'team-a-prod' (of tenant 'team-b') falls under");
      expect(app.charts.flatMap((c) => c.toJson())).toHaveLength(before);
      expect(TenancyPlatform.ofApp(app).node.children.map((c) => c.node.id)).not.toContain('hnc-config');
    });

    test('the tenant\'s own namespace under its parent must be a parent too', () => {
      const app = new App();
      const a = new SoftTenant(new Chart(app, 'team-a'), 'TeamA', { name: 'team-a', namespaces: ['team-a', 'team-a-ci'], admins: [TenantMember.group('a')] });
      expect(() => a.addExtension(TenantSelfService.hnc({ parents: ['team-a'] }))).toThrow(
        /invalid selfService parents\[0\] 'team-a': would reserve the names 'team-a-\*' .* namespace 'team-a-ci' \(of tenant 'team-a'\) falls under .* Name it otherwise, or make it a self-service parent of 'team-a' too\./);
      const again = new App();
      const b = new SoftTenant(new Chart(again, 'team-a'), 'TeamA', { name: 'team-a', namespaces: ['team-a', 'team-a-ci'], admins: [TenantMember.group('a')] });
      b.addExtension(TenantSelfService.hnc({ parents: ['team-a', 'team-a-ci'] }));
      expect(ofKind(synthObjects(again), 'HierarchyConfiguration').map((h) => h.metadata.namespace)).toEqual(['team-a', 'team-a-ci']);
    });

    test('a mesh control-plane namespace under a parent is refused too', () => {
      const app = new App();
      new SoftTenant(new Chart(app, 'team-a'), 'TeamA', { name: 'team-a', admins: [TenantMember.group('a')] }).addExtension(TenantSelfService.hnc());
      const platform = TenancyPlatform.ofApp(app);
      expect(() => platform._registry.claim([{ space: 'namespace', name: 'team-a-istio', owner: 'mesh of team-c', refuse: () => new Error('taken') }]))
        .toThrow("mesh of team-c: invalid namespace 'team-a-istio': falls under the self-service namespace 'team-a'");
    });
  });
});

describe('bad input', () => {
  const tenant = (app: App, props: { admins?: boolean } = {}) => new SoftTenant(new Chart(app, 'team-a'), 'TeamA', {
    name: 'team-a', namespaces: ['team-a', 'team-a-ci'], admins: props.admins === false ? undefined : [TenantMember.group('team-a-admins')],
  });

  test.each([
    ['no parents', { parents: [] }, /team-a\/TeamA: invalid selfService parents \[\]: must name at least one of the tenant's namespaces\. Leave it out/],
    ['a parent that is not the tenant\'s', { parents: ['team-b'] }, /team-a\/TeamA: invalid selfService parents\[0\] 'team-b': is not a namespace of tenant 'team-a' \(team-a, team-a-ci\)\./],
    ['a parent listed twice', { parents: ['team-a', 'team-a'] }, /invalid selfService parents\[1\] 'team-a': is listed twice\./],
    ['maxNamespaces 0', { maxNamespaces: 0 }, /team-a\/TeamA: invalid selfService maxNamespaces 0: must be a whole number of 1 or more\./],
    ['a fractional maxNamespaces', { maxNamespaces: 2.5 }, /invalid selfService maxNamespaces 2.5: must be a whole number of 1 or more\./],
    ['a negative quota', { quota: { pods: -1 } }, /team-a\/TeamA: invalid quota.pods -1: must be a whole number of 0 or more/],
    ['quota requests above limits', { quota: { requestsCpu: Cpu.units(10) } }, /invalid quota requests.cpu '10': must not exceed quota limits.cpu \(8\)/],
  ])('%s: a clear error, and nothing is emitted', (_, options, message) => {
    const app = new App();
    const t = tenant(app);
    const before = app.charts.flatMap((c) => c.toJson()).length;
    expect(() => t.addExtension(TenantSelfService.hnc(options))).toThrow(message);
    expect(app.charts.flatMap((c) => c.toJson())).toHaveLength(before);
  });

  test('a tenant without admins', () => {
    const app = new App();
    expect(() => tenant(app, { admins: false }).addExtension(TenantSelfService.hnc()))
      .toThrow("team-a/TeamA: invalid selfService 'hnc': needs tenant admins: only admins may create namespaces, and the tenant has none. Set admins on the SoftTenant.");
  });

  test('hncManagerArgs of an app without self-service: a clear error, and it creates nothing', () => {
    const app = new App();
    new SoftTenant(new Chart(app, 'team-b'), 'TeamB', { name: 'team-b' });
    const before = app.node.findAll().length;
    expect(() => TenantSelfService.hncManagerArgs(app)).toThrow(
      "invalid scope '<root>': has no tenant with TenantSelfService in its app: HNC has nothing to manage. Call it after adding TenantSelfService to the tenants.");
    expect(() => TenantSelfService.hncManagerArgs(new App())).toThrow(/has no tenant with TenantSelfService/);
    expect(app.node.findAll()).toHaveLength(before);
  });

  test('self-service twice', () => {
    const t = tenant(new App());
    t.addExtension(TenantSelfService.hnc());
    expect(() => t.addExtension(TenantSelfService.hnc())).toThrow(/invalid extension 'self-service': is already applied to tenant 'team-a'/);
  });

  test.each([
    ['a user that is not a service account', 'hnc-controller'],
    ['a service account in a bad namespace', 'system:serviceaccount:HNC:default'],
    ['a service account without a name', 'system:serviceaccount:hnc-system:'],
    ['a service account name that is not a DNS subdomain', 'system:serviceaccount:hnc-system:hnc..controller'],
  ])('hncUsername: %s', (_, value) => {
    const app = new App();
    expect(() => new TenancyPlatform(app, 'p', { hncUsername: value }))
      .toThrow(`p: invalid hncUsername '${value}': must be a service account's user name, 'system:serviceaccount:<namespace>:<name>'. HNC's default install runs as 'system:serviceaccount:hnc-system:default'.`);
    expect(app.charts.flatMap((c) => c.toJson())).toEqual([]);
  });
});
