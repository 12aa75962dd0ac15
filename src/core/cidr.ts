import { IConstruct } from 'constructs';
import * as ipaddr from 'ipaddr.js';
import { invalidProp } from './errors';

/**
 * Checks that `cidr` is an IPv4 or IPv6 network in canonical form (no host
 * bits, no leading zeros, no IPv4-mapped IPv6) and returns its address and
 * prefix length. One check for every CIDR the library takes: NetworkPolicy
 * peers, and the allowlists its guards compare with Kubernetes CEL's
 * `cidr()`, which refuses IPv4-mapped IPv6 and leading zeros too.
 */
export function checkCidr(scope: IConstruct, prop: string, cidr: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  const valid = typeof cidr === 'string' && (ipaddr.IPv4.isValidCIDRFourPartDecimal(cidr) || ipaddr.IPv6.isValidCIDR(cidr));
  if (!valid) {
    throw invalidProp(scope, prop, cidr, "must be an IPv4 or IPv6 network with a prefix length, e.g. '10.0.0.0/16' or '2001:db8::/32'.");
  }
  const [address, bits] = ipaddr.parseCIDR(cidr);
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    throw invalidProp(scope, prop, cidr, 'is an IPv4-mapped IPv6 network, which Kubernetes does not accept.', 'Write the IPv4 network instead.');
  }
  const canonical = `${networkAddress(address, bits)}/${bits}`;
  if (canonical !== cidr) {
    throw invalidProp(scope, prop, cidr, `has host bits set or is not in canonical form; the network is '${canonical}'.`, `Use '${canonical}'.`);
  }
  return [address, bits];
}

function networkAddress(address: ipaddr.IPv4 | ipaddr.IPv6, bits: number): string {
  return address.kind() === 'ipv4'
    ? ipaddr.IPv4.networkAddressFromCIDR(`${address.toString()}/${bits}`).toString()
    : ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/${bits}`).toString();
}
