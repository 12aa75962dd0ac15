/*
 * The values of the vcluster chart this library writes, in one typed place.
 * Only the keys it sets are typed; user values are merged over them, except
 * under the locked paths below.
 *
 * Written against the chart of the pinned release (loft-sh/vcluster,
 * chart/, v0.36.1): the tests validate every emitted values object against
 * its values.schema.json and render the chart with Helm, so a key the chart
 * does not know, or one its templates refuse, fails the suite.
 *
 * What "reaches the host": every sync or integration that makes the chart
 * grant the control plane a ClusterRole (`vcluster.createClusterRole` in
 * templates/_rbac.tpl lists them), or a Role outside its namespace
 * (`platform.apiKey.namespace`). Each is switched off here and locked, and
 * `rbac.clusterRole.enabled: false` keeps the chart from writing a
 * ClusterRole even for an option added by a later release.
 */

/** A restricted-compliant pod security context (Pod Security `restricted`). */
export interface PodSecurityContextValues {
  readonly runAsNonRoot: true;
  readonly runAsUser: number;
  readonly runAsGroup: number;
  readonly fsGroup: number;
  readonly seccompProfile: { readonly type: 'RuntimeDefault' };
}

/** A restricted-compliant container security context. */
export interface ContainerSecurityContextValues {
  readonly allowPrivilegeEscalation: false;
  readonly capabilities: { readonly drop: ['ALL'] };
  readonly runAsNonRoot: true;
  readonly runAsUser: number;
  readonly runAsGroup: number;
  readonly seccompProfile: { readonly type: 'RuntimeDefault' };
}

/** The security contexts of one part of the control plane. */
export interface SecurityValues {
  readonly podSecurityContext: PodSecurityContextValues;
  readonly containerSecurityContext: ContainerSecurityContextValues;
}

/** The part of the chart's values this library owns. */
export interface SecureVClusterValues {
  readonly sync: {
    readonly toHost: {
      // Host objects outside the host namespace: cluster-scoped, or other namespaces.
      readonly namespaces: { readonly enabled: false };
      readonly persistentVolumes: { readonly enabled: false };
      readonly storageClasses: { readonly enabled: false };
      readonly priorityClasses: { readonly enabled: false };
      // Dynamic resource allocation: claims name cluster-scoped DeviceClasses.
      readonly resourceClaims: { readonly enabled: false };
      readonly resourceClaimTemplates: { readonly enabled: false };
      // Gateway API objects: the chart grants a ClusterRole for them.
      readonly gatewayApi: { readonly enabled: false };
      // Pods scheduled by the host's schedulers (a ClusterRole on nodes).
      readonly pods: { readonly hybridScheduling: { readonly enabled: false } };
      // Endpoints and EndpointSlices written from the virtual cluster
      // (CVE-2021-25740): see ENDPOINTS_SYNC below.
      readonly endpoints: { readonly enabled: false };
      readonly endpointSlices: { readonly enabled: false };
    };
    readonly fromHost: {
      // Real host nodes would show the tenant the cluster's nodes and need a ClusterRole.
      readonly nodes: { readonly enabled: false };
      // Cluster-scoped host objects, read into the virtual cluster.
      readonly priorityClasses: { readonly enabled: false };
      readonly deviceClasses: { readonly enabled: false };
      readonly ingressClasses: { readonly enabled: false };
      readonly runtimeClasses: { readonly enabled: false };
      readonly gatewayClasses: { readonly enabled: false };
      readonly storageClasses: { readonly enabled: false };
      readonly csiNodes: { readonly enabled: false };
      readonly csiDrivers: { readonly enabled: false };
      readonly csiStorageCapacities: { readonly enabled: false };
      // Objects of other host namespaces.
      readonly gateways: { readonly enabled: false };
      readonly configMaps: { readonly enabled: false };
      readonly secrets: { readonly enabled: false };
    };
  };
  readonly controlPlane: {
    readonly distro: { readonly k8s: { readonly enabled: true; readonly securityContext: ContainerSecurityContextValues } };
    // Mounts the nodes' /var/log and /var/lib/kubelet into the virtual cluster.
    readonly hostPathMapper: { readonly enabled: false };
    readonly statefulSet: { readonly security: SecurityValues };
    readonly coredns: { readonly security: SecurityValues };
  };
  readonly policies: {
    // Refused inside the virtual cluster too, so a pod fails where the tenant sees it.
    readonly podSecurityStandard: string;
    // vcluster's own policies are off: the host namespace is a tenant
    // namespace whose default-deny NetworkPolicies, ResourceQuota and
    // LimitRange already bind every synced pod. vcluster's NetworkPolicies
    // are allow-lists (internet egress for workloads) that would loosen the
    // tenant's default deny.
    readonly networkPolicy: { readonly enabled: false };
    readonly resourceQuota: { readonly enabled: false };
    readonly limitRange: { readonly enabled: false };
  };
  readonly rbac: {
    // No ClusterRole, whatever else the values switch on: the control plane
    // holds a Role in its host namespace and nothing more.
    readonly clusterRole: { readonly enabled: false };
  };
}

