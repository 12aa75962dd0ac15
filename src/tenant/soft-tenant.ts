import { ApiObject, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { podClassesGuard, POD_CLASSES_POLICY_NAME, TenantPodClassRules } from './pod-classes-guard';
import { PodSecurityLevel } from './pod-security';
import { TenantMember } from './tenant-member';
import { ClusterDns, TenantNetworkOptions, TenantPeer } from './tenant-network';
import { TenantProfile, TenantProfileOptions } from './tenant-profile';
import { TENANT_BUDGET_ANNOTATION, TenantLimitRangeOptions, TenantPriorityClass, TenantQuotaOptions } from './tenant-quota';
import { TenantRights } from './tenant-rights';
import { invalidProp } from '../core/errors';
import { isProtectedKey } from '../core/keys';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUNTIME_CLASS_LABEL, TENANT_LABEL } from '../core/labels';
import { checkDnsLabel, checkLabel, isReservedNamespace } from '../core/names';
import { DEFAULT_POD_SECURITY_VERSION } from '../core/versions';
import { setPodSpecField } from '../core/workloads';
import { GitOpsRetention } from '../gitops/gitops-retention';
import { NetworkPolicyRule, policyPorts } from './internal/network';
import { checkRequestsWithinLimits, quotaEntries, renderContainerLimits, renderQuotaHard, splitBudget } from './internal/quota';
import { RbacRule, RbacSubject, TENANT_ADMIN_RULES, TENANT_USER_RULES } from './internal/rbac';
import { RenderedRights } from './internal/rights';
import { TenantPodLabels } from '../cost/tenant-pod-labels';
import { TenantGitOps } from '../gitops/tenant-gitops';
import { imageGuard, IMAGE_POLICY_NAME, TenantImageRules } from '../images/image-guard';
import { TenantImageOptions, TenantRegistries } from '../images/tenant-images';
import { ingressGuard, INGRESS_POLICY_NAME, TenantIngressRules } from '../ingress/ingress-guard';
import { hostnameClaims } from '../ingress/internal/hostname-claims';
import { gatewayApiRules } from '../ingress/internal/rbac';
import { TenantGatewayApi, TenantHostnames, TenantIngressClasses, TenantIngressOptions } from '../ingress/tenant-ingress';
import { addLifecycleGuards } from '../lifecycle/guard';
import { TenantLifecycle } from '../lifecycle/tenant-lifecycle';
import { serviceGuard, SERVICE_POLICY_NAME, TenantServiceRules } from '../network/service-guard';
import { TenantAddresses, TenantExternalNames, TenantServiceOptions } from '../network/tenant-services';
import type { PlacementTerms } from '../placement/internal/terms';
import { notThePlatform } from '../platform/guardrails';
import { TenancyPlatform } from '../platform/tenancy-platform';
import { TenantRuntimeClasses } from '../sandbox/tenant-runtime-classes';
import { defaultStorageClassMutation, writeDefaultStorageClass } from '../storage/default-storage-class';
import { storageGuard, STORAGE_POLICY_NAME, TenantStorageRules } from '../storage/storage-guard';
import { renderDeniedStorageClasses, STORAGE_CLASS_QUOTA_DOMAIN, TenantStorageClasses, TenantStorageOptions } from '../storage/tenant-storage';

/**
 * Something that adds to a tenant after it is declared: a placement on
 * dedicated nodes, a service mesh. A tenant takes one extension of each kind.
 */
export interface ITenantExtension {
  /**
   * What kind of extension this is (e.g. `placement`, `mesh`); a tenant
   * accepts one of each.
   */
  readonly extensionKind: string;

  /**
   * Adds the extension's objects and labels to the tenant.
   */
  applyToTenant(tenant: SoftTenant): void;
}

/**
 * Options for a {@link SoftTenant}.
 */
export interface SoftTenantProps {
  /**
   * The tenant's name: a DNS-1123 label, used as the value of the tenant
   * label on its namespaces and, by default, as its namespace.
   */
  readonly name: string;

  /**
   * The tenant's namespaces.
   *
   * @default - one namespace named after the tenant
   */
  readonly namespaces?: string[];

  /**
   * Extra labels for the tenant's namespaces. The tenant, managed-by and Pod
   * Security labels are the library's and cannot be set here.
   *
   * @default - none
   */
  readonly labels?: { [key: string]: string };

  /**
   * Extra annotations for the tenant's namespaces.
   *
   * @default - none
   */
  readonly annotations?: { [key: string]: string };

  /**
   * Tenant admins: manage workloads, configuration and service-mesh objects
   * in the tenant's namespaces, and read its RBAC and quota.
   *
   * @default - no admins
   */
  readonly admins?: TenantMember[];

  /**
   * Tenant users: manage workloads and configuration in the tenant's
   * namespaces (the built-in `edit` rights, without NetworkPolicies).
   *
   * @default - no users
   */
  readonly users?: TenantMember[];

  /**
   * Rights the tenant's admins (or all its members) get in its namespaces
   * on top of the library's roles, e.g. on the platform's CRDs. Anything
   * the audit's RBAC checks would flag is refused at synth.
   *
   * @default - only the library's roles
   */
  readonly extraRights?: TenantRights[];

  /**
   * The Pod Security Standard enforced in the tenant's namespaces.
   *
   * @default PodSecurityLevel.RESTRICTED
   */
  readonly podSecurity?: PodSecurityLevel;

  /**
   * The Pod Security Standards version the tenant's namespaces enforce (the
   * `enforce-version` label): a Kubernetes minor from `v1.32`, the oldest
   * the library supports, to `v1.37`, the newest it knows. Every namespace
   * the library writes for the tenant follows it, its mesh control plane's
   * too. Always pinned: `audit` and `warn` run at `latest`, so rules newer
   * than the pin are reported, never enforced by a cluster upgrade
   * unannounced; `latest` itself is refused here.
   *
   * @default 'v1.32' (the oldest supported Kubernetes)
   */
  readonly podSecurityVersion?: string;

  /**
   * Network isolation beyond the defaults (deny all, DNS, same tenant).
   *
   * @default - only the defaults
   */
  readonly network?: TenantNetworkOptions;

