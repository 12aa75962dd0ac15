/**
 * An RBAC subject as it lands in a RoleBinding.
 */
export interface RbacSubject {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly apiGroup?: string;
}

/**
 * One RBAC rule.
 */
export interface RbacRule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
}

const READ = ['get', 'list', 'watch'];
const WRITE = [...READ, 'create', 'update', 'patch', 'delete', 'deletecollection'];

/**
 * What tenant users may do in their namespaces: the built-in `edit` role's
 * workload and configuration rights, without NetworkPolicies (a tenant could
 * open its namespace to every other tenant, or egress to the node's metadata
 * endpoint), without RBAC and without quota. Listed explicitly, never
 * aggregated, so a CRD installed later cannot widen it.
 *
 * `endpoints` and `endpointslices` are read-only, as in upstream `edit` since
 * Kubernetes 1.22 (CVE-2021-25740): a tenant that writes Endpoints can point
 * a Service (and any ingress controller or mesh routing through it) at
 * another tenant's pods or the control plane. Every difference from
 * upstream `edit`/`admin` is pinned by test/rbac-upstream.test.ts and listed
 * in the README.
 */
export const TENANT_USER_RULES: RbacRule[] = [
  { apiGroups: [''], resources: ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'services', 'services/proxy', 'configmaps', 'secrets', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts'], verbs: WRITE },
  { apiGroups: [''], resources: ['pods/log', 'pods/status', 'endpoints', 'events', 'resourcequotas', 'limitranges'], verbs: READ },
  { apiGroups: ['apps'], resources: ['deployments', 'deployments/scale', 'deployments/rollback', 'statefulsets', 'statefulsets/scale', 'daemonsets', 'replicasets', 'replicasets/scale'], verbs: WRITE },
  { apiGroups: ['apps'], resources: ['controllerrevisions'], verbs: READ },
  { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: WRITE },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: WRITE },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: WRITE },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: WRITE },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: READ },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: READ },
];

/**
 * What tenant admins may do on top of users: the service-mesh configuration
 * of their namespaces (Istio networking, security and telemetry, without
 * EnvoyFilter, which patches the proxy itself), and reading who has access.
 */
export const TENANT_ADMIN_RULES: RbacRule[] = [
  ...TENANT_USER_RULES,
  { apiGroups: ['networking.istio.io'], resources: ['virtualservices', 'destinationrules', 'gateways', 'serviceentries', 'sidecars', 'workloadentries', 'workloadgroups'], verbs: WRITE },
  { apiGroups: ['security.istio.io'], resources: ['authorizationpolicies', 'peerauthentications', 'requestauthentications'], verbs: WRITE },
  { apiGroups: ['telemetry.istio.io'], resources: ['telemetries'], verbs: WRITE },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: READ },
];

