// Verifies a credential from public information alone and reports, check by check, why it passes or fails.
import { isPlainObject, profilesFor, validateCredential } from '../credentials/validate-credential.ts'
import { BitstringError, isBitSet, parseStatusIndex } from '../status/bitstring.ts'
import { issuerOf } from '../credentials/types.ts'
import { didWebHost } from '../did/did-web-url.ts'
import { DidResolutionError } from '../did/types.ts'
import { FormatError } from '../proofs/jws.ts'
import { decodeCredential, type SecuredCredential } from './decode-credential.ts'
import { buildReport, failed, passed, skipped, type CheckOutcome, type VerificationReport } from './report.ts'
import { StatusListError } from './status-list-client.ts'
import type { VerifierContext } from './verifier-context.ts'
import { verifyDataIntegrityProof, verifyJwsProof } from './verify-proof.ts'


/** Checks skipped because an earlier one made them meaningless. */
const notChecked = (reason: string, message: string) =>
  (['schema', 'proof', 'validity_period', 'status', 'issuer_trust'] as const).map((id) => skipped(id, reason, message))

/** The checks a caller may leave out (VC API `options.checks`); format, schema and proof always run. */
export const OPTIONAL_CREDENTIAL_CHECKS = ['validity_period', 'status', 'issuer_trust'] as const
export type OptionalCredentialCheck = (typeof OPTIONAL_CREDENTIAL_CHECKS)[number]

export interface CredentialVerifyOptions {
  /** Optional checks to run; default all. The others are reported as skipped (`not_requested`). */
  readonly checks?: ReadonlySet<OptionalCredentialCheck>
}

export async function verifyCredential(input: unknown, ctx: VerifierContext, options: CredentialVerifyOptions = {}): Promise<VerificationReport> {
  let secured: SecuredCredential
  try {
    secured = decodeCredential(input)
  } catch (err) {
    if (!(err instanceof FormatError)) throw err
    return buildReport([failed('format', err.code, err.message), ...notChecked('format_failed', 'the input is not a credential we can read')])
  }
  const c = secured.credential
  const checks: CheckOutcome[] = [passed('format', { securing: secured.kind === 'jwt' ? (secured.model === 'v2' ? 'vc+jwt' : 'jwt-vc-1.1') : secured.kind, dataModel: secured.model })]

  // A credential is held to the profiles it claims: the data model always, OB 3.0 for its types, the bank's where named.
  const issues = validateCredential(c, { model: secured.model })
  const schemas = profilesFor(c, secured.model)
  checks.push(issues.length ? failed('schema', 'schema_invalid', `${issues.length} problem(s): ${issues[0]!.path} ${issues[0]!.message}`, { issues, schemas }) : passed('schema', { schemas }))

  const issuer = issuerOf(c)
  const now = ctx.clock()
  let proof: CheckOutcome
  if (!issuer || !issuer.startsWith('did:')) {
    proof = failed('proof', 'issuer_not_did', 'the issuer must be a DID so its keys can be resolved')
  } else if (secured.kind === 'jwt') {
    proof = await verifyJwsProof(secured.jws, issuer, 'assertionMethod', ctx.resolver)
  } else if (secured.kind === 'data-integrity') {
    proof = await verifyDataIntegrityProof(c, issuer, 'assertionMethod', ctx.resolver, now, { canonicalizer: ctx.canonicalizer })
  } else {
    proof = failed('proof', 'no_proof', 'the credential carries no proof')
  }
  checks.push(proof)

  const requested = (id: OptionalCredentialCheck) => !options.checks || options.checks.has(id)
  const notRequested = (id: OptionalCredentialCheck) => skipped(id, 'not_requested', `the request did not ask for the ${id} check`)
  checks.push(requested('validity_period') ? validityPeriod(secured, now, ctx.clockSkewSeconds) : notRequested('validity_period'))
  // Nothing is fetched for a credential whose proof failed: its status list URL is the sender's word, not the issuer's.
  if (!requested('status')) checks.push(notRequested('status'))
  else if (proof.status !== 'passed') checks.push(skipped('status', 'proof_failed', 'the status is not looked up for a credential whose proof failed'))
  else checks.push(await statusCheck(c, issuer, ctx))
  if (!requested('issuer_trust')) checks.push(notRequested('issuer_trust'))
  else checks.push(issuer && ctx.trustedIssuers.has(issuer) ? passed('issuer_trust', { issuer }) : failed('issuer_trust', 'issuer_not_trusted', `${issuer ?? 'the issuer'} is not among the issuers this verifier trusts`))
  return buildReport(checks, { document: c })
}