  /**
   * The ResourceQuota of each namespace: every namespace gets all of it, so
   * a tenant with N namespaces may use N times this. Use `budget` instead
   * to cap the tenant as a whole.
   *
   * @default - the defaults of each TenantQuotaOptions field, per namespace
   */
  readonly quota?: TenantQuotaOptions;

  /**
   * A budget for the whole tenant, split over its namespaces: each
   * namespace's ResourceQuota is its allocation (`profiles[ns].quota`),
   * and the namespaces without an allocation of a key share what the others
   * leave of it evenly (rounded down). Allocations that sum to more than the
   * budget are refused at synth. Fields left out of the budget take the
   * TenantQuotaOptions defaults as the tenant's total. Not together with
   * `quota`.
   *
   * @default - no budget: each namespace gets the whole `quota`
   */
  readonly budget?: TenantQuotaOptions;

  /**
   * Profiles of some of the tenant's namespaces, by namespace name: their
   * own quota (or allocation of the budget), LimitRange, Pod Security level
   * and extra network peers. The namespaces stay the tenant's: same tenant
   * label, members and guards.
   *
   * @default - every namespace follows the tenant's settings
   */
  readonly profiles?: { [namespace: string]: TenantProfile };

  /**
   * The LimitRange of each namespace.
   *
   * @default - the defaults of each TenantLimitRangeOptions field
   */
  readonly limitRange?: TenantLimitRangeOptions;

  /**
   * The priority classes the tenant may use, each with its own quota. Pods
   * asking for any other class are refused by the quota.
   *
   * @default - no priority class: the tenant's pods run at the cluster default
   */
  readonly priorityClasses?: TenantPriorityClass[];

  /**
   * The tenant's default priority class, one of `priorityClasses`. With it,
   * every pod of the tenant must name one of its priority classes (the
   * platform's pod classes guard refuses the others, naming the default),
   * and `applyPodDefaults()` writes it into workloads. Kubernetes has no
   * per-namespace default priority, and a class filled in by a mutating
   * webhook is not applied (the Priority admission plugin runs first).
   *
   * @default - none: pods without a class run at the cluster's default
   */
  readonly defaultPriorityClass?: string;

  /**
   * The RuntimeClasses the tenant's pods may use, and the default among
   * them. With a list, every pod must name one (the pod classes guard), and
   * `applyPodDefaults()` writes the default into workloads. Not together
   * with a `TenantSandbox`, which holds every pod to its one class.
   *
   * @default TenantRuntimeClasses.any()
   */
  readonly runtimeClasses?: TenantRuntimeClasses;

  /**
   * What the tenant's Services may reach beyond its namespaces: external
   * IPs, load balancer source ranges, ExternalName targets. Each is refused
   * by default, by the platform's Services guard.
   *
   * @default - none of them
   */
  readonly services?: TenantServiceOptions;

  /**
   * The StorageClasses the tenant's claims may use, and the default a claim
   * naming none gets (filled in by the platform's admission engine where the
   * cluster has no default StorageClass, and written into StatefulSets by
   * `applyPodDefaults()`). Whatever is set, no claim may name an existing
   * PersistentVolume.
   *
   * @default - any StorageClass
   */
  readonly storage?: TenantStorageOptions;

  /**
   * The registries the tenant's images come from and their pull policy,
   * held by the platform's image guard.
   *
   * @default - any registry, any pull policy
   */
  readonly images?: TenantImageOptions;

  /**
   * How the tenant's traffic comes in: the IngressClasses its Ingresses may
   * use, its Gateway API rights (routes, and Gateways of some
   * GatewayClasses) and the hostnames it may serve, held by the platform's
   * ingress guard.
   *
   * @default - any IngressClass and hostname; no Gateway API rights
   */
  readonly ingress?: TenantIngressOptions;

  /**
   * Where the tenant is in its life: active, cordoned (members' writes
   * refused) or offboarding (cordoned, and its namespaces and data may be
   * deleted by the next change). Stamped on every namespace as the label
   * `cdk8s-tenancy.io/lifecycle`, which only the platform may change.
   *
   * @default TenantLifecycle.ACTIVE
   */
  readonly lifecycle?: TenantLifecycle;

  /**
   * The tenant's own GitOps (an Argo CD project or a Flux Kustomization),
   * running as a service account with the tenant-admin rights in the
   * tenant's namespaces and nowhere else.
   *
   * @default - none: the platform's GitOps alone applies to the tenant's namespaces
   */
  readonly gitOps?: TenantGitOps;

  /**
   * Labels the platform's admission engine puts on every pod created in the
   * tenant's namespaces, for cost attribution: the tenant label and the
   * platform's own (e.g. a cost centre).
   *
   * @default - pods keep the labels their owners give them
   */
  readonly podLabels?: TenantPodLabels;

  /**
   * The cluster-wide platform (admission guard, registry of tenants).
   *
   * @default TenancyPlatform.ofApp(this)
   */
  readonly platform?: TenancyPlatform;
}

/**
 * A tenant sharing a cluster with others, isolated by namespace ("soft
 * multi-tenancy"): Pod Security Admission, library-owned RBAC, default-deny
 * NetworkPolicies, quota and limits, priority classes with quota, all
 * protected from the tenant by the platform's admission guard.
 *
 * @example
 * import { Chart } from 'cdk8s';
 * import { SoftTenant, TenantMember } from 'cdk8s-tenancy';
 *
 * declare const chart: Chart;
 * new SoftTenant(chart, 'TeamA', {
 *   name: 'team-a',
 *   admins: [TenantMember.group('team-a-admins')],
 * });
 */
export class SoftTenant extends Construct {
  /**
   * The tenant's name.
   */
  public readonly name: string;

  /**
   * The tenant's namespaces.
   */
  public readonly namespaces: string[];

  /**
   * The platform this tenant belongs to.
   */
  public readonly platform: TenancyPlatform;

