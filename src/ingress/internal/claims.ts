/*
 * Which requests a host and a path of an Ingress rule or a Gateway API
 * route serve, and whether two of them serve some of the same requests:
 * the audit's `ingress.host-collisions` check reads manifests with these.
 */

/**
 * A host as an Ingress rule or a route names it: exact (`app.example.com`;
 * `''` for a rule without host, which serves every host of its class), or
 * a wildcard (`*.example.com`), kept as its suffix with the leading dot.
 */
export type Host =
  | { readonly kind: 'exact'; readonly name: string }
  /**
   * `anyDepth`: Gateway API wildcards match any number of leading labels
   * (`*.example.com` matches `foo.test.example.com`); Ingress wildcards
   * match exactly one ("matches only a single label", IngressRule.host).
   */
  | { readonly kind: 'wildcard'; readonly suffix: string; readonly anyDepth: boolean };

/**
 * A path match: `Exact` is one path; `Prefix` is every path whose
 * `/`-separated elements start with its elements (Ingress `Prefix`, Gateway
 * API `PathPrefix`: `/api` covers `/api/v1`, not `/apis`; a trailing slash
 * does not count); `Literal` is a match whose meaning is the
 * controller's or a regular expression's (Gateway API `RegularExpression`),
 * compared as text only.
 */
export interface PathMatch {
  readonly type: 'Exact' | 'Prefix' | 'Literal';
  readonly value: string;
}

/** The host a manifest names: an Ingress's (one label per wildcard) or a route's (any depth). */
export function parseHost(host: string, anyDepthWildcard: boolean): Host {
  return host.startsWith('*.') ? { kind: 'wildcard', suffix: host.slice(1), anyDepth: anyDepthWildcard } : { kind: 'exact', name: host };
}

/** The host as written. */
export function hostText(h: Host): string {
  return h.kind === 'exact' ? h.name : `*${h.suffix}`;
}

/** The name a host is filed under: itself, or a wildcard's suffix without the dot. */
export function domainOf(h: Host): string {
  return h.kind === 'exact' ? h.name : h.suffix.slice(1);
}

/** The domains strictly above `domain` (`a.example.com`: `example.com`, `com`). */
export function ancestorsOf(domain: string): string[] {
  const out: string[] = [];
  for (let i = domain.indexOf('.'); i >= 0; i = domain.indexOf('.', i + 1)) out.push(domain.slice(i + 1));
  return out;
}

function wildcardMatches(w: { suffix: string; anyDepth: boolean }, name: string): boolean {
  if (!name.endsWith(w.suffix)) return false;
  const labels = name.slice(0, -w.suffix.length);
  return labels.length > 0 && (w.anyDepth || !labels.includes('.'));
}

/** Whether some request host is served by both. */
export function hostsOverlap(a: Host, b: Host): boolean {
  if (a.kind === 'exact' && b.kind === 'exact') return a.name === b.name;
  if (a.kind === 'wildcard' && b.kind === 'exact') return b.name !== '' && wildcardMatches(a, b.name);
  if (a.kind === 'exact' && b.kind === 'wildcard') return a.name !== '' && wildcardMatches(b, a.name);
  const [x, y] = [a as Extract<Host, { kind: 'wildcard' }>, b as Extract<Host, { kind: 'wildcard' }>];
  if (x.suffix === y.suffix) return true;
  // The narrower wildcard's hosts have two or more labels before the wider
  // one's suffix: only a wildcard of any depth takes them.
  if (x.suffix.endsWith(y.suffix)) return y.anyDepth;
  if (y.suffix.endsWith(x.suffix)) return x.anyDepth;
  return false;
}

const elements = (path: string) => path.split('/').filter((e) => e !== '');

/** Whether the prefix `p` matches the request path `path` (element by element). */
function prefixCovers(p: string, path: string): boolean {
  const pe = elements(p);
  const e = elements(path);
  return pe.length <= e.length && pe.every((x, i) => x === e[i]);
}

/** Whether some request path matches both. */
export function pathsOverlap(a: PathMatch, b: PathMatch): boolean {
  if (a.type === 'Literal' || b.type === 'Literal') return a.type === b.type && a.value === b.value;
  if (a.type === 'Exact' && b.type === 'Exact') return a.value === b.value;
  if (a.type === 'Prefix' && b.type === 'Prefix') return prefixCovers(a.value, b.value) || prefixCovers(b.value, a.value);
  return a.type === 'Prefix' ? prefixCovers(a.value, b.value) : prefixCovers(b.value, a.value);
}

/** The path as a finding names it. */
export function pathText(p: PathMatch): string {
  switch (p.type) {
    case 'Exact': return `${p.value} (exact)`;
    case 'Literal': return `${p.value} (as the controller reads it)`;
    default: return p.value;
  }
}

/** An Ingress path: `ImplementationSpecific` read as `Prefix`, as ingress-nginx and most controllers do. */
export function ingressPath(path: any): PathMatch {
  const value = typeof path?.path === 'string' && path.path !== '' ? path.path : '/';
  return { type: path?.pathType === 'Exact' ? 'Exact' : 'Prefix', value };
}

/** An HTTPRoute match's path (the API's default: `PathPrefix /`). */
export function httpRoutePath(match: any): PathMatch {
  const type = match?.path?.type ?? 'PathPrefix';
  const value = typeof match?.path?.value === 'string' ? match.path.value : '/';
  return { type: type === 'Exact' ? 'Exact' : type === 'PathPrefix' ? 'Prefix' : 'Literal', value };
}

/**
 * A GRPCRoute match, as the HTTP/2 path its requests carry
 * (`/<service>/<method>`): a service and method matched exactly are one
 * path, a service alone is its prefix, anything else (a method of any
 * service, a regular expression, no match) is taken as every path.
 */
export function grpcRoutePath(match: any): PathMatch {
  const m = match?.method;
  if (m && (m.type ?? 'Exact') === 'Exact' && typeof m.service === 'string') {
    return typeof m.method === 'string' ? { type: 'Exact', value: `/${m.service}/${m.method}` } : { type: 'Prefix', value: `/${m.service}` };
  }
  return { type: 'Prefix', value: '/' };
}
