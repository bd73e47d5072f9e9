// Fetches, verifies and caches Bitstring Status List credentials for the status check (BSL v1.0 §3.2 validate).
import { CodedError } from '../errors.ts'
import type { Clock } from '../clock.ts'
import type { DidResolver } from '../did/resolver.ts'
import { FetchError, safeFetch, type SafeFetchOptions, type SafeFetchResponse } from '../net/safe-fetch.ts'
import { BitstringError, decodeBitstring } from '../status/bitstring.ts'
import { issuerOf } from '../credentials/types.ts'
import { isPlainObject } from '../json.ts'
import type { Canonicalizer } from '../proofs/canonicalizer.ts'
import { FormatError } from '../proofs/jws.ts'
import { decodeCredential } from './decode-credential.ts'
import { verifyDataIntegrityProof, verifyJwsProof } from './verify-proof.ts'

/**
 * What the client asks for: the vc+jwt first (a signature over bytes checks faster than canonicalizing
 * JSON-LD), the JSON form with a Data Integrity proof otherwise (what most other issuers publish).
 */
export const STATUS_LIST_ACCEPT =
  'application/vc+jwt, application/vc+ld+json;q=0.9, application/vc;q=0.9, application/ld+json;q=0.8, application/json;q=0.8'

/** BSL error names, as the spec's verification algorithm raises them. */
export type StatusListErrorCode =
  'STATUS_RETRIEVAL_ERROR' | 'STATUS_VERIFICATION_ERROR' | 'STATUS_LIST_LENGTH_ERROR' | 'RANGE_ERROR' | 'MALFORMED_VALUE_ERROR'

export class StatusListError extends CodedError<StatusListErrorCode> {}

export interface StatusList {
  readonly bits: Uint8Array
  readonly statusPurpose: string
}

interface Entry {
  list: StatusList
  issuer: string
  etag?: string
  expiresAt: number
}

export interface StatusListClientOptions {
  resolver: DidResolver
  clock: Clock
  allowInsecureLocalhost: boolean
  timeoutMs: number
  maxBytes: number
  /** Upper bound on caching, whatever Cache-Control says. */
  maxCacheSeconds: number
  /** Where Data Integrity lists are canonicalized (the verifier's worker pool); default the caller's thread. */
  canonicalizer?: Canonicalizer
  /** Decompressed bitstring cap (gzip bombs). */
  maxDecodedBytes?: number
  /** How a list is fetched; default {@link safeFetch}. Tests and test vectors serve lists from memory through it. */
  fetch?: (url: URL, options: SafeFetchOptions) => Promise<SafeFetchResponse>
}

export class StatusListClient {
  private readonly cache = new Map<string, Entry>()
  private readonly inflight = new Map<string, Promise<Entry>>()
  constructor(private readonly opts: StatusListClientOptions) {}

  /** The verified list at `url`, which must be signed by `issuer` (SECURITY.md #55). Fails closed. */
  async get(url: string, issuer: string): Promise<StatusList> {
    const now = this.opts.clock().getTime()
    const cached = this.cache.get(url)
    if (cached && cached.expiresAt > now && cached.issuer === issuer) return cached.list
    let pending = this.inflight.get(url)
    if (!pending) {
      pending = this.fetchAndVerify(url, issuer, cached).finally(() => this.inflight.delete(url))
      this.inflight.set(url, pending)
    }
    const entry = await pending
    if (entry.issuer !== issuer)
      throw new StatusListError('STATUS_VERIFICATION_ERROR', `the status list at ${url} is not issued by ${issuer}`)
    return entry.list
  }

  private async fetchAndVerify(url: string, issuer: string, previous: Entry | undefined): Promise<Entry> {
    let res
    try {
      res = await (this.opts.fetch ?? safeFetch)(new URL(url), {
        timeoutMs: this.opts.timeoutMs,
        maxBytes: this.opts.maxBytes,
        allowInsecureLocalhost: this.opts.allowInsecureLocalhost,
        accept: STATUS_LIST_ACCEPT,
        ...(previous?.etag && previous.issuer === issuer ? { ifNoneMatch: previous.etag } : {}),
      })
    } catch (err) {
      if (err instanceof FetchError)
        throw new StatusListError('STATUS_RETRIEVAL_ERROR', `status list ${url} could not be fetched: ${err.code}`)
      throw err
    }
    const maxAge = Math.min(this.opts.maxCacheSeconds, parseMaxAge(res.headers['cache-control']))
    const expiresAt = this.opts.clock().getTime() + maxAge * 1000
    if (res.status === 304 && previous) {
      const entry = { ...previous, expiresAt }
      this.cache.set(url, entry)
      return entry
    }
    if (res.status !== 200) throw new StatusListError('STATUS_RETRIEVAL_ERROR', `status list ${url} answered HTTP ${res.status}`)
    const list = await this.verify(res.body.toString('utf8').trim(), url, issuer)
    const entry: Entry = { list, issuer, ...(res.headers.etag ? { etag: res.headers.etag } : {}), expiresAt }
    this.cache.set(url, entry)
    return entry
  }