  private readonly namespaceObjects: k8s.KubeNamespace[] = [];
  private readonly ingressRules: NetworkPolicyRule[] = [];
  private readonly egressRules: NetworkPolicyRule[] = [];
  private readonly allowMetadataEndpoint: boolean;
  private readonly extensionKinds = new Set<string>();
  private readonly extraBindings: string[] = [];
  private placementTerms?: PlacementTerms;
  private readonly placementListeners: ((placement: PlacementTerms) => void)[] = [];
  /** @internal */
  public _adminSubjects: RbacSubject[] = [];
  /** The enforced Pod Security level (`restricted`, `baseline`, `privileged`). @internal */
  public readonly _podSecurityLevel: string;
  /** The pinned Pod Security `enforce-version` every namespace written for this tenant follows. @internal */
  public readonly _podSecurityVersion: string;
  /** The RuntimeClasses the tenant's pods are held to, if any. @internal */
  public readonly _runtimeClasses?: string[];
  private readonly defaultPriorityClass?: string;
  private readonly defaultRuntimeClass?: string;
  private readonly defaultStorageClass?: string;

  constructor(scope: Construct, id: string, props: SoftTenantProps) {
    super(scope, id);
    // Everything is checked before the first object is created: a bad
    // tenant emits nothing.
    checkDnsLabel(this, 'name', props.name);
    this.name = props.name;
    this.namespaces = props.namespaces ?? [props.name];
    this.allowMetadataEndpoint = props.network?.allowMetadataEndpoint ?? false;
    this.platform = props.platform ?? TenancyPlatform.ofApp(this);

    if (this.namespaces.length === 0) {
      throw invalidProp(this, 'namespaces', this.namespaces, 'must name at least one namespace.', 'Leave it out to get one namespace named after the tenant.');
    }
    // Without `namespaces`, the namespace is the tenant name: errors about it
    // name the prop the user wrote.
    const nsProp = (i: number) => (props.namespaces ? `namespaces[${i}]` : 'name');
    const seen = new Set<string>();
    this.namespaces.forEach((ns, i) => {
      checkDnsLabel(this, nsProp(i), ns);
      if (isReservedNamespace(ns)) {
        throw invalidProp(this, nsProp(i), ns, "is reserved for the cluster: 'default', 'kube-*' and 'istio-system' cannot belong to a tenant.",
          props.namespaces ? undefined : 'The tenant\'s namespace is named after it: choose another name, or set namespaces.');
      }
      if (seen.has(ns)) {
        throw invalidProp(this, nsProp(i), ns, 'is listed twice.');
      }
      seen.add(ns);
    });

    const extraLabels = props.labels ?? {};
    for (const [key, value] of Object.entries(extraLabels)) {
      checkLabel(this, 'labels', key, value);
      checkNotLibraryKey(this, 'labels', key);
    }
    const extraAnnotations = props.annotations ?? {};
    for (const key of Object.keys(extraAnnotations)) {
      checkLabel(this, 'annotations', key, '');
      checkNotLibraryKey(this, 'annotations', key);
    }
    const profiles = checkProfiles(this, props.profiles, this.namespaces);
    const podSecurityLevel = props.podSecurity ?? PodSecurityLevel.RESTRICTED;
    this._podSecurityVersion = props.podSecurityVersion ?? DEFAULT_POD_SECURITY_VERSION;
    const tenantPodSecurity = podSecurityLevel._render(this, this._podSecurityVersion);
    const podSecurityOf: Record<string, { labels: Record<string, string>; annotations: Record<string, string> }> = {};
    const levels: string[] = [];
    for (const ns of this.namespaces) {
      const own = profiles[ns]?.podSecurity;
      if (own !== undefined && !(own instanceof PodSecurityLevel)) {
        throw invalidProp(this, `profiles['${ns}'].podSecurity`, own, 'is not a PodSecurityLevel.', 'Use PodSecurityLevel.RESTRICTED or PodSecurityLevel.baseline(reason).');
      }
      podSecurityOf[ns] = own ? own._render(this, this._podSecurityVersion, `profiles['${ns}'].podSecurity`) : tenantPodSecurity;
      levels.push((own ?? podSecurityLevel)._level);
    }
    // Extensions that must admit their pods everywhere (a mesh's injection)
    // check against the strictest level of the tenant's namespaces.
    this._podSecurityLevel = ['restricted', 'baseline', 'privileged'].find((l) => levels.includes(l))!;
    const admins = (props.admins ?? []).map((m, i) => m._toSubject(this, `admins[${i}]`));
    this._adminSubjects = admins;
    const users = (props.users ?? []).map((m, i) => m._toSubject(this, `users[${i}]`));
    const rights = TenantRights._renderAll(this, props.extraRights ?? []);
    const storage = valueOf(this, 'storage.storageClasses', props.storage?.storageClasses ?? TenantStorageClasses.any(), TenantStorageClasses,
      'TenantStorageClasses.any() or TenantStorageClasses.only([...])')._render(this, 'storage.storageClasses');
    const storageClasses = storage?.classes;
    this.defaultStorageClass = storage?.defaultClass;
    const deniedClasses = renderDeniedStorageClasses(this, 'storage.deniedStorageClasses', props.storage?.deniedStorageClasses, storageClasses);
    const quotaOf = renderNamespaceQuotas(this, props, profiles, this.namespaces);
    for (const ns of this.namespaces) {
      checkClassQuotas(this, quotaOf[ns], storageClasses, props.storage?.deniedStorageClasses ?? []);
      quotaOf[ns] = { ...quotaOf[ns], ...deniedClasses };
    }
    const budgetAnnotation = props.budget ? { [TENANT_BUDGET_ANNOTATION]: JSON.stringify(renderQuotaHard(this, props.budget, 'budget')) } : undefined;
    const limitsOf = Object.fromEntries(this.namespaces.map((ns) => {
      const own = profiles[ns]?.limitRange;
      return [ns, renderContainerLimits(this, { ...props.limitRange, ...own }, quotaOf[ns], own ? `profiles['${ns}'].limitRange` : 'limitRange')];
    }));
    const priorityClasses = props.priorityClasses ?? [];
    const priorityQuotas = priorityClasses.map((p, i) => ({ name: p.name, hard: p._renderHard(this, `priorityClasses[${i}]`) }));
    const seenClasses = new Set<string>();
    priorityClasses.forEach((p, i) => {
      if (seenClasses.has(p.name)) throw invalidProp(this, `priorityClasses[${i}]`, p.name, 'is listed twice.');
      seenClasses.add(p.name);
    });
    if (props.defaultPriorityClass !== undefined && !priorityClasses.some((p) => p.name === props.defaultPriorityClass)) {
      throw invalidProp(this, 'defaultPriorityClass', props.defaultPriorityClass,
        `must be one of the tenant's priorityClasses (${priorityClasses.map((p) => p.name).join(', ') || 'none given'}).`, 'Add it with TenantPriorityClass.of(name).');
    }
    this.defaultPriorityClass = props.defaultPriorityClass;
    const runtime = valueOf(this, 'runtimeClasses', props.runtimeClasses ?? TenantRuntimeClasses.any(), TenantRuntimeClasses,
      'TenantRuntimeClasses.any() or TenantRuntimeClasses.only([...])')._render(this, 'runtimeClasses');
    this._runtimeClasses = runtime?.classes;
    this.defaultRuntimeClass = runtime?.defaultClass;
    const podClassRules: TenantPodClassRules | undefined = this.defaultPriorityClass || runtime ? {
      priorityClasses: this.defaultPriorityClass ? priorityClasses.map((p) => p.name) : [],
      defaultPriorityClass: this.defaultPriorityClass ? [this.defaultPriorityClass] : [],
      runtimeClasses: runtime?.classes ?? [],
      defaultRuntimeClass: runtime ? [runtime.defaultClass] : [],
    } : undefined;
    const dnsPeer = (props.network?.clusterDns ?? ClusterDns.KUBE_DNS)._renderPeer(this);
    const ingress = (props.network?.ingressFrom ?? []).map((p, i) => p._render(this, `network.ingressFrom[${i}]`, { egress: false, allowMetadataEndpoint: this.allowMetadataEndpoint }));
    const egress = (props.network?.egressTo ?? []).map((p, i) => p._render(this, `network.egressTo[${i}]`, { egress: true, allowMetadataEndpoint: this.allowMetadataEndpoint }));
    const profilePeers = Object.fromEntries(this.namespaces.map((ns) => [ns, {
      ingress: (profiles[ns]?.ingressFrom ?? []).map((p, i) => p._render(this, `profiles['${ns}'].ingressFrom[${i}]`, { egress: false, allowMetadataEndpoint: this.allowMetadataEndpoint })),
      egress: (profiles[ns]?.egressTo ?? []).map((p, i) => p._render(this, `profiles['${ns}'].egressTo[${i}]`, { egress: true, allowMetadataEndpoint: this.allowMetadataEndpoint })),
    }]));

    const serviceRules = renderServiceRules(this, props.services ?? {});
    const imageRules = renderImageRules(this, props.images);
    const entry = renderIngress(this, props.ingress ?? {});
    const lifecycle = valueOf(this, 'lifecycle', props.lifecycle ?? TenantLifecycle.ACTIVE, TenantLifecycle,
      'TenantLifecycle.ACTIVE, TenantLifecycle.cordoned(reason) or TenantLifecycle.offboarding(reason)')._render(this, 'lifecycle');
    const gitOps = props.gitOps === undefined ? undefined
      : valueOf(this, 'gitOps', props.gitOps, TenantGitOps, 'TenantGitOps.argoCd({...}) or TenantGitOps.flux({...})')._check(this, 'gitOps');
    const defaultStorageClass = this.defaultStorageClass === undefined ? undefined
      : defaultStorageClassMutation(this.platform.placementEngine, this.defaultStorageClass);
    const podLabels = props.podLabels === undefined ? undefined
      : valueOf(this, 'podLabels', props.podLabels, TenantPodLabels, 'TenantPodLabels.of({...})')._check(this, 'podLabels', this.platform.placementEngine);

    // Claims last: a tenant that failed its checks claims nothing.
    this.platform._registry.claim([
      {
        space: 'tenant',
        name: this.name,
        owner: this.node.path,
        refuse: (owner) => invalidProp(this, 'name', this.name, `is already the tenant declared at '${owner}': tenant names are unique in an app.`),
      },
      ...this.namespaces.map((namespace, i) => ({
        space: 'namespace',
        name: namespace,
        owner: this.name,
        refuse: (owner: string) => invalidProp(this, nsProp(i), namespace, `already belongs to tenant '${owner}': a namespace belongs to one tenant.`),
        refuseByRule: (reason: string) => invalidProp(this, nsProp(i), namespace, reason),
      })),
      ...hostnameClaims(this, this.platform._registry, this.name, entry.rules?.any.includes('any-host') === false ? entry.rules : undefined),
    ]);
    // The platform's guards for Services, claims and images read every
    // tenant's settings; a tenant without settings gets their defaults.
    const guarded = (build: typeof serviceGuard) => (platformChart: Construct, rules: () => string) =>
      build(platformChart, { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE }, [notThePlatform(this.platform._hncUsername)], rules);
    this.platform._registry.addTenantGuard(SERVICE_POLICY_NAME, guarded(serviceGuard), this.name, serviceRules);
    const storageRules: TenantStorageRules | undefined = storageClasses
      ? { classes: storageClasses, ...(this.defaultStorageClass ? { defaultClass: [this.defaultStorageClass] } : {}) } : undefined;
    this.platform._registry.addTenantGuard(STORAGE_POLICY_NAME, guarded(storageGuard), this.name, storageRules);
    if (imageRules) this.platform._registry.addTenantGuard(IMAGE_POLICY_NAME, guarded(imageGuard), this.name, imageRules);
    this.platform._registry.addTenantGuard(INGRESS_POLICY_NAME, guarded(ingressGuard), this.name, entry.rules);

    this.declareClusterRoles(rights);
    if (podClassRules) {
      this.platform._registry.addTenantGuard(POD_CLASSES_POLICY_NAME, (platformChart, rules) =>
        podClassesGuard(platformChart, { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE }, rules), this.name, podClassRules);
    }
    // Who counts as the tenant's own for the deletion and cordon guards.
    const members = [...admins, ...users];
    addLifecycleGuards(this.platform, this.name, {
      namespaces: this.namespaces,
      users: members.map((s) => (s.kind === 'ServiceAccount' ? `system:serviceaccount:${s.namespace}:${s.name}` : s.kind === 'User' ? s.name : undefined))
        .filter((u): u is string => u !== undefined),
      groups: members.filter((s) => s.kind === 'Group').map((s) => s.name),
    });

    for (const ns of this.namespaces) {
      const nsScope = new Construct(this, ns);
      const namespace = new k8s.KubeNamespace(nsScope, 'Namespace', {
        metadata: {
          name: ns,
          labels: { ...extraLabels, ...podSecurityOf[ns].labels, ...lifecycle.labels, ...this.labels },
          // Retention first: what the user passes for the namespace wins.
          annotations: { ...GitOpsRetention.annotations(), ...extraAnnotations, ...podSecurityOf[ns].annotations, ...lifecycle.annotations },
        },
      });
      this.namespaceObjects.push(namespace);
      const inNamespace = (name: string) => ({ name, namespace: ns, labels: this.labels });
      const objects: ApiObject[] = [];

      // Service accounts: no API token in pods unless a workload asks.
      objects.push(new k8s.KubeServiceAccount(nsScope, 'DefaultServiceAccount', {
        metadata: inNamespace('default'),
        automountServiceAccountToken: false,
      }));

      objects.push(...this.renderRbac(nsScope, inNamespace, 'tenant-admin', [...TENANT_ADMIN_RULES, ...entry.rbac.admins, ...rights.adminRules], admins));
      objects.push(...this.renderRbac(nsScope, inNamespace, 'tenant-user', [...TENANT_USER_RULES, ...entry.rbac.users, ...rights.userRules], users));
      objects.push(...this.bindClusterRoles(nsScope, inNamespace, rights, admins, users));

      objects.push(new k8s.KubeNetworkPolicy(nsScope, 'DefaultDeny', {
        metadata: inNamespace('default-deny'),
        // Both types listed: an Egress rule list without `Egress` in
        // policyTypes would deny nothing.
        spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
      }));
      objects.push(new k8s.KubeNetworkPolicy(nsScope, 'AllowClusterDns', {
        metadata: inNamespace('allow-cluster-dns'),
        spec: {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [{
            to: [dnsPeer as k8s.NetworkPolicyPeer],
            ports: [{ protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) }, { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) }],
          }],
        },
      }));
      const sameTenant = [{ namespaceSelector: { matchLabels: this.selector } }];
      objects.push(new k8s.KubeNetworkPolicy(nsScope, 'AllowSameTenant', {
        metadata: inNamespace('allow-same-tenant'),
        spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [{ from: sameTenant }], egress: [{ to: sameTenant }] },
      }));

      for (const [direction, rules] of [['Ingress', profilePeers[ns].ingress], ['Egress', profilePeers[ns].egress]] as const) {
        if (rules.length === 0) continue;
        objects.push(new k8s.KubeNetworkPolicy(nsScope, `AllowProfile${direction}`, {
          metadata: inNamespace(`allow-profile-${direction.toLowerCase()}`),
          spec: direction === 'Ingress'
            ? { podSelector: {}, policyTypes: [direction], ingress: rules.map((r) => ({ from: r.peers, ports: policyPorts(r) })) }
            : { podSelector: {}, policyTypes: [direction], egress: rules.map((r) => ({ to: r.peers, ports: policyPorts(r) })) },
        }));
      }

      objects.push(new k8s.KubeResourceQuota(nsScope, 'Quota', {
        // The tenant's budget rides along, so the audit can check a
        // GitOps repository's quotas against it after hand edits.
        metadata: { ...inNamespace('tenant-quota'), ...(budgetAnnotation ? { annotations: budgetAnnotation } : {}) },
        spec: { hard: toQuantities(quotaOf[ns]) },
      }));
      objects.push(new k8s.KubeLimitRange(nsScope, 'LimitRange', {
        metadata: inNamespace('tenant-limits'),
        spec: {
          limits: [{
            type: limitsOf[ns].type,
            default: toQuantities(limitsOf[ns].default),
            defaultRequest: toQuantities(limitsOf[ns].defaultRequest),
          }],
        },
      }));
      objects.push(...this.renderPriorityQuotas(nsScope, inNamespace, priorityQuotas));

      for (const o of objects) o.addDependency(namespace);
    }

    gitOps?.(this, {
      name: this.name,
      namespaces: this.namespaces,
      labels: this.labels,
      namespaceScopes: this.namespaces.map((ns) => this.node.findChild(ns) as Construct),
      namespaceObjects: this.namespaceObjects,
      role: 'tenant-admin',
    });
    podLabels?.(this, this.name, this.labels);
    defaultStorageClass?.(this, this.name, this.labels);
    ingress.forEach((r) => this.addIngressRule(r));
    egress.forEach((r) => this.addEgressRule(r));
  }

  /**
   * The labels that select the tenant's namespaces (and, with a placement,
   * its nodes). Safe to select on: tenants cannot set them.
   */
  public get selector(): { [key: string]: string } {
    return { [TENANT_LABEL]: this.name };
  }

  /**
   * The labels on every object of this tenant.
   */
  public get labels(): { [key: string]: string } {
    return { [TENANT_LABEL]: this.name, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
  }

  /**
   * Lets `peer` open connections to the tenant's pods.
   */
  public allowIngressFrom(peer: TenantPeer): void {
    this.addIngressRule(peer._render(this, 'allowIngressFrom peer', { egress: false, allowMetadataEndpoint: this.allowMetadataEndpoint }));
  }

  /**
   * Lets the tenant's pods open connections to `peer`.
   */
  public allowEgressTo(peer: TenantPeer): void {
    this.addEgressRule(peer._render(this, 'allowEgressTo peer', { egress: true, allowMetadataEndpoint: this.allowMetadataEndpoint }));
  }

  /**
   * Adds a label to every namespace of the tenant, e.g. `istio.io/rev` for
   * a mesh. The library's own keys are refused.
   */
  public addNamespaceLabel(key: string, value: string): void {
    checkLabel(this, 'namespace label', key, value);
    checkNotLibraryKey(this, 'namespace label', key);
    for (const ns of this.namespaceObjects) {
      ns.metadata.addLabel(key, value);
    }
  }

  /**
   * Sets one of the library's own labels on every namespace of the tenant;
   * for the library's extensions (e.g. the sandbox's runtime-class label).
   *
   * @internal
   */
  public _setLibraryNamespaceLabel(key: string, value: string): void {
    checkLabel(this, 'namespace label', key, value);
    for (const ns of this.namespaceObjects) {
      ns.metadata.addLabel(key, value);
    }
  }

  /**
   * Removes the members' RoleBindings from one of the tenant's namespaces,
   * for extensions that run something of the platform's there (a virtual
   * cluster's control plane): members then get only what the extension
   * grants.
   *
   * @internal
   */
  public _withholdMemberAccess(namespace: string): void {
    const scope = this.node.findChild(namespace);
    for (const id of ['RoleBinding-tenant-admin', 'RoleBinding-tenant-user', ...this.extraBindings]) scope.node.tryRemoveChild(id);
  }

  /**
   * The library's labels of one of the tenant's namespaces that namespaces
   * created under it inherit: all its `cdk8s-tenancy.io/*` and Pod Security
   * labels but the managed-by label (those are the tenant's, not the
   * platform's). Call at synth, once every extension has labelled.
   *
   * @internal
   */
  public _inheritedNamespaceLabels(namespace: string): Record<string, string> {
    const ns = this.namespaceObjects.find((n) => n.name === namespace)!;
    const labels: Record<string, string> = ns.metadata.toJson().labels ?? {};
    return Object.fromEntries(Object.entries(labels).filter(([k]) => isProtectedKey(k) && k !== MANAGED_BY_LABEL));
  }

  /**
   * The classes the tenant's guards hold every pod to, for extensions whose
   * pod specs the library does not construct (a chart's values): the default
   * priority class, and the RuntimeClass (the sandbox's, or the default of
   * `runtimeClasses`). Call at synth, once every extension has applied.
   *
   * @internal
   */
  public _podClassDefaults(): { priorityClassName?: string; runtimeClassName?: string } {
    const sandbox = this.namespaceObjects[0]?.metadata.getLabel(RUNTIME_CLASS_LABEL);
    return { priorityClassName: this.defaultPriorityClass, runtimeClassName: this.defaultRuntimeClass ?? sandbox };
  }

  /**
   * Writes the tenant's defaults into a workload (a cdk8s-plus Pod,
   * Deployment, StatefulSet, DaemonSet, Job or CronJob, or their `k8s.Kube*`
   * classes): its `defaultPriorityClass` and the default of its
   * `runtimeClasses` into the pod spec, so that the pod classes guard admits
   * its pods, and the default of its `storage.storageClasses` into a
   * StatefulSet's `volumeClaimTemplates` that name no class (as they are
   * when called). A PersistentVolumeClaim gets the default StorageClass if
   * it names none. Does nothing for a tenant without defaults.
   */
  public applyPodDefaults(workload: IConstruct): void {
    // The claims first: with the default written in, the claim no longer
    // depends on the cluster's default StorageClass or the mutation.
    if (writeDefaultStorageClass(workload, this.defaultStorageClass)) return;
    if (this.defaultPriorityClass) setPodSpecField(workload, 'priorityClassName', this.defaultPriorityClass);
    if (this.defaultRuntimeClass) setPodSpecField(workload, 'runtimeClassName', this.defaultRuntimeClass);
  }

  /**
   * Applies an extension (placement, mesh, sandbox) to the tenant; one of
   * each kind.
   */
  public addExtension(extension: ITenantExtension): void {
    if (this.extensionKinds.has(extension.extensionKind)) {
      throw invalidProp(this, 'extension', extension.extensionKind, `is already applied to tenant '${this.name}': a tenant takes one ${extension.extensionKind}.`);
    }
    this.extensionKinds.add(extension.extensionKind);
    extension.applyToTenant(this);
  }

  /**
   * The tenant's dedicated nodes (its TenantPlacement), once applied: for
   * extensions whose pod specs the library does not construct (a chart's
   * values). Call at synth, once every extension has applied.
   *
   * @internal
   */
  public get _placement(): PlacementTerms | undefined {
    return this.placementTerms;
  }

  /**
   * Records the tenant's dedicated nodes, after every listener accepted
   * them (a listener refuses by throwing). Extensions compose through the
   * tenant, not by importing each other.
   *
   * @internal
   */
  public _setPlacement(placement: PlacementTerms): void {
    this.placementListeners.forEach((listener) => listener(placement));
    this.placementTerms = placement;
  }

  /**
   * Calls `listener` with the tenant's dedicated nodes: now if they are
   * applied, else when they are, whichever extension comes first.
   *
   * @internal
   */
  public _whenPlaced(listener: (placement: PlacementTerms) => void): void {
    if (this.placementTerms) listener(this.placementTerms);
    else this.placementListeners.push(listener);
  }

  private addIngressRule(rule: NetworkPolicyRule): void {
    if (this.ingressRules.length === 0) this.createDeclaredPeerPolicy('Ingress', this.ingressRules);
    this.ingressRules.push(rule);
  }

  private addEgressRule(rule: NetworkPolicyRule): void {
    if (this.egressRules.length === 0) this.createDeclaredPeerPolicy('Egress', this.egressRules);
    this.egressRules.push(rule);
  }

  /**
   * Declared peers live in one policy per direction and namespace, created
   * with the first peer and filled lazily, so that extensions (a mesh, a
   * placement) can add peers after construction.
   */
  private createDeclaredPeerPolicy(direction: 'Ingress' | 'Egress', rules: NetworkPolicyRule[]): void {
    const render = direction === 'Ingress'
      ? { ingress: Lazy.any({ produce: () => rules.map((r) => ({ from: r.peers, ports: policyPorts(r) })) }) }
      : { egress: Lazy.any({ produce: () => rules.map((r) => ({ to: r.peers, ports: policyPorts(r) })) }) };
    for (const namespace of this.namespaceObjects) {
      const policy = new k8s.KubeNetworkPolicy(this.node.findChild(namespace.name), `AllowDeclared${direction}`, {
        metadata: { name: `allow-declared-${direction.toLowerCase()}`, namespace: namespace.name, labels: this.labels },
        spec: { podSelector: {}, policyTypes: [direction], ...render },
      });
      policy.addDependency(namespace);
    }
  }

  /**
   * The ClusterRoles of the tenant's extra rights, written once in the
   * platform's chart (tenants sharing one must declare the same rules) so
   * that what is bound is in the manifests, for the audit and for review.
   */
  private declareClusterRoles(rights: RenderedRights): void {
    rights.clusterRoles.forEach(({ name, rules }) => {
      this.platform._registry.addClusterObject({
        key: `ClusterRole/${name}`,
        settings: JSON.stringify(rules),
        conflict: (existing) => invalidProp(this, 'extraRights clusterRole', name,
          `is already declared by another tenant with other rules (${existing}); a ClusterRole is cluster-wide: declare it with the same rules everywhere, or name another.`),
        create: (scope) => new k8s.KubeClusterRole(scope, `cluster-role-${name}`, {
          metadata: { name, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } },
          rules,
        }),
      });
    });
  }

  /** A RoleBinding per extra ClusterRole, for its audience, in one namespace. */
  private bindClusterRoles(scope: Construct, meta: (name: string) => k8s.ObjectMeta, rights: RenderedRights,
    admins: RbacSubject[], users: RbacSubject[]): ApiObject[] {
    return rights.clusterRoles.flatMap(({ name, audience }) => {
      const subjects = audience === 'members' ? [...admins, ...users] : admins;
      if (subjects.length === 0) return [];
      const id = `RoleBinding-${audience}-${name}`;
      if (!this.extraBindings.includes(id)) this.extraBindings.push(id);
      return [new k8s.KubeRoleBinding(scope, id, {
        metadata: meta(`tenant-${audience}-${name}`),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        subjects,
      })];
    });
  }

  private renderRbac(scope: Construct, meta: (name: string) => k8s.ObjectMeta, role: string, rules: RbacRule[],
    subjects: RbacSubject[]): ApiObject[] {
    const objects: ApiObject[] = [new k8s.KubeRole(scope, `Role-${role}`, { metadata: meta(role), rules })];
    if (subjects.length > 0) {
      objects.push(new k8s.KubeRoleBinding(scope, `RoleBinding-${role}`, {
        metadata: meta(`${role}s`),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role },
        subjects,
      }));
    }
    return objects;
  }

  /**
   * One quota per allowed class caps what runs at it; one more refuses pods
   * at any other class (`Exists` and `NotIn` are ANDed, so pods without a
   * class are not affected).
   */
  private renderPriorityQuotas(scope: Construct, meta: (name: string) => k8s.ObjectMeta,
    quotas: { name: string; hard: Record<string, string> }[]): ApiObject[] {
    const objects: ApiObject[] = quotas.map((q) => new k8s.KubeResourceQuota(scope, `PriorityQuota-${q.name}`, {
      metadata: meta(`priority-class-${q.name}`),
      spec: {
        hard: toQuantities(q.hard),
        scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: [q.name] }] },
      },
    }));
    const allowed = quotas.map((q) => q.name);
    objects.push(new k8s.KubeResourceQuota(scope, 'PriorityQuota-others', {
      metadata: meta('priority-classes-denied'),
      spec: {
        hard: { pods: k8s.Quantity.fromString('0') },
        scopeSelector: {
          matchExpressions: allowed.length > 0
            ? [{ scopeName: 'PriorityClass', operator: 'Exists' }, { scopeName: 'PriorityClass', operator: 'NotIn', values: allowed }]
            : [{ scopeName: 'PriorityClass', operator: 'Exists' }],
        },
      },
    }));
    return objects;
  }
}

