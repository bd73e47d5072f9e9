// One DID resolver for issuer and verifier: did:web, did:key, did:jwk, with a TTL cache and shared in-flight fetches.
import { deepFreeze } from '../json.ts'
import type { DIDDocument, DIDResolutionResult, DIDResolver } from 'did-resolver'
import type { Clock } from '../clock.ts'
import { resolveDidJwk } from './did-jwk.ts'
import { resolveDidKey } from './did-key.ts'
import { resolveDidWeb } from './did-web.ts'
import { DidResolutionError } from './types.ts'
import type { DidDocument, DidResolutionErrorCode } from './types.ts'

export { DidResolutionError } from './types.ts'
export type { DidResolutionErrorCode } from './types.ts'

/** Resolver settings. */
export interface DidResolverOptions {
  /** Development only: resolve `did:web:localhost%3A<port>` over plain http to loopback. */
  allowInsecureLocalhost: boolean
  /** Deadline for one did:web fetch (connect, headers and body), in milliseconds. */
  timeoutMs: number
  /** Largest DID document accepted, in bytes. */
  maxBytes: number
  /** How long a resolved document is reused, in seconds (SECURITY.md #33: bounds how long a removed key still verifies). 0 disables caching. */
  cacheTtlSeconds: number
  /**
   * {@link DidResolver.refresh} refetches a DID at most once per this many seconds (default 30): an unknown
   * `kid` may be a key added since the document was cached, but a flood of unknown kids is not a flood of fetches.
   */
  refreshIntervalSeconds?: number
  /** The deployment's configured origins (CB_PUBLIC_URL…): a localhost did:web at one of them is fetched with its scheme. */
  knownOrigins?: readonly URL[]
  clock: Clock
}

/** Default of {@link DidResolverOptions.refreshIntervalSeconds}. */
export const DEFAULT_DID_REFRESH_SECONDS = 30

/** Resolves DIDs to checked, deeply frozen DID documents. */
export interface DidResolver {
  /** @throws DidResolutionError */
  resolve(did: string): Promise<DidDocument>
  /**
   * Makes the next resolve of `did` fetch its document again, unless it was fetched less than
   * `refreshIntervalSeconds` ago (then it is a no-op: what was just fetched is what a refetch would see).
   * For a `kid` the cached document does not list.
   */
  refresh(did: string): void
  /**
   * With a DID: the same as {@link refresh} (rate-limited per DID). Without: drops every cached document
   * at once, unconditionally (e.g. after a key rotation is announced).
   */
  invalidate(did?: string): void
}

/** Longest DID accepted; real ones are far shorter, and the cap bounds the work on hostile input. */
const MAX_DID_LENGTH = 2048
/** DIDs come from untrusted credentials, so the cache is bounded (least recently used evicted). */
const MAX_CACHED_DOCUMENTS = 1000
/** DID Core §3.1 ABNF: did:<method>:<method-specific-id>, idchar = ALPHA / DIGIT / "." / "-" / "_" / pct-encoded. */
const DID_SYNTAX = /^did:([a-z0-9]+):(?:(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})*:)*(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})+$/

/**
 * Creates a resolver. Failures are never cached; concurrent resolves of one DID share one fetch.
 * @example
 *   const resolver = createDidResolver({ allowInsecureLocalhost: false, timeoutMs: 5000, maxBytes: 262144, cacheTtlSeconds: 300, clock: systemClock })
 *   const doc = await resolver.resolve('did:web:bank.example')
 */
