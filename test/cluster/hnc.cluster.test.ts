import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { describeResult, Result } from './client';
import { ARGOCD, applyAsGitOps, installControllerNamespaces, installCrds, serviceAccount, useCluster, user, waitForPoliciesEnforced, waitForQuotas } from './fixture';
import {
  buildHncManager, HNC_NAMESPACE, HNC_SERVICE_ACCOUNT, hncIdentity, hncReleaseRbac, hncReleaseWebhooks, HncWebhookServing, hncWebhookServing,
  installHncWebhooks, RunningHnc, startHnc, waitForQuotaCounting,
} from './hnc';
import { selfservice } from '../../examples/selfservice/app';
import { HNC_V1_1_0_RBAC } from '../fixtures/hnc-v1.1.0-rbac';
import { synthObjects } from '../helpers/manifests';
import { tempDir } from '../helpers/temp-dir';
import { SoftTenant, TENANT_LABEL, TenantMember, TenantPlacement, TenantSandbox, TenantSelfService } from 'cdk8s-tenancy';

/*
 * Self-service namespaces with the real HNC (its manager built from its Go
 * module, see hnc.ts) against the real API server: the selfservice
 * example's output applied by the GitOps controller, HNC run with its
 * release's RBAC, its release's admission webhooks (served on loopback) and
 * the arguments TenantSelfService.hncManagerArgs returns, a tenant admin
 * creating and removing namespaces, and the attacks of #16 against what HNC
 * really writes and really admits. Every refusal names its layer: RBAC, a
 * policy of the library, or one of HNC's webhooks (which run after the
 * policies: a request both refuse is named by the policy). A third tenant,
 * `ops`, is added to the example's app with a sandbox and dedicated nodes:
 * the labels HNC must not strip from a namespace outside any tree.
 */

const SELF_SERVICE = 'cdk8s-tenancy-self-service';
const ANCHORS = 'cdk8s-tenancy-self-service-anchors';
const TREES = 'cdk8s-tenancy-self-service-trees';
const GUARDRAILS = 'cdk8s-tenancy-guardrails';
const INHERITED_FROM = 'hnc.x-k8s.io/inherited-from';
const INCLUDED = 'hnc.x-k8s.io/included-namespace';
/** HNC's webhooks (the release's names). */
const ANCHOR_WEBHOOK = 'webhook subnamespaceanchors.hnc.x-k8s.io';
const HIERARCHY_WEBHOOK = 'webhook hierarchyconfigurations.hnc.x-k8s.io';
const NAMESPACE_WEBHOOK = 'webhook namespaces.hnc.x-k8s.io';
const OBJECTS_WEBHOOK = 'webhook objects.hnc.x-k8s.io';
const HNC_API = 'hnc.x-k8s.io/v1alpha2';

const app = Testing.app({ outdir: tempDir('cdk8s-app-') });
selfservice(app);
const ops = new SoftTenant(new Chart(app, 'ops'), 'Ops', { name: 'ops', admins: [TenantMember.group('ops-leads')] });
ops.addExtension(TenantSandbox.gvisor());
ops.addExtension(TenantPlacement.forTenant('ops'));
const objects = synthObjects(app);
const hncArgs = TenantSelfService.hncManagerArgs(app);

const researchLead = user('rita', 'research-leads');
const billingLead = user('bill', 'billing-leads');
const hnc = serviceAccount(HNC_NAMESPACE, HNC_SERVICE_ACCOUNT);

const declared = (name: string) => objects.find((o) => o.kind === 'Namespace' && o.metadata.name === name)!;
const ns = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const anchor = (namespace: string, name: string, spec?: Record<string, any>) =>
  ({ apiVersion: HNC_API, kind: 'SubnamespaceAnchor', metadata: { name, namespace }, ...(spec ? { spec } : {}) });
const hierarchy = (namespace: string) => ({ apiVersion: HNC_API, kind: 'HierarchyConfiguration', metadata: { name: 'hierarchy', namespace } });
/** The labels the guards protect: `cdk8s-tenancy.io/*` and Pod Security. */
const protectedLabels = (labels: Record<string, string> = {}) =>
  Object.fromEntries(Object.entries(labels).filter(([k]) => k.startsWith('cdk8s-tenancy.io/') || k.startsWith('pod-security.kubernetes.io/')).sort());

