import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { Deployment } from 'cdk8s-plus-27';
import * as YAML from 'yaml';
import { K8sObject, synthObjects } from './helpers/manifests';
import { tempDir } from './helpers/temp-dir';
import { quickstart } from '../examples/quickstart/app';
import { EXIT_FAILED, EXIT_PASSED, EXIT_USAGE, main } from '../src/audit/cli';
import {
  CheckStatus, NODE_LABELS_POLICY_NAME, NODE_RESTRICTION_TENANT_LABEL, PlacementEngine, PlacementNodeLabel, PodSecurityLevel, SoftTenant,
  TenancyAudit, TenancyPlatform, TENANT_LABEL, TenantMember, TenantPeer, TenantPlacement, TenantPort, TenantSelfService, VirtualClusterDelivery,
  VirtualTenantCluster,
} from 'cdk8s-tenancy';

/** Two tenants; team-a accepts team-b on 8080 and team-b may call team-a there. */
function twoTenants(): K8sObject[] {
  const app = new App();
  new SoftTenant(new Chart(app, 'a'), 'A', {
    name: 'team-a',
    admins: [TenantMember.group('team-a-admins')],
    network: { ingressFrom: [TenantPeer.tenant('team-b', [TenantPort.tcp(8080)])] },
  });
  new SoftTenant(new Chart(app, 'b'), 'B', {
    name: 'team-b',
    namespaces: ['team-b', 'team-b-jobs'],
    users: [TenantMember.group('team-b-devs')],
    network: { egressTo: [TenantPeer.tenant('team-a', [TenantPort.tcp(8080)])] },
  });
  new SoftTenant(new Chart(app, 'c'), 'C', { name: 'team-c' });
  return JSON.parse(JSON.stringify(synthObjects(app)));
}

const statusOf = (objects: any[], tenant: string, id: string) => {
  const report = TenancyAudit.auditObjects(objects);
  const check = (tenant === 'cluster' ? report.cluster : report.tenants.find((t) => t.tenant === tenant)!.checks).find((c) => c.id === id)!;
  return { report, check };
};
const named = (objects: K8sObject[], kind: string, name: string, namespace?: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace))!;
const without = (objects: K8sObject[], drop: (o: K8sObject) => boolean) => objects.filter((o) => !drop(o));

describe('the library\'s own output passes', () => {
  test('two tenants with a declared peer: every check passes or does not apply', () => {
    const report = TenancyAudit.auditObjects(twoTenants());
    expect(report.problems).toEqual([]);
    for (const t of report.tenants) {
      for (const c of t.checks) expect([t.tenant, c.id, c.status, c.findings]).toEqual([t.tenant, c.id, c.id.startsWith('nodes.') || c.id.startsWith('mesh.') || c.id.startsWith('vcluster.') || c.id === 'namespace.hnc-tree' || c.id === 'workloads.admitted' || c.id === 'quota.tenant-budget' ? CheckStatus.NOT_APPLICABLE : CheckStatus.PASS, []]);
    }
    expect(report.cluster.map((c) => [c.id, c.status])).toEqual([['cluster.tenants', CheckStatus.PASS], ['cluster.guardrails', CheckStatus.PASS]]);
    expect(report.passed).toBe(true);
  });

  test('the reachability matrix: only the declared direction, nothing else', () => {
    const { reachability, tenants, pairsChecked } = TenancyAudit.auditObjects(twoTenants());
    expect(tenants.map((t) => [t.tenant, t.namespaces])).toEqual([['team-a', ['team-a']], ['team-b', ['team-b', 'team-b-jobs']], ['team-c', ['team-c']]]);
    expect(reachability).toEqual([{ from: 'team-b', to: 'team-a', declared: true, ports: 'TCP/8080' }]);
    expect(pairsChecked).toBe(6);
  });

  test('examples/quickstart passes', () => {
    const app = new App();
    quickstart(app);
    const report = TenancyAudit.auditObjects(synthObjects(app));
    expect(report.passed).toBe(true);
    expect(report.tenants.map((t) => t.tenant)).toEqual(['team-a']);
  });
});

