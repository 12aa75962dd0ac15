import { Chart, ChartProps, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { LIBRARY_KEY_PREFIX, MANAGED_BY_LABEL, TENANT_LABEL, MANAGED_BY_VALUE, POD_SECURITY_LABEL_PREFIX, RUNTIME_CLASS_LABEL } from './labels';
import { serviceGuard, SERVICE_POLICY_NAME } from './network/service-guard';
import { PlacementEngine } from './placement/placement-engine';
import { validatingPolicy } from './private/admission-v1';
import { invalidProp } from './private/errors';
import {
  celIsPropagatedCopy, DEFAULT_HNC_USERNAME, HNC_GROUP, HncConfiguration, SUBNAMESPACE_OF_ANNOTATION, TREE_LABEL_SUFFIX,
} from './private/hnc';
import { celIsProtectedKey, celProtectedKept } from './private/keys';
import { checkDnsLabel, checkDnsSubdomain, isDnsLabel, isDnsSubdomain } from './private/names';
import { PLACEMENT_POLICY_NAME } from './private/placement/rules';
import { storageGuard, STORAGE_POLICY_NAME } from './storage/storage-guard';

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

  /**
   * The user the Hierarchical Namespace Controller (HNC) runs as, once a
   * tenant has `TenantSelfService`: the guardrails let it write propagated
   * copies and namespaces, and the self-service guard holds the namespaces it
   * writes to their tenant's labels.
   *
   * @default 'system:serviceaccount:hnc-system:default' (HNC's default install)
   */
  readonly hncUsername?: string;
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
  private selfServiceGuard = false;
  /** Self-service parent namespace -> the library's labels its descendants must carry. */
  private readonly selfServiceRoots = new Map<string, () => Record<string, string>>();
  private readonly hncUsername: string;
  private placementGuard = false;
  private readonly placementExemptNamespaces: string[];
  /** Guard name -> tenant -> the tenant's settings for that guard (issue #16 guards). */
  private readonly tenantRules = new Map<string, Map<string, unknown>>();
  /** The issue #16 guards added on first use, by name. */
  private readonly addedGuards = new Set<string>();

  /**
   * The engine of the placement guard.
   */
  public readonly placementEngine: PlacementEngine;

  constructor(scope: Construct, id: string, props: TenancyPlatformProps = {}) {
    super(scope, id, props);
    this.placementExemptNamespaces = props.placementExemptNamespaces ?? ['kube-system'];
    this.placementEngine = props.placementEngine ?? PlacementEngine.validatingAdmissionPolicy();
    this.hncUsername = props.hncUsername ?? DEFAULT_HNC_USERNAME;
    const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(this.hncUsername);
    if (!sa || !isDnsLabel(sa[1]) || !isDnsSubdomain(sa[2])) {
      throw invalidProp(this, 'hncUsername', this.hncUsername, "must be a service account's user name, 'system:serviceaccount:<namespace>:<name>'.",
        `HNC's default install runs as '${DEFAULT_HNC_USERNAME}'.`);
    }
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
    validatingPolicy(this, GUARDRAILS_POLICY_NAME, managedLabels(), guardrailsSpec(() => (this.selfServiceGuard ? this.hncUsername : undefined)));

    // ---- Issue #16 guards: one call per guard, each module self-contained.
    // They take the platform's exemptions and, per tenant, the settings
    // tenants registered with _setTenantRules (a CEL map read at synth).
    serviceGuard(this, managedLabels(), [notThePlatform()], this.tenantRulesLiteral(SERVICE_POLICY_NAME));
    storageGuard(this, managedLabels(), [notThePlatform()], this.tenantRulesLiteral(STORAGE_POLICY_NAME));
    // The image guard is added by the first tenant with image rules (SoftTenant, _ensureTenantGuard).
    // ---- end of issue #16 guards
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
   * Makes `namespace` a parent under which HNC creates a tenant's
   * namespaces: adds, once, the HNCConfiguration and the self-service guard,
   * and holds the namespace's descendants to `labels` (read at synth, after
   * every extension set its labels).
   *
   * @internal
   */
  public _addSelfServiceRoot(namespace: string, labels: () => Record<string, string>): void {
    this.selfServiceRoots.set(namespace, labels);
    if (this.selfServiceGuard) return;
    this.selfServiceGuard = true;
    new HncConfiguration(this, 'hnc-config', {
      metadata: { name: 'config', labels: managedLabels() },
      // Roles and RoleBindings HNC always propagates; the quota is the
      // HierarchicalResourceQuota's, not a copy per namespace.
      spec: {
        resources: [
          { group: 'networking.k8s.io', resource: 'networkpolicies', mode: 'Propagate' },
          { group: '', resource: 'limitranges', mode: 'Propagate' },
        ],
      },
    });
    const roots = Lazy.any({ produce: () => JSON.stringify(Object.fromEntries([...this.selfServiceRoots].map(([ns, l]) => [ns, l()]))) });
    validatingPolicy(this, SELF_SERVICE_POLICY_NAME, managedLabels(), selfServiceSpec(roots));
    validatingPolicy(this, SELF_SERVICE_PODS_POLICY_NAME, managedLabels(), selfServicePodsSpec());
  }

  /**
   * Records a tenant's settings for one of the platform's guards (read at
   * synth, as a CEL map tenant -> settings). A tenant without settings gets
   * the guard's defaults.
   *
   * @internal
   */
  public _setTenantRules(guard: string, tenant: string, rules: unknown): void {
    const forGuard = this.tenantRules.get(guard) ?? new Map<string, unknown>();
    this.tenantRules.set(guard, forGuard);
    forGuard.set(tenant, rules);
  }

  /**
   * Adds a guard once, on first use, with the platform's exemptions and the
   * tenants' settings for it.
   *
   * @internal
   */
  public _ensureTenantGuard(guard: string,
    build: (scope: Construct, labels: Record<string, string>, exemptions: any[], rules: () => string) => void): void {
    if (this.addedGuards.has(guard)) return;
    this.addedGuards.add(guard);
    build(this, managedLabels(), [notThePlatform()], this.tenantRulesLiteral(guard));
  }

  /** The tenants' settings for `guard`, as a CEL map literal; call at synth (inside a Lazy). */
  private tenantRulesLiteral(guard: string): () => string {
    return () => JSON.stringify(Object.fromEntries(this.tenantRules.get(guard) ?? new Map()));
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
function guardrailsSpec(hncUsername: () => string | undefined) {
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
    notThePlatform(),
  ];
  return {
    failurePolicy: 'Fail' as const,
    matchConstraints: {
      resourceRules: [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['CREATE' as const, 'UPDATE' as const, 'DELETE' as const], resources: ['*'] }],
    },
    // With self-service, HNC writes namespaces (judged by the self-service
    // guard instead), copies of managed objects, and its own objects' status.
    matchConditions: Lazy.any({
      produce: () => {
        const hnc = hncUsername();
        return hnc === undefined ? conditions : [...conditions, {
          name: 'not-hnc',
          expression: `!(request.userInfo.username == ${JSON.stringify(hnc)} && (request.resource.group == ${JSON.stringify(HNC_GROUP)}`
            + " || (request.resource.group == '' && request.resource.resource == 'namespaces')"
            + ` || ${celIsPropagatedCopy('object')} || ${celIsPropagatedCopy('oldObject')}))`,
        }];
      },
    }),
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
 * kube-system.
 */
function notThePlatform() {
  return {
    name: 'not-the-platform',
    expression: [
      "!request.userInfo.username.startsWith('system:serviceaccount:kube-system:')",
      // The controller manager when it runs without per-controller
      // service accounts.
      "request.userInfo.username != 'system:kube-controller-manager'",
      `!authorizer.group('admissionregistration.k8s.io').resource('validatingadmissionpolicies').name('${GUARDRAILS_POLICY_NAME}').check('update').allowed()`,
    ].join(' && '),
  };
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