/** `allowed`, or the layer that refused (a policy or webhook by name), for toEqual with the request's whole story on failure. */
function outcome(r: Result): string {
  if (r.ok) return 'allowed';
  if (r.denial.layer === 'policy') return `policy ${r.denial.policy}`;
  if (r.denial.layer === 'webhook') return `webhook ${r.denial.webhook}`;
  return r.denial.layer;
}
/** `expected` as a matcher that lets the API server add its defaults, at any depth (lists keep their length and order). */
function withServerDefaults(expected: any): any {
  if (Array.isArray(expected)) return expected.map(withServerDefaults);
  if (expected && typeof expected === 'object') return expect.objectContaining(Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, withServerDefaults(v)])));
  return expected;
}
function expectOutcome(r: Result, expected: string): void {
  if (outcome(r) !== expected) process.stderr.write(`[hnc] expected ${expected}: ${describeResult(r)}\n`);
  expect({ outcome: outcome(r), detail: describeResult(r) }).toEqual({ outcome: expected, detail: expect.any(String) });
}

const cluster = useCluster('hnc');
let dir = '';
let kubeconfig = '';
let hncBinary = '';
let serving: HncWebhookServing;
let running: RunningHnc | undefined;

beforeAll(async () => {
  const started = Date.now();
  hncBinary = buildHncManager((line) => process.stderr.write(`[hnc] ${line}\n`));
  process.stderr.write(`[hnc] manager ready to start (${((Date.now() - started) / 1000).toFixed(1)} s to build or find it)\n`);
  const { client, env } = cluster();
  dir = env.dir;
  // HNC first (its namespace, CRDs and RBAC), as a platform installs it before any tenant.
  kubeconfig = await hncIdentity(client, env, dir);
  await waitForQuotaCounting(client, 'subnamespaceanchors.hnc.x-k8s.io');
  await installCrds(client, objects);
  await installControllerNamespaces(client, objects);
  const failures = await applyAsGitOps(client, objects);
  expect(failures.map((f) => `${f.object}: ${describeResult(f.result)}`)).toEqual([]);
  await waitForPoliciesEnforced(client);
  // HNC's webhooks as its release installs them, with its Deployment: from
  // here on, HNC's validation of namespaces fails closed until it serves.
  serving = await hncWebhookServing(dir, (line) => process.stderr.write(`[hnc] ${line}\n`));
  await installHncWebhooks(client, serving, hncArgs);
  running = await startHnc(hncBinary, kubeconfig, dir, { args: hncArgs, webhooks: serving });
}, 1_500_000);

afterAll(async () => {
  await running?.stop();
}, 30_000);

/** Waits until `name` exists with HNC's tree label of `root`. */
async function waitInTree(name: string, root: string): Promise<any> {
  const { client } = cluster();
  return client.waitFor(`namespace ${name} in the tree of ${root} (HNC's label ${root}.tree.hnc.x-k8s.io/depth)`, async () => {
    const live = await client.get(ns(name));
    return live?.metadata.labels?.[`${root}.tree.hnc.x-k8s.io/depth`] !== undefined ? live : undefined;
  }, 90_000);
}

test('HNC runs with its release\'s RBAC: it may write every namespace and RoleBinding, so only the guards hold it', async () => {
  const { client } = cluster();
  const review = async (verb: string, resource: string, group: string, namespace?: string) => (await client.must('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: { user: hnc.username, groups: hnc.groups, resourceAttributes: { verb, resource, group, namespace } },
  })).status.allowed;
  // The unit tier's model of HNC's rights is the release's, rule for rule.
  const release = hncReleaseRbac().find((o) => o.kind === 'ClusterRole')!;
  expect(release.metadata.name).toBe('hnc-manager-role');
  expect(release.rules).toEqual(HNC_V1_1_0_RBAC.find((o) => o.kind === 'ClusterRole')!.rules);
  expect(await review('update', 'namespaces', '')).toBe(true);
  expect(await review('create', 'rolebindings', 'rbac.authorization.k8s.io', 'billing')).toBe(true);
  expect(await review('update', 'validatingadmissionpolicies', 'admissionregistration.k8s.io')).toBe(true);
});

