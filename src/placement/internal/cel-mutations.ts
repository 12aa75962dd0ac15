import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

/**
 * One CEL JSON-patch mutation of a tenant's objects (the pod labels, the
 * default StorageClass), written for the two engines that run CEL
 * mutations: Kubernetes' own MutatingAdmissionPolicy and Kyverno's
 * MutatingPolicy, which take the same match constraints, conditions and
 * patches. One writer for both features, so a fix to one reaches the other.
 */
export interface CelMutation {
  /** Construct id prefix: `<id>Policy` (and `<id>PolicyBinding`). */
  readonly id: string;
  readonly metadata: { name: string; labels: Record<string, string> };
  /** `matchConstraints.resourceRules` (with their operations). */
  readonly resourceRules: object[];
  readonly namespaceSelector: object;
  /** @default - none */
  readonly matchConditions?: object[];
  /** A CEL expression giving the list of JSONPatch operations. */
  readonly patch: string;
}

const spec = (m: CelMutation) => ({
  failurePolicy: 'Fail',
  matchConstraints: { resourceRules: m.resourceRules, namespaceSelector: m.namespaceSelector },
  ...(m.matchConditions ? { matchConditions: m.matchConditions } : {}),
  reinvocationPolicy: 'Never',
  mutations: [{ patchType: 'JSONPatch', jsonPatch: { expression: m.patch } }],
});

/**
 * Kubernetes' own mutation (GA in 1.36): run by the API server, nothing to
 * install; fails closed.
 */
export function mutatingAdmissionPolicy(scope: Construct, m: CelMutation): void {
  new ApiObject(scope, `${m.id}Policy`, {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingAdmissionPolicy',
    metadata: m.metadata,
    spec: spec(m),
  });
  new ApiObject(scope, `${m.id}PolicyBinding`, {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingAdmissionPolicyBinding',
    metadata: m.metadata,
    spec: { policyName: m.metadata.name },
  });
}

/**
 * Kyverno's MutatingPolicy: admission only (no background mutation of
 * existing objects); `extra` adds Kyverno's own fields (such as `autogen`).
 */
export function kyvernoMutatingPolicy(scope: Construct, m: CelMutation, extra: Record<string, unknown> = {}): void {
  new ApiObject(scope, `${m.id}Policy`, {
    apiVersion: 'policies.kyverno.io/v1',
    kind: 'MutatingPolicy',
    metadata: m.metadata,
    spec: { ...spec(m), evaluation: { background: { enabled: false } }, ...extra },
  });
}
