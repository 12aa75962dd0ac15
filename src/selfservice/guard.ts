import { Lazy } from 'cdk8s';
import { HncConfiguration, HNC_GROUP, celIsPropagatedCopy, SUBNAMESPACE_OF_ANNOTATION, TREE_LABEL_SUFFIX } from './internal/hnc';
import { validatingPolicy } from '../core/admission-v1';
import { celIsProtectedKey, celProtectedKept } from '../core/keys';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, POD_SECURITY_LABEL_PREFIX, TENANT_LABEL } from '../core/labels';
import { notThePlatform } from '../platform/guardrails';
import type { TenancyPlatform } from '../platform/tenancy-platform';

/**
 * The name of the policy (and binding) that keeps the namespaces tenants
 * create through HNC inside their tenant (see `TenantSelfService`).
 */
export const SELF_SERVICE_POLICY_NAME = 'cdk8s-tenancy-self-service';

/**
 * The name of the policy (and binding) that admits no pod into a namespace
 * HNC created until it carries its tenant and Pod Security labels.
 */
export const SELF_SERVICE_PODS_POLICY_NAME = 'cdk8s-tenancy-self-service-pods';

/**
 * Makes `namespace` a parent under which HNC creates a tenant's namespaces:
 * adds, once per platform, the HNCConfiguration, the self-service guards and
 * the guardrails' exemption for HNC, and holds the namespace's descendants
 * to `labels` (read at synth, after every extension set its labels).
 */
export function addSelfServiceRoot(platform: TenancyPlatform, namespace: string, labels: () => Record<string, string>): void {
  const roots = platform._registry.addGuard(SELF_SERVICE_POLICY_NAME, (scope) => {
    const parents = new Map<string, () => Record<string, string>>();
    const managedLabels = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
    // HNC writes namespaces (judged by the self-service guard instead),
    // copies of managed objects, and its own objects' status.
    const hnc = JSON.stringify(platform._hncUsername);
    platform._registry.exemptFromGuardrails({
      name: 'not-hnc',
      expression: `!(request.userInfo.username == ${hnc} && (request.resource.group == ${JSON.stringify(HNC_GROUP)}`
        + " || (request.resource.group == '' && request.resource.resource == 'namespaces')"
        + ` || ${celIsPropagatedCopy('object')} || ${celIsPropagatedCopy('oldObject')}))`,
    });
    new HncConfiguration(scope, 'hnc-config', {
      metadata: { name: 'config', labels: managedLabels },
      // Roles and RoleBindings HNC always propagates; the quota is the
      // HierarchicalResourceQuota's, not a copy per namespace.
      spec: {
        resources: [
          { group: 'networking.k8s.io', resource: 'networkpolicies', mode: 'Propagate' },
          { group: '', resource: 'limitranges', mode: 'Propagate' },
        ],
      },
    });
    const cel = Lazy.any({ produce: () => JSON.stringify(Object.fromEntries([...parents].map(([ns, l]) => [ns, l()]))) });
    validatingPolicy(scope, SELF_SERVICE_POLICY_NAME, managedLabels, selfServiceSpec(cel));
    validatingPolicy(scope, SELF_SERVICE_PODS_POLICY_NAME, managedLabels, selfServicePodsSpec());
    return parents;
  });
  roots.set(namespace, labels);
}

/**
 * The self-service guard: HNC creates, labels and deletes the namespaces
 * tenants ask for with SubnamespaceAnchors; whoever writes a namespace (HNC
 * or anyone else but the platform), the result must keep it in its tenant.
 *
 * - A namespace in the tree of a self-service parent (HNC's tree label
 *   `<parent>.tree.hnc.x-k8s.io/depth`) carries exactly the parent's
 *   `cdk8s-tenancy.io/*` and Pod Security labels: same tenant, same Pod
 *   Security level, same sandbox and placement, never the managed-by label.
 * - A namespace HNC creates under a self-service parent (annotation
 *   `hnc.x-k8s.io/subnamespace-of`) carries those labels or none yet: HNC
 *   creates it bare, then sets the tree and managed labels in one update.
 * - Any other namespace keeps its protected labels as they are.
 * - Namespaces the platform manages are not deleted.
 *
 * `roots` is a CEL map literal: parent namespace -> its protected labels.
 */
