import { ApiObject, App, Chart, JsonPatch, Size } from 'cdk8s';
import { Cpu, Deployment } from 'cdk8s-plus-27';
import { admit, AdmissionRequest } from './helpers/admission';
import { find, K8sObject, ofKind, synthObjects } from './helpers/manifests';
import { validateAll } from './helpers/schema';
import { RUNTIME_CLASS_LABEL, SoftTenant, TenantSandbox } from 'cdk8s-tenancy';

function sandboxed(sandbox: TenantSandbox) {
  const app = new App();
  const chart = new Chart(app, 'team-a');
  const tenant = new SoftTenant(chart, 'TeamA', { name: 'team-a', namespaces: ['team-a', 'team-a-dev'] });
  tenant.addExtension(sandbox);
  new SoftTenant(new Chart(app, 'team-b'), 'TeamB', { name: 'team-b' });
  return { app, chart, tenant, objects: synthObjects(app) };
}

describe('TenantSandbox.gvisor()', () => {
  const { objects } = sandboxed(TenantSandbox.gvisor({ overheadCpu: Cpu.millis(100), overheadMemory: Size.mebibytes(64), nodeSelector: { 'sandbox.example.com/gvisor': 'true' } }));

  test('every object is valid against the Kubernetes schema', () => {
    expect(validateAll(objects)).toBe(objects.length);
  });

  test('emits the RuntimeClass once, with handler, overhead and scheduling', () => {
    expect(ofKind(objects, 'RuntimeClass')).toEqual([{
      apiVersion: 'node.k8s.io/v1',
      kind: 'RuntimeClass',
      metadata: { name: 'gvisor', labels: { 'cdk8s-tenancy.io/managed-by': 'cdk8s-tenancy' } },
      handler: 'runsc',
      overhead: { podFixed: { cpu: '100m', memory: '64Mi' } },
      scheduling: { nodeSelector: { 'sandbox.example.com/gvisor': 'true' } },
    }]);
  });

  test('labels every tenant namespace with the RuntimeClass, and no other tenant\'s', () => {
    expect(find(objects, 'Namespace', 'team-a').metadata.labels![RUNTIME_CLASS_LABEL]).toBe('gvisor');
    expect(find(objects, 'Namespace', 'team-a-dev').metadata.labels![RUNTIME_CLASS_LABEL]).toBe('gvisor');
    expect(find(objects, 'Namespace', 'team-b').metadata.labels![RUNTIME_CLASS_LABEL]).toBeUndefined();
  });

  test('the guard is a v1 policy with its binding, failing closed', () => {
    const policy = find(objects, 'ValidatingAdmissionPolicy', 'cdk8s-tenancy-sandbox');
    expect(policy.spec.failurePolicy).toBe('Fail');
    expect(find(objects, 'ValidatingAdmissionPolicyBinding', 'cdk8s-tenancy-sandbox').spec).toEqual({ policyName: 'cdk8s-tenancy-sandbox', validationActions: ['Deny'] });
  });
});

describe('the sandbox guard, evaluated', () => {
  const { objects } = sandboxed(TenantSandbox.kataFirecracker());
  const teamA = find(objects, 'Namespace', 'team-a');
  const teamB = find(objects, 'Namespace', 'team-b');
  const pod = (ns: K8sObject, runtimeClassName?: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: ns.metadata.name },
    spec: { containers: [{ name: 'web', image: 'nginx' }], ...(runtimeClassName ? { runtimeClassName } : {}) },
  });
  const create = (ns: K8sObject, runtimeClassName: string | undefined, username: string): AdmissionRequest => ({
    operation: 'CREATE',
    resource: { group: '', version: 'v1', resource: 'pods' },
    namespace: ns.metadata.name,
    object: pod(ns, runtimeClassName),
    oldObject: null,
    namespaceObject: ns,
    userInfo: { username },
  });
  const replicaSetController = 'system:serviceaccount:kube-system:replicaset-controller';

  test.each([
    ['no runtimeClassName', undefined, 'alice'],
    ['another RuntimeClass', 'runc', 'alice'],
    ['no runtimeClassName, created by the ReplicaSet controller', undefined, replicaSetController],
  ])('rejects a tenant pod with %s', (_, runtimeClassName, username) => {
    const result = admit(objects, create(teamA, runtimeClassName, username));
    expect(result.errors).toEqual([]);
    expect(result.denials).toEqual([{ policy: 'cdk8s-tenancy-sandbox', message: 'pods in namespace team-a must set spec.runtimeClassName to kata-fc' }]);
  });

  test('admits a tenant pod in the sandbox, whoever creates it', () => {
    for (const user of ['alice', replicaSetController]) {
      expect(admit(objects, create(teamA, 'kata-fc', user))).toMatchObject({ allowed: true, errors: [], evaluated: ['cdk8s-tenancy-sandbox'] });
    }
  });

  test('leaves other tenants alone', () => {
    expect(admit(objects, create(teamB, undefined, 'bob'))).toMatchObject({ allowed: true, errors: [], evaluated: [] });
  });
});