describe('each check fails on the hand-broken manifests it exists for', () => {
  type Break = [string, string, string, (o: K8sObject[]) => any[], RegExp];
  const CASES: Break[] = [
    // Any policy that selects all pods isolates them: only without both default-deny and same-tenant are pods open for ingress.
    ['no policy isolating all pods for ingress', 'team-c', 'network.default-deny',
      (o) => without(o, (x) => x.kind === 'NetworkPolicy' && ['default-deny', 'allow-same-tenant'].includes(x.metadata.name) && x.metadata.namespace === 'team-c'),
      /^Namespace team-c: no NetworkPolicy selects all pods for Ingress: pods are open to every namespace$/],
    ['default deny without Egress in policyTypes', 'team-a', 'network.default-deny', (o) => {
      named(o, 'NetworkPolicy', 'default-deny', 'team-a').spec.policyTypes = ['Ingress'];
      named(o, 'NetworkPolicy', 'allow-cluster-dns', 'team-a').spec.policyTypes = ['Ingress'];
      named(o, 'NetworkPolicy', 'allow-same-tenant', 'team-a').spec.policyTypes = ['Ingress'];
      return o;
    }, /no NetworkPolicy selects all pods for Egress/],
    ['the DNS peer split into two peers', 'team-a', 'network.dns', (o) => {
      const p = named(o, 'NetworkPolicy', 'allow-cluster-dns', 'team-a');
      const [peer] = p.spec.egress[0].to;
      p.spec.egress[0].to = [{ namespaceSelector: peer.namespaceSelector }, { podSelector: peer.podSelector }];
      return o;
    }, /NetworkPolicy team-a\/allow-cluster-dns: allows DNS to a whole namespace/],
    ['DNS to kube-dns pods of every namespace', 'team-a', 'network.dns', (o) => {
      named(o, 'NetworkPolicy', 'allow-cluster-dns', 'team-a').spec.egress[0].to[0].namespaceSelector = {};
      return o;
    }, /allows DNS to pods with the DNS labels in every namespace/],
    ['egress to the internet without excluding the metadata endpoint', 'team-a', 'network.metadata-endpoint', (o) => {
      named(o, 'NetworkPolicy', 'default-deny', 'team-a').spec.egress = [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }];
      return o;
    }, /allows egress to 0.0.0.0\/0, which contains the metadata endpoint 169.254.169.254\/32/],
    ['a NetworkPolicy letting in every namespace', 'team-a', 'network.cross-tenant', (o) => {
      named(o, 'NetworkPolicy', 'allow-same-tenant', 'team-a').spec.ingress.push({ from: [{ namespaceSelector: {} }] });
      return o;
    }, /^NetworkPolicy team-a\/allow-same-tenant: has an ingress rule with peer \{"namespaceSelector":\{\}\}, which matches the namespaces of every tenant$/],
    // No other tenant's egress reaches team-c today: the open door still fails.
    ['every namespace let in where no tenant can egress yet', 'team-c', 'network.cross-tenant', (o) => [...o, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-all-namespaces', namespace: 'team-c' },
      spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'cdk8s-tenancy.io/tenant', operator: 'Exists' }] } }] }] },
    }], /^NetworkPolicy team-c\/allow-all-namespaces: has an ingress rule with peer .*which matches the namespaces of every tenant$/],
    ['an ingress rule without peers', 'team-c', 'network.cross-tenant', (o) => {
      named(o, 'NetworkPolicy', 'allow-same-tenant', 'team-c').spec.ingress.push({ ports: [{ protocol: 'TCP', port: 80 }] });
      return o;
    }, /^NetworkPolicy team-c\/allow-same-tenant: has an ingress rule without peers, which matches the namespaces of every tenant$/],
    ['undeclared ports beyond the declared ones', 'team-a', 'network.cross-tenant', (o) => {
      // team-b-jobs may egress to team-a on every port; team-a lets it in on 8080 by name, and on 9090 by another label.
      named(o, 'NetworkPolicy', 'allow-declared-egress', 'team-b-jobs').spec.egress[0].ports = undefined;
      named(o, 'Namespace', 'team-b-jobs').metadata.labels!.shared = 'yes';
      named(o, 'NetworkPolicy', 'allow-same-tenant', 'team-a').spec.ingress.push({ from: [{ namespaceSelector: { matchLabels: { shared: 'yes' } } }], ports: [{ protocol: 'TCP', port: 9090 }] });
      return o;
    }, /^NetworkPolicy team-a\/allow-same-tenant: lets tenant 'team-b' \(team-b-jobs\) reach team-a on TCP\/8080, TCP\/9090 without naming it$/],
    ['egress to all of kube-system', 'team-a', 'network.dns', (o) => {
      named(o, 'NetworkPolicy', 'allow-same-tenant', 'team-a').spec.egress.push({ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }] });
      return o;
    }, /^NetworkPolicy team-a\/allow-same-tenant: allows egress to every pod of kube-system \(peer .*\), not only the DNS pods$/],
    ['the DNS peer with an empty pod selector', 'team-a', 'network.dns', (o) => {
      named(o, 'NetworkPolicy', 'allow-cluster-dns', 'team-a').spec.egress[0].to[0].podSelector = {};
      return o;
    }, /^NetworkPolicy team-a\/allow-cluster-dns: allows egress to every pod of kube-system/],
    ['a tenant without default deny is open to everyone who may egress to it', 'team-c', 'network.cross-tenant', (o) => {
      const dropped = without(o, (x) => x.kind === 'NetworkPolicy' && x.metadata.namespace === 'team-c');
      named(dropped, 'NetworkPolicy', 'default-deny', 'team-b').spec.egress = [{}];
      return dropped;
    }, /Namespace team-c: lets tenant 'team-b' \(team-b\) reach team-c on all ports without naming it/],
    // No NetworkPolicy at all: egress is open, so neither egress check can pass.
    ['no NetworkPolicy at all: DNS goes anywhere', 'team-c', 'network.dns', (o) => without(o, (x) => x.kind === 'NetworkPolicy' && x.metadata.namespace === 'team-c'),
      /^Namespace team-c: has open egress \(no NetworkPolicy selects all its pods for Egress\): DNS goes to any server/],
    ['no NetworkPolicy at all: the metadata endpoint is reachable', 'team-c', 'network.metadata-endpoint', (o) => without(o, (x) => x.kind === 'NetworkPolicy' && x.metadata.namespace === 'team-c'),
      /^Namespace team-c: has open egress \(no NetworkPolicy selects all its pods for Egress\): pods reach the metadata endpoint 169.254.169.254\/32 and fd00:ec2::254\/128$/],
    ['an egress rule without peers reaches the metadata endpoint', 'team-a', 'network.metadata-endpoint', (o) => {
      named(o, 'NetworkPolicy', 'allow-same-tenant', 'team-a').spec.egress.push({ ports: [{ protocol: 'TCP', port: 80 }] });
      return o;
    }, /^NetworkPolicy team-a\/allow-same-tenant: has an egress rule without peers: it allows TCP\/80 to every destination, the metadata endpoint 169.254.169.254\/32 among them$/],
    ['a namespace without Pod Security labels', 'team-a', 'namespace.pod-security', (o) => {
      const ns = named(o, 'Namespace', 'team-a');
      for (const k of Object.keys(ns.metadata.labels!)) if (k.startsWith('pod-security')) delete ns.metadata.labels![k];
      return o;
    }, /Namespace team-a: enforces 'nothing' without a recorded exception/],
    ['privileged without an exception', 'team-a', 'namespace.pod-security', (o) => {
      named(o, 'Namespace', 'team-a').metadata.labels!['pod-security.kubernetes.io/enforce'] = 'privileged';
      return o;
    }, /enforces 'privileged' without a recorded exception/],
    // The enforce-version rule is the constructs' own (src/versions.ts): what podSecurityVersion refuses, the audit reports.
    ['enforce-version latest (unpinned)', 'team-a', 'namespace.pod-security', (o) => {
      named(o, 'Namespace', 'team-a').metadata.labels!['pod-security.kubernetes.io/enforce-version'] = 'latest';
      return o;
    }, /Namespace team-a: pod-security.kubernetes.io\/enforce-version 'latest' must be pinned to a Kubernetes minor from v1.32 to v1.37/],
    ['enforce-version newer than any known Kubernetes', 'team-a', 'namespace.pod-security', (o) => {
      named(o, 'Namespace', 'team-a').metadata.labels!['pod-security.kubernetes.io/enforce-version'] = 'v1.99';
      return o;
    }, /enforce-version 'v1.99' is newer than the newest Kubernetes the library knows \(v1.37\)/],
    ['enforce-version older than the oldest supported Kubernetes', 'team-a', 'namespace.pod-security', (o) => {
      named(o, 'Namespace', 'team-a').metadata.labels!['pod-security.kubernetes.io/enforce-version'] = 'v1.30';
      return o;
    }, /enforce-version 'v1.30' is older than the oldest supported Kubernetes/],
    ['enforce-version that is not a version', 'team-a', 'namespace.pod-security', (o) => {
      named(o, 'Namespace', 'team-a').metadata.labels!['pod-security.kubernetes.io/enforce-version'] = '1.34';
      return o;
    }, /enforce-version '1.34' must be a Kubernetes minor from v1.32 to v1.37/],
    ['a quota without NodePorts and object counts', 'team-a', 'quota.namespace', (o) => {
      const hard = named(o, 'ResourceQuota', 'tenant-quota', 'team-a').spec.hard;
      delete hard.secrets; delete hard['services.nodeports'];
      return o;
    }, /Namespace team-a: has no quota on secrets, services.nodeports/],
    ['NodePorts allowed', 'team-a', 'quota.nodeports', (o) => {
      named(o, 'ResourceQuota', 'tenant-quota', 'team-a').spec.hard['services.nodeports'] = '5';
      return o;
    }, /allows NodePort services/],
    ['no LimitRange', 'team-a', 'quota.limit-range', (o) => without(o, (x) => x.kind === 'LimitRange' && x.metadata.namespace === 'team-a'),
      /Namespace team-a: has no LimitRange/],
    ['no priority-class quota', 'team-a', 'quota.priority-classes', (o) => without(o, (x) => x.metadata.name === 'priority-classes-denied' && x.metadata.namespace === 'team-a'),
      /has no quota refusing priority classes/],
    ['a RoleBinding to cluster-admin', 'team-a', 'rbac.privilege-escalation', (o) => {
      named(o, 'RoleBinding', 'tenant-admins', 'team-a').roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' };
      return o;
    }, /RoleBinding team-a\/tenant-admins: binds ClusterRole cluster-admin \(built-in\), whose rules use '\*' in apiGroups, resources, verbs/],
    ['a RoleBinding to the built-in edit role', 'team-a', 'rbac.isolation-objects', (o) => {
      named(o, 'RoleBinding', 'tenant-admins', 'team-a').roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' };
      return o;
    }, /binds ClusterRole edit \(built-in\), which lets tenant subjects change networking.k8s.io\/networkpolicies/],
    ['a Role with a wildcard', 'team-a', 'rbac.privilege-escalation', (o) => {
      named(o, 'Role', 'tenant-admin', 'team-a').rules.push({ apiGroups: ['*'], resources: ['*'], verbs: ['get'] });
      return o;
    }, /binds Role team-a\/tenant-admin, whose rules use '\*' in apiGroups, resources/],
    ['a Role that lets tenants edit quota', 'team-a', 'rbac.isolation-objects', (o) => {
      named(o, 'Role', 'tenant-admin', 'team-a').rules.push({ apiGroups: [''], resources: ['resourcequotas'], verbs: ['update'] });
      return o;
    }, /which lets tenant subjects change resourcequotas/],
    ['an aggregated ClusterRole', 'team-a', 'rbac.privilege-escalation', (o) => {
      named(o, 'RoleBinding', 'tenant-admins', 'team-a').roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'team-a-aggregate' };
      return [...o, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'team-a-aggregate' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { team: 'a' } }] } }];
    }, /binds ClusterRole team-a-aggregate, which aggregates every ClusterRole carrying its selector labels/],
    ['a ClusterRoleBinding for a tenant group', 'team-a', 'rbac.cluster-scope', (o) => [...o, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'oops' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'team-a-admins' }],
    }], /ClusterRoleBinding oops: binds a subject of tenant 'team-a' to ClusterRole view in every namespace/],
    ['a ClusterRoleBinding for every service account', 'team-c', 'rbac.cluster-scope', (o) => [...o, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'all-sa-view' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:serviceaccounts' }],
    }], /^ClusterRoleBinding all-sa-view: binds a subject of tenant 'team-c' to ClusterRole view in every namespace$/],
    ['a RoleBinding to the built-in edit role: impersonation and aggregation', 'team-a', 'rbac.privilege-escalation', (o) => {
      named(o, 'RoleBinding', 'tenant-admins', 'team-a').roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' };
      return o;
    }, /binds ClusterRole edit \(built-in\), which aggregates the aggregate-to-edit ClusterRoles[^]*binds ClusterRole edit \(built-in\), which grants impersonate/],
    ['a tenant service account bound in another tenant', 'team-a', 'rbac.other-tenants', (o) => [...o, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'peek', namespace: 'team-b' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'tenant-user' },
      subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'team-a' }],
    }], /RoleBinding team-b\/peek: gives a subject of tenant 'team-a' rights in tenant 'team-b'/],
    ['no guard', 'cluster', 'cluster.guardrails', (o) => without(o, (x) => x.kind === 'ValidatingAdmissionPolicy'),
      /ValidatingAdmissionPolicy cdk8s-tenancy-guardrails: is missing/],
    ['a guard without its binding', 'cluster', 'cluster.guardrails', (o) => without(o, (x) => x.kind === 'ValidatingAdmissionPolicyBinding'),
      /ValidatingAdmissionPolicyBinding for cdk8s-tenancy-guardrails: is missing: a policy without its binding does nothing/],
  ];

  test.each(CASES)('%s', (_, tenant, id, breakIt, message) => {
    const { report, check } = statusOf(breakIt(twoTenants()), tenant, id);
    expect(check.status).toBe(CheckStatus.FAIL);
    expect(check.findings.map((f) => `${f.object}: ${f.message}`).join('\n')).toMatch(message);
    expect(check.findings.every((f) => f.fix.length > 0)).toBe(true);
    expect(report.passed).toBe(false);
  });

  test('an undeclared path shows in the matrix', () => {
    const o = twoTenants();
    named(o, 'NetworkPolicy', 'allow-same-tenant', 'team-c').spec.ingress.push({ from: [{ namespaceSelector: {} }] });
    named(o, 'NetworkPolicy', 'allow-same-tenant', 'team-a').spec.egress.push({ to: [{ namespaceSelector: {} }] });
    const { reachability } = TenancyAudit.auditObjects(o);
    expect(reachability.find((r) => r.from === 'team-a' && r.to === 'team-c')).toEqual({ from: 'team-a', to: 'team-c', declared: false, ports: 'all' });
    expect(reachability.find((r) => r.from === 'team-b' && r.to === 'team-c')).toBeUndefined();
  });
});