  /** A list is a compact vc+jwt or a JSON credential with a Data Integrity proof, told apart by its first character. */
  private async verify(body: string, url: string, issuer: string): Promise<StatusList> {
    const credential = body.startsWith('{') ? await this.verifyDataIntegrity(body, url, issuer) : await this.verifyJwt(body, url, issuer)
    return this.readList(credential, url)
  }

  private async verifyJwt(token: string, url: string, issuer: string): Promise<Record<string, unknown>> {
    let decoded
    try {
      decoded = decodeCredential(token)
    } catch (err) {
      if (err instanceof FormatError)
        throw new StatusListError('STATUS_VERIFICATION_ERROR', `status list ${url} is not a vc+jwt credential: ${err.message}`)
      throw err
    }
    if (decoded.kind !== 'jwt' || decoded.model !== 'v2')
      throw new StatusListError('STATUS_VERIFICATION_ERROR', `status list ${url} must be a vc+jwt`)
    const c = decoded.credential
    assertIssuer(c, url, issuer)
    const proof = await verifyJwsProof(decoded.jws, issuer, 'assertionMethod', this.opts.resolver)
    if (proof.status !== 'passed') throw new StatusListError('STATUS_VERIFICATION_ERROR', `status list ${url} signature: ${proof.message}`)
    return c
  }

  /**
   * A JSON BitstringStatusListCredential secured with Data Integrity, by a key of `issuer` under assertionMethod. The
   * proof check also holds it to the compact form of its allow-listed contexts (core/proofs/compact-form.ts), so what
   * is read afterwards by name is what the proof covers.
   */
  private async verifyDataIntegrity(text: string, url: string, issuer: string): Promise<Record<string, unknown>> {
    const invalid = (why: string): StatusListError => new StatusListError('STATUS_VERIFICATION_ERROR', `status list ${url} ${why}`)
    let c: unknown
    try {
      c = JSON.parse(text)
    } catch {
      throw invalid('is neither a vc+jwt nor JSON')
    }
    if (!isPlainObject(c)) throw invalid('is not a JSON object')
    if (!('proof' in c)) throw invalid('has no proof')
    assertIssuer(c, url, issuer)
    const proof = await verifyDataIntegrityProof(c, issuer, 'assertionMethod', this.opts.resolver, this.opts.clock(), {
      canonicalizer: this.opts.canonicalizer,
    })
    if (proof.status !== 'passed') throw invalid(`proof: ${proof.message ?? proof.reason ?? 'does not verify'}`)
    return c
  }

  /** BSL §3.2 steps shared by both forms: type, validity, the decoded bitstring (capped: gzip bombs). */
  private readList(c: Record<string, unknown>, url: string): StatusList {
    const types = Array.isArray(c.type) ? c.type : [c.type]
    const subject = c.credentialSubject as Record<string, unknown> | undefined
    if (!types.includes('BitstringStatusListCredential') || subject?.type !== 'BitstringStatusList')
      throw new StatusListError('STATUS_VERIFICATION_ERROR', `${url} is not a BitstringStatusListCredential`)
    const now = this.opts.clock().getTime()
    if (typeof c.validUntil === 'string' && Date.parse(c.validUntil) < now)
      throw new StatusListError('STATUS_VERIFICATION_ERROR', `status list ${url} expired at ${c.validUntil}`)
    try {
      return {
        bits: decodeBitstring(subject.encodedList, this.opts.maxDecodedBytes ?? 16 * 1024 * 1024),
        statusPurpose: String(subject.statusPurpose),
      }
    } catch (err) {
      if (err instanceof BitstringError) throw new StatusListError(err.code, `status list ${url}: ${err.message}`)
      throw err
    }
  }
}

/** SECURITY.md #55: the list must be issued by the credential's issuer (checked before any signature work). */
function assertIssuer(c: Record<string, unknown>, url: string, issuer: string): void {
  const listIssuer = issuerOf(c)
  if (listIssuer !== issuer)
    throw new StatusListError(
      'STATUS_VERIFICATION_ERROR',
      `status list ${url} is issued by ${String(listIssuer)}, not by the credential's issuer ${issuer}`,
    )
}

function parseMaxAge(cacheControl: string | undefined): number {
  if (!cacheControl || /no-store|no-cache/.test(cacheControl)) return 0
  const m = /max-age=(\d+)/.exec(cacheControl)
  return m ? Number(m[1]) : 0
}
