import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ISOLATION_OBJECTS } from '../../core/rbac-limits';

/**
 * The service account a tenant's own GitOps runs as, in the tenant's first
 * namespace: bound in each of its namespaces to the tenant-admin Role, and
 * nowhere else.
 */
export const TENANT_GITOPS_SERVICE_ACCOUNT = 'tenant-gitops';

/** The default cluster of Argo CD destinations: the cluster Argo CD runs in. */
export const IN_CLUSTER = 'https://kubernetes.default.svc';

/** What a tenant's GitOps needs to know about the tenant. */
export interface TenantGitOpsTarget {
  readonly name: string;
  readonly namespaces: string[];
  readonly labels: Record<string, string>;
  /** The scope of each namespace's objects, in the order of `namespaces`. */
  readonly namespaceScopes: Construct[];
  /** The Namespace objects, in the same order: what lives in one is applied after it. */
  readonly namespaceObjects: ApiObject[];
  /** The Role whose rights the tenant's GitOps gets in each namespace. */
  readonly role: string;
}

/** The tenant's GitOps identity and its bindings: the tenant's Role in each of its namespaces. */
export function serviceAccount(t: TenantGitOpsTarget): void {
  const home = t.namespaces[0];
  const sa = new k8s.KubeServiceAccount(t.namespaceScopes[0], 'GitOpsServiceAccount', {
    metadata: { name: TENANT_GITOPS_SERVICE_ACCOUNT, namespace: home, labels: t.labels },
    // Impersonated, never mounted: no pod needs its token.
    automountServiceAccountToken: false,
  });
  sa.addDependency(t.namespaceObjects[0]);
  t.namespaces.forEach((ns, i) => {
    const binding = new k8s.KubeRoleBinding(t.namespaceScopes[i], 'GitOpsRoleBinding', {
      metadata: { name: TENANT_GITOPS_SERVICE_ACCOUNT, namespace: ns, labels: t.labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: t.role },
      subjects: [{ kind: 'ServiceAccount', name: TENANT_GITOPS_SERVICE_ACCOUNT, namespace: home }],
    });
    binding.addDependency(t.namespaceObjects[i]);
  });
}

/** The name of a tenant's Argo CD project. */
export function tenantProjectName(tenant: string): string {
  return `tenant-${tenant}`;
}

export function appProject(scope: Construct, t: TenantGitOpsTarget, sourceRepos: string[], namespace: string, server: string): void {
  const home = t.namespaces[0];
  new ApiObject(scope, 'ArgoCdProject', {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: tenantProjectName(t.name), namespace, labels: t.labels },
    spec: {
      description: `Tenant ${t.name}: its namespaces only, no cluster-scoped objects (cdk8s-tenancy)`,
      sourceRepos,
      destinations: t.namespaces.map((ns) => ({ server, namespace: ns })),
      // Empty, not absent: no cluster-scoped kind at all, stated.
      clusterResourceWhitelist: [],
      namespaceResourceBlacklist: ISOLATION_OBJECTS.filter((o) => o.namespaced).map((o) => ({ group: o.group, kind: o.kind })),
      // The tenant's own service account in every destination: with sync
      // impersonation on, the API server judges Argo CD's requests as the tenant's.
      destinationServiceAccounts: t.namespaces.map((ns) => ({ server, namespace: ns, defaultServiceAccount: `${home}:${TENANT_GITOPS_SERVICE_ACCOUNT}` })),
    },
  });
}

export function fluxObjects(t: TenantGitOpsTarget, o: { url: string; branch: string; path: string; interval: string; secretName?: string }): void {
  const home = t.namespaces[0];
  const scope = t.namespaceScopes[0];
  const metadata = { name: TENANT_GITOPS_SERVICE_ACCOUNT, namespace: home, labels: t.labels };
  const source = new ApiObject(scope, 'FluxGitRepository', {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata,
    spec: { interval: o.interval, url: o.url, ref: { branch: o.branch }, ...(o.secretName ? { secretRef: { name: o.secretName } } : {}) },
  });
  const kustomization = new ApiObject(scope, 'FluxKustomization', {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata,
    spec: {
      interval: o.interval,
      path: o.path,
      prune: true,
      sourceRef: { kind: 'GitRepository', name: TENANT_GITOPS_SERVICE_ACCOUNT },
      // Flux impersonates this account (of the Kustomization's namespace):
      // what it applies is judged as the tenant's own request.
      serviceAccountName: TENANT_GITOPS_SERVICE_ACCOUNT,
    },
  });
  source.addDependency(t.namespaceObjects[0]);
  kustomization.addDependency(t.namespaceObjects[0]);
}