describe('nodes.placement', () => {
  /** team-a on dedicated nodes, team-b not. */
  function placed(): K8sObject[] {
    const app = new App();
    const a = new SoftTenant(new Chart(app, 'a'), 'A', { name: 'team-a' });
    a.addExtension(TenantPlacement.forTenant('team-a'));
    new SoftTenant(new Chart(app, 'b'), 'B', { name: 'team-b' });
    return JSON.parse(JSON.stringify(synthObjects(app)));
  }
  const pod = (namespace: string, spec: any) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${namespace}`, namespace }, spec: { containers: [], ...spec } });
  const toleration = (tenant: string) => ({ key: TENANT_LABEL, operator: 'Equal', value: tenant, effect: 'NoSchedule' });
  const check = (objects: any[], tenant: string) => statusOf(objects, tenant, 'nodes.placement').check;

  test('applies to the placed tenant only, and passes on the library\'s output', () => {
    expect(check(placed(), 'team-a')).toMatchObject({ status: CheckStatus.PASS, findings: [] });
    expect(check(placed(), 'team-b').status).toBe(CheckStatus.NOT_APPLICABLE);
    expect(TenancyAudit.auditObjects(placed()).passed).toBe(true);
  });

  test.each([
    ['another tenant\'s pod tolerating the taint (the seed\'s malicious toleration)', (o: any[]) => [...o, pod('team-b', { tolerations: [toleration('team-a')] })],
      /^Pod team-b\/p-team-b: tolerates the dedicated nodes of tenant 'team-a' from namespace team-b, which is not the tenant's$/],
    ['a pod tolerating every taint', (o: any[]) => [...o, pod('monitoring', { tolerations: [{ operator: 'Exists' }] })],
      /^Pod monitoring\/p-monitoring: tolerates the dedicated nodes of tenant 'team-a'/],
    ['a tenant pod picking its node', (o: any[]) => [...o, pod('team-a', { nodeName: 'ip-10-0-0-1', tolerations: [toleration('team-a')] })],
      /^Pod team-a\/p-team-a: picks node ip-10-0-0-1 itself/],
    ['the placement guard without its binding', (o: any[]) => without(o, (x) => x.kind === 'ValidatingAdmissionPolicyBinding' && x.metadata.name === 'cdk8s-tenancy-placement'),
      /^ValidatingAdmissionPolicy cdk8s-tenancy-placement: has no binding/],
    ['a node labelled for the tenant without the taint', (o: any[]) => [...o, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { [TENANT_LABEL]: 'team-a' } }, spec: {} }],
      /^Node n1: is labelled for tenant 'team-a' but not tainted/],
  ])('%s', (_, breakIt, message) => {
    const c = check(breakIt(placed()), 'team-a');
    expect(c.status).toBe(CheckStatus.FAIL);
    expect(c.findings.map((f) => `${f.object}: ${f.message}`).join('\n')).toMatch(message);
  });

  describe('the attraction label (issue #16)', () => {
    /** A Deployment in team-a that `restricted` admits, placed by `placement`. */
    const deployment = (placement: TenantPlacement) => {
      const app = new App();
      const web = new Deployment(new Chart(app, 'w'), 'web', {
        metadata: { namespace: 'team-a' },
        containers: [{ image: 'registry.example.com/web:1', portNumber: 8080, securityContext: { user: 10001 } }],
      });
      placement.applyTo(web.scheduling);
      const [d] = JSON.parse(JSON.stringify(synthObjects(app)));
      d.spec.template.spec.securityContext.seccompProfile = { type: 'RuntimeDefault' };
      d.spec.template.spec.containers[0].securityContext.capabilities = { drop: ['ALL'] };
      return d;
    };
    /** team-a placed with the kubelet-set label, and a Deployment placed by it. */
    function kubeletLabelled(): K8sObject[] {
      const app = new App();
      new TenancyPlatform(app, 'platform');
      const placement = TenantPlacement.forTenant('team-a', { nodeLabel: PlacementNodeLabel.kubeletLabel() });
      new SoftTenant(new Chart(app, 'a'), 'A', { name: 'team-a', namespaces: ['team-a', 'team-a-batch'] }).addExtension(placement);
      return [...JSON.parse(JSON.stringify(synthObjects(app))), deployment(placement)];
    }
    /** What an earlier release wrote: the same, without the node label guard it did not have. */
    const previous = () => without(kubeletLabelled(), (o) => o.metadata.name === NODE_LABELS_POLICY_NAME);
    const workloads = (objects: any[]) => statusOf(objects, 'team-a', 'workloads.admitted').check;

    test('a manifest written with the previous label is accepted with a warning per namespace that says how to migrate', () => {
      const objects = previous();
      const c = check(objects, 'team-a');
      expect(c.status).toBe(CheckStatus.WARN);
      expect(c.findings.map((f) => [f.object, f.warning])).toEqual([['Namespace team-a', true], ['Namespace team-a-batch', true]]);
      expect(c.findings[0].message).toBe(`attracts its pods to tenant 'team-a's nodes by ${TENANT_LABEL} (cdk8s-tenancy.io/dedicated-nodes=true), a label a kubelet may set on its own Node: `
        + 'a compromised shared node can label itself and attract the tenant\'s pods');
      expect(c.findings[0].fix).toMatch(new RegExp(`^Migrate to ${NODE_RESTRICTION_TENANT_LABEL}, which kubelets cannot set: .*addKarpenterNodePool.*apply them first.*`
        + `PlacementNodeLabel\\.kubeletLabel\\(\\).*${NODE_LABELS_POLICY_NAME}`));
      // Accepted: the audit passes, and the previous label's workloads are what the guard admits.
      const report = TenancyAudit.auditObjects(objects);
      expect(report.passed).toBe(true);
      expect(workloads(objects)).toMatchObject({ status: CheckStatus.PASS, findings: [] });
      const table = TenancyAudit.formatTable(report);
      expect(table).toMatch(/ {2}WARN {2}nodes\.placement/);
      expect(table).toMatch(/ {10}warning: Namespace team-a: attracts its pods/);
      expect(table).toMatch(/passed with warnings/);
      expect(TenancyAudit.formatJunit(report)).toMatch(/<testcase classname="tenant team-a" name="nodes.placement"><system-out>warning: Namespace team-a: attracts/);
    });

    test('the kubelet-set label held by the node label guard (the node group choice) passes', () => {
      expect(check(kubeletLabelled(), 'team-a')).toMatchObject({ status: CheckStatus.PASS, findings: [] });
    });

    test('a node label guard that does not deny counts as missing', () => {
      const objects = kubeletLabelled();
      named(objects, 'ValidatingAdmissionPolicyBinding', NODE_LABELS_POLICY_NAME).spec.validationActions = ['Audit'];
      expect(check(objects, 'team-a').status).toBe(CheckStatus.WARN);
    });

    test('a warning does not hide a failure: the check fails with both', () => {
      const c = check([...previous(), pod('team-b', { tolerations: [toleration('team-a')] })], 'team-a');
      expect(c.status).toBe(CheckStatus.FAIL);
      expect(c.findings.map((f) => !!f.warning)).toEqual([false, true, true]);
    });

    test('node-restriction namespaces behind a placement guard of an earlier release fail: that guard holds their pods to nothing', () => {
      const objects = placed();
      const guard = named(objects, 'ValidatingAdmissionPolicy', 'cdk8s-tenancy-placement');
      // The earlier rules: only dedicated-nodes=true counts, and pods require the tenant label.
      guard.spec = JSON.parse(JSON.stringify(guard.spec).split(NODE_RESTRICTION_TENANT_LABEL).join(TENANT_LABEL));
      expect(check(objects, 'team-a').findings.map((f) => `${f.object}: ${f.message}`)).toEqual([
        `ValidatingAdmissionPolicy cdk8s-tenancy-placement: predates the ${NODE_RESTRICTION_TENANT_LABEL} label: it holds the pods of team-a (cdk8s-tenancy.io/dedicated-nodes=node-restriction) to no nodes at all`,
      ]);
    });

    test('in a node-restriction namespace, a workload attracted by the previous label is one the guard refuses', () => {
      const legacy = deployment(TenantPlacement.forTenant('team-a', { nodeLabel: PlacementNodeLabel.kubeletLabel() }));
      expect(workloads([...placed(), deployment(TenantPlacement.forTenant('team-a'))])).toMatchObject({ status: CheckStatus.PASS, findings: [] });
      const c = workloads([...placed(), legacy]);
      expect(c.status).toBe(CheckStatus.FAIL);
      expect(c.findings.map((f) => f.message))
        .toEqual([expect.stringMatching(new RegExp(`the placement guard refuses it: it must tolerate and require the dedicated nodes of tenant 'team-a' \\(node label ${NODE_RESTRICTION_TENANT_LABEL}\\)$`))]);
    });
  });

  test('a kube-system DaemonSet tolerating everything is exempt, as in the guard', () => {
    const ds = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'kube-system' }, spec: { template: { spec: { tolerations: [{ operator: 'Exists' }] } } } };
    expect(check([...placed(), ds], 'team-a').status).toBe(CheckStatus.PASS);
  });

  describe.each([
    ['Kyverno', () => PlacementEngine.kyverno()],
    ['Kyverno (legacy ClusterPolicy)', () => PlacementEngine.kyvernoLegacyClusterPolicy()],
    ['Gatekeeper', () => PlacementEngine.gatekeeper()],
  ])('with the %s engine', (_, engine) => {
    /** placed(), with the engine's guard instead of the ValidatingAdmissionPolicy. */
    function placedWith(exempt = ['kube-system']): K8sObject[] {
      const app = new App();
      new TenancyPlatform(app, 'platform', { placementEngine: engine(), placementExemptNamespaces: exempt });
      new SoftTenant(new Chart(app, 'a'), 'A', { name: 'team-a' }).addExtension(TenantPlacement.forTenant('team-a'));
      new SoftTenant(new Chart(app, 'b'), 'B', { name: 'team-b' });
      return JSON.parse(JSON.stringify(synthObjects(app)));
    }
    const everything = { template: { spec: { tolerations: [{ operator: 'Exists' }] } } };
    const agent = (namespace: string) => ({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace }, spec: everything });

    test('its guard counts: the check passes, every kind is known', () => {
      const report = TenancyAudit.auditObjects(placedWith());
      expect(check(placedWith(), 'team-a')).toMatchObject({ status: CheckStatus.PASS, findings: [] });
      expect([report.passed, report.unknownKinds]).toEqual([true, []]);
    });

    test('its exempt namespaces are the guard\'s, as for the ValidatingAdmissionPolicy', () => {
      expect(check([...placedWith(['kube-system', 'monitoring']), agent('monitoring')], 'team-a').status).toBe(CheckStatus.PASS);
      expect(check([...placedWith(), agent('monitoring')], 'team-a').findings.map((f) => f.message))
        .toEqual(["tolerates the dedicated nodes of tenant 'team-a' from namespace monitoring, which is not the tenant's"]);
    });

    test('without its guard, the check fails as missing', () => {
      const guardKinds = ['ValidatingPolicy', 'ClusterPolicy', 'ConstraintTemplate', 'Cdk8sTenancyPlacement'];
      const objects = without(placedWith(), (o) => guardKinds.includes(o.kind) && o.metadata.name.startsWith('cdk8s') && !o.metadata.labels?.[TENANT_LABEL]);
      expect(check(objects, 'team-a').findings.map((f) => `${f.object}: ${f.message}`))
        .toEqual(["ValidatingAdmissionPolicy cdk8s-tenancy-placement: is missing: any pod may tolerate the tenant's taint and run on its nodes"]);
    });
  });

  test.each([
    ['a Kyverno guard failing open', PlacementEngine.kyverno(), (o: any[]) => { named(o, 'ValidatingPolicy', 'cdk8s-tenancy-placement').spec.failurePolicy = 'Ignore'; },
      'ValidatingPolicy cdk8s-tenancy-placement: does not fail closed'],
    ['a Kyverno guard that only audits', PlacementEngine.kyverno(), (o: any[]) => { named(o, 'ValidatingPolicy', 'cdk8s-tenancy-placement').spec.validationActions = ['Audit']; },
      'ValidatingPolicy cdk8s-tenancy-placement: does not deny (validationActions without Deny)'],
    ['a Kyverno guard kept from admission', PlacementEngine.kyverno(), (o: any[]) => { named(o, 'ValidatingPolicy', 'cdk8s-tenancy-placement').spec.evaluation.admission = { enabled: false }; },
      'ValidatingPolicy cdk8s-tenancy-placement: is not evaluated at admission'],
    ['a legacy Kyverno guard failing open', PlacementEngine.kyvernoLegacyClusterPolicy(), (o: any[]) => { named(o, 'ClusterPolicy', 'cdk8s-tenancy-placement').spec.webhookConfiguration.failurePolicy = 'Ignore'; },
      'ClusterPolicy cdk8s-tenancy-placement: does not fail closed'],
    ['a legacy Kyverno guard that only audits', PlacementEngine.kyvernoLegacyClusterPolicy(), (o: any[]) => { named(o, 'ClusterPolicy', 'cdk8s-tenancy-placement').spec.rules[0].validate.failureAction = 'Audit'; },
      'ClusterPolicy cdk8s-tenancy-placement: does not enforce (failureAction Audit only reports)'],
    ['a Gatekeeper Constraint in dry run', PlacementEngine.gatekeeper(), (o: any[]) => { named(o, 'Cdk8sTenancyPlacement', 'cdk8s-tenancy-placement').spec.enforcementAction = 'dryrun'; },
      'Cdk8sTenancyPlacement cdk8s-tenancy-placement: does not deny (enforcementAction dryrun)'],
    ['a Gatekeeper template failing open', PlacementEngine.gatekeeper(), (o: any[]) => { named(o, 'ConstraintTemplate', 'cdk8stenancyplacement').spec.targets[0].code[0].source.failurePolicy = 'Ignore'; },
      'Cdk8sTenancyPlacement cdk8s-tenancy-placement: does not fail closed'],
    ['a Gatekeeper Constraint without its template', PlacementEngine.gatekeeper(), (o: any[]) => o.splice(o.findIndex((x) => x.kind === 'ConstraintTemplate'), 1),
      'Cdk8sTenancyPlacement cdk8s-tenancy-placement: has no ConstraintTemplate cdk8stenancyplacement with CEL rules: the Constraint checks nothing'],
  ])('%s fails the check', (_, engine, breakIt, message) => {
    const app = new App();
    new TenancyPlatform(app, 'platform', { placementEngine: engine });
    new SoftTenant(new Chart(app, 'a'), 'A', { name: 'team-a' }).addExtension(TenantPlacement.forTenant('team-a'));
    const objects = JSON.parse(JSON.stringify(synthObjects(app)));
    breakIt(objects);
    expect(check(objects, 'team-a').findings.map((f) => `${f.object}: ${f.message}`)).toEqual([message]);
  });

  test('a tenant that tolerates its taint without the guard in the manifests fails', () => {
    const app = new App();
    new SoftTenant(new Chart(app, 'a'), 'A', { name: 'team-a' });
    const objects = [...synthObjects(app), pod('team-a', { tolerations: [toleration('team-a')] })];
    expect(check(objects, 'team-a').findings.map((f) => `${f.object}: ${f.message}`)).toEqual([
      "ValidatingAdmissionPolicy cdk8s-tenancy-placement: is missing: any pod may tolerate the tenant's taint and run on its nodes",
    ]);
  });
});

test('the guard without failurePolicy fails closed (the v1 default), with Ignore it does not', () => {
  const o = twoTenants();
  const guard = named(o, 'ValidatingAdmissionPolicy', 'cdk8s-tenancy-guardrails');
  delete guard.spec.failurePolicy;
  expect(statusOf(o, 'cluster', 'cluster.guardrails').check.status).toBe(CheckStatus.PASS);
  guard.spec.failurePolicy = 'Ignore';
  expect(statusOf(o, 'cluster', 'cluster.guardrails').check.findings.map((f) => f.message)).toEqual(['does not fail closed']);
});

describe('self-service namespaces (HNC)', () => {
  /** team-a with self-service, and a cluster export: a namespace HNC created under team-a, with HNC's copies of team-a's objects. */
  function exported(subLabels: (inherited: Record<string, string>) => Record<string, string>): K8sObject[] {
    const app = new App();
    new SoftTenant(new Chart(app, 'a'), 'A', { name: 'team-a', admins: [TenantMember.group('team-a-admins')] }).addExtension(TenantSelfService.hnc());
    new SoftTenant(new Chart(app, 'b'), 'B', { name: 'team-b' });
    const objects: K8sObject[] = JSON.parse(JSON.stringify(synthObjects(app)));
    const inherited = Object.fromEntries(named(objects, 'HierarchyConfiguration', 'hierarchy', 'team-a').spec.labels.map((kv: any) => [kv.key, kv.value]));
    const tree = { 'team-a.tree.hnc.x-k8s.io/depth': '1', 'feature.tree.hnc.x-k8s.io/depth': '0' };
    const copies = objects.filter((o) => o.metadata.namespace === 'team-a' && ['NetworkPolicy', 'Role', 'RoleBinding', 'LimitRange'].includes(o.kind))
      .map((o) => JSON.parse(JSON.stringify({ ...o, metadata: { ...o.metadata, namespace: 'feature', labels: { ...o.metadata.labels, 'hnc.x-k8s.io/inherited-from': 'team-a' } } })));
    return [...objects, ...copies, {
      apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'feature', labels: { ...tree, ...subLabels(inherited) }, annotations: { 'hnc.x-k8s.io/subnamespace-of': 'team-a' } },
    }];
  }

  test('the library\'s output passes, and HNC\'s kinds are known', () => {
    const app = new App();
    new SoftTenant(new Chart(app, 'a'), 'A', { name: 'team-a', admins: [TenantMember.group('team-a-admins')] }).addExtension(TenantSelfService.hnc());
    const report = TenancyAudit.auditObjects(synthObjects(app));
    expect(report.unknownKinds).toEqual([]);
    expect(report.problems).toEqual([]);
    expect(report.passed).toBe(true);
  });

  test('a namespace HNC created under a tenant namespace, labelled by HNC, is the tenant\'s; its copies count, so it passes (quota aside)', () => {
    const report = TenancyAudit.auditObjects(exported((l) => l));
    const a = report.tenants.find((t) => t.tenant === 'team-a')!;
    expect(a.namespaces).toEqual(['feature', 'team-a']);
    // The tree-wide HierarchicalResourceQuota is its quota; the static audit
    // sees no ResourceQuota of its own (HNC creates one per namespace at run time).
    expect(a.checks.filter((c) => c.status === CheckStatus.FAIL).map((c) => c.id)).toEqual(['quota.namespace', 'quota.nodeports', 'quota.priority-classes']);
    expect(a.checks.find((c) => c.id === 'namespace.hnc-tree')!.status).toBe(CheckStatus.PASS);
    expect(a.checks.find((c) => c.id === 'network.default-deny')!.status).toBe(CheckStatus.PASS);
  });

  test('without the tenant label it is still the tenant\'s: the tree check and Pod Security fail for it', () => {
    const report = TenancyAudit.auditObjects(exported(() => ({})));
    const a = report.tenants.find((t) => t.tenant === 'team-a')!;
    expect(a.namespaces).toEqual(['feature', 'team-a']);
    expect(report.unlabelledNamespaces).toEqual([]);
    expect(a.checks.find((c) => c.id === 'namespace.hnc-tree')!.findings.map((f) => `${f.object}: ${f.message}`))
      .toEqual(["Namespace feature: descends from a namespace of tenant 'team-a' in HNC's tree but has no tenant label"]);
    expect(a.checks.find((c) => c.id === 'namespace.pod-security')!.findings[0].message).toBe("enforces 'nothing' without a recorded exception");
  });

  test('labelled as another tenant, it fails the tree check of the tenant it descends from', () => {
    const report = TenancyAudit.auditObjects(exported((l) => ({ ...l, [TENANT_LABEL]: 'team-b' })));
    const a = report.tenants.find((t) => t.tenant === 'team-a')!;
    expect(a.checks.find((c) => c.id === 'namespace.hnc-tree')!.findings.map((f) => f.message))
      .toEqual(["descends from a namespace of tenant 'team-a' in HNC's tree but is labelled tenant 'team-b'"]);
  });

  test('a finding on a propagated copy sends the fix to its source', () => {
    const o = exported((l) => l);
    named(o, 'Role', 'tenant-admin', 'feature').rules.push({ apiGroups: ['*'], resources: ['*'], verbs: ['get'] });
    const { check } = statusOf(o, 'team-a', 'rbac.privilege-escalation');
    expect(check.findings.map((f) => [f.object, f.message, f.fix])).toEqual([[
      'RoleBinding feature/tenant-admins',
      "binds Role feature/tenant-admin, whose rules use '*' in apiGroups, resources (HNC's copy of RoleBinding team-a/tenant-admins)",
      'Fix the source in namespace team-a: HNC rewrites its copies. List the API groups, resources and verbs.',
    ]]);
  });
});

describe('mesh.control-plane', () => {
  /** team-a with its control plane (revision team-a, discovery by tenant label); team-b without a mesh. */
  const withMesh = () => {
    const o = twoTenants();
    named(o, 'Namespace', 'team-a').metadata.labels!['istio.io/rev'] = 'team-a';
    return [...o, {
      apiVersion: 'sailoperator.io/v1',
      kind: 'Istio',
      metadata: { name: 'team-a' },
      spec: { namespace: 'istio-team-a', values: { revision: 'team-a', meshConfig: { discoverySelectors: [{ matchLabels: { 'cdk8s-tenancy.io/tenant': 'team-a' } }] } } },
    }];
  };

  test('passes for a control plane that discovers and injects only its tenant; a tenant outside the mesh is n/a', () => {
    expect(statusOf(withMesh(), 'team-a', 'mesh.control-plane').check).toMatchObject({ status: CheckStatus.PASS, findings: [] });
    expect(statusOf(withMesh(), 'team-c', 'mesh.control-plane').check).toMatchObject({ status: CheckStatus.NOT_APPLICABLE, findings: [] });
  });

  test.each([
    ['no discovery selectors', (o: any[]) => { delete o[o.length - 1].spec.values.meshConfig; }, /has no discoverySelectors: its istiod sees every namespace/],
    ['discovery of every managed namespace', (o: any[]) => {
      o[o.length - 1].spec.values.meshConfig.discoverySelectors = [{ matchLabels: { 'cdk8s-tenancy.io/managed-by': 'cdk8s-tenancy' } }];
    }, /discovers namespace team-b of tenant 'team-b'/],
    ['a tenant namespace without the revision label', (o: any[]) => {
      o.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a-extra', labels: { 'cdk8s-tenancy.io/tenant': 'team-a' } } });
    }, /do not all carry one istio.io\/rev label/],
    ['another tenant injected by this revision', (o: any[]) => { named(o, 'Namespace', 'team-b').metadata.labels!['istio.io/rev'] = 'team-a'; }, /Namespace team-b: belongs to tenant 'team-b' but is injected by 'team-a's revision/],
    ['a revision no control plane has', (o: any[]) => { named(o, 'Namespace', 'team-a').metadata.labels!['istio.io/rev'] = 'canary'; }, /is injected by revision 'canary', which no control plane in the manifests has/],
  ])('fails on %s', (_, breakIt, message) => {
    const o = withMesh();
    breakIt(o);
    const { check } = statusOf(o, 'team-a', 'mesh.control-plane');
    expect(check.status).toBe(CheckStatus.FAIL);
    expect(check.findings.map((f) => `${f.object}: ${f.message}`).join('\n')).toMatch(message);
  });
});

describe('vcluster.values', () => {
  /** team-a with a virtual cluster in team-a-vc; team-b without one; a namespace no tenant owns. */
  function withVcluster(delivery: VirtualClusterDelivery, tenantProps: any = {}): K8sObject[] {
    const app = new App();
    new SoftTenant(new Chart(app, 'a'), 'A', { name: 'team-a', namespaces: ['team-a-vc', 'team-a'], ...tenantProps })
      .addExtension(VirtualTenantCluster.forTenant({ delivery, apiServerCidrs: ['10.0.0.0/16'] }));
    new SoftTenant(new Chart(app, 'b'), 'B', { name: 'team-b' });
    return JSON.parse(JSON.stringify(synthObjects(app)));
  }
  const vcCheck = (objects: any[], tenant: string) => statusOf(objects, tenant, 'vcluster.values').check;
  const findings = (objects: any[], tenant = 'team-a') => vcCheck(objects, tenant).findings.map((f) => [f.object, f.message, f.fix]);

  describe.each([
    ['Argo CD', VirtualClusterDelivery.argoCd(), 'Application argocd/vcluster-team-a', 'spec.source.helm.valuesObject', 'spec.destination.namespace',
      (o: K8sObject[]) => named(o, 'Application', 'vcluster-team-a').spec.source.helm.valuesObject,
      (o: K8sObject[], ns: string) => { named(o, 'Application', 'vcluster-team-a').spec.destination.namespace = ns; }],
    ['Flux', VirtualClusterDelivery.flux(), 'HelmRelease flux-system/vcluster-team-a', 'spec.values', 'spec.targetNamespace',
      (o: K8sObject[]) => named(o, 'HelmRelease', 'vcluster-team-a').spec.values,
      (o: K8sObject[], ns: string) => { named(o, 'HelmRelease', 'vcluster-team-a').spec.targetNamespace = ns; }],
  ])('delivered by %s', (_, delivery, release, where, destination, valuesOf, installInto) => {
    test('the library\'s output passes; a tenant without a virtual cluster is n/a; the release kinds are known', () => {
      const o = withVcluster(delivery);
      expect(vcCheck(o, 'team-a')).toMatchObject({ status: CheckStatus.PASS, findings: [] });
      expect(vcCheck(o, 'team-b')).toMatchObject({ status: CheckStatus.NOT_APPLICABLE, findings: [] });
      const report = TenancyAudit.auditObjects(o);
      expect(report.passed).toBe(true);
      expect(report.unknownKinds.filter((k) => /\/(Application|HelmRelease)$/.test(k))).toEqual([]);
    });

    test('a baseline tenant\'s baseline virtual cluster passes', () => {
      expect(vcCheck(withVcluster(delivery, { podSecurity: PodSecurityLevel.baseline('legacy images') }), 'team-a').status).toBe(CheckStatus.PASS);
    });

    test.each([
      ['Pod Security weaker than the namespace\'s', (o: K8sObject[]) => { valuesOf(o).policies.podSecurityStandard = 'baseline'; },
        'values sets policies.podSecurityStandard to "baseline", weaker than the host namespace\'s \'restricted\'',
        `Set policies.podSecurityStandard: restricted in ${where} (the host namespace's pod-security.kubernetes.io/enforce).`],
      ['Pod Security missing', (o: K8sObject[]) => { delete valuesOf(o).policies.podSecurityStandard; },
        'values does not set policies.podSecurityStandard: the chart\'s default applies', `Set policies.podSecurityStandard: "restricted" in ${where}.`],
      ['the host path mapper enabled', (o: K8sObject[]) => { valuesOf(o).controlPlane.hostPathMapper.enabled = true; },
        'values sets controlPlane.hostPathMapper.enabled to true, where the library locks false', `Set controlPlane.hostPathMapper.enabled: false in ${where}.`],
      ['host nodes synced', (o: K8sObject[]) => { valuesOf(o).sync.fromHost.nodes.enabled = true; },
        'values sets sync.fromHost.nodes.enabled to true, where the library locks false', `Set sync.fromHost.nodes.enabled: false in ${where}.`],
      ['cluster-scoped objects synced to the host', (o: K8sObject[]) => { delete valuesOf(o).sync.toHost.persistentVolumes; },
        'values does not set sync.toHost.persistentVolumes: the chart\'s default applies', `Set sync.toHost.persistentVolumes: {"enabled":false} in ${where}.`],
      ['Endpoints synced to the host (CVE-2021-25740)', (o: K8sObject[]) => { valuesOf(o).sync.toHost.endpoints.enabled = true; },
        'values sets sync.toHost.endpoints.enabled to true, where the library locks false', `Set sync.toHost.endpoints.enabled: false in ${where}.`],
      ['EndpointSlices left to the chart\'s default (on)', (o: K8sObject[]) => { delete valuesOf(o).sync.toHost.endpointSlices; },
        'values does not set sync.toHost.endpointSlices: the chart\'s default applies', `Set sync.toHost.endpointSlices: {"enabled":false} in ${where}.`],
      ['a control plane running as root', (o: K8sObject[]) => { valuesOf(o).controlPlane.statefulSet.security.containerSecurityContext.runAsUser = 0; },
        'values sets controlPlane.statefulSet.security.containerSecurityContext.runAsUser to 0: root or not an id',
        `Set controlPlane.statefulSet.security.containerSecurityContext.runAsUser to a non-root id (the library uses 12345) in ${where}.`],
      ['a privileged control plane', (o: K8sObject[]) => { valuesOf(o).controlPlane.distro.k8s.securityContext.privileged = true; },
        'values sets controlPlane.distro.k8s.securityContext.privileged, under a path the library locks', `Remove controlPlane.distro.k8s.securityContext.privileged from ${where}.`],
      ['host RBAC added', (o: K8sObject[]) => { valuesOf(o).rbac = { clusterRole: { enabled: true } }; },
        'values sets rbac.clusterRole.enabled to true, where the library locks false', `Set rbac.clusterRole.enabled: false in ${where}.`],
      ['Role rules added', (o: K8sObject[]) => { valuesOf(o).rbac.role = { extraRules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }] }; },
        'values sets rbac.role, under a path the library locks', `Remove rbac.role from ${where}.`],
      ['host secrets synced in', (o: K8sObject[]) => { valuesOf(o).sync.fromHost.secrets.enabled = true; },
        'values sets sync.fromHost.secrets.enabled to true, where the library locks false', `Set sync.fromHost.secrets.enabled: false in ${where}.`],
      ['an integration switched on', (o: K8sObject[]) => { valuesOf(o).integrations = { metricsServer: { enabled: true } }; },
        'values sets integrations, which the library locks and leaves to the chart', `Remove integrations from ${where}.`],
      ['an install into another tenant\'s namespace', (o: K8sObject[]) => installInto(o, 'team-b'),
        'is tenant \'team-a\'s virtual cluster (label cdk8s-tenancy.io/control-plane-of) but installs into namespace team-b of tenant \'team-b\'',
        `Set ${destination} to a namespace of tenant 'team-a'.`],
      ['an install into a namespace no tenant owns', (o: K8sObject[]) => installInto(o, 'vclusters'),
        'installs a virtual cluster of tenant \'team-a\' into namespace vclusters, which no tenant owns: the tenant\'s isolation does not bind what it syncs',
        `Set ${destination} to a namespace of tenant 'team-a'.`],
    ])('fails on %s', (__, breakIt, message, fix) => {
      const o = withVcluster(delivery);
      breakIt(o);
      const check = vcCheck(o, 'team-a');
      expect(check.status).toBe(CheckStatus.FAIL);
      expect(findings(o)).toEqual([[release, message, fix]]);
      expect(TenancyAudit.auditObjects(o).passed).toBe(false);
    });

    test('installed into another tenant\'s namespace, it fails that tenant\'s check too', () => {
      const o = withVcluster(delivery);
      installInto(o, 'team-b');
      expect(vcCheck(o, 'team-b').findings.map((f) => f.object)).toEqual([release]);
    });
  });

  test('a release the library did not write is recognised by its chart, attributed by its namespace, and judged on every locked path', () => {
    const app = new App();
    new SoftTenant(new Chart(app, 'b'), 'B', { name: 'team-b' });
    const o: any[] = [...JSON.parse(JSON.stringify(synthObjects(app))), {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'dev', namespace: 'team-b' },
      spec: { chart: { spec: { chart: 'vcluster', sourceRef: { kind: 'HelmRepository', name: 'loft' } } }, valuesFrom: [{ kind: 'ConfigMap', name: 'vc-values' }] },
    }];
    const f = findings(o, 'team-b');
    expect(f[0]).toEqual(['HelmRelease team-b/dev', 'takes values from spec.valuesFrom, which the manifests do not hold: they could override the locked paths', 'Inline the values in spec.values.']);
    expect(f.slice(1).map(([, message]) => message)).toEqual([
      'sync.toHost.namespaces', 'sync.toHost.persistentVolumes', 'sync.toHost.storageClasses', 'sync.toHost.priorityClasses',
      'sync.toHost.resourceClaims', 'sync.toHost.resourceClaimTemplates', 'sync.toHost.gatewayApi', 'sync.toHost.pods.hybridScheduling',
      'sync.toHost.endpoints', 'sync.toHost.endpointSlices',
      ...['nodes', 'priorityClasses', 'deviceClasses', 'ingressClasses', 'runtimeClasses', 'gatewayClasses', 'storageClasses',
        'csiNodes', 'csiDrivers', 'csiStorageCapacities', 'gateways', 'configMaps', 'secrets'].map((k) => `sync.fromHost.${k}`),
      'controlPlane.distro', 'controlPlane.hostPathMapper', 'controlPlane.statefulSet.security', 'controlPlane.coredns.security', 'policies', 'rbac',
    ].map((p) => `values does not set ${p}: the chart's default applies`));
  });

  test('Argo CD parameters count, over valuesObject, typed as Helm types them', () => {
    const o = withVcluster(VirtualClusterDelivery.argoCd());
    const source = named(o, 'Application', 'vcluster-team-a').spec.source;
    source.helm.parameters = [{ name: 'controlPlane.hostPathMapper.enabled', value: 'false' }];
    expect(vcCheck(o, 'team-a').status).toBe(CheckStatus.PASS);
    source.helm.parameters = [{ name: 'controlPlane.hostPathMapper.enabled', value: 'true' }];
    expect(findings(o).map(([, message]) => message)).toEqual(['values sets controlPlane.hostPathMapper.enabled to true, where the library locks false']);
  });
});

