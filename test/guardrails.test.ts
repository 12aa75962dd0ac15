import { App, Chart } from 'cdk8s';
import { admit, AdmissionRequest, AuthorizerCheck } from './helpers/admission';
import { find, K8sObject, synthObjects } from './helpers/manifests';
import { SoftTenant, TenantMember } from 'cdk8s-tenancy';

/*
 * The guard is proven by evaluating its CEL (as emitted) on the requests it
 * must deny and those it must allow, the platform's own GitOps controller
 * among them.
 */

const app = new App();
new SoftTenant(new Chart(app, 'team-a'), 'TeamA', { name: 'team-a', admins: [TenantMember.group('team-a-admins')] });
const manifests = synthObjects(app);
const namespace = find(manifests, 'Namespace', 'team-a');
const quota = find(manifests, 'ResourceQuota', 'tenant-quota', 'team-a');
const denyAll = find(manifests, 'NetworkPolicy', 'default-deny', 'team-a');
const roleBinding = find(manifests, 'RoleBinding', 'tenant-admins', 'team-a');
const defaultSa = find(manifests, 'ServiceAccount', 'default', 'team-a');

const tenantAdmin = { username: 'alice', groups: ['team-a-admins', 'system:authenticated'] };
const tenantPod = { username: 'system:serviceaccount:team-a:app', groups: ['system:serviceaccounts', 'system:serviceaccounts:team-a', 'system:authenticated'] };
const argocd = { username: 'system:serviceaccount:argocd:argocd-application-controller', groups: ['system:serviceaccounts', 'system:serviceaccounts:argocd'] };
const namespaceController = { username: 'system:serviceaccount:kube-system:namespace-controller', groups: ['system:serviceaccounts'] };

/** The GitOps controller applies the platform chart, so RBAC lets it update the guard itself. */
const platformRbac: AuthorizerCheck = (c) => c.group === 'admissionregistration.k8s.io' && c.resource === 'validatingadmissionpolicies' && c.verb === 'update';
/** A tenant's RBAC, as the library grants it: nothing on admission policies. */
const tenantRbac: AuthorizerCheck = () => false;

const gvr = (group: string, resource: string) => ({ group, version: 'v1', resource });
const RESOURCES: Record<string, { group: string; version: string; resource: string }> = {
  Namespace: gvr('', 'namespaces'),
  ResourceQuota: gvr('', 'resourcequotas'),
  NetworkPolicy: gvr('networking.k8s.io', 'networkpolicies'),
  RoleBinding: gvr('rbac.authorization.k8s.io', 'rolebindings'),
  ServiceAccount: gvr('', 'serviceaccounts'),
  Deployment: gvr('apps', 'deployments'),
  ConfigMap: gvr('', 'configmaps'),
};

function request(operation: AdmissionRequest['operation'], oldObject: any, object: any, userInfo: AdmissionRequest['userInfo'], authorizer: AuthorizerCheck): AdmissionRequest {
  const o: K8sObject = object ?? oldObject;
  const isNamespace = o.kind === 'Namespace';
  return {
    operation,
    object,
    oldObject,
    userInfo,
    authorizer,
    resource: RESOURCES[o.kind],
    namespace: isNamespace ? undefined : o.metadata.namespace,
    namespaceObject: isNamespace ? null : namespace,
  };
}

const edit = (o: K8sObject, change: (copy: any) => void) => {
  const copy = JSON.parse(JSON.stringify(o));
  change(copy);
  return copy;
};

