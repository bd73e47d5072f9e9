// The world a verification vector's verifier sees, served from memory: DID documents by DID, status list responses
// by URL, the challenges this verifier issued, its policy, and the instant. Used by vectors.test.ts (and by
// generate.ts, which writes the vectors). Nothing here touches the network.
import { fixedClock } from '../../../core/clock.ts'
import { resolveDidJwk } from '../../../core/did/did-jwk.ts'
import { resolveDidKey } from '../../../core/did/did-key.ts'
import { assertDidDocument, assertDidWebSyntax } from '../../../core/did/did-web.ts'
import type { DidResolver } from '../../../core/did/resolver.ts'
import { DidResolutionError, type DidDocument } from '../../../core/did/types.ts'
import { FetchError, type SafeFetchResponse } from '../../../core/net/safe-fetch.ts'
import { inlineCanonicalizer } from '../../../core/proofs/canonicalizer.ts'
import type { ConsumeChallenge, PresentationOptions } from '../../../core/verification/verify-presentation.ts'
import { OPTIONAL_CREDENTIAL_CHECKS, verifyCredential, type OptionalCredentialCheck } from '../../../core/verification/verify-credential.ts'
import { verifyPresentation } from '../../../core/verification/verify-presentation.ts'
import { StatusListClient } from '../../../core/verification/status-list-client.ts'
import type { VerificationReport } from '../../../core/verification/report.ts'
import type { VerifierContext } from '../../../core/verification/verifier-context.ts'

export interface VectorEnvironment {
  /** did:web documents by DID (did:key and did:jwk resolve from the DID itself). A did:web not listed has none (404). */
  readonly didDocuments: Readonly<Record<string, unknown>>
  /** DIDs and URLs that cannot be reached (a network failure). */
  readonly unreachable?: readonly string[]
  /** Status list responses by URL; a URL not listed answers 404. */
  readonly statusLists?: Readonly<Record<string, { readonly status: number; readonly body: string; readonly contentType: string }>>
  /** What consuming a challenge answers; a challenge not listed is the caller's own (`unknown`). */
  readonly challenges?: Readonly<Record<string, { readonly state: 'ok' | 'expired' | 'used'; readonly domain?: string }>>
  readonly trustedIssuers: readonly string[]
  readonly clockSkewSeconds: number
  readonly maxPresentationCredentials: number
  readonly requireHolderBinding: boolean
}

export interface VerificationVector {
  readonly name: string
  readonly description: string
  readonly kind: 'credential' | 'presentation'
  readonly input: unknown
  /** Credentials: `{ checks?: string[] }` (VC API names are mapped by the HTTP route, not here). Presentations: PresentationOptions. */
  readonly options: Readonly<Record<string, unknown>>
  readonly environment: VectorEnvironment
  /** The instant the verifier runs at (ISO 8601). */
  readonly now: string
  readonly expected: VerificationReport
}

/** A resolver over the vector's DID documents, with the checks the real one makes on syntax and documents. */
function memoryResolver(env: VectorEnvironment): DidResolver {
  const resolve = async (did: string): Promise<DidDocument> => {
    const method = typeof did === 'string' ? /^did:([a-z0-9]+):./.exec(did)?.[1] : undefined
    if (method === undefined) throw new DidResolutionError('invalid_did', `not a DID: ${String(did).slice(0, 100)}`)
    if (method === 'key') return resolveDidKey(did)
    if (method === 'jwk') return resolveDidJwk(did)
    if (method !== 'web') throw new DidResolutionError('unsupported_did_method', `DID method ${method} is not supported (web, key, jwk)`)
    assertDidWebSyntax(did)
    if (env.unreachable?.includes(did)) throw new DidResolutionError('did_unreachable', `DID document of ${did} could not be fetched (network)`)
    const document = env.didDocuments[did]
    if (document === undefined) throw new DidResolutionError('did_not_found', `${did} has no DID document (HTTP 404)`)
    const copy: unknown = structuredClone(document)
    assertDidDocument(copy, did)
    return copy
  }
  return { resolve, refresh: () => undefined, invalidate: () => undefined }
}

/** A verifier context over the vector's environment, at the vector's instant. */
export function vectorContext(env: VectorEnvironment, now: string): VerifierContext {
  const clock = fixedClock(now)
  const resolver = memoryResolver(env)
  const statusLists = new StatusListClient({
    resolver,
    clock,
    allowInsecureLocalhost: false,
    timeoutMs: 1000,
    maxBytes: 1024 * 1024,
    maxCacheSeconds: 0,
    fetch: async (url): Promise<SafeFetchResponse> => {
      if (env.unreachable?.includes(url.href)) throw new FetchError('network', `${url.href} is unreachable`)
      const res = env.statusLists?.[url.href]
      if (!res) return { status: 404, headers: {}, body: Buffer.alloc(0) }
      return { status: res.status, headers: { 'content-type': res.contentType }, body: Buffer.from(res.body, 'utf8') }
    },
  })
  return {
    resolver,
    statusLists,
    clock,
    clockSkewSeconds: env.clockSkewSeconds,
    trustedIssuers: new Set(env.trustedIssuers),
    canonicalizer: inlineCanonicalizer,
    maxPresentationCredentials: env.maxPresentationCredentials,
    requireHolderBinding: env.requireHolderBinding,
  }
}

/** Runs the verifier over a vector, as the vector's environment and options say. */
export async function runVector(v: Omit<VerificationVector, 'expected'>): Promise<VerificationReport> {
  const ctx = vectorContext(v.environment, v.now)
  if (v.kind === 'credential') {
    const checks = v.options.checks as readonly string[] | undefined
    const known = checks?.filter((c): c is OptionalCredentialCheck => (OPTIONAL_CREDENTIAL_CHECKS as readonly string[]).includes(c))
    return verifyCredential(v.input, ctx, known ? { checks: new Set(known) } : {})
  }
  const consume: ConsumeChallenge = async (challenge) => v.environment.challenges?.[challenge] ?? { state: 'unknown' }
  return verifyPresentation(v.input, v.options as unknown as PresentationOptions, ctx, consume)
}
