import { App, Chart } from 'cdk8s';
import { find, K8sObject, synthObjects } from './helpers/manifests';
import { can, Subject } from './helpers/rbac';
import { CheckStatus, SoftTenant, TenancyAudit, TenancyPlatform, TenantAudience, TenantMember, TenantRights, TenantRule } from 'cdk8s-tenancy';

/*
 * Extra tenant rights: what lands in the manifests, what the RBAC model
 * then lets each member do, that the audit passes it, and that every rule
 * refused at synth is one the audit flags when written by hand.
 */

const CERTIFICATES: TenantRule = { apiGroups: ['cert-manager.io'], resources: ['certificates'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] };
const MONITORS: TenantRule = { apiGroups: ['monitoring.coreos.com'], resources: ['servicemonitors', 'podmonitors'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] };
const admin: Subject = { kind: 'Group', name: 'team-a-admins' };
const dev: Subject = { kind: 'Group', name: 'team-a-devs' };
const otherAdmin: Subject = { kind: 'Group', name: 'team-b-admins' };

function build(rightsA: TenantRights[], rightsB: TenantRights[] = []): K8sObject[] {
  const app = new App();
  new TenancyPlatform(app, 'platform');
  new SoftTenant(new Chart(app, 'team-a'), 'TeamA', {
    name: 'team-a',
    namespaces: ['team-a', 'team-a-jobs'],
    admins: [TenantMember.group('team-a-admins')],
    users: [TenantMember.group('team-a-devs')],
    extraRights: rightsA,
  });
  new SoftTenant(new Chart(app, 'team-b'), 'TeamB', { name: 'team-b', admins: [TenantMember.group('team-b-admins')], extraRights: rightsB });
  return synthObjects(app);
}

const rbacFindings = (objects: K8sObject[]) => TenancyAudit.auditObjects(objects).tenants
  .flatMap((t) => t.checks.filter((c) => c.id.startsWith('rbac.')).map((c) => [t.tenant, c.id, c.status]));

test('without extraRights the output is the library\'s roles alone', () => {
  const objects = build([]);
  expect(objects.filter((o) => o.kind === 'ClusterRole')).toEqual([]);
  expect(objects.filter((o) => o.kind === 'RoleBinding').map((b) => `${b.metadata.namespace}/${b.metadata.name}`).sort())
    .toEqual(['team-a-jobs/tenant-admins', 'team-a-jobs/tenant-users', 'team-a/tenant-admins', 'team-a/tenant-users', 'team-b/tenant-admins']);
  expect(can(objects, admin, 'create', 'cert-manager.io', 'certificates', 'team-a')).toBe(false);
});