/** The profiles by namespace, checked: each names one of the tenant's namespaces and is a TenantProfile. */
function checkProfiles(scope: Construct, profiles: { [namespace: string]: TenantProfile } | undefined, namespaces: string[]):
Record<string, TenantProfileOptions> {
  const out: Record<string, TenantProfileOptions> = {};
  if (profiles === undefined) return out;
  if (typeof profiles !== 'object' || profiles === null || Array.isArray(profiles)) {
    throw invalidProp(scope, 'profiles', profiles, 'must map namespace names to TenantProfile.of({...}).');
  }
  for (const [ns, profile] of Object.entries(profiles)) {
    if (!namespaces.includes(ns)) {
      throw invalidProp(scope, 'profiles', ns, `is not one of the tenant's namespaces (${namespaces.join(', ')}).`, 'Key profiles by a name listed in namespaces.');
    }
    out[ns] = valueOf(scope, `profiles['${ns}']`, profile, TenantProfile, 'TenantProfile.of({...})')._options;
  }
  return out;
}

/** Per-class quotas only for classes the tenant may use: a quota on another class would suggest it can. */
function checkClassQuotas(scope: Construct, hard: Record<string, string>, allowed: string[] | undefined, denied: string[]): void {
  for (const key of Object.keys(hard)) {
    const at = key.indexOf(`.${STORAGE_CLASS_QUOTA_DOMAIN}/`);
    if (at < 0) continue;
    const cls = key.slice(0, at);
    if ((allowed && !allowed.includes(cls)) || denied.includes(cls)) {
      throw invalidProp(scope, 'quota storageClasses', cls, `is not a StorageClass the tenant may use (storage.storageClasses: ${allowed ? allowed.join(', ') : 'any'}${denied.length ? `; denied: ${denied.join(', ')}` : ''}).`,
        'Allow the class, or drop its quota.');
    }
  }
}

