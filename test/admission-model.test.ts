import { admit } from './helpers/admission';

/*
 * The CEL model of test/helpers/admission.ts must be as strict as the API
 * server where the server refuses: a model that accepts what the server
 * rejects lets a broken guard pass the unit tier (the image guard once
 * mixed booleans and lists in one map literal, which the server refuses to
 * compile: "expected type bool but found list(string)"; the cluster tier
 * found it, issue 20).
 */
function policyWith(expression: string) {
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: 'p' },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }] },
        validations: [{ expression }],
      },
    },
    { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'p' }, spec: { policyName: 'p', validationActions: ['Deny'] } },
  ] as any[];
}
const request = {
  operation: 'CREATE' as const,
  resource: { group: '', version: 'v1', resource: 'configmaps' },
  namespace: 'a',
  object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'a' } },
  userInfo: { username: 'u' },
};

test('a map literal mixing value types is an error, as on the API server (homogeneous aggregate literals)', () => {
  const result = admit(policyWith("{'any': true, 'registries': ['r']}.any"), request);
  expect(result.errors).toHaveLength(1);
  expect(result.allowed).toBe(false); // failurePolicy Fail: the error refuses
});

test('the same values in literals of one type each are fine', () => {
  const result = admit(policyWith("{'any': [true]}.any[0] && {'registries': ['r']}.registries.size() == 1"), request);
  expect(result.errors).toEqual([]);
  expect(result.allowed).toBe(true);
});
