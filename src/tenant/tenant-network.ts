import { IConstruct } from 'constructs';
import * as ipaddr from 'ipaddr.js';
import { checkCidr } from '../core/cidr';
import { invalidProp } from '../core/errors';
import { TENANT_LABEL } from '../core/labels';
import { checkDnsLabel, checkLabel } from '../core/names';
import { NetworkPolicyRule } from './internal/network';

/**
 * The instance metadata endpoints (EC2 and most clouds, IPv4 and EC2's IPv6):
 * a pod reaching them gets the node's credentials.
 */
const METADATA_ENDPOINTS = ['169.254.169.254/32', 'fd00:ec2::254/128'];

/**
 * A port (or port range) a peer rule is limited to.
 */
export class TenantPort {
  /**
   * A TCP port.
   */
  public static tcp(port: number): TenantPort {
    return new TenantPort('TCP', port);
  }

  /**
   * A UDP port.
   */
  public static udp(port: number): TenantPort {
    return new TenantPort('UDP', port);
  }

  /**
   * A range of TCP ports, both ends included.
   */
  public static tcpRange(startPort: number, endPort: number): TenantPort {
    return new TenantPort('TCP', startPort, endPort);
  }

  private constructor(
    /** @internal */ public readonly _protocol: string,
    /** @internal */ public readonly _port: number,
    /** @internal */ public readonly _endPort?: number,
  ) {}

  /** @internal */
  public _render(scope: IConstruct, prop: string): { protocol: string; port: number; endPort?: number } {
    for (const p of [this._port, this._endPort]) {
      if (p !== undefined && (!Number.isInteger(p) || p < 1 || p > 65535)) {
        throw invalidProp(scope, `${prop} port`, p, 'must be a whole number from 1 to 65535.');
      }
    }
    if (this._endPort !== undefined && this._endPort < this._port) {
      throw invalidProp(scope, `${prop} endPort`, this._endPort, `must be at least the start port ${this._port}.`);
    }
    return this._endPort === undefined
      ? { protocol: this._protocol, port: this._port }
      : { protocol: this._protocol, port: this._port, endPort: this._endPort };
  }
}

/**
 * Something a tenant may exchange traffic with besides its own namespaces.
 * Everything not declared stays denied.
 */
export class TenantPeer {
  /**
   * All namespaces of another tenant, selected by the tenant label (which
   * tenants cannot set on their own namespaces).
   *
   * @param ports limit to these ports. @default all ports
   */
  public static tenant(name: string, ports?: TenantPort[]): TenantPeer {
    return new TenantPeer({ tenant: name }, ports);
  }

  /**
   * A namespace that is not a tenant's, e.g. the ingress controller's.
   *
   * @param podLabels only pods with these labels in that namespace. @default all pods of the namespace
   * @param ports limit to these ports. @default all ports
   */
  public static namespace(name: string, podLabels?: { [key: string]: string }, ports?: TenantPort[]): TenantPeer {
    return new TenantPeer({ namespace: name, podLabels }, ports);
  }

  /**
   * Addresses outside the cluster's pod network. An egress CIDR that contains
   * the cloud metadata endpoint gets it excluded, unless the tenant's network
   * options allow it.
   *
   * @param cidr an IPv4 or IPv6 network in canonical form, e.g. `10.0.0.0/16`.
   * @param ports limit to these ports. @default all ports
   */
  public static cidr(cidr: string, ports?: TenantPort[]): TenantPeer {
    return new TenantPeer({ cidr }, ports);
  }

  private constructor(
    private readonly target: { tenant?: string; namespace?: string; podLabels?: { [key: string]: string }; cidr?: string },
    private readonly ports?: TenantPort[],
  ) {}

  /**
   * Renders the NetworkPolicy rule for this peer.
   *
   * @internal
   */
  public _render(scope: IConstruct, prop: string, options: { egress: boolean; allowMetadataEndpoint: boolean }): NetworkPolicyRule {
    const ports = this.ports?.map((p, i) => p._render(scope, `${prop} ports[${i}]`));
    const rule = (peer: Record<string, unknown>): NetworkPolicyRule => (ports && ports.length > 0 ? { peers: [peer], ports } : { peers: [peer] });
    const { tenant, namespace, podLabels, cidr } = this.target;
    if (tenant !== undefined) {
      checkDnsLabel(scope, `${prop} tenant`, tenant);
      return rule({ namespaceSelector: { matchLabels: { [TENANT_LABEL]: tenant } } });
    }
    if (namespace !== undefined) {
      checkDnsLabel(scope, `${prop} namespace`, namespace);
      const peer: Record<string, unknown> = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } };
      if (podLabels && Object.keys(podLabels).length > 0) {
        for (const [k, v] of Object.entries(podLabels)) checkLabel(scope, `${prop} podLabels`, k, v);
        peer.podSelector = { matchLabels: { ...podLabels } };
      }
      return rule(peer);
    }
    return rule({ ipBlock: renderIpBlock(scope, `${prop} cidr`, cidr!, options.egress && !options.allowMetadataEndpoint) });
  }
}