describe('composition', () => {
  test('two tenants share one RuntimeClass and one guard', () => {
    const app = new App();
    new SoftTenant(new Chart(app, 'a'), 'A', { name: 'team-a' }).addExtension(TenantSandbox.gvisor());
    new SoftTenant(new Chart(app, 'b'), 'B', { name: 'team-b' }).addExtension(TenantSandbox.gvisor());
    const objects = synthObjects(app);
    expect(ofKind(objects, 'RuntimeClass')).toHaveLength(1);
    expect(ofKind(objects, 'ValidatingAdmissionPolicy').map((p) => p.metadata.name).sort()).toEqual(['cdk8s-tenancy-cordon', 'cdk8s-tenancy-deletion-protection', 'cdk8s-tenancy-gateways', 'cdk8s-tenancy-guardrails', 'cdk8s-tenancy-ingress', 'cdk8s-tenancy-routes', 'cdk8s-tenancy-sandbox', 'cdk8s-tenancy-services', 'cdk8s-tenancy-storage']);
  });

  test('an existing RuntimeClass is referenced, not emitted', () => {
    const { objects } = sandboxed(TenantSandbox.runtimeClass('kata-qemu', { createRuntimeClass: false }));
    expect(ofKind(objects, 'RuntimeClass')).toEqual([]);
    expect(find(objects, 'Namespace', 'team-a').metadata.labels![RUNTIME_CLASS_LABEL]).toBe('kata-qemu');
  });

  test('applyTo sets runtimeClassName on a cdk8s-plus workload', () => {
    const { chart } = sandboxed(TenantSandbox.gvisor());
    const sandbox = TenantSandbox.gvisor();
    const deployment = new Deployment(chart, 'web', { metadata: { namespace: 'team-a' }, containers: [{ image: 'nginx', portNumber: 8080 }] });
    // What the namespace's `restricted` level asks beyond cdk8s-plus's
    // defaults (the cluster tier admits every workload the tests synthesize).
    ApiObject.of(deployment).addJsonPatch(
      JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
      JsonPatch.add('/spec/template/spec/containers/0/securityContext/capabilities', { drop: ['ALL'] }),
    );
    sandbox.applyTo(deployment);
    const rendered = chart.toJson().find((o: K8sObject) => o.kind === 'Deployment');
    expect(rendered.spec.template.spec.runtimeClassName).toBe('gvisor');
  });
});

describe('bad input', () => {
  const apply = (sandbox: TenantSandbox) => () => sandboxed(sandbox);
  test.each([
    ['a RuntimeClass name that is not a DNS label', TenantSandbox.runtimeClass('Kata_FC'), /team-a\/TeamA: invalid sandbox runtimeClassName 'Kata_FC': must be a DNS-1123 label/],
    ['a handler that is not a DNS label', TenantSandbox.runtimeClass('kata', { handler: 'kata fc' }), /invalid sandbox handler 'kata fc': must be a DNS-1123 label/],
    ['a node selector key that is not a label key', TenantSandbox.gvisor({ nodeSelector: { 'bad key': 'x' } }), /invalid sandbox nodeSelector key 'bad key'/],
    ['a negative CPU overhead', TenantSandbox.gvisor({ overheadCpu: Cpu.millis(-5) }), /invalid sandbox overheadCpu '-5m': must be a non-negative Kubernetes quantity/],
  ])('%s', (_, sandbox, message) => {
    expect(apply(sandbox)).toThrow(message);
  });

  test('one RuntimeClass declared two ways', () => {
    const app = new App();
    new SoftTenant(new Chart(app, 'a'), 'A', { name: 'team-a' }).addExtension(TenantSandbox.gvisor());
    const b = new SoftTenant(new Chart(app, 'b'), 'B', { name: 'team-b' });
    expect(() => b.addExtension(TenantSandbox.gvisor({ handler: 'runsc-debug' })))
      .toThrow(/b\/B: invalid sandbox runtimeClassName 'gvisor': is already declared by another tenant with different settings/);
  });

  test('two sandboxes on one tenant', () => {
    const app = new App();
    const t = new SoftTenant(new Chart(app, 'a'), 'A', { name: 'team-a' });
    t.addExtension(TenantSandbox.gvisor());
    expect(() => t.addExtension(TenantSandbox.kataFirecracker())).toThrow(/a\/A: invalid extension 'sandbox': is already applied to tenant 'team-a'/);
  });

  test('applyTo on something without a pod template', () => {
    const app = new App();
    const chart = new Chart(app, 'c');
    const t = new SoftTenant(chart, 'T', { name: 'team-a' });
    expect(() => TenantSandbox.gvisor().applyTo(t.node.findChild('team-a').node.findChild('Quota')))
      .toThrow(/c\/T\/team-a\/Quota: invalid workload 'ResourceQuota': has no pod template/);
  });
});
