/**
 * Label and annotation keys that every part of cdk8s-tenancy agrees on.
 *
 * They are a contract with running clusters: NetworkPolicies select tenants
 * by `TENANT_LABEL`, the admission guard protects objects by
 * `MANAGED_BY_LABEL`, and node pools are tainted with `TENANT_LABEL`.
 * Changing one is a breaking change.
 */

/**
 * The prefix of every label and annotation key the library owns. On
 * namespaces, only the platform may set, change or remove keys with this
 * prefix (see {@link TenancyPlatform}).
 */
export const LIBRARY_KEY_PREFIX = 'cdk8s-tenancy.io/';

/**
 * The label that marks a tenant's namespaces, nodes and pods; its value is
 * the tenant name.
 *
 * Tenants cannot set or change it: the admission guard of
 * {@link TenancyPlatform} rejects that, so selecting by it is safe.
 */
export const TENANT_LABEL = 'cdk8s-tenancy.io/tenant';

/**
 * The label on every object cdk8s-tenancy emits. Objects carrying it can only
 * be created, changed or deleted by the platform (see {@link TenancyPlatform}).
 *
 * A key of our own rather than `app.kubernetes.io/managed-by`: Helm and other
 * tools rewrite that one, which would silently lift the protection.
 */
export const MANAGED_BY_LABEL = 'cdk8s-tenancy.io/managed-by';

/**
 * The value of {@link MANAGED_BY_LABEL}.
 */
export const MANAGED_BY_VALUE = 'cdk8s-tenancy';

/**
 * Annotation recording why a tenant was allowed a weaker Pod Security level.
 */
export const POD_SECURITY_EXCEPTION_ANNOTATION = 'cdk8s-tenancy.io/pod-security-exception';

/**
 * The prefix of the Pod Security Admission labels on namespaces.
 */
export const POD_SECURITY_LABEL_PREFIX = 'pod-security.kubernetes.io/';

/**
 * The namespace label naming the RuntimeClass every pod of the namespace must
 * use (set by a tenant sandbox, enforced by the platform's sandbox guard).
 */
export const RUNTIME_CLASS_LABEL = 'cdk8s-tenancy.io/runtime-class';

/**
 * The node label that attracts a tenant's pods to its dedicated nodes; its
 * value is the tenant name.
 *
 * Under `node-restriction.kubernetes.io/` because the NodeRestriction
 * admission plugin (on in EKS and every kubeadm cluster) refuses a kubelet
 * that sets, changes or removes a label of that prefix on its own Node, when
 * it registers and afterwards: only an identity of the platform (Karpenter,
 * EKS Auto Mode, an administrator) can put it there. A label a kubelet may
 * set on itself (`cdk8s-tenancy.io/tenant`) lets a compromised shared node
 * call itself a tenant's node and attract that tenant's pods (issue #16).
 *
 * The price: a kubelet's `--node-labels` cannot carry it (the kubelet
 * refuses to start), and the EKS managed node group API rejects every label
 * under `kubernetes.io/`, so node groups cannot set it; see
 * `PlacementNodeLabel` for what they use instead.
 */
export const NODE_RESTRICTION_TENANT_LABEL = 'node-restriction.kubernetes.io/cdk8s-tenancy-tenant';

/**
 * The same keys, for languages that have no module-level constants (Python,
 * Java, .NET, Go through jsii): `TenancyLabels.TENANT` is `TENANT_LABEL`.
 */