test('HNC\'s webhooks run as its release configures them (only where they are reached differs), and the API server calls them', async () => {
  const { client } = cluster();
  const release = hncReleaseWebhooks({ hrq: true });
  expect(release.map((o) => `${o.kind} ${o.metadata.name}`)).toEqual(['MutatingWebhookConfiguration hnc-mutating-webhook-configuration', 'ValidatingWebhookConfiguration hnc-validating-webhook-configuration']);
  for (const shipped of release) {
    const live = await client.get(shipped);
    expect(live.webhooks.map((w: any) => w.name)).toEqual(shipped.webhooks.map((w: any) => w.name));
    for (const [i, w] of (shipped.webhooks as any[]).entries()) {
      const { clientConfig, ...rest } = w;
      // Everything the release sets, as set (the server only adds its defaults, e.g. a rule's scope).
      expect(live.webhooks[i]).toEqual(withServerDefaults(rest));
      expect(live.webhooks[i].clientConfig).toEqual({ url: `https://127.0.0.1:${serving.port}${clientConfig.service.path}`, caBundle: serving.caBundle });
    }
  }
  // The release's variant with --enable-hrq: its two HierarchicalResourceQuota webhooks on top of the default's.
  const names = (o: any) => o.webhooks.map((w: any) => w.name).sort();
  expect(names(release[1]).filter((n: string) => !names(hncReleaseWebhooks({ hrq: false })[1]).includes(n))).toEqual(['hrq.hnc.x-k8s.io', 'resourcesquotasstatus.hnc.x-k8s.io']);

  // Called: a tree label only HNC may set, asked for by the platform itself (which no policy of the library refuses).
  const billing = await client.get(ns('billing'));
  const treeLabelled = { ...billing, metadata: { ...billing.metadata, labels: { ...billing.metadata.labels, 'elsewhere.tree.hnc.x-k8s.io/depth': '1' } } };
  expectOutcome(await client.update(treeLabelled, { as: ARGOCD, dryRun: true }), NAMESPACE_WEBHOOK);
  // The mutating webhook labels every namespace HNC manages (the objects webhook's selector), on any write.
  const research = await client.get(ns('research'));
  const withoutIncluded = Object.fromEntries(Object.entries(research.metadata.labels as Record<string, string>).filter(([k]) => k !== INCLUDED));
  const written = await client.update({ ...research, metadata: { ...research.metadata, labels: withoutIncluded } }, { as: ARGOCD, dryRun: true });
  expectOutcome(written, 'allowed');
  expect(written.ok && written.body.metadata.labels[INCLUDED]).toBe('true');
}, 60_000);

test('the platform\'s output, applied again by the GitOps controller, passes HNC\'s webhooks', async () => {
  const { client } = cluster();
  const failures: string[] = [];
  for (const o of objects) {
    const r = await client.apply(o, { as: ARGOCD, fieldManager: 'argocd-controller', dryRun: true });
    if (!r.ok) failures.push(`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}: ${describeResult(r)}`);
  }
  expect(failures).toEqual([]);
}, 120_000);

test('a tenant admin creates a namespace: HNC creates it with the tenant\'s labels and copies the parent\'s RoleBindings, NetworkPolicies and LimitRange', async () => {
  const { client } = cluster();
  // HNC (--enable-hrq) turns the tree's HierarchicalResourceQuota into a ResourceQuota in each namespace of
  // the tree, research included, counting anchors: until the controller manager has computed it, quota
  // admission refuses anchors, as on any cluster.
  await client.waitFor('HNC\'s ResourceQuota hrq.hnc.x-k8s.io in research', async () =>
    client.get({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'hrq.hnc.x-k8s.io', namespace: 'research' } }), 60_000);
  await waitForQuotas(client, 'research');
  expectOutcome(await client.create(anchor('research', 'research-exp'), { as: researchLead }), 'allowed');
  const live = await waitInTree('research-exp', 'research');
  const parent = await client.get(ns('research'));
  expect(protectedLabels(parent.metadata.labels)[TENANT_LABEL]).toBe('research');
  // Exactly the parent's protected labels, never its managed-by label.
  const expected = Object.fromEntries(Object.entries(protectedLabels(parent.metadata.labels)).filter(([k]) => k !== 'cdk8s-tenancy.io/managed-by'));
  expect(protectedLabels(live.metadata.labels)).toEqual(expected);
  expect(live.metadata.annotations?.['hnc.x-k8s.io/subnamespace-of']).toBe('research');

  // Every RoleBinding, NetworkPolicy and LimitRange the platform put in research, copied by HNC.
  const sources = objects.filter((o) => o.metadata.namespace === 'research' && ['RoleBinding', 'NetworkPolicy', 'LimitRange'].includes(o.kind));
  expect(sources.map((o) => o.kind).sort()).toEqual(expect.arrayContaining(['LimitRange', 'NetworkPolicy', 'RoleBinding']));
  for (const s of sources) {
    const copy = await client.waitFor(`HNC's copy of ${s.kind} ${s.metadata.name} in research-exp`, async () => {
      const c = await client.get({ ...s, metadata: { name: s.metadata.name, namespace: 'research-exp' } });
      return c?.metadata.labels?.[INHERITED_FROM] === 'research' ? c : undefined;
    }, 60_000);
    expect([s.kind, s.metadata.name, copy.spec ?? copy.subjects]).toEqual([s.kind, s.metadata.name, s.spec ?? s.subjects]);
  }
  const status = await client.waitFor('the anchor research-exp to be Ok', async () => {
    const a = await client.get(anchor('research', 'research-exp'));
    return a?.status?.status === 'Ok' ? a.status.status : undefined;
  });
  expect(status).toBe('Ok');
}, 300_000);

