import * as path from 'path';
import { Yaml } from 'cdk8s';

/*
 * The YAML of `cdk8s synth`, fast.
 *
 * `cdk8s.Yaml.stringify` (what `cdk8s synth` writes) runs the `yaml` package
 * with `{ keepUndefined: true, lineWidth: 0, version: '1.1' }`. That builds a
 * node tree per document and asks every tag of the schema about every
 * scalar: most of the time of writing 10,000 tenants (see the README's
 * performance section). The documents cdk8s emits are plain JSON-like values,
 * so this renders them directly, following `yaml`'s own rules for exactly
 * those values (block maps and sequences, `{}` and `[]` for empty ones,
 * `indentSeq`, plain scalars unless YAML 1.1 would read them as something
 * else, single or double quotes as `yaml` chooses them, `|` literal blocks
 * for multi-line strings), and hands any document it does not cover to
 * `Yaml.stringify` itself. Byte identity with `Yaml.stringify` is what the
 * differential tests prove (test/gitops/manifest-yaml.test.ts), over every
 * object the tests and examples emit and over generated values.
 *
 * Handed back (rare in Kubernetes objects, and `yaml` renders them in ways
 * that need its full machinery): anything but plain objects, arrays,
 * strings, finite or non-finite numbers, booleans, null and undefined (a
 * Date, a Map, a class instance, a bigint, a function); an object or array
 * met twice in one document (`yaml` writes an anchor and an alias); a key
 * with a line break or over 1,000 characters (an explicit `? ` key); a
 * multi-line string that `yaml` double-quotes (one that is only white space,
 * ends in spaces after its last line break, or holds control characters);
 * a string another tag of the schema claims (`<<`, the merge key).
 */

/**
 * The `yaml` package cdk8s itself resolves, so that its schema (which
 * strings YAML 1.1 reads as something else) and its number formatting are
 * the ones `Yaml.stringify` uses, whatever version that is.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const YAML = require(require.resolve('yaml', { paths: [path.dirname(require.resolve('cdk8s'))] }));

/** The options of `cdk8s.Yaml.stringify`. */
const CDK8S_OPTIONS = { keepUndefined: true, lineWidth: 0, version: '1.1' };

/**
 * The plain strings YAML 1.1 resolves to another type (null, booleans such as
 * `on` and `yes`, ints, floats, sexagesimals, timestamps, `<<`): those are
 * quoted. Taken from the schema `yaml` uses, as `yaml`'s plainString does.
 */
const IMPLICIT: RegExp[] = (() => {
  const schema = new YAML.Document(null, { version: CDK8S_OPTIONS.version }).schema;
  return [...schema.tags, ...(schema.compat ?? [])]
    .filter((t: any) => t.default && t.tag !== 'tag:yaml.org,2002:str' && t.test instanceof RegExp)
    .map((t: any) => t.test);
})();
const implicitType = (s: string) => IMPLICIT.some((re) => re.test(s));

/**
 * Tags other than str that claim some strings as their own values (in YAML
 * 1.1, `merge` claims '<<', which yaml then writes plain): such strings are
 * handed back, whatever the tag.
 */
const CLAIMS: Array<(v: unknown) => boolean> = (() => {
  const schema = new YAML.Document(null, { version: CDK8S_OPTIONS.version }).schema;
  return schema.tags
    .filter((t: any) => t.tag !== 'tag:yaml.org,2002:str' && typeof t.identify === 'function')
    .map((t: any) => t.identify);
})();

/** Characters `yaml` always double-quotes (control characters, lone surrogates). */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u;
/** Where a plain scalar cannot start, contain or end (yaml's plainString). */
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;
const INDENT_STEP = '  ';

/** Thrown inside a document this does not cover; the document goes to `Yaml.stringify`. */
const HAND_BACK = Symbol('hand back');

/**
 * `cdk8s.Yaml.stringify(...docs)`, byte for byte.
 */
export function stringifyManifests(docs: any[]): string {
  let out = '';
  for (let i = 0; i < docs.length; i++) {
    if (i > 0) out += '---\n';
    out += stringifyManifest(docs[i]);
  }
  return out;
}

