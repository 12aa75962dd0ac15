/*
 * The built-in `edit` and `admin` ClusterRoles of Kubernetes v1.37.2, as
 * test data: transcribed from k8s.io/kubernetes@v1.37.2,
 * plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go (`viewRules`,
 * `editRules`, `system:aggregate-to-admin`), with the feature gates at
 * their v1.37 defaults: DynamicResourceAllocation on (GA since 1.34),
 * GenericWorkload, CompositePodGroup and EvictionRequestAPI off (alpha or
 * beta-off). Aggregation resolved as the API server does it: `view`
 * aggregates into `edit` (label aggregate-to-edit), `edit` into `admin`
 * (aggregate-to-admin). Update it when the newest supported minor moves.
 */

export interface UpstreamRule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
}

const Read = ['get', 'list', 'watch'];
const Write = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const ReadWrite = [...Read, ...Write];

export const UPSTREAM_VERSION = 'v1.37.2';

/** `viewRules()` */
export const VIEW: UpstreamRule[] = [
  { verbs: Read, apiGroups: [''], resources: ['pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps'] },
  { verbs: Read, apiGroups: [''], resources: ['limitranges', 'resourcequotas', 'bindings', 'pods/status', 'resourcequotas/status', 'namespaces/status', 'replicationcontrollers/status', 'pods/log'] },
  { verbs: Read, apiGroups: [''], resources: ['namespaces'] },
  { verbs: Read, apiGroups: ['', 'events.k8s.io'], resources: ['events'] },
  { verbs: Read, apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'] },
  {
    verbs: Read,
    apiGroups: ['apps'],
    resources: ['controllerrevisions', 'statefulsets', 'statefulsets/status', 'statefulsets/scale', 'daemonsets', 'daemonsets/status',
      'deployments', 'deployments/status', 'deployments/scale', 'replicasets', 'replicasets/status', 'replicasets/scale'],
  },
  { verbs: Read, apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers', 'horizontalpodautoscalers/status'] },
  { verbs: Read, apiGroups: ['batch'], resources: ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status'] },
  {
    verbs: Read,
    apiGroups: ['extensions'],
    resources: ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status',
      'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale', 'networkpolicies'],
  },
  { verbs: Read, apiGroups: ['policy'], resources: ['poddisruptionbudgets', 'poddisruptionbudgets/status'] },
  { verbs: Read, apiGroups: ['networking.k8s.io'], resources: ['networkpolicies', 'ingresses', 'ingresses/status'] },
  // DynamicResourceAllocation (default on)
  { verbs: Read, apiGroups: ['resource.k8s.io'], resources: ['resourceclaims', 'resourceclaims/status', 'resourceclaimtemplates'] },
];

/** `editRules()` */
const EDIT_OWN: UpstreamRule[] = [
  { verbs: Read, apiGroups: [''], resources: ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy'] },
  { verbs: ['impersonate'], apiGroups: [''], resources: ['serviceaccounts'] },
  { verbs: Write, apiGroups: [''], resources: ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward'] },
  { verbs: ['create'], apiGroups: [''], resources: ['pods/eviction'] },
  { verbs: Write, apiGroups: [''], resources: ['replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy', 'persistentvolumeclaims', 'configmaps', 'secrets'] },
  { verbs: ['create'], apiGroups: [''], resources: ['serviceaccounts/token'] },
  { verbs: Write, apiGroups: ['', 'events.k8s.io'], resources: ['events'] },
  { verbs: Write, apiGroups: ['apps'], resources: ['statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'replicasets', 'replicasets/scale'] },
  { verbs: Write, apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'] },
  { verbs: Write, apiGroups: ['batch'], resources: ['jobs', 'cronjobs'] },
  { verbs: Write, apiGroups: ['extensions'], resources: ['daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'ingresses', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale', 'networkpolicies'] },
  { verbs: Write, apiGroups: ['policy'], resources: ['poddisruptionbudgets'] },
  { verbs: Write, apiGroups: ['networking.k8s.io'], resources: ['networkpolicies', 'ingresses'] },
  { verbs: ReadWrite, apiGroups: ['coordination.k8s.io'], resources: ['leases'] },
  // DynamicResourceAllocation (default on)
  { verbs: Write, apiGroups: ['resource.k8s.io'], resources: ['resourceclaims', 'resourceclaimtemplates'] },
];

/** `edit` as served: its own rules and `view`'s, aggregated. */
export const EDIT: UpstreamRule[] = [...EDIT_OWN, ...VIEW];

/** `admin` as served: `edit` and `system:aggregate-to-admin`, aggregated. */
export const ADMIN: UpstreamRule[] = [
  ...EDIT,
  { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['localsubjectaccessreviews'] },
  { verbs: ReadWrite, apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'] },
];
