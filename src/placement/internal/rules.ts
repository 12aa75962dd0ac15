import { NamedExpression, Validation } from '../../core/admission-v1';
import { DEDICATED_NODES_KUBELET_LABEL, DEDICATED_NODES_LABEL, DEDICATED_NODES_NODE_RESTRICTION, NODE_RESTRICTION_TENANT_LABEL, TENANT_LABEL } from '../../core/labels';

/**
 * The name of the placement guard, whichever engine runs it: the
 * ValidatingAdmissionPolicy and its binding, the Kyverno ValidatingPolicy
 * (or legacy ClusterPolicy), or the Gatekeeper Constraint.
 */
export const PLACEMENT_POLICY_NAME = 'cdk8s-tenancy-placement';

/**
 * The rules of the placement guard (seed 003, part 3: "policy-based
 * management for node selection"): CEL variables and validations in the
 * shape of a v1 ValidatingAdmissionPolicy. This is their one source: the
 * ValidatingAdmissionPolicy, Kyverno's ValidatingPolicy (or `validate.cel`) and Gatekeeper's
 * `K8sNativeValidation` source all take these exact expressions, because all
 * three evaluate them with the Kubernetes CEL environment (`object`,
 * `oldObject`, `request`, `namespaceObject`, `variables`).
 *
 * Taints repel, affinity attracts, but a tenant can write its own toleration
 * (seed 001): these rules make the three agree. They stay within what both
 * Kubernetes and the test evaluator run (no optional syntax), so the tests
 * exercise this exact text.
 *
 * Which node label attracts a namespace's pods is the namespace's
 * dedicated-nodes label (set by the platform, protected by the guardrails):
 * `node-restriction` for `node-restriction.kubernetes.io/cdk8s-tenancy-tenant`,
 * `true` for `cdk8s-tenancy.io/tenant`, as every release before wrote it. So
 * one guard serves tenants of both kinds, and manifests written before the
 * node-restriction label keep meaning what they meant. The taint key is the
 * tenant label in both: kubelets cannot change their taints once registered
 * (NodeRestriction), and tolerations stay as they were.
 */
export function placementRules(): { variables: NamedExpression[]; validations: Validation[] } {
  const T = JSON.stringify(TENANT_LABEL);
  const NR = JSON.stringify(NODE_RESTRICTION_TENANT_LABEL);
  const D = JSON.stringify(DEDICATED_NODES_LABEL);
  const byKubelet = JSON.stringify(DEDICATED_NODES_KUBELET_LABEL);
  const byRestriction = JSON.stringify(DEDICATED_NODES_NODE_RESTRICTION);
  const required = 'object.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution';
  return {
    variables: [
      { name: 'nsLabels', expression: 'namespaceObject != null && has(namespaceObject.metadata.labels) ? namespaceObject.metadata.labels : {}' },
      { name: 'dedicatedBy', expression: `${D} in variables.nsLabels ? variables.nsLabels[${D}] : ''` },
      { name: 'dedicated', expression: `variables.dedicatedBy == ${byKubelet} || variables.dedicatedBy == ${byRestriction}` },
      // The node label the namespace's pods must require.
      { name: 'attraction', expression: `variables.dedicatedBy == ${byRestriction} ? ${NR} : ${T}` },
      { name: 'tenant', expression: `${T} in variables.nsLabels ? variables.nsLabels[${T}] : ''` },
      { name: 'tolerations', expression: 'has(object.spec.tolerations) ? object.spec.tolerations : []' },
    ],
    validations: [
      {
        // Every rule below reads the namespace's labels. The API server
        // always passes the namespace of a pod; an engine that does not
        // (Gatekeeper before 3.22) cannot tell a tenant's pod from any other,
        // so the guard refuses rather than guess.
        expression: 'namespaceObject != null',
        message: 'the placement guard cannot see the pod\'s namespace (namespaceObject): this admission engine is too old for it',
        reason: 'Forbidden' as const,
      },
      {
        expression: "variables.tolerations.all(t, (has(t.key) && t.key != '') || !has(t.operator) || t.operator != 'Exists')",
        message: 'pods may not tolerate every taint (operator Exists without a key): that includes every tenant\'s dedicated nodes',
        reason: 'Forbidden' as const,
      },
      {
        expression: `variables.tolerations.all(t, !has(t.key) || t.key != ${T} || (variables.dedicated && has(t.value) && t.value == variables.tenant && (!has(t.operator) || t.operator == 'Equal')))`,
        messageExpression: `'pods in namespace ' + request.namespace + ' may only tolerate the ${TENANT_LABEL} taint of their own tenant, with operator Equal'`,
        reason: 'Forbidden' as const,
      },
      {
        expression: `!has(object.spec.nodeSelector) || [${T}, ${NR}].all(k, !(k in object.spec.nodeSelector) || (variables.dedicated && object.spec.nodeSelector[k] == variables.tenant))`,
        message: 'pods may not select another tenant\'s nodes',
        reason: 'Forbidden' as const,
      },
      {
        // Every pod, not only a tenant's: a pod created with spec.nodeName
        // skips the scheduler, and the kubelet does not check NoSchedule
        // taints, so any pod could otherwise land on a tenant's nodes.
        // Scheduled pods carry nodeName on later updates.
        expression: "request.operation != 'CREATE' || !has(object.spec.nodeName) || object.spec.nodeName == ''",
        message: 'pods may not choose their node (spec.nodeName): the scheduler places them, so that taints and affinity hold',
        reason: 'Forbidden' as const,
      },
      {
        expression: `!variables.dedicated || (variables.tolerations.exists(t, has(t.key) && t.key == ${T} && has(t.value) && t.value == variables.tenant)`
          + ` && has(object.spec.affinity) && has(object.spec.affinity.nodeAffinity) && has(${required})`
          + ` && ${required}.nodeSelectorTerms.all(term, has(term.matchExpressions)`
          + ' && term.matchExpressions.exists(e, e.key == variables.attraction && e.operator == \'In\' && e.values == [variables.tenant])))',
        messageExpression: '\'pods in namespace \' + request.namespace + \' must tolerate and require the nodes of tenant \' + variables.tenant'
          + ' + \' (node label \' + variables.attraction + \'): use TenantPlacement.applyTo(workload.scheduling), or a mutating placement engine\'',
        reason: 'Forbidden' as const,
      },
    ],
  };
}