/**
 * Each namespace's ResourceQuota `hard` map. Without a budget, the tenant's
 * quota with the namespace profile's fields over it; with one, the budget
 * split over the namespaces (their allocations, the rest evenly).
 */
function renderNamespaceQuotas(scope: Construct, props: SoftTenantProps, profiles: Record<string, TenantProfileOptions>, namespaces: string[]):
Record<string, Record<string, string>> {
  const ownProp = (ns: string) => `profiles['${ns}'].quota`;
  if (props.budget === undefined) {
    const base = renderQuotaHard(scope, props.quota ?? {});
    return Object.fromEntries(namespaces.map((ns) => {
      const own = profiles[ns]?.quota;
      if (own === undefined) return [ns, base];
      const hard = { ...base, ...quotaEntries(scope, ownProp(ns), own) };
      checkRequestsWithinLimits(scope, ownProp(ns), hard);
      return [ns, hard];
    }));
  }
  if (props.quota !== undefined) {
    throw invalidProp(scope, 'quota', props.quota, 'cannot be set together with budget: the quota gives every namespace all of it, the budget splits one total over them.',
      "Move the per-namespace values to profiles[namespace].quota (each namespace's allocation of the budget), or drop budget.");
  }
  const budget = renderQuotaHard(scope, props.budget, 'budget');
  const allocations = namespaces.map((ns) => ({
    namespace: ns,
    prop: ownProp(ns),
    hard: quotaEntries(scope, ownProp(ns), profiles[ns]?.quota ?? {}),
  }));
  const split = splitBudget(scope, budget, allocations);
  for (const ns of namespaces) checkRequestsWithinLimits(scope, `namespace ${ns}'s share of the budget:`, split[ns]);
  return split;
}