test('the tree\'s quota is HNC\'s: a ResourceQuota in the new namespace from the HierarchicalResourceQuota of its parent', async () => {
  const { client } = cluster();
  const hrq = objects.find((o) => o.kind === 'HierarchicalResourceQuota' && o.metadata.namespace === 'research')!;
  expect(hrq).toBeDefined();
  const rq = await client.waitFor('HNC\'s ResourceQuota hrq.hnc.x-k8s.io in research-exp', async () =>
    client.get({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'hrq.hnc.x-k8s.io', namespace: 'research-exp' } }), 60_000);
  expect(rq.spec.hard).toEqual(expect.objectContaining(Object.fromEntries(Object.entries(hrq.spec.hard).filter(([k]) => !k.startsWith('count/')))));
}, 120_000);

test('with the recommended arguments, HNC leaves every namespace outside a tree alone (no tree label, labels as declared)', async () => {
  const { client } = cluster();
  // HNC has reconciled the tree (above); a change to the others makes it look again if it manages them.
  for (const name of ['billing', 'ops']) {
    await client.must('PATCH', `/api/v1/namespaces/${name}`, { metadata: { annotations: { 'hnc-test/touched': 'true' } } }, { contentType: 'application/merge-patch+json' });
  }
  await new Promise((r) => setTimeout(r, 5000));
  for (const name of ['billing', 'ops']) {
    const live = await client.get(ns(name));
    expect(Object.keys(live.metadata.labels).filter((k) => k.endsWith('.tree.hnc.x-k8s.io/depth'))).toEqual([]);
    expect(protectedLabels(live.metadata.labels)).toEqual(protectedLabels(declared(name).metadata.labels));
  }
  // ops carries the sandbox and dedicated-node labels this test is about.
  expect(Object.keys(protectedLabels(declared('ops').metadata.labels)).length).toBeGreaterThan(Object.keys(protectedLabels(declared('billing').metadata.labels)).length);
}, 60_000);

