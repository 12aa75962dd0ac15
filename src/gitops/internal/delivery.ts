import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../../core/labels';
import type { ArgoCdOptions, FluxOptions } from '../tenancy-gitops-options';

/*
 * The objects that point Argo CD or Flux at the written layout. Plain
 * objects (not ApiObjects): they describe the output, they are not part of
 * any chart.
 */

function labels() {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
}

/** The Argo CD project of the platform's Applications, when the user names none. */
export const PLATFORM_PROJECT = 'cdk8s-tenancy';

/**
 * The service account Argo CD's application controller runs as (Argo CD's
 * install and Helm chart name it so), in Argo CD's namespace: what the
 * platform's Applications sync as when sync impersonation is on.
 */
export const ARGOCD_CONTROLLER_SERVICE_ACCOUNT = 'argocd-application-controller';

/**
 * `extraRepos`: the source repositories of the charts' own Applications in
 * the platform project (a vcluster's chart), which the project must take too.
 */
export function argoCdObjects(o: ArgoCdOptions, root: string, platform: boolean, extraRepos: string[] = []): any[] {
  const namespace = o.namespace ?? 'argocd';
  const revision = o.revision ?? 'HEAD';
  const project = o.project ?? PLATFORM_PROJECT;
  const server = o.destinationServer ?? 'https://kubernetes.default.svc';
  const objects: any[] = [];
  if (o.project === undefined) objects.push(platformProject(namespace, [...new Set([o.repoUrl, ...extraRepos])], server));
  // A single Application without Argo CD's resources finalizer
  // (resources-finalizer.argocd.argoproj.io) is deleted without its
  // resources: the library never sets that finalizer.
  if (platform) {
    objects.push({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'cdk8s-tenancy-platform', namespace, labels: labels() },
      spec: {
        project,
        source: { repoURL: o.repoUrl, targetRevision: revision, path: `${root}/platform` },
        destination: { server },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      },
    });
  }
  objects.push({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: 'cdk8s-tenancy-tenants', namespace, labels: labels() },
    spec: {
      goTemplate: true,
      // Without it, the ApplicationSet controller puts Argo CD's resources
      // finalizer on every Application it generates, and a tenant directory
      // gone from Git (or the ApplicationSet deleted) deletes everything the
      // tenant's Application created: namespaces, and the data in them.
      syncPolicy: { preserveResourcesOnDeletion: true },
      generators: [{ git: { repoURL: o.repoUrl, revision, directories: [{ path: `${root}/tenants/*` }] } }],
      template: {
        metadata: { name: 'tenant-{{.path.basename}}', labels: labels() },
        spec: {
          project,
          source: { repoURL: o.repoUrl, targetRevision: revision, path: '{{.path.path}}' },
          destination: { server },
          syncPolicy: { automated: { prune: true, selfHeal: true } },
        },
      },
    },
  });
  return objects;
}

export function fluxObjects(o: FluxOptions, root: string, tenants: string[], platform: boolean): any[] {
  const namespace = o.namespace ?? 'flux-system';
  const interval = o.interval ?? '10m';
  const kustomization = (name: string, dir: string, dependsOn: string[]) => ({
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace, labels: labels() },
    spec: {
      interval,
      path: `./${root}/${dir}`,
      prune: true,
      // Deleting the Kustomization (a tenant gone from the output) leaves its
      // objects in the cluster, as Argo CD's preserveResourcesOnDeletion
      // does; pruning objects gone from a living tenant's file stays on
      // (namespaces are annotated to be kept: see GitOpsRetention).
      deletionPolicy: 'Orphan',
      sourceRef: { kind: 'GitRepository', name: o.gitRepository },
      ...(dependsOn.length > 0 ? { dependsOn: dependsOn.map((d) => ({ name: d })) } : {}),
    },
  });
  return [
    ...(platform ? [kustomization('cdk8s-tenancy-platform', 'platform', [])] : []),
    ...tenants.map((t) => kustomization(`tenant-${t}`, `tenants/${t}`, platform ? ['cdk8s-tenancy-platform'] : [])),
  ];
}

/**
 * The platform's own project, instead of Argo CD's `default` (which takes
 * any repository, and which every Application lands in unless told
 * otherwise): the platform's Applications apply cluster-wide objects
 * (namespaces, guards), but only from the platform's repository and the
 * charts the library's own Applications install (a vcluster's).
 */
function platformProject(namespace: string, sourceRepos: string[], server: string): any {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: PLATFORM_PROJECT, namespace, labels: labels() },
    spec: {
      description: 'The tenancy platform and its tenants\' baselines (cdk8s-tenancy)',
      sourceRepos,
      destinations: [{ server, namespace: '*' }],
      clusterResourceWhitelist: [{ group: '*', kind: '*' }],
      // With sync impersonation on (which tenants' projects need), Argo CD
      // refuses to sync an Application whose project names no service
      // account for its destination (application.sync.impersonation.enforced
      // defaults to true): the platform's Applications sync as the
      // controller's own account, with the rights they had without it.
      destinationServiceAccounts: [{ server, namespace: '*', defaultServiceAccount: `${namespace}:${ARGOCD_CONTROLLER_SERVICE_ACCOUNT}` }],
    },
  };
}
