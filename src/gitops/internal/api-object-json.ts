import { createHash } from 'crypto';
import * as path from 'path';
import {
  ApiObject, ApiObjectMetadataDefinition, App, ImplicitTokenResolver, JsonPatch, Lazy, LazyResolver,
  NumberStringUnionResolver, resolve, ResolutionContext,
} from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';

/*
 * `ApiObject.toJson()`, fast, with the same result.
 *
 * cdk8s's toJson resolves every value of an object (cdk8s `resolve`): per
 * value it calls `App.of` (a walk to the root of the construct tree), builds
 * the key path and a ResolutionContext and asks every resolver of the app;
 * then `sanitizeValue` copies the result again, sorting keys: 37% of the
 * writer's CPU profile at 2,000 tenants. This does the same walk once: the
 * app's resolvers are fetched once per chart, and when they are cdk8s's
 * own three (Lazy, implicit tokens, number-or-string unions) their effect
 * is applied inline, exactly as their code (read in cdk8s 2.70.106,
 * lib/resolve.js, _util.js, metadata.js, api-object.js) does:
 *
 * - `null` and `undefined` are dropped from objects (sanitizeValue), kept as
 *   `undefined` in arrays;
 * - a Lazy is replaced by what it produces, resolved in turn;
 * - an object that is not a plain object and has a number or string `value`
 *   (IntOrString, Quantity) is replaced by `{ value }`;
 * - keys are sorted (unless CDK8S_DISABLE_SORT), metadata's always, and
 *   metadata drops empty arrays and objects;
 * - JSON patches are applied by cdk8s's own JsonPatch; the keys apiVersion,
 *   kind and metadata come first;
 * - the classes of cdk8s-plus-27's `k8s` import (KubeNamespace, ...) map
 *   that with their own generated `toJson_<Kind>Props`, as their toJson does.
 *
 * Anything else is not proven identical and goes to `toJson()` itself:
 * another cdk8s whose code differs from the code read here (a digest of it
 * is checked), a patched `ApiObject.prototype.toJson`, custom resolvers on
 * the app, a class that overrides toJson other than the generated k8s ones,
 * tokens (a value with a `resolve` method), functions, symbols, bigints,
 * class instances the resolvers leave alone (toJson refuses them), a
 * `__proto__` key, and any error (toJson then throws its own). That the
 * result is the same is what the differential tests prove: every object
 * every test and example synthesizes (test/helpers/yaml-differential.ts),
 * and each trigger of the fallback by name (test/api-object-json.test.ts).
 */

/** Thrown inside the walk: this object goes to toJson(). */
const NOT_PROVEN = Symbol('not proven identical');

// sanitizeValue is not exported by cdk8s: taken from the file cdk8s itself loads.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sanitizeValue: (...args: any[]) => any = require(path.join(path.dirname(require.resolve('cdk8s')), '_util.js')).sanitizeValue;

/**
 * The code this reproduces, as read: if any of it differs (another cdk8s
 * version, or something replaced a method at run time), nothing takes the
 * fast path. The digest is of the functions' source text in cdk8s 2.70.106.
 */
export const READ_CODE_DIGEST = '860fd68082bbd852ce16be892df8bf6ed04560d4a3abac136a28bc58458cdd9d';

function reproducedCode(): unknown[] {
  return [
    ApiObject.prototype.toJson,
    ApiObjectMetadataDefinition.prototype.toJson,
    resolve,
    sanitizeValue,
    LazyResolver.prototype.resolve,
    ImplicitTokenResolver.prototype.resolve,
    NumberStringUnionResolver.prototype.resolve,
    ResolutionContext.prototype.replaceValue,
    (NumberStringUnionResolver as any).TYPES,
    (Lazy as any)[Symbol.hasInstance],
  ];
}

/** The digest of what `reproducedCode` returns (exported for the test that pins it). */
export function reproducedCodeDigest(code = reproducedCode()): string {
  const text = code.map((c) => (typeof c === 'function' ? c.toString() : JSON.stringify(c))).join('\0');
  return createHash('sha256').update(text).digest('hex');
}

/** The functions last checked, and whether they were the code read (hashed once, not per chart). */
let checked: { code: unknown[]; asRead: boolean } | undefined;

function codeIsAsRead(): boolean {
  const code = reproducedCode();
  if (!checked || checked.code.some((c, i) => c !== code[i])) {
    checked = { code, asRead: reproducedCodeDigest(code) === READ_CODE_DIGEST };
  }
  return checked.asRead;
}