describe('input', () => {
  const dir = () => tempDir('audit-');
  const write = (d: string, name: string, text: string) => fs.writeFileSync(path.join(d, name), text);

  test('multi-document YAML, JSON Lists, nested directories; unknown kinds and unlabelled namespaces are reported', () => {
    const d = dir();
    const objects = twoTenants();
    fs.mkdirSync(path.join(d, 'tenants'));
    write(d, 'tenants/a.yaml', objects.filter((o) => o.metadata.namespace !== 'team-b').map((o) => YAML.stringify(o)).join('---\n'));
    write(d, 'b.json', JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects.filter((o) => o.metadata.namespace === 'team-b') }));
    write(d, 'extra.yml', 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: shared-tools}\n---\n');
    write(d, 'notes.txt', 'not a manifest');
    const report = TenancyAudit.auditPaths([d]);
    expect(report.problems).toEqual([]);
    expect(report.objectCount).toBe(objects.length + 2);
    expect(report.unknownKinds).toEqual(['example.com/v1/Widget']);
    expect(report.unlabelledNamespaces).toEqual(['shared-tools']);
    expect(report.passed).toBe(true);
  });

  test('invalid YAML, a missing path and a document that is not an object are problems, not crashes', () => {
    const d = dir();
    write(d, 'bad.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: x\n');
    write(d, 'scalar.yaml', 'just a string\n');
    write(d, 'bad.json', '{"kind": ');
    const report = TenancyAudit.auditPaths([d, path.join(d, 'missing.yaml')]);
    expect(report.problems.map((p) => `${path.basename(p.source)}: ${p.message.split(':')[0]}`).sort())
      .toEqual(['bad.json: invalid JSON', 'bad.yaml: invalid YAML', 'missing.yaml: cannot read', 'scalar.yaml: not a Kubernetes object (no apiVersion and kind)']);
    expect(report.passed).toBe(false);
  });

  test('a dangling link or an unreadable directory inside a directory is a problem, not a crash', () => {
    const d = dir();
    fs.symlinkSync(path.join(d, 'nowhere.yaml'), path.join(d, 'link.yaml'));
    fs.symlinkSync(path.join(d, 'nowhere'), path.join(d, 'linked-dir'));
    const report = TenancyAudit.auditPaths([d]);
    expect(report.problems.map((p) => `${path.basename(p.source)}: ${p.message}`).sort()).toEqual(['link.yaml: cannot read: ENOENT', 'linked-dir: cannot read: ENOENT']);
    expect(report.passed).toBe(false);
  });

  test('findings name the file the object came from', () => {
    const d = dir();
    const objects = without(twoTenants(), (x) => x.kind === 'LimitRange');
    named(objects, 'NetworkPolicy', 'allow-cluster-dns', 'team-a').spec.egress[0].to[0].namespaceSelector = {};
    write(d, 'all.yaml', objects.map((o) => YAML.stringify(o)).join('---\n'));
    const report = TenancyAudit.auditPaths([d]);
    const dns = report.tenants[0].checks.find((c) => c.id === 'network.dns')!;
    expect(dns.findings[0].source).toBe(path.join(d, 'all.yaml'));
  });
});

