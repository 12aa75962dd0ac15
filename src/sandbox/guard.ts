import { validatingPolicy } from '../core/admission-v1';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUNTIME_CLASS_LABEL } from '../core/labels';
import type { TenancyPlatform } from '../platform/tenancy-platform';

/**
 * The name of the policy (and binding) that holds pods in sandboxed
 * namespaces to their RuntimeClass.
 */
export const SANDBOX_POLICY_NAME = 'cdk8s-tenancy-sandbox';

/**
 * Adds, once per platform, the guard that holds pods in sandboxed
 * namespaces to their RuntimeClass.
 */
export function addSandboxGuard(platform: TenancyPlatform): void {
  platform._registry.addGuard(SANDBOX_POLICY_NAME, (scope) =>
    validatingPolicy(scope, SANDBOX_POLICY_NAME, { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE }, sandboxSpec()));
}

/**
 * The sandbox guard: in a namespace labelled with a RuntimeClass, every pod
 * must name exactly that RuntimeClass (checked at CREATE: the field is
 * immutable). It binds everyone, controllers
 * included: the point is that no pod of a sandboxed tenant reaches a node
 * outside its sandbox, whoever creates it. The label itself is protected
 * by the guardrails policy.
 */
function sandboxSpec() {
  const label = `namespaceObject.metadata.labels[${JSON.stringify(RUNTIME_CLASS_LABEL)}]`;
  return {
    failurePolicy: 'Fail' as const,
    matchConstraints: {
      resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE' as const], resources: ['pods'] }],
      namespaceSelector: { matchExpressions: [{ key: RUNTIME_CLASS_LABEL, operator: 'Exists' as const }] },
    },
    validations: [{
      expression: `has(object.spec.runtimeClassName) && object.spec.runtimeClassName == ${label}`,
      messageExpression: `'pods in namespace ' + namespaceObject.metadata.name + ' must set spec.runtimeClassName to ' + ${label}`,
      reason: 'Forbidden' as const,
    }],
  };
}
