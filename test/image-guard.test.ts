import { App, Chart } from 'cdk8s';
import { admit, AdmissionRequest } from './helpers/admission';
import { find, K8sObject, ofKind, synthObjects } from './helpers/manifests';
import { GITOPS, kubeSystem, Requester, TENANTS } from './helpers/requesters';
import { SoftTenant, TenantRegistries } from 'cdk8s-tenancy';

/*
 * The image guard (MTB PL1-CC-DI-1): registries and pull policy in every
 * kind of container, in pods and in workload templates, whoever creates
 * them.
 */

const ECR = '111111111111.dkr.ecr.eu-west-1.amazonaws.com';
const app = new App();
const chart = new Chart(app, 'tenants');
new SoftTenant(chart, 'A', { name: 'team-a', images: { registries: TenantRegistries.only([ECR, 'ghcr.io/acme']), requirePullAlways: true } });
new SoftTenant(chart, 'B', { name: 'team-b' });
const manifests = synthObjects(app);
const nsA = find(manifests, 'Namespace', 'team-a');
const nsB = find(manifests, 'Namespace', 'team-b');

const good = (name: string, image = `${ECR}/web:1.2`) => ({ name, image, imagePullPolicy: 'Always' });
function podSpec(extra: Record<string, unknown> = {}) {
  return { containers: [good('web')], initContainers: [good('init', 'ghcr.io/acme/migrate:3')], ...extra };
}
const RESOURCES: Record<string, { group: string; resource: string; wrap: (spec: any) => any }> = {
  Pod: { group: '', resource: 'pods', wrap: (spec) => ({ spec }) },
  Deployment: { group: 'apps', resource: 'deployments', wrap: (spec) => ({ spec: { selector: {}, template: { spec } } }) },
  StatefulSet: { group: 'apps', resource: 'statefulsets', wrap: (spec) => ({ spec: { selector: {}, template: { spec } } }) },
  DaemonSet: { group: 'apps', resource: 'daemonsets', wrap: (spec) => ({ spec: { selector: {}, template: { spec } } }) },
  ReplicaSet: { group: 'apps', resource: 'replicasets', wrap: (spec) => ({ spec: { selector: {}, template: { spec } } }) },
  Job: { group: 'batch', resource: 'jobs', wrap: (spec) => ({ spec: { template: { spec } } }) },
  CronJob: { group: 'batch', resource: 'cronjobs', wrap: (spec) => ({ spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec } } } } }) },
  ReplicationController: { group: '', resource: 'replicationcontrollers', wrap: (spec) => ({ spec: { template: { spec } } }) },
};
function object(kind: string, ns: K8sObject, spec: any): K8sObject {
  return { apiVersion: 'v1', kind, metadata: { name: 'w', namespace: ns.metadata.name }, ...RESOURCES[kind].wrap(spec) };
}
function req(who: Requester, kind: string, ns: K8sObject, spec: any, options: { old?: any; subResource?: string } = {}): AdmissionRequest {
  const r = RESOURCES[kind];
  return {
    operation: options.old ? 'UPDATE' : 'CREATE',
    resource: { group: r.group, version: 'v1', resource: r.resource },
    subResource: options.subResource,
    namespace: ns.metadata.name,
    namespaceObject: ns,
    object: object(kind, ns, spec),
    oldObject: options.old ? object(kind, ns, options.old) : null,
    ...who,
  };
}
const denied = (r: AdmissionRequest, message: RegExp) => {
  const result = admit(manifests, r);
  expect(result.errors).toEqual([]);
  expect(result.allowed).toBe(false);
  expect(result.denials.map((d) => d.policy)).toEqual(['cdk8s-tenancy-images']);
  expect(result.denials[0].message).toMatch(message);
};
const allowed = (r: AdmissionRequest) => expect(admit(manifests, r)).toMatchObject({ allowed: true, errors: [], denials: [] });

const BAD: [string, any, RegExp][] = [
  ['a container from Docker Hub', podSpec({ containers: [good('web', 'docker.io/library/nginx:1.27')] }), /must come from .*; refused: docker.io\/library\/nginx:1.27/],
  ['a short name (Docker Hub to the kubelet)', podSpec({ containers: [good('web', 'nginx')] }), /refused: nginx/],
  ['an init container from a look-alike repository', podSpec({ initContainers: [good('init', 'ghcr.io/acme-evil/x:1')] }), /refused: ghcr.io\/acme-evil\/x:1/],
  ['a look-alike registry host', podSpec({ containers: [good('web', `${ECR}.evil.io/web:1`)] }), /refused/],
  ['a container that pulls IfNotPresent', podSpec({ containers: [{ ...good('web'), imagePullPolicy: 'IfNotPresent' }] }), /imagePullPolicy: Always .*not: web/],
  ['an init container without a pull policy', podSpec({ initContainers: [{ name: 'init', image: `${ECR}/init:1` }] }), /not: init/],
];