describe('the CLI', () => {
  const run = (args: string[], interactive = false) => {
    let stdout = '';
    let stderr = '';
    const code = main(args, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, interactive });
    return { code, stdout, stderr };
  };
  const fixture = (objects: any[]) => {
    const d = tempDir('audit-cli-');
    objects.forEach((o, i) => fs.writeFileSync(path.join(d, `${String(i).padStart(3, '0')}.yaml`), YAML.stringify(o)));
    return d;
  };

  test('exit 0 and a table when everything passes; progress only on a terminal', () => {
    const d = fixture(twoTenants());
    const quiet = run(['audit', d]);
    expect(quiet).toMatchObject({ code: EXIT_PASSED, stderr: '' });
    expect(quiet.stdout).toMatch(/^tenant team-b \(team-b, team-b-jobs\)$/m);
    expect(quiet.stdout).toMatch(/^ {2}team-b +\+TCP\/8080 +- +\. *$/m);
    expect(quiet.stdout).toMatch(/47 passed, 0 failed, 18 not applicable; \d+ objects, 3 tenants/);
    // every phase shows, one line each
    const phases = run(['audit', d], true).stderr.split('\n').map((l) => l.split('\r').pop());
    expect(phases).toEqual([expect.stringMatching(/^reading manifests: (\d+)\/\1$/), expect.stringMatching(/^indexing: (\d+)\/\1$/), 'checking tenants: 3/3', 'reachability: 3/3', '']);
  });

  test('exit 1 on a failed check; json and junit carry it', () => {
    const d = fixture(without(twoTenants(), (x) => x.kind === 'LimitRange' && x.metadata.namespace === 'team-a'));
    const table = run(['audit', d]);
    expect(table.code).toBe(EXIT_FAILED);
    expect(table.stdout).toMatch(/FAIL {2}quota.limit-range/);
    const json = JSON.parse(run(['audit', d, '--format', 'json']).stdout);
    expect(json.tenants[0].checks.find((c: any) => c.id === 'quota.limit-range').status).toBe('fail');
    const junit = run(['audit', d, '-f', 'junit']);
    expect(junit.code).toBe(EXIT_FAILED);
    expect(junit.stdout).toMatch(/<testsuite name="tenant team-a" tests="21" failures="1" skipped="6">/);
    expect(junit.stdout).toMatch(/<testcase classname="tenant team-a" name="quota.limit-range"><failure message="has no LimitRange/);
  });

  test('--tenant limits the report', () => {
    const d = fixture(twoTenants());
    const json = JSON.parse(run(['audit', d, '--tenant', 'team-c', '--format', 'json']).stdout);
    expect(json.tenants.map((t: any) => t.tenant)).toEqual(['team-c']);
  });

  test.each([
    ['no arguments', []],
    ['no paths', ['audit']],
    ['an unknown format', ['audit', '.', '--format', 'xml']],
    ['an unknown option', ['audit', '.', '--frobnicate']],
  ])('usage error (%s): exit 2 with a message', (_, args) => {
    const r = run(args);
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.stderr).toMatch(/error|Usage/);
  });

  test('no manifests at all: exit 2', () => {
    const d = tempDir('audit-empty-');
    expect(run(['audit', d])).toMatchObject({ code: EXIT_USAGE, stderr: expect.stringMatching(/error: no Kubernetes objects found/) });
  });

  test('an unknown tenant: exit 2', () => {
    const d = fixture(twoTenants());
    expect(run(['audit', d, '--tenant', 'nobody'])).toMatchObject({ code: EXIT_USAGE, stderr: expect.stringMatching(/no tenant named nobody/) });
  });
});

