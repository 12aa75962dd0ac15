import { App, Chart, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-27';
import { find, K8sObject, ofKind, synthObjects } from './helpers/manifests';
import { can } from './helpers/rbac';
import { validateAll } from './helpers/schema';
import {
  ClusterDns, MANAGED_BY_LABEL, PodSecurityLevel, SoftTenant, SoftTenantProps, TENANT_LABEL, TenancyLabels, TenancyPlatform,
  TenantMember, TenantPeer, TenantPort, TenantPriorityClass,
} from 'cdk8s-tenancy';

function tenant(props: SoftTenantProps): { app: App; objects: K8sObject[]; tenantObjects: K8sObject[] } {
  const app = new App();
  const chart = new Chart(app, 'tenants');
  new SoftTenant(chart, 'Tenant', props);
  const objects = synthObjects(app);
  return { app, objects, tenantObjects: chart.toJson() };
}

const FULL: SoftTenantProps = {
  name: 'team-a',
  namespaces: ['team-a', 'team-a-staging'],
  labels: { 'example.com/cost-center': 'cc-42' },
  annotations: { 'example.com/owner': 'team-a@example.com' },
  admins: [TenantMember.group('team-a-admins'), TenantMember.user('alice@example.com')],
  users: [TenantMember.group('team-a-developers'), TenantMember.serviceAccount('ci', 'deployer')],
  podSecurity: PodSecurityLevel.baseline('legacy image runs as root; tracked in TICKET-1'),
  podSecurityVersion: 'v1.34',
  network: {
    ingressFrom: [
      TenantPeer.tenant('team-b', [TenantPort.tcp(8080)]),
      TenantPeer.namespace('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' }),
    ],
    egressTo: [
      TenantPeer.cidr('0.0.0.0/0', [TenantPort.tcp(443)]),
      TenantPeer.cidr('::/0', [TenantPort.tcp(443)]),
      TenantPeer.cidr('10.20.0.0/16', [TenantPort.tcpRange(5432, 5433)]),
    ],
    clusterDns: ClusterDns.pods('kube-system', { 'k8s-app': 'coredns' }),
  },
  quota: {
    requestsCpu: Cpu.units(2),
    limitsCpu: Cpu.units(4),
    requestsMemory: Size.gibibytes(4),
    limitsMemory: Size.gibibytes(8),
    pods: 20,
    nodePorts: 0,
    loadBalancers: 1,
  },
  limitRange: { defaultRequestCpu: Cpu.millis(50), defaultLimitCpu: Cpu.millis(250) },
  priorityClasses: [TenantPriorityClass.of('tenant-high', { pods: 3, requestsCpu: Cpu.units(1) })],
};

