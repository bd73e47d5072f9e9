// did:web <-> URL mapping (did:web method spec §3.2), shared by the issuer (its own DID) and the resolver.
import { isLocalhostName } from '../net/safe-fetch.ts'
import { DidResolutionError } from './types.ts'

/** The did:web DID for a public origin (+ optional path): https://bank.example/jiangsu → did:web:bank.example:jiangsu */
export function didWebFromUrl(url: URL): string {
  const host = url.port ? `${url.hostname}%3A${url.port}` : url.hostname
  const path = url.pathname.split('/').filter(Boolean)
  return ['did:web', host, ...path.map(encodeURIComponent)].join(':')
}

/** Percent-decodes one did:web part; malformed encoding (`%zz`, a lone `%`, invalid UTF-8) is a bad DID, not a crash. */
function decodePart(part: string, did: string): string {
  try {
    return decodeURIComponent(part)
  } catch (err) {
    throw new DidResolutionError('invalid_did', `did:web has malformed percent-encoding: ${did.slice(0, 100)}`, { cause: err })
  }
}

/**
 * The host (with `:port`) a did:web DID names: `did:web:localhost%3A4000:x` → `localhost:4000`.
 * @throws DidResolutionError `invalid_did` when it is not a did:web or its host is malformed percent-encoding.
 */
export function didWebHost(did: string): string {
  if (!did.startsWith('did:web:')) throw new DidResolutionError('invalid_did', `not a did:web DID: ${did.slice(0, 100)}`)
  const host = decodePart(did.slice('did:web:'.length).split(':')[0] ?? '', did)
  if (host === '') throw new DidResolutionError('invalid_did', `did:web has no host: ${did.slice(0, 100)}`)
  return host
}

/**
 * The URL of a did:web DID's document: root → /.well-known/did.json, path → /<path>/did.json.
 * Only percent-encoded ':' is decoded in the host (the spec's port form); anything else that
 * decodes to a delimiter is refused by the resolver's syntax check before this is called.
 * @throws DidResolutionError `invalid_did` for a DID that is not did:web or is malformed percent-encoding.
 */
export function didWebDocumentUrl(did: string, scheme: 'https' | 'http' = 'https'): URL {
  const [method, , host, ...path] = did.split(':')
  if (method !== 'did' || !host) throw new DidResolutionError('invalid_did', `not a did:web DID: ${did.slice(0, 100)}`)
  const origin = `${scheme}://${host.replace(/%3A/i, ':')}`
  const pathname = path.length ? `/${path.map((p) => decodePart(p, did)).join('/')}/did.json` : '/.well-known/did.json'
  try {
    return new URL(pathname, origin)
  } catch (err) {
    throw new DidResolutionError('invalid_did', `did:web does not name a URL: ${did.slice(0, 100)}`, { cause: err })
  }
}

/** What decides the scheme of a did:web fetch. */
export interface DidWebSchemePolicy {
  /** CB_ALLOW_INSECURE_LOCALHOST: localhost names may be fetched at all, and over plain http. */
  allowInsecureLocalhost: boolean
  /**
   * Origins this deployment is configured with (CB_PUBLIC_URL, CB_VERIFIER_PUBLIC_URL, CB_WALLET_PUBLIC_URL).
   * A localhost did:web at one of them is fetched with that origin's scheme.
   */
  knownOrigins?: readonly URL[]
}

/**
 * The scheme a did:web document is fetched with (issue 5 #9). The rule:
 * - any host that is not a localhost name (RFC 6761): https, always;
 * - a localhost host:port that is one of the configured origins: that origin's scheme, so a bank configured
 *   at `https://localhost:4000` resolves `did:web:localhost%3A4000` over https;
 * - any other localhost host:port: http when CB_ALLOW_INSECURE_LOCALHOST, else https (and the resolver
 *   refuses loopback DIDs outside development anyway).
 * CB_ALLOW_INSECURE_LOCALHOST allows http; it never turns a configured https origin into http.
 */
export function didWebScheme(host: string, policy: DidWebSchemePolicy): 'https' | 'http' {
  const hostname = host.replace(/:\d+$/, '')
  if (!isLocalhostName(hostname)) return 'https'
  const known = policy.knownOrigins?.find((origin) => sameHost(origin, host))
  if (known) return known.protocol === 'http:' && policy.allowInsecureLocalhost ? 'http' : 'https'
  return policy.allowInsecureLocalhost ? 'http' : 'https'
}

/** Whether `host` (`name[:port]`) is the origin's host, default ports included (`localhost:443` is `https://localhost`). */
function sameHost(origin: URL, host: string): boolean {
  try {
    return new URL(`${origin.protocol}//${host}`).host === origin.host
  } catch {
    return false
  }
}
