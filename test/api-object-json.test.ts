import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart, JsonPatch, Lazy, ResolutionContext } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import { withCdk8sToJson } from './helpers/cdk8s-to-json';
import { jsonDifference } from './helpers/same-json';
import { tempDir } from './helpers/temp-dir';
import { benchTenant } from '../bench/tenants';
import { apiObjectsJson, fastApiObjectJson, READ_CODE_DIGEST, reproducedCodeDigest } from '../src/gitops/internal/api-object-json';
import { SoftTenant, TenancyGitOpsWriter } from 'cdk8s-tenancy';

/*
 * The writer makes each object's JSON by a fast path (src/gitops/internal/
 * api-object-json.ts) that must give exactly what ApiObject.toJson() gives.
 * test/helpers/yaml-differential.ts compares the two for every object
 * every test and example synthesizes; here, each case by name: what the
 * fast path reproduces, and each thing that sends an object to toJson().
 *
 * Every test runs with cdk8s's own toJson in place (withCdk8sToJson): the
 * recorder the differential installs would make the fast path decline.
 */

const objectsOf = (chart: Chart) => chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);

/** The fast path's JSON of `obj`, checked to be toJson()'s to the last detail; fails when the fast path declines. */
function fastAndSame(obj: ApiObject): any {
  const real = obj.toJson();
  const fast = fastApiObjectJson(obj);
  expect(fast).toBeDefined();
  expect(jsonDifference(fast!.json, real)).toBeUndefined();
  return fast!.json;
}

/** The fast path declines `obj`, and what the writer uses is then toJson()'s own. */
function declined(obj: ApiObject): void {
  expect(fastApiObjectJson(obj)).toBeUndefined();
  expect(jsonDifference(apiObjectsJson(obj, [obj])[0], obj.toJson())).toBeUndefined();
}

/** The benchmark's configured tenant (placement, Istio, peers, priority classes). */
const configuredTenant = (app: App, name: string): Chart => benchTenant(app, name, 'configured');

describe('the code it reproduces', () => {
  test('is the installed cdk8s\'s (a digest of its source), or nothing takes the fast path', () => {
    withCdk8sToJson(() => {
      // If this fails after a cdk8s upgrade: read its ApiObject.toJson,
      // resolve, sanitizeValue and resolvers again, adapt the fast path,
      // then pin the new digest.
      expect(reproducedCodeDigest()).toBe(READ_CODE_DIGEST);
    });
    // with toJson replaced (here by the differential's recorder): declined
    const app = new App();
    declined(new ApiObject(new Chart(app, 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'b' } }));
  });

  test('the jsonDifference of these tests sees what a serializer sees', () => {
    expect(jsonDifference({ a: 1, b: 2 }, { b: 2, a: 1 })).toMatch(/keys a,b against b,a/);
    expect(jsonDifference({ a: undefined }, {})).toMatch(/keys/);
    expect(jsonDifference([null], [undefined])).toMatch(/null against undefined/);
    // eslint-disable-next-line no-sparse-arrays
    expect(jsonDifference([, 1], [undefined, 1])).toMatch(/hole/);
    expect(jsonDifference({ a: [0] }, { a: [-0] })).toMatch(/\/a\/0/);
    expect(jsonDifference({ a: [{ b: 'x' }] }, { a: [{ b: 'x' }] })).toBeUndefined();
  });
});

