import { App, Chart, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-27';
import {
  ClusterDns, PodSecurityLevel, SoftTenant, SoftTenantProps, TenancyPlatform, TenantMember, TenantPeer, TenantPort, TenantPriorityClass,
} from 'cdk8s-tenancy';

/*
 * Every prop, every kind of bad value: a clear error at synth time that names
 * where (the construct path), the prop, the value and what is allowed, and
 * the tenant emits nothing.
 */

const LONG = 'a'.repeat(64);

type Case = [string, Partial<SoftTenantProps>, RegExp];

const CASES: Case[] = [
  // name
  ['name with an underscore', { name: 'Team_A' }, /invalid name 'Team_A': must be a DNS-1123 label of 1 to 63 characters.*Use, for example, 'team-a'/],
  ['name over 63 characters', { name: LONG }, new RegExp(`invalid name '${LONG}': must be a DNS-1123 label of 1 to 63`)],
  ['empty name', { name: '' }, /invalid name '': must be a DNS-1123 label/],
  ['reserved name as the default namespace', { name: 'kube-system' }, /invalid name 'kube-system': is reserved for the cluster/],
  ['name default', { name: 'default' }, /invalid name 'default': is reserved for the cluster/],
  // namespaces
  ['no namespaces', { namespaces: [] }, /invalid namespaces \[\]: must name at least one namespace/],
  ['a reserved namespace', { namespaces: ['team-a', 'kube-public'] }, /invalid namespaces\[1\] 'kube-public': is reserved for the cluster: 'default', 'kube-\*' and 'istio-system'/],
  ['istio-system', { namespaces: ['istio-system'] }, /invalid namespaces\[0\] 'istio-system': is reserved/],
  ['default namespace', { namespaces: ['default'] }, /invalid namespaces\[0\] 'default': is reserved/],
  ['a namespace that is not a DNS label', { namespaces: ['Team.A'] }, /invalid namespaces\[0\] 'Team.A': must be a DNS-1123 label/],
  ['a namespace listed twice', { namespaces: ['a', 'a'] }, /invalid namespaces\[1\] 'a': is listed twice/],
  // labels and annotations
  ['a label key with a bad prefix', { labels: { 'tenant/../x': 'v' } }, /invalid labels key 'tenant\/..\/x': must be a label key/],
  ['a label value over 63 characters', { labels: { team: LONG } }, /invalid labels\['team'\] '(a){64}': must be a label value: at most 63 characters/],
  ['the tenant label as an extra label', { labels: { 'cdk8s-tenancy.io/tenant': 'team-b' } }, /invalid labels 'cdk8s-tenancy.io\/tenant': is one of the library's own keys/],
  ['a Pod Security label as an extra label', { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } }, /invalid labels 'pod-security.kubernetes.io\/enforce': is one of the library's own keys.*Use the podSecurity prop/],
  ['an annotation key that is not a key', { annotations: { 'bad key': 'x' } }, /invalid annotations key 'bad key': must be a label key/],
  ['the library\'s annotation', { annotations: { 'cdk8s-tenancy.io/pod-security-exception': 'x' } }, /invalid annotations 'cdk8s-tenancy.io\/pod-security-exception': is one of the library's own keys/],
  // members
  ['system:masters as an admin', { admins: [TenantMember.group('system:masters')] }, /invalid admins\[0\] group 'system:masters': names starting with 'system:' are reserved/],
  ['every authenticated user as users', { users: [TenantMember.group('system:authenticated')] }, /invalid users\[0\] group 'system:authenticated'/],
  ['the anonymous user', { users: [TenantMember.user('system:anonymous')] }, /invalid users\[0\] user 'system:anonymous'/],
  ['an empty group', { admins: [TenantMember.group('')] }, /invalid admins\[0\] group '': must be a non-empty name/],
  ['a service account in a bad namespace', { admins: [TenantMember.serviceAccount('CI', 'deployer')] }, /invalid admins\[0\] service account namespace 'CI': must be a DNS-1123 label/],
  ['a service account with a bad name', { users: [TenantMember.serviceAccount('ci', 'Deployer!')] }, /invalid users\[0\] service account name 'Deployer!': must be a DNS-1123 subdomain/],
  // Pod Security
  ['an unknown Pod Security level', { podSecurity: PodSecurityLevel.of('strict') }, /invalid podSecurity 'strict': is not a Pod Security level: use PodSecurityLevel.RESTRICTED/],
  ['privileged without a reason', { podSecurity: PodSecurityLevel.of('privileged') }, /invalid podSecurity 'privileged': is weaker than restricted and needs a reason.*privilegedUnsafe/],
  ['baseline with an empty reason', { podSecurity: PodSecurityLevel.baseline(' ') }, /invalid podSecurity 'baseline': is weaker than restricted and needs a reason/],
  ['a version without the v', { podSecurityVersion: '1.34' }, /invalid podSecurityVersion '1.34': must be a Kubernetes minor from v1.32 to v1.37, e.g. 'v1.32' \(the default\)/],
  ['a major version that does not exist', { podSecurityVersion: 'v2.0' }, /invalid podSecurityVersion 'v2.0': must be a Kubernetes minor from v1.32 to v1.37/],
  ['a version older than the oldest supported Kubernetes', { podSecurityVersion: 'v1.31' }, /invalid podSecurityVersion 'v1.31': is older than the oldest supported Kubernetes: must be a Kubernetes minor from v1.32 to v1.37/],
  ['a version newer than any Kubernetes the library knows', { podSecurityVersion: 'v1.99' }, /invalid podSecurityVersion 'v1.99': is newer than the newest Kubernetes the library knows \(v1.37\)/],
  ['the next minor, not yet known', { podSecurityVersion: 'v1.38' }, /invalid podSecurityVersion 'v1.38': is newer than the newest Kubernetes the library knows/],
  ['latest for enforce', { podSecurityVersion: 'latest' }, /invalid podSecurityVersion 'latest': must be pinned to a Kubernetes minor from v1.32 to v1.37.*'latest' lets a cluster upgrade tighten the rules.*audit and warn already run at 'latest'/],
  // network
  ['a peer tenant that is not a DNS label', { network: { ingressFrom: [TenantPeer.tenant('Team_B')] } }, /invalid network.ingressFrom\[0\] tenant 'Team_B': must be a DNS-1123 label/],
  ['a peer namespace that is not a DNS label', { network: { ingressFrom: [TenantPeer.namespace('Ingress')] } }, /invalid network.ingressFrom\[0\] namespace 'Ingress'/],
  ['bad peer pod labels', { network: { ingressFrom: [TenantPeer.namespace('ingress', { 'a b': 'c' })] } }, /invalid network.ingressFrom\[0\] podLabels key 'a b'/],
  ['a CIDR with a /33 prefix', { network: { egressTo: [TenantPeer.cidr('10.0.0.0/33')] } }, /invalid network.egressTo\[0\] cidr '10.0.0.0\/33': must be an IPv4 or IPv6 network with a prefix length/],
  ['an address without a prefix', { network: { egressTo: [TenantPeer.cidr('10.0.0.1')] } }, /invalid network.egressTo\[0\] cidr '10.0.0.1': must be an IPv4 or IPv6 network/],
  ['a CIDR with host bits set', { network: { egressTo: [TenantPeer.cidr('10.0.0.1/8')] } }, /invalid network.egressTo\[0\] cidr '10.0.0.1\/8': has host bits set.*Use '10.0.0.0\/8'/],
  ['the metadata endpoint itself', { network: { egressTo: [TenantPeer.cidr('169.254.169.254/32')] } }, /invalid network.egressTo\[0\] cidr '169.254.169.254\/32': is the cloud metadata endpoint.*allowMetadataEndpoint/],
  ['port 0', { network: { egressTo: [TenantPeer.cidr('10.0.0.0/8', [TenantPort.tcp(0)])] } }, /invalid network.egressTo\[0\] ports\[0\] port 0: must be a whole number from 1 to 65535/],
  ['port 70000', { network: { ingressFrom: [TenantPeer.tenant('b', [TenantPort.udp(70000)])] } }, /invalid network.ingressFrom\[0\] ports\[0\] port 70000/],
  ['a reversed port range', { network: { egressTo: [TenantPeer.cidr('10.0.0.0/8', [TenantPort.tcpRange(9000, 8000)])] } }, /invalid network.egressTo\[0\] ports\[0\] endPort 8000: must be at least the start port 9000/],
  ['a DNS selector without pod labels', { network: { clusterDns: ClusterDns.pods('kube-system', {}) } }, /invalid network.clusterDns podLabels \{\}: must select the DNS pods with at least one label/],
  ['a DNS cache address that is not a CIDR', { network: { clusterDns: ClusterDns.nodeLocal('169.254.20.10') } }, /invalid network.clusterDns cidr '169.254.20.10'/],
  // quota
  ['a negative CPU quota', { quota: { requestsCpu: Cpu.millis(-1) } }, /invalid quota.requestsCpu '-1m': must be a non-negative Kubernetes quantity/],
  ['a CPU quota that is not a number', { quota: { limitsCpu: Cpu.units(NaN) } }, /invalid quota.limitsCpu 'NaN': must be a non-negative Kubernetes quantity/],
  ['a fractional pod count', { quota: { pods: 1.5 } }, /invalid quota.pods 1.5: must be a whole number of 0 or more/],
  ['a negative secret count', { quota: { secrets: -1 } }, /invalid quota.secrets -1: must be a whole number of 0 or more/],
  ['requests above limits', { quota: { requestsMemory: Size.gibibytes(32), limitsMemory: Size.gibibytes(16) } }, /invalid quota requests.memory '32Gi': must not exceed quota limits.memory \(16Gi\)/],
  // limit range
  ['a default request above the default limit', { limitRange: { defaultRequestCpu: Cpu.units(1), defaultLimitCpu: Cpu.millis(500) } }, /invalid limitRange default request cpu '1': must not exceed limitRange default limit cpu \(500m\)/],
  ['a default limit above the quota', { limitRange: { defaultLimitMemory: Size.gibibytes(64) } }, /invalid limitRange default limit memory '64Gi': must not exceed quota limits.memory \(16Gi\)/],
  ['a storage size that is not a number', { limitRange: { defaultLimitEphemeralStorage: Size.gibibytes(NaN) } }, /invalid limitRange.defaultLimitEphemeralStorage 'NaNGi'/],
  // priority classes
  ['a priority class that is not a DNS name', { priorityClasses: [TenantPriorityClass.of('High_Priority')] }, /invalid priorityClasses\[0\] name 'High_Priority': must be a DNS-1123 subdomain/],
  ['a negative priority pod count', { priorityClasses: [TenantPriorityClass.of('high', { pods: -2 })] }, /invalid priorityClasses\[0\] pods -2/],
  ['a priority class listed twice', { priorityClasses: [TenantPriorityClass.of('high'), TenantPriorityClass.of('high')] }, /invalid priorityClasses\[1\] 'high': is listed twice/],
];

describe.each(CASES)('%s', (_, props, message) => {
  test('fails at synth with an error naming the construct, the prop, the value and what is allowed; nothing is emitted', () => {
    const app = new App();
    const chart = new Chart(app, 'tenants');
    expect(() => new SoftTenant(chart, 'TeamA', { name: 'team-a', ...props })).toThrow(message);
    expect(() => new SoftTenant(new Chart(app, 'again'), 'TeamA', { name: 'team-a', ...props })).toThrow(/^tenants\/TeamA: |^again\/TeamA: /);
    expect(chart.toJson()).toEqual([]);
  });
});

describe('conflicts across tenants', () => {
  test('two tenants with one name', () => {
    const app = new App();
    new SoftTenant(new Chart(app, 'a'), 'A', { name: 'team-a' });
    const second = new Chart(app, 'b');
    expect(() => new SoftTenant(second, 'A2', { name: 'team-a', namespaces: ['team-a-2'] }))
      .toThrow("b/A2: invalid name 'team-a': is already the tenant declared at 'a/A': tenant names are unique in an app.");
    expect(second.toJson()).toEqual([]);
  });

  test('two tenants claiming one namespace', () => {
    const app = new App();
    new SoftTenant(new Chart(app, 'a'), 'A', { name: 'team-a', namespaces: ['shared'] });
    const second = new Chart(app, 'b');
    expect(() => new SoftTenant(second, 'B', { name: 'team-b', namespaces: ['team-b', 'shared'] }))
      .toThrow("b/B: invalid namespaces[1] 'shared': already belongs to tenant 'team-a': a namespace belongs to one tenant.");
    expect(second.toJson()).toEqual([]);
  });

  test('a tenant named like another tenant\'s namespace', () => {
    const app = new App();
    new SoftTenant(new Chart(app, 'a'), 'A', { name: 'team-a', namespaces: ['team-b'] });
    expect(() => new SoftTenant(new Chart(app, 'b'), 'B', { name: 'team-b' }))
      .toThrow("b/B: invalid name 'team-b': already belongs to tenant 'team-a'");
  });

  test('a tenant that failed its checks claims nothing', () => {
    const app = new App();
    expect(() => new SoftTenant(new Chart(app, 'a'), 'A', { name: 'team-a', podSecurityVersion: 'bad' })).toThrow(/podSecurityVersion/);
    expect(() => new SoftTenant(new Chart(app, 'b'), 'A', { name: 'team-a' })).not.toThrow();
  });

  test('a tenant refused for a namespace conflict does not keep its name', () => {
    const app = new App();
    new SoftTenant(new Chart(app, 'a'), 'A', { name: 'team-a', namespaces: ['shared'] });
    expect(() => new SoftTenant(new Chart(app, 'b'), 'B', { name: 'team-b', namespaces: ['shared'] })).toThrow(/already belongs to tenant 'team-a'/);
    expect(() => new SoftTenant(new Chart(app, 'c'), 'B', { name: 'team-b' })).not.toThrow();
  });
});

describe('extensions and peers added after construction', () => {
  const app = new App();
  const tenant = new SoftTenant(new Chart(app, 'a'), 'A', { name: 'team-a' });
  test.each([
    ['a namespace label with a library key', () => tenant.addNamespaceLabel('cdk8s-tenancy.io/tenant', 'x'), /a\/A: invalid namespace label 'cdk8s-tenancy.io\/tenant': is one of the library's own keys/],
    ['a namespace label value that is not a label value', () => tenant.addNamespaceLabel('istio.io/rev', '1.24.0!'), /a\/A: invalid namespace label\['istio.io\/rev'\] '1.24.0!'/],
    ['an egress peer with a bad CIDR', () => tenant.allowEgressTo(TenantPeer.cidr('300.0.0.0/8')), /a\/A: invalid allowEgressTo peer cidr '300.0.0.0\/8'/],
    ['an ingress peer that is not a DNS label', () => tenant.allowIngressFrom(TenantPeer.tenant('B')), /a\/A: invalid allowIngressFrom peer tenant 'B'/],
  ])('%s', (_, call, message) => {
    expect(call).toThrow(message);
  });
});

describe('TenancyPlatform', () => {
  test.each([
    ['a priority class name that is not a DNS name', 'High', { value: 10 }, /cdk8s-tenancy: invalid priority class name 'High': must be a DNS-1123 subdomain/],
    ['a system- priority class', 'system-high', { value: 10 }, /invalid priority class name 'system-high': must not start with 'system-'/],
    ['a priority value above the user range', 'high', { value: 2_000_000_000 }, /invalid priority class 'high' value 2000000000: must be a whole number no greater than 1000000000/],
    ['a fractional priority value', 'high', { value: 1.5 }, /invalid priority class 'high' value 1.5/],
  ])('%s', (_, name, options, message) => {
    const platform = new TenancyPlatform(new App(), 'cdk8s-tenancy');
    expect(() => platform.addPriorityClass(name, options)).toThrow(message);
    expect(platform.toJson().filter((o: any) => o.kind === 'PriorityClass')).toEqual([]);
  });

  test('the same priority class with another value', () => {
    const platform = new TenancyPlatform(new App(), 'cdk8s-tenancy');
    platform.addPriorityClass('high', { value: 10 });
    platform.addPriorityClass('high', { value: 10 });
    expect(() => platform.addPriorityClass('high', { value: 20 })).toThrow(/invalid priority class 'high' value 20: conflicts with the value 10/);
    expect(platform.toJson().filter((o: any) => o.kind === 'PriorityClass')).toHaveLength(1);
  });

  test('a platform below the root', () => {
    const app = new App();
    expect(() => new TenancyPlatform(new Chart(app, 'c'), 'p')).toThrow(/c\/p: invalid scope 'c': must be the root of the construct tree/);
  });

  test.each([
    ['an object that is not a PlacementEngine', {}, /p: invalid placementEngine \{\}: is not a PlacementEngine\./],
    ['an engine\'s name as a string', 'kyverno', /p: invalid placementEngine 'kyverno': is not a PlacementEngine\./],
  ])('placementEngine: %s', (_, value, message) => {
    const app = new App();
    expect(() => new TenancyPlatform(app, 'p', { placementEngine: value as any }))
      .toThrow(new RegExp(`${message.source} Use PlacementEngine\\.validatingAdmissionPolicy\\(\\), PlacementEngine\\.kyverno\\(\\) or PlacementEngine\\.gatekeeper\\(\\)\\.$`));
    expect(app.charts.flatMap((c) => c.toJson())).toEqual([]);
  });
});
