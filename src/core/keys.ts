import { LIBRARY_KEY_PREFIX, POD_SECURITY_LABEL_PREFIX } from './labels';

/**
 * Key prefixes only the platform may set on namespaces: the library's own,
 * and Pod Security Admission's. One list for the construct-time check and the
 * admission guard, so the two cannot drift apart.
 */
const PROTECTED_KEY_PREFIXES = [LIBRARY_KEY_PREFIX, POD_SECURITY_LABEL_PREFIX];

/** Whether `key` is one the library sets itself. */
export function isProtectedKey(key: string): boolean {
  return PROTECTED_KEY_PREFIXES.some((p) => key.startsWith(p));
}

/** The same test as a CEL expression on the variable `k`. */
export function celIsProtectedKey(k: string): string {
  return `(${PROTECTED_KEY_PREFIXES.map((p) => `${k}.startsWith(${JSON.stringify(p)})`).join(' || ')})`;
}

/**
 * CEL: whether every protected key of the map `variables.<from>` has the
 * same value in `variables.<to>` (call it both ways for "unchanged").
 */
export function celProtectedKept(from: string, to: string): string {
  return `variables.${from}.all(k, !${celIsProtectedKey('k')} || (k in variables.${to} && variables.${to}[k] == variables.${from}[k]))`;
}
