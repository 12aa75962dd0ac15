import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { describeResult, Identity, KubeClient } from './client';
import { ALLOWED, Case, judgeCase, policy, RBAC } from './differential';
import { applyAsGitOps, useCluster, user, waitForDefaultServiceAccount, waitForPoliciesEnforced } from './fixture';
import { ADMITTED, DENIED, gateway, ingress, ingressFixture, POLICY_OF, route, rule } from '../helpers/ingress-cases';
import { K8sObject } from '../helpers/manifests';

/*
 * Issue #20 items 1 and 2 on a real API server: the tenant's extra rights
 * (real impersonated requests and SubjectAccessReviews) and the ingress
 * guard (the deny/allow tables of test/ingress-guard.test.ts, replayed),
 * next to the models' verdict on the same requests. The Gateway API CRDs
 * are the upstream ones, from the Go module sigs.k8s.io/gateway-api
 * (standard channel) in the Go module cache; cert-manager's and the
 * Prometheus operator's CRDs are stand-ins (any schema): the cases are
 * about RBAC, not their fields.
 */

const INGRESS = POLICY_OF.Ingress;
const GATEWAYS = POLICY_OF.Gateway;
const ROUTES = POLICY_OF.HTTPRoute;
const GATEWAY_API_VERSION = 'v1.4.0';

const synthesized = ingressFixture();
const tenantNamespaces = ['team-a', 'team-b', 'team-c'];

/*
 * A namespace operator with every right in the tenants' namespaces (RBAC
 * lets it through: only the guard stands), and the default IngressClass the
 * cluster admin sets, which the DefaultIngressClass plugin writes into
 * classless Ingresses before the guard sees them.
 */
const clusterRbac: K8sObject[] = [
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'namespace-operator' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
  ...tenantNamespaces.map((ns) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'operators', namespace: ns },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'namespace-operator' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'operators' }],
  })),
];
const defaultClass = (name: string): K8sObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { name, annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
  spec: { controller: 'example.com/ingress-controller' },
});
const objects = [...synthesized, ...clusterRbac];

const operator = user('olga', 'operators');
const aAdmin = user('alice', 'team-a-admins');
const aDev = user('dave', 'team-a-devs');
const bAdmin = user('bea', 'team-b-admins');
const bDev = user('ben', 'team-b-devs');
const cAdmin = user('carl', 'team-c-admins');

const certificate = (namespace: string) => ({
  apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'web', namespace }, spec: { secretName: 'web-tls', dnsNames: ['shop.example.com'], issuerRef: { name: 'le', kind: 'ClusterIssuer' } },
});
const monitor = (namespace: string) => ({
  apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'web', namespace }, spec: { selector: { matchLabels: { app: 'web' } }, endpoints: [{ port: 'http' }] },
});

