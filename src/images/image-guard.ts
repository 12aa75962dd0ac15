import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { NamedExpression, validatingPolicy } from '../core/admission-v1';
import { TENANT_LABEL } from '../core/labels';

/**
 * The name of the policy (and binding) that holds tenants' images to their
 * registries and pull policy.
 */
export const IMAGE_POLICY_NAME = 'cdk8s-tenancy-images';

/**
 * One tenant's image rules; tenants without an entry are not held. Only
 * lists of strings: the API server type-checks the rules as a CEL map
 * literal and refuses one whose values mix types (a bool next to a list).
 */
export interface TenantImageRules {
  /** The registry prefixes an image must start with (followed by `/`); empty: any registry. */
  readonly registries: string[];
  /** `['Always']` when every container must pull `Always`, else empty. */
  readonly pullPolicy: string[];
}

/** Where each matched resource keeps its pod spec (a CEL expression): pods, templates of the workload kinds, CronJobs. */
export const POD_SPEC = "request.resource.resource == 'pods' ? object.spec"
  + " : request.resource.resource == 'cronjobs' ? object.spec.jobTemplate.spec.template.spec"
  + ' : object.spec.template.spec';

/**
 * The image guard, bound in the namespaces of tenants that have image rules
 * (added on first use): every container, init container and ephemeral
 * container of a pod (CREATE, UPDATE, and the `ephemeralcontainers`
 * subresource) and of the pod template of Deployments, ReplicaSets,
 * StatefulSets, DaemonSets, Jobs, CronJobs and ReplicationControllers must
 * come from one of the tenant's registries and, if asked, pull `Always`.
 *
 * It binds everyone and takes no exemptions, like the sandbox guard: pods
 * are created by the kube-system workload controllers from the tenant's
 * templates, so a guard that let them through would judge nothing, and
 * what runs in a tenant's namespace is held to the tenant's rules whoever
 * sends it. Templates are checked too, so a refused image fails at
 * `apply`, not later in a ReplicaSet's events.
 */
export function imageGuard(scope: Construct, labels: Record<string, string>, _exemptions: NamedExpression[], rules: () => string): void {
  const T = JSON.stringify(TENANT_LABEL);
  validatingPolicy(scope, IMAGE_POLICY_NAME, labels, {
    failurePolicy: 'Fail',
    matchConstraints: {
      resourceRules: [
        { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods', 'pods/ephemeralcontainers', 'replicationcontrollers'] },
        { apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'] },
        { apiGroups: ['batch'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['jobs', 'cronjobs'] },
      ],
      namespaceSelector: { matchExpressions: [{ key: TENANT_LABEL, operator: 'Exists' }] },
    },
    // Tenants without rules are let through by the validations, not by a
    // matchCondition: the API server evaluates matchConditions with
    // namespaceObject null, so a condition reading the tenant label failed
    // (and, failing closed, refused every pod of every tenant).
    variables: [
      { name: 'all', expression: Lazy.any({ produce: rules }) },
      { name: 'held', expression: `namespaceObject.metadata.labels[${T}] in variables.all` },
      {
        name: 'rules',
        expression: `variables.held ? variables.all[namespaceObject.metadata.labels[${T}]] : {'registries': [], 'pullPolicy': []}`,
      },
      { name: 'spec', expression: POD_SPEC },
      {
        name: 'containers',
        expression: '(has(variables.spec.containers) ? variables.spec.containers : [])'
          + ' + (has(variables.spec.initContainers) ? variables.spec.initContainers : [])'
          + ' + (has(variables.spec.ephemeralContainers) ? variables.spec.ephemeralContainers : [])',
      },
    ],
    validations: [
      {
        expression: '!variables.held || size(variables.rules.registries) == 0 || variables.containers.all(c, variables.rules.registries.exists(r, c.image.startsWith(r + \'/\')))',
        messageExpression: "'container images in tenant ' + namespaceObject.metadata.labels[" + T + "] + ' must come from ' + variables.rules.registries.join(', ')"
          + " + ' (written in full, registry first); refused: ' + variables.containers.filter(c, !variables.rules.registries.exists(r, c.image.startsWith(r + '/'))).map(c, c.image).join(', ')",
        reason: 'Forbidden',
      },
      {
        expression: "!variables.held || size(variables.rules.pullPolicy) == 0 || variables.containers.all(c, has(c.imagePullPolicy) && c.imagePullPolicy == 'Always')",
        messageExpression: "'every container in tenant ' + namespaceObject.metadata.labels[" + T + "] + ' must set imagePullPolicy: Always (so the registry checks its credentials on every start); not: '"
          + " + variables.containers.filter(c, !has(c.imagePullPolicy) || c.imagePullPolicy != 'Always').map(c, c.name).join(', ')",
        reason: 'Forbidden',
      },
    ],
  });
}
