import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { invalidProp } from '../core/errors';
import { CONTROL_PLANE_OF_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, TENANT_LABEL } from '../core/labels';
import { checkDnsLabel } from '../core/names';
import { ITenantExtension, SoftTenant } from '../tenant/soft-tenant';
import { TenantPeer, TenantPort } from '../tenant/tenant-network';

/**
 * Istio releases this construct is tested against; others may work, the
 * fields used (revision, discoverySelectors, the Sail `Istio` v1 resource)
 * exist since 1.22.
 */
export const SUPPORTED_ISTIO_VERSIONS = ['v1.24', 'v1.25', 'v1.26', 'v1.27'];

/**
 * How the control plane is installed.
 */
export class IstioInstall {
  /**
   * A Sail operator `Istio` resource (sailoperator.io/v1): the operator
   * installs and upgrades istiod. The Sail operator and Istio's CRDs are
   * installed once per cluster, not per tenant.
   *
   * @param version an Istio version such as `v1.26.2`.
   */
  public static sail(version: string): IstioInstall {
    return new IstioInstall('sail', version);
  }

  /**
   * An `IstioOperator` file for `istioctl install -f`, with the base (CRDs,
   * cluster roles) disabled: install it once with `istioctl install --set
   * profile=minimal` or the `base` chart.
   *
   * @param version an Istio version such as `v1.26.2`, checked against the
   * supported minors (istioctl picks the release).
   */
  public static istioOperator(version: string): IstioInstall {
    return new IstioInstall('istioctl', version);
  }

  private constructor(/** @internal */ public readonly _kind: string, /** @internal */ public readonly _version: string) {}
}

/**
 * Options for an {@link IstioTenantControlPlane}.
 */
export interface IstioTenantControlPlaneOptions {
  /** How to install it. */
  readonly install: IstioInstall;
  /**
   * The revision (`istio.io/rev`): a DNS label, no dots.
   *
   * @default - the tenant name
   */
  readonly revision?: string;
  /**
   * The control plane's namespace.
   *
   * @default `istio-<tenant>`
   */
  readonly namespace?: string;
  /**
   * Give tenant admins full control of the control-plane namespace, as the
   * Istio soft multi-tenancy post does. UNSAFE: istiod's service account
   * reads secrets across the cluster, so whoever controls its pods can read
   * every tenant's secrets.
   *
   * @default false — tenant admins only read their control plane
   */
  readonly unsafeFullControlPlaneAccess?: boolean;
  /**
   * Namespaces outside the tenant whose workloads may still call the
   * tenant's (e.g. an ingress gateway's).
   *
   * @default - none
   */
  readonly allowedNamespaces?: string[];
}

/**
 * One Istio control plane per tenant (seed 002, with today's mechanisms): a
 * revision of its own, `meshConfig.discoverySelectors` limited to the
 * tenant's namespaces (by the tenant label, which tenants cannot set), the
 * injector reaching only namespaces labelled with the revision, a
 * control-plane namespace of its own, tenant admins limited to reading it,
 * and per-namespace mesh policies: mTLS STRICT, a Sidecar limiting egress to
 * the tenant's namespaces, and an AuthorizationPolicy denying every other
 * namespace.
 *
 * It is a tenant extension: `tenant.addExtension(mesh)`.
 */
export class IstioTenantControlPlane implements ITenantExtension {
  /**
   * A control plane for the tenant it is applied to.
   */
  public static forTenant(options: IstioTenantControlPlaneOptions): IstioTenantControlPlane {
    return new IstioTenantControlPlane(options);
  }

  /** The kind of extension: a tenant has at most one mesh. */
  public readonly extensionKind = 'mesh';

  private constructor(private readonly options: IstioTenantControlPlaneOptions) {}