export const CASES: Case[] = [
  // The guard's tables, as the operator (RBAC lets it do anything there).
  ...DENIED.map(([name, object]): Case => ({ name: `guard: ${name}`, as: operator, operation: 'CREATE', object, expect: policy(POLICY_OF[object.kind]) })),
  ...ADMITTED.map(([name, object]): Case => ({ name: `guard admits: ${name}`, as: operator, operation: 'CREATE', object, expect: ALLOWED })),
  // The same guard in front of the tenants' own members, and their Gateway API rights.
  { name: 'a team-b developer creates an HTTPRoute for an allowed host', as: bDev, operation: 'CREATE', object: route('team-b', ['shop.example.com']), expect: ALLOWED },
  { name: 'a team-b developer creates an HTTPRoute for another host', as: bDev, operation: 'CREATE', object: route('team-b', ['bank.example.com']), expect: policy(ROUTES) },
  { name: 'a team-b developer creates a Gateway (admins only)', as: bDev, operation: 'CREATE', object: gateway('team-b', 'eg', ['shop.example.com']), expect: RBAC },
  { name: 'a team-b admin creates a Gateway of its class', as: bAdmin, operation: 'CREATE', object: gateway('team-b', 'eg', ['shop.example.com']), expect: ALLOWED },
  { name: 'a team-b admin creates a Gateway of another class', as: bAdmin, operation: 'CREATE', object: gateway('team-b', 'istio', ['shop.example.com']), expect: policy(GATEWAYS) },
  { name: 'a team-b admin creates an Ingress of a class outside its allowlist', as: bAdmin, operation: 'CREATE', object: ingress('team-b', { ingressClassName: 'nginx-admin', rules: [rule('shop.example.com')] }), expect: policy(INGRESS) },
  { name: 'a team-c admin creates an HTTPRoute (routes only)', as: cAdmin, operation: 'CREATE', object: route('team-c', ['c.example.com']), expect: ALLOWED },
  { name: 'a team-c admin creates a Gateway (routes only)', as: cAdmin, operation: 'CREATE', object: gateway('team-c', 'eg', ['c.example.com']), expect: RBAC },
  { name: 'a team-a admin creates an HTTPRoute (no Gateway API rights by default)', as: aAdmin, operation: 'CREATE', object: route('team-a', ['a.example.com']), expect: RBAC },
  { name: 'a team-b admin creates an HTTPRoute in team-c', as: bAdmin, operation: 'CREATE', object: route('team-c', ['c.example.com']), expect: RBAC },
  // Extra rights: rules for admins, a library-written ClusterRole for all members.
  { name: 'a team-a admin creates a cert-manager Certificate (extra rule)', as: aAdmin, operation: 'CREATE', object: certificate('team-a'), expect: ALLOWED },
  { name: 'a team-a developer creates a Certificate (admins only)', as: aDev, operation: 'CREATE', object: certificate('team-a'), expect: RBAC },
  { name: 'a team-a admin creates a Certificate in team-b', as: aAdmin, operation: 'CREATE', object: certificate('team-b'), expect: RBAC },
  { name: 'a team-b admin creates a Certificate (not granted)', as: bAdmin, operation: 'CREATE', object: certificate('team-b'), expect: RBAC },
  { name: 'a team-a developer creates a ServiceMonitor (bound ClusterRole)', as: aDev, operation: 'CREATE', object: monitor('team-a'), expect: ALLOWED },
  { name: 'a team-a developer creates a ServiceMonitor in team-c', as: aDev, operation: 'CREATE', object: monitor('team-c'), expect: RBAC },
];

/** What a SubjectAccessReview answers for `who`. */
async function reviewed(client: KubeClient, who: Identity, attributes: Record<string, string>): Promise<boolean> {
  const review = await client.must('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: who.username, groups: who.groups, resourceAttributes: attributes },
  });
  return review.status?.allowed === true;
}

/** The standard-channel Gateway API CRDs of the Go module, from the module cache (`go mod download` fills it once). */
function gatewayApiCrds(): K8sObject[] {
  const info = JSON.parse(execFileSync('go', ['mod', 'download', '-json', `sigs.k8s.io/gateway-api@${GATEWAY_API_VERSION}`], { encoding: 'utf8', cwd: __dirname }));
  const dir = path.join(info.Dir, 'config', 'crd', 'standard');
  return fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()
    .flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS()))
    .filter((o) => o?.kind === 'CustomResourceDefinition');
}

const standIn = (group: string, kind: string, plural: string): K8sObject => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${plural}.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
});