describe('tenants cannot touch the guardrails', () => {
  test.each([
    ['delete the default-deny NetworkPolicy', request('DELETE', denyAll, null, tenantAdmin, tenantRbac)],
    ['loosen the ResourceQuota', request('UPDATE', quota, edit(quota, (q) => { q.spec.hard.pods = '5000'; }), tenantAdmin, tenantRbac)],
    ['drop the managed-by label, then edit', request('UPDATE', quota, edit(quota, (q) => { delete q.metadata.labels['cdk8s-tenancy.io/managed-by']; }), tenantAdmin, tenantRbac)],
    ['add themselves to the RoleBinding', request('UPDATE', roleBinding, edit(roleBinding, (b) => { b.subjects.push({ kind: 'User', name: 'mallory' }); }), tenantAdmin, tenantRbac)],
    ['re-enable token automount on the default ServiceAccount', request('UPDATE', defaultSa, edit(defaultSa, (s) => { s.automountServiceAccountToken = true; }), tenantPod, tenantRbac)],
    ['weaken Pod Security on their namespace', request('UPDATE', namespace, edit(namespace, (n) => { n.metadata.labels['pod-security.kubernetes.io/enforce'] = 'privileged'; }), tenantAdmin, tenantRbac)],
    ['delete their namespace', request('DELETE', namespace, null, tenantAdmin, tenantRbac)],
  ])('a tenant may not %s', (_, req) => {
    const result = admit(manifests, req);
    expect(result.errors).toEqual([]);
    expect(result.allowed).toBe(false);
    expect(result.denials[0].policy).toBe('cdk8s-tenancy-guardrails');
  });

  test('a tenant may not forge a managed object (e.g. a NetworkPolicy that opens its namespace)', () => {
    const forged = edit(denyAll, (p) => { p.metadata.name = 'allow-all'; p.spec = { podSelector: {}, ingress: [{}] }; });
    const result = admit(manifests, request('CREATE', null, forged, tenantAdmin, tenantRbac));
    expect(result).toMatchObject({ allowed: false, errors: [] });
    expect(result.denials[0].message).toMatch(/only the platform may create objects labelled cdk8s-tenancy.io\/managed-by/);
  });

  test('nobody but the platform may claim a namespace for a tenant, or move it to another tenant', () => {
    const claimed = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sneaky', labels: { 'cdk8s-tenancy.io/tenant': 'team-a' } } };
    expect(admit(manifests, request('CREATE', null, claimed, tenantAdmin, tenantRbac))).toMatchObject({ allowed: false, errors: [] });
    const unmanaged = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other', labels: { 'cdk8s-tenancy.io/tenant': 'team-a' } } };
    const moved = edit(unmanaged, (n) => { n.metadata.labels['cdk8s-tenancy.io/tenant'] = 'team-b'; });
    const result = admit(manifests, request('UPDATE', unmanaged, moved, tenantAdmin, tenantRbac));
    expect(result).toMatchObject({ allowed: false, errors: [] });
    expect(result.denials[0].message).toMatch(/only the platform may set, change or remove the cdk8s-tenancy.io\/\* and pod-security.kubernetes.io\/\* labels/);
  });

  test('nobody but the platform may set any other library label on a namespace (e.g. lift a sandbox requirement)', () => {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other', labels: { 'cdk8s-tenancy.io/runtime-class': 'gvisor' } } };
    const lifted = edit(ns, (n) => { delete n.metadata.labels['cdk8s-tenancy.io/runtime-class']; });
    expect(admit(manifests, request('UPDATE', ns, lifted, tenantAdmin, tenantRbac))).toMatchObject({ allowed: false, errors: [] });
    const unrelated = edit(ns, (n) => { n.metadata.labels.team = 'x'; });
    expect(admit(manifests, request('UPDATE', ns, unrelated, tenantAdmin, tenantRbac))).toMatchObject({ allowed: true, errors: [] });
  });
});

describe('everything else goes through', () => {
  test.each([
    ['the GitOps controller updates the quota', request('UPDATE', quota, edit(quota, (q) => { q.spec.hard.pods = '80'; }), argocd, platformRbac)],
    ['the GitOps controller prunes a NetworkPolicy', request('DELETE', denyAll, null, argocd, platformRbac)],
    ['the GitOps controller creates a tenant namespace', request('CREATE', null, namespace, argocd, platformRbac)],
    ['the namespace controller empties a deleted namespace', request('DELETE', roleBinding, null, namespaceController, tenantRbac)],
    ['the controller manager (without per-controller credentials) empties a deleted namespace',
      request('DELETE', quota, null, { username: 'system:kube-controller-manager' }, tenantRbac)],
  ])('%s', (_, req) => {
    const result = admit(manifests, req);
    expect(result).toMatchObject({ allowed: true, errors: [], denials: [] });
  });

  test.each([
    ['creates a Deployment', request('CREATE', null, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'team-a', labels: { app: 'web' } } }, tenantAdmin, tenantRbac)],
    ['updates its own ConfigMap', request('UPDATE',
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'team-a' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'team-a', labels: { v: '2' } } }, tenantAdmin, tenantRbac)],
  ])('a tenant %s without the guard even evaluating', (_, req) => {
    const result = admit(manifests, req);
    expect(result).toMatchObject({ allowed: true, errors: [], evaluated: [] });
  });

  test('a namespace without tenancy labels can be created by whoever RBAC lets', () => {
    const plain = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'scratch', labels: { team: 'x' } } };
    expect(admit(manifests, request('CREATE', null, plain, tenantAdmin, tenantRbac))).toMatchObject({ allowed: true, errors: [] });
  });
});

test('the policy acts only through its binding', () => {
  const unbound = manifests.filter((o) => o.kind !== 'ValidatingAdmissionPolicyBinding');
  expect(admit(unbound, request('DELETE', denyAll, null, tenantAdmin, tenantRbac))).toMatchObject({ allowed: true, evaluated: [] });
});
