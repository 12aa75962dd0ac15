import { ApiObject, JsonPatch } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { STORAGE_CLASS_ANNOTATION } from './storage-guard';
import { TENANT_LABEL } from '../core/labels';
import { CelMutation, kyvernoMutatingPolicy, mutatingAdmissionPolicy } from '../placement/internal/cel-mutations';
import { boundedName } from '../placement/internal/names';
import type { PlacementEngine } from '../placement/placement-engine';

/** The prefix of the names of the default-StorageClass mutations, one per tenant. */
export const DEFAULT_STORAGE_CLASS_POLICY_NAME = 'cdk8s-tenancy-storage-class';

/**
 * Adds a tenant's default-StorageClass mutation to its chart; `managed`
 * labels the mutation objects themselves.
 */
export type DefaultStorageClassCreator = (chart: Construct, tenant: string, managed: Record<string, string>) => void;

/**
 * The mutation that gives a tenant's claims without a class its default
 * StorageClass, in the platform's admission engine.
 *
 * Unlike a pod's priority class or RuntimeClass, which built-in admission
 * resolves before any mutation runs, a claim's `spec.storageClassName` is
 * only read later (by the PV controller and the provisioner), so a class
 * filled in by mutation takes effect. "No class" is what the API server's
 * DefaultStorageClass plugin means by it (PersistentVolumeClaimHasClass):
 * neither the field nor the legacy annotation set. The empty class (`""`)
 * is a class, "none: bind a pre-provisioned volume", and is left alone for
 * the storage guard to refuse. The plugin runs before every mutating
 * policy and webhook, so on a cluster with a default StorageClass the
 * claim already has that class here and keeps it.
 *
 * Runs on CREATE only: the class of a claim cannot change afterwards.
 */
export function defaultStorageClassMutation(engine: PlacementEngine, defaultClass: string): DefaultStorageClassCreator {
  return (chart, tenant, managed) => {
    const meta = { name: boundedName(DEFAULT_STORAGE_CLASS_POLICY_NAME, tenant), labels: managed };
    const selector = { matchLabels: { [TENANT_LABEL]: tenant } };
    switch (engine.name) {
      case 'Kyverno':
        return engine._flavour === 'cel' ? kyvernoMutatingPolicy(chart, cel(meta, selector, defaultClass)) : kyvernoClusterPolicy(chart, meta, selector, defaultClass);
      case 'Gatekeeper':
        return gatekeeperAssign(chart, meta, selector, defaultClass);
      default:
        // Fails closed: a claim that could not be given its class would be
        // refused by the storage guard anyway, with a message naming the default.
        return mutatingAdmissionPolicy(chart, cel(meta, selector, defaultClass));
    }
  };
}

type Meta = { name: string; labels: Record<string, string> };

const CLAIM_RULES = { apiGroups: [''], apiVersions: ['v1'], resources: ['persistentvolumeclaims'], operations: ['CREATE'] };

/** Neither `spec.storageClassName` nor the legacy annotation: the DefaultStorageClass plugin's "no class". */
const CLASSLESS = [{
  name: 'claim-names-no-class',
  expression: `!has(object.spec.storageClassName) && !(has(object.metadata.annotations) && ${JSON.stringify(STORAGE_CLASS_ANNOTATION)} in object.metadata.annotations)`,
}];

const patch = (defaultClass: string) => `[JSONPatch{op: "add", path: "/spec/storageClassName", value: ${JSON.stringify(defaultClass)}}]`;

const cel = (metadata: Meta, namespaceSelector: object, defaultClass: string): CelMutation => ({
  id: 'DefaultStorageClass', metadata, resourceRules: [CLAIM_RULES], namespaceSelector, matchConditions: CLASSLESS, patch: patch(defaultClass),
});

function kyvernoClusterPolicy(scope: Construct, metadata: Meta, namespaceSelector: object, defaultClass: string): void {
  // JMESPath `keys` tells an absent field from the empty class, which
  // `request.object.spec.storageClassName || ''` would not.
  const absent = (object: string, key: string) => ({ key: `{{ contains(keys(${object}), '${key}') }}`, operator: 'Equals', value: false });
  new ApiObject(scope, 'DefaultStorageClassPolicy', {
    apiVersion: 'kyverno.io/v1',
    kind: 'ClusterPolicy',
    metadata,
    spec: {
      background: false,
      webhookConfiguration: { failurePolicy: 'Fail' },
      rules: [{
        name: 'default-storage-class',
        match: { any: [{ resources: { kinds: ['PersistentVolumeClaim'], operations: ['CREATE'], namespaceSelector } }] },
        preconditions: { all: [absent('request.object.spec', 'storageClassName'), absent('request.object.metadata.annotations || `{}`', STORAGE_CLASS_ANNOTATION)] },
        skipBackgroundRequests: true,
        mutate: { patchesJson6902: JSON.stringify([{ op: 'add', path: '/spec/storageClassName', value: defaultClass }]) },
      }],
    },
  });
}

/**
 * Gatekeeper's Assign can test only the path it sets, so it cannot see the
 * legacy annotation: a claim that sets only the annotation gets the field
 * too (the PV controller reads the annotation first, and the storage guard
 * holds both to the tenant's classes).
 */
function gatekeeperAssign(scope: Construct, metadata: Meta, namespaceSelector: object, defaultClass: string): void {
  new ApiObject(scope, 'DefaultStorageClass', {
    apiVersion: 'mutations.gatekeeper.sh/v1',
    kind: 'Assign',
    metadata,
    spec: {
      applyTo: [{ groups: [''], versions: ['v1'], kinds: ['PersistentVolumeClaim'] }],
      match: { scope: 'Namespaced', kinds: [{ apiGroups: [''], kinds: ['PersistentVolumeClaim'] }], namespaceSelector },
      location: 'spec.storageClassName',
      parameters: {
        pathTests: [{ subPath: 'spec.storageClassName', condition: 'MustNotExist' }],
        assign: { value: defaultClass },
      },
    },
  });
}

/** Whether a claim (or claim template) names a class, as the DefaultStorageClass plugin reads it. */
function namesClass(claim: { metadata?: { annotations?: Record<string, string> }; spec?: { storageClassName?: string } } | undefined): boolean {
  return claim?.spec?.storageClassName !== undefined || STORAGE_CLASS_ANNOTATION in (claim?.metadata?.annotations ?? {});
}

/**
 * Writes `defaultClass` into the claims of a construct that names none: a
 * PersistentVolumeClaim (cdk8s-plus or `k8s.KubePersistentVolumeClaim`),
 * or the `volumeClaimTemplates` of a StatefulSet as they are when called.
 * Claims naming a class, the empty class included, keep it. Returns
 * whether the construct is a claim (it has no pod spec then).
 *
 * @internal
 */
export function writeDefaultStorageClass(construct: IConstruct, defaultClass: string | undefined): boolean {
  const object = ApiObject.of(construct);
  if (object.kind === 'PersistentVolumeClaim') {
    if (defaultClass && !namesClass(object.toJson())) object.addJsonPatch(JsonPatch.add('/spec/storageClassName', defaultClass));
    return true;
  }
  if (defaultClass && object.kind === 'StatefulSet') {
    const templates: unknown[] = object.toJson().spec?.volumeClaimTemplates ?? [];
    templates.forEach((t, i) => {
      if (!namesClass(t as any)) object.addJsonPatch(JsonPatch.add(`/spec/volumeClaimTemplates/${i}/spec/storageClassName`, defaultClass));
    });
  }
  return false;
}
