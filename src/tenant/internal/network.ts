import { k8s } from 'cdk8s-plus-27';

/**
 * One rendered NetworkPolicy rule: its peers and, when limited, its ports.
 */
export interface NetworkPolicyRule {
  readonly peers: Record<string, unknown>[];
  readonly ports?: { protocol: string; port: number; endPort?: number }[];
}

/** The rule's ports as a NetworkPolicy lists them. */
export function policyPorts(rule: NetworkPolicyRule): k8s.NetworkPolicyPort[] | undefined {
  return rule.ports?.map((p) => ({ ...p, port: k8s.IntOrString.fromNumber(p.port) }));
}
