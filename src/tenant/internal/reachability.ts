import { Manifests, push } from '../../audit/kit/model';
import { isEmptySelector, LabelSelector, selects } from '../../audit/kit/selectors';
import { TENANT_LABEL } from '../../core/labels';

export type Direction = 'Ingress' | 'Egress';

/** The policy types a NetworkPolicy applies to (Ingress is implied; Egress only when listed or when it has egress rules). */
export function policyTypes(p: any): Direction[] {
  if (Array.isArray(p.spec?.policyTypes) && p.spec.policyTypes.length > 0) return p.spec.policyTypes;
  return p.spec?.egress ? ['Ingress', 'Egress'] : ['Ingress'];
}

/** Whether every pod of `namespace` is isolated in `direction` (some policy selects all pods for it). */
export function isolated(m: Manifests, namespace: string, direction: Direction): any | undefined {
  return m.inNamespace('NetworkPolicy', namespace)
    .map((o) => o.object)
    .find((p) => isEmptySelector(p.spec?.podSelector) && policyTypes(p).includes(direction));
}

/** The rules of a direction in a namespace, with the policy they come from. */
function rules(m: Manifests, namespace: string, direction: Direction): { policy: any; peers: any[] | undefined; ports: any[] | undefined }[] {
  return m.inNamespace('NetworkPolicy', namespace)
    .map((o) => o.object)
    .filter((p) => policyTypes(p).includes(direction))
    .flatMap((p) => (direction === 'Ingress' ? p.spec?.ingress ?? [] : p.spec?.egress ?? [])
      .map((r: any) => ({ policy: p, peers: direction === 'Ingress' ? r.from : r.to, ports: r.ports })));
}

/**
 * Whether a peer, written in a policy of namespace `own`, can match pods of
 * namespace `other`. Pod labels are unknown in manifests: a pod selector is
 * taken to match some pods.
 */
function peerMatches(m: Manifests, peer: any, own: string, other: string): boolean {
  if (peer.ipBlock) return false; // external addresses; pod IPs are not modelled
  if (peer.namespaceSelector) return selects(peer.namespaceSelector as LabelSelector, m.namespaceLabels.get(other) ?? {});
  return own === other; // a podSelector alone means the policy's own namespace
}

/** Whether a peer names `other` explicitly: by its tenant or its namespace name (matchLabels or `In`). */
function peerNames(m: Manifests, peer: any, other: string): boolean {
  const sel = peer.namespaceSelector;
  if (!sel) return false;
  const pinned = (key: string) => (sel.matchLabels ?? {})[key] !== undefined
    || (sel.matchExpressions ?? []).some((e: any) => e.key === key && e.operator === 'In');
  // The selector already matched `other`, so a pinned key names it.
  return (m.tenantOf(other) !== undefined && pinned(TENANT_LABEL)) || pinned('kubernetes.io/metadata.name');
}

/** A port (range) of a rule; no port: every port of the protocol. */
export interface Port { readonly protocol: string; readonly port?: number | string; readonly endPort?: number }
/** Ports a connection may use: every port, or a list ([] is none). */
export type PortSet = 'all' | Port[];

function union(a: PortSet, b: PortSet): PortSet {
  return a === 'all' || b === 'all' ? 'all' : [...a, ...b];
}

function intersectPort(a: Port, b: Port): Port | undefined {
  if (a.protocol !== b.protocol) return undefined;
  if (a.port === undefined) return b;
  if (b.port === undefined) return a;
  // A named port resolves per pod, so it may be the other side's number.
  if (typeof a.port === 'string') return a;
  if (typeof b.port === 'string') return b;
  const lo = Math.max(a.port, b.port);
  const hi = Math.min(a.endPort ?? a.port, b.endPort ?? b.port);
  if (lo > hi) return undefined;
  return lo === hi ? { protocol: a.protocol, port: lo } : { protocol: a.protocol, port: lo, endPort: hi };
}

