// An outbound HTTP GET that cannot be steered at internal hosts: for DID documents, status lists and trust lists.
import { CodedError } from '../errors.ts'
import dns from 'node:dns'
import http from 'node:http'
import https from 'node:https'
import { isIP } from 'node:net'
import type { LookupFunction } from 'node:net'

/** How one fetch is bounded. */
export interface SafeFetchOptions {
  /** Deadline for connect + headers + body together, in milliseconds. */
  timeoutMs: number
  /** Largest body accepted, in bytes; a larger one fails with `too_large`. */
  maxBytes: number
  /** Development only: allow plain http and loopback addresses for `localhost` and `*.localhost`. */
  allowInsecureLocalhost: boolean
  /** The `Accept` request header. */
  accept: string
  /** Sent as `If-None-Match`; a 304 answer is then returned as a response. */
  ifNoneMatch?: string
}

/** A completed response. Non-2xx statuses are returned too: the caller decides what they mean. */
export interface SafeFetchResponse {
  status: number
  /** Response headers, names lower-cased; repeated headers joined with ', '. */
  headers: Record<string, string>
  body: Buffer
}

export type FetchErrorCode = 'forbidden_url' | 'timeout' | 'too_large' | 'redirect' | 'network'

/** Why a fetch produced no response. */
export class FetchError extends CodedError<FetchErrorCode> {}

/** RFC 6761 §6.3: `localhost` and names under `.localhost` are loopback names. */
export function isLocalhostName(hostname: string): boolean {
  const name = hostname.toLowerCase()
  return name === 'localhost' || name.endsWith('.localhost')
}

/**
 * GETs `url` under SECURITY.md B4 #29–#31 (ASVS 1.3.6, 15.3.2): https only (http only for
 * localhost names when `allowInsecureLocalhost`), no IP-literal hosts, no userinfo, no address
 * that resolves into a non-public range, no redirects, one deadline, a capped body.
 * @throws FetchError — never any other error.
 * @example
 *   const res = await safeFetch(new URL('https://bank.example/.well-known/did.json'),
 *     { timeoutMs: 5000, maxBytes: 256 * 1024, allowInsecureLocalhost: false, accept: 'application/did+json' })
 */
export async function safeFetch(url: URL, opts: SafeFetchOptions): Promise<SafeFetchResponse> {
  assertFetchableUrl(url, opts.allowInsecureLocalhost)
  const loopbackAllowed = opts.allowInsecureLocalhost && isLocalhostName(url.hostname)
  const headers: Record<string, string> = {
    accept: opts.accept,
    // The body is counted as it arrives; a compressed body would defeat the cap.
    'accept-encoding': 'identity',
    'user-agent': 'credit-bank',
  }
  if (opts.ifNoneMatch !== undefined) headers['if-none-match'] = opts.ifNoneMatch
  const request = url.protocol === 'https:' ? https.request : http.request

  return new Promise<SafeFetchResponse>((resolve, reject) => {
    let settled = false
    let req: http.ClientRequest
    try {
      req = request(url, { method: 'GET', headers, agent: false, lookup: loopbackAllowed ? localhostLookup : publicOnlyLookup })
    } catch (e) {
      // Node refuses some header values (e.g. an ETag with control characters) synchronously.
      reject(new FetchError('network', `request not sent: ${(e as Error).message}`, { cause: e }))
      return
    }
    const finish = (err: FetchError | undefined, response?: SafeFetchResponse): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (err) {
        req.destroy()
        reject(err)
      } else {
        resolve(response!)
      }
    }
    const timer = setTimeout(() => finish(new FetchError('timeout', `no complete response within ${opts.timeoutMs} ms`)), opts.timeoutMs)

    req.on('error', (e) => finish(e instanceof FetchError ? e : new FetchError('network', `request failed: ${e.message}`, { cause: e })))
    req.on('response', (res) => {
      const status = res.statusCode ?? 0
      const notModified = status === 304 && opts.ifNoneMatch !== undefined
      if (status >= 300 && status < 400 && !notModified) {
        finish(new FetchError('redirect', `redirects are not followed (HTTP ${status})`))
        return
      }
      const declared = res.headers['content-length']
      if (declared !== undefined && Number(declared) > opts.maxBytes) {
        finish(new FetchError('too_large', `response declares ${declared} bytes, limit is ${opts.maxBytes}`))
        return
      }
      const chunks: Buffer[] = []
      let received = 0
      res.on('data', (chunk: Buffer) => {
        if (settled) return
        received += chunk.length
        if (received > opts.maxBytes) {
          finish(new FetchError('too_large', `response exceeds ${opts.maxBytes} bytes`))
          return
        }
        chunks.push(chunk)
      })
      res.on('error', (e) => finish(new FetchError('network', `response failed: ${e.message}`, { cause: e })))
      res.on('close', () => {
        if (!res.complete) finish(new FetchError('network', 'connection closed before the response was complete'))
      })
      res.on('end', () => finish(undefined, { status, headers: flattenHeaders(res.headers), body: Buffer.concat(chunks, received) }))
    })
    req.end()
  })
}

