import { Chart, ChartProps } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { LIBRARY_KEY_PREFIX, MANAGED_BY_LABEL, MANAGED_BY_VALUE, POD_SECURITY_LABEL_PREFIX, RUNTIME_CLASS_LABEL } from './labels';
import { PlacementEngine } from './placement/placement-engine';
import { validatingPolicy } from './private/admission-v1';
import { invalidProp } from './private/errors';
import { celIsProtectedKey } from './private/keys';
import { checkDnsLabel, checkDnsSubdomain } from './private/names';
import { PLACEMENT_POLICY_NAME } from './private/placement/rules';

/** The platform of each construct tree, by its root. */
const PLATFORMS = new WeakMap<IConstruct, TenancyPlatform>();

/**
 * The name of the guard policy and its binding. Tenants' rights are judged
 * against it: whoever may update this policy may switch the guard off, so
 * the guard has nothing to protect against them.
 */
export const GUARDRAILS_POLICY_NAME = 'cdk8s-tenancy-guardrails';

/**
 * The name of the policy (and binding) that holds pods in sandboxed
 * namespaces to their RuntimeClass.
 */
export const SANDBOX_POLICY_NAME = 'cdk8s-tenancy-sandbox';

/**
 * The name of the placement guard that keeps pods on the nodes of their own
 * tenant: the ValidatingAdmissionPolicy and its binding, the Kyverno
 * ClusterPolicy or the Gatekeeper Constraint, by engine.
 */
export { PLACEMENT_POLICY_NAME };

/**
 * Options for the cluster-wide part of the tenancy.
 */
export interface TenancyPlatformProps extends ChartProps {
  /**
   * Namespaces whose pods the placement guard leaves alone: node agents
   * (DaemonSets) that must run on every node, tenant nodes included, and so
   * tolerate every taint.
   *
   * @default ['kube-system']
   */
  readonly placementExemptNamespaces?: string[];

  /**
   * The admission engine that holds pods to their tenant's dedicated nodes
   * once a tenant has a `TenantPlacement`. Kyverno and Gatekeeper also add
   * the toleration and node affinity to the tenant's pods; the
   * ValidatingAdmissionPolicy only checks them (workloads use
   * `TenantPlacement.applyTo`). The engine must be installed in the cluster.
   *
   * @default PlacementEngine.validatingAdmissionPolicy()
   */
  readonly placementEngine?: PlacementEngine;
}

/**
 * Options for a PriorityClass the platform offers to tenants.
 */
export interface PlatformPriorityClassOptions {
  /**
   * The priority value. Higher runs first and may preempt lower.
   */
  readonly value: number;

  /**
   * What the class is for.
   *
   * @default - none
   */
  readonly description?: string;

  /**
   * Whether pods at this priority may preempt lower-priority pods.
   *
   * @default true
   */
  readonly preempting?: boolean;
}

/**
 * The cluster-wide part of the tenancy, one per app, in a chart of its own
 * (so in GitOps it lands in its own file, applied by the platform):
 *
 * - the admission guard (a ValidatingAdmissionPolicy and its Binding) that
 *   stops anyone but the platform from creating, changing or deleting
 *   objects labelled `cdk8s-tenancy.io/managed-by`, and from setting or
 *   changing the `cdk8s-tenancy.io/*` and Pod Security labels of namespaces;
 * - the priority classes offered to tenants;
 * - the registry that rejects two tenants claiming one name or namespace.
 *
 * Every `SoftTenant` finds or creates it at the root of its app, so a tenant
 * alone is complete. Create it yourself to choose its id or chart props.
 *
 * Who is "the platform": the guard lets through anyone allowed to update its
 * own policy (cluster admins, the GitOps controller that applies this chart),
 * the controllers of `kube-system` (namespace deletion, garbage collection)
 * and the controller manager. Tenant roles never hold that right, so tenants
 * are always held to it. The guard fails closed (`failurePolicy: Fail`): if the API server
 * cannot evaluate it, the request is refused rather than let through.
 */
export class TenancyPlatform extends Chart {
  /**
   * The platform of the app `scope` belongs to, created at the root of the
   * construct tree on first use.
   */
  public static ofApp(scope: IConstruct): TenancyPlatform {
    // Remembered per root: scanning the root's children for every tenant
    // would make declaring N tenants O(N^2).
    const root = scope.node.root;
    return PLATFORMS.get(root) ?? new TenancyPlatform(root as Construct, 'cdk8s-tenancy');
  }