/** VCDM 2.0 §4.9 (validFrom/validUntil), 1.1 issuanceDate/expirationDate, and the JWT's nbf/exp/iat (SECURITY.md #14, #15). */
export function validityPeriod(secured: SecuredCredential, now: Date, skewSeconds: number): CheckOutcome {
  const c = secured.credential
  const t = now.getTime()
  const skew = skewSeconds * 1000
  const from = secured.model === 'v2' ? c.validFrom : c.issuanceDate
  const until = secured.model === 'v2' ? c.validUntil : c.expirationDate
  const claims = secured.kind === 'jwt' ? secured.jws.payload : {}
  const starts = [from, claims.nbf, claims.iat].map(toMillis).filter((x): x is number => x !== undefined)
  const ends = [until, claims.exp].map(toMillis).filter((x): x is number => x !== undefined)
  const notBefore = Math.max(...starts, -Infinity)
  const notAfter = Math.min(...ends, Infinity)
  if (t + skew < notBefore) return failed('validity_period', 'not_yet_valid', `valid from ${iso(notBefore)}`)
  if (t - skew > notAfter) return failed('validity_period', 'expired', `expired at ${iso(notAfter)}`)
  return passed('validity_period', { ...(starts.length ? { validFrom: iso(notBefore) } : {}), ...(ends.length ? { validUntil: iso(notAfter) } : {}) })
}

/** A JWT may carry a NumericDate no Date can hold (1e20): it still compares, and is named rather than formatted. */
const iso = (ms: number): string => (Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : ms > 0 ? 'the far future' : 'the distant past')

function toMillis(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v * 1000
  if (typeof v === 'string') {
    const ms = Date.parse(v)
    return Number.isNaN(ms) ? undefined : ms
  }
  return undefined
}

const BSL_REASONS: Record<string, string> = {
  STATUS_RETRIEVAL_ERROR: 'status_list_unreachable',
  STATUS_VERIFICATION_ERROR: 'status_list_invalid',
  STATUS_LIST_LENGTH_ERROR: 'status_list_length',
  RANGE_ERROR: 'status_index_out_of_range',
  MALFORMED_VALUE_ERROR: 'status_entry_malformed',
}

/** Status purposes of Bitstring Status List v1.0 §2.1 that say nothing about validity; anything else is malformed. */
const INFORMATIVE_PURPOSES = new Set(['refresh', 'message'])

/**
 * Bitstring Status List v1.0 §3.2: every revocation/suspension entry checked; unreachable or unverifiable fails
 * closed. An entry this verifier cannot read (no or an unknown purpose, another entry type) fails too: skipping it
 * would let a credential whose status we cannot see pass as unrevoked.
 */
async function statusCheck(c: Record<string, unknown>, issuer: string | undefined, ctx: VerifierContext): Promise<CheckOutcome> {
  if (c.credentialStatus === undefined) return skipped('status', 'no_status', 'the credential has no credentialStatus')
  const entries = Array.isArray(c.credentialStatus) ? c.credentialStatus : [c.credentialStatus]
  const results: Record<string, unknown>[] = []
  for (const e of entries) {
    if (!isPlainObject(e) || e.type !== 'BitstringStatusListEntry') return failed('status', 'unsupported_status_type', `status entries of type ${isPlainObject(e) ? JSON.stringify(e.type) : typeof e} cannot be checked`)
    const purpose = e.statusPurpose
    if (typeof purpose === 'string' && INFORMATIVE_PURPOSES.has(purpose)) {
      results.push({ statusPurpose: purpose, checked: false })
      continue
    }
    if (purpose !== 'revocation' && purpose !== 'suspension') return failed('status', 'status_entry_malformed', `the status entry's statusPurpose ${JSON.stringify(purpose)} is not one this verifier can check`)
    try {
      const index = parseStatusIndex(e.statusListIndex)
      const url = allowedStatusUrl(e.statusListCredential, issuer)
      const list = await ctx.statusLists.get(url, issuer!)
      if (list.statusPurpose !== purpose) return failed('status', 'status_list_invalid', `the list at ${url} is for ${list.statusPurpose}, the entry says ${purpose}`)
      if (isBitSet(list.bits, index)) {
        return purpose === 'revocation' ? failed('status', 'revoked', 'the issuer has revoked this credential') : failed('status', 'suspended', 'the issuer has suspended this credential')
      }
      results.push({ statusPurpose: purpose, set: false })
    } catch (err) {
      if (err instanceof StatusListError || err instanceof BitstringError) return failed('status', BSL_REASONS[err.code] ?? 'status_list_invalid', err.message, { error: err.code })
      if (err instanceof StatusUrlError) return failed('status', 'status_list_untrusted_origin', err.message)
      throw err
    }
  }
  return passed('status', { entries: results })
}

class StatusUrlError extends Error {}

/** A status list must live on the issuer's own did:web origin (SECURITY.md #59: no fetching from elsewhere). */
function allowedStatusUrl(value: unknown, issuer: string | undefined): string {
  if (typeof value !== 'string') throw new BitstringError('MALFORMED_VALUE_ERROR', 'statusListCredential must be a URL')
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new BitstringError('MALFORMED_VALUE_ERROR', 'statusListCredential must be a URL')
  }
  if (!issuer?.startsWith('did:web:')) throw new StatusUrlError(`status lists are only fetched for did:web issuers, from their own origin; ${issuer ?? 'this issuer'} has none`)
  let host: string
  try {
    host = didWebHost(issuer)
  } catch (err) {
    if (err instanceof DidResolutionError) throw new StatusUrlError(err.message)
    throw err
  }
  if (url.host !== host) throw new StatusUrlError(`the status list ${url.origin} is not on the issuer's origin ${host}`)
  return url.href
}