/** Refuses, before any I/O, every URL whose shape alone is unsafe. */
function assertFetchableUrl(url: URL, allowInsecureLocalhost: boolean): void {
  const localhost = isLocalhostName(url.hostname)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowInsecureLocalhost && localhost)) {
    throw new FetchError('forbidden_url', `scheme ${url.protocol} is not allowed for ${url.hostname}`)
  }
  if (url.username !== '' || url.password !== '') throw new FetchError('forbidden_url', 'URLs with userinfo are not allowed')
  // The WHATWG parser has already turned decimal, hex and octal IPv4 forms into dotted quads, and IPv6 is bracketed.
  if (url.hostname === '' || url.hostname.startsWith('[') || isIP(url.hostname) !== 0) {
    throw new FetchError('forbidden_url', `IP-literal or empty host is not allowed: ${url.hostname}`)
  }
  if (localhost && !allowInsecureLocalhost) throw new FetchError('forbidden_url', `${url.hostname} is a loopback name`)
}

type LookupCallback = Parameters<LookupFunction>[2]
type LookupOptions = Parameters<LookupFunction>[1]

/** Answers with the addresses DNS gives, unless any of them is outside the public unicast ranges. */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { family: options.family, hints: options.hints, all: true }, (err, addresses) => {
    if (err) return callback(err, '', 0)
    // One bad address refuses the name: a mixed answer is how DNS-rebinding tricks get in.
    const bad = addresses.find((a) => !isPublicAddress(a.address))
    if (bad) return callback(new FetchError('forbidden_url', `${hostname} resolves to a non-public address`), '', 0)
    answer(options, addresses, callback)
  })
}

/** RFC 6761 §6.3: localhost names are answered with loopback without asking DNS; IPv4 first, as test servers bind 127.0.0.1. */
const localhostLookup: LookupFunction = (_hostname, options, callback) => {
  const all: dns.LookupAddress[] = [
    { address: '127.0.0.1', family: 4 },
    { address: '::1', family: 6 },
  ]
  const wanted = options.family === 4 || options.family === 6 ? all.filter((a) => a.family === options.family) : all
  answer(options, wanted, callback)
}

function answer(options: LookupOptions, addresses: dns.LookupAddress[], callback: LookupCallback): void {
  if (addresses.length === 0) return callback(new FetchError('network', 'name has no addresses'), '', 0)
  if (options.all) return (callback as unknown as (err: null, addresses: dns.LookupAddress[]) => void)(null, addresses)
  callback(null, addresses[0]!.address, addresses[0]!.family)
}

function flattenHeaders(raw: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return out
}

// Non-public IPv4 ranges (IANA special-purpose registry, RFC 6890) as [network, prefix length].
const BLOCKED_V4: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // CGNAT shared space
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
]

/**
 * Whether an address is public unicast. False for loopback, private, link-local, CGNAT,
 * multicast, unspecified, documentation and reserved ranges, IPv6 unique-local and link-local,
 * and IPv6 forms that embed a non-public IPv4 address (mapped, compatible, NAT64, 6to4).
 */
export function isPublicAddress(address: string): boolean {
  const kind = isIP(address)
  if (kind === 4) return isPublicV4(v4ToInt(address))
  if (kind === 6) return isPublicV6(address)
  return false
}

function v4ToInt(address: string): number {
  return address.split('.').reduce((acc, part) => acc * 256 + Number(part), 0)
}

function isPublicV4(ip: number): boolean {
  return !BLOCKED_V4.some(([network, bits]) => {
    const size = 2 ** (32 - bits)
    return Math.floor(ip / size) === Math.floor(v4ToInt(network) / size)
  })
}

function isPublicV6(address: string): boolean {
  const g = parseV6(address)
  if (!g) return false
  const v4At = (i: number): number => g[i]! * 65536 + g[i + 1]!
  const zeroUpTo = (n: number): boolean => g.slice(0, n).every((x) => x === 0)
  if (zeroUpTo(5) && g[5] === 0xffff) return isPublicV4(v4At(6)) // ::ffff:a.b.c.d, IPv4-mapped
  if (zeroUpTo(6)) return false // ::, ::1 and deprecated IPv4-compatible ::a.b.c.d
  if (g[0] === 0x64 && g[1] === 0xff9b) return g.slice(2, 6).every((x) => x === 0) && isPublicV4(v4At(6)) // NAT64
  if (g[0] === 0x2002) return isPublicV4(v4At(1)) // 6to4 embeds the IPv4 address
  const first = g[0]!
  if ((first & 0xfe00) === 0xfc00) return false // fc00::/7 unique-local
  if ((first & 0xffc0) === 0xfe80 || (first & 0xffc0) === 0xfec0) return false // link-local, old site-local
  if ((first & 0xff00) === 0xff00) return false // multicast
  if (first === 0x2001 && g[1] === 0x0db8) return false // documentation
  if (first === 0x0100 && zeroUpTo(4)) return false // 100::/64 discard-only
  return true
}

/** Eight 16-bit groups of a valid IPv6 address (zone index dropped), or undefined. */
function parseV6(address: string): number[] | undefined {
  let text = address.split('%')[0]!.toLowerCase()
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (dotted) {
    const v4 = v4ToInt(dotted[1]!)
    text = `${text.slice(0, dotted.index)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`
  }
  const [head, tail] = text.split('::') as [string, string | undefined]
  const parts = (s: string): number[] => (s === '' ? [] : s.split(':').map((h) => parseInt(h, 16)))
  const left = parts(head)
  const right = tail === undefined ? [] : parts(tail)
  const groups = tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right]
  return groups.length === 8 && groups.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffff) ? groups : undefined
}