test('HNC itself (impersonated, with its real rights) cannot strip or change the labels of a namespace outside a tree, nor take over its managed objects', async () => {
  const { client } = cluster();
  for (const name of ['billing', 'ops']) {
    const live = await client.get(ns(name));
    for (const key of Object.keys(protectedLabels(live.metadata.labels))) {
      const stripped = JSON.parse(JSON.stringify(live));
      delete stripped.metadata.labels[key];
      expectOutcome(await client.update(stripped, { as: hnc, dryRun: true }), `policy ${SELF_SERVICE}`);
    }
    const moved = JSON.parse(JSON.stringify(live));
    moved.metadata.labels[TENANT_LABEL] = 'research';
    expectOutcome(await client.update(moved, { as: hnc, dryRun: true }), `policy ${SELF_SERVICE}`);
  }
  // Billing's managed objects: not HNC's to delete, nor to take over dressed as a copy of research's.
  const deny = await client.get({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: 'billing' } });
  expectOutcome(await client.delete(deny, { as: hnc, dryRun: true }), `policy ${GUARDRAILS}`);
  const admins = await client.get({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'tenant-admins', namespace: 'billing' } });
  const takenOver = {
    ...admins,
    metadata: { ...admins.metadata, labels: { ...admins.metadata.labels, [INHERITED_FROM]: 'research' } },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'research-leads' }],
  };
  expectOutcome(await client.update(takenOver, { as: hnc, dryRun: true }), `policy ${GUARDRAILS}`);
  // The same in research itself, a root of a tree (HNC copies into descendants only).
  const rootAdmins = await client.get({ ...admins, metadata: { name: 'tenant-admins', namespace: 'research' } });
  const rootTakenOver = { ...rootAdmins, metadata: { ...rootAdmins.metadata, labels: { ...rootAdmins.metadata.labels, [INHERITED_FROM]: 'billing' } }, subjects: takenOver.subjects };
  expectOutcome(await client.update(rootTakenOver, { as: hnc, dryRun: true }), `policy ${GUARDRAILS}`);
}, 60_000);

test('a tenant admin cannot take a namespace of another tenant, or one the platform declares later, with an anchor', async () => {
  const { client } = cluster();
  // An existing namespace of another tenant, and any name outside research-*.
  expectOutcome(await client.create(anchor('research', 'billing'), { as: researchLead }), `policy ${ANCHORS}`);
  expectOutcome(await client.create(anchor('research', 'ops'), { as: researchLead }), `policy ${ANCHORS}`);
  // In another tenant's namespace: no right at all.
  expectOutcome(await client.create(anchor('billing', 'billing-x'), { as: researchLead }), 'rbac');

  // A name the platform does not declare yet: HNC creates it in research's tree.
  expectOutcome(await client.create(anchor('research', 'research-later'), { as: researchLead }), 'allowed');
  await waitInTree('research-later', 'research');
  // The platform's next release declares it for billing (a name another
  // app or repository declares: one app refuses it at synth): refused, by
  // the platform's own GitOps controller too.
  const forBilling = { ...declared('billing'), metadata: { ...declared('billing').metadata, name: 'research-later' } };
  expectOutcome(await client.apply(forBilling, { as: ARGOCD, fieldManager: 'argocd-controller' }), `policy ${TREES}`);
  const live = await client.get(ns('research-later'));
  expect(live.metadata.labels[TENANT_LABEL]).toBe('research');
}, 180_000);

test('a tenant cannot move a namespace out of its tenant or weaken its Pod Security through the hierarchy or the namespace', async () => {
  const { client } = cluster();
  const h = await client.get(hierarchy('research-exp'));
  expectOutcome(await client.update({ ...h, spec: { ...h.spec, parent: 'billing' } }, { as: researchLead }), 'rbac');
  const root = await client.get(hierarchy('research'));
  const weaker = (root.spec.labels as { key: string; value: string }[]).map((l) => (l.key === 'pod-security.kubernetes.io/enforce' ? { ...l, value: 'privileged' } : l));
  expectOutcome(await client.update({ ...root, spec: { ...root.spec, labels: weaker } }, { as: researchLead }), 'rbac');
  expectOutcome(await client.create({ ...hierarchy('billing'), spec: { parent: 'research' } }, { as: researchLead }), 'rbac');
  const live = await client.get(ns('research-exp'));
  expectOutcome(await client.update({ ...live, metadata: { ...live.metadata, labels: { ...live.metadata.labels, [TENANT_LABEL]: 'billing' } } }, { as: researchLead }), 'rbac');
  expectOutcome(await client.create(anchor('research', 'research-x'), { as: billingLead }), 'rbac');

  // HNC (impersonated) relabelling a namespace of the tree: the self-service guard.
  // Two policies refuse this one (the trees policy binds everyone); the API server names the first that did.
  const relabelled = await client.update({ ...live, metadata: { ...live.metadata, labels: { ...live.metadata.labels, [TENANT_LABEL]: 'billing' } } }, { as: hnc, dryRun: true });
  expect([`policy ${SELF_SERVICE}`, `policy ${TREES}`]).toContain(outcome(relabelled));
  expectOutcome(await client.update({ ...live, metadata: { ...live.metadata, labels: { ...live.metadata.labels, 'pod-security.kubernetes.io/enforce': 'privileged' } } }, { as: hnc, dryRun: true }), `policy ${SELF_SERVICE}`);
}, 60_000);

