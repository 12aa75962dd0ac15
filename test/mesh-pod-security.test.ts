import { execFileSync } from 'child_process';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { applicationPod, istioInjectedPod } from './fixtures/istio-injected-pod';
import { buildGoTool } from './helpers/go-tool';
import { find, K8sObject, ofKind, synthObjects } from './helpers/manifests';
import { IstioCni, IstioInstall, IstioTenantControlPlane, PodSecurityLevel, SoftTenant } from 'cdk8s-tenancy';

/*
 * Every workload the library ships is admitted under its namespace's Pod
 * Security level, including what a mesh injects (security invariants). The
 * pods are judged by k8s.io/pod-security-admission, the code the API server
 * runs for Pod Security Admission, built from its Go module
 * (test/tools/pod-security), at the levels and versions the namespaces
 * carry.
 */

interface Verdict { allowed: boolean; forbidden: string[] }

let evaluator: string;
beforeAll(() => {
  evaluator = buildGoTool({ moduleDir: path.join(__dirname, 'tools', 'pod-security'), pkg: '.', name: 'pod-security' });
}, 600_000);

function judge(requests: { level: string; version: string; pod: Record<string, any> }[]): Verdict[] {
  return JSON.parse(execFileSync(evaluator, { input: JSON.stringify(requests), encoding: 'utf8' }));
}

/** What each Pod Security mode of `namespace` says about `pod`. */
function admit(namespace: K8sObject, pod: Record<string, any>): Record<'enforce' | 'audit' | 'warn', Verdict> {
  const l = namespace.metadata.labels!;
  const modes = ['enforce', 'audit', 'warn'] as const;
  const verdicts = judge(modes.map((m) => ({ level: l[`pod-security.kubernetes.io/${m}`], version: l[`pod-security.kubernetes.io/${m}-version`], pod })));
  return { enforce: verdicts[0], audit: verdicts[1], warn: verdicts[2] };
}

function meshTenant(podSecurity: PodSecurityLevel, cni?: IstioCni) {
  const app = new App();
  new SoftTenant(new Chart(app, 'team-a'), 'A', { name: 'team-a', podSecurity })
    .addExtension(IstioTenantControlPlane.forTenant({ install: IstioInstall.sail('v1.30.3'), cni }));
  const objects = synthObjects(app);
  const istio = ofKind(objects, 'Istio')[0];
  return { namespace: find(objects, 'Namespace', 'team-a'), revision: istio.metadata.name, cni: istio.spec.values.pilot?.cni?.enabled === true };
}

test('the evaluator is the real one: it admits the plain workload and refuses a root pod with NET_ADMIN at restricted', () => {
  const [plain, initOnly] = judge([
    { level: 'restricted', version: 'v1.32', pod: applicationPod('team-a') },
    { level: 'restricted', version: 'latest', pod: istioInjectedPod({ namespace: 'team-a', revision: 'team-a', cni: false }) },
  ]);
  expect(plain).toEqual({ allowed: true, forbidden: [] });
  expect(initOnly.allowed).toBe(false);
  expect(initOnly.forbidden.join('\n')).toMatch(/unrestricted capabilities: container "istio-init" must not include "NET_ADMIN", "NET_RAW"/);
  expect(initOnly.forbidden.join('\n')).toMatch(/runAsNonRoot != true: container "istio-init" must not set securityContext.runAsNonRoot=false/);
});

describe.each([
  ['restricted (the default)', PodSecurityLevel.RESTRICTED],
  ['baseline', PodSecurityLevel.baseline('legacy images')],
])('a %s tenant with the default mesh (Sail, CNI plugin)', (_, level) => {
  const tenant = meshTenant(level);

  test('the control plane runs the CNI plugin, so the injector adds istio-validation, not istio-init', () => {
    expect(tenant.cni).toBe(true);
    const pod = istioInjectedPod({ namespace: 'team-a', revision: tenant.revision, cni: tenant.cni });
    expect(pod.spec.initContainers.map((c: any) => c.name)).toEqual(['istio-validation', 'istio-proxy']);
    expect(JSON.stringify(pod)).not.toMatch(/NET_ADMIN|NET_RAW/);
  });

  test.each([true, false])('an injected pod (native sidecar: %s) is admitted at the enforced level; audit and warn (restricted, latest) raise nothing', (nativeSidecar) => {
    const verdicts = admit(tenant.namespace, istioInjectedPod({ namespace: 'team-a', revision: tenant.revision, cni: tenant.cni, nativeSidecar }));
    const admitted = { allowed: true, forbidden: [] };
    expect(verdicts).toEqual({ enforce: admitted, audit: admitted, warn: admitted });
  });

  test('without the plugin the same pod would be refused: why IstioCni.disabled() is', () => {
    const verdicts = admit(tenant.namespace, istioInjectedPod({ namespace: 'team-a', revision: tenant.revision, cni: false }));
    expect(verdicts.enforce.allowed).toBe(false);
    // baseline calls them non-default capabilities, restricted unrestricted ones.
    expect(verdicts.enforce.forbidden.join('\n')).toMatch(/capabilities: container "istio-init" must not include "NET_ADMIN", "NET_RAW"/);
    expect(() => meshTenant(level, IstioCni.disabled())).toThrow(/invalid mesh cni 'IstioCni.disabled\(\)'/);
  });
});

test('a privileged tenant may run without the plugin: istio-init is admitted there, and audit still reports it', () => {
  const tenant = meshTenant(PodSecurityLevel.privilegedUnsafe('node agents'), IstioCni.disabled());
  expect(tenant.cni).toBe(false);
  const verdicts = admit(tenant.namespace, istioInjectedPod({ namespace: 'team-a', revision: tenant.revision, cni: tenant.cni }));
  expect(verdicts.enforce).toEqual({ allowed: true, forbidden: [] });
  expect(verdicts.audit.allowed).toBe(false);
});