export function intersect(a: PortSet, b: PortSet): PortSet {
  if (a === 'all') return b;
  if (b === 'all') return a;
  return a.flatMap((x) => b.map((y) => intersectPort(x, y)).filter((p): p is Port => p !== undefined));
}

export function isNone(p: PortSet): boolean {
  return p !== 'all' && p.length === 0;
}

/** `all`, or e.g. `TCP/8080, UDP/53`. */
export function formatPorts(p: PortSet): string {
  if (p === 'all') return 'all';
  if (p.length === 0) return 'none';
  const names = p.map((x) => (x.port === undefined ? `${x.protocol}/all` : x.endPort !== undefined ? `${x.protocol}/${x.port}-${x.endPort}` : `${x.protocol}/${x.port}`));
  return [...new Set(names)].sort().join(', ');
}

function portsOf(ports: any[] | undefined): PortSet {
  if (!ports || ports.length === 0) return 'all';
  return ports.map((p) => ({ protocol: p.protocol ?? 'TCP', port: p.port, endPort: p.endPort }));
}

export interface Allowance {
  readonly allowed: boolean;
  /** Whether everything allowed is allowed by rules naming `other` (or `other` is `own`). */
  readonly explicit: boolean;
  /** The policy that allows it without naming `other`, or undefined when the namespace is not isolated. */
  readonly via?: any;
  /** Every port allowed. */
  readonly ports: PortSet;
  /** The ports allowed by rules naming `other`. */
  readonly explicitPorts: PortSet;
}

/**
 * What pods in `own` may exchange with pods in `other` in `direction`: the
 * ports, and which of them rules naming `other` allow.
 */
export function allows(m: Manifests, own: string, other: string, direction: Direction): Allowance {
  if (!isolated(m, own, direction)) return { allowed: true, explicit: false, ports: 'all', explicitPorts: [] };
  let ports: PortSet = [];
  let explicitPorts: PortSet = [];
  let via: any;
  for (const r of rules(m, own, direction)) {
    const rulePorts = portsOf(r.ports);
    // A rule without peers allows everyone.
    for (const peer of r.peers && r.peers.length > 0 ? r.peers : [undefined]) {
      if (peer !== undefined && !peerMatches(m, peer, own, other)) continue;
      ports = union(ports, rulePorts);
      if (peer !== undefined && (own === other || peerNames(m, peer, other))) {
        explicitPorts = union(explicitPorts, rulePorts);
      } else {
        via = via ?? r.policy;
      }
    }
  }
  return { allowed: !isNone(ports), explicit: via === undefined || explicitPorts === 'all', via, ports, explicitPorts };
}

/** Traffic from namespace `from` to namespace `to`: egress of one AND ingress of the other. */
export interface Reach {
  readonly reachable: boolean;
  readonly ports: PortSet;
  /** Whether every port that gets through is declared by name on both ends. */
  readonly declared: boolean;
  /** The side that lets traffic through without naming the other. */
  readonly undeclaredBy?: { namespace: string; policy?: any; direction: Direction };
}

export function reach(m: Manifests, from: string, to: string): Reach {
  const egress = allows(m, from, to, 'Egress');
  const ingress = allows(m, to, from, 'Ingress');
  const ports = intersect(egress.ports, ingress.ports);
  if (isNone(ports)) return { reachable: false, ports, declared: true };
  // Ports that get through because of a rule that does not name the other side.
  const undeclared = (side: Allowance, otherSide: Allowance) => (side.explicitPorts === 'all' ? false : !isNone(intersect(side.ports, otherSide.ports))
    && !covered(intersect(side.ports, otherSide.ports), side.explicitPorts));
  if (undeclared(ingress, egress)) return { reachable: true, ports, declared: false, undeclaredBy: { namespace: to, policy: ingress.via, direction: 'Ingress' } };
  if (undeclared(egress, ingress)) return { reachable: true, ports, declared: false, undeclaredBy: { namespace: from, policy: egress.via, direction: 'Egress' } };
  return { reachable: true, ports, declared: true };
}

