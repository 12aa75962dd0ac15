import { ApiObject, App, Chart, JsonPatch } from 'cdk8s';
import { Deployment } from 'cdk8s-plus-27';
import { synthObjects } from './helpers/manifests';
import { parsePodSecurityVersion, podSecurityViolations } from '../src/tenant/internal/pod-security-standards';
import { PodSecurityLevel, SoftTenant, TenancyAudit, TenantPlacement, TenantPriorityClass, TenantSandbox } from 'cdk8s-tenancy';

/*
 * The Pod Security Standards as ported from k8s.io/pod-security-admission
 * v0.37.2 (policy/check_*.go), and the audit check that every pod template
 * would be admitted in its namespace.
 */

const RESTRICTED_OK = {
  securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [{ name: 'app', image: 'x', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
};
const v = (s: string) => parsePodSecurityVersion(s)!;
const check = (level: string, version: string, spec: any, metadata: any = {}) => podSecurityViolations(level, v(version), { metadata, spec });
const withContainer = (patch: any, pod: any = {}) => ({ ...RESTRICTED_OK, ...pod, containers: [{ ...RESTRICTED_OK.containers[0], ...patch }] });
const withSc = (sc: any) => withContainer({ securityContext: { ...RESTRICTED_OK.containers[0].securityContext, ...sc } });

describe('the Pod Security Standards port', () => {
  test('a pod meeting restricted is admitted at every level and version', () => {
    for (const level of ['privileged', 'baseline', 'restricted']) for (const version of ['v1.30', 'v1.32', 'latest']) expect(check(level, version, RESTRICTED_OK)).toEqual([]);
  });

  test.each<[string, any, RegExp]>([
    ['no seccomp profile', { ...RESTRICTED_OK, securityContext: { runAsNonRoot: true } }, /^seccompProfile_restricted: pod or container "app" must set securityContext.seccompProfile.type/],
    ['capabilities not dropped', withSc({ capabilities: {} }), /^capabilities_restricted: container "app" must set securityContext.capabilities.drop=\["ALL"\]/],
    ['a capability added besides NET_BIND_SERVICE', withSc({ capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE', 'CHOWN'] } }), /must not include "CHOWN" in securityContext.capabilities.add/],
    ['privilege escalation left on', withSc({ allowPrivilegeEscalation: undefined }), /^allowPrivilegeEscalation: container "app"/],
    ['running as root allowed', { ...RESTRICTED_OK, securityContext: { seccompProfile: { type: 'RuntimeDefault' } } }, /^runAsNonRoot: pod or container "app" must set securityContext.runAsNonRoot=true/],
    ['uid 0', withSc({ runAsUser: 0 }), /^runAsUser: container "app" must not set runAsUser=0/],
    ['a hostPath volume', { ...RESTRICTED_OK, volumes: [{ name: 'h', hostPath: { path: '/' } }] }, /^restrictedVolumes: .*volume "h" use "hostPath"/],
    ['an nfs volume', { ...RESTRICTED_OK, volumes: [{ name: 'n', nfs: { server: 's', path: '/' } }] }, /^restrictedVolumes: .*"nfs"/],
  ])('restricted refuses %s', (_, spec, message) => {
    const why = check('restricted', 'v1.30', spec);
    expect(why).toHaveLength(1);
    expect(why[0]).toMatch(message);
  });

  test.each<[string, any, RegExp]>([
    ['a privileged container', withSc({ privileged: true }), /^privileged: /],
    ['host networking', { ...RESTRICTED_OK, hostNetwork: true }, /^hostNamespaces: hostNetwork=true/],
    ['a host port', withContainer({ ports: [{ containerPort: 80, hostPort: 80 }] }), /^hostPorts: /],
    ['NET_ADMIN (what an Istio init container without the CNI adds)', withSc({ capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } }), /^capabilities_baseline: container "app" must not include "NET_ADMIN", "NET_RAW"/],
    ['an Unconfined seccomp profile', { ...RESTRICTED_OK, securityContext: { seccompProfile: { type: 'Unconfined' } } }, /^seccompProfile_baseline: pod must not set/],
    ['an unsafe sysctl', { ...RESTRICTED_OK, securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }] } }, /^sysctls: forbidden sysctls "kernel.msgmax"/],
    ['an SELinux user', withSc({ seLinuxOptions: { user: 'system_u' } }), /^seLinuxOptions: /],
    ['an unconfined AppArmor profile', withSc({ appArmorProfile: { type: 'Unconfined' } }), /^appArmorProfile: /],
  ])('baseline refuses %s', (_, spec, message) => {
    const why = check('baseline', 'v1.30', spec);
    expect(why).toHaveLength(1);
    expect(why[0]).toMatch(message);
  });

  test('baseline lets through what only restricted refuses (root, no seccomp profile, capabilities kept)', () => {
    expect(check('baseline', 'v1.30', { containers: [{ name: 'app', image: 'x' }] })).toEqual([]);
    expect(check('restricted', 'v1.30', { containers: [{ name: 'app', image: 'x' }] }).map((x) => x.split(':')[0]).sort())
      .toEqual(['allowPrivilegeEscalation', 'capabilities_restricted', 'runAsNonRoot', 'seccompProfile_restricted']);
  });

  test('checks follow their versions, as the namespace pins them', () => {
    const probe = withContainer({ readinessProbe: { httpGet: { host: '169.254.169.254', port: 80 } } });
    expect(check('baseline', 'v1.33', probe)).toEqual([]);
    expect(check('baseline', 'v1.34', probe)[0]).toMatch(/^hostProbesAndHostLifecycle: /);
    const rmem = { ...RESTRICTED_OK, securityContext: { ...RESTRICTED_OK.securityContext, sysctls: [{ name: 'net.ipv4.tcp_rmem', value: '4096 87380 6291456' }] } };
    expect(check('baseline', 'v1.30', rmem)[0]).toMatch(/^sysctls: /);
    expect(check('baseline', 'v1.32', rmem)).toEqual([]);
    const userns = { ...RESTRICTED_OK, hostUsers: false, securityContext: { seccompProfile: { type: 'RuntimeDefault' }, runAsUser: 0 } };
    expect(check('restricted', 'v1.34', userns).map((x) => x.split(':')[0])).toEqual(['runAsNonRoot', 'runAsUser']);
    expect(check('restricted', 'v1.35', userns)).toEqual([]);
    const procMount = withSc({ procMount: 'Unmasked' });
    expect(check('restricted', 'v1.35', { ...procMount, hostUsers: false })[0]).toMatch(/^procMount_restricted: /);
    expect(check('baseline', 'v1.35', { ...procMount, hostUsers: false })).toEqual([]);
  });

  test('Windows pods are spared the Linux-only restricted checks (1.25+)', () => {
    expect(check('restricted', 'v1.30', { os: { name: 'windows' }, securityContext: { runAsNonRoot: true }, containers: [{ name: 'app', image: 'x' }] })).toEqual([]);
  });

  test('an unknown version label is read as latest, like the API server', () => {
    expect(parsePodSecurityVersion('v2')).toBeUndefined();
    expect(parsePodSecurityVersion(undefined)).toBe('latest');
    expect(parsePodSecurityVersion('v1.30')).toEqual([1, 30]);
  });
});

describe('audit check workloads.admitted', () => {
  function audit(build: (chart: Chart, tenant: SoftTenant) => void, props: any = {}) {
    const app = new App();
    const chart = new Chart(app, 'team-a');
    const tenant = new SoftTenant(chart, 'T', { name: 'team-a', ...props });
    build(chart, tenant);
    const report = TenancyAudit.auditObjects(synthObjects(app));
    return report.tenants[0].checks.find((c) => c.id === 'workloads.admitted')!;
  }
  const hardened = (d: Deployment) => ApiObject.of(d).addJsonPatch(
    JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
    JsonPatch.add('/spec/template/spec/containers/0/securityContext/capabilities', { drop: ['ALL'] }),
  );
  // cdk8s-plus's defaults: runAsNonRoot, allowPrivilegeEscalation false, no seccomp profile, no capabilities dropped.
  const web = (chart: Chart) => new Deployment(chart, 'web', { metadata: { namespace: 'team-a' }, containers: [{ image: 'x', portNumber: 8080 }] });

  test('a template restricted refuses is a finding naming the rule', () => {
    const result = audit((chart) => { web(chart); });
    expect(result.status).toBe('fail');
    expect(result.findings[0].message).toMatch(/^its pods would not be admitted in namespace team-a: Pod Security restricted \(v1.32\) refuses it: capabilities_restricted: .*; Pod Security restricted \(v1.32\) refuses it: seccompProfile_restricted: pod or container "main"/);
  });

  test('the same template passes once hardened, and under baseline as it was', () => {
    expect(audit((chart) => hardened(web(chart)))).toMatchObject({ status: 'pass', findings: [] });
    expect(audit((chart) => { web(chart); }, { podSecurity: PodSecurityLevel.baseline('legacy app') })).toMatchObject({ status: 'pass' });
  });

  test('a sandboxed tenant\'s template without its RuntimeClass, and a dedicated-nodes tenant\'s without its placement, are findings', () => {
    const sandboxed = audit((chart, tenant) => { tenant.addExtension(TenantSandbox.gvisor()); hardened(web(chart)); });
    expect(sandboxed.findings[0].message).toMatch(/the sandbox guard refuses it: spec.runtimeClassName must be gvisor/);
    const placed = audit((chart, tenant) => { tenant.addExtension(TenantPlacement.forTenant('team-a')); hardened(web(chart)); });
    expect(placed.findings[0].message).toMatch(/the placement guard refuses it: it must tolerate and require the dedicated nodes of tenant 'team-a'/);
    const both = audit((chart, tenant) => {
      const sandbox = TenantSandbox.gvisor();
      const placement = TenantPlacement.forTenant('team-a');
      tenant.addExtension(sandbox); tenant.addExtension(placement);
      const d = web(chart); hardened(d); sandbox.applyTo(d); placement.applyTo(d.scheduling);
    });
    expect(both).toMatchObject({ status: 'pass', findings: [] });
  });

  test('a priority class the tenant was not given is a finding; one it was given is not', () => {
    const withClass = (name: string) => (chart: Chart) => { ApiObject.of(web(chart)).addJsonPatch(JsonPatch.add('/spec/template/spec/priorityClassName', name)); };
    const props = { priorityClasses: [TenantPriorityClass.of('batch-high')] };
    const refused = audit((chart) => { withClass('system-cluster-critical')(chart); }, props);
    expect(refused.findings.map((f) => f.message).join()).toMatch(/priority class 'system-cluster-critical' is not one the tenant was given \(batch-high\)/);
    const given = audit((chart) => { withClass('batch-high')(chart); }, props);
    expect(given.findings.map((f) => f.message).join()).not.toMatch(/priority/);
  });

  test('a tenant without workloads: not applicable', () => {
    expect(audit(() => undefined).status).toBe('n/a');
  });
});