  /**
   * Whether `x` is a platform. Not `instanceof`: cdk8s makes every Chart an
   * `instanceof` every Chart subclass (Symbol.hasInstance).
   *
   * @internal
   */
  public static _isPlatform(x: IConstruct): boolean {
    return PLATFORMS.get(x.node.root) === x;
  }

  private readonly tenants = new Map<string, string>();
  private readonly revisions = new Map<string, string>();
  private readonly namespaces = new Map<string, string>();
  private readonly priorityClasses = new Map<string, number>();
  private readonly runtimeClasses = new Map<string, string>();
  private sandboxGuard = false;
  private placementGuard = false;
  private readonly placementExemptNamespaces: string[];

  /**
   * The engine of the placement guard.
   */
  public readonly placementEngine: PlacementEngine;

  constructor(scope: Construct, id: string, props: TenancyPlatformProps = {}) {
    super(scope, id, props);
    this.placementExemptNamespaces = props.placementExemptNamespaces ?? ['kube-system'];
    this.placementEngine = props.placementEngine ?? PlacementEngine.validatingAdmissionPolicy();
    if (!(this.placementEngine instanceof PlacementEngine)) {
      throw invalidProp(this, 'placementEngine', this.placementEngine, 'is not a PlacementEngine.',
        'Use PlacementEngine.validatingAdmissionPolicy(), PlacementEngine.kyverno() or PlacementEngine.gatekeeper().');
    }
    if (scope.node.root !== scope) {
      throw invalidProp(this, 'scope', scope.node.path, 'must be the root of the construct tree (the cdk8s App): there is one platform per app.');
    }
    if (PLATFORMS.has(scope)) {
      throw invalidProp(this, 'scope', scope.node.path || '<root>', `already has a platform at '${PLATFORMS.get(scope)!.node.path}': there is one platform per app.`);
    }
    PLATFORMS.set(scope, this);
    validatingPolicy(this, GUARDRAILS_POLICY_NAME, managedLabels(), guardrailsSpec());
  }

  /**
   * Offers a PriorityClass to tenants (give it to a tenant with
   * `TenantPriorityClass.of(name)`). Adding the same class twice with the same
   * value is allowed, so tenants may each declare what they use.
   */
  public addPriorityClass(name: string, options: PlatformPriorityClassOptions): void {
    checkDnsSubdomain(this, 'priority class name', name, 244);
    if (name.startsWith('system-')) {
      throw invalidProp(this, 'priority class name', name, "must not start with 'system-': those names are reserved for Kubernetes.");
    }
    if (!Number.isInteger(options.value) || options.value > 1_000_000_000 || options.value < -2_147_483_648) {
      throw invalidProp(this, `priority class '${name}' value`, options.value, 'must be a whole number no greater than 1000000000 (higher values are reserved for system classes).');
    }
    const existing = this.priorityClasses.get(name);
    if (existing !== undefined) {
      if (existing !== options.value) {
        throw invalidProp(this, `priority class '${name}' value`, options.value, `conflicts with the value ${existing} it was added with before.`);
      }
      return;
    }
    this.priorityClasses.set(name, options.value);
    new k8s.KubePriorityClass(this, `priority-${name}`, {
      metadata: { name, labels: managedLabels() },
      value: options.value,
      description: options.description,
      globalDefault: false,
      preemptionPolicy: options.preempting === false ? 'Never' : 'PreemptLowerPriority',
    });
  }

  /**
   * Adds a RuntimeClass once; a second tenant may use the same one, but not
   * declare it differently.
   *
   * @internal
   */
  public _addRuntimeClass(scope: IConstruct, prop: string, name: string, spec: { handler: string; overhead?: any; scheduling?: any }): void {
    const rendered = JSON.stringify(spec);
    const existing = this.runtimeClasses.get(name);
    if (existing !== undefined) {
      if (existing !== rendered) {
        throw invalidProp(scope, prop, name, `is already declared by another tenant with different settings (${existing}); a RuntimeClass is cluster-wide, declare it the same way everywhere.`);
      }
      return;
    }
    this.runtimeClasses.set(name, rendered);
    new k8s.KubeRuntimeClass(this, `runtime-class-${name}`, { metadata: { name, labels: managedLabels() }, ...spec });
  }

  /**
   * Adds, once, the guard that holds pods in sandboxed namespaces to their
   * RuntimeClass.
   *
   * @internal
   */
  public _ensureSandboxGuard(): void {
    if (this.sandboxGuard) return;
    this.sandboxGuard = true;
    validatingPolicy(this, SANDBOX_POLICY_NAME, managedLabels(), sandboxSpec());
  }

