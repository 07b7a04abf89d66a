import { isIP } from 'node:net'

/**
 * Why an address is not a public internet address. Webhooks go to staff systems on the internet;
 * an endpoint that points inside (the host itself, the office LAN, the cloud metadata service at
 * 169.254.169.254 or Alibaba's 100.100.100.200) is refused unless its config says
 * `allowPrivate: true`.
 */
export type AddressKind =
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unspecified'
  | 'shared'
  | 'multicast'
  | 'broadcast'
  | 'reserved'

type V4Range = readonly [base: string, bits: number, kind: AddressKind]

/** IPv4 ranges that are not the public internet (RFC 6890), the most specific first. */
const V4_RANGES: readonly V4Range[] = [
  ['255.255.255.255', 32, 'broadcast'],
  // "This network": connecting to 0.0.0.0 reaches the host itself on Linux.
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  // Carrier-grade NAT (RFC 6598); Alibaba Cloud's metadata service lives here.
  ['100.64.0.0', 10, 'shared'],
  ['127.0.0.0', 8, 'loopback'],
  // Link-local, with the cloud metadata address 169.254.169.254.
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
]

const V4_TABLE = V4_RANGES.map(([base, bits, kind]) => ({
  base: v4Number(base) as number,
  mask: bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0,
  kind,
}))

/**
 * What kind of non-public address `address` is, or undefined for a public address. IPv6 forms
 * that carry an IPv4 address (mapped `::ffff:a.b.c.d`, the old compatible `::a.b.c.d`, NAT64
 * `64:ff9b::/96` and 6to4 `2002::/16`) are judged by the IPv4 address inside. Anything that is
 * not an IP address at all is `reserved`: unknown input fails closed.
 */
export function classifyAddress(address: string): AddressKind | undefined {
  const plain = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address
  const version = isIP(plain)
  if (version === 4) return classifyV4(v4Number(plain) as number)
  if (version === 6) {
    const bytes = v6Bytes(plain)
    return bytes ? classifyV6(bytes) : 'reserved'
  }
  return 'reserved'
}

function classifyV4(n: number): AddressKind | undefined {
  for (const range of V4_TABLE) if ((n & range.mask) >>> 0 === range.base) return range.kind
  return undefined
}

function classifyV6(b: number[]): AddressKind | undefined {
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0)
  const v4At = (i: number) =>
    (((b[i] as number) << 24) |
      ((b[i + 1] as number) << 16) |
      ((b[i + 2] as number) << 8) |
      (b[i + 3] as number)) >>>
    0
  if (zeros(0, 16)) return 'unspecified'
  if (zeros(0, 15) && b[15] === 1) return 'loopback'
  // ::ffff:a.b.c.d reaches the IPv4 address on a dual-stack socket.
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return classifyV4(v4At(12))
  // ::a.b.c.d (deprecated "IPv4-compatible"): nothing public uses it.
  if (zeros(0, 12)) return classifyV4(v4At(12)) ?? 'reserved'
  const word = (i: number) => ((b[2 * i] as number) << 8) | (b[2 * i + 1] as number)
  // NAT64 (RFC 6052) translates to the IPv4 address inside; the local-use prefix is private.
  if (word(0) === 0x64 && word(1) === 0xff9b && zeros(4, 12)) return classifyV4(v4At(12))
  if (word(0) === 0x64 && word(1) === 0xff9b && word(2) === 1) return 'private'
  // 6to4 carries the IPv4 address in bits 16-47.
  if (word(0) === 0x2002) return classifyV4(v4At(2))
  const first = word(0)
  if ((first & 0xfe00) === 0xfc00) return 'private' // unique local fc00::/7
  if ((first & 0xffc0) === 0xfe80) return 'link-local' // fe80::/10
  if ((first & 0xffc0) === 0xfec0) return 'private' // site-local fec0::/10 (deprecated)
  if ((first & 0xff00) === 0xff00) return 'multicast' // ff00::/8
  if (first === 0x0100 && zeros(2, 8)) return 'reserved' // discard-only 100::/64
  if (first === 0x2001 && word(1) === 0x0db8) return 'reserved' // documentation 2001:db8::/32
  return undefined
}

function v4Number(text: string): number | undefined {
  const parts = text.split('.')
  if (parts.length !== 4) return undefined
  let n = 0
  for (const part of parts) {
    const octet = Number(part)
    if (!/^\d{1,3}$/.test(part) || octet > 255) return undefined
    n = n * 256 + octet
  }
  return n
}

/** The 16 bytes of an IPv6 address already accepted by `isIP` (a zone id is ignored). */
function v6Bytes(address: string): number[] | undefined {
  let text = address.split('%')[0] as string
  // A dotted IPv4 tail becomes two hex groups.
  const lastColon = text.lastIndexOf(':')
  const tail = text.slice(lastColon + 1)
  if (tail.includes('.')) {
    const n = v4Number(tail)
    if (n === undefined) return undefined
    text = `${text.slice(0, lastColon + 1)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`
  }
  const [head = '', rest] = text.split('::')
  const groups = (s: string) => (s === '' ? [] : s.split(':'))
  const left = groups(head)
  const right = rest === undefined ? [] : groups(rest)
  const fill = rest === undefined ? 0 : 8 - left.length - right.length
  const all = [...left, ...Array<string>(fill).fill('0'), ...right]
  if (all.length !== 8) return undefined
  return all.flatMap((g) => {
    const v = Number.parseInt(g, 16)
    return [v >> 8, v & 0xff]
  })
}

/** The URL's host when it is a literal IP address (brackets removed), else undefined. */
export function literalAddress(url: URL): string | undefined {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  return isIP(host) ? host : undefined
}
