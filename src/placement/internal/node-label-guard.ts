import { Construct } from 'constructs';
import { validatingPolicy } from '../../core/admission-v1';
import { TENANT_LABEL } from '../../core/labels';

/**
 * The name of the node label guard: the ValidatingAdmissionPolicy (and its
 * binding) that stops kubelets from changing the tenant label on their own
 * Node.
 */
export const NODE_LABELS_POLICY_NAME = 'cdk8s-tenancy-node-labels';

/**
 * The node label guard, for tenants whose pods are attracted by the tenant
 * label `cdk8s-tenancy.io/tenant` (`PlacementNodeLabel.kubeletLabel()`, what
 * EKS managed node groups can set): a kubelet (group `system:nodes`) may not
 * add, change or remove that label on its Node once the Node exists.
 *
 * Why this shape, and what it leaves open:
 * - NodeRestriction already keeps kubelets from changing their taints after
 *   registration and from touching any `node-restriction.kubernetes.io/`
 *   label; it lets them rewrite every other label. This guard closes that
 *   for the tenant label, the one that attracts a tenant's pods.
 * - UPDATE only, on `nodes` and `nodes/status` (the status subresource
 *   resets the spec but keeps metadata, labels included). Not CREATE: a
 *   node group's kubelet registers its Node with the label from
 *   `--node-labels`, which is how the label gets there at all, and nothing
 *   in the kubelet's request tells a shared node from the tenant's. So a
 *   kubelet whose Node object is gone (deleted by an administrator or a
 *   controller) can register again with any tenant's label and taint: that
 *   is the gap `PlacementNodeLabel.nodeRestriction()` (Karpenter, EKS Auto
 *   Mode) does not have.
 * - A ValidatingAdmissionPolicy whatever the placement engine: it runs in
 *   the API server, so kubelets never wait on a webhook, and it fails
 *   closed. Only requests from `system:nodes` match, so Karpenter, the node
 *   lifecycle controllers and administrators label nodes as before.
 */
export function nodeLabelGuard(scope: Construct, labels: Record<string, string>): void {
  const T = JSON.stringify(TENANT_LABEL);
  const labelsOf = (o: string) => `(has(${o}.metadata.labels) ? ${o}.metadata.labels : {})`;
  validatingPolicy(scope, NODE_LABELS_POLICY_NAME, labels, {
    failurePolicy: 'Fail',
    matchConstraints: {
      resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['nodes', 'nodes/status'] }],
    },
    matchConditions: [{ name: 'kubelets', expression: "'system:nodes' in request.userInfo.groups" }],
    variables: [
      { name: 'before', expression: labelsOf('oldObject') },
      { name: 'after', expression: labelsOf('object') },
    ],
    validations: [{
      expression: `(${T} in variables.before) == (${T} in variables.after) && (!(${T} in variables.after) || variables.after[${T}] == variables.before[${T}])`,
      messageExpression: `'node ' + request.name + ' may not add, change or remove its own ${TENANT_LABEL} label: that label attracts a tenant\\'s pods'`,
      reason: 'Forbidden' as const,
    }],
  });
}
