import ipaddr from 'ipaddr.js';

/**
 * Whether a webhook may be delivered to this IP address: only to the public internet, never to the
 * server's own host or network (loopback, private, link-local, unique-local, carrier-grade NAT,
 * multicast, unspecified, reserved), which a customer could otherwise reach through Bilby (SSRF).
 * An IPv6 address that carries an IPv4 one (mapped) is judged by the IPv4 address.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) parsed = v6.toIPv4Address();
    // ::a.b.c.d (IPv4-compatible, deprecated): never a public host's address, and some stacks reach a.b.c.d through it.
    else if (v6.parts.slice(0, 6).every((part) => part === 0)) return false;
  }
  return parsed.range() === 'unicast';
}