/** Whether every port of `a` is within `b`. */
function covered(a: PortSet, b: PortSet): boolean {
  if (b === 'all') return true;
  if (a === 'all') return false;
  return a.every((x) => b.some((y) => {
    if (x.protocol !== y.protocol) return false;
    if (y.port === undefined) return true;
    if (x.port === undefined) return false;
    if (typeof x.port === 'string' || typeof y.port === 'string') return x.port === y.port;
    return y.port <= x.port && (x.endPort ?? x.port) <= (y.endPort ?? y.port);
  }));
}

/** Labels of a namespace of a tenant that is not in the manifests (yet). */
const ANOTHER_TENANT = { [TENANT_LABEL]: '\u0000another-tenant', 'kubernetes.io/metadata.name': '\u0000another-namespace' };

/**
 * Rules of a namespace's policies that match the namespaces of any tenant,
 * named or not: they let in (or out to) every tenant added later, whatever
 * the other side's policies are today.
 */
export function openToAnyTenant(m: Manifests, namespace: string): { policy: any; direction: Direction; peer: any }[] {
  const out: { policy: any; direction: Direction; peer: any }[] = [];
  for (const direction of ['Ingress', 'Egress'] as Direction[]) {
    for (const r of rules(m, namespace, direction)) {
      const peers = r.peers && r.peers.length > 0 ? r.peers : [undefined];
      for (const peer of peers) {
        const matches = peer === undefined || (!peer.ipBlock && peer.namespaceSelector && selects(peer.namespaceSelector, ANOTHER_TENANT));
        if (matches) out.push({ policy: r.policy, direction, peer });
      }
    }
  }
  return out;
}

/**
 * Egress peers that reach pods of `dnsNamespace` other than its DNS pods:
 * the namespace selected without a pod selector ANDed in the same peer (or
 * with an empty one), or a rule without peers.
 */
export function beyondDns(m: Manifests, namespace: string, dnsNamespace: string): { policy: any; peer: any }[] {
  const labels = m.namespaceLabels.get(dnsNamespace) ?? { 'kubernetes.io/metadata.name': dnsNamespace };
  return rules(m, namespace, 'Egress').flatMap((r) => (r.peers && r.peers.length > 0 ? r.peers : [undefined])
    .filter((peer) => peer === undefined
      || (!peer.ipBlock && peer.namespaceSelector && selects(peer.namespaceSelector, labels) && isEmptySelector(peer.podSelector)))
    .map((peer) => ({ policy: r.policy, peer })));
}

/**
 * The egress rules written for DNS: limited to ports, port 53 among them.
 * Rules without ports are general allowances, judged by the cross-tenant
 * check.
 */
export function dnsRules(m: Manifests, namespace: string): { policy: any; peers: any[] | undefined }[] {
  return rules(m, namespace, 'Egress')
    .filter((r) => (r.ports ?? []).some((p: any) => p.port === 53 || p.port === '53' || p.port === 'dns'))
    .map((r) => ({ policy: r.policy, peers: r.peers }));
}

/** Egress rules without peers (to every destination), with the ports they allow in words. */
export function anyDestination(m: Manifests, namespace: string): { policy: any; ports: string }[] {
  return rules(m, namespace, 'Egress').filter((r) => !r.peers || r.peers.length === 0)
    .map((r) => ({ policy: r.policy, ports: !r.ports || r.ports.length === 0 ? 'all ports' : formatPorts(portsOf(r.ports)) }));
}

/** Every egress ipBlock of a namespace. */
export function egressIpBlocks(m: Manifests, namespace: string): { policy: any; block: any }[] {
  return rules(m, namespace, 'Egress').flatMap((r) => (r.peers ?? []).filter((p) => p.ipBlock).map((p) => ({ policy: r.policy, block: p.ipBlock })));
}

/** The tenant namespaces a namespace's policies may let traffic in from (or out to): any, or these. */
type Candidates = 'all' | Set<string>;

