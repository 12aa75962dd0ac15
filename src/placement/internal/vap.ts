import { Construct } from 'constructs';
import { placementRules, PLACEMENT_POLICY_NAME } from './rules';
import { validatingPolicy } from '../../core/admission-v1';

/**
 * The placement guard as a ValidatingAdmissionPolicy and its binding: run
 * by the API server itself, no webhook, and failing closed
 * (`failurePolicy: Fail`): a pod the API server cannot judge is not placed.
 */
export function vapGuard(scope: Construct, labels: Record<string, string>, exempt: string[]): void {
  validatingPolicy(scope, PLACEMENT_POLICY_NAME, labels, {
    failurePolicy: 'Fail',
    matchConstraints: {
      resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }],
      namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: exempt }] },
    },
    ...placementRules(),
  });
}
