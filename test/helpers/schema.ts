import { crdValidatorFor, validateAgainstCrd } from './crd-schema';
import { K8sObject } from './manifests';

/*
 * Validates objects against the Kubernetes OpenAPI schema as packaged by
 * kubernetes-models (types, required fields, enums, formats). Every kind the
 * library emits must be listed here: an unknown kind fails, so nothing
 * escapes validation. All these packages are ES modules only: jest loads
 * them through test/helpers/esm-only-resolver.js and the transform in
 * .projenrc.ts.
 */
const MODULES: Record<string, string> = {
  'v1': 'kubernetes-models/v1',
  'rbac.authorization.k8s.io/v1': 'kubernetes-models/rbac.authorization.k8s.io/v1',
  'networking.k8s.io/v1': 'kubernetes-models/networking.k8s.io/v1',
  'scheduling.k8s.io/v1': 'kubernetes-models/scheduling.k8s.io/v1',
  'admissionregistration.k8s.io/v1': 'kubernetes-models/admissionregistration.k8s.io/v1',
  'node.k8s.io/v1': 'kubernetes-models/node.k8s.io/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  // Istio's policy APIs at v1 only (GA since 1.22): an object at v1beta1 has no schema here and fails.
  'security.istio.io/v1': '@kubernetes-models/istio/security.istio.io/v1',
  'networking.istio.io/v1': '@kubernetes-models/istio/networking.istio.io/v1',
  'install.istio.io/v1alpha1': '@kubernetes-models/istio/install.istio.io/v1alpha1',
  'argoproj.io/v1alpha1': '@kubernetes-models/argo-cd/argoproj.io/v1alpha1',
  'kustomize.toolkit.fluxcd.io/v1': '@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1',
  'karpenter.sh/v1': '@kubernetes-models/karpenter/karpenter.sh/v1',
  'kyverno.io/v1': '@kubernetes-models/kyverno/kyverno.io/v1',
  'helm.toolkit.fluxcd.io/v2': '@kubernetes-models/flux-cd/helm.toolkit.fluxcd.io/v2',
  'source.toolkit.fluxcd.io/v1': '@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1',
};

export function validateObject(obj: K8sObject): void {
  // Kinds of the upstream CRDs in ../shared/schemas are validated against them.
  if (crdValidatorFor(obj)) return validateAgainstCrd(obj);
  const path = MODULES[obj.apiVersion];
  if (!path) throw new Error(`no schema for apiVersion ${obj.apiVersion} (kind ${obj.kind})`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Model = require(path)[obj.kind];
  if (!Model) throw new Error(`no schema for ${obj.apiVersion} ${obj.kind}`);
  const model = new Model(obj);
  try {
    model.validate();
  } catch (e) {
    throw new Error(`${obj.kind} ${obj.metadata.namespace ?? ''}/${obj.metadata.name} is not valid: ${(e as Error).message}`);
  }
}

/** Validates every object; returns how many were validated. */
export function validateAll(objects: K8sObject[]): number {
  objects.forEach(validateObject);
  return objects.length;
}