export function createDidResolver(opts: DidResolverOptions): DidResolver {
  const cache = new Map<string, { document: DidDocument; expiresAtMs: number; fetchedAtMs: number }>()
  const refreshIntervalMs = (opts.refreshIntervalSeconds ?? DEFAULT_DID_REFRESH_SECONDS) * 1000
  const inflight = new Map<string, Promise<DidDocument>>()
  // A fetch started before invalidate() (of everything) must not put its (possibly stale) result into the cache.
  let generation = 0

  const refresh = (did: string): void => {
    const hit = cache.get(did)
    // Nothing cached: the next resolve fetches anyway (or shares the fetch in flight, which is fresh).
    if (hit && opts.clock().getTime() - hit.fetchedAtMs >= refreshIntervalMs) cache.delete(did)
  }

  const resolveUncached = async (did: string): Promise<DidDocument> => {
    const match = did.length <= MAX_DID_LENGTH ? DID_SYNTAX.exec(did) : null
    if (!match) throw new DidResolutionError('invalid_did', `not a DID: ${did.slice(0, 100)}`)
    switch (match[1]) {
      case 'web':
        return resolveDidWeb(did, opts)
      case 'key':
        return resolveDidKey(did)
      case 'jwk':
        return resolveDidJwk(did)
      default:
        throw new DidResolutionError('unsupported_did_method', `DID method ${match[1]} is not supported (web, key, jwk)`)
    }
  }

  return {
    async resolve(did) {
      if (typeof did !== 'string') throw new DidResolutionError('invalid_did', 'DID is not a string')
      const hit = cache.get(did)
      if (hit) {
        cache.delete(did)
        if (opts.clock().getTime() < hit.expiresAtMs) {
          cache.set(did, hit)
          return hit.document
        }
      }
      const pending = inflight.get(did)
      if (pending) return pending

      const started = generation
      const fetching = resolveUncached(did)
        .then((document) => {
          const frozen = deepFreeze(document)
          if (started === generation && opts.cacheTtlSeconds > 0) {
            const fetchedAtMs = opts.clock().getTime()
            cache.set(did, { document: frozen, expiresAtMs: fetchedAtMs + opts.cacheTtlSeconds * 1000, fetchedAtMs })
            if (cache.size > MAX_CACHED_DOCUMENTS) cache.delete(cache.keys().next().value!)
          }
          return frozen
        })
        .finally(() => {
          if (inflight.get(did) === fetching) inflight.delete(did)
        })
      inflight.set(did, fetching)
      return fetching
    },
    refresh,
    invalidate(did) {
      if (did !== undefined) return refresh(did)
      generation++
      cache.clear()
      inflight.clear()
    },
  }
}

/** DID Resolution error names (did-resolver v4 / DID Resolution spec) for our codes. */
const RESOLUTION_ERRORS: Record<DidResolutionErrorCode, string> = {
  invalid_did: 'invalidDid',
  unsupported_did_method: 'unsupportedDidMethod',
  did_not_found: 'notFound',
  did_unreachable: 'internalError',
  invalid_did_document: 'invalidDidDocument',
  did_document_id_mismatch: 'invalidDidDocument',
}

/**
 * Adapter for the `did-resolver` package's `Resolver` (Veramo's DIDResolverPlugin takes
 * `new Resolver(registry)`), so Veramo resolves through our hardened path. Our errors become
 * `didResolutionMetadata.error` (plus our `code` and `message`); anything else is rethrown.
 */
export function didResolverRegistry(resolver: DidResolver): Record<string, DIDResolver> {
  const resolve: DIDResolver = async (_did, parsed): Promise<DIDResolutionResult> => {
    try {
      const document = await resolver.resolve(parsed.did)
      return {
        didResolutionMetadata: { contentType: 'application/did+json' },
        // A mutable copy: the cached document stays frozen and untouched by library code.
        didDocument: structuredClone(document) as DIDDocument,
        didDocumentMetadata: {},
      }
    } catch (e) {
      if (!(e instanceof DidResolutionError)) throw e
      return {
        didResolutionMetadata: { error: RESOLUTION_ERRORS[e.code], code: e.code, message: e.message },
        didDocument: null,
        didDocumentMetadata: {},
      }
    }
  }
  return { web: resolve, key: resolve, jwk: resolve }
}
