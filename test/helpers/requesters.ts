import { AdmissionRequest, AuthorizerCheck } from './admission';

/*
 * The requesters every guard is judged against: the tenant's own people and
 * service accounts, the platform's GitOps controller, and the kube-system
 * controllers that write tenant objects.
 */
export type Requester = { userInfo: AdmissionRequest['userInfo']; authorizer: AuthorizerCheck };

/** RBAC that lets its holder update the guardrails policy: what makes the platform. */
const platformRbac: AuthorizerCheck = (c) => c.group === 'admissionregistration.k8s.io' && c.resource === 'validatingadmissionpolicies' && c.verb === 'update';
const none: AuthorizerCheck = () => false;

export const TENANT_ADMIN: Requester = { userInfo: { username: 'alice', groups: ['team-a-admins', 'system:authenticated'] }, authorizer: none };
export const TENANT_USER: Requester = { userInfo: { username: 'bob', groups: ['team-a-users', 'system:authenticated'] }, authorizer: none };
export const TENANT_SA: Requester = {
  userInfo: { username: 'system:serviceaccount:team-a:deployer', groups: ['system:serviceaccounts', 'system:serviceaccounts:team-a', 'system:authenticated'] },
  authorizer: none,
};
export const GITOPS: Requester = {
  userInfo: { username: 'system:serviceaccount:argocd:argocd-application-controller', groups: ['system:serviceaccounts', 'system:serviceaccounts:argocd'] },
  authorizer: platformRbac,
};
export const kubeSystem = (name: string): Requester => ({
  userInfo: { username: `system:serviceaccount:kube-system:${name}`, groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system'] },
  authorizer: none,
});

/** The tenant's people and service accounts, each a case of its own. */
export const TENANTS: [string, Requester][] = [['tenant admin', TENANT_ADMIN], ['tenant user', TENANT_USER], ['tenant service account', TENANT_SA]];
