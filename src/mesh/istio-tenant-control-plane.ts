import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { invalidProp } from '../core/errors';
import { CONTROL_PLANE_OF_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, TENANT_LABEL } from '../core/labels';
import { checkDnsLabel } from '../core/names';
import { ISTIO_DEFAULT_VERSION, istioVersions, SAIL_OPERATOR_VERSION, VERSIONS_CHECKED } from '../core/versions';
import { GitOpsRetention } from '../gitops/gitops-retention';
import { PodSecurityLevel } from '../tenant/pod-security';
import { ITenantExtension, SoftTenant } from '../tenant/soft-tenant';
import { TenantPeer, TenantPort } from '../tenant/tenant-network';

/**
 * The Istio versions `IstioInstall.sail` accepts: the releases the Sail
 * operator 1.30.3 installs (v1.28.0 to v1.30.3) and its `-latest` aliases
 * (`v1.28-latest` to `v1.30-latest`). Older ones are end-of-life: Sail
 * refuses to install them, and so does the library. `IstioInstall.istioOperator`
 * takes the same releases without the aliases, which only Sail knows.
 */
export const SUPPORTED_ISTIO_VERSIONS = istioVersions(true);

/**
 * How the control plane is installed.
 */
export class IstioInstall {
  /**
   * A Sail operator `Istio` resource (sailoperator.io/v1): the operator
   * installs and upgrades istiod. The Sail operator and Istio's CRDs are
   * installed once per cluster, not per tenant.
   *
   * @param version an Istio release Sail 1.30.3 installs, `v1.28.0` to
   * `v1.30.3` (e.g. `v1.30.3`), or a minor's `-latest` alias (`v1.30-latest`,
   * which Sail upgrades within the minor). A bare minor (`v1.30`) is not a
   * version Sail knows.
   */
  public static sail(version: string): IstioInstall {
    return new IstioInstall('sail', version);
  }

  /**
   * An `IstioOperator` file for `istioctl install -f`, with the base (CRDs,
   * cluster roles) disabled: install it once with `istioctl install --set
   * profile=minimal` or the `base` chart.
   *
   * @param version the Istio release of your istioctl, `v1.28.0` to
   * `v1.30.3` (istioctl installs its own release).
   */
  public static istioOperator(version: string): IstioInstall {
    return new IstioInstall('istioctl', version);
  }

  private constructor(/** @internal */ public readonly _kind: string, /** @internal */ public readonly _version: string) {}
}

/**
 * Options for the Sail operator's `IstioCNI` resource.
 */
export interface IstioCniSailOptions {
  /**
   * The Istio release of the CNI node agent. One agent serves the whole
   * cluster: every tenant that asks for it must ask for the same version.
   *
   * @default - the tenant's control-plane version
   */
  readonly version?: string;

  /**
   * The namespace of the CNI node agent (a platform namespace, enforcing
   * `privileged`: the agent rewrites every node's pod networking).
   *
   * @default 'istio-cni'
   */
  readonly namespace?: string;
}

/**
 * How the sidecars' traffic redirection is set up.
 *
 * Without the Istio CNI plugin, sidecar injection adds an `istio-init`
 * container that runs as root with `NET_ADMIN` and `NET_RAW` to write the
 * pod's iptables rules: Pod Security `baseline` and `restricted` refuse it,
 * so every injected pod of such a tenant would be rejected. With the plugin,
 * a node agent writes the rules and the pod gets an unprivileged
 * `istio-validation` container instead.
 */
export class IstioCni {
  /**
   * The Sail operator's `IstioCNI` resource (cluster-wide, named `default`)
   * and its namespace, emitted once however many tenants ask for it. Needs
   * `IstioInstall.sail`. The default with it.
   */
  public static sail(options: IstioCniSailOptions = {}): IstioCni {
    return new IstioCni('sail', options);
  }

  /**
   * The platform installs the Istio CNI node agent itself (its `cni` chart,
   * `istioctl install --set components.cni.enabled=true`, or a Sail
   * `IstioCNI` of its own). The control plane is told the plugin is there;
   * if it is not, injected pods fail their `istio-validation` check and do
   * not start (fail closed). The default with `IstioInstall.istioOperator`.
   */
  public static preinstalled(): IstioCni {
    return new IstioCni('preinstalled', {});
  }