function selfServiceSpec(roots: string) {
  const managed = JSON.stringify(MANAGED_BY_LABEL);
  const exact = (r: string) => `(variables.roots[${r}].all(k, k in variables.labels && variables.labels[k] == variables.roots[${r}][k])`
    + ` && variables.labels.all(k, !${celIsProtectedKey('k')} || k in variables.roots[${r}]))`;
  const protectedLabels = 'cdk8s-tenancy.io/* and pod-security.kubernetes.io/* labels';
  return {
    failurePolicy: 'Fail' as const,
    matchConstraints: {
      resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE' as const, 'UPDATE' as const, 'DELETE' as const], resources: ['namespaces'] }],
    },
    matchConditions: [notThePlatform()],
    variables: [
      { name: 'roots', expression: roots },
      { name: 'namespace', expression: 'object != null ? object : oldObject' },
      { name: 'labels', expression: 'object != null && has(object.metadata.labels) ? object.metadata.labels : {}' },
      { name: 'oldLabels', expression: 'oldObject != null && has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}' },
      {
        name: 'parent',
        expression: `object != null && has(object.metadata.annotations) && ${JSON.stringify(SUBNAMESPACE_OF_ANNOTATION)} in object.metadata.annotations`
          + ` ? object.metadata.annotations[${JSON.stringify(SUBNAMESPACE_OF_ANNOTATION)}] : ''`,
      },
      {
        // The self-service parents this namespace descends from, by HNC's tree labels.
        name: 'ancestors',
        expression: `variables.roots.filter(r, r != variables.namespace.metadata.name && r + ${JSON.stringify(TREE_LABEL_SUFFIX)} in variables.labels)`,
      },
    ],
    validations: [
      {
        expression: `variables.ancestors.all(r, ${exact('r')})`,
        messageExpression: '\'namespace \' + variables.namespace.metadata.name + \' descends from the self-service namespace \' + variables.ancestors[0]'
          + ` + ': it must carry exactly the ${protectedLabels} of that namespace (same tenant, same Pod Security)'`,
        reason: 'Forbidden' as const,
      },
      {
        expression: `size(variables.ancestors) > 0 || !(variables.parent in variables.roots) || !variables.labels.exists(k, ${celIsProtectedKey('k')}) || ${exact('variables.parent')}`,
        messageExpression: '\'namespace \' + variables.namespace.metadata.name + \' is created under the self-service namespace \' + variables.parent'
          + ` + ': it must carry the ${protectedLabels} of that namespace, or none yet (HNC sets them)'`,
        reason: 'Forbidden' as const,
      },
      {
        expression: 'request.operation == \'DELETE\' || size(variables.ancestors) > 0 || variables.parent in variables.roots'
          + ` || (${celProtectedKept('oldLabels', 'labels')} && ${celProtectedKept('labels', 'oldLabels')})`,
        message: `only the platform may set, change or remove the ${protectedLabels} of a namespace outside a self-service tenant's tree`,
        reason: 'Forbidden' as const,
      },
      {
        expression: `request.operation != 'DELETE' || !(${managed} in variables.oldLabels)`,
        message: `this namespace is managed by cdk8s-tenancy (label ${MANAGED_BY_LABEL}): only the platform may delete it`,
        reason: 'Forbidden' as const,
      },
    ],
  };
}

/**
 * HNC creates a namespace bare and labels it in a second write, and copies
 * RoleBindings and NetworkPolicies in no set order: until the labels are
 * there, the namespace has no Pod Security level of its own (the cluster
 * default applies) and no tenant. No pod gets in before, whoever creates it
 * (the ReplicaSet controller included). It applies to every namespace HNC
 * created, tenant or not: run HNC's other trees with these labels too.
 */
function selfServicePodsSpec() {
  const annotations = 'namespaceObject.metadata.annotations';
  const labels = 'namespaceObject.metadata.labels';
  return {
    failurePolicy: 'Fail' as const,
    matchConstraints: {
      resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE' as const], resources: ['pods'] }],
    },
    matchConditions: [{
      name: 'in-a-namespace-hnc-created',
      expression: `namespaceObject != null && has(${annotations}) && ${JSON.stringify(SUBNAMESPACE_OF_ANNOTATION)} in ${annotations}`,
    }],
    validations: [{
      expression: `has(${labels}) && ${JSON.stringify(TENANT_LABEL)} in ${labels} && ${JSON.stringify(`${POD_SECURITY_LABEL_PREFIX}enforce`)} in ${labels}`,
      messageExpression: `'namespace ' + namespaceObject.metadata.name + ' was created by HNC and has no ${TENANT_LABEL} and Pod Security labels yet: no pods until HNC sets them'`,
      reason: 'Forbidden' as const,
    }],
  };
}
