import { Lazy } from 'cdk8s';
import { NamedExpression } from '../core/admission-v1';
import { celProtectedKept } from '../core/keys';
import { LIBRARY_KEY_PREFIX, MANAGED_BY_LABEL, POD_SECURITY_LABEL_PREFIX } from '../core/labels';

/**
 * The name of the guard policy and its binding. Tenants' rights are judged
 * against it: whoever may update this policy may switch the guard off, so
 * the guard has nothing to protect against them.
 */
export const GUARDRAILS_POLICY_NAME = 'cdk8s-tenancy-guardrails';

/**
 * The guard. Its CEL stays within what both Kubernetes and the test
 * evaluator run (no optional syntax), so the tests exercise this exact text.
 * `exemptions` are the match conditions features add (read at synth): the
 * requests of a controller they install that the guard lets through.
 */
export function guardrailsSpec(exemptions: () => NamedExpression[], hncUsername: string) {
  const managed = JSON.stringify(MANAGED_BY_LABEL);
  const conditions = [
    {
      // Cheap label checks first: most requests in a cluster stop here.
      name: 'touches-tenancy-guardrails',
      expression: [
        `(oldObject != null && has(oldObject.metadata.labels) && ${managed} in oldObject.metadata.labels)`,
        `(object != null && has(object.metadata.labels) && ${managed} in object.metadata.labels)`,
        "(request.resource.group == '' && request.resource.resource == 'namespaces')",
      ].join(' || '),
    },
    notThePlatform(hncUsername),
  ];
  return {
    failurePolicy: 'Fail' as const,
    matchConstraints: {
      resourceRules: [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['CREATE' as const, 'UPDATE' as const, 'DELETE' as const], resources: ['*'] }],
    },
    matchConditions: Lazy.any({ produce: () => [...conditions, ...exemptions()] }),
    variables: [
      { name: 'oldLabels', expression: 'oldObject != null && has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}' },
      { name: 'newLabels', expression: 'object != null && has(object.metadata.labels) ? object.metadata.labels : {}' },
    ],
    validations: [
      {
        expression: `!(${managed} in variables.oldLabels)`,
        message: `this object is managed by cdk8s-tenancy (label ${MANAGED_BY_LABEL}): only the platform may change or delete it`,
        reason: 'Forbidden' as const,
      },
      {
        expression: `!(${managed} in variables.newLabels)`,
        message: `only the platform may create objects labelled ${MANAGED_BY_LABEL}`,
        reason: 'Forbidden' as const,
      },
      {
        expression: `request.resource.resource != 'namespaces' || (${celProtectedKept('oldLabels', 'newLabels')} && ${celProtectedKept('newLabels', 'oldLabels')})`,
        message: `only the platform may set, change or remove the ${LIBRARY_KEY_PREFIX}* and ${POD_SECURITY_LABEL_PREFIX}* labels of a namespace`,
        reason: 'Forbidden' as const,
      },
    ],
  };
}

/**
 * Who the guards leave alone: anyone allowed to update the guardrails policy
 * (cluster admins, the GitOps controller that applies the platform chart),
 * which could switch any guard off anyway, and the controllers of
 * kube-system. Never `hncUsername`, the Hierarchical Namespace Controller:
 * its shipped ClusterRole (`hnc-manager-role`, HNC v1.1) holds `*` on
 * everything, so the RBAC test alone would count it as the platform, and
 * it writes namespaces at tenants' request. Every guard that exempts the
 * platform builds that exemption here, so none can forget HNC.
 */
export function notThePlatform(hncUsername: string): NamedExpression {
  const platform = [
    "!request.userInfo.username.startsWith('system:serviceaccount:kube-system:')",
    // The controller manager when it runs without per-controller
    // service accounts.
    "request.userInfo.username != 'system:kube-controller-manager'",
    `!authorizer.group('admissionregistration.k8s.io').resource('validatingadmissionpolicies').name('${GUARDRAILS_POLICY_NAME}').check('update').allowed()`,
  ];
  return {
    name: 'not-the-platform',
    // HNC first: whatever its RBAC, it is never the platform.
    expression: `request.userInfo.username == ${JSON.stringify(hncUsername)} || (${platform.join(' && ')})`,
  };
}
