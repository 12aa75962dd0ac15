import { App, Chart } from 'cdk8s';
import { describeResult, Identity, KubeClient, Result } from './client';
import { applyAsGitOps, installControllerNamespaces, serviceAccount, useCluster, waitForPoliciesEnforced } from './fixture';
import { admit, AdmissionRequest } from '../helpers/admission';
import { synthObjects } from '../helpers/manifests';
import {
  NODE_LABELS_POLICY_NAME, NODE_RESTRICTION_TENANT_LABEL, PlacementNodeLabel, SoftTenant, TenancyPlatform, TENANT_LABEL, TenantPlacement,
} from 'cdk8s-tenancy';

/*
 * Issue #16, dedicated nodes, against the real API server (Node and RBAC
 * authorizers, NodeRestriction on): what a kubelet can do to the label that
 * attracts a tenant's pods. A kubelet is `system:node:<name>` in group
 * `system:nodes`, impersonated; its Node is created by the admin first, as
 * the kubelet's own registration would.
 *
 * - The node-restriction label: NodeRestriction refuses the kubelet, at
 *   registration and after, while Karpenter's identity (any non-node
 *   identity with the rights) may set it.
 * - The kubelet-set tenant label: without the library's node label guard a
 *   kubelet relabels itself as a tenant's node (the hole the issue names);
 *   with it, updates are refused (also through nodes/status), heartbeats
 *   and other labels still go through, and what stays open (a fresh
 *   registration) is shown, not hidden.
 */

const SHARED = 'ip-10-0-7-7.ec2.internal';
const kubelet = (name: string): Identity => ({ username: `system:node:${name}`, groups: ['system:nodes', 'system:authenticated'] });
const karpenter = serviceAccount('kube-system', 'karpenter');

const node = (name: string, labels: Record<string, string> = {}, taints?: any[]) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...labels } },
  spec: taints ? { taints } : {},
});

/** The live Node with `change` applied, PUT as `as` (the admin when undefined; to `/status` with `status`). */
async function updateNode(client: KubeClient, name: string, as: Identity | undefined, change: (n: any) => void, status = false): Promise<Result> {
  const live = await client.must('GET', `/api/v1/nodes/${name}`);
  change(live);
  return client.request('PUT', `/api/v1/nodes/${name}${status ? '/status' : ''}`, live, { as });
}

const expectRefused = (r: Result, message: RegExp) => {
  expect(r.ok ? `allowed (${r.code})` : r.denial.message).toMatch(message);
};
/** The ValidatingAdmissionPolicy that refused, or what happened otherwise. */
const refusedBy = (r: Result) => (r.ok ? 'allowed' : r.denial.policy ?? r.denial.layer);
const expectAllowed = (r: Result) => {
  expect(describeResult(r)).toMatch(/^allowed/);
};

/** The placement with the kubelet-set label, as a node group tenant has it, and its guard. */
const app = new App();
new TenancyPlatform(app, 'platform');
new SoftTenant(new Chart(app, 'team-a'), 'TeamA', { name: 'team-a' })
  .addExtension(TenantPlacement.forTenant('team-a', { nodeLabel: PlacementNodeLabel.kubeletLabel() }));
const synthesized = synthObjects(app);

/** The model's verdict on a node label change by `as`. */
const modelSays = (before: Record<string, string>, after: Record<string, string>, as: Identity, subResource?: string) => {
  const req: AdmissionRequest = {
    operation: 'UPDATE',
    resource: { group: '', version: 'v1', resource: 'nodes' },
    subResource,
    object: node(SHARED, after),
    oldObject: node(SHARED, before),
    namespaceObject: null,
    userInfo: { username: as.username, groups: as.groups },
  };
  return admit(synthesized, req);
};

