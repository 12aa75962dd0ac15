import { Manifests } from './model';
import { isEmptySelector, LabelSelector, selects } from './selectors';
import { TENANT_LABEL } from '../../labels';

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

/** Whether a peer names `other` explicitly: by its tenant or its namespace name. */
function peerNames(m: Manifests, peer: any, other: string): boolean {
  const sel = peer.namespaceSelector;
  if (!sel) return false;
  const labels = sel.matchLabels ?? {};
  const tenant = m.tenantOf(other);
  return (tenant !== undefined && labels[TENANT_LABEL] === tenant) || labels['kubernetes.io/metadata.name'] === other;
}

export interface Allowance {
  readonly allowed: boolean;
  readonly explicit: boolean;
  /** The policy that allows it, or undefined when the namespace is not isolated. */
  readonly via?: any;
}

/** Whether pods in `own` may exchange traffic with pods in `other` in `direction`, and whether a rule names `other`. */
export function allows(m: Manifests, own: string, other: string, direction: Direction): Allowance {
  if (!isolated(m, own, direction)) return { allowed: true, explicit: false };
  let found: Allowance = { allowed: false, explicit: false };
  for (const r of rules(m, own, direction)) {
    if (r.peers === undefined || r.peers.length === 0) {
      // a rule without peers allows everyone
      if (!found.allowed) found = { allowed: true, explicit: false, via: r.policy };
      continue;
    }
    for (const peer of r.peers) {
      if (peerMatches(m, peer, own, other)) {
        if (peerNames(m, peer, other) || own === other) {
          if (!found.explicit) found = { allowed: true, explicit: true, via: r.policy };
        } else {
          found = { allowed: true, explicit: false, via: r.policy };
          return found;
        }
      }
    }
  }
  return found;
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

/** Every egress ipBlock of a namespace. */
export function egressIpBlocks(m: Manifests, namespace: string): { policy: any; block: any }[] {
  return rules(m, namespace, 'Egress').flatMap((r) => (r.peers ?? []).filter((p) => p.ipBlock).map((p) => ({ policy: r.policy, block: p.ipBlock })));
}