/*
 * ENDPOINTS_SYNC: why `sync.toHost.endpoints` and `sync.toHost.endpointSlices`
 * are off (the chart's default is on), issue #16.
 *
 * With either on, the chart's Role (templates/role.yaml) grants the control
 * plane create/update/patch/delete on `endpoints` or `endpointslices` in the
 * host namespace, and the syncer copies the addresses of the tenant's
 * virtual Endpoints/EndpointSlices into host objects unchanged (only a Pod
 * targetRef's name is translated: pkg/controllers/resources/endpoints/
 * translate.go at v0.36.1). Anyone who is admin inside the virtual cluster
 * could then publish a host Service whose backends are any address: another
 * tenant's pods, the API server, a node. That is CVE-2021-25740, for which
 * Kubernetes 1.22 dropped endpoint writes from the built-in edit/admin roles
 * and this library from the tenant roles.
 *
 * What the sync is for, in the syncer's source (v0.36.1): only virtual
 * Services without a selector. The endpoints and endpointslices syncers skip
 * `default/kubernetes`, the special services, and every Service with a
 * selector (`ReconcileStart`); a synced Service keeps its (translated)
 * selector, so the host's own EndpointSlice controller builds its endpoints
 * from the synced pods, as vcluster has done by default since 0.8.0 ("vcluster
 * will still sync endpoints for services that have no selector"). The
 * control plane's own Services select its pods: the host builds their
 * endpoints too, and the virtual `default/kubernetes` endpoints are written
 * inside the virtual cluster from the host Endpoints the Role can still read
 * (pkg/controllers/k8sdefaultendpoint). Off, the control plane and every
 * Service with a selector work as before; a selectorless Service in the
 * virtual cluster gets no backends on the host.
 */

/** The chart's name, in whichever repository it is served from. */
export const VCLUSTER_CHART = 'vcluster';

/**
 * The path of the Pod Security standard in the values: it must be at least
 * the host namespace's, not one fixed value.
 */
export const POD_SECURITY_STANDARD_PATH = 'policies.podSecurityStandard';

/** Keys of the security contexts whose value may be any non-root id, not only ours. */
export const NON_ROOT_ID_KEYS = ['runAsUser', 'runAsGroup', 'fsGroup'];

/** Non-root ids of the chart's non-root guide. */
const UID = 12345;

const POD: PodSecurityContextValues = { runAsNonRoot: true, runAsUser: UID, runAsGroup: UID, fsGroup: UID, seccompProfile: { type: 'RuntimeDefault' } };
const CONTAINER: ContainerSecurityContextValues = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  runAsNonRoot: true,
  runAsUser: UID,
  runAsGroup: UID,
  seccompProfile: { type: 'RuntimeDefault' },
};

/** The secure values for a host namespace enforcing `podSecurityStandard`. */
export function secureValues(podSecurityStandard: string): SecureVClusterValues {
  return {
    sync: {
      toHost: {
        namespaces: { enabled: false },
        persistentVolumes: { enabled: false },
        storageClasses: { enabled: false },
        priorityClasses: { enabled: false },
        resourceClaims: { enabled: false },
        resourceClaimTemplates: { enabled: false },
        gatewayApi: { enabled: false },
        pods: { hybridScheduling: { enabled: false } },
        endpoints: { enabled: false },
        endpointSlices: { enabled: false },
      },
      fromHost: {
        nodes: { enabled: false },
        priorityClasses: { enabled: false },
        deviceClasses: { enabled: false },
        ingressClasses: { enabled: false },
        runtimeClasses: { enabled: false },
        gatewayClasses: { enabled: false },
        storageClasses: { enabled: false },
        csiNodes: { enabled: false },
        csiDrivers: { enabled: false },
        csiStorageCapacities: { enabled: false },
        gateways: { enabled: false },
        configMaps: { enabled: false },
        secrets: { enabled: false },
      },
    },
    controlPlane: {
      distro: { k8s: { enabled: true, securityContext: CONTAINER } },
      hostPathMapper: { enabled: false },
      statefulSet: { security: { podSecurityContext: POD, containerSecurityContext: CONTAINER } },
      coredns: { security: { podSecurityContext: POD, containerSecurityContext: CONTAINER } },
    },
    policies: {
      podSecurityStandard,
      networkPolicy: { enabled: false },
      resourceQuota: { enabled: false },
      limitRange: { enabled: false },
    },
    rbac: { clusterRole: { enabled: false } },
  };
}