/**
 * Whether strings, numbers and booleans pass cdk8s's resolvers unchanged:
 * ImplicitTokenResolver replaces a value with a function `resolve`,
 * NumberStringUnionResolver one with a number or string `value`; for a
 * primitive both come from its prototype (and Object.prototype).
 */
function primitivesInert(): boolean {
  return [String.prototype, Number.prototype, Boolean.prototype].every((p) => !('resolve' in p) && !('value' in p));
}

/** Whether an app's resolvers are cdk8s's own three, in their order, not altered. */
function stockResolvers(resolvers: unknown[]): boolean {
  const classes = [LazyResolver, ImplicitTokenResolver, NumberStringUnionResolver];
  return resolvers.length === classes.length && resolvers.every((r: any, i) =>
    r !== null && typeof r === 'object' && Object.getPrototypeOf(r) === classes[i].prototype && !Object.prototype.hasOwnProperty.call(r, 'resolve'));
}

interface Sanitize {
  readonly sortKeys: boolean;
  readonly filterEmpty: boolean;
}
const OBJECT: Sanitize = { sortKeys: true, filterEmpty: false };
const OBJECT_UNSORTED: Sanitize = { sortKeys: false, filterEmpty: false };
/** What ApiObjectMetadataDefinition.toJson asks of sanitizeValue (it sorts whatever CDK8S_DISABLE_SORT says). */
const METADATA: Sanitize = { sortKeys: true, filterEmpty: true };

/**
 * `sanitizeValue(resolve([], v, obj), options)` with cdk8s's own resolvers,
 * in one walk. Resolvers run in the order `resolve` runs them (depth first,
 * keys in their own order), so Lazy producers are called in the same order.
 */
function walk(v: any, s: Sanitize): any {
  // resolve returns null and undefined as they are; sanitizeValue drops them
  if (v == null) return undefined;
  const type = typeof v;
  // no resolver replaces them (primitivesInert), sanitizeValue keeps them
  if (type === 'string' || type === 'number' || type === 'boolean') return v;
  if (type !== 'object') throw NOT_PROVEN;
  // LazyResolver
  if (v instanceof Lazy) return walk(v.produce(), s);
  // ImplicitTokenResolver: a token
  if (typeof v.resolve === 'function') throw NOT_PROVEN;
  // NumberStringUnionResolver (it reads `value` twice, so does this)
  if (v.constructor !== Object) {
    const t = typeof v.value;
    if (t === 'number' || t === 'string') return walk({ value: v.value }, s);
  }
  if (Array.isArray(v)) {
    if (s.filterEmpty && v.length === 0) return undefined;
    // `map`, as both do: a hole stays a hole
    return v.map((x) => walk(x, s));
  }
  // resolve leaves anything else as it is, and sanitizeValue refuses it
  // (or, for a class named Object, copies it unresolved): not ours.
  if (v.constructor != Object) throw NOT_PROVEN;
  const keys = Object.keys(v);
  const values = keys.map((k) => v[k]);
  const resolved: any = {};
  let ordered = true;
  let kept = 0;
  for (let i = 0; i < keys.length; i++) {
    // resolve's `result[k] = ...` would set the prototype, not a key
    if (keys[i] === '__proto__') throw NOT_PROVEN;
    const r = walk(values[i], s);
    if (r != null) kept++;
    if (i > 0 && !(keys[i - 1] < keys[i])) ordered = false;
    resolved[keys[i]] = r;
  }
  if (s.filterEmpty && kept === 0) return undefined;
  // Keys already in the order sort() gives (`<` compares UTF-16 code units,
  // as sort's default does; Object.keys lists `resolved` in the order of
  // `v`) and nothing to drop: sanitizeValue's copy would be the same.
  if ((ordered || !s.sortKeys) && kept === keys.length) return resolved;
  const names = Object.keys(resolved);
  if (s.sortKeys) names.sort();
  const out: any = {};
  for (const k of names) {
    const r = resolved[k];
    if (r != null) out[k] = r;
  }
  return out;
}

/** A generated `toJson_<Kind>Props`. */
type Mapper = (resolved: any) => any;
type AnyFunction = (...args: any[]) => any;

/** The generated toJson of a class of the k8s import (cdk8s import's template). */
const GENERATED_TO_JSON = /^toJson\(\) \{\s*const resolved = super\.toJson\(\);\s*return \{\s*\.\.\.(\w+)\.GVK,\s*\.\.\.(toJson_\w+)\(resolved\),\s*\};\s*\}$/;

/** toJson functions of k8s classes found generated (their mapping), or not (null). */
const generated = new Map<AnyFunction, { cls: any; mapper: Mapper } | null>();