/** The tenant's Services rules, or undefined when it keeps every default (refuse all). */
function renderServiceRules(scope: Construct, options: TenantServiceOptions): TenantServiceRules | undefined {
  const externalIPs = valueOf(scope, 'services.externalIps', options.externalIps ?? TenantAddresses.none(), TenantAddresses, 'TenantAddresses.none() or TenantAddresses.within([...])')
    ._render(scope, 'services.externalIps');
  const sourceRanges = valueOf(scope, 'services.loadBalancerSourceRanges', options.loadBalancerSourceRanges ?? TenantAddresses.none(), TenantAddresses,
    'TenantAddresses.none() or TenantAddresses.within([...])')._render(scope, 'services.loadBalancerSourceRanges');
  const { exact, suffixes } = valueOf(scope, 'services.externalNames', options.externalNames ?? TenantExternalNames.none(), TenantExternalNames,
    'TenantExternalNames.none() or TenantExternalNames.allow([...])')._render(scope, 'services.externalNames');
  const rules = { externalIPs, sourceRanges, names: exact, suffixes };
  return Object.values(rules).some((l) => l.length > 0) ? rules : undefined;
}

/** The tenant's image rules, or undefined when it keeps every default (any image, any pull policy). */
function renderImageRules(scope: Construct, options: TenantImageOptions | undefined): TenantImageRules | undefined {
  if (options === undefined) return undefined;
  const registries = valueOf(scope, 'images.registries', options.registries ?? TenantRegistries.any(), TenantRegistries,
    'TenantRegistries.any() or TenantRegistries.only([...])')._render(scope, 'images.registries');
  const pullAlways = options.requirePullAlways ?? false;
  if (typeof pullAlways !== 'boolean') throw invalidProp(scope, 'images.requirePullAlways', pullAlways, 'must be true or false.');
  if (registries === undefined && !pullAlways) return undefined;
  return { registries: registries ?? [], pullPolicy: pullAlways ? ['Always'] : [] };
}

