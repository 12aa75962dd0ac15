import { crdSchemas, validateAgainstCrd } from './helpers/crd-schema';

// The validator every third-party object goes through: it must refuse what
// the API server refuses under strict field validation (unknown fields,
// values outside an enum, wrong types) and accept a well-formed object.
describe('upstream CRD validation (../shared/schemas)', () => {
  const istio = (spec: Record<string, unknown>) => ({ apiVersion: 'sailoperator.io/v1', kind: 'Istio', metadata: { name: 'default' }, spec });

  test('every shared CRD folder contributes its kinds', () => {
    const keys = [...crdSchemas().keys()];
    for (const k of ['sailoperator.io/v1/Istio', 'templates.gatekeeper.sh/v1/ConstraintTemplate', 'mutations.gatekeeper.sh/v1/Assign',
      'hnc.x-k8s.io/v1alpha2/HierarchyConfiguration', 'policies.kyverno.io/v1/ValidatingPolicy', 'policies.kyverno.io/v1/MutatingPolicy']) {
      expect(keys).toContain(k);
    }
  });

  test('a well-formed object passes', () => {
    expect(() => validateAgainstCrd(istio({ version: 'v1.30.3', namespace: 'istio-system' }) as any)).not.toThrow();
  });

  test('an unknown field is refused, naming it', () => {
    expect(() => validateAgainstCrd(istio({ version: 'v1.30.3', namespace: 'istio-system', bogus: 1 }) as any)).toThrow(/must NOT have additional properties \(bogus\)/);
  });

  test('a value outside the enum is refused (a bare minor is no Istio version)', () => {
    expect(() => validateAgainstCrd(istio({ version: 'v1.27', namespace: 'istio-system' }) as any)).toThrow(/\/spec\/version must be equal to one of the allowed values/);
  });

  test('a wrong type is refused', () => {
    expect(() => validateAgainstCrd({ apiVersion: 'hnc.x-k8s.io/v1alpha2', kind: 'HierarchyConfiguration', metadata: { name: 'hierarchy' }, spec: { parent: 3 } } as any)).toThrow(/\/spec\/parent must be string/);
  });

  test('a kind with no shared CRD is an error, not a pass', () => {
    expect(() => validateAgainstCrd({ apiVersion: 'example.com/v1', kind: 'Nope', metadata: { name: 'x' } } as any)).toThrow(/no upstream CRD/);
  });
});
