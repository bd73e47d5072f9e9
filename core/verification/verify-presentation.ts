// Verifies a presentation: the holder's signature (authentication key), a single-use challenge, the domain,
// and every credential inside it with the full credential checks (SECURITY.md B2).
import { isPlainObject } from '../credentials/validate-credential.ts'
import { validatePresentation } from '../credentials/validate-presentation.ts'
import { decodeJws, FormatError, JWT_CLAIMS, type DecodedJws } from '../proofs/jws.ts'
import { buildReport, failed, passed, skipped, type CheckOutcome, type VerificationReport } from './report.ts'
import type { VerifierContext } from './verifier-context.ts'
import { verifyCredential } from './verify-credential.ts'
import { verifyJwsProof } from './verify-proof.ts'
import { checkRelatedResources } from './related-resources.ts'

/** Consumes a challenge this verifier issued: true once, then false (used, expired or unknown). */
export type ConsumeChallenge = (challenge: string) => Promise<'ok' | 'unknown' | 'expired' | 'used'>

export interface PresentationOptions {
  readonly challenge: string
  readonly domain?: string
}

const ENVELOPE_PREFIX = 'data:application/vp+jwt,'

const rest = (reason: string, message: string) =>
  (['schema', 'proof', 'validity_period', 'challenge', 'domain', 'holder_binding', 'credentials', 'related_resources'] as const).map((id) => skipped(id, reason, message))

export async function verifyPresentation(input: unknown, options: PresentationOptions, ctx: VerifierContext, consume: ConsumeChallenge): Promise<VerificationReport> {
  let token: string
  if (typeof input === 'string') token = input
  else if (isPlainObject(input) && (input.type === 'EnvelopedVerifiablePresentation' || (Array.isArray(input.type) && input.type.includes('EnvelopedVerifiablePresentation'))) && typeof input.id === 'string' && input.id.startsWith(ENVELOPE_PREFIX)) {
    token = input.id.slice(ENVELOPE_PREFIX.length)
  } else {
    return buildReport([failed('format', 'unsupported_presentation_format', 'send the presentation as a vp+jwt (compact, or enveloped) or a VC 1.1 JWT'), ...rest('format_failed', 'not a presentation we can read')])
  }

  let jws: DecodedJws
  try {
    jws = decodeJws(token)
  } catch (err) {
    if (!(err instanceof FormatError)) throw err
    return buildReport([failed('format', err.code, err.message), ...rest('format_failed', 'not a presentation we can read')])
  }
  const { header, payload } = jws
  let presentation: Record<string, unknown>
  let model: 'v1' | 'v2'
  if (header.typ === 'vp+jwt') {
    if ('vp' in payload || 'vc' in payload) return buildReport([failed('format', 'profile_mismatch', 'a vp+jwt payload is the presentation itself'), ...rest('format_failed', 'not a presentation we can read')])
    presentation = Object.fromEntries(Object.entries(payload).filter(([k]) => !JWT_CLAIMS.includes(k)))
    model = 'v2'
  } else if ((header.typ === undefined || header.typ === 'JWT') && isPlainObject(payload.vp)) {
    presentation = { ...payload.vp }
    model = 'v1'
  } else {
    return buildReport([failed('format', 'wrong_token_type', `typ "${String(header.typ)}" is not a presentation (expected vp+jwt)`), ...rest('format_failed', 'not a presentation we can read')])
  }
  const holder = typeof payload.iss === 'string' ? payload.iss : typeof presentation.holder === 'string' ? presentation.holder : undefined
  if (presentation.holder !== undefined && payload.iss !== undefined && presentation.holder !== payload.iss) {
    return buildReport([failed('format', 'claims_mismatch', 'JWT claim iss does not match holder'), ...rest('format_failed', 'inconsistent presentation')])
  }
  const checks: CheckOutcome[] = [passed('format', { securing: model === 'v2' ? 'vp+jwt' : 'jwt-vp-1.1' })]
  const issues = validatePresentation(presentation, { model })
  checks.push(issues.length ? failed('schema', 'schema_invalid', `${issues[0]!.path} ${issues[0]!.message}`, { issues }) : passed('schema'))

  const proof = holder?.startsWith('did:') ? await verifyJwsProof(jws, holder, 'authentication', ctx.resolver) : failed('proof', 'holder_not_did', 'the presentation must be signed by a holder DID (iss)')
  checks.push(proof)

  const now = ctx.clock().getTime() / 1000
  const skew = ctx.clockSkewSeconds
  if (typeof payload.exp === 'number' && now - skew > payload.exp) checks.push(failed('validity_period', 'expired', 'the presentation has expired'))
  else if ([payload.nbf, payload.iat].some((t) => typeof t === 'number' && now + skew < t)) checks.push(failed('validity_period', 'not_yet_valid', 'the presentation is dated in the future'))
  else checks.push(passed('validity_period'))

  // The challenge is consumed only once the holder's signature holds, so a forged presentation cannot burn it.
  if (payload.nonce !== options.challenge) checks.push(failed('challenge', 'challenge_mismatch', 'the presentation does not answer this challenge (nonce)'))
  else if (proof.status !== 'passed') checks.push(skipped('challenge', 'proof_failed', 'the challenge is not consumed by an unproven presentation'))
  else {
    const state = await consume(options.challenge)
    checks.push(state === 'ok' ? passed('challenge') : failed('challenge', `challenge_${state}`, `the challenge is ${state === 'unknown' ? 'not one this verifier issued' : state}`))
  }

  const aud = Array.isArray(payload.aud) ? payload.aud : payload.aud === undefined ? [] : [payload.aud]
  if (options.domain === undefined) checks.push(skipped('domain', 'no_domain_requested', 'no domain was requested'))
  else checks.push(aud.includes(options.domain) ? passed('domain') : failed('domain', 'domain_mismatch', `the presentation is not addressed to ${options.domain} (aud)`))

  const items = presentation.verifiableCredential === undefined ? [] : Array.isArray(presentation.verifiableCredential) ? presentation.verifiableCredential : [presentation.verifiableCredential]
  const reports = await Promise.all(items.map((vc) => verifyCredential(vc, ctx)))
  const subjects = reports.flatMap((r) => {
    const s = r.document?.credentialSubject
    return (Array.isArray(s) ? s : [s]).filter(isPlainObject).map((x) => x.id).filter((id): id is string => typeof id === 'string')
  })
  checks.push(
    !subjects.length
      ? skipped('holder_binding', 'no_subject_id', 'no credential names its subject by DID')
      : subjects.every((s) => s === holder)
        ? passed('holder_binding')
        : failed('holder_binding', 'subject_not_holder', 'a credential in the presentation is about someone other than the holder'),
  )
  const bad = reports.findIndex((r) => !r.verified)
  checks.push(
    !items.length
      ? skipped('credentials', 'no_credentials', 'the presentation carries no credentials')
      : bad < 0
        ? passed('credentials', { count: items.length })
        : failed('credentials', 'credential_not_verified', `credential ${bad} in the presentation does not verify`, { index: bad }),
  )
  checks.push(checkRelatedResources(items, reports))
  return buildReport(checks, { document: presentation, credentials: reports })
}