describe('what the fast path reproduces', () => {
  test('every object of a default and of a configured tenant, and the platform chart', () => {
    withCdk8sToJson(() => {
      const app = new App();
      configuredTenant(app, 'team-b');
      new SoftTenant(new Chart(app, 'team-a'), 'Tenant', { name: 'team-a' });
      const objects = app.node.children.filter((c): c is Chart => Chart.isChart(c)).flatMap(objectsOf);
      const kinds = new Set(objects.map((o) => fastAndSame(o).kind));
      // the generated k8s classes, plain ApiObjects (Istio, admission) and Lazy values (NetworkPolicy rules) all among them
      for (const kind of ['Namespace', 'ServiceAccount', 'RoleBinding', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'Istio', 'Sidecar', 'ValidatingAdmissionPolicy']) {
        expect(kinds).toContain(kind);
      }
      expect(objects.length).toBeGreaterThan(30);
    });
  });

  test('every generated class of the k8s import cdk8s-plus-27 ships (its toJson matches the template the fast path maps)', () => {
    withCdk8sToJson(() => {
      const chart = new Chart(new App(), 'c');
      const classes = Object.entries(k8s).filter(([name, c]) => name.startsWith('Kube') && typeof c === 'function' && Object.prototype.hasOwnProperty.call(c.prototype, 'toJson'));
      expect(classes.length).toBeGreaterThan(100);
      for (const [name, Cls] of classes) {
        const json = fastAndSame(new (Cls as any)(chart, name, { metadata: { labels: { b: '1', a: '2' } } }));
        expect(json.kind).toBe((Cls as any).GVK.kind);
      }
    });
  });

  test('Lazy values: produced, resolved in turn, nulls dropped from objects and kept as undefined in arrays', () => {
    withCdk8sToJson(() => {
      const chart = new Chart(new App(), 'c');
      const o = new ApiObject(chart, 'o', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        data: Lazy.any({ produce: () => ({ z: 'last', a: Lazy.any({ produce: () => 'first' }), gone: null }) }),
        list: [Lazy.any({ produce: () => null }), 1, Lazy.any({ produce: () => [Lazy.any({ produce: () => 'x' })] })],
      });
      const json = fastAndSame(o);
      expect(Object.keys(json.data)).toEqual(['a', 'z']);
      expect(json.list).toEqual([undefined, 1, ['x']]);
    });
  });

  test('number-or-string unions (IntOrString, Quantity) in a generated class', () => {
    withCdk8sToJson(() => {
      const chart = new Chart(new App(), 'c');
      const quota = new k8s.KubeResourceQuota(chart, 'q', { spec: { hard: { cpu: k8s.Quantity.fromString('2'), pods: k8s.Quantity.fromNumber(10) } } });
      const svc = new k8s.KubeService(chart, 's', { spec: { ports: [{ port: 80, targetPort: k8s.IntOrString.fromString('http') }] } });
      expect(fastAndSame(quota).spec.hard).toEqual({ cpu: '2', pods: 10 });
      expect(fastAndSame(svc).spec.ports).toEqual([{ port: 80, targetPort: 'http' }]);
    });
  });

  test('metadata: empty collections dropped, always sorted, extra attributes kept', () => {
    withCdk8sToJson(() => {
      const chart = new Chart(new App(), 'c', { labels: { z: '1', a: '2' } });
      const o = new ApiObject(chart, 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { annotations: {}, finalizers: [], ownerReferences: [] } });
      o.metadata.add('generateName', 'x-');
      o.metadata.add('empty', { nested: {}, list: [] });
      o.metadata.addLabel('m', 'v');
      const json = fastAndSame(o);
      expect(Object.keys(json.metadata)).toEqual(['generateName', 'labels', 'name']);
      expect(Object.keys(json.metadata.labels)).toEqual(['a', 'm', 'z']);
    });
  });

  test('keys: sorted, integer-like ones too, top-level apiVersion, kind and metadata first', () => {
    withCdk8sToJson(() => {
      const chart = new Chart(new App(), 'c');
      const o = new ApiObject(chart, 'o', { kind: 'ConfigMap', apiVersion: 'v1', zeta: 1, data: { b: 'x', 10: 'y', 2: 'z', A: 'w', a: [{ d: 1, c: 2 }] } });
      const json = fastAndSame(o);
      expect(Object.keys(json)).toEqual(['apiVersion', 'kind', 'metadata', 'data', 'zeta']);
      expect(Object.keys(json.data)).toEqual(['2', '10', 'A', 'a', 'b']);
    });
  });

  test('CDK8S_DISABLE_SORT: the keys in their own order (metadata still sorted), read per object as toJson does', () => {
    withCdk8sToJson(() => {
      const chart = new Chart(new App(), 'c');
      const o = new ApiObject(chart, 'o', { apiVersion: 'v1', kind: 'ConfigMap', data: { b: '1', a: '2' }, metadata: { labels: { y: '1', x: '2' } } });
      process.env.CDK8S_DISABLE_SORT = '1';
      try {
        const json = fastAndSame(o);
        expect(Object.keys(json.data)).toEqual(['b', 'a']);
        expect(Object.keys(json.metadata.labels)).toEqual(['x', 'y']);
      } finally {
        delete process.env.CDK8S_DISABLE_SORT;
      }
      expect(Object.keys(fastAndSame(o).data)).toEqual(['a', 'b']);
    });
  });

  test('JSON patches: applied by cdk8s\'s JsonPatch, after sorting, before the generated mapping', () => {
    withCdk8sToJson(() => {
      const chart = new Chart(new App(), 'c');
      const o = new ApiObject(chart, 'o', { apiVersion: 'v1', kind: 'ConfigMap', data: { a: '1' } });
      o.addJsonPatch(JsonPatch.add('/data/0', 'z'), JsonPatch.remove('/data/a'), JsonPatch.add('/aaa', ['x']));
      expect(fastAndSame(o)).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: expect.any(String) }, aaa: ['x'], data: { 0: 'z' } });
      const ns = new k8s.KubeNamespace(chart, 'ns', { metadata: { name: 'n' } });
      ns.addJsonPatch(JsonPatch.add('/spec', { finalizers: ['kubernetes'] }), JsonPatch.add('/unknown', 1));
      expect(fastAndSame(ns)).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' }, spec: { finalizers: ['kubernetes'] } });
    });
  });

  test('generated values: the same JSON as toJson(), or declined', () => {
    withCdk8sToJson(() => {
      // 'constructor' and 'value': a plain object that NumberStringUnionResolver replaces, or toJson refuses
      const key = fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('1', '10', '02', 'a', 'B', 'kind', 'value', 'constructor'));
      const { value } = fc.letrec((tie) => ({
        value: fc.oneof({ depthSize: 'small' }, fc.string({ maxLength: 3 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined),
          tie('list'), tie('map'), tie('lazy')),
        list: fc.array(tie('value'), { maxLength: 4 }),
        map: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
        lazy: tie('value').map((v) => Lazy.any({ produce: () => v })),
      }));
      let fast = 0;
      let runs = 0;
      fc.assert(fc.property(fc.dictionary(key, value, { maxKeys: 5 }), fc.dictionary(key, value, { maxKeys: 3 }), (props, extra) => {
        runs++;
        const chart = new Chart(new App(), 'c');
        const o = new ApiObject(chart, 'o', { ...props, apiVersion: 'v1', kind: 'Thing' });
        for (const [k, v] of Object.entries(extra)) o.metadata.add(k, v);
        let real: any;
        try {
          real = o.toJson();
        } catch {
          expect(fastApiObjectJson(o)).toBeUndefined();
          return;
        }
        const got = fastApiObjectJson(o);
        if (got === undefined) return;
        fast++;
        expect(jsonDifference(got.json, real)).toBeUndefined();
      }), { numRuns: 500 });
      // the property is about the fast path: most objects take it
      expect(fast).toBeGreaterThan(runs * 0.5);
    });
  });
});

