import { ApiObject, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { invalidProp } from '../core/errors';
import { CONTROL_PLANE_OF_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../core/labels';
import { checkDnsLabel } from '../core/names';
import { SUPPORTED_VCLUSTER_CHART_MINORS, VCLUSTER_CHART_VERSION } from '../core/versions';
import { checkVirtualClusterPlacement, placementValues } from './internal/placement';
import { findLockedPath, LOCKED_VALUE_PATHS, mergeValues, podClassValues, secureValues, VCLUSTER_CHART } from './internal/vcluster-values';
import { PLATFORM_PROJECT } from '../gitops/internal/delivery';
import { policyPorts } from '../tenant/internal/network';
import { ITenantExtension, SoftTenant } from '../tenant/soft-tenant';
import { TenantPeer, TenantPort } from '../tenant/tenant-network';

// The pinned chart release and the accepted minors: one constant each, in core/versions.
export { SUPPORTED_VCLUSTER_CHART_MINORS, VCLUSTER_CHART_VERSION };

/** The vcluster chart repository. */
export const VCLUSTER_CHART_REPOSITORY = 'https://charts.loft.sh';

/**
 * Options for delivering a virtual cluster with Argo CD.
 */
export interface VirtualClusterArgoCdOptions {
  /** The namespace Argo CD runs in. @default 'argocd' */
  readonly namespace?: string;
  /**
   * The Argo CD project. The platform installs the vcluster chart (the
   * tenant cannot), so the Application is the platform's.
   *
   * @default 'cdk8s-tenancy', the platform's project, which `TenancyGitOps` with `argoCd` writes and opens to the vcluster chart repository
   */
  readonly project?: string;
  /** The cluster to deploy to. @default 'https://kubernetes.default.svc' */
  readonly destinationServer?: string;
}

/**
 * Options for delivering a virtual cluster with Flux.
 */
export interface VirtualClusterFluxOptions {
  /** The namespace Flux runs in, where the HelmRepository and HelmRelease live. @default 'flux-system' */
  readonly namespace?: string;
  /** How often Flux reconciles. @default '10m' */
  readonly interval?: string;
}

/**
 * How the vcluster chart is installed: by a GitOps controller from the
 * emitted objects, never by a helm binary at synth time.
 */
export class VirtualClusterDelivery {
  /**
   * An Argo CD `Application` (argoproj.io/v1alpha1) with the chart, its
   * pinned version and the values inline (`helm.valuesObject`).
   */
  public static argoCd(options: VirtualClusterArgoCdOptions = {}): VirtualClusterDelivery {
    return new VirtualClusterDelivery('argocd', options);
  }

  /**
   * A Flux `HelmRepository` (source.toolkit.fluxcd.io/v1) and `HelmRelease`
   * (helm.toolkit.fluxcd.io/v2) with the pinned version and the values.
   */
  public static flux(options: VirtualClusterFluxOptions = {}): VirtualClusterDelivery {
    return new VirtualClusterDelivery('flux', options);
  }

  private constructor(
    /** @internal */ public readonly _kind: 'argocd' | 'flux',
    /** @internal */ public readonly _options: VirtualClusterArgoCdOptions & VirtualClusterFluxOptions,
  ) {}
}

/**
 * Options for a {@link VirtualTenantCluster}.
 */
export interface VirtualTenantClusterOptions {
  /** How the chart is installed. */
  readonly delivery: VirtualClusterDelivery;
  /**
   * Where the virtual cluster's control plane reaches the host API server:
   * the API server's endpoint addresses (e.g. the EKS control plane ENIs'
   * subnets). Only the control plane's pods may connect there (TCP 443 and
   * 6443).
   */
  readonly apiServerCidrs: string[];
  /**
   * The virtual cluster's name: the Helm release, and the kubeconfig secret
   * `vc-<name>`.
   *
   * @default - the tenant name
   */
  readonly name?: string;
  /**
   * The host namespace: one of the tenant's namespaces. Its members lose
   * their direct access to it (they work through the virtual cluster) and
   * its Pod Security, NetworkPolicies, quota and LimitRange bind every pod
   * the virtual cluster syncs.
   *
   * @default - the tenant's first namespace
   */
  readonly hostNamespace?: string;
  /**
   * The vcluster chart version, of a supported minor.
   *
   * @default VCLUSTER_CHART_VERSION
   */
  readonly chartVersion?: string;
  /**
   * Further chart values (vcluster.yaml), merged over the library's. Paths
   * holding the isolation are refused (see the README).
   *
   * @default - none
   */
  readonly values?: { [key: string]: any };
}

/**
 * A virtual control plane per tenant (vcluster): the tenant gets an API
 * server of its own, running in one of its namespaces, whose pods are synced
 * into that namespace and so stay under the tenant's Pod Security,
 * NetworkPolicies, quota and LimitRange. Tenant admins can read the
 * kubeconfig secret `vc-<name>` there and nothing else.
 *
 * The control plane writes no Endpoints or EndpointSlices into the host
 * namespace (`sync.toHost.endpoints` and `endpointSlices` are locked off,
 * and with them the chart's write rights on both, CVE-2021-25740): Services
 * with a selector get their endpoints from the host's own controllers; a
 * Service without a selector inside the virtual cluster gets no backends on
 * the host.
 *
 * On a tenant with dedicated nodes (`TenantPlacement`) the control plane
 * tolerates and requires the tenant's nodes, every synced pod gets the
 * tenant's toleration, and the platform's placement engine must be a
 * mutating one (`PlacementEngine.kyverno()` or `gatekeeper()`), which adds
 * the node affinity vcluster cannot write to the synced pods: with the
 * ValidatingAdmissionPolicy engine the combination is refused.
 *
 * It is a tenant extension: `tenant.addExtension(vcluster)`.
 *
 * @example
 * import { SoftTenant, VirtualClusterDelivery, VirtualTenantCluster } from 'cdk8s-tenancy';
 *
 * declare const tenant: SoftTenant;
 * tenant.addExtension(VirtualTenantCluster.forTenant({
 *   delivery: VirtualClusterDelivery.argoCd(),
 *   apiServerCidrs: ['10.0.0.0/16'],
 * }));
 */
export class VirtualTenantCluster implements ITenantExtension {
  /**
   * A virtual cluster for the tenant it is applied to.
   */
  public static forTenant(options: VirtualTenantClusterOptions): VirtualTenantCluster {
    return new VirtualTenantCluster(options);
  }

  /** The kind of extension: a tenant has at most one virtual cluster. */
  public readonly extensionKind = 'virtual-cluster';

  private constructor(private readonly options: VirtualTenantClusterOptions) {}

  /**
   * Adds the delivery objects, the kubeconfig reader Role and the control
   * plane's API-server egress to `tenant`.
   */
  public applyToTenant(tenant: SoftTenant): void {
    const name = this.options.name ?? tenant.name;
    const hostNamespace = this.options.hostNamespace ?? tenant.namespaces[0];
    const version = this.options.chartVersion ?? VCLUSTER_CHART_VERSION;
    const delivery = this.options.delivery;
    // Helm release names are at most 53 characters.
    checkDnsLabel(tenant, 'vcluster name', name);
    if (name.length > 53) throw invalidProp(tenant, 'vcluster name', name, 'must be at most 53 characters (a Helm release name).');
    checkDnsLabel(tenant, 'vcluster hostNamespace', hostNamespace);
    if (!tenant.namespaces.includes(hostNamespace)) {
      throw invalidProp(tenant, 'vcluster hostNamespace', hostNamespace, `must be one of the tenant's namespaces (${tenant.namespaces.join(', ')}), so that the tenant's isolation binds what the virtual cluster syncs.`);
    }
    if (!/^\d+\.\d+\.\d+$/.test(version) || !SUPPORTED_VCLUSTER_CHART_MINORS.includes(version.split('.').slice(0, 2).join('.'))) {
      throw invalidProp(tenant, 'vcluster chartVersion', version, `must be a vcluster chart release of ${SUPPORTED_VCLUSTER_CHART_MINORS.join(', ')}, e.g. '${VCLUSTER_CHART_VERSION}'.`);
    }
    // Dedicated nodes, applied before or after: only a mutating placement engine gives synced pods the node affinity (internal/placement.ts).
    tenant._whenPlaced(() => checkVirtualClusterPlacement(tenant, tenant.name, tenant.platform.placementEngine));
    const userValues = this.options.values ?? {};
    const locked = findLockedPath(userValues);
    if (locked) {
      throw invalidProp(tenant, 'vcluster values', locked, `is set by the library to isolate the tenant and cannot be overridden (locked: ${LOCKED_VALUE_PATHS.join(', ')}).`);
    }
    if (this.options.apiServerCidrs.length === 0) {
      throw invalidProp(tenant, 'vcluster apiServerCidrs', this.options.apiServerCidrs, 'must list at least one CIDR: the control plane needs the host API server.');
    }
    const apiServerRules = this.options.apiServerCidrs.map((cidr, i) =>
      TenantPeer.cidr(cidr, [TenantPort.tcp(443), TenantPort.tcp(6443)])._render(tenant, `vcluster apiServerCidrs[${i}]`, { egress: true, allowMetadataEndpoint: false }));
    const deliveryNamespace = delivery._options.namespace ?? (delivery._kind === 'argocd' ? 'argocd' : 'flux-system');
    checkDnsLabel(tenant, 'vcluster delivery namespace', deliveryNamespace);
    if (delivery._kind === 'argocd' && delivery._options.project !== undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(delivery._options.project)) {
      throw invalidProp(tenant, 'vcluster delivery project', delivery._options.project, 'must be the name of an Argo CD AppProject (a DNS-1123 subdomain).');
    }
    // Resolved at synth: a sandbox added after this extension still sets the class.
    const values = Lazy.any({
      produce: () => {
        const secure = secureValues(tenant._podSecurityLevel) as unknown as Record<string, unknown>;
        const library = mergeValues(mergeValues(secure, podClassValues(tenant._podClassDefaults())), placementValues(tenant._placement));
        return mergeValues(library, userValues);
      },
    });
    const scope = new Construct(tenant, 'VirtualCluster');
    const platformLabels = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [CONTROL_PLANE_OF_LABEL]: tenant.name };
    if (delivery._kind === 'argocd') {
      this.argoCd(scope, delivery, name, hostNamespace, version, values, platformLabels);
    } else {
      this.flux(scope, delivery, name, hostNamespace, version, values, platformLabels, tenant);
    }

    // Members work through the virtual cluster: in the host namespace they
    // read its kubeconfig and nothing else.
    tenant._withholdMemberAccess(hostNamespace);
    const meta = (objectName: string) => ({ name: objectName, namespace: hostNamespace, labels: tenant.labels });
    const role = new k8s.KubeRole(scope, 'KubeconfigReader', {
      metadata: meta('vcluster-kubeconfig-reader'),
      rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: [`vc-${name}`], verbs: ['get'] }],
    });
    if (tenant._adminSubjects.length > 0) {
      new k8s.KubeRoleBinding(scope, 'KubeconfigReaders', {
        metadata: meta('tenant-admins-vcluster-kubeconfig'),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.name },
        subjects: tenant._adminSubjects,
      });
    }
    // Only the control plane's pods reach the host API server.
    new k8s.KubeNetworkPolicy(scope, 'ApiServerEgress', {
      metadata: meta(`vcluster-${name}-api-server`),
      spec: {
        podSelector: { matchLabels: { app: 'vcluster', release: name } },
        policyTypes: ['Egress'],
        egress: apiServerRules.map((r) => ({ to: r.peers, ports: policyPorts(r) })),
      },
    });
  }

  private argoCd(scope: Construct, delivery: VirtualClusterDelivery, name: string, hostNamespace: string, version: string,
    values: Lazy, labels: Record<string, string>): void {
    const o = delivery._options;
    new ApiObject(scope, 'Application', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: `vcluster-${name}`, namespace: o.namespace ?? 'argocd', labels },
      spec: {
        project: o.project ?? PLATFORM_PROJECT,
        source: {
          repoURL: VCLUSTER_CHART_REPOSITORY, chart: VCLUSTER_CHART, targetRevision: version, helm: { releaseName: name, valuesObject: values },
        },
        // No CreateNamespace: the host namespace is the tenant's.
        destination: { server: o.destinationServer ?? 'https://kubernetes.default.svc', namespace: hostNamespace },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      },
    });
  }

  private flux(scope: Construct, delivery: VirtualClusterDelivery, name: string, hostNamespace: string, version: string,
    values: Lazy, labels: Record<string, string>, tenant: SoftTenant): void {
    const o = delivery._options;
    const namespace = o.namespace ?? 'flux-system';
    const interval = o.interval ?? '10m';
    if (!/^(\d+(ms|s|m|h))+$/.test(interval)) {
      throw invalidProp(tenant, 'vcluster delivery interval', interval, "must be a Go duration such as '10m' or '1h30m'.");
    }
    const objectName = `vcluster-${tenant.name}`;
    new ApiObject(scope, 'HelmRepository', {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'HelmRepository',
      metadata: { name: objectName, namespace, labels },
      spec: { url: VCLUSTER_CHART_REPOSITORY, interval },
    });
    new ApiObject(scope, 'HelmRelease', {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: objectName, namespace, labels },
      spec: {
        interval,
        releaseName: name,
        targetNamespace: hostNamespace,
        storageNamespace: hostNamespace,
        chart: { spec: { chart: VCLUSTER_CHART, version, sourceRef: { kind: 'HelmRepository', name: objectName, namespace } } },
        // No createNamespace: the host namespace is the tenant's.
        install: { createNamespace: false },
        values,
      },
    });
  }
}