describe('dedicated nodes: the label that attracts a tenant\'s pods, against the real API server (issue #16)', () => {
  const cluster = useCluster('nodes');

  beforeAll(async () => {
    const { client } = cluster();
    // Karpenter's controller: it labels and taints Nodes (its shipped ClusterRole holds patch/update on nodes).
    await client.must('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'karpenter-nodes' },
      rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'] }],
    });
    await client.must('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'karpenter-nodes' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'karpenter-nodes' },
      subjects: [{ kind: 'ServiceAccount', name: 'karpenter', namespace: 'kube-system' }],
    });
    // The shared node, registered (by the admin here, as the kubelet would).
    await client.must('POST', '/api/v1/nodes', node(SHARED));
  }, 300_000);

  describe('the node-restriction label: NodeRestriction holds kubelets off it', () => {
    test('a kubelet may not label its own Node with it', async () => {
      const r = await updateNode(cluster().client, SHARED, kubelet(SHARED), (n) => { n.metadata.labels[NODE_RESTRICTION_TENANT_LABEL] = 'team-a'; });
      expectRefused(r, new RegExp(`is not allowed to modify labels: ${NODE_RESTRICTION_TENANT_LABEL}`));
    });

    test('nor through the status subresource', async () => {
      const r = await updateNode(cluster().client, SHARED, kubelet(SHARED), (n) => { n.metadata.labels[NODE_RESTRICTION_TENANT_LABEL] = 'team-a'; }, true);
      expectRefused(r, new RegExp(`is not allowed to modify labels: ${NODE_RESTRICTION_TENANT_LABEL}`));
    });

    test('nor register a Node with it (what --node-labels would do)', async () => {
      const fresh = 'ip-10-0-8-8.ec2.internal';
      const r = await cluster().client.request('POST', '/api/v1/nodes', node(fresh, { [NODE_RESTRICTION_TENANT_LABEL]: 'team-a' }), { as: kubelet(fresh) });
      expectRefused(r, new RegExp(`is not allowed to set the following labels: ${NODE_RESTRICTION_TENANT_LABEL}`));
    });

    test('nor change its taints, nor delete its Node to register again', async () => {
      const { client } = cluster();
      const tainted = await updateNode(client, SHARED, kubelet(SHARED), (n) => { n.spec.taints = [{ key: TENANT_LABEL, value: 'team-a', effect: 'NoSchedule' }]; });
      expectRefused(tainted, /is not allowed to modify taints/);
      const deleted = await client.request('DELETE', `/api/v1/nodes/${SHARED}`, undefined, { as: kubelet(SHARED) });
      expectRefused(deleted, /cannot delete resource "nodes"/);
    });

    test('Karpenter\'s controller (a non-node identity with the rights) sets it', async () => {
      const { client } = cluster();
      const karpenterNode = 'ip-10-0-9-9.ec2.internal';
      await client.must('POST', '/api/v1/nodes', node(karpenterNode));
      expectAllowed(await updateNode(client, karpenterNode, karpenter, (n) => { n.metadata.labels[NODE_RESTRICTION_TENANT_LABEL] = 'team-a'; }));
      expect((await client.must('GET', `/api/v1/nodes/${karpenterNode}`)).metadata.labels[NODE_RESTRICTION_TENANT_LABEL]).toBe('team-a');
      // and that node's kubelet cannot take it off again
      const r = await updateNode(client, karpenterNode, kubelet(karpenterNode), (n) => { delete n.metadata.labels[NODE_RESTRICTION_TENANT_LABEL]; });
      expectRefused(r, /is not allowed to modify labels/);
    });
  });

  describe('the kubelet-set tenant label: open without the guard, held by it on update', () => {
    test('without the guard, a kubelet labels its own Node as a tenant\'s (the hole the issue names)', async () => {
      const { client } = cluster();
      const r = await updateNode(client, SHARED, kubelet(SHARED), (n) => { n.metadata.labels[TENANT_LABEL] = 'team-a'; }, false);
      expectAllowed(r);
      // Undo it as the admin, for the cases below.
      expectAllowed(await updateNode(client, SHARED, undefined, (n) => { delete n.metadata.labels[TENANT_LABEL]; }));
    });

    describe('with the node label guard', () => {
      beforeAll(async () => {
        const { client } = cluster();
        await installControllerNamespaces(client, synthesized);
        const failures = await applyAsGitOps(client, synthesized);
        if (failures.length > 0) throw new Error(`applying the fixture: ${failures.map((f) => `${f.object}: ${describeResult(f.result)}`).join('\n')}`);
        await client.waitFor(`${NODE_LABELS_POLICY_NAME} to be type-checked`, async () => {
          const live = await client.must('GET', `/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/${NODE_LABELS_POLICY_NAME}`);
          const checked = live?.status?.observedGeneration === live?.metadata.generation;
          return checked && (live.status.typeChecking?.expressionWarnings ?? []).length === 0 ? true : undefined;
        });
        await waitForPoliciesEnforced(client);
      }, 300_000);

      test.each([
        ['a kubelet labels its own Node as team-a\'s', {}, { [TENANT_LABEL]: 'team-a' }, false],
        ['the same through nodes/status', {}, { [TENANT_LABEL]: 'team-a' }, true],
      ])('refuses: %s (model and server agree)', async (_, before, after, status) => {
        const r = await updateNode(cluster().client, SHARED, kubelet(SHARED), (n) => { Object.assign(n.metadata.labels, after); }, status);
        expect(refusedBy(r)).toBe(NODE_LABELS_POLICY_NAME);
        expectRefused(r, new RegExp(`node ${SHARED} may not add, change or remove its own ${TENANT_LABEL} label`));
        const model = modelSays(before, after, kubelet(SHARED), status ? 'status' : undefined);
        expect(model.denials.map((d) => d.policy)).toEqual([NODE_LABELS_POLICY_NAME]);
      });

      test('admits a kubelet heartbeat and a label of its own (model and server agree)', async () => {
        const { client } = cluster();
        expectAllowed(await updateNode(client, SHARED, kubelet(SHARED), (n) => { n.status = { ...(n.status ?? {}), conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ok' }] }; }, true));
        expectAllowed(await updateNode(client, SHARED, kubelet(SHARED), (n) => { n.metadata.labels['example.com/disk'] = 'ssd'; }));
        expect(modelSays({}, { 'example.com/disk': 'ssd' }, kubelet(SHARED))).toMatchObject({ allowed: true, errors: [] });
      });

      test('a tenant node\'s kubelet may not move its node to another tenant or drop the label; Karpenter may relabel', async () => {
        const { client } = cluster();
        const tenantNode = 'ip-10-0-5-5.ec2.internal';
        // Registered by its kubelet with the label, as a node group's node is (CREATE is not the guard's: see below).
        expectAllowed(await client.request('POST', '/api/v1/nodes', node(tenantNode, { [TENANT_LABEL]: 'team-a' }, [{ key: TENANT_LABEL, value: 'team-a', effect: 'NoSchedule' }]), { as: kubelet(tenantNode) }));
        const moved = await updateNode(client, tenantNode, kubelet(tenantNode), (n) => { n.metadata.labels[TENANT_LABEL] = 'team-b'; });
        expect(refusedBy(moved)).toBe(NODE_LABELS_POLICY_NAME);
        const dropped = await updateNode(client, tenantNode, kubelet(tenantNode), (n) => { delete n.metadata.labels[TENANT_LABEL]; });
        expect(refusedBy(dropped)).toBe(NODE_LABELS_POLICY_NAME);
        expectAllowed(await updateNode(client, tenantNode, karpenter, (n) => { n.metadata.labels[TENANT_LABEL] = 'team-b'; }));
        expect(modelSays({ [TENANT_LABEL]: 'team-a' }, { [TENANT_LABEL]: 'team-b' }, karpenter)).toMatchObject({ allowed: true, evaluated: [] });
      });

      test('what stays open: a kubelet whose Node is gone registers again with any tenant\'s label and taint', async () => {
        const { client } = cluster();
        // The admin deletes the shared node's Node (e.g. while troubleshooting); its kubelet registers again.
        await client.must('DELETE', `/api/v1/nodes/${SHARED}`);
        await client.waitFor(`Node ${SHARED} to be gone`, async () => ((await client.request('GET', `/api/v1/nodes/${SHARED}`)).code === 404 ? true : undefined));
        const r = await client.request('POST', '/api/v1/nodes', node(SHARED, { [TENANT_LABEL]: 'team-a' }, [{ key: TENANT_LABEL, value: 'team-a', effect: 'NoSchedule' }]), { as: kubelet(SHARED) });
        expectAllowed(r);
        // The node-restriction label has no such gap: the same registration with it is refused.
        const other = 'ip-10-0-6-6.ec2.internal';
        const nr = await client.request('POST', '/api/v1/nodes', node(other, { [NODE_RESTRICTION_TENANT_LABEL]: 'team-a' }, [{ key: TENANT_LABEL, value: 'team-a', effect: 'NoSchedule' }]), { as: kubelet(other) });
        expectRefused(nr, /is not allowed to set the following labels/);
      });
    });
  });
});
