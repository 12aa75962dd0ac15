import { Chart, ChartProps } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { GUARDRAILS_POLICY_NAME, guardrailsSpec } from './guardrails';
import { PlatformRegistry } from './registry';
import { validatingPolicy } from '../core/admission-v1';
import { invalidProp } from '../core/errors';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../core/labels';
import { checkDnsSubdomain, isDnsLabel, isDnsSubdomain } from '../core/names';
import { BreakGlassIdentity, BreakGlassSubjects, renderBreakGlass } from '../lifecycle/break-glass';
// Three settings of features are the platform's props (public API): their
// types and defaults, nothing that imports a tenant or the platform.
import { PlacementEngine } from '../placement/placement-engine';
import { DEFAULT_HNC_USERNAME } from '../selfservice/internal/hnc';

/** The platform of each construct tree, by its root. */
const PLATFORMS = new WeakMap<IConstruct, TenancyPlatform>();

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
   * The user the Hierarchical Namespace Controller (HNC) runs as. No guard
   * ever counts it as the platform, whatever its RBAC (HNC's release grants
   * it `*` on everything). Once a tenant has `TenantSelfService`, the
   * guardrails let it write propagated copies and namespaces, and the
   * self-service guard holds the namespaces it writes to their tenant's
   * labels.
   *
   * @default 'system:serviceaccount:hnc-system:default' (HNC v1.1.0's release binds its hnc-manager-role to the `default` ServiceAccount of `hnc-system`)
   */
  readonly hncUsername?: string;

  /**
   * Who may delete a tenant's namespaces and data (claims, Secrets,
   * StatefulSets) without first marking the tenant for offboarding: the
   * one bypass of the deletion guard, for emergencies. Give it to no
   * automation: the guard exists to stop the GitOps controller acting on
   * a wrong commit. It bypasses nothing else (cordons included).
   *
   * @default - none: every deletion of tenant data needs the offboarding step
   */
  readonly breakGlass?: BreakGlassIdentity[];
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
 * and the controller manager — never HNC's user (`hncUsername`), whatever
 * its RBAC. Tenant roles never hold that right, so tenants
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

  /**
   * What features add to the platform: guards, cluster-scoped objects,
   * claims on names.
   *
   * @internal
   */
  public readonly _registry: PlatformRegistry;

  /**
   * The user HNC runs as, for the self-service guard.
   *
   * @internal
   */
  public readonly _hncUsername: string;

  /**
   * The break-glass users and groups, for the deletion guard.
   *
   * @internal
   */
  public readonly _breakGlass: BreakGlassSubjects;

  /**
   * Namespaces the placement guard leaves alone (checked when the guard is
   * added).
   *
   * @internal
   */
  public readonly _placementExemptNamespaces: string[];

  /**
   * The engine of the placement guard.
   */
  public readonly placementEngine: PlacementEngine;

  constructor(scope: Construct, id: string, props: TenancyPlatformProps = {}) {
    super(scope, id, props);
    this._placementExemptNamespaces = props.placementExemptNamespaces ?? ['kube-system'];
    this.placementEngine = props.placementEngine ?? PlacementEngine.validatingAdmissionPolicy();
    this._hncUsername = props.hncUsername ?? DEFAULT_HNC_USERNAME;
    const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(this._hncUsername);
    if (!sa || !isDnsLabel(sa[1]) || !isDnsSubdomain(sa[2])) {
      throw invalidProp(this, 'hncUsername', this._hncUsername, "must be a service account's user name, 'system:serviceaccount:<namespace>:<name>'.",
        `HNC's default install runs as '${DEFAULT_HNC_USERNAME}'.`);
    }
    this._breakGlass = renderBreakGlass(this, 'breakGlass', props.breakGlass ?? []);
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
    this._registry = new PlatformRegistry(this);
    validatingPolicy(this, GUARDRAILS_POLICY_NAME, managedLabels(), guardrailsSpec(() => this._registry.guardrailsExemptions, this._hncUsername));
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
    this._registry.addClusterObject({
      key: `PriorityClass/${name}`,
      // Tenants may each declare the classes they use: the value must agree,
      // the first declaration's description and preemption stand.
      settings: String(options.value),
      conflict: (existing) => invalidProp(this, `priority class '${name}' value`, options.value, `conflicts with the value ${existing} it was added with before.`),
      create: (scope) => new k8s.KubePriorityClass(scope, `priority-${name}`, {
        metadata: { name, labels: managedLabels() },
        value: options.value,
        description: options.description,
        globalDefault: false,
        preemptionPolicy: options.preempting === false ? 'Never' : 'PreemptLowerPriority',
      }),
    });
  }
}

/**
 * The labels of every object the platform itself emits.
 */
function managedLabels(): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
}