describe('SoftTenant with only a name', () => {
  const { objects, tenantObjects } = tenant({ name: 'team-a' });

  test('every object is valid against the Kubernetes schema', () => {
    expect(validateAll(objects)).toBe(objects.length);
    expect(objects.length).toBeGreaterThan(10);
  });

  test('output is pinned', () => {
    expect(objects).toMatchSnapshot();
  });

  test('one namespace named after the tenant, labelled for the tenant and restricted Pod Security', () => {
    const namespaces = ofKind(objects, 'Namespace');
    expect(namespaces.map((n) => n.metadata.name)).toEqual(['team-a']);
    expect(namespaces[0].metadata.labels).toEqual({
      [TENANT_LABEL]: 'team-a',
      [MANAGED_BY_LABEL]: 'cdk8s-tenancy',
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'v1.32',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/audit-version': 'latest',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/warn-version': 'latest',
    });
  });

  test('every tenant object carries the tenant and managed-by labels and sits in the tenant namespace', () => {
    for (const o of tenantObjects) {
      expect(o.metadata.labels).toMatchObject({ [TENANT_LABEL]: 'team-a', [MANAGED_BY_LABEL]: 'cdk8s-tenancy' });
      if (o.kind !== 'Namespace') expect(o.metadata.namespace).toBe('team-a');
    }
  });

  test('the default service account does not mount an API token', () => {
    expect(find(objects, 'ServiceAccount', 'default', 'team-a').automountServiceAccountToken).toBe(false);
  });

  test('default deny: all pods, both directions, no rules', () => {
    expect(find(objects, 'NetworkPolicy', 'default-deny', 'team-a').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  test('DNS: UDP and TCP 53 to kube-dns pods in kube-system only, in one ANDed peer', () => {
    expect(find(objects, 'NetworkPolicy', 'allow-cluster-dns', 'team-a').spec).toEqual({
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{
        to: [{
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
          podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
        }],
        ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
      }],
    });
  });

  test('same-tenant traffic both ways, selected by the tenant label', () => {
    const peer = { namespaceSelector: { matchLabels: { [TENANT_LABEL]: 'team-a' } } };
    expect(find(objects, 'NetworkPolicy', 'allow-same-tenant', 'team-a').spec).toEqual({
      podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [{ from: [peer] }], egress: [{ to: [peer] }],
    });
  });

  test('no traffic with anyone else: no declared-peer policies, no ipBlock anywhere', () => {
    const policies = ofKind(objects, 'NetworkPolicy').map((p) => p.metadata.name);
    expect(policies.sort()).toEqual(['allow-cluster-dns', 'allow-same-tenant', 'default-deny']);
    expect(JSON.stringify(ofKind(objects, 'NetworkPolicy'))).not.toContain('ipBlock');
  });

  test('quota caps compute, storage and object counts, and blocks NodePorts and LoadBalancers', () => {
    expect(find(objects, 'ResourceQuota', 'tenant-quota', 'team-a').spec.hard).toEqual({
      'requests.cpu': '4',
      'limits.cpu': '8',
      'requests.memory': '8Gi',
      'limits.memory': '16Gi',
      'requests.ephemeral-storage': '20Gi',
      'limits.ephemeral-storage': '40Gi',
      'requests.storage': '100Gi',
      'pods': '50',
      'services': '20',
      'configmaps': '50',
      'secrets': '50',
      'persistentvolumeclaims': '20',
      'services.nodeports': '0',
      'services.loadbalancers': '0',
    });
  });

  test('LimitRange fills in container requests and limits', () => {
    expect(find(objects, 'LimitRange', 'tenant-limits', 'team-a').spec.limits).toEqual([{
      type: 'Container',
      defaultRequest: { 'cpu': '100m', 'memory': '128Mi', 'ephemeral-storage': '100Mi' },
      default: { 'cpu': '500m', 'memory': '512Mi', 'ephemeral-storage': '1Gi' },
    }]);
  });

  test('no priority class is allowed: any pod that names one is capped at zero', () => {
    expect(find(objects, 'ResourceQuota', 'priority-classes-denied', 'team-a').spec).toEqual({
      hard: { pods: '0' },
      scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'Exists' }] },
    });
  });

  test('RBAC: library-owned Roles, no bindings without members, nothing cluster-scoped', () => {
    expect(ofKind(objects, 'Role').map((r) => r.metadata.name).sort()).toEqual(['tenant-admin', 'tenant-user']);
    expect(ofKind(objects, 'RoleBinding')).toEqual([]);
    expect(ofKind(objects, 'ClusterRole')).toEqual([]);
    expect(ofKind(objects, 'ClusterRoleBinding')).toEqual([]);
  });

  test('the platform chart holds the guard: a policy and its binding', () => {
    // The guardrails, the Services and storage guards that hold every tenant to their defaults, the ingress guards, and the lifecycle guards (deletion protection, cordon).
    expect(ofKind(objects, 'ValidatingAdmissionPolicy').map((p) => p.metadata.name))
      .toEqual(['cdk8s-tenancy-guardrails', 'cdk8s-tenancy-services', 'cdk8s-tenancy-storage', 'cdk8s-tenancy-ingress', 'cdk8s-tenancy-gateways', 'cdk8s-tenancy-routes', 'cdk8s-tenancy-deletion-protection', 'cdk8s-tenancy-cordon']);
    expect(find(objects, 'ValidatingAdmissionPolicyBinding', 'cdk8s-tenancy-guardrails').spec)
      .toEqual({ policyName: 'cdk8s-tenancy-guardrails', validationActions: ['Deny'] });
    expect(find(objects, 'ValidatingAdmissionPolicy', 'cdk8s-tenancy-guardrails').spec.failurePolicy).toBe('Fail');
    expect(find(objects, 'ValidatingAdmissionPolicy', 'cdk8s-tenancy-guardrails').apiVersion).toBe('admissionregistration.k8s.io/v1');
  });
});

