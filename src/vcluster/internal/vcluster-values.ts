/*
 * The values of the vcluster chart this library writes, in one typed place.
 * Only the keys it sets are typed; user values are merged over them, except
 * under the locked paths below.
 *
 * Checked by hand against the chart's values.yaml and values.schema.json of
 * the pinned release (loft-sh/vcluster, chart/, tag v0.29.3). The schema is
 * not vendored (upstream data files are placed by the project owner only),
 * so the tests assert each secure value instead of validating the whole.
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
      readonly volumeSnapshotContents: { readonly enabled: false };
    };
    readonly fromHost: {
      // Real host nodes would show the tenant the cluster's nodes and need a ClusterRole.
      readonly nodes: { readonly enabled: false };
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
}

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
        volumeSnapshotContents: { enabled: false },
      },
      fromHost: { nodes: { enabled: false } },
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
  };
}

/**
 * Paths user values may not set (nor anything under them): the isolation
 * above, the kubeconfig secret the tenant admins' Role names, and the
 * control plane's own host permissions.
 */
export const LOCKED_VALUE_PATHS = [
  'sync.toHost.namespaces',
  'sync.toHost.persistentVolumes',
  'sync.toHost.storageClasses',
  'sync.toHost.priorityClasses',
  'sync.toHost.volumeSnapshotContents',
  'sync.fromHost.nodes',
  'controlPlane.distro',
  'controlPlane.backingStore',
  'controlPlane.hostPathMapper',
  'controlPlane.statefulSet.security',
  'controlPlane.coredns.security',
  'policies',
  'rbac',
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
