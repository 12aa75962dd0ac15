/**
 * Whether two values are the same JSON-like value, to the last detail a
 * serializer could see: key order, a missing key against an `undefined`
 * one, `null` against `undefined`, a hole in an array against `undefined`,
 * -0 against 0, prototypes. (`toStrictEqual` ignores key order; v8's
 * serializer tells a number stored as a double from a small integer.)
 * Returns where they differ, or undefined when they do not.
 */
export function jsonDifference(a: any, b: any, at = ''): string | undefined {
  if (Object.is(a, b)) return undefined;
  const show = (v: any) => (v === undefined ? 'undefined' : typeof v === 'object' && v !== null ? (Array.isArray(v) ? 'an array' : 'an object') : JSON.stringify(v) ?? String(v));
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return `${at || '(root)'}: ${show(a)} against ${show(b)}`;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${at || '(root)'}: prototypes differ`;
  if (Array.isArray(a)) {
    if (a.length !== b.length) return `${at || '(root)'}: length ${a.length} against ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      if ((i in a) !== (i in b)) return `${at}/${i}: a hole against a value`;
      const d = jsonDifference(a[i], b[i], `${at}/${i}`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  const ka = Reflect.ownKeys(a);
  const kb = Reflect.ownKeys(b);
  for (let i = 0; i < Math.max(ka.length, kb.length); i++) {
    if (ka[i] !== kb[i]) return `${at || '(root)'}: keys ${ka.map(String).join(',')} against ${kb.map(String).join(',')}`;
    const d = jsonDifference(a[ka[i]], b[kb[i]], `${at}/${String(ka[i])}`);
    if (d !== undefined) return d;
  }
  return undefined;
}
