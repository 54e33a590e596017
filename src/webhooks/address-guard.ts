import ipaddr from "ipaddr.js";

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** A DNS name: dot-separated labels of letters, digits, `-` (not at either end) and `_`, optional final dot. */
const HOST_NAME = /^(?=.{1,253}\.?$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/;

/** Lower case, no IPv6 brackets, no final dot: the form host names are compared in. */
function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  return h.endsWith(".") ? h.slice(0, -1) : h;
}

/** An allow-list entry as an address range, or null when it is a host name; RangeError when malformed. */
function parseEntry(entry: string): [Address, number] | null {
  const [ip, prefix, ...rest] = entry.split("/");
  const cidr = prefix !== undefined;
  const malformed = () => new RangeError(`malformed webhook allow-list entry "${entry}": expected a host name, an IP address or a CIDR`);
  if (rest.length > 0 || (cidr && !/^\d{1,3}$/.test(prefix))) throw malformed();
  if (ipaddr.IPv6.isValid(ip)) {
    const parsed = ipaddr.IPv6.parse(ip);
    if (parsed.zoneId || (cidr && Number(prefix) > 128)) throw malformed();
    return [parsed, cidr ? Number(prefix) : 128];
  }
  // Only dotted quads: ipaddr.js would also read "10.1" or "0x7f.1", which nobody means in a config.
  if (ipaddr.IPv4.isValidFourPartDecimal(ip)) {
    if (cidr && Number(prefix) > 32) throw malformed();
    return [ipaddr.IPv4.parse(ip), cidr ? Number(prefix) : 32];
  }
  // A name ending in a number is an IPv4 address to URL parsers ("10.1", "0x7f.1"): a typo here, never a host name.
  if (cidr || /(?:^|\.)(?:\d+|0x[0-9a-f]*)\.?$/.test(ip) || !HOST_NAME.test(ip)) throw malformed();
  return null;
}

/** The address an IPv6 address carries inside it and is reached at: IPv4-mapped and NAT64 (64:ff9b::/96). */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  if (address.isIPv4MappedAddress()) return address.toIPv4Address();
  const p = address.parts;
  if (p[0] === 0x64 && p[1] === 0xff9b && p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0) {
    return new ipaddr.IPv4([p[6] >> 8, p[6] & 0xff, p[7] >> 8, p[7] & 0xff]);
  }
  return null;
}

/**
 * Decides which resolved addresses a webhook may connect to (the SSRF guard). By default only
 * public unicast addresses pass: loopback, private (RFC 1918), link-local (including the cloud
 * metadata address 169.254.169.254), unique-local, unspecified, carrier-grade NAT, multicast,
 * broadcast, reserved and documentation ranges, 6to4, Teredo and every other special range that
 * ipaddr.js knows are refused. IPv4-mapped IPv6 addresses (and NAT64 64:ff9b::/96) are judged by
 * the IPv4 address inside them.
 *
 * `allow` (for development and tests, e.g. a receiver on loopback) lets through: a host name
 * (exact, case-insensitive; then every address it resolves to passes), an IP address, or a CIDR
 * (IPv4 or IPv6) containing the address. Throws a RangeError on a malformed entry.
 */
export class AddressGuard {
  private readonly hosts = new Set<string>();
  private readonly ranges: [Address, number][] = [];

  constructor(allow: readonly string[]) {
    for (const raw of allow) {
      const entry = normalizeHost(raw);
      const range = parseEntry(entry);
      if (range) this.ranges.push(range);
      else this.hosts.add(entry);
    }
  }

  /**
   * The entries of a comma-separated allow list (the form of `WEBHOOK_ALLOW_HOSTS`), trimmed and
   * lower-cased, empty ones dropped. Throws a RangeError naming the first malformed entry, so
   * config validation can fail fast.
   */
  static parseAllowList(raw: string): string[] {
    const entries = raw
      .split(",")
      .map(normalizeHost)
      .filter((entry) => entry !== "");
    for (const entry of entries) parseEntry(entry);
    return entries;
  }

  /**
   * null when a webhook for `host` (the URL's host name or IP literal) may connect to `address`
   * (an IP address it resolved to), otherwise why not: the ipaddr.js range name of the address
   * ("loopback", "private", "linkLocal", "uniqueLocal", "unspecified", "carrierGradeNat",
   * "multicast", "broadcast", "reserved", "6to4", "teredo", …; for an IPv4-mapped address, the
   * name of the IPv4 address inside), or "invalid" when `address` is not an IP address.
   */
  refusal(host: string, address: string): string | null {
    if (this.hosts.has(normalizeHost(host))) return null;
    if (!ipaddr.isValid(address)) return "invalid";
    const parsed = ipaddr.parse(address);
    const inner = parsed.kind() === "ipv6" ? embeddedIPv4(parsed as ipaddr.IPv6) : null;
    if (this.allowed(parsed) || (inner && this.allowed(inner))) return null;
    const range = (inner ?? parsed).range();
    return range === "unicast" ? null : range;
  }

  private allowed(address: Address): boolean {
    return this.ranges.some(([network, bits]) => network.kind() === address.kind() && address.match(network, bits));
  }
}