describe('TenantRights.rules: added to the library\'s roles', () => {
  test('admins (the default audience) get them in every namespace of the tenant, users do not', () => {
    const objects = build([TenantRights.rules([CERTIFICATES])]);
    for (const ns of ['team-a', 'team-a-jobs']) {
      expect(find(objects, 'Role', 'tenant-admin', ns).rules).toContainEqual(CERTIFICATES);
      expect(find(objects, 'Role', 'tenant-user', ns).rules).not.toContainEqual(CERTIFICATES);
      expect(can(objects, admin, 'create', 'cert-manager.io', 'certificates', ns)).toBe(true);
      expect(can(objects, dev, 'create', 'cert-manager.io', 'certificates', ns)).toBe(false);
    }
    // Never beyond the tenant's namespaces, never cluster-wide.
    expect(can(objects, admin, 'create', 'cert-manager.io', 'certificates', 'team-b')).toBe(false);
    expect(can(objects, admin, 'create', 'cert-manager.io', 'certificates')).toBe(false);
    expect(can(objects, otherAdmin, 'create', 'cert-manager.io', 'certificates', 'team-b')).toBe(false);
    expect(objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding')).toEqual([]);
  });

  test('TenantAudience.MEMBERS: users get them too', () => {
    const objects = build([TenantRights.rules([CERTIFICATES], { audience: TenantAudience.MEMBERS })]);
    expect(find(objects, 'Role', 'tenant-user', 'team-a').rules).toContainEqual(CERTIFICATES);
    expect(can(objects, dev, 'create', 'cert-manager.io', 'certificates', 'team-a-jobs')).toBe(true);
  });

  test('the audit passes the result', () => {
    const objects = build([TenantRights.rules([CERTIFICATES], { audience: TenantAudience.MEMBERS })]);
    expect(rbacFindings(objects).filter(([, , status]) => status !== CheckStatus.PASS)).toEqual([]);
    expect(TenancyAudit.auditObjects(objects).passed).toBe(true);
  });
});

describe('TenantRights.clusterRole: a library-written ClusterRole, bound per namespace', () => {
  const objects = build(
    [TenantRights.clusterRole('servicemonitor-editor', [MONITORS], { audience: TenantAudience.MEMBERS })],
    [TenantRights.clusterRole('servicemonitor-editor', [MONITORS])],
  );

  test('the output, pinned (the assertions around it say why it is right)', () => {
    expect(objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'RoleBinding' || o.kind === 'Role')).toMatchSnapshot();
  });

  test('one ClusterRole in the platform chart, with the declared rules, not aggregated', () => {
    const roles = objects.filter((o) => o.kind === 'ClusterRole');
    expect(roles).toEqual([{
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'servicemonitor-editor', labels: { 'cdk8s-tenancy.io/managed-by': 'cdk8s-tenancy' } },
      rules: [MONITORS],
    }]);
  });

  test('a RoleBinding per namespace for the audience, never a ClusterRoleBinding', () => {
    expect(find(objects, 'RoleBinding', 'tenant-members-servicemonitor-editor', 'team-a-jobs')).toMatchObject({
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'servicemonitor-editor' },
      subjects: [{ kind: 'Group', name: 'team-a-admins' }, { kind: 'Group', name: 'team-a-devs' }],
    });
    expect(find(objects, 'RoleBinding', 'tenant-admins-servicemonitor-editor', 'team-b').subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'team-b-admins' }]);
    expect(objects.filter((o) => o.kind === 'ClusterRoleBinding')).toEqual([]);
    expect(can(objects, dev, 'create', 'monitoring.coreos.com', 'servicemonitors', 'team-a')).toBe(true);
    expect(can(objects, dev, 'create', 'monitoring.coreos.com', 'servicemonitors', 'team-b')).toBe(false);
    expect(can(objects, otherAdmin, 'create', 'monitoring.coreos.com', 'podmonitors', 'team-b')).toBe(true);
    expect(can(objects, otherAdmin, 'create', 'monitoring.coreos.com', 'podmonitors', 'team-a')).toBe(false);
    expect(can(objects, otherAdmin, 'create', 'monitoring.coreos.com', 'podmonitors')).toBe(false);
  });

  test('the audit passes the result (the bound role is in the manifests)', () => {
    expect(rbacFindings(objects).filter(([, , status]) => status !== CheckStatus.PASS)).toEqual([]);
  });

  test('a tenant without members of the audience gets no binding', () => {
    const o = build([], [TenantRights.clusterRole('servicemonitor-editor', [MONITORS], { audience: TenantAudience.MEMBERS })]);
    expect(o.filter((x) => x.kind === 'RoleBinding' && x.metadata.name.includes('servicemonitor')).map((b) => b.subjects)).toEqual([[{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'team-b-admins' }]]);
  });

  test('two tenants declaring the same ClusterRole with other rules: refused', () => {
    expect(() => build([TenantRights.clusterRole('monitors', [MONITORS])], [TenantRights.clusterRole('monitors', [CERTIFICATES])]))
      .toThrow(/team-b\/TeamB: invalid extraRights clusterRole 'monitors': is already declared by another tenant with other rules/);
  });
});

/*
 * Every refusal, with the audit check that flags the same rule when written
 * into a tenant role by hand (one definition, read by both).
 */