  /**
   * No CNI plugin: injection adds the privileged `istio-init` container.
   * Only for tenants at `PodSecurityLevel.privilegedUnsafe(reason)`; refused
   * at `baseline` and `restricted`, which reject that container.
   */
  public static disabled(): IstioCni {
    return new IstioCni('disabled', {});
  }

  private constructor(/** @internal */ public readonly _kind: string, /** @internal */ public readonly _options: IstioCniSailOptions) {}
}

/** The Sail `IstioCNI` each app emits, by platform: one per cluster. */
const SAIL_CNI = new WeakMap<IConstruct, { version: string; namespace: string; tenant: string }>();

/** Why a tenant's Istio install version is refused, or `undefined`. */
function istioVersionProblem(install: IstioInstall): string | undefined {
  const version = install._version;
  const sail = install._kind === 'sail';
  if (istioVersions(sail).includes(version)) return undefined;
  const releases = istioVersions(false);
  const aliases = istioVersions(true).filter((v) => v.endsWith('-latest'));
  const range = `${releases[0]} to ${releases[releases.length - 1]}`;
  const accepted = sail
    ? `a release the Sail operator ${SAIL_OPERATOR_VERSION} installs, ${range}, or a minor's alias, ${aliases[0]} to ${aliases[aliases.length - 1]}`
    : `an Istio release from ${range}`;
  const minor = /^v1\.(\d+)(\.\d+)?$/.exec(version);
  const oldestMinor = Number(/^v1\.(\d+)/.exec(releases[0])![1]);
  let hint = '';
  if (minor && minor[2] === undefined) {
    hint = ` A bare minor is not a release: add the patch${sail ? ` or '-latest' (e.g. '${version}-latest')` : ''}.`;
  } else if (minor && Number(minor[1]) < oldestMinor) {
    hint = ` Releases before v1.${oldestMinor} are end-of-life: Sail refuses to install them.`;
  } else if (!sail && version.endsWith('-latest')) {
    hint = " The '-latest' aliases are Sail's; istioctl installs its own release.";
  }
  return `must be ${accepted} (checked ${VERSIONS_CHECKED}), e.g. '${ISTIO_DEFAULT_VERSION}'.${hint}`;
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
  /**
   * How sidecar traffic redirection is set up: with the Istio CNI plugin, so
   * injected pods pass Pod Security `baseline` and `restricted`.
   *
   * @default IstioCni.sail() with IstioInstall.sail, IstioCni.preinstalled() with IstioInstall.istioOperator
   */
  readonly cni?: IstioCni;
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
    const install = this.options.install;
    const version = install._version;
    const versionProblem = istioVersionProblem(install);
    if (versionProblem) throw invalidProp(tenant, 'mesh version', version, versionProblem);
    const cni = this.options.cni ?? (install._kind === 'sail' ? IstioCni.sail() : IstioCni.preinstalled());
    const sailCni = cni._kind === 'sail' ? this.checkSailCni(tenant, cni._options, version) : undefined;
    if (cni._kind === 'disabled' && tenant._podSecurityLevel !== 'privileged') {
      throw invalidProp(tenant, 'mesh cni', 'IstioCni.disabled()',
        `leaves sidecar injection to the istio-init container (root, NET_ADMIN and NET_RAW), which the tenant's Pod Security level '${tenant._podSecurityLevel}' refuses: every injected pod would be rejected.`,
        'Use IstioCni.sail() or IstioCni.preinstalled() (the Istio CNI plugin), or PodSecurityLevel.privilegedUnsafe(reason) for a tenant trusted with the node.');
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
    // The tenant's Pod Security version, at baseline: istiod's chart sets no
    // seccomp profile, which restricted requires (audit and warn still say so).
    const cpPodSecurity = PodSecurityLevel.baseline("istiod (Istio's chart) sets no seccomp profile, which restricted requires")
      ._render(scope, tenant._podSecurityVersion);
    const cpNamespace = new k8s.KubeNamespace(scope, 'Namespace', {
      metadata: {
        name: namespace,
        labels: { ...platformLabels, ...cpPodSecurity.labels },
        annotations: { ...GitOpsRetention.annotations(), ...cpPodSecurity.annotations },
      },
    });
    const discoverySelectors = [{ matchLabels: { [TENANT_LABEL]: tenant.name } }];
    // With the CNI plugin, the injector adds the unprivileged istio-validation
    // container instead of istio-init (Istio's injection template reads pilot.cni.enabled).
    const cniValues = cni._kind === 'disabled' ? {} : { pilot: { cni: { enabled: true } } };
    if (install._kind === 'sail') {
      new ApiObject(scope, 'Istio', {
        apiVersion: 'sailoperator.io/v1',
        kind: 'Istio',
        metadata: { name: revision, labels: platformLabels },
        spec: { version, namespace, values: { revision, meshConfig: { discoverySelectors }, ...cniValues } },
      }).addDependency(cpNamespace);
      if (sailCni) this.addSailCni(tenant, sailCni);
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
          values: { global: { istioNamespace: namespace }, ...cniValues },
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
        apiVersion: 'security.istio.io/v1',
        kind: 'PeerAuthentication',
        metadata: { name: 'default', namespace: ns, labels },
        spec: { mtls: { mode: 'STRICT' } },
      });
      new ApiObject(scope, `Sidecar-${ns}`, {
        apiVersion: 'networking.istio.io/v1',
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

  /** Checks a Sail CNI request before anything is emitted; returns what to emit. */
  private checkSailCni(tenant: SoftTenant, options: IstioCniSailOptions, controlPlaneVersion: string) {
    if (this.options.install._kind !== 'sail') {
      throw invalidProp(tenant, 'mesh cni', 'IstioCni.sail()', 'needs the Sail operator, which IstioInstall.istioOperator does not use.',
        'Use IstioCni.preinstalled() and install the CNI node agent with istioctl or its chart.');
    }
    const version = options.version ?? controlPlaneVersion;
    const namespace = options.namespace ?? 'istio-cni';
    const versionProblem = istioVersionProblem(IstioInstall.sail(version));
    if (versionProblem) throw invalidProp(tenant, 'mesh cni version', version, versionProblem);
    checkDnsLabel(tenant, 'mesh cni namespace', namespace);
    // Claimed before any output: a tenant's namespace must never be relabelled privileged.
    tenant.platform._registry.claim([{
      space: 'namespace',
      name: namespace,
      owner: 'the Istio CNI node agent',
      shared: true,
      refuse: (owner) => invalidProp(tenant, 'mesh cni namespace', namespace, `already belongs to '${owner}': a platform namespace is shared by no tenant.`),
    }]);
    const existing = SAIL_CNI.get(tenant.platform);
    if (existing && (existing.version !== version || existing.namespace !== namespace)) {
      throw invalidProp(tenant, 'mesh cni', `IstioCni.sail({ version: '${version}', namespace: '${namespace}' })`,
        `conflicts with tenant '${existing.tenant}', which asked for version '${existing.version}' in '${existing.namespace}': the IstioCNI resource is one per cluster.`,
        "Give every tenant the same IstioCni.sail({ version }), e.g. the newest control plane's.");
    }
    return { version, namespace };
  }

  /** Emits, once per platform, the Sail IstioCNI and its privileged namespace. */
  private addSailCni(tenant: SoftTenant, cni: { version: string; namespace: string }): void {
    if (SAIL_CNI.has(tenant.platform)) return;
    SAIL_CNI.set(tenant.platform, { ...cni, tenant: tenant.name });
    const labels = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
    const podSecurity = PodSecurityLevel.privilegedUnsafe('the Istio CNI node agent writes every node\'s pod networking (host network and paths, privileged)')
      ._render(tenant, tenant._podSecurityVersion);
    const ns = new k8s.KubeNamespace(tenant.platform, 'istio-cni-namespace', {
      metadata: {
        name: cni.namespace,
        labels: { ...labels, ...podSecurity.labels },
        annotations: { ...GitOpsRetention.annotations(), ...podSecurity.annotations },
      },
    });
    // Sail's IstioCNI is cluster-scoped and must be named `default` (its CRD's rule).
    new ApiObject(tenant.platform, 'istio-cni', {
      apiVersion: 'sailoperator.io/v1',
      kind: 'IstioCNI',
      metadata: { name: 'default', labels },
      spec: { version: cni.version, namespace: cni.namespace },
    }).addDependency(ns);
  }
}