/** One document, as `cdk8s.Yaml.stringify(doc)` writes it. */
export function stringifyManifest(doc: any): string {
  if (doc !== null && typeof doc === 'object') {
    try {
      const seen = new Set<object>();
      return (Array.isArray(doc) ? seq(doc, '', seen) : map(doc, '', seen)) + '\n';
    } catch (e) {
      if (e !== HAND_BACK) throw e;
    }
  }
  return Yaml.stringify(doc);
}

/** Accepts a plain object or array once per document. */
function collection(v: any, kind: 'map' | 'seq', seen: Set<object>): void {
  const proto = Object.getPrototypeOf(v);
  const is = proto === Array.prototype && Array.isArray(v) ? 'seq' : proto === Object.prototype || proto === null ? 'map' : undefined;
  if (is !== kind || typeof v.toJSON === 'function' || seen.has(v)) throw HAND_BACK;
  seen.add(v);
}

/** A block map whose lines start at `indent` (the first without it). */
function map(obj: any, indent: string, seen: Set<object>): string {
  collection(obj, 'map', seen);
  const keys = Object.keys(obj);
  if (keys.length === 0) return '{}';
  const inner = indent + INDENT_STEP;
  let out = '';
  for (let i = 0; i < keys.length; i++) {
    if (i > 0) out += '\n' + indent;
    out += keyColon(keys[i], indent === '') + pairValue(obj[keys[i]], inner, seen);
  }
  return out;
}

/** A block sequence whose lines start at `indent` (the first without it). */
function seq(arr: any[], indent: string, seen: Set<object>): string {
  collection(arr, 'seq', seen);
  if (arr.length === 0) return '[]';
  const inner = indent + INDENT_STEP;
  let out = '';
  for (let i = 0; i < arr.length; i++) {
    if (i > 0) out += '\n' + indent;
    out += '- ' + node(arr[i], inner, seen);
  }
  return out;
}

/**
 * What follows `key:` — a collection on the next lines unless it is empty.
 * Empty is read off the rendering: only an empty collection renders as
 * `{}` or `[]` (a map starts with a key, which `{` would make quoted; a
 * sequence starts with `- `), which spares counting the keys twice.
 */
function pairValue(v: any, indent: string, seen: Set<object>): string {
  const s = node(v, indent, seen);
  if (v === null || typeof v !== 'object' || s === '{}' || s === '[]') return ' ' + s;
  return '\n' + indent + s;
}

/** Any value, at `indent` (the indentation of its context, as yaml's ctx.indent). */
function node(v: any, indent: string, seen: Set<object>): string {
  switch (typeof v) {
    case 'string':
      return v.includes('\n') ? multiLine(v, indent) : singleLine(v);
    case 'number':
    case 'boolean':
      return scalar(v);
    case 'undefined':
      return 'null';
    case 'object':
      if (v === null) return 'null';
      return Array.isArray(v) ? seq(v, indent, seen) : map(v, indent, seen);
    default:
      throw HAND_BACK;
  }
}

const scalars = new Map<number | boolean, string>();
/** Numbers and booleans as `yaml` writes them (its 1.1 int and float tags), asked once per value. */
function scalar(v: number | boolean): string {
  // A Map keys -0 and 0 as one (SameValueZero), and yaml writes them apart.
  let s = Object.is(v, -0) ? undefined : scalars.get(v);
  if (s === undefined) {
    s = String(YAML.stringify(v, CDK8S_OPTIONS)).replace(/\n$/, '');
    if (s.includes('\n')) throw HAND_BACK;
    if (scalars.size < 10_000 && !Object.is(v, -0)) scalars.set(v, s);
  }
  return s;
}

/** Renderings of single-line strings, which do not depend on where they are. */
const lines = new Map<string, string>();
function singleLine(v: string): string {
  let s = lines.get(v);
  if (s === undefined) {
    if (CLAIMS.some((identify) => identify(v))) throw HAND_BACK;
    s = CONTROL.test(v) ? doubleQuoted(v) : NOT_PLAIN.test(v) || implicitType(v) ? quoted(v) : v;
    if (lines.size >= 50_000) lines.clear();
    lines.set(v, s);
  }
  return s;
}

