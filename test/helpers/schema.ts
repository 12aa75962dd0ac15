import { crdValidatorFor, validateAgainstCrd } from './crd-schema';
import { K8sObject } from './manifests';

/*
 * Validates objects against the Kubernetes OpenAPI schema as packaged by
 * kubernetes-models (types, required fields, enums, formats). Every kind the
 * library emits must be listed here: an unknown kind fails, so nothing
 * escapes validation.
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
  // ES modules only (3.x): loaded through the resolver and transform in the jest config.
  'security.istio.io/v1': '@kubernetes-models/istio/security.istio.io/v1',
  'networking.istio.io/v1': '@kubernetes-models/istio/networking.istio.io/v1',
  'install.istio.io/v1alpha1': '@kubernetes-models/istio/install.istio.io/v1alpha1',
  'argoproj.io/v1alpha1': '@kubernetes-models/argo-cd/argoproj.io/v1alpha1',
  // ES modules only: loaded through the resolver and transform in the jest
  // config (.projenrc.ts).
  'karpenter.sh/v1': '@kubernetes-models/karpenter/karpenter.sh/v1',
  'kyverno.io/v1': '@kubernetes-models/kyverno/kyverno.io/v1',
  // Flux 4.x (an npm alias of @kubernetes-models/flux-cd): the only line with these versions.
  'helm.toolkit.fluxcd.io/v2': '@kubernetes-models/flux-cd-4/helm.toolkit.fluxcd.io/v2',
  'source.toolkit.fluxcd.io/v1': '@kubernetes-models/flux-cd-4/source.toolkit.fluxcd.io/v1',
  // Kustomization from Flux 4.x too: the 2.x models lack deletionPolicy (and
  // accept any value for it, so a typo there would pass).
  'kustomize.toolkit.fluxcd.io/v1': '@kubernetes-models/flux-cd-4/kustomize.toolkit.fluxcd.io/v1',
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
