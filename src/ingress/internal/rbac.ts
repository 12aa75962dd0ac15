import { GATEWAY_API_GROUP, GATEWAY_ROUTE_RESOURCES } from '../ingress-guard';

/** One RBAC rule (the shape of the tenant roles' rules). */
interface Rule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
}

const READ = ['get', 'list', 'watch'];
const WRITE = [...READ, 'create', 'update', 'patch', 'delete', 'deletecollection'];

/**
 * The Gateway API rights of a tenant's members, by audience. Routes go to
 * users and admins alike, as Ingresses do; Gateways (each usually a load
 * balancer) to admins, and only with GatewayClasses to use. ReferenceGrants
 * are never granted: one would let other namespaces' routes reach the
 * tenant's Services, a cross-tenant path the platform declares, not the
 * tenant.
 */
export function gatewayApiRules(routes: boolean, gateways: boolean): { users: Rule[]; admins: Rule[] } {
  if (!routes) return { users: [], admins: [] };
  const users: Rule[] = [
    { apiGroups: [GATEWAY_API_GROUP], resources: [...GATEWAY_ROUTE_RESOURCES], verbs: WRITE },
    { apiGroups: [GATEWAY_API_GROUP], resources: ['gateways'], verbs: READ },
  ];
  const admins = gateways ? [...users.slice(0, 1), { apiGroups: [GATEWAY_API_GROUP], resources: ['gateways'], verbs: WRITE }] : users;
  return { users, admins };
}
