/**
 * One rendered NetworkPolicy rule: its peers and, when limited, its ports.
 */
export interface NetworkPolicyRule {
  readonly peers: Record<string, unknown>[];
  readonly ports?: { protocol: string; port: number; endPort?: number }[];
}