/** The pod classes a tenant's guards require of every pod in its namespaces. */
export interface PodClasses {
  /** The RuntimeClass (the sandbox guard's, or the pod classes guard's default). */
  readonly runtimeClassName?: string;
  /** The default priority class (the pod classes guard's). */
  readonly priorityClassName?: string;
}

/**
 * Values naming the host namespace's pod classes on the control plane's
 * StatefulSet and on every pod the virtual cluster syncs into the host
 * namespace (`sync.toHost.pods`: the class "to set for synced pods", in the
 * chart's values.schema.json). Without them the sandbox and pod classes
 * guards refuse the control plane's StatefulSet or its pods, and every
 * synced pod: the virtual cluster never starts. Not locked: a user value
 * naming another class is refused by the same guards.
 */
export function podClassValues(classes: PodClasses): Record<string, unknown> {
  const synced: Record<string, string> = {};
  const statefulSet: Record<string, unknown> = {};
  if (classes.runtimeClassName) {
    synced.runtimeClassName = classes.runtimeClassName;
    statefulSet.runtimeClassName = classes.runtimeClassName;
  }
  if (classes.priorityClassName) {
    synced.priorityClassName = classes.priorityClassName;
    statefulSet.scheduling = { priorityClassName: classes.priorityClassName };
  }
  if (Object.keys(synced).length === 0) return {};
  return { controlPlane: { statefulSet }, sync: { toHost: { pods: synced } } };
}

/**
 * Paths user values may not set (nor anything under them): the isolation
 * above, the kubeconfig secret the tenant admins' Role names, and the
 * control plane's own host permissions. Besides the syncs set above, these
 * reach the host too and are left to the chart's defaults (off):
 * custom resources synced either way, services replicated either way
 * (from the host: other namespaces' Services; to the host: host Endpoints
 * the syncer writes, which the Role no longer grants, and other host
 * namespaces), the
 * virtual scheduler (reads host nodes), the integrations (each syncs host
 * objects through a ClusterRole), plugins (extra ClusterRole rules and
 * containers), the platform connection (a Role in another namespace),
 * private nodes (pods would run outside the host namespace and its Pod
 * Security), and the experimental host manifests and proxy.
 */
export const LOCKED_VALUE_PATHS = [
  'sync.toHost.namespaces',
  'sync.toHost.persistentVolumes',
  'sync.toHost.storageClasses',
  'sync.toHost.priorityClasses',
  'sync.toHost.resourceClaims',
  'sync.toHost.resourceClaimTemplates',
  'sync.toHost.gatewayApi',
  'sync.toHost.pods.hybridScheduling',
  'sync.toHost.endpoints',
  'sync.toHost.endpointSlices',
  'sync.toHost.customResources',
  'sync.fromHost.nodes',
  'sync.fromHost.priorityClasses',
  'sync.fromHost.deviceClasses',
  'sync.fromHost.ingressClasses',
  'sync.fromHost.runtimeClasses',
  'sync.fromHost.gatewayClasses',
  'sync.fromHost.storageClasses',
  'sync.fromHost.csiNodes',
  'sync.fromHost.csiDrivers',
  'sync.fromHost.csiStorageCapacities',
  'sync.fromHost.gateways',
  'sync.fromHost.configMaps',
  'sync.fromHost.secrets',
  'sync.fromHost.customResources',
  'networking.replicateServices',
  'controlPlane.distro',
  'controlPlane.backingStore',
  'controlPlane.hostPathMapper',
  'controlPlane.advanced.virtualScheduler',
  'controlPlane.statefulSet.security',
  'controlPlane.coredns.security',
  'policies',
  'rbac',
  'integrations',
  'plugin',
  'plugins',
  'platform',
  'privateNodes',
  'experimental.deploy.host',
  'experimental.proxy',
  'exportKubeConfig.secret',
  'exportKubeConfig.additionalSecrets',
];

/** The first locked path `values` sets, or undefined. */
export function findLockedPath(values: Record<string, unknown>, prefix = ''): string | undefined {
  for (const [key, value] of Object.entries(values)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (LOCKED_VALUE_PATHS.includes(path)) return path;
    if (isPlainObject(value)) {
      const found = findLockedPath(value, path);
      if (found) return found;
    }
  }
  return undefined;
}

/** `over` merged into `base`, objects deeply, everything else replaced. */
export function mergeValues(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = isPlainObject(prev) && isPlainObject(value) ? mergeValues(prev, value) : value;
  }
  return out;
}

export function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