describe('extra rights and the ingress guard: the models and the real API server decide every case alike', () => {
  const cluster = useCluster('ingress-rights');

  beforeAll(async () => {
    const { client } = cluster();
    const crds = [...gatewayApiCrds(), standIn('cert-manager.io', 'Certificate', 'certificates'), standIn('monitoring.coreos.com', 'ServiceMonitor', 'servicemonitors')];
    expect(crds.map((c) => c.metadata.name)).toEqual(expect.arrayContaining(['gateways.gateway.networking.k8s.io', 'httproutes.gateway.networking.k8s.io', 'grpcroutes.gateway.networking.k8s.io']));
    for (const crd of crds) {
      const r = await client.apply(crd, { fieldManager: 'cluster-setup' });
      if (!r.ok) throw new Error(`installing CRD ${crd.metadata.name}: ${describeResult(r)}`);
    }
    for (const crd of crds) {
      await client.waitFor(`CRD ${crd.metadata.name} to be established`, async () => {
        const live = await client.get(crd);
        return live?.status?.conditions?.some((c: any) => c.type === 'Established' && c.status === 'True') ? true : undefined;
      });
    }
    client.forgetDiscovery();
    const failures = await applyAsGitOps(client, synthesized);
    if (failures.length > 0) throw new Error(`applying the fixture: ${failures.map((f) => `${f.object}: ${describeResult(f.result)}`).join('\n')}`);
    for (const o of [...clusterRbac, defaultClass('shared')]) await client.must('POST', (await client.paths(o)).collection, o);
    for (const ns of tenantNamespaces) await waitForDefaultServiceAccount(client, ns);
    for (const p of synthesized.filter((o) => o.kind === 'ValidatingAdmissionPolicy')) {
      await client.waitFor(`${p.metadata.name} to be type-checked`, async () => {
        const live = await client.get(p);
        return live?.status?.observedGeneration === live?.metadata.generation ? true : undefined;
      });
    }
    await waitForPoliciesEnforced(client);
  }, 300_000);

  test('the ingress guard\'s policies type-check on the server without warnings (the Gateway API CRDs\' schemas included)', async () => {
    for (const name of [INGRESS, GATEWAYS, ROUTES]) {
      const live = await cluster().client.get(synthesized.find((o) => o.kind === 'ValidatingAdmissionPolicy' && o.metadata.name === name));
      expect([name, live.status?.typeChecking?.expressionWarnings ?? []]).toEqual([name, []]);
    }
  });

  test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    await judgeCase(c, objects, objects, cluster().client);
  });

  test('SubjectAccessReviews: the extra rights stay in the tenant\'s namespaces, and none of what is refused at synth is held', async () => {
    const { client } = cluster();
    const can = (who: Identity, verb: string, group: string, resource: string, namespace?: string) =>
      reviewed(client, who, { verb, group, resource, ...(namespace ? { namespace } : {}) });
    expect(await can(aAdmin, 'create', 'cert-manager.io', 'certificates', 'team-a')).toBe(true);
    expect(await can(aDev, 'delete', 'monitoring.coreos.com', 'servicemonitors', 'team-a')).toBe(true);
    // Not cluster-wide, not in another tenant's namespace, not another namespace's Secrets.
    expect(await can(aAdmin, 'list', 'cert-manager.io', 'certificates')).toBe(false);
    expect(await can(aAdmin, 'create', 'cert-manager.io', 'certificates', 'team-b')).toBe(false);
    expect(await can(aAdmin, 'get', '', 'secrets', 'team-b')).toBe(false);
    expect(await can(aAdmin, 'get', '', 'secrets', 'team-a')).toBe(true);
    // Nothing the synth checks refuse.
    for (const [verb, group, resource] of [
      ['escalate', 'rbac.authorization.k8s.io', 'roles'], ['bind', 'rbac.authorization.k8s.io', 'clusterroles'], ['impersonate', '', 'serviceaccounts'],
      ['create', 'rbac.authorization.k8s.io', 'rolebindings'], ['delete', 'networking.k8s.io', 'networkpolicies'], ['patch', '', 'resourcequotas'],
      ['create', 'discovery.k8s.io', 'endpointslices'], ['create', 'gateway.networking.k8s.io', 'referencegrants'],
    ]) {
      expect([verb, group, resource, await can(aAdmin, verb, group, resource, 'team-a')]).toEqual([verb, group, resource, false]);
    }
  });

  test('a classless Ingress gets the cluster\'s default class from the API server: admitted when that class is the tenant\'s', async () => {
    const { client } = cluster();
    const classless = ingress('team-b', { rules: [rule('shop.example.com')] });
    // The fixture's default class ('shared') is not team-b's: refused (the table's case, by the guard).
    const refused = await client.create(classless, { as: operator, dryRun: true });
    expect(refused.ok ? 'allowed' : refused.denial.policy).toBe(INGRESS);
    // With team-b's own default class as the cluster default, the plugin writes it in and the guard admits.
    await client.must('DELETE', (await client.paths(defaultClass('shared'))).item);
    await client.must('POST', (await client.paths(defaultClass('nginx-internal'))).collection, defaultClass('nginx-internal'));
    // The DefaultIngressClass plugin reads IngressClasses from the API
    // server's informer, which sees the new default a moment after the
    // write: until then a classless Ingress gets no class (and the guard
    // refuses it). Ask until the plugin has caught up, for at most 30 s.
    let admitted = await client.create(classless, { as: bAdmin, dryRun: true });
    for (const until = Date.now() + 30_000; !admitted.ok && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 250));
      admitted = await client.create(classless, { as: bAdmin, dryRun: true });
    }
    expect(admitted.ok ? admitted.body?.spec?.ingressClassName : describeResult(admitted)).toBe('nginx-internal');
  });
});
