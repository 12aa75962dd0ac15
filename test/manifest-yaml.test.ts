import { Yaml } from 'cdk8s';
import * as fc from 'fast-check';
import * as YAML from 'yaml';
import { argoCdObjects, fluxObjects } from '../src/gitops/internal/delivery';
import { stringifyManifest, stringifyManifests } from '../src/gitops/manifest-yaml';

/*
 * The library writes manifests with its own serializer (src/gitops/manifest-yaml.ts)
 * instead of cdk8s's Yaml.stringify, for speed. The output must stay what
 * `cdk8s synth` writes, byte for byte. Every object every test and example
 * synthesizes is compared in test/helpers/yaml-differential.ts (after each
 * test file); here, the cases that matter by name, and generated values.
 */

const same = (o: any) => expect(stringifyManifest(o)).toBe(Yaml.stringify(o));

describe('what cdk8s synth writes, by case', () => {
  test('YAML 1.1 booleans, nulls and numbers stay strings: quoted', () => {
    const values = ['on', 'off', 'yes', 'no', 'y', 'n', 'Y', 'N', 'On', 'OFF', 'true', 'False', '~', 'null', '', '80', '0x1F', '017', '0b101', '1_000', '1e3', '.5', '.inf', '-.Inf', '.nan', '1:20', '1:20.5', '2026-12-01', '2026-12-01T00:00:00Z'];
    const text = stringifyManifest({ data: Object.fromEntries(values.map((v, i) => [`k${i}`, v])) });
    expect(text).toBe(Yaml.stringify({ data: Object.fromEntries(values.map((v, i) => [`k${i}`, v])) }));
    expect(text).toContain('k0: "on"\n');
    expect(text).toContain('k5: "n"\n');
    expect(text).toContain('k15: "80"\n');
    expect(text).toContain('k25: "1:20"\n');
    // what YAML 1.1 reads back is the strings again
    const back = YAML.parse(text, { version: '1.1' }).data;
    expect(Object.values(back)).toEqual(values);
    // yaml's merge tag claims '<<' and writes it plain; so do we (by handing it back)
    same({ 'a': '<<', '<<': ['<<'] });
  });

  test('plain where YAML reads a string anyway', () => {
    const o = { metadata: { name: 'team-a', labels: { 'cdk8s-tenancy.io/tenant': 'team-a', 'app.kubernetes.io/version': 'v1.26.2' } }, spec: { cidr: '10.0.0.0/8', ver: '1.2.3' } };
    const text = stringifyManifest(o);
    expect(text).toBe(Yaml.stringify(o));
    expect(text).toBe('metadata:\n  name: team-a\n  labels:\n    cdk8s-tenancy.io/tenant: team-a\n    app.kubernetes.io/version: v1.26.2\nspec:\n  cidr: 10.0.0.0/8\n  ver: 1.2.3\n');
  });

  test('indicators, quotes and escapes', () => {
    for (const v of ['*', '- x', '-', '? x', 'a: b', 'a #b', 'a#b', '#x', 'x:', ' lead', 'trail ', '%x', '@x', '`x', '"x"', "it's", '\'"', 'a\tb', '\t', 'bell\x07', 'nul\x00', 'del\x7f', '\u0085', '\u00a0x', 'x\u2028y', '\ud800', '😀', '---', '...', '--- x', '[a]', '{a}', 'a,b', '!x', '&x', '|x', '>x']) {
      same({ v, list: [v], [v]: 1, nested: { [v]: v } });
    }
    expect(stringifyManifest({ a: '*' })).toBe('a: "*"\n');
    expect(stringifyManifest({ a: 'say "hi"' })).toBe('a: say "hi"\n');
    expect(stringifyManifest({ a: '"hi"' })).toBe('a: \'"hi"\'\n');
  });

  test('multi-line strings: literal blocks, with the chomping yaml chooses', () => {
    for (const v of ['a\nb', 'a\nb\n', 'a\nb\n\n', '\na', '  indented\nb', 'a\n\n\nb', 'x\n  y\n', 'a \nb', 'a\n ', ' \n ', '\n', 'a\n---\nb', 'a\n...', '%a\nb', '# c\nd', 'a: b\nc']) {
      same({ script: v, args: [v, [v]], deep: { deeper: { s: v } } });
    }
    expect(stringifyManifest({ spec: { expression: 'a &&\nb' } })).toBe('spec:\n  expression: |-\n    a &&\n    b\n');
  });

  test('empty collections, null, undefined, numbers and booleans', () => {
    const o = { a: {}, b: [], c: [{}, []], d: null, e: undefined, f: [null, undefined], g: 0, h: -0, i: 1.5, j: -2, k: 1e21, l: 1e-7, m: NaN, n: Infinity, o: -Infinity, p: true, q: false, r: [[['x']]], s: [{ t: [{ u: 1 }] }] };
    same(o);
    expect(stringifyManifest({ a: {}, b: [], d: null, e: undefined })).toBe('a: {}\nb: []\nd: null\ne: null\n');
    expect(stringifyManifest({ a: [[1, 2], []] })).toBe('a:\n  - - 1\n    - 2\n  - []\n');
  });

  test('keys are rendered once per level: the top-level rendering of a key is never served nested, nor the reverse', () => {
    // a key that starts like a document marker is quoted at the top level only
    for (const order of ['nested first', 'top first']) {
      const k = `--- ${order} ${Math.random()}`;
      const top = { [k]: 1 };
      const nested = { a: { [k]: 1 } };
      const docs = order === 'nested first' ? [nested, top, nested] : [top, nested, top];
      for (const doc of docs) same(doc);
      expect(stringifyManifest(top)).toBe(`"${k}": 1\n`);
      expect(stringifyManifest(nested)).toBe(`a:\n  ${k}: 1\n`);
    }
  });

  test('a collection is empty by its contents, not by a rendering that looks empty', () => {
    const o = { a: {}, b: [], c: { '{}': '[]' }, d: ['[]'], e: [{}], f: [[]], g: { '[]': {} }, h: '{}', i: '[]' };
    same(o);
    expect(stringifyManifest(o)).toBe('a: {}\nb: []\nc:\n  "{}": "[]"\nd:\n  - "[]"\ne:\n  - {}\nf:\n  - []\ng:\n  "[]": {}\nh: "{}"\ni: "[]"\n');
  });

  test('key order is the object\'s own', () => {
    expect(stringifyManifest({ b: 1, a: 2, 10: 3, 2: 4 })).toBe(Yaml.stringify({ b: 1, a: 2, 10: 3, 2: 4 }));
  });

  test('documents, as cdk8s joins them', () => {
    const docs = [{ a: 1 }, undefined, [], { b: [1] }, 'x', 5, null];
    expect(stringifyManifests(docs)).toBe(Yaml.stringify(...docs));
    expect(stringifyManifests([])).toBe(Yaml.stringify());
  });

  test('values it hands back to yaml are still written as yaml writes them', () => {
    const shared = { x: 1 };
    const cycle: any = { name: 'c' };
    cycle.self = cycle;
    for (const o of [{ a: shared, b: shared }, cycle, { d: new Date(0) }, { m: new Map([['k', 'v']]) }, { s: new Set([1]) }, { big: BigInt(10) }, { [`${'k'.repeat(1100)}`]: 1 }, { 'multi\nline key': 1 }, { v: 'x\n  ' }, { v: ' \n' }, { v: 'a\x01\nb' }, { toJSON: () => 'x' }, { c: new (class C { y = 1; })() }]) {
      same(o);
    }
    expect(stringifyManifest({ a: shared, b: shared })).toContain('&a1');
  });

  test('the Argo CD and Flux objects the writer adds', () => {
    for (const platform of [true, false]) {
      same(argoCdObjects({ repoUrl: 'https://example.invalid/repo.git', path: 'clusters/on', revision: 'yes', project: 'no' }, 'root', platform));
      fluxObjects({ gitRepository: 'flux-system', interval: '10m', path: 'clusters/prod' }, 'root', ['on', 'team-a', '80'], platform).forEach(same);
    }
  });
});