/**
 * The tenant's ingress rules (undefined when it keeps every default: any
 * class, any host, no Gateways) and its Gateway API rights.
 */
function renderIngress(scope: Construct, options: TenantIngressOptions): { rules?: TenantIngressRules; rbac: ReturnType<typeof gatewayApiRules> } {
  const classes = valueOf(scope, 'ingress.ingressClasses', options.ingressClasses ?? TenantIngressClasses.any(), TenantIngressClasses,
    'TenantIngressClasses.any() or TenantIngressClasses.only([...])')._render(scope, 'ingress.ingressClasses');
  const gateway = valueOf(scope, 'ingress.gatewayApi', options.gatewayApi ?? TenantGatewayApi.none(), TenantGatewayApi,
    'TenantGatewayApi.none(), TenantGatewayApi.routes() or TenantGatewayApi.routesAndGateways([...])')._render(scope, 'ingress.gatewayApi');
  const hosts = valueOf(scope, 'ingress.hostnames', options.hostnames ?? TenantHostnames.any(), TenantHostnames,
    'TenantHostnames.any() or TenantHostnames.only([...])')._render(scope, 'ingress.hostnames');
  const rbac = gatewayApiRules(gateway.routes, gateway.gatewayClasses.length > 0);
  if (!classes && !hosts && gateway.gatewayClasses.length === 0) return { rbac };
  return {
    rbac,
    rules: {
      any: [...(classes === undefined ? ['any-ingress-class'] : []), ...(hosts === undefined ? ['any-host'] : [])],
      ingressClasses: classes?.classes ?? [],
      defaultIngressClass: classes ? [classes.defaultClass] : [],
      gatewayClasses: gateway.gatewayClasses,
      names: hosts?.names ?? [],
      suffixes: hosts?.suffixes ?? [],
    },
  };
}

/** `value`, checked to be a `cls` (JavaScript and jsii callers can pass anything). */
function valueOf<T>(scope: Construct, prop: string, value: T, cls: Function, use: string): T {
  if (!(value instanceof cls)) throw invalidProp(scope, prop, value, `is not a ${cls.name}.`, `Use ${use}.`);
  return value;
}

function toQuantities(values: Record<string, string>): { [key: string]: k8s.Quantity } {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, k8s.Quantity.fromString(v)]));
}

function checkNotLibraryKey(scope: Construct, prop: string, key: string): void {
  if (isProtectedKey(key)) {
    throw invalidProp(scope, prop, key, "is one of the library's own keys (cdk8s-tenancy.io/*, pod-security.kubernetes.io/*), which it sets itself.",
      'Use the podSecurity prop for Pod Security, and another key for your own labels.');
  }
}