  /**
   * Adds, once, the guard that keeps pods on the nodes of their own tenant,
   * with the platform's placement engine.
   *
   * @internal
   */
  public _ensurePlacementGuard(): void {
    if (this.placementGuard) return;
    this.placementExemptNamespaces.forEach((ns, i) => checkDnsLabel(this, `placementExemptNamespaces[${i}]`, ns));
    this.placementGuard = true;
    this.placementEngine._addGuard(this, this.placementExemptNamespaces);
  }

  /**
   * Records a tenant's mesh revision and control-plane namespace: each
   * belongs to one tenant, and the namespace to no tenant.
   *
   * @internal
   */
  public _claimMesh(scope: IConstruct, tenant: string, revision: string, namespace: string): void {
    const owner = this.revisions.get(revision);
    if (owner !== undefined) throw invalidProp(scope, 'mesh revision', revision, `is already the revision of tenant '${owner}': one revision per tenant.`);
    const nsOwner = this.namespaces.get(namespace);
    if (nsOwner !== undefined) throw invalidProp(scope, 'mesh namespace', namespace, `already belongs to '${nsOwner}': a control-plane namespace is its tenant's alone.`);
    this.revisions.set(revision, tenant);
    this.namespaces.set(namespace, `mesh of ${tenant}`);
  }

  /**
   * Records that `tenant`, declared at `scope`, owns `namespaces`. Checks
   * every claim before recording any, so a refused tenant claims nothing.
   *
   * @internal
   */
  public _claim(scope: IConstruct, tenant: string, namespaces: { namespace: string; prop: string }[]): void {
    const owner = this.tenants.get(tenant);
    if (owner !== undefined) {
      throw invalidProp(scope, 'name', tenant, `is already the tenant declared at '${owner}': tenant names are unique in an app.`);
    }
    for (const { namespace, prop } of namespaces) {
      const other = this.namespaces.get(namespace);
      if (other !== undefined) {
        throw invalidProp(scope, prop, namespace, `already belongs to tenant '${other}': a namespace belongs to one tenant.`);
      }
    }
    this.tenants.set(tenant, scope.node.path);
    namespaces.forEach(({ namespace }) => this.namespaces.set(namespace, tenant));
  }
}

/**
 * The labels of every object the platform itself emits.
 */
function managedLabels(): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
}

/**
 * The guard. Its CEL stays within what both Kubernetes and the test
 * evaluator run (no optional syntax), so the tests exercise this exact text.
 */
function guardrailsSpec() {
  const managed = JSON.stringify(MANAGED_BY_LABEL);
  const unchanged = (from: string, to: string) =>
    `variables.${from}.all(k, !${celIsProtectedKey('k')} || (k in variables.${to} && variables.${to}[k] == variables.${from}[k]))`;
  return {
    failurePolicy: 'Fail' as const,
    matchConstraints: {
      resourceRules: [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['CREATE' as const, 'UPDATE' as const, 'DELETE' as const], resources: ['*'] }],
    },
    matchConditions: [
      {
        // Cheap label checks first: most requests in a cluster stop here.
        name: 'touches-tenancy-guardrails',
        expression: [
          `(oldObject != null && has(oldObject.metadata.labels) && ${managed} in oldObject.metadata.labels)`,
          `(object != null && has(object.metadata.labels) && ${managed} in object.metadata.labels)`,
          "(request.resource.group == '' && request.resource.resource == 'namespaces')",
        ].join(' || '),
      },
      {
        name: 'not-the-platform',
        expression: [
          "!request.userInfo.username.startsWith('system:serviceaccount:kube-system:')",
          // The controller manager when it runs without per-controller
          // service accounts.
          "request.userInfo.username != 'system:kube-controller-manager'",
          `!authorizer.group('admissionregistration.k8s.io').resource('validatingadmissionpolicies').name('${GUARDRAILS_POLICY_NAME}').check('update').allowed()`,
        ].join(' && '),
      },
    ],
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
        expression: `request.resource.resource != 'namespaces' || (${unchanged('oldLabels', 'newLabels')} && ${unchanged('newLabels', 'oldLabels')})`,
        message: `only the platform may set, change or remove the ${LIBRARY_KEY_PREFIX}* and ${POD_SECURITY_LABEL_PREFIX}* labels of a namespace`,
        reason: 'Forbidden' as const,
      },
    ],
  };
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