describe('tenant roles', () => {
  const { objects } = tenant(FULL);
  const admin = { kind: 'Group' as const, name: 'team-a-admins' };
  const user = { kind: 'Group' as const, name: 'team-a-developers' };
  const deployer = { kind: 'ServiceAccount' as const, name: 'deployer', namespace: 'ci' };

  test.each([
    ['an admin', admin], ['a user', user], ['a CI service account', deployer],
  ])('%s manages workloads and configuration in every tenant namespace', (_, who) => {
    for (const ns of ['team-a', 'team-a-staging']) {
      expect(can(objects, who, 'create', 'apps', 'deployments', ns)).toBe(true);
      expect(can(objects, who, 'delete', '', 'pods', ns)).toBe(true);
      expect(can(objects, who, 'update', '', 'configmaps', ns)).toBe(true);
      expect(can(objects, who, 'create', '', 'secrets', ns)).toBe(true);
    }
  });

  test('admins manage Istio configuration; users do not', () => {
    expect(can(objects, admin, 'create', 'networking.istio.io', 'virtualservices', 'team-a')).toBe(true);
    expect(can(objects, admin, 'update', 'security.istio.io', 'authorizationpolicies', 'team-a')).toBe(true);
    expect(can(objects, user, 'create', 'networking.istio.io', 'virtualservices', 'team-a')).toBe(false);
    expect(can(objects, admin, 'create', 'networking.istio.io', 'envoyfilters', 'team-a')).toBe(false);
  });

  test.each([
    ['delete', 'networking.k8s.io', 'networkpolicies'], ['create', 'networking.k8s.io', 'networkpolicies'],
    ['update', '', 'resourcequotas'], ['delete', '', 'limitranges'],
    ['create', 'rbac.authorization.k8s.io', 'rolebindings'], ['update', 'rbac.authorization.k8s.io', 'roles'],
    ['escalate', 'rbac.authorization.k8s.io', 'roles'], ['bind', 'rbac.authorization.k8s.io', 'roles'],
    ['impersonate', '', 'users'], ['update', '', 'namespaces'], ['patch', '', 'namespaces'],
  ])('neither admins nor users may %s %s/%s', (verb, group, resource) => {
    for (const who of [admin, user]) {
      expect(can(objects, who, verb, group, resource, 'team-a')).toBe(false);
    }
  });

  test.each([
    ['list', '', 'nodes'], ['create', '', 'persistentvolumes'], ['create', '', 'namespaces'],
    ['create', 'apiextensions.k8s.io', 'customresourcedefinitions'],
    ['update', 'admissionregistration.k8s.io', 'validatingadmissionpolicies'],
    ['create', 'admissionregistration.k8s.io', 'validatingwebhookconfigurations'],
  ])('nobody in the tenant may %s cluster-scoped %s/%s', (verb, group, resource) => {
    for (const who of [admin, user, deployer]) {
      expect(can(objects, who, verb, group, resource)).toBe(false);
    }
  });

  test('members have no rights in namespaces that are not the tenant\'s', () => {
    expect(can(objects, admin, 'get', '', 'pods', 'team-b')).toBe(false);
    expect(can(objects, admin, 'get', '', 'pods', 'kube-system')).toBe(false);
  });

  test('no rule uses a wildcard or a privilege-escalation verb', () => {
    for (const role of ofKind(objects, 'Role')) {
      for (const rule of role.rules) {
        expect(rule.apiGroups).not.toContain('*');
        expect(rule.resources).not.toContain('*');
        expect(rule.verbs).not.toContain('*');
        for (const v of ['escalate', 'bind', 'impersonate']) expect(rule.verbs).not.toContain(v);
      }
    }
  });
});