describe.each(TENANTS)('a %s', (_, who) => {
  describe.each(Object.keys(RESOURCES))('creating a %s', (kind) => {
    test.each(BAD)('with %s is refused', (__, spec, message) => denied(req(who, kind, nsA, spec), message));
    test('with images from its registries, pulled Always, is allowed', () => allowed(req(who, kind, nsA, podSpec())));
  });

  test('may not add an ephemeral container from elsewhere (kubectl debug)', () => {
    const debug = podSpec({ ephemeralContainers: [{ name: 'debug', image: 'docker.io/library/busybox', imagePullPolicy: 'Always' }] });
    denied(req(who, 'Pod', nsA, debug, { old: podSpec(), subResource: 'ephemeralcontainers' }), /refused: docker.io\/library\/busybox/);
    const fine = podSpec({ ephemeralContainers: [good('debug', `${ECR}/debug:1`)] });
    allowed(req(who, 'Pod', nsA, fine, { old: podSpec(), subResource: 'ephemeralcontainers' }));
  });

  test('may not swap a running pod\'s image for another registry\'s', () => {
    denied(req(who, 'Pod', nsA, podSpec({ containers: [good('web', 'quay.io/x/web:1')] }), { old: podSpec() }), /refused: quay.io\/x\/web:1/);
  });

  test('in a tenant without image rules, any image goes', () => {
    const result = admit(manifests, req(who, 'Pod', nsB, { containers: [{ name: 'web', image: 'nginx' }] }));
    expect(result).toMatchObject({ allowed: true, errors: [], denials: [] });
  });
});

test('the ReplicaSet, Job and DaemonSet controllers creating a tenant\'s pods are held too (the pods are the tenant\'s)', () => {
  for (const controller of ['replicaset-controller', 'job-controller', 'daemon-set-controller']) {
    denied(req(kubeSystem(controller), 'Pod', nsA, podSpec({ containers: [good('web', 'nginx')] })), /refused: nginx/);
    allowed(req(kubeSystem(controller), 'Pod', nsA, podSpec()));
  }
});

test('the platform\'s GitOps controller is held like anyone (what runs in a tenant is the tenant\'s), and passes with good images', () => {
  denied(req(GITOPS, 'Deployment', nsA, podSpec({ containers: [good('web', 'nginx')] })), /refused: nginx/);
  allowed(req(GITOPS, 'Deployment', nsA, podSpec()));
});

test('the guard exists once, only when a tenant has image rules', () => {
  expect(ofKind(manifests, 'ValidatingAdmissionPolicy').filter((p) => p.metadata.name === 'cdk8s-tenancy-images')).toHaveLength(1);
  const plain = new App();
  new SoftTenant(new Chart(plain, 'c'), 'T', { name: 'team-a', images: {} });
  expect(synthObjects(plain).some((o) => o.metadata.name === 'cdk8s-tenancy-images')).toBe(false);
});

test('bad input: a clear error naming the prop, the value and what is allowed; nothing emitted', () => {
  for (const [images, message] of [
    [{ registries: TenantRegistries.only([]) }, /tenants\/T: invalid images.registries \[\]: must name at least one registry. Use TenantRegistries.any\(\)/],
    [{ registries: TenantRegistries.only(['https://ghcr.io']) }, /invalid images.registries\[0\] 'https:\/\/ghcr.io': must be a registry host/],
    [{ registries: TenantRegistries.only(['ghcr.io/acme/']) }, /invalid images.registries\[0\] 'ghcr.io\/acme\/'/],
    [{ registries: TenantRegistries.only(['library']) }, /invalid images.registries\[0\] 'library': must be a registry host/],
    [{ registries: TenantRegistries.only(['ghcr.io', 'ghcr.io']) }, /lists a registry twice/],
    [{ registries: ['ghcr.io'] }, /invalid images.registries \["ghcr.io"\]: is not a TenantRegistries/],
    [{ requirePullAlways: 'yes' }, /invalid images.requirePullAlways 'yes': must be true or false/],
  ] as [any, RegExp][]) {
    const badChart = new Chart(new App(), 'tenants');
    expect(() => new SoftTenant(badChart, 'T', { name: 'team-x', images })).toThrow(message);
    expect(badChart.toJson()).toEqual([]);
  }
});