/**
 * Reachability between tenant namespaces, computed only for the pairs a
 * policy can connect. Each side's rules name the namespaces they match
 * (through the namespace label index); a pair is evaluated rule by rule
 * only when the source's egress may match the destination and the
 * destination's ingress may match the source. Every other pair is denied
 * without being looked at, so the cost grows with the connections that
 * exist, not with the square of the tenants.
 */
export class Reachability {
  private readonly candidates = new Map<string, Candidates>();
  /** Per direction: namespace -> the tenant namespaces whose rules list it; those whose rules match any. */
  private readonly indexes = new Map<Direction, { listed: Map<string, string[]>; open: string[] }>();
  private readonly reaches = new Map<string, Reach>();

  constructor(private readonly m: Manifests) {}

  /** Tenant namespaces of other tenants that may reach `to`, with what gets through. */
  public into(to: string): { from: string; reach: Reach }[] {
    return this.connected(to, 'Ingress').map((from) => ({ from, reach: this.reach(from, to) })).filter((x) => x.reach.reachable);
  }

  /** Tenant namespaces of other tenants that `from` may reach, with what gets through. */
  public outOf(from: string): { to: string; reach: Reach }[] {
    return this.connected(from, 'Egress').map((to) => ({ to, reach: this.reach(from, to) })).filter((x) => x.reach.reachable);
  }

  /** How many namespace pairs were evaluated rule by rule. */
  public get evaluated(): number {
    return this.reaches.size;
  }

  private reach(from: string, to: string): Reach {
    const key = `${from}\u0000${to}`;
    let r = this.reaches.get(key);
    if (!r) this.reaches.set(key, r = reach(this.m, from, to));
    return r;
  }

  /**
   * The other tenants' namespaces on the far side of `ns` in `direction`
   * that both sides' rules may connect, sorted.
   */
  private connected(ns: string, direction: Direction): string[] {
    const own = this.m.tenantOf(ns);
    const back: Direction = direction === 'Ingress' ? 'Egress' : 'Ingress';
    const mine = this.candidatesOf(ns, direction);
    let far: Iterable<string>;
    if (mine !== 'all') {
      far = [...mine].filter((x) => {
        const theirs = this.candidatesOf(x, back);
        return theirs === 'all' || theirs.has(ns);
      });
    } else {
      // Open on this side: whoever's rules on the far side may match it.
      const index = this.index(back);
      far = new Set([...index.open, ...(index.listed.get(ns) ?? [])]);
    }
    return [...far].filter((x) => x !== ns && this.m.tenantOf(x) !== undefined && this.m.tenantOf(x) !== own).sort();
  }

  private index(direction: Direction): { listed: Map<string, string[]>; open: string[] } {
    let index = this.indexes.get(direction);
    if (index) return index;
    index = { listed: new Map(), open: [] };
    for (const namespaces of this.m.tenants.values()) {
      for (const ns of namespaces) {
        const c = this.candidatesOf(ns, direction);
        if (c === 'all') index.open.push(ns);
        else for (const x of c) push(index.listed, x, ns);
      }
    }
    this.indexes.set(direction, index);
    return index;
  }

  private candidatesOf(ns: string, direction: Direction): Candidates {
    const key = `${direction}\u0000${ns}`;
    let c = this.candidates.get(key);
    if (c === undefined) this.candidates.set(key, c = candidates(this.m, ns, direction));
    return c;
  }
}

/** The tenant namespaces the rules of `ns` in `direction` may match (a superset of those `allows` allows). */
function candidates(m: Manifests, ns: string, direction: Direction): Candidates {
  if (!isolated(m, ns, direction)) return 'all';
  const out = new Set<string>();
  for (const r of rules(m, ns, direction)) {
    if (!r.peers || r.peers.length === 0) return 'all';
    for (const peer of r.peers) {
      if (peer.ipBlock) continue;
      if (!peer.namespaceSelector) out.add(ns);
      else for (const x of m.namespacesSelectedBy(peer.namespaceSelector)) if (m.tenantOf(x) !== undefined) out.add(x);
    }
  }
  return out;
}