test('an anchor asking HNC for protected labels (spec.labels) is refused; one the platform makes anyway does not weaken the namespace', async () => {
  const { client } = cluster();
  const privileged = [{ key: 'pod-security.kubernetes.io/enforce', value: 'privileged' }];
  expectOutcome(await client.create(anchor('research', 'research-priv', { labels: privileged }), { as: researchLead }), `policy ${ANCHORS}`);
  expectOutcome(await client.create(anchor('research', 'research-moved', { labels: [{ key: TENANT_LABEL, value: 'billing' }] }), { as: researchLead }), `policy ${ANCHORS}`);
  expectOutcome(await client.create(anchor('research', 'research-note', { annotations: [{ key: 'cdk8s-tenancy.io/managed-by', value: 'x' }] }), { as: researchLead }), `policy ${ANCHORS}`);

  // The platform is exempt from the anchors policy: what real HNC v1.1 does with such an anchor. It writes the
  // labels into the new namespace's HierarchyConfiguration, but the parent's value of a key wins: the
  // namespace carries exactly research's labels, and a privileged pod is refused by Pod Security.
  expectOutcome(await client.create(anchor('research', 'research-priv', { labels: privileged }), { as: ARGOCD }), 'allowed');
  const live = await waitInTree('research-priv', 'research');
  expect((await client.get(hierarchy('research-priv'))).spec.labels).toEqual(privileged);
  const parent = await client.get(ns('research'));
  const expected = Object.fromEntries(Object.entries(protectedLabels(parent.metadata.labels)).filter(([k]) => k !== 'cdk8s-tenancy.io/managed-by'));
  expect(protectedLabels(live.metadata.labels)).toEqual(expected);
  expect(live.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'research-priv' }, spec: { containers: [{ name: 'c', image: 'registry.example.com/c:1', securityContext: { privileged: true } }] } };
  expectOutcome(await client.create(pod, { as: researchLead, dryRun: true }), 'pod-security');
}, 120_000);

test('the tree\'s quota holds for the tree as a whole: HNC\'s webhook on quota status refuses what each namespace\'s own quota admits', async () => {
  const { client } = cluster();
  const hrq = objects.find((o) => o.kind === 'HierarchicalResourceQuota' && o.metadata.namespace === 'research')!;
  expect(hrq.spec.hard['requests.memory']).toBe('64Gi');
  // Two pods of 40Gi: each fits the 64Gi of its namespace's quota, the two do not fit the tree's.
  const pod = (namespace: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'big', namespace },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{
        name: 'c',
        image: 'registry.example.com/c:1',
        resources: { requests: { cpu: '100m', memory: '40Gi' }, limits: { cpu: '100m', memory: '40Gi' } },
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      }],
    },
  });
  for (const n of ['research-exp', 'research-later']) {
    await client.waitFor(`HNC's ResourceQuota hrq.hnc.x-k8s.io in ${n}`, async () =>
      client.get({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'hrq.hnc.x-k8s.io', namespace: n } }), 60_000);
    await waitForQuotas(client, n);
  }
  expectOutcome(await client.create(pod('research-exp'), { as: researchLead }), 'allowed');
  try {
    // A dry run is checked against the namespace's quota but writes no usage, so HNC is not asked: admitted.
    expectOutcome(await client.create(pod('research-later'), { as: researchLead, dryRun: true }), 'allowed');
    // For real, the quota's new usage goes to HNC's webhook, which sums the tree: refused.
    expectOutcome(await client.create(pod('research-later'), { as: researchLead }), 'webhook resourcesquotasstatus.hnc.x-k8s.io');
  } finally {
    await client.delete(pod('research-exp'));
    await client.delete(pod('research-later'));
  }
}, 180_000);