const BAD_RULES: [string, TenantRule, RegExp, string | undefined][] = [
  ['a wildcard verb', { apiGroups: ['cert-manager.io'], resources: ['certificates'], verbs: ['*'] }, /uses '\*' in verbs, which the audit flags \(rbac.privilege-escalation\)/, 'rbac.privilege-escalation'],
  ['a wildcard resource', { apiGroups: ['cert-manager.io'], resources: ['*'], verbs: ['get'] }, /uses '\*' in resources/, 'rbac.privilege-escalation'],
  ['a wildcard group', { apiGroups: ['*'], resources: ['certificates'], verbs: ['get'] }, /uses '\*' in apiGroups/, 'rbac.privilege-escalation'],
  ['escalate on roles', { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['escalate'] }, /grants escalate, which lets a tenant raise its own rights/, 'rbac.privilege-escalation'],
  ['bind', { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'] }, /grants bind/, 'rbac.privilege-escalation'],
  ['impersonate service accounts', { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] }, /grants impersonate/, 'rbac.privilege-escalation'],
  ['writing NetworkPolicies', { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['delete'] }, /lets tenant subjects change networking.k8s.io\/networkpolicies.*\(rbac.isolation-objects\)/, 'rbac.isolation-objects'],
  ['writing the quota', { apiGroups: [''], resources: ['resourcequotas'], verbs: ['patch'] }, /change resourcequotas/, 'rbac.isolation-objects'],
  ['writing the quota\'s status', { apiGroups: [''], resources: ['resourcequotas/status'], verbs: ['update'] }, /change resourcequotas/, undefined],
  ['writing LimitRanges', { apiGroups: [''], resources: ['limitranges'], verbs: ['create'] }, /change limitranges/, 'rbac.isolation-objects'],
  ['writing RoleBindings', { apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'], verbs: ['create'] }, /change rbac.authorization.k8s.io\/rolebindings/, 'rbac.isolation-objects'],
  ['writing Roles', { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['update'] }, /change rbac.authorization.k8s.io\/roles/, 'rbac.isolation-objects'],
  ['writing EndpointSlices (CVE-2021-25740)', { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['create'] }, /write discovery.k8s.io\/endpointslices \(CVE-2021-25740/, undefined],
  ['nodes (cluster-scoped)', { apiGroups: [''], resources: ['nodes'], verbs: ['get'] }, /names cluster-scoped nodes: tenants get rights in their namespaces only/, undefined],
  ['CRDs (cluster-scoped)', { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['create'] }, /cluster-scoped apiextensions.k8s.io\/customresourcedefinitions/, undefined],
  ['an empty verb list', { apiGroups: ['cert-manager.io'], resources: ['certificates'], verbs: [] }, /.verbs \[\]: must list at least one verb/, undefined],
  ['an upper-case resource', { apiGroups: ['cert-manager.io'], resources: ['Certificates'], verbs: ['get'] }, /.resources\[0\] 'Certificates': must be a resource in lower-case plural/, undefined],
  ['a bad API group', { apiGroups: ['cert_manager'], resources: ['certificates'], verbs: ['get'] }, /.apiGroups\[0\] 'cert_manager': must be an API group/, undefined],
];

describe.each(BAD_RULES)('refused at synth: %s', (_, rule, message, auditCheck) => {
  test.each([
    ['TenantRights.rules', () => TenantRights.rules([rule])],
    ['TenantRights.clusterRole', () => TenantRights.clusterRole('extra', [rule])],
  ])('through %s: names the prop and the rule; nothing emitted', (__, rights) => {
    const chart = new Chart(new App(), 'tenants');
    expect(() => new SoftTenant(chart, 'T', { name: 'team-x', admins: [TenantMember.group('x')], extraRights: [rights()] }))
      .toThrow(new RegExp(`^tenants/T: invalid extraRights\\[0\\] rules\\[0\\].*${message.source}`));
    expect(chart.toJson()).toEqual([]);
  });

  if (auditCheck) {
    test(`the audit flags the same rule written by hand (${auditCheck})`, () => {
      const objects = JSON.parse(JSON.stringify(build([])));
      find(objects, 'Role', 'tenant-admin', 'team-a').rules.push(rule);
      const check = TenancyAudit.auditObjects(objects).tenants.find((t) => t.tenant === 'team-a')!.checks.find((c) => c.id === auditCheck)!;
      expect(check.status).toBe(CheckStatus.FAIL);
    });
  }
});

test('bad values of the other props: a clear error naming the prop, the value and what is allowed; nothing emitted', () => {
  for (const [rights, message] of [
    [[TenantRights.clusterRole('cluster-admin', [CERTIFICATES])], /invalid extraRights\[0\] clusterRole 'cluster-admin': is a built-in ClusterRole \(cluster-admin, admin, edit, view\)/],
    [[TenantRights.clusterRole('edit', [CERTIFICATES])], /clusterRole 'edit': is a built-in ClusterRole/],
    [[TenantRights.clusterRole('system:aggregate-to-edit', [CERTIFICATES])], /clusterRole 'system:aggregate-to-edit': must be a DNS-1123 subdomain/],
    [[TenantRights.clusterRole('x', [CERTIFICATES]), TenantRights.clusterRole('x', [CERTIFICATES])], /invalid extraRights\[1\] clusterRole 'x': is bound twice/],
    [[TenantRights.rules([])], /invalid extraRights\[0\] rules \[\]: must list at least one rule/],
    [[TenantRights.rules([CERTIFICATES], { audience: 'owners' as any })], /invalid extraRights\[0\] audience 'owners': must be TenantAudience.ADMINS or TenantAudience.MEMBERS/],
    [[CERTIFICATES as any], /invalid extraRights\[0\] .*is not a TenantRights. Use TenantRights.rules/],
  ] as [TenantRights[], RegExp][]) {
    const chart = new Chart(new App(), 'tenants');
    expect(() => new SoftTenant(chart, 'T', { name: 'team-x', extraRights: rights })).toThrow(message);
    expect(chart.toJson()).toEqual([]);
  }
});
