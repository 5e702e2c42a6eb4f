import { isIPv4, isIPv6 } from 'node:net';

/**
 * The network a client address stands for when requests are counted per client: an IPv4 address
 * itself (also written as an IPv4-mapped IPv6 address, as a dual-stack socket reports IPv4 clients), an
 * IPv6 address's /64 — the smallest block a provider hands one subscriber, who can use any of its
 * 2^64 addresses, so counting single IPv6 addresses would not limit anyone. Anything else is returned
 * as it is.
 */
export function clientNetwork(address: string): string {
  const ip = address.replace(/%.*$/, ''); // an IPv6 zone (fe80::1%eth0) names an interface, not a client
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return address;
  const groups = expandedGroups(ip);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  }
  return `${groups.slice(0, 4).map((group) => group.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address ("2001:db8::1" → 0x2001, 0xdb8, 0, …, 1). */
function expandedGroups(ip: string): number[] {
  // A trailing dotted IPv4 (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) holds the last two groups.
  const dotted = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  const hex = dotted
    ? `${ip.slice(0, dotted.index)}${((Number(dotted[1]) << 8) | Number(dotted[2])).toString(16)}:${((Number(dotted[3]) << 8) | Number(dotted[4])).toString(16)}`
    : ip;
  const [head = '', tail] = hex.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.map((group) => parseInt(group, 16));
}