test('an anchor outside a self-service tree is refused: by RBAC for tenants, by HNC\'s anchor webhook for the platform; where HNC\'s webhook allows, the anchors policy holds alone', async () => {
  const { client } = cluster();
  expectOutcome(await client.create(anchor('billing', 'billing-x'), { as: billingLead, dryRun: true }), 'rbac');
  expectOutcome(await client.create(anchor('billing', 'billing-x'), { as: ARGOCD, dryRun: true }), ANCHOR_WEBHOOK);
  expectOutcome(await client.create(anchor('ops', 'ops-x'), { as: ARGOCD, dryRun: true }), ANCHOR_WEBHOOK);
  // Another tenant's namespace under a parent: both refuse; the policy runs first and is named for the tenant.
  expectOutcome(await client.create(anchor('research', 'billing'), { as: researchLead, dryRun: true }), `policy ${ANCHORS}`);
  expectOutcome(await client.create(anchor('research', 'billing'), { as: ARGOCD, dryRun: true }), ANCHOR_WEBHOOK);
  // Protected labels asked of HNC: HNC's webhook allows them (they are labels it manages), the policy does not.
  const privileged = { labels: [{ key: 'pod-security.kubernetes.io/enforce', value: 'privileged' }] };
  expectOutcome(await client.create(anchor('research', 'research-ask', privileged), { as: ARGOCD, dryRun: true }), 'allowed');
  expectOutcome(await client.create(anchor('research', 'research-ask', privileged), { as: researchLead, dryRun: true }), `policy ${ANCHORS}`);
}, 60_000);

test('a parent across tenants is refused by HNC\'s hierarchy webhook, to the platform too; HNC itself passes its webhooks and only the guards hold what it writes', async () => {
  const { client } = cluster();
  const h = await client.get(hierarchy('research-exp'));
  const toBilling = { ...h, spec: { ...h.spec, parent: 'billing' } };
  expectOutcome(await client.update(toBilling, { as: researchLead, dryRun: true }), 'rbac');
  expectOutcome(await client.update(toBilling, { as: ARGOCD, dryRun: true }), HIERARCHY_WEBHOOK);
  expectOutcome(await client.create({ ...hierarchy('billing'), spec: { parent: 'research' } }, { as: ARGOCD, dryRun: true }), HIERARCHY_WEBHOOK);
  const root = await client.get(hierarchy('research'));
  expectOutcome(await client.update({ ...root, spec: { ...root.spec, parent: 'billing' } }, { as: ARGOCD, dryRun: true }), HIERARCHY_WEBHOOK);
  // HNC's webhooks let HNC's ServiceAccount do anything (their first check): the move is admitted...
  expectOutcome(await client.update(toBilling, { as: hnc, dryRun: true }), 'allowed');
  // ...and what HNC would then write, the namespace in billing's tree with billing's tenant, is the guards' to refuse.
  const live = await client.get(ns('research-exp'));
  const moved = { ...live, metadata: { ...live.metadata, labels: { ...live.metadata.labels, [TENANT_LABEL]: 'billing', 'billing.tree.hnc.x-k8s.io/depth': '1' } } };
  expect([`policy ${SELF_SERVICE}`, `policy ${TREES}`]).toContain(outcome(await client.update(moved, { as: hnc, dryRun: true })));
}, 60_000);

test('a propagated copy is HNC\'s: the platform can neither delete one nor forge one (HNC\'s objects webhook), a tenant cannot write either (RBAC)', async () => {
  const { client } = cluster();
  const copy = await client.get({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: 'research-exp' } });
  expect(copy.metadata.labels[INHERITED_FROM]).toBe('research');
  expectOutcome(await client.delete(copy, { as: researchLead, dryRun: true }), 'rbac');
  expectOutcome(await client.delete(copy, { as: ARGOCD, dryRun: true }), OBJECTS_WEBHOOK);
  const forged = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'allow-everything', namespace: 'research-exp', labels: { [INHERITED_FROM]: 'research' } },
    spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] },
  };
  expectOutcome(await client.create(forged, { as: ARGOCD, dryRun: true }), OBJECTS_WEBHOOK);
  // The source, in the parent, stays the platform's to change.
  const source = await client.get({ ...copy, metadata: { name: 'default-deny', namespace: 'research' } });
  expectOutcome(await client.update(source, { as: ARGOCD, dryRun: true }), 'allowed');
}, 60_000);