export class TenancyLabels {
  /** The tenant label: {@link TENANT_LABEL}. */
  public static readonly TENANT = TENANT_LABEL;
  /** The managed-by label: {@link MANAGED_BY_LABEL}. */
  public static readonly MANAGED_BY = MANAGED_BY_LABEL;
  /** The value of the managed-by label: {@link MANAGED_BY_VALUE}. */
  public static readonly MANAGED_BY_VALUE = MANAGED_BY_VALUE;
  /** The prefix of the library's own keys: {@link LIBRARY_KEY_PREFIX}. */
  public static readonly LIBRARY_KEY_PREFIX = LIBRARY_KEY_PREFIX;
  /** The node label that attracts a tenant's pods to its nodes: {@link NODE_RESTRICTION_TENANT_LABEL}. */
  public static readonly NODE_RESTRICTION_TENANT = NODE_RESTRICTION_TENANT_LABEL;
  /** The sandbox's namespace label: {@link RUNTIME_CLASS_LABEL}. */
  public static readonly RUNTIME_CLASS = RUNTIME_CLASS_LABEL;
  /** The dedicated-nodes namespace label: {@link DEDICATED_NODES_LABEL}. */
  public static readonly DEDICATED_NODES = 'cdk8s-tenancy.io/dedicated-nodes';
  /** The Pod Security exception annotation: {@link POD_SECURITY_EXCEPTION_ANNOTATION}. */
  public static readonly POD_SECURITY_EXCEPTION = POD_SECURITY_EXCEPTION_ANNOTATION;
  /** The tenant lifecycle namespace label: {@link LIFECYCLE_LABEL}. */
  public static readonly LIFECYCLE = 'cdk8s-tenancy.io/lifecycle';
  /** The reason of a tenant's lifecycle state: {@link LIFECYCLE_REASON_ANNOTATION}. */
  public static readonly LIFECYCLE_REASON = 'cdk8s-tenancy.io/lifecycle-reason';

  private constructor() {}
}

/**
 * The namespace label saying the tenant has dedicated nodes: the placement
 * guard then holds the namespace's pods to them (set by `TenantPlacement`,
 * protected by the guardrails policy). Its value names the node label the
 * pods must require: {@link DEDICATED_NODES_NODE_RESTRICTION} for
 * {@link NODE_RESTRICTION_TENANT_LABEL}, `true` (what every release before
 * it wrote) for {@link TENANT_LABEL}.
 */
export const DEDICATED_NODES_LABEL = 'cdk8s-tenancy.io/dedicated-nodes';

/**
 * The value of {@link DEDICATED_NODES_LABEL} when the tenant's pods are
 * attracted by {@link NODE_RESTRICTION_TENANT_LABEL}.
 */
export const DEDICATED_NODES_NODE_RESTRICTION = 'node-restriction';

/**
 * The value of {@link DEDICATED_NODES_LABEL} when the tenant's pods are
 * attracted by {@link TENANT_LABEL}, a label kubelets can set on themselves
 * (node groups, and every manifest written before node-restriction labels).
 */
export const DEDICATED_NODES_KUBELET_LABEL = 'true';

/**
 * The label on a tenant's Istio control-plane namespace, naming the tenant
 * it serves (not the tenant label: the namespace is the platform's).
 */
export const CONTROL_PLANE_OF_LABEL = 'cdk8s-tenancy.io/control-plane-of';

/**
 * The node label a namespace's pods must require, from the value of its
 * dedicated-nodes label (undefined: no dedicated nodes). The guard's CEL
 * (`variables.attraction`) and the audit read the namespace the same way.
 */
export function attractionLabel(dedicatedNodes: string | undefined): string | undefined {
  if (dedicatedNodes === DEDICATED_NODES_NODE_RESTRICTION) return NODE_RESTRICTION_TENANT_LABEL;
  if (dedicatedNodes === DEDICATED_NODES_KUBELET_LABEL) return TENANT_LABEL;
  return undefined;
}

/**
 * The namespace label carrying a tenant's lifecycle state when it is not
 * active: `cordoned` (members' writes refused) or `offboarding` (cordoned,
 * and its namespaces and data may be deleted). Absent means active. Set by
 * `SoftTenant`'s `lifecycle` prop; under the library's prefix, so only the
 * platform may set, change or remove it (guardrails policy).
 */
export const LIFECYCLE_LABEL = 'cdk8s-tenancy.io/lifecycle';

/**
 * The namespace annotation recording why a tenant is cordoned or
 * offboarding; the lifecycle guards quote it in their refusals.
 */
export const LIFECYCLE_REASON_ANNOTATION = 'cdk8s-tenancy.io/lifecycle-reason';
