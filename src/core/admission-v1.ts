import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';

// Typed `admissionregistration.k8s.io/v1` ValidatingAdmissionPolicy and its
// Binding. Hand-written because the generated imports of cdk8s-plus-27 only
// hold the v1alpha1 API, which clusters do not serve by default (EKS never
// does). The shapes follow the v1 OpenAPI schema (Kubernetes 1.30+); tests
// validate every emitted object against it with kubernetes-models.

export interface ResourceRule {
  readonly apiGroups: string[];
  readonly apiVersions: string[];
  readonly operations: ('CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT' | '*')[];
  readonly resources: string[];
  readonly scope?: 'Cluster' | 'Namespaced' | '*';
}

export interface LabelSelector {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

export interface MatchResources {
  readonly resourceRules?: ResourceRule[];
  readonly namespaceSelector?: LabelSelector;
  readonly objectSelector?: LabelSelector;
  readonly matchPolicy?: 'Exact' | 'Equivalent';
}

export interface NamedExpression {
  readonly name: string;
  readonly expression: string;
}

export interface Validation {
  readonly expression: string;
  readonly message?: string;
  readonly messageExpression?: string;
  readonly reason?: 'Unauthorized' | 'Forbidden' | 'Invalid' | 'RequestEntityTooLarge';
}

export interface ValidatingAdmissionPolicySpec {
  readonly failurePolicy: 'Fail' | 'Ignore';
  readonly matchConstraints: MatchResources;
  readonly matchConditions?: NamedExpression[];
  readonly variables?: NamedExpression[];
  readonly validations: Validation[];
}

export interface ValidatingAdmissionPolicyBindingSpec {
  readonly policyName: string;
  readonly validationActions: ('Deny' | 'Warn' | 'Audit')[];
  readonly matchResources?: MatchResources;
}

export class KubeValidatingAdmissionPolicy extends ApiObject {
  constructor(scope: Construct, id: string, props: { metadata: ApiObjectMetadata; spec: ValidatingAdmissionPolicySpec }) {
    super(scope, id, { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', ...props });
  }
}

export class KubeValidatingAdmissionPolicyBinding extends ApiObject {
  constructor(scope: Construct, id: string, props: { metadata: ApiObjectMetadata; spec: ValidatingAdmissionPolicyBindingSpec }) {
    super(scope, id, { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', ...props });
  }
}

/**
 * A policy and the binding without which it does nothing, created together
 * so that one can never be emitted without the other.
 */
export function validatingPolicy(scope: Construct, name: string, labels: Record<string, string>, spec: ValidatingAdmissionPolicySpec,
  binding: Omit<ValidatingAdmissionPolicyBindingSpec, 'policyName'> = { validationActions: ['Deny'] }): void {
  const policy = new KubeValidatingAdmissionPolicy(scope, `${name}-policy`, { metadata: { name, labels }, spec });
  const bound = new KubeValidatingAdmissionPolicyBinding(scope, `${name}-binding`, {
    metadata: { name, labels },
    spec: { policyName: name, ...binding },
  });
  bound.addDependency(policy);
}