describe('SoftTenant fully configured', () => {
  const { objects } = tenant(FULL);

  test('every object is valid against the Kubernetes schema', () => {
    expect(validateAll(objects)).toBe(objects.length);
  });

  test('output is pinned', () => {
    expect(objects).toMatchSnapshot();
  });

  test('every namespace gets the full set of guardrails', () => {
    for (const ns of ['team-a', 'team-a-staging']) {
      expect(ofKind(objects, 'NetworkPolicy', ns).map((p) => p.metadata.name).sort())
        .toEqual(['allow-cluster-dns', 'allow-declared-egress', 'allow-declared-ingress', 'allow-same-tenant', 'default-deny']);
      expect(ofKind(objects, 'ResourceQuota', ns).map((p) => p.metadata.name).sort())
        .toEqual(['priority-class-tenant-high', 'priority-classes-denied', 'tenant-quota']);
      expect(ofKind(objects, 'LimitRange', ns)).toHaveLength(1);
    }
  });

  test('a weaker Pod Security level is enforced, restricted is still audited and warned, and the reason is recorded', () => {
    const ns = find(objects, 'Namespace', 'team-a');
    expect(ns.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'baseline',
      'pod-security.kubernetes.io/enforce-version': 'v1.34',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/audit-version': 'latest',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/warn-version': 'latest',
      'example.com/cost-center': 'cc-42',
    });
    expect(ns.metadata.annotations).toEqual({
      'example.com/owner': 'team-a@example.com',
      'cdk8s-tenancy.io/pod-security-exception': 'legacy image runs as root; tracked in TICKET-1',
      // GitOpsRetention: no GitOps controller deletes the namespace on its own
      'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
      'kustomize.toolkit.fluxcd.io/prune': 'disabled',
    });
  });

  test('declared ingress: the peer tenant on its port, the ingress controller pods', () => {
    expect(find(objects, 'NetworkPolicy', 'allow-declared-ingress', 'team-a').spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { [TENANT_LABEL]: 'team-b' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
      {
        from: [{
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
        }],
      },
    ]);
  });

  test('declared egress: CIDRs that contain the metadata endpoint exclude it', () => {
    expect(find(objects, 'NetworkPolicy', 'allow-declared-egress', 'team-a').spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } }], ports: [{ protocol: 'TCP', port: 443 }] },
      { to: [{ ipBlock: { cidr: '::/0', except: ['fd00:ec2::254/128'] } }], ports: [{ protocol: 'TCP', port: 443 }] },
      { to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ protocol: 'TCP', port: 5432, endPort: 5433 }] },
    ]);
  });

  test('a custom DNS selector still ANDs namespace and pods', () => {
    expect(find(objects, 'NetworkPolicy', 'allow-cluster-dns', 'team-a').spec.egress[0].to).toEqual([{
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
      podSelector: { matchLabels: { 'k8s-app': 'coredns' } },
    }]);
  });

  test('quota overrides apply, the rest keep their defaults', () => {
    expect(find(objects, 'ResourceQuota', 'tenant-quota', 'team-a').spec.hard).toMatchObject({
      'requests.cpu': '2',
      'limits.cpu': '4',
      'requests.memory': '4Gi',
      'limits.memory': '8Gi',
      'pods': '20',
      'services.nodeports': '0',
      'services.loadbalancers': '1',
      'secrets': '50',
    });
  });

  test('an allowed priority class gets its own quota; all others are refused', () => {
    expect(find(objects, 'ResourceQuota', 'priority-class-tenant-high', 'team-a').spec).toEqual({
      hard: { 'pods': '3', 'requests.cpu': '1' },
      scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['tenant-high'] }] },
    });
    expect(find(objects, 'ResourceQuota', 'priority-classes-denied', 'team-a').spec.scopeSelector.matchExpressions).toEqual([
      { scopeName: 'PriorityClass', operator: 'Exists' },
      { scopeName: 'PriorityClass', operator: 'NotIn', values: ['tenant-high'] },
    ]);
  });

  test('members are bound in every namespace to the library roles', () => {
    for (const ns of ['team-a', 'team-a-staging']) {
      expect(find(objects, 'RoleBinding', 'tenant-admins', ns)).toMatchObject({
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'tenant-admin' },
        subjects: [
          { kind: 'Group', name: 'team-a-admins', apiGroup: 'rbac.authorization.k8s.io' },
          { kind: 'User', name: 'alice@example.com', apiGroup: 'rbac.authorization.k8s.io' },
        ],
      });
      expect(find(objects, 'RoleBinding', 'tenant-users', ns).subjects).toEqual([
        { kind: 'Group', name: 'team-a-developers', apiGroup: 'rbac.authorization.k8s.io' },
        { kind: 'ServiceAccount', name: 'deployer', namespace: 'ci' },
      ]);
    }
  });
});