/**
 * A generated k8s class's toJson is `{ ...Kind.GVK, ...toJson_KindProps(super.toJson()) }`:
 * when `proto` is such a class's (straight under ApiObject, the class and
 * function the source names being the import's exports), its class and mapping.
 */
function generatedK8s(proto: any, toJson: AnyFunction): { cls: any; mapper: Mapper } | null {
  let found = generated.get(toJson);
  if (found === undefined) {
    found = null;
    const m = GENERATED_TO_JSON.exec(toJson.toString());
    const lib = k8s as any;
    if (m && typeof lib[m[2]] === 'function' && lib[m[1]]?.prototype?.toJson === toJson) {
      found = { cls: lib[m[1]], mapper: lib[m[2]] };
    }
    generated.set(toJson, found);
  }
  if (found === null || proto !== found.cls.prototype || Object.getPrototypeOf(proto) !== ApiObject.prototype) return null;
  return found;
}

/** The object's JSON by the fast path, or NOT_PROVEN. */
function fast(obj: ApiObject): any {
  if (Object.prototype.hasOwnProperty.call(obj, 'toJson')) return NOT_PROVEN;
  // Which toJson it runs: ApiObject's, or a generated k8s class's on top of it.
  let own: { proto: any; toJson: AnyFunction } | undefined;
  for (let p = Object.getPrototypeOf(obj); p !== ApiObject.prototype; p = Object.getPrototypeOf(p)) {
    if (p === null) return NOT_PROVEN; // an ApiObject of another copy of cdk8s
    if (Object.prototype.hasOwnProperty.call(p, 'toJson')) {
      if (own !== undefined) return NOT_PROVEN;
      own = { proto: p, toJson: p.toJson };
    }
  }
  const k8sClass = own === undefined ? undefined : generatedK8s(own.proto, own.toJson);
  if (own !== undefined && !k8sClass) return NOT_PROVEN;
  const m: any = obj.metadata;
  if (Object.getPrototypeOf(m) !== ApiObjectMetadataDefinition.prototype || Object.prototype.hasOwnProperty.call(m, 'toJson')) return NOT_PROVEN;
  try {
    // ApiObject.toJson, in its order: props spread, then metadata's toJson
    const data = {
      ...(obj as any).props,
      metadata: walk({
        ...m._additionalAttributes,
        name: m.name,
        namespace: m.namespace,
        annotations: m.annotations,
        finalizers: m.finalizers,
        ownerReferences: m.ownerReferences,
        labels: m.labels,
      }, METADATA),
    };
    const json = walk(data, process.env.CDK8S_DISABLE_SORT ? OBJECT_UNSORTED : OBJECT);
    // JsonPatch.apply of no operations returns the document itself (fast-json-patch's applyPatch)
    const patches: JsonPatch[] = (obj as any).patches;
    const patched = patches.length === 0 ? json : JsonPatch.apply(json, ...patches);
    const result: any = {};
    for (const k of ['apiVersion', 'kind', 'metadata', ...Object.keys(patched)]) {
      if (k in patched) result[k] = patched[k];
    }
    return k8sClass ? { ...k8sClass.cls.GVK, ...k8sClass.mapper(result) } : result;
  } catch {
    // an error toJson reports in its own words, or a value not ours
    return NOT_PROVEN;
  }
}

/** Whether the fast path's conditions hold for the app of `scope`. */
function fastPathHolds(scope: IConstruct): boolean {
  if (!codeIsAsRead() || !primitivesInert()) return false;
  try {
    return stockResolvers(App.of(scope).resolvers);
  } catch {
    return false; // no app: toJson says so
  }
}

/**
 * The JSON of each of `objects` (ApiObjects of one app), exactly as
 * `toJson()` makes it: by the fast path when its conditions hold for the
 * app and the object, else by `toJson()`.
 */
export function apiObjectsJson(scope: IConstruct, objects: ApiObject[]): any[] {
  const ok = fastPathHolds(scope);
  return objects.map((o) => {
    const json = ok ? fast(o) : NOT_PROVEN;
    return json === NOT_PROVEN ? o.toJson() : json;
  });
}

/**
 * The fast path's JSON of one object, or `undefined` where it hands the
 * object to toJson() (for the differential tests, which compare it with
 * toJson()).
 */
export function fastApiObjectJson(obj: ApiObject): { json: any } | undefined {
  const json = fastPathHolds(obj) ? fast(obj) : NOT_PROVEN;
  return json === NOT_PROVEN ? undefined : { json };
}
