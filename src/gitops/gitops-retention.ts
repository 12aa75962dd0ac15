import { ApiObject } from 'cdk8s';

/**
 * Flux's kustomize-controller leaves an object annotated
 * `kustomize.toolkit.fluxcd.io/prune: disabled` in place when it garbage
 * collects (an object gone from the source, or its Kustomization deleted).
 */
const FLUX_PRUNE_ANNOTATION = 'kustomize.toolkit.fluxcd.io/prune';
const FLUX_PRUNE_DISABLED = 'disabled';

/**
 * Argo CD reads sync options per object from this annotation (comma
 * separated): `Prune=false` keeps the object when it is gone from Git,
 * `Delete=false` keeps it when its Application is deleted with the
 * resources finalizer.
 */
const ARGO_SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';
const ARGO_RETAIN_OPTIONS = ['Prune=false', 'Delete=false'];

/**
 * Keeps GitOps controllers from deleting an object on their own.
 *
 * Every Namespace the library emits carries these annotations: a tenant
 * that disappears from a commit by mistake (a typo, a renamed construct,
 * a customer dropped from a list) then loses none of its data when Argo CD
 * or Flux applies that commit. The controller reports the object as no
 * longer in the source (Argo CD: out of sync, "requires pruning"; Flux:
 * skipped by garbage collection) and a person deletes it deliberately.
 *
 * They are set whichever GitOps controller applies the output, or none:
 * they are inert annotations for anything else (kubectl, Helm, the API
 * server), and the library cannot know at construct time which controller
 * will apply a chart. Annotations a user passes for a namespace are merged
 * over them, so a user who sets `argocd.argoproj.io/sync-options` or the
 * Flux prune annotation on a tenant's namespaces chooses the value.
 *
 * Use `protect` for the objects of your own that hold data
 * (PersistentVolumeClaims, Secrets, StatefulSets).
 */
export class GitOpsRetention {
  /**
   * The annotations: `kustomize.toolkit.fluxcd.io/prune: disabled` (Flux)
   * and `argocd.argoproj.io/sync-options: Prune=false,Delete=false`
   * (Argo CD).
   */
  public static annotations(): { [key: string]: string } {
    return {
      [FLUX_PRUNE_ANNOTATION]: FLUX_PRUNE_DISABLED,
      [ARGO_SYNC_OPTIONS_ANNOTATION]: ARGO_RETAIN_OPTIONS.join(','),
    };
  }

  /**
   * Annotates `obj` so that neither Flux nor Argo CD deletes it on their
   * own. Sync options the object already has are kept (a `Prune` or
   * `Delete` option among them is replaced).
   */
  public static protect(obj: ApiObject): void {
    const existing: string | undefined = obj.metadata.toJson().annotations?.[ARGO_SYNC_OPTIONS_ANNOTATION];
    obj.metadata.addAnnotation(FLUX_PRUNE_ANNOTATION, FLUX_PRUNE_DISABLED);
    obj.metadata.addAnnotation(ARGO_SYNC_OPTIONS_ANNOTATION, GitOpsRetention._mergeSyncOptions(existing));
  }

  /** @internal */
  public static _mergeSyncOptions(existing: string | undefined): string {
    const retained = new Set(ARGO_RETAIN_OPTIONS.map((o) => o.split('=')[0]));
    const kept = (existing ?? '').split(',').map((o) => o.trim()).filter((o) => o !== '' && !retained.has(o.split('=')[0].trim()));
    return [...kept, ...ARGO_RETAIN_OPTIONS].join(',');
  }

  private constructor() {}
}