describe('generated values', () => {
  const tricky = fc.constantFrom('on', 'no', 'yes', '~', 'null', '80', '1e3', '0o7', '1:30', '2026-01-01', '<<', '', ' ', '-', '? ', ': ', '#', ' #', 'a: b', '---', '...', '%', "'", '"', '\n', '\n\n', 'a\n', '\na', ' a\nb ', '\t', '\u0085', '\u00a0', '\u2028', '\ud83d', '😀', '\x00', '\x1b');
  const str = fc.oneof(
    { weight: 3, arbitrary: fc.string() },
    { weight: 2, arbitrary: tricky },
    { weight: 2, arbitrary: fc.array(fc.oneof(tricky, fc.string({ maxLength: 4 })), { maxLength: 5 }).map((parts) => parts.join('')) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary' }) },
    { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('a', ' ', '\n', '\t', ':', '#', '-', "'", '"', '|') }) },
  );
  const scalar = fc.oneof(str, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined),
    fc.constantFrom(0, -0, 1e21, 2 ** 53, NaN, Infinity, -Infinity));
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('list'), tie('map')),
    list: fc.array(tie('value'), { maxLength: 5 }),
    map: fc.dictionary(fc.oneof(str, fc.constantFrom('apiVersion', 'kind', 'metadata', 'on', '80')), tie('value'), { maxKeys: 6 }),
  }));

  test('any document of plain values is written byte for byte as cdk8s writes it', () => {
    fc.assert(fc.property(fc.oneof(value, fc.dictionary(str, value)), (doc) => {
      expect(stringifyManifest(doc)).toBe(Yaml.stringify(doc));
    }), { numRuns: 1000 });
  });

  test('and so is any list of documents', () => {
    fc.assert(fc.property(fc.array(fc.dictionary(str, value, { maxKeys: 4 }), { maxLength: 4 }), (docs) => {
      expect(stringifyManifests(docs)).toBe(Yaml.stringify(...docs));
    }), { numRuns: 300 });
  });
});