  /**
   * Adds the control plane, the revision label, the egress to istiod, the
   * RBAC and the mesh policies to `tenant`.
   */
  public applyToTenant(tenant: SoftTenant): void {
    const revision = this.options.revision ?? tenant.name;
    const namespace = this.options.namespace ?? `istio-${tenant.name}`;
    checkDnsLabel(tenant, 'mesh revision', revision);
    checkDnsLabel(tenant, 'mesh namespace', namespace);
    const version = this.options.install._version;
    if (!/^v1\.\d+(\.\d+)?$/.test(version) || !SUPPORTED_ISTIO_VERSIONS.includes(version.split('.').slice(0, 2).join('.'))) {
      throw invalidProp(tenant, 'mesh version', version, `must be an Istio release of ${SUPPORTED_ISTIO_VERSIONS.join(', ')}, e.g. 'v1.26.2'.`);
    }
    if (tenant.namespaces.includes(namespace)) {
      throw invalidProp(tenant, 'mesh namespace', namespace, "is one of the tenant's own namespaces: the control plane lives apart, in a namespace of the platform.");
    }
    for (const [i, ns] of (this.options.allowedNamespaces ?? []).entries()) checkDnsLabel(tenant, `mesh allowedNamespaces[${i}]`, ns);
    // A revision is one tenant's; the control-plane namespace is no tenant's.
    tenant.platform._registry.claim([
      {
        space: 'mesh revision',
        name: revision,
        owner: tenant.name,
        refuse: (owner) => invalidProp(tenant, 'mesh revision', revision, `is already the revision of tenant '${owner}': one revision per tenant.`),
      },
      {
        space: 'namespace',
        name: namespace,
        owner: `mesh of ${tenant.name}`,
        refuse: (owner) => invalidProp(tenant, 'mesh namespace', namespace, `already belongs to '${owner}': a control-plane namespace is its tenant's alone.`),
      },
    ]);

    const scope = new Construct(tenant, 'Mesh');
    const platformLabels = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [CONTROL_PLANE_OF_LABEL]: tenant.name };
    const cpNamespace = new k8s.KubeNamespace(scope, 'Namespace', {
      metadata: { name: namespace, labels: { ...platformLabels, 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/enforce-version': 'v1.30' } },
    });
    const discoverySelectors = [{ matchLabels: { [TENANT_LABEL]: tenant.name } }];
    if (this.options.install._kind === 'sail') {
      new ApiObject(scope, 'Istio', {
        apiVersion: 'sailoperator.io/v1',
        kind: 'Istio',
        metadata: { name: revision, labels: platformLabels },
        spec: { version, namespace, values: { revision, meshConfig: { discoverySelectors } } },
      }).addDependency(cpNamespace);
    } else {
      new ApiObject(scope, 'IstioOperator', {
        apiVersion: 'install.istio.io/v1alpha1',
        kind: 'IstioOperator',
        metadata: { name: `istio-${revision}`, namespace, labels: platformLabels },
        spec: {
          revision,
          profile: 'minimal',
          meshConfig: { discoverySelectors },
          components: { base: { enabled: false } },
          values: { global: { istioNamespace: namespace } },
        },
      }).addDependency(cpNamespace);
    }

    // Tenant admins read their control plane; the seed's full control is an opt-in.
    const readOnly = [
      { apiGroups: [''], resources: ['pods', 'pods/log', 'services', 'configmaps', 'events', 'endpoints'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['apps'], resources: ['deployments', 'replicasets'], verbs: ['get', 'list', 'watch'] },
    ];
    const full = [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }];
    const roleName = this.options.unsafeFullControlPlaneAccess ? 'tenant-admin-control-plane-full' : 'tenant-admin-control-plane-view';
    const role = new k8s.KubeRole(scope, 'Role', {
      metadata: { name: roleName, namespace, labels: platformLabels },
      rules: this.options.unsafeFullControlPlaneAccess ? full : readOnly,
    });
    role.addDependency(cpNamespace);
    if (tenant._adminSubjects.length > 0) {
      new k8s.KubeRoleBinding(scope, 'RoleBinding', {
        metadata: { name: 'tenant-admins', namespace, labels: platformLabels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName },
        subjects: tenant._adminSubjects,
      }).addDependency(cpNamespace);
    }

    // The tenant's namespaces: injected by this revision, able to reach istiod.
    tenant.addNamespaceLabel('istio.io/rev', revision);
    tenant.allowEgressTo(TenantPeer.namespace(namespace, { app: 'istiod' }, [TenantPort.tcp(15012)]));
    const allowed = [...tenant.namespaces, ...(this.options.allowedNamespaces ?? [])];
    for (const ns of tenant.namespaces) {
      const labels = tenant.labels;
      new ApiObject(scope, `PeerAuthentication-${ns}`, {
        apiVersion: 'security.istio.io/v1beta1',
        kind: 'PeerAuthentication',
        metadata: { name: 'default', namespace: ns, labels },
        spec: { mtls: { mode: 'STRICT' } },
      });
      new ApiObject(scope, `Sidecar-${ns}`, {
        apiVersion: 'networking.istio.io/v1beta1',
        kind: 'Sidecar',
        metadata: { name: 'default', namespace: ns, labels },
        spec: { egress: [{ hosts: [...tenant.namespaces.map((n) => `${n}/*`), `${namespace}/*`] }] },
      });
      new ApiObject(scope, `AuthorizationPolicy-${ns}`, {
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: { name: 'deny-other-tenants', namespace: ns, labels },
        spec: { action: 'DENY', rules: [{ from: [{ source: { notNamespaces: allowed } }] }] },
      });
    }
  }
}