/**
 * Where the cluster's DNS answers; tenants may send DNS queries there and
 * nowhere else.
 */
export class ClusterDns {
  /**
   * CoreDNS / kube-dns as installed by EKS, kubeadm and most distributions:
   * pods labelled `k8s-app: kube-dns` in `kube-system`.
   */
  public static readonly KUBE_DNS = new ClusterDns({ namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } });

  /**
   * DNS pods with other labels or in another namespace.
   */
  public static pods(namespace: string, podLabels: { [key: string]: string }): ClusterDns {
    return new ClusterDns({ namespace, podLabels });
  }

  /**
   * A node-local DNS cache listening on a link-local address (e.g.
   * `169.254.20.10/32` for NodeLocal DNSCache).
   */
  public static nodeLocal(cidr: string): ClusterDns {
    return new ClusterDns({ cidr });
  }

  private constructor(private readonly target: { namespace?: string; podLabels?: { [key: string]: string }; cidr?: string }) {}

  /**
   * The one peer of the DNS egress rule. For pods it ANDs the namespace and
   * the pod selector in a single peer: two peers would open all of
   * kube-system, or every namespace's pods that carry the DNS label.
   *
   * @internal
   */
  public _renderPeer(scope: IConstruct): Record<string, unknown> {
    const { namespace, podLabels, cidr } = this.target;
    if (cidr !== undefined) {
      return { ipBlock: renderIpBlock(scope, 'network.clusterDns cidr', cidr, false) };
    }
    checkDnsLabel(scope, 'network.clusterDns namespace', namespace!);
    if (!podLabels || Object.keys(podLabels).length === 0) {
      throw invalidProp(scope, 'network.clusterDns podLabels', podLabels ?? {}, 'must select the DNS pods with at least one label; an empty selector would allow every pod of the namespace.');
    }
    for (const [k, v] of Object.entries(podLabels)) checkLabel(scope, 'network.clusterDns podLabels', k, v);
    return {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
      podSelector: { matchLabels: { ...podLabels } },
    };
  }
}

/**
 * Network isolation of a tenant. Whatever is set, the tenant's namespaces
 * deny all ingress and egress by default, may reach the cluster DNS, and talk
 * freely among themselves.
 */
export interface TenantNetworkOptions {
  /**
   * Who else may open connections to the tenant's pods.
   *
   * @default - only the tenant's own namespaces
   */
  readonly ingressFrom?: TenantPeer[];

  /**
   * What else the tenant's pods may connect to. Note that the API server,
   * other tenants and the internet are all denied until listed here.
   *
   * @default - only the tenant's own namespaces and the cluster DNS
   */
  readonly egressTo?: TenantPeer[];

  /**
   * Where the cluster DNS answers.
   *
   * @default ClusterDns.KUBE_DNS
   */
  readonly clusterDns?: ClusterDns;

  /**
   * Let egress CIDRs reach the cloud instance metadata endpoint
   * (169.254.169.254, fd00:ec2::254), which hands out the node's credentials.
   * With IMDSv2 and a hop limit of 1 (the EKS default for managed node
   * groups) pods cannot use it anyway; this keeps it closed on every cluster.
   *
   * @default false
   */
  readonly allowMetadataEndpoint?: boolean;
}

function renderIpBlock(scope: IConstruct, prop: string, cidr: string, excludeMetadata: boolean): { cidr: string; except?: string[] } {
  const [address, bits] = checkCidr(scope, prop, cidr);
  if (!excludeMetadata) {
    return { cidr };
  }
  const except = METADATA_ENDPOINTS.filter((m) => {
    const [mAddr, mBits] = ipaddr.parseCIDR(m);
    return mAddr.kind() === address.kind() && mAddr.match(address, bits) && mBits > bits;
  });
  const blocked = METADATA_ENDPOINTS.find((m) => {
    const [mAddr, mBits] = ipaddr.parseCIDR(m);
    return mAddr.kind() === address.kind() && mBits === bits && mAddr.match(address, bits);
  });
  if (blocked) {
    throw invalidProp(scope, prop, cidr, 'is the cloud metadata endpoint, which hands out the node\'s credentials.',
      'Set network.allowMetadataEndpoint to true if this tenant really needs it.');
  }
  return except.length > 0 ? { cidr, except } : { cidr };
}
