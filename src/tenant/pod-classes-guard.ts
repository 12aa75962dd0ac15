import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { validatingPolicy } from '../core/admission-v1';
import { TENANT_LABEL } from '../core/labels';
import { POD_SPEC } from '../images/image-guard';

/**
 * The name of the policy (and binding) that holds tenants' pods to their
 * priority classes and RuntimeClasses.
 */
export const POD_CLASSES_POLICY_NAME = 'cdk8s-tenancy-pod-classes';

/**
 * One tenant's pod class rules. Every field is a list of names (the CEL
 * map the guard reads stays homogeneous); an empty list means "not held".
 */
export interface TenantPodClassRules {
  /** The priority classes a pod must name one of. */
  readonly priorityClasses: string[];
  /** The tenant's default priority class, as a list of one (or none). */
  readonly defaultPriorityClass: string[];
  /** The RuntimeClasses a pod must name one of. */
  readonly runtimeClasses: string[];
  /** The tenant's default RuntimeClass, as a list of one (or none). */
  readonly defaultRuntimeClass: string[];
}

/**
 * The pod classes guard, bound in the namespaces of tenants with a default
 * priority class or a RuntimeClass list (added on first use): every pod,
 * and the pod template of every workload kind, must name one of the
 * tenant's priority classes and RuntimeClasses.
 *
 * Why a guard and not a default filled in by mutation: Kubernetes resolves
 * `priorityClassName` into `spec.priority` (the Priority admission plugin)
 * and `runtimeClassName` into `spec.overhead` and its scheduling (the
 * RuntimeClass plugin) in built-in admission that runs before mutating
 * webhooks and MutatingAdmissionPolicies. A class set later by a mutation
 * is not resolved: the pod keeps the priority it was given without it,
 * and a RuntimeClass with overhead refuses it. So the pod must name its
 * class itself; `SoftTenant.applyPodDefaults()` writes the tenant's
 * defaults into the platform's workloads, and the refusal names them for
 * everyone else.
 *
 * It binds everyone, controllers included, like the sandbox guard: pods
 * are created by kube-system controllers from the tenant's templates.
 * Templates are checked too (CREATE and UPDATE), so a workload without a
 * class fails at apply, not later in a ReplicaSet's events.
 */
export function podClassesGuard(scope: Construct, labels: Record<string, string>, rules: () => string): void {
  const T = JSON.stringify(TENANT_LABEL);
  const tenant = `namespaceObject.metadata.labels[${T}]`;
  validatingPolicy(scope, POD_CLASSES_POLICY_NAME, labels, {
    failurePolicy: 'Fail',
    matchConstraints: {
      resourceRules: [
        { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] },
        { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['replicationcontrollers'] },
        { apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'] },
        { apiGroups: ['batch'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['jobs', 'cronjobs'] },
      ],
      namespaceSelector: { matchExpressions: [{ key: TENANT_LABEL, operator: 'Exists' }] },
    },
    // Not a matchCondition: the API server gives matchConditions no
    // namespaceObject (found on the real server: "no such key: metadata").
    variables: [
      { name: 'all', expression: Lazy.any({ produce: rules }) },
      { name: 'tenant', expression: tenant },
      { name: 'held', expression: 'variables.tenant in variables.all' },
      {
        name: 'rules',
        expression: "variables.held ? variables.all[variables.tenant] : {'priorityClasses': [], 'defaultPriorityClass': [], 'runtimeClasses': [], 'defaultRuntimeClass': []}",
      },
      { name: 'spec', expression: POD_SPEC },
    ],
    validations: [
      {
        expression: '!variables.held || size(variables.rules.priorityClasses) == 0'
          + ' || (has(variables.spec.priorityClassName) && variables.spec.priorityClassName in variables.rules.priorityClasses)',
        messageExpression: "'pods of tenant ' + variables.tenant + ' must name their priority class in spec.priorityClassName: '"
          + " + variables.rules.defaultPriorityClass.join('') + ' (the tenant\\'s default), or one of ' + variables.rules.priorityClasses.join(', ')"
          + " + '. Kubernetes has no per-namespace default, and a class set by mutation is not applied'",
        reason: 'Forbidden',
      },
      {
        expression: '!variables.held || size(variables.rules.runtimeClasses) == 0'
          + ' || (has(variables.spec.runtimeClassName) && variables.spec.runtimeClassName in variables.rules.runtimeClasses)',
        messageExpression: "'pods of tenant ' + variables.tenant + ' must name their RuntimeClass in spec.runtimeClassName: '"
          + " + variables.rules.defaultRuntimeClass.join('') + ' (the tenant\\'s default), or one of ' + variables.rules.runtimeClasses.join(', ')",
        reason: 'Forbidden',
      },
    ],
  });
}