test('a tenant admin removes the namespaces it made: a leaf at once, one with children only as HNC\'s allowCascadingDeletion says, which only the platform sets', async () => {
  const { client } = cluster();
  await waitForQuotas(client, 'research-exp');
  expectOutcome(await client.create(anchor('research-exp', 'research-exp-sub'), { as: researchLead }), 'allowed');
  await waitInTree('research-exp-sub', 'research');
  await client.waitFor('the anchor research-exp-sub to be Ok', async () => ((await client.get(anchor('research-exp', 'research-exp-sub')))?.status?.status === 'Ok' ? true : undefined));

  // research-exp has a child now: its anchor may not go (HNC's webhook), and the tenant cannot allow it.
  const refusedDelete = await client.waitFor('HNC to know research-exp has a child', async () => {
    const r = await client.delete(anchor('research', 'research-exp'), { as: researchLead, dryRun: true });
    return r.ok ? undefined : r;
  });
  expectOutcome(refusedDelete, ANCHOR_WEBHOOK);
  const h = await client.get(hierarchy('research-exp'));
  expectOutcome(await client.update({ ...h, spec: { ...h.spec, allowCascadingDeletion: true } }, { as: researchLead }), 'rbac');
  // The namespace itself is not the tenant's to delete, and goes only with its anchor, whoever asks.
  expectOutcome(await client.delete(ns('research-exp'), { as: researchLead, dryRun: true }), 'rbac');
  expectOutcome(await client.delete(ns('research-exp'), { as: ARGOCD, dryRun: true }), NAMESPACE_WEBHOOK);

  // The platform allows cascading deletion: the tenant's deletion of the anchor is admitted (dry run), then the platform takes it back.
  expectOutcome(await client.update({ ...h, spec: { ...h.spec, allowCascadingDeletion: true } }, { as: ARGOCD }), 'allowed');
  const allowed = await client.waitFor('HNC to see allowCascadingDeletion on research-exp', async () => {
    const r = await client.delete(anchor('research', 'research-exp'), { as: researchLead, dryRun: true });
    return r.ok ? r : undefined;
  });
  expectOutcome(allowed, 'allowed');
  const h2 = await client.get(hierarchy('research-exp'));
  expectOutcome(await client.update({ ...h2, spec: { ...h2.spec, allowCascadingDeletion: false } }, { as: ARGOCD }), 'allowed');
  await client.waitFor('HNC to see allowCascadingDeletion off again', async () =>
    ((await client.delete(anchor('research', 'research-exp'), { as: researchLead, dryRun: true })).ok ? undefined : true));

  // A leaf goes at once: the tenant deletes its anchor and HNC deletes the namespace.
  expectOutcome(await client.delete(anchor('research-exp', 'research-exp-sub'), { as: researchLead }), 'allowed');
  await client.waitFor('HNC to delete the namespace research-exp-sub', async () => {
    const live = await client.get(ns('research-exp-sub'));
    return !live || live.metadata.deletionTimestamp ? true : undefined;
  }, 90_000);
}, 300_000);

test('HNC configured more broadly than recommended (every namespace, every protected label managed) still cannot strip labels outside a tree', async () => {
  const { client } = cluster();
  await running?.stop();
  const broad = [
    ...hncArgs.filter((a) => !a.startsWith('--included-namespace-regex=') && !a.startsWith('--managed-namespace-label=')),
    '--managed-namespace-label=cdk8s-tenancy\\.io/.*',
    '--managed-namespace-label=pod-security\\.kubernetes\\.io/.*',
  ];
  running = await startHnc(hncBinary, kubeconfig, dir, { args: broad, webhooks: serving, logName: 'hnc-manager-broad.log' });
  // HNC now manages billing and ops and tries to remove the managed labels no hierarchy set there.
  const log = path.join(dir, 'hnc-manager-broad.log');
  await client.waitFor('HNC to be refused by the self-service guard on billing and ops (its log)', async () => {
    const text = fs.readFileSync(log, 'utf8');
    return ['billing', 'ops'].every((n) => new RegExp(`${n}[^\\n]*${SELF_SERVICE}|${SELF_SERVICE}[^\\n]*${n}`).test(text)) ? true : undefined;
  }, 90_000);
  for (const name of ['billing', 'ops']) {
    const live = await client.get(ns(name));
    expect(protectedLabels(live.metadata.labels)).toEqual(protectedLabels(declared(name).metadata.labels));
  }
  await running?.stop();
  running = await startHnc(hncBinary, kubeconfig, dir, { args: hncArgs, webhooks: serving, logName: 'hnc-manager-2.log' });
}, 240_000);

