import { App, ApiObject, Chart } from 'cdk8s';
import { find, ofKind, synthObjects } from './helpers/manifests';
import { validatingPolicy } from '../src/core/admission-v1';
import { SoftTenant, TenancyPlatform, TenantSandbox } from 'cdk8s-tenancy';

/*
 * The registry features add to (src/platform/registry.ts): a guard once by
 * name, a cluster-scoped object once (a different second declaration is
 * refused), names claimed all or none, exemptions from the guardrails.
 * A guard the platform has never heard of lands in its chart.
 */
function platformOf() {
  const app = new App();
  const platform = TenancyPlatform.ofApp(app);
  return { app, platform, registry: platform._registry };
}

describe('addGuard', () => {
  test('a guard the platform does not know lands in its chart, once however often it is asked for', () => {
    const { app, platform, registry } = platformOf();
    let created = 0;
    const add = () => registry.addGuard('example-guard', (scope) => {
      created++;
      validatingPolicy(scope, 'example-guard', {}, {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }] },
        validations: [{ expression: 'true' }],
      });
      return created;
    });
    expect([add(), add(), add()]).toEqual([1, 1, 1]);
    const objects = synthObjects(app);
    expect(ofKind(objects, 'ValidatingAdmissionPolicy').map((o) => o.metadata.name)).toEqual(['cdk8s-tenancy-guardrails', 'example-guard']);
    expect(ofKind(objects, 'ValidatingAdmissionPolicyBinding').map((o) => o.metadata.name)).toEqual(['cdk8s-tenancy-guardrails', 'example-guard']);
    expect(platform.toJson().map((o: any) => o.metadata.name)).toContain('example-guard');
  });

  test('a create that throws adds nothing, and the next request tries again', () => {
    const { registry } = platformOf();
    expect(() => registry.addGuard('g', () => { throw new Error('bad settings'); })).toThrow('bad settings');
    expect(registry.addGuard('g', () => 'made')).toBe('made');
  });
});

describe('addClusterObject', () => {
  const declare = (registry: TenancyPlatform['_registry'], settings: string) => registry.addClusterObject({
    key: 'Thing/a',
    settings,
    create: (scope) => new ApiObject(scope, 'thing-a', { apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 'a' }, spec: { settings } }),
    conflict: (existing) => new Error(`declared before as ${existing}, now as ${settings}`),
  });

  test('the same declaration twice emits one object', () => {
    const { app, registry } = platformOf();
    declare(registry, 'x');
    declare(registry, 'x');
    expect(ofKind(synthObjects(app), 'Thing')).toEqual([{ apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 'a' }, spec: { settings: 'x' } }]);
  });

  test('a different second declaration is refused, and the first stands', () => {
    const { app, registry } = platformOf();
    declare(registry, 'x');
    expect(() => declare(registry, 'y')).toThrow('declared before as x, now as y');
    expect(ofKind(synthObjects(app), 'Thing').map((o) => o.spec)).toEqual([{ settings: 'x' }]);
  });

  test('through a feature: two tenants may share a RuntimeClass declared alike, not one declared otherwise', () => {
    const app = new App();
    new SoftTenant(new Chart(app, 'a'), 'A', { name: 'team-a' }).addExtension(TenantSandbox.gvisor());
    new SoftTenant(new Chart(app, 'b'), 'B', { name: 'team-b' }).addExtension(TenantSandbox.gvisor());
    const c = new SoftTenant(new Chart(app, 'c'), 'C', { name: 'team-c' });
    expect(() => c.addExtension(TenantSandbox.gvisor({ handler: 'other' })))
      .toThrow('c/C: invalid sandbox runtimeClassName \'gvisor\': is already declared by another tenant with different settings ({"handler":"runsc"});'
        + ' a RuntimeClass is cluster-wide, declare it the same way everywhere.');
    const objects = synthObjects(app);
    expect(ofKind(objects, 'RuntimeClass').map((o) => [o.metadata.name, o.handler])).toEqual([['gvisor', 'runsc']]);
    // The guard too is added once, for both tenants.
    expect(ofKind(objects, 'ValidatingAdmissionPolicy').filter((o) => o.metadata.name === 'cdk8s-tenancy-sandbox')).toHaveLength(1);
  });
});