describe('the API other constructs build on', () => {
  test('namespaces, selector, labels, peers and namespace labels added after construction', () => {
    const app = new App();
    const chart = new Chart(app, 'c');
    const t = new SoftTenant(chart, 'T', { name: 'team-a', namespaces: ['a1', 'a2'] });
    expect(t.namespaces).toEqual(['a1', 'a2']);
    expect(t.selector).toEqual({ [TENANT_LABEL]: 'team-a' });
    t.addNamespaceLabel('istio.io/rev', 'team-a');
    t.allowEgressTo(TenantPeer.namespace('istio-team-a', undefined, [TenantPort.tcp(15012)]));
    const objects = synthObjects(app);
    expect(find(objects, 'Namespace', 'a2').metadata.labels!['istio.io/rev']).toBe('team-a');
    expect(find(objects, 'NetworkPolicy', 'allow-declared-egress', 'a1').spec.egress).toEqual([
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-team-a' } } }], ports: [{ protocol: 'TCP', port: 15012 }] },
    ]);
    // Only the direction that has peers gets a policy.
    expect(ofKind(objects, 'NetworkPolicy', 'a1').map((p) => p.metadata.name)).not.toContain('allow-declared-ingress');
    validateAll(objects);
  });

  test('an extension is applied once per kind', () => {
    const app = new App();
    const t = new SoftTenant(new Chart(app, 'c'), 'T', { name: 'team-a' });
    const applied: string[] = [];
    const ext = { extensionKind: 'placement', applyToTenant: (x: SoftTenant) => applied.push(x.name) };
    t.addExtension(ext);
    expect(applied).toEqual(['team-a']);
    expect(() => t.addExtension(ext)).toThrow(/extension 'placement': is already applied to tenant 'team-a'/);
  });

  test('many tenants share one platform chart, created once at the app root', () => {
    const app = new App();
    new SoftTenant(new Chart(app, 'a'), 'A', { name: 'team-a' });
    new SoftTenant(new Chart(app, 'b'), 'B', { name: 'team-b' });
    const objects = synthObjects(app);
    expect(ofKind(objects, 'ValidatingAdmissionPolicy').map((p) => p.metadata.name))
      .toEqual(['cdk8s-tenancy-guardrails', 'cdk8s-tenancy-services', 'cdk8s-tenancy-storage', 'cdk8s-tenancy-ingress', 'cdk8s-tenancy-gateways', 'cdk8s-tenancy-routes', 'cdk8s-tenancy-deletion-protection', 'cdk8s-tenancy-cordon']);
    expect(app.charts.map((c) => c.node.id)).toEqual(['a', 'cdk8s-tenancy', 'b']);
    expect(TenancyPlatform.ofApp(app.charts[0])).toBe(app.charts[1]);
  });

  test('an explicitly declared platform is found and used', () => {
    const app = new App();
    const platform = new TenancyPlatform(app, 'platform');
    const t = new SoftTenant(new Chart(app, 'a'), 'A', { name: 'team-a' });
    expect(t.platform).toBe(platform);
    expect(app.charts).toHaveLength(2);
  });
});

describe('TenancyLabels (the shared keys for jsii languages)', () => {
  test('are the module constants, one source of truth', () => {
    expect(TenancyLabels.TENANT).toBe(TENANT_LABEL);
    expect(TenancyLabels.MANAGED_BY).toBe(MANAGED_BY_LABEL);
    expect(TenancyLabels.MANAGED_BY_VALUE).toBe('cdk8s-tenancy');
    expect(TenancyLabels.RUNTIME_CLASS).toBe('cdk8s-tenancy.io/runtime-class');
    for (const key of [TenancyLabels.TENANT, TenancyLabels.MANAGED_BY, TenancyLabels.RUNTIME_CLASS, TenancyLabels.POD_SECURITY_EXCEPTION]) {
      expect(key.startsWith(TenancyLabels.LIBRARY_KEY_PREFIX)).toBe(true);
    }
  });
});
