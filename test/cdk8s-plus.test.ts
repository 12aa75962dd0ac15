// The library's peer is cdk8s-plus-27 (the design names it), but apps move to
// newer cdk8s-plus lines for their own workloads. Both in one app: the
// tenant from this library, the workload from cdk8s-plus-34 (the newest
// line), in the same chart and namespace.
import { ApiObject, Chart, JsonPatch, Testing } from 'cdk8s';
import * as plus27 from 'cdk8s-plus-27';
import * as plus34 from 'cdk8s-plus-34';
import { K8sObject, ofKind, synthObjects } from './helpers/manifests';
import { validateAll } from './helpers/schema';
import { tempDir } from './helpers/temp-dir';
import { SoftTenant, TenancyAudit, TenantMember, TenantPlacement } from 'cdk8s-tenancy';

function app() {
  const a = Testing.app({ outdir: tempDir('cdk8s-app-') });
  const chart = new Chart(a, 'team-a');
  const tenant = new SoftTenant(chart, 'TeamA', {
    name: 'team-a',
    admins: [TenantMember.group('team-a-admins')],
    quota: { requestsCpu: plus27.Cpu.units(4) },
  });
  return { app: a, chart, tenant };
}

describe('an app using cdk8s-plus-34 beside the cdk8s-plus-27 peer', () => {
  const { app: a, chart, tenant } = app();
  const web = new plus34.Deployment(chart, 'Web', {
    metadata: { namespace: 'team-a' },
    containers: [{
      image: 'registry.example/web:1.0',
      portNumber: 8080,
      securityContext: { user: 1000, group: 1000 },
    }],
    securityContext: { ensureNonRoot: true },
  });
  // What the namespace's `restricted` Pod Security level asks beyond that
  // (the audit's workloads.admitted checks it), patched in as the
  // enterprise example does.
  ApiObject.of(web).addJsonPatch(
    JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
    JsonPatch.add('/spec/template/spec/containers/0/securityContext/capabilities', { drop: ['ALL'] }),
  );
  // The tenant runs on its own nodes; the workload is placed there.
  const placement = TenantPlacement.forTenant('team-a');
  tenant.addExtension(placement);
  // `applyTo` is typed with cdk8s-plus-27's PodScheduling, which TypeScript
  // keeps apart from cdk8s-plus-34's (classes with private members compare
  // by declaration): a cdk8s-plus-34 app needs this cast, and the test below
  // shows the result is the same. (`npm test` type-checks this file: the
  // directive fails the day the two types become compatible.)
  // @ts-expect-error cdk8s-plus-34's WorkloadScheduling is not cdk8s-plus-27's PodScheduling
  placement.applyTo(web.scheduling);
  const objects = synthObjects(a);

  test('both synthesize into one valid chart', () => {
    expect(validateAll(objects)).toBe(objects.length);
    expect(ofKind(objects, 'Namespace').map((n: K8sObject) => n.metadata.name)).toEqual(['team-a']);
    expect(ofKind(objects, 'Deployment').map((d: K8sObject) => d.metadata.namespace)).toEqual(['team-a']);
  });

  test('the tenant\'s audit passes with the workload in its namespace', () => {
    const report = TenancyAudit.auditObjects(objects);
    expect(report.problems).toEqual([]);
    expect(report.passed).toBe(true);
  });

  test('placement writes the same toleration and node affinity into a cdk8s-plus-34 pod as into a cdk8s-plus-27 one', () => {
    const { app: a27, chart: c27, tenant: t27 } = app();
    const web27 = new plus27.Deployment(c27, 'Web', {
      metadata: { namespace: 'team-a' },
      containers: [{ image: 'registry.example/web:1.0', portNumber: 8080, securityContext: { user: 1000, group: 1000 } }],
      securityContext: { ensureNonRoot: true },
    });
    // What `restricted` asks beyond that, as for the plus34 workload (the
    // cluster tier admits every workload the tests synthesize).
    ApiObject.of(web27).addJsonPatch(
      JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
      JsonPatch.add('/spec/template/spec/containers/0/securityContext/capabilities', { drop: ['ALL'] }),
    );
    const p27 = TenantPlacement.forTenant('team-a');
    t27.addExtension(p27);
    p27.applyTo(web27.scheduling);
    const pod = (objs: K8sObject[]) => ofKind(objs, 'Deployment')[0].spec.template.spec;
    const spec34 = pod(objects);
    const spec27 = pod(synthObjects(a27));
    expect(spec34.tolerations).toEqual([{ key: 'cdk8s-tenancy.io/tenant', operator: 'Equal', value: 'team-a', effect: 'NoSchedule' }]);
    expect(spec34.tolerations).toEqual(spec27.tolerations);
    expect(spec34.affinity).toEqual(spec27.affinity);
    expect(spec34.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms)
      .toEqual([{ matchExpressions: [{ key: 'node-restriction.kubernetes.io/cdk8s-tenancy-tenant', operator: 'In', values: ['team-a'] }] }]);
  });
});
