// What a verification needs from outside: DID resolution, status lists, time, and the verifier's policy.
import type { Clock } from '../clock.ts'
import type { DidResolver } from '../did/resolver.ts'
import type { Canonicalizer } from '../proofs/canonicalizer.ts'
import type { StatusListClient } from './status-list-client.ts'

export interface VerifierContext {
  readonly resolver: DidResolver
  readonly statusLists: StatusListClient
  readonly clock: Clock
  /** Tolerance on validity boundaries (validFrom/validUntil, nbf/exp/iat). */
  readonly clockSkewSeconds: number
  /** Issuer DIDs this verifier trusts (a configured list, for now; the alliance trust list comes later). */
  readonly trustedIssuers: ReadonlySet<string>
  /** Where Data Integrity documents are canonicalized: worker threads in a service, so expensive input never blocks it. */
  readonly canonicalizer: Canonicalizer
  /** Credentials one presentation may carry; more fail the format check before any is verified. */
  readonly maxPresentationCredentials: number
  /** The verifier's policy: check holder binding on every presentation, asked or not (VC DM 2.0 leaves it to the verifier). */
  readonly requireHolderBinding: boolean
}