/**
 * `key:`, rendered once per key and level: a key's rendering depends on
 * nothing but its text and whether it is at the top level (see `key`), and
 * the same few hundred keys make up every manifest.
 */
const nestedKeys = new Map<string, string>();
const topKeys = new Map<string, string>();
function keyColon(k: string, top: boolean): string {
  const rendered = top ? topKeys : nestedKeys;
  let s = rendered.get(k);
  if (s === undefined) {
    s = key(k, top) + ':';
    if (rendered.size >= 50_000) rendered.clear();
    rendered.set(k, s);
  }
  return s;
}

/** A map key: an implicit key, on one line. */
function key(k: string, top: boolean): string {
  if (k.includes('\n')) throw HAND_BACK;
  // yaml quotes a key that starts like a document marker only at the top level
  const s = top && !CONTROL.test(k) && DOCUMENT_MARKER.test(k) ? quoted(k) : singleLine(k);
  // a longer key is written as an explicit `? key`
  if (s.length > 1024) throw HAND_BACK;
  return s;
}

/** yaml's quotedString: single quotes when the value holds `"` but not `'`. */
function quoted(v: string): string {
  return v.includes('"') && !v.includes("'") ? `'${v}'` : doubleQuoted(v);
}

/** yaml's doubleQuotedString for a value without line breaks. */
function doubleQuoted(v: string): string {
  const json = JSON.stringify(v);
  let out = '';
  let start = 0;
  for (let i = 0; i < json.length; i++) {
    if (json[i] !== '\\') continue;
    if (json[i + 1] !== 'u') {
      i += 1;
      continue;
    }
    out += json.slice(start, i);
    const code = json.substr(i + 2, 4);
    out += ESCAPES[code] ?? (code.startsWith('00') ? '\\x' + code.substr(2) : json.substr(i, 6));
    i += 5;
    start = i + 1;
  }
  return start ? out + json.slice(start) : json;
}
const ESCAPES: Record<string, string> = {
  '0000': '\\0', '0007': '\\a', '000b': '\\v', '001b': '\\e', '0085': '\\N', '00a0': '\\_', '2028': '\\L', '2029': '\\P',
};

/** yaml's blockString for a multi-line value: a literal block (no folding at lineWidth 0). */
function multiLine(value: string, indent: string): string {
  if (CONTROL.test(value) || /\n[\t ]+$/.test(value) || /^\s*$/.test(value)) throw HAND_BACK;
  let endStart: number;
  for (endStart = value.length; endStart > 0; --endStart) {
    const ch = value[endStart - 1];
    if (ch !== '\n' && ch !== '\t' && ch !== ' ') break;
  }
  let end = value.substring(endStart);
  const endNlPos = end.indexOf('\n');
  const chomp = endNlPos === -1 ? '-' : value === end || endNlPos !== end.length - 1 ? '+' : '';
  if (end) {
    value = value.slice(0, -end.length);
    if (end[end.length - 1] === '\n') end = end.slice(0, -1);
    end = end.replace(BLOCK_END_NEWLINES, `$&${indent}`);
  }
  let startWithSpace = false;
  let startEnd: number;
  let startNlPos = -1;
  for (startEnd = 0; startEnd < value.length; ++startEnd) {
    const ch = value[startEnd];
    if (ch === ' ') startWithSpace = true;
    else if (ch === '\n') startNlPos = startEnd;
    else break;
  }
  let start = value.substring(0, startNlPos < startEnd ? startNlPos + 1 : startEnd);
  if (start) {
    value = value.substring(start.length);
    start = start.replace(/\n+/g, `$&${indent}`);
  }
  const header = (startWithSpace ? '2' : '') + chomp;
  return `|${header}\n${indent}${start}${value.replace(/\n+/g, `$&${indent}`)}${end}`;
}
const BLOCK_END_NEWLINES = /(^|(?<!\n))\n+(?!\n|$)/g;