describe('what sends an object to toJson()', () => {
  test('custom resolvers on the app', () => {
    withCdk8sToJson(() => {
      const upper = { resolve: (c: ResolutionContext) => typeof c.value === 'string' && c.value.startsWith('x') && c.replaceValue(c.value.toUpperCase()) };
      const o = new ApiObject(new Chart(new App({ resolvers: [upper] }), 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'xyz' } });
      declined(o);
      expect(apiObjectsJson(o, [o])[0].data.a).toBe('XYZ');
    });
  });

  test('a toJson other than the generated k8s classes\'', () => {
    withCdk8sToJson(() => {
      const chart = new Chart(new App(), 'c');
      class Own extends ApiObject {
        public toJson() {
          return { ...super.toJson(), extra: true };
        }
      }
      class OwnNamespace extends k8s.KubeNamespace {
        public toJson() {
          return { ...super.toJson(), extra: true };
        }
      }
      class Inherits extends k8s.KubeNamespace {}
      declined(new Own(chart, 'own', { apiVersion: 'v1', kind: 'ConfigMap' }));
      declined(new OwnNamespace(chart, 'own-ns', {}));
      const onInstance = new ApiObject(chart, 'instance', { apiVersion: 'v1', kind: 'ConfigMap' });
      (onInstance as any).toJson = () => ({ replaced: true });
      declined(onInstance);
      expect(apiObjectsJson(chart, [onInstance])).toEqual([{ replaced: true }]);
      // a subclass of a generated class that does not override it runs the generated toJson: that is reproduced
      fastAndSame(new Inherits(chart, 'inherits', {}));
    });
  });

  test('tokens, functions and class instances the resolvers leave alone (toJson\'s own error)', () => {
    withCdk8sToJson(() => {
      const chart = new Chart(new App(), 'c');
      declined(new ApiObject(chart, 'token', { apiVersion: 'v1', kind: 'ConfigMap', data: { a: { resolve: () => 'resolved' } } }));
      declined(new ApiObject(chart, 'fn', { apiVersion: 'v1', kind: 'ConfigMap', data: { a: () => 1 } }));
      declined(new ApiObject(chart, 'proto', { apiVersion: 'v1', kind: 'ConfigMap', data: JSON.parse('{"__proto__": {"a": 1}}') }));
      const date = new ApiObject(chart, 'date', { apiVersion: 'v1', kind: 'ConfigMap', data: { when: new Date(0) } });
      expect(fastApiObjectJson(date)).toBeUndefined();
      expect(() => apiObjectsJson(chart, [date])).toThrow(/Failed serializing construct at path 'c\/date'.*non-simple object of type 'Date'/);
    });
  });

  test('a replaced ApiObject.prototype.toJson (outside withCdk8sToJson, the recorder is in place)', () => {
    const o = new ApiObject(new Chart(new App(), 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap' });
    declined(o);
  });
});

describe('the writer', () => {
  test('writes the same files by the fast path as by toJson()', () => {
    const write = () => {
      const out = tempDir('api-object-json-');
      const app = new App();
      const writer = TenancyGitOpsWriter.open(app, { outdir: out, progress: false });
      writer.add(configuredTenant(app, 'team-b'));
      const chart = new Chart(app, 'team-a');
      new SoftTenant(chart, 'Tenant', { name: 'team-a' });
      writer.add(chart);
      writer.close();
      const files: Record<string, string> = {};
      const walk = (rel: string) => {
        for (const e of fs.readdirSync(path.join(out, rel), { withFileTypes: true })) {
          const r = rel ? `${rel}/${e.name}` : e.name;
          if (e.isDirectory()) walk(r); else files[r] = fs.readFileSync(path.join(out, r), 'utf8');
        }
      };
      walk('');
      fs.rmSync(out, { recursive: true, force: true });
      return files;
    };
    const viaToJson = write();
    const viaFastPath = withCdk8sToJson(write);
    expect(Object.keys(viaFastPath).length).toBeGreaterThan(3);
    expect(viaFastPath).toEqual(viaToJson);
  });
});