test('the compiled CLI runs as a program, with its exit codes', () => {
  const d = tempDir('audit-bin-');
  const objects = twoTenants();
  fs.writeFileSync(path.join(d, 'ok.yaml'), objects.map((o) => YAML.stringify(o)).join('---\n'));
  const cli = path.join(__dirname, '..', 'lib', 'audit', 'cli.js');
  expect(fs.readFileSync(cli, 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
  const ok = spawnSync(process.execPath, [cli, 'audit', d], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  expect([ok.status, ok.stderr]).toEqual([0, '']);
  fs.writeFileSync(path.join(d, 'ok.yaml'), without(objects, (x) => x.kind === 'LimitRange').map((o) => YAML.stringify(o)).join('---\n'));
  expect(spawnSync(process.execPath, [cli, 'audit', d], { encoding: 'utf8' }).status).toBe(1);
  expect(spawnSync(process.execPath, [cli, 'audit'], { encoding: 'utf8' }).status).toBe(2);
});

test('manifests are read as Kubernetes reads them: YAML 1.1', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { readFile } = require('../src/audit/kit/loader');
  const file = path.join(tempDir('yaml11-'), 'cm.yaml');
  fs.writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  labels:\n    paged: yes\ndata:\n  mode: on\n  quoted: "on"\n');
  const [{ object }] = readFile(file, []);
  expect(object.metadata.labels.paged).toBe(true);
  expect(object.data).toEqual({ mode: true, quoted: 'on' });
});