describe('claim', () => {
  test('all or none: a refused claim records nothing of the batch', () => {
    const { registry } = platformOf();
    const refuse = (owner: string) => new Error(`held by ${owner}`);
    registry.claim([{ space: 'namespace', name: 'taken', owner: 'first', refuse }]);
    expect(() => registry.claim([
      { space: 'namespace', name: 'free', owner: 'second', refuse },
      { space: 'namespace', name: 'taken', owner: 'second', refuse },
    ])).toThrow('held by first');
    // 'free' was not recorded for 'second'.
    expect(() => registry.claim([{ space: 'namespace', name: 'free', owner: 'third', refuse }])).not.toThrow();
    expect(() => registry.claim([{ space: 'namespace', name: 'free', owner: 'fourth', refuse }])).toThrow('held by third');
  });

  test('names in different spaces do not clash', () => {
    const { registry } = platformOf();
    const refuse = (owner: string) => new Error(`held by ${owner}`);
    registry.claim([{ space: 'tenant', name: 'team-a', owner: 'a', refuse }]);
    expect(() => registry.claim([{ space: 'namespace', name: 'team-a', owner: 'b', refuse }])).not.toThrow();
  });
});

describe('addClaimRules', () => {
  const refuse = (owner: string) => new Error(`held by ${owner}`);
  const under = (prefix: string) => ({
    space: 'namespace',
    reason: (name: string) => (name.startsWith(prefix) ? `is under ${prefix}` : undefined),
    refuseExisting: (name: string, owner: string, reason: string) => new Error(`rule ${prefix}: ${name} of ${owner} ${reason}`),
  });

  test('judges the claims made before (all rules or none added) and every later one', () => {
    const { registry } = platformOf();
    registry.claim([{ space: 'namespace', name: 'b-x', owner: 'b', refuse }]);
    expect(() => registry.addClaimRules([under('a-'), under('b-')])).toThrow('rule b-: b-x of b is under b-');
    // 'a-' was not added with the refused batch.
    expect(() => registry.claim([{ space: 'namespace', name: 'a-y', owner: 'c', refuse }])).not.toThrow();
    registry.addClaimRules([under('c-')]);
    expect(() => registry.claim([{ space: 'namespace', name: 'c-z', owner: 'd', refuse }])).toThrow("d: invalid namespace 'c-z': is under c-");
    expect(() => registry.claim([{ space: 'namespace', name: 'c-w', owner: 'd', refuse, refuseByRule: (r) => new Error(`own error: ${r}`) }])).toThrow('own error: is under c-');
    expect(() => registry.claim([{ space: 'tenant', name: 'c-t', owner: 'd', refuse }])).not.toThrow();
    expect(registry.claimed('namespace')).toEqual(['b-x', 'a-y']);
  });
});

describe('exemptFromGuardrails', () => {
  test('adds a match condition to the guardrails policy, once by name, after the platform\'s own', () => {
    const { app, registry } = platformOf();
    registry.exemptFromGuardrails({ name: 'not-example-controller', expression: "request.userInfo.username != 'example'" });
    registry.exemptFromGuardrails({ name: 'not-example-controller', expression: 'ignored: the first stands' });
    const policy = find(synthObjects(app), 'ValidatingAdmissionPolicy', 'cdk8s-tenancy-guardrails');
    expect(policy.spec.matchConditions.map((c: any) => c.name)).toEqual(['touches-tenancy-guardrails', 'not-the-platform', 'not-example-controller']);
    expect(policy.spec.matchConditions[2].expression).toBe("request.userInfo.username != 'example'");
  });

  test('without exemptions, the guardrails keep their own two conditions', () => {
    const { app } = platformOf();
    const policy = find(synthObjects(app), 'ValidatingAdmissionPolicy', 'cdk8s-tenancy-guardrails');
    expect(policy.spec.matchConditions.map((c: any) => c.name)).toEqual(['touches-tenancy-guardrails', 'not-the-platform']);
  });
});
