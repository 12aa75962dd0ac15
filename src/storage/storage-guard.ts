import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { NamedExpression, validatingPolicy } from '../core/admission-v1';
import { TENANT_LABEL } from '../core/labels';

/**
 * The name of the policy (and binding) that holds tenants' claims away from
 * existing volumes and to their StorageClasses.
 */
export const STORAGE_POLICY_NAME = 'cdk8s-tenancy-storage';

/** The legacy annotation the PV controller still reads before `spec.storageClassName`. */
export const STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/**
 * One tenant's storage rules; tenants without an entry may use any class.
 */
export interface TenantStorageRules {
  /** The classes its claims may use. */
  readonly classes: string[];
  /**
   * Its default class, as a list of one (the CEL map the guard reads stays
   * homogeneous: every value a list of names); absent without a default.
   */
  readonly defaultClass?: string[];
}

/**
 * The storage guard, bound in every tenant's namespace:
 *
 * - no claim names a PersistentVolume (`spec.volumeName`) at CREATE, nor
 *   sets it later: the API lets an unbound claim's `volumeName` be set
 *   once by UPDATE, which is how the PV controller (kube-controller-manager,
 *   a kube-system identity) binds it — it is the one requester allowed to;
 * - no claim takes its data from another namespace (`dataSourceRef.namespace`);
 * - with a class allowlist, the class (field and legacy annotation) is one
 *   of the tenant's, when a claim is created or its class changes; the
 *   refusal names the tenant's default class, if it has one (filled in by
 *   the tenant's mutation, default-storage-class.ts, on claims naming none).
 *
 * CREATE holds the kube-system controllers too, not only people: the
 * StatefulSet and ephemeral-volume controllers create claims from a
 * tenant's templates, so exempting them would let a tenant name any
 * volume through a template. The platform (`exemptions`) is not held.
 */
export function storageGuard(scope: Construct, labels: Record<string, string>, exemptions: NamedExpression[], rules: () => string): void {
  const T = JSON.stringify(TENANT_LABEL);
  const A = JSON.stringify(STORAGE_CLASS_ANNOTATION);
  const classOf = (o: string) => `(has(${o}.metadata.annotations) && ${A} in ${o}.metadata.annotations ? [${o}.metadata.annotations[${A}]] : [])`
    + ` + (has(${o}.spec.storageClassName) ? [${o}.spec.storageClassName] : [])`;
  validatingPolicy(scope, STORAGE_POLICY_NAME, labels, {
    failurePolicy: 'Fail',
    matchConstraints: {
      resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['persistentvolumeclaims'] }],
      namespaceSelector: { matchExpressions: [{ key: TENANT_LABEL, operator: 'Exists' }] },
    },
    variables: [
      // The platform's exemptions, as one flag: true when the requester is held.
      { name: 'held', expression: exemptions.map((e) => `(${e.expression})`).join(' && ') || 'true' },
      { name: 'controller', expression: "request.userInfo.username.startsWith('system:serviceaccount:kube-system:') || request.userInfo.username == 'system:kube-controller-manager'" },
      { name: 'judged', expression: "variables.held || (request.operation == 'CREATE' && variables.controller)" },
      { name: 'tenant', expression: `namespaceObject.metadata.labels[${T}]` },
      { name: 'all', expression: Lazy.any({ produce: rules }) },
      { name: 'classes', expression: classOf('object') },
      { name: 'oldClasses', expression: `oldObject != null ? ${classOf('oldObject')} : []` },
    ],
    validations: [
      {
        expression: "!variables.judged || !has(object.spec.volumeName) || object.spec.volumeName == ''"
          + ' || (oldObject != null && has(oldObject.spec.volumeName) && oldObject.spec.volumeName == object.spec.volumeName)',
        messageExpression: "'claims in tenant namespaces may not name a PersistentVolume (spec.volumeName ' + object.spec.volumeName"
          + " + '): a tenant would take over a volume, and its data, that is not its own. Let the claim be provisioned, or have the platform pre-bind the volume (its claimRef)'",
        reason: 'Forbidden',
      },
      {
        expression: '!variables.judged || !has(object.spec.dataSourceRef) || !has(object.spec.dataSourceRef.namespace)'
          + " || object.spec.dataSourceRef.namespace == '' || object.spec.dataSourceRef.namespace == request.namespace",
        message: 'claims in tenant namespaces may not take their data from another namespace (spec.dataSourceRef.namespace)',
        reason: 'Forbidden',
      },
      {
        expression: '!variables.judged || !(variables.tenant in variables.all)'
          + " || (request.operation == 'UPDATE' && variables.classes == variables.oldClasses)"
          + ' || (size(variables.classes) > 0 && variables.classes.all(c, c in variables.all[variables.tenant].classes))',
        messageExpression: "'tenant ' + variables.tenant + ' may only use the StorageClasses ' + variables.all[variables.tenant].classes.join(', ')"
          + ` + ': name one in spec.storageClassName (and in the ${STORAGE_CLASS_ANNOTATION} annotation, if set)'`
          // With a default, a claim naming none is refused only when the
          // cluster's own default got there first (or the mutation did not run).
          + " + ('defaultClass' in variables.all[variables.tenant] ? '. A claim naming none gets the tenant\\'s default, '"
          + " + variables.all[variables.tenant].defaultClass.join('') + ', only where the cluster has no default StorageClass of its own' : '')",
        reason: 'Forbidden',
      },
    ],
  });
}
