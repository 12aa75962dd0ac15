import { App, Chart, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-27';
import { find, K8sObject, ofKind, synthObjects } from './helpers/manifests';
import { validateAll } from './helpers/schema';
import { parseQuantity } from '../src/core/quantity';
import {
  CheckStatus, PodSecurityLevel, SoftTenant, SoftTenantProps, TenancyAudit, TENANT_BUDGET_ANNOTATION, TenantPeer, TenantPort, TenantProfile,
  TenantStorageClasses, TenantStorageClassQuota,
} from 'cdk8s-tenancy';

/*
 * A budget for the whole tenant split over its namespaces, extended
 * resources and object counts in quotas, and per-namespace profiles.
 */

function synth(props: SoftTenantProps): K8sObject[] {
  const app = new App();
  new SoftTenant(new Chart(app, 'tenants'), 'Tenant', props);
  return synthObjects(app);
}
const hard = (objects: K8sObject[], ns: string) => find(objects, 'ResourceQuota', 'tenant-quota', ns).spec.hard;

describe('without a budget (unchanged default)', () => {
  test('every namespace gets the whole quota, extended resources and object counts included', () => {
    const objects = synth({
      name: 'team-a',
      namespaces: ['team-a', 'team-a-dev'],
      quota: { requestsCpu: Cpu.units(6), extendedResources: { 'nvidia.com/gpu': 2 }, objectCounts: { 'count/deployments.apps': 10, 'count/configmaps': 30 } },
    });
    for (const ns of ['team-a', 'team-a-dev']) {
      expect(hard(objects, ns)).toMatchObject({ 'requests.cpu': '6', 'limits.cpu': '8', 'requests.nvidia.com/gpu': '2', 'count/deployments.apps': '10', 'count/configmaps': '30', 'pods': '50' });
      expect(find(objects, 'ResourceQuota', 'tenant-quota', ns).metadata.annotations).toBeUndefined();
    }
    expect(validateAll(objects)).toBe(objects.length);
  });

  test('a profile overrides the tenant quota field by field in its namespace only', () => {
    const objects = synth({
      name: 'team-a',
      namespaces: ['team-a', 'team-a-dev'],
      quota: { pods: 40 },
      profiles: { 'team-a-dev': TenantProfile.of({ quota: { requestsCpu: Cpu.units(1), limitsCpu: Cpu.units(2) } }) },
    });
    expect(hard(objects, 'team-a')).toMatchObject({ 'requests.cpu': '4', 'limits.cpu': '8', 'pods': '40' });
    expect(hard(objects, 'team-a-dev')).toMatchObject({ 'requests.cpu': '1', 'limits.cpu': '2', 'pods': '40' });
  });
});

describe('a budget for the whole tenant', () => {
  const props: SoftTenantProps = {
    name: 'team-a',
    namespaces: ['team-a-prod', 'team-a-dev', 'team-a-test'],
    budget: {
      requestsCpu: Cpu.units(10),
      limitsCpu: Cpu.units(20),
      requestsMemory: Size.gibibytes(32),
      limitsMemory: Size.gibibytes(64),
      pods: 100,
      extendedResources: { 'nvidia.com/gpu': 4 },
      objectCounts: { 'count/deployments.apps': 30 },
    },
    profiles: {
      'team-a-prod': TenantProfile.of({ quota: { requestsCpu: Cpu.units(6), limitsCpu: Cpu.units(12), extendedResources: { 'nvidia.com/gpu': 4 } } }),
    },
  };
  const objects = synth(props);

  test('namespaces with an allocation keep it; the others share the rest evenly, rounded down', () => {
    expect(hard(objects, 'team-a-prod')).toMatchObject({ 'requests.cpu': '6', 'limits.cpu': '12', 'requests.nvidia.com/gpu': '4', 'requests.memory': '10922Mi', 'pods': '33', 'count/deployments.apps': '10' });
    for (const ns of ['team-a-dev', 'team-a-test']) {
      expect(hard(objects, ns)).toMatchObject({ 'requests.cpu': '2', 'limits.cpu': '4', 'requests.nvidia.com/gpu': '0', 'requests.memory': '10922Mi', 'limits.memory': '21845Mi', 'pods': '33' });
    }
    // Defaults of fields the budget leaves out are the tenant's total: 20Gi ephemeral storage over 3.
    expect(hard(objects, 'team-a-dev')['requests.ephemeral-storage']).toBe('6826Mi');
    expect(hard(objects, 'team-a-dev')['services.nodeports']).toBe('0');
  });

  test('the sum of the namespaces\' quotas never exceeds the budget, key by key', () => {
    const budget = JSON.parse(find(objects, 'ResourceQuota', 'tenant-quota', 'team-a-prod').metadata.annotations![TENANT_BUDGET_ANNOTATION]);
    for (const [key, total] of Object.entries<string>(budget)) {
      const sum = ['team-a-prod', 'team-a-dev', 'team-a-test'].reduce((s, ns) => s + parseQuantity(hard(objects, ns)[key])!, 0);
      expect({ key, within: sum <= parseQuantity(total)! }).toEqual({ key, within: true });
    }
    expect(budget).toMatchObject({ 'requests.cpu': '10', 'requests.nvidia.com/gpu': '4', 'count/deployments.apps': '30' });
  });

  test('the output is valid and pinned', () => {
    expect(validateAll(objects)).toBe(objects.length);
    expect(ofKind(objects, 'ResourceQuota').filter((q) => q.metadata.name === 'tenant-quota')).toMatchSnapshot();
  });

  test('every namespace allocated in full: the budget may be left partly unused', () => {
    const all = synth({
      name: 'team-a',
      namespaces: ['a1', 'a2'],
      budget: { requestsCpu: Cpu.units(8) },
      profiles: {
        a1: TenantProfile.of({ quota: { requestsCpu: Cpu.millis(2500) } }),
        a2: TenantProfile.of({ quota: { requestsCpu: Cpu.units(3) } }),
      },
    });
    expect([hard(all, 'a1')['requests.cpu'], hard(all, 'a2')['requests.cpu']]).toEqual(['2500m', '3']);
  });
});

describe('storage classes in the quota', () => {
  const objects = synth({
    name: 'team-a',
    namespaces: ['team-a', 'team-a-dev'],
    storage: { storageClasses: TenantStorageClasses.only(['gp3', 'io2']), deniedStorageClasses: ['gp2', 'io2-premium'] },
    budget: { storageClasses: [TenantStorageClassQuota.of('io2', { requestsStorage: Size.gibibytes(100), persistentVolumeClaims: 4 })] },
    profiles: { 'team-a-dev': TenantProfile.of({ quota: { storageClasses: [TenantStorageClassQuota.of('io2', { requestsStorage: Size.gibibytes(0), persistentVolumeClaims: 0 })] } }) },
  });

  test('a class quota is split like any key of the budget; the dev profile gets none of the expensive class', () => {
    expect(hard(objects, 'team-a')).toMatchObject({ 'io2.storageclass.storage.k8s.io/requests.storage': '100Gi', 'io2.storageclass.storage.k8s.io/persistentvolumeclaims': '4' });
    expect(hard(objects, 'team-a-dev')).toMatchObject({ 'io2.storageclass.storage.k8s.io/requests.storage': '0Gi', 'io2.storageclass.storage.k8s.io/persistentvolumeclaims': '0' });
  });
  test('denied classes get zero storage and zero claims in every namespace', () => {
    for (const ns of ['team-a', 'team-a-dev']) {
      expect(hard(objects, ns)).toMatchObject({
        'gp2.storageclass.storage.k8s.io/requests.storage': '0',
        'gp2.storageclass.storage.k8s.io/persistentvolumeclaims': '0',
        'io2-premium.storageclass.storage.k8s.io/requests.storage': '0',
        'io2-premium.storageclass.storage.k8s.io/persistentvolumeclaims': '0',
      });
      expect(Object.keys(hard(objects, ns)).filter((k) => k.startsWith('gp3.'))).toEqual([]);
    }
    expect(validateAll(objects)).toBe(objects.length);
  });
  test('without a budget, a per-class quota applies to every namespace', () => {
    const plain = synth({ name: 'team-a', quota: { storageClasses: [TenantStorageClassQuota.of('gp3', { persistentVolumeClaims: 7 })] } });
    expect(hard(plain, 'team-a')['gp3.storageclass.storage.k8s.io/persistentvolumeclaims']).toBe('7');
    expect(hard(plain, 'team-a')['gp3.storageclass.storage.k8s.io/requests.storage']).toBeUndefined();
  });
});

describe('profiles', () => {
  const objects = synth({
    name: 'team-a',
    namespaces: ['team-a-prod', 'team-a-dev'],
    admins: [],
    profiles: {
      'team-a-dev': TenantProfile.of({
        podSecurity: PodSecurityLevel.baseline('build tools run as root'),
        limitRange: { defaultLimitCpu: Cpu.units(1) },
        ingressFrom: [TenantPeer.namespace('ci', { app: 'runner' }, [TenantPort.tcp(8080)])],
        egressTo: [TenantPeer.cidr('10.0.0.0/8', [TenantPort.tcp(5432)])],
      }),
    },
  });

  test('one tenant identity: the same tenant label on both namespaces', () => {
    for (const ns of ['team-a-prod', 'team-a-dev']) expect(find(objects, 'Namespace', ns).metadata.labels!['cdk8s-tenancy.io/tenant']).toBe('team-a');
  });
  test('Pod Security per namespace, the reason recorded where it is weaker', () => {
    expect(find(objects, 'Namespace', 'team-a-prod').metadata.labels!['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(find(objects, 'Namespace', 'team-a-dev').metadata.labels!['pod-security.kubernetes.io/enforce']).toBe('baseline');
    expect(find(objects, 'Namespace', 'team-a-dev').metadata.annotations!['cdk8s-tenancy.io/pod-security-exception']).toBe('build tools run as root');
  });
  test('LimitRange per namespace', () => {
    expect(find(objects, 'LimitRange', 'tenant-limits', 'team-a-dev').spec.limits[0].default.cpu).toBe('1');
    expect(find(objects, 'LimitRange', 'tenant-limits', 'team-a-prod').spec.limits[0].default.cpu).toBe('500m');
  });
  test('the profile\'s peers only in its namespace', () => {
    expect(find(objects, 'NetworkPolicy', 'allow-profile-ingress', 'team-a-dev').spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ci' } }, podSelector: { matchLabels: { app: 'runner' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }],
    });
    expect(find(objects, 'NetworkPolicy', 'allow-profile-egress', 'team-a-dev').spec.egress[0].to).toEqual([{ ipBlock: { cidr: '10.0.0.0/8' } }]);
    expect(ofKind(objects, 'NetworkPolicy', 'team-a-prod').map((p) => p.metadata.name).filter((n) => n.startsWith('allow-profile'))).toEqual([]);
    expect(validateAll(objects)).toBe(objects.length);
  });
});

type Case = [string, Partial<SoftTenantProps>, RegExp];
const TWO = ['team-a', 'team-a-dev'];
const CASES: Case[] = [
  ['an extended resource without a domain', { quota: { extendedResources: { gpu: 1 } } }, /invalid quota.extendedResources\['gpu'\] 'gpu': must be an extended resource name: '<domain>\/<name>' outside kubernetes.io/],
  ['an extended resource in kubernetes.io', { quota: { extendedResources: { 'kubernetes.io/gpu': 1 } } }, /invalid quota.extendedResources\['kubernetes.io\/gpu'\] 'kubernetes.io\/gpu': must be an extended resource name/],
  ['an extended resource given as its quota key', { quota: { extendedResources: { 'requests.nvidia.com/gpu': 1 } } }, /invalid quota.extendedResources\['requests.nvidia.com\/gpu'\].*Give the bare resource name/],
  ['a fractional GPU count', { quota: { extendedResources: { 'nvidia.com/gpu': 0.5 } } }, /invalid quota.extendedResources\['nvidia.com\/gpu'\] 0.5: must be a whole number of 0 or more/],
  ['an object count without count/', { quota: { objectCounts: { 'deployments.apps': 3 } } }, /invalid quota.objectCounts\['deployments.apps'\] 'deployments.apps': must be an object count key 'count\/<resource>.<group>'/],
  ['an object count with an upper-case resource', { quota: { objectCounts: { 'count/Deployments.apps': 3 } } }, /invalid quota.objectCounts\['count\/Deployments.apps'\]/],
  ['a negative object count', { quota: { objectCounts: { 'count/jobs.batch': -1 } } }, /invalid quota.objectCounts\['count\/jobs.batch'\] -1: must be a whole number/],
  ['a CPU quota given as a string', { quota: { requestsCpu: '4' as any } }, /invalid quota.requestsCpu '4': is not a Cpu. Use Cpu.units\(n\)/],
  ['a budget with a bad quantity', { budget: { requestsCpu: Cpu.millis(-5) } }, /invalid budget.requestsCpu '-5m': must be a non-negative Kubernetes quantity/],
  ['quota and budget together', { quota: { pods: 10 }, budget: { pods: 20 } }, /invalid quota \{"pods":10\}: cannot be set together with budget/],
  ['allocations over the budget', { namespaces: TWO, budget: { requestsCpu: Cpu.units(8) }, profiles: { 'team-a': TenantProfile.of({ quota: { requestsCpu: Cpu.units(6) } }), 'team-a-dev': TenantProfile.of({ quota: { requestsCpu: Cpu.units(4) } }) } },
    /invalid budget.requestsCpu '8': is exceeded by the namespaces' allocations of requests.cpu: team-a 6, team-a-dev 4 sum to 10, more than the tenant's budget of 8/],
  ['GPU allocations over the budget', { namespaces: TWO, budget: { extendedResources: { 'nvidia.com/gpu': 2 } }, profiles: { 'team-a': TenantProfile.of({ quota: { extendedResources: { 'nvidia.com/gpu': 3 } } }) } },
    /invalid budget.extendedResources\['nvidia.com\/gpu'\] '2': is exceeded by the namespaces' allocations of requests.nvidia.com\/gpu: team-a 3 sum to 3/],
  ['an allocation of a key the budget does not cap', { namespaces: TWO, budget: {}, profiles: { 'team-a': TenantProfile.of({ quota: { objectCounts: { 'count/jobs.batch': 5 } } }) } },
    /invalid profiles\['team-a'\].quota.objectCounts\['count\/jobs.batch'\] '5': allocates count\/jobs.batch, which the tenant's budget does not cap. Add count\/jobs.batch to the budget/],
  ['a share too small for the LimitRange defaults', { namespaces: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'], budget: { requestsCpu: Cpu.units(4), limitsCpu: Cpu.units(4) } },
    /invalid limitRange default limit cpu '500m': must not exceed quota limits.cpu \(444m\)/],
  ['a profile for a namespace the tenant does not have', { profiles: { 'team-b': TenantProfile.of({}) } }, /invalid profiles 'team-b': is not one of the tenant's namespaces \(team-a\)/],
  ['a profile that is not a TenantProfile', { profiles: { 'team-a': { quota: {} } as any } }, /invalid profiles\['team-a'\] \{"quota":\{\}\}: is not a TenantProfile. Use TenantProfile.of/],
  ['a profile Pod Security level without a reason', { profiles: { 'team-a': TenantProfile.of({ podSecurity: PodSecurityLevel.of('baseline') }) } }, /invalid profiles\['team-a'\].podSecurity 'baseline': is weaker than restricted and needs a reason/],
  ['a profile quota with requests above limits', { profiles: { 'team-a': TenantProfile.of({ quota: { requestsCpu: Cpu.units(9) } }) } }, /invalid profiles\['team-a'\].quota requests.cpu '9': must not exceed profiles\['team-a'\].quota limits.cpu \(8\)/],
  ['a profile peer with a bad CIDR', { profiles: { 'team-a': TenantProfile.of({ egressTo: [TenantPeer.cidr('10.0.0.1')] }) } }, /invalid profiles\['team-a'\].egressTo\[0\] cidr '10.0.0.1'/],
  ['a profile LimitRange above its quota', { profiles: { 'team-a': TenantProfile.of({ limitRange: { defaultLimitCpu: Cpu.units(9) } }) } }, /invalid profiles\['team-a'\].limitRange default limit cpu '9': must not exceed quota limits.cpu \(8\)/],
  ['a class quota on a class the tenant may not use', { storage: { storageClasses: TenantStorageClasses.only(['gp3']) }, quota: { storageClasses: [TenantStorageClassQuota.of('io2', { persistentVolumeClaims: 1 })] } },
    /invalid quota storageClasses 'io2': is not a StorageClass the tenant may use \(storage.storageClasses: gp3\)/],
  ['a class quota on a denied class', { storage: { deniedStorageClasses: ['io2'] }, quota: { storageClasses: [TenantStorageClassQuota.of('io2', { persistentVolumeClaims: 1 })] } },
    /invalid quota storageClasses 'io2': is not a StorageClass the tenant may use \(storage.storageClasses: any; denied: io2\)/],
  ['a class quota that caps nothing', { quota: { storageClasses: [TenantStorageClassQuota.of('gp3', {})] } }, /invalid quota.storageClasses\[0\] 'gp3': caps nothing/],
  ['a class quota with a bad class name', { quota: { storageClasses: [TenantStorageClassQuota.of('GP3', { persistentVolumeClaims: 1 })] } }, /invalid quota.storageClasses\[0\] storageClass 'GP3': must be a StorageClass name/],
  ['a class quota with a negative claim count', { quota: { storageClasses: [TenantStorageClassQuota.of('gp3', { persistentVolumeClaims: -1 })] } }, /invalid quota.storageClasses\[0\] persistentVolumeClaims -1/],
  ['a class quota listed twice', { quota: { storageClasses: [TenantStorageClassQuota.of('gp3', { persistentVolumeClaims: 1 }), TenantStorageClassQuota.of('gp3', { persistentVolumeClaims: 2 })] } },
    /invalid quota.storageClasses\[1\] 'gp3': is listed twice/],
  ['a class quota that is not a TenantStorageClassQuota', { quota: { storageClasses: [{ storageClass: 'gp3' } as any] } }, /invalid quota.storageClasses\[0\] \{"storageClass":"gp3"\}: is not a TenantStorageClassQuota/],
  ['a denied class that is also allowed', { storage: { storageClasses: TenantStorageClasses.only(['gp3']), deniedStorageClasses: ['gp3'] } }, /invalid storage.deniedStorageClasses\[0\] 'gp3': is also an allowed class/],
  ['a denied class that is not a name', { storage: { deniedStorageClasses: ['Fast SSD'] } }, /invalid storage.deniedStorageClasses\[0\] 'Fast SSD': must be a StorageClass name/],
  ['a denied class listed twice', { storage: { deniedStorageClasses: ['gp2', 'gp2'] } }, /invalid storage.deniedStorageClasses\[1\] 'gp2': is listed twice/],
  ['a class allocation over the budget', { namespaces: TWO, budget: { storageClasses: [TenantStorageClassQuota.of('gp3', { persistentVolumeClaims: 2 })] }, profiles: { 'team-a': TenantProfile.of({ quota: { storageClasses: [TenantStorageClassQuota.of('gp3', { persistentVolumeClaims: 3 })] } }) } },
    /invalid budget.storageClasses 'gp3' persistentvolumeclaims '2': is exceeded by the namespaces' allocations of gp3.storageclass.storage.k8s.io\/persistentvolumeclaims: team-a 3 sum to 3/],
];

describe.each(CASES)('bad value: %s', (_, props, message) => {
  test('fails at synth naming the construct, the prop, the value and what is allowed; nothing is emitted', () => {
    const app = new App();
    const chart = new Chart(app, 'tenants');
    expect(() => new SoftTenant(chart, 'TeamA', { name: 'team-a', ...props })).toThrow(message);
    expect(() => new SoftTenant(new Chart(app, 'again'), 'TeamA', { name: 'team-a', ...props })).toThrow(/^again\/TeamA: /);
    expect(chart.toJson()).toEqual([]);
  });
});

describe('the audit check quota.tenant-budget', () => {
  const budgeted = (): K8sObject[] => synth({
    name: 'team-a',
    namespaces: ['team-a', 'team-a-dev'],
    budget: { requestsCpu: Cpu.units(4), limitsCpu: Cpu.units(8) },
    profiles: { 'team-a': TenantProfile.of({ quota: { requestsCpu: Cpu.units(3) } }) },
  });
  const check = (objects: K8sObject[]) => TenancyAudit.auditObjects(objects).tenants.find((t) => t.tenant === 'team-a')!.checks.find((c) => c.id === 'quota.tenant-budget')!;

  test('passes on what SoftTenant synthesizes', () => {
    expect(check(budgeted())).toMatchObject({ status: CheckStatus.PASS, findings: [] });
  });
  test('fails when a hand edit raises one namespace past the budget', () => {
    const objects = budgeted();
    find(objects, 'ResourceQuota', 'tenant-quota', 'team-a-dev').spec.hard['requests.cpu'] = '2';
    expect(check(objects)).toMatchObject({
      status: CheckStatus.FAIL,
      findings: [{ object: 'Tenant team-a', message: "its namespaces' quotas of requests.cpu (team-a 3, team-a-dev 2) exceed the tenant's budget of 4" }],
    });
  });
  test('fails when a namespace quota drops a key the budget caps', () => {
    const objects = budgeted();
    delete find(objects, 'ResourceQuota', 'tenant-quota', 'team-a').spec.hard['limits.cpu'];
    expect(check(objects).findings).toEqual([expect.objectContaining({ object: 'ResourceQuota team-a/tenant-quota', message: "has no limits.cpu, which the tenant's budget caps at 8" })]);
  });
  test('does not apply to a tenant without a budget', () => {
    expect(check(synth({ name: 'team-a' })).status).not.toBe(CheckStatus.FAIL);
    expect(check(synth({ name: 'team-a' })).status).not.toBe(CheckStatus.PASS);
  });
});
