// Verifies a presentation: the holder's signature (authentication key), a single-use challenge, the domain,
// and every credential inside it with the full credential checks (SECURITY.md B2). Two securing forms: a vp+jwt
// (or a VC 1.1 VP JWT), and a JSON presentation with a Data Integrity eddsa-rdfc-2022 proof (as the VC API
// test suites send it). Each is read into the same shape; the checks after that are shared.
import { isPlainObject } from '../credentials/validate-credential.ts'
import { validatePresentation } from '../credentials/validate-presentation.ts'
import { VC_V1_CONTEXT, type DataModel } from '../credentials/types.ts'
import { decodeJws, FormatError, JWT_CLAIMS, type DecodedJws } from '../proofs/jws.ts'
import { buildReport, failed, passed, skipped, type CheckOutcome, type VerificationReport } from './report.ts'
import type { VerifierContext } from './verifier-context.ts'
import { jwtProofOf } from './decode-credential.ts'
import { verifyCredential } from './verify-credential.ts'
import { verifyDataIntegrityProof, verifyJwsProof } from './verify-proof.ts'
import { checkRelatedResources } from './related-resources.ts'
import { ENVELOPE_TYPES, envelopeIssues } from '../credentials/envelope.ts'

/**
 * Consumes a challenge if this verifier issued it: 'ok' once (with the domain it was issued for, if any), then 'used';
 * 'expired' past its lifetime; 'unknown' when this verifier never issued it.
 */
export type ConsumeChallenge = (challenge: string) => Promise<{ state: 'ok' | 'unknown' | 'expired' | 'used'; domain?: string }>

export interface PresentationOptions {
  /**
   * The challenge the presentation must answer: one from this verifier's POST /challenges (then single-use, and bound
   * to the domain it was issued for), or one the relying party made itself (VC API), which then answers for its freshness.
   */
  readonly challenge: string
  readonly domain?: string
  /** Require every credential to be about the holder (also forced by the verifier's configuration). */
  readonly holderBinding?: boolean
}

/** A presentation read from its securing form, before any check that needs the network or the database. */
interface ReadPresentation {
  readonly presentation: Record<string, unknown>
  readonly model: DataModel
  readonly securing: 'vp+jwt' | 'jwt-vp-1.1' | 'eddsa-rdfc-2022'
  readonly holder?: string
  /** What the holder signed as its answer to the challenge: the JWT `nonce`, or `proof.challenge`. */
  readonly answeredChallenge: unknown
  /** Where the holder addressed it: the JWT `aud`, or `proof.domain`. */
  readonly audiences: readonly unknown[]
  readonly validity: CheckOutcome
  verifyProof(): Promise<CheckOutcome>
}

const rest = (reason: string, message: string) =>
  (['schema', 'proof', 'validity_period', 'challenge', 'domain', 'holder_binding', 'credentials', 'related_resources'] as const).map((id) => skipped(id, reason, message))
const unreadable = (format: CheckOutcome): VerificationReport => buildReport([format, ...rest('format_failed', 'not a presentation we can read')])

export async function verifyPresentation(input: unknown, options: PresentationOptions, ctx: VerifierContext, consume: ConsumeChallenge): Promise<VerificationReport> {
  const read = readPresentation(input, ctx)
  if ('status' in read) return unreadable(read)
  const { presentation, model, holder } = read
  const items = presentation.verifiableCredential === undefined ? [] : Array.isArray(presentation.verifiableCredential) ? presentation.verifiableCredential : [presentation.verifiableCredential]
  // Bounded before anything is verified: each credential costs a signature check, and a Data Integrity one a canonicalization.
  if (items.length > ctx.maxPresentationCredentials) {
    return unreadable(failed('format', 'too_many_credentials', `a presentation may carry at most ${ctx.maxPresentationCredentials} credentials; this one has ${items.length}`))
  }
  const checks: CheckOutcome[] = [passed('format', { securing: read.securing })]
  const issues = validatePresentation(presentation, { model })
  checks.push(issues.length ? failed('schema', 'schema_invalid', `${issues[0]!.path} ${issues[0]!.message}`, { issues }) : passed('schema'))
  const proof = await read.verifyProof()
  checks.push(proof, read.validity)

  // The challenge is consumed only once the holder's signature holds, so a forged presentation cannot burn it.
  let issuedFor: string | undefined
  if (read.answeredChallenge !== options.challenge) checks.push(failed('challenge', 'challenge_mismatch', 'the presentation does not answer this challenge'))
  else if (proof.status !== 'passed') checks.push(skipped('challenge', 'proof_failed', 'the challenge is not consumed by an unproven presentation'))
  else {
    const { state, domain } = await consume(options.challenge)
    issuedFor = domain
    if (state === 'ok') checks.push(passed('challenge', { issuedBy: 'verifier' }))
    else if (state === 'unknown') checks.push(passed('challenge', { issuedBy: 'caller' }))
    else checks.push(failed('challenge', `challenge_${state}`, `the challenge was ${state === 'used' ? 'already used' : 'expired'}`))
  }
  checks.push(domainCheck(read.audiences, options.domain, issuedFor))

  const reports = await Promise.all(items.map((vc) => verifyCredential(vc, ctx)))
  checks.push(
    !(options.holderBinding || ctx.requireHolderBinding)
      ? skipped('holder_binding', 'not_requested', 'holder binding was not requested (options.holderBinding) nor required by this verifier')
      : holderBinding(holder, reports),
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

/**
 * The domain the presentation must be addressed to: the one the request names and the one this verifier's challenge
 * was issued for (SECURITY.md #19). Both, when both exist, must agree.
 */
function domainCheck(audiences: readonly unknown[], requested: string | undefined, issuedFor: string | undefined): CheckOutcome {
  if (requested !== undefined && issuedFor !== undefined && requested !== issuedFor) {
    return failed('domain', 'domain_mismatch', `the challenge was issued for ${issuedFor}, not for ${requested}`)
  }
  const expected = requested ?? issuedFor
  if (expected === undefined) return skipped('domain', 'no_domain_requested', 'no domain was requested')
  return audiences.includes(expected) ? passed('domain', { domain: expected }) : failed('domain', 'domain_mismatch', `the presentation is not addressed to ${expected}`)
}

/** Holder binding, a verifier policy (VC DM 2.0 §7.1 leaves it to the verifier): every subject of every credential is the holder. */
function holderBinding(holder: string | undefined, reports: readonly VerificationReport[]): CheckOutcome {
  if (!reports.length) return skipped('holder_binding', 'no_credentials', 'the presentation carries no credentials')
  if (holder === undefined) return failed('holder_binding', 'holder_missing', 'holder binding needs a presentation that names its holder')
  for (const [i, r] of reports.entries()) {
    const s = r.document?.credentialSubject
    const subjects = Array.isArray(s) ? s : [s]
    if (!subjects.every((x) => isPlainObject(x) && typeof x.id === 'string')) {
      return failed('holder_binding', 'subject_not_identified', `credential ${i} does not name its subject by an id, so it cannot be bound to the holder`, { index: i })
    }
    if (!subjects.every((x) => (x as { id: string }).id === holder)) {
      return failed('holder_binding', 'subject_not_holder', `credential ${i} is about someone other than the holder`, { index: i })
    }
  }
  return passed('holder_binding', { holder })
}

/** The presentation in one of the forms we read, or the format check that says why not. */
function readPresentation(input: unknown, ctx: VerifierContext): ReadPresentation | CheckOutcome {
  if (typeof input === 'string') return readJwt(input, ctx)
  if (isPlainObject(input) && typesOf(input.type).includes('EnvelopedVerifiablePresentation')) {
    const [problem] = envelopeIssues(input, 'EnvelopedVerifiablePresentation')
    if (problem) return failed('format', 'envelope_malformed', `EnvelopedVerifiablePresentation ${problem.path} ${problem.message}`)
    return readJwt((input.id as string).slice(ENVELOPE_TYPES.EnvelopedVerifiablePresentation.length), ctx)
  }
  if (isPlainObject(input) && input.proof !== undefined) {
    // Veramo's JSON form of a VP JWT: only the JWT is signed, and it can be sent as it is.
    if (jwtProofOf(input.proof)) {
      return failed('format', 'unsupported_presentation_format', 'send the JWT of a JwtProof2020 presentation (its proof.jwt) as the presentation, not the JSON around it')
    }
    return readDataIntegrity(input, ctx)
  }
  return failed('format', 'unsupported_presentation_format', 'send the presentation as a vp+jwt (compact, or enveloped), a VC 1.1 JWT, or JSON with a Data Integrity proof')
}

function readJwt(token: string, ctx: VerifierContext): ReadPresentation | CheckOutcome {
  let jws: DecodedJws
  try {
    jws = decodeJws(token)
  } catch (err) {
    if (!(err instanceof FormatError)) throw err
    return failed('format', err.code, err.message)
  }
  const { header, payload } = jws
  let presentation: Record<string, unknown>
  let model: DataModel
  if (header.typ === 'vp+jwt') {
    if ('vp' in payload || 'vc' in payload) return failed('format', 'profile_mismatch', 'a vp+jwt payload is the presentation itself')
    presentation = Object.fromEntries(Object.entries(payload).filter(([k]) => !JWT_CLAIMS.includes(k)))
    model = 'v2'
  } else if ((header.typ === undefined || header.typ === 'JWT') && isPlainObject(payload.vp)) {
    presentation = { ...payload.vp }
    model = 'v1'
  } else {
    return failed('format', 'wrong_token_type', `typ "${String(header.typ)}" is not a presentation (expected vp+jwt)`)
  }
  if (presentation.holder !== undefined && payload.iss !== undefined && presentation.holder !== payload.iss) {
    return failed('format', 'claims_mismatch', 'JWT claim iss does not match holder')
  }
  const holder = typeof payload.iss === 'string' ? payload.iss : typeof presentation.holder === 'string' ? presentation.holder : undefined

  const now = ctx.clock().getTime() / 1000
  const skew = ctx.clockSkewSeconds
  let validity: CheckOutcome
  if (typeof payload.exp === 'number' && now - skew > payload.exp) validity = failed('validity_period', 'expired', 'the presentation has expired')
  else if ([payload.nbf, payload.iat].some((t) => typeof t === 'number' && now + skew < t)) validity = failed('validity_period', 'not_yet_valid', 'the presentation is dated in the future')
  else validity = passed('validity_period')

  return {
    presentation,
    model,
    securing: model === 'v2' ? 'vp+jwt' : 'jwt-vp-1.1',
    holder,
    answeredChallenge: payload.nonce,
    audiences: Array.isArray(payload.aud) ? payload.aud : payload.aud === undefined ? [] : [payload.aud],
    validity,
    verifyProof: () => (holder?.startsWith('did:') ? verifyJwsProof(jws, holder, 'authentication', ctx.resolver) : Promise.resolve(holderNotDid)),
  }
}

/**
 * A JSON presentation secured with Data Integrity. The proofs carry the challenge and domain; every proof must be by
 * a key the holder's DID document lists under `authentication`, and all must answer the same challenge, which the
 * signature then covers.
 */
function readDataIntegrity(presentation: Record<string, unknown>, ctx: VerifierContext): ReadPresentation {
  const proofs = (Array.isArray(presentation.proof) ? presentation.proof : [presentation.proof]).filter(isPlainObject)
  const holderValue = isPlainObject(presentation.holder) ? presentation.holder.id : presentation.holder
  const holder = typeof holderValue === 'string' ? holderValue : undefined
  const challenges = new Set(proofs.map((p) => p.challenge))
  const answeredChallenge = challenges.size === 1 ? [...challenges][0] : undefined
  const domainsOf = (p: Record<string, unknown>) => (Array.isArray(p.domain) ? p.domain : p.domain === undefined ? [] : [p.domain])
  const audiences = proofs.length ? domainsOf(proofs[0]!).filter((d) => proofs.every((p) => domainsOf(p).includes(d))) : []
  const contexts = presentation['@context']
  return {
    presentation,
    model: Array.isArray(contexts) && contexts[0] === VC_V1_CONTEXT ? 'v1' : 'v2',
    securing: 'eddsa-rdfc-2022',
    holder,
    answeredChallenge,
    audiences,
    // Its proofs' `created` and `expires` are checked with the proof; a presentation has no validity period of its own.
    validity: skipped('validity_period', 'no_validity_period', 'a Data Integrity presentation has no validity period; its proof dates are checked with the proof'),
    verifyProof: () => {
      if (!holder?.startsWith('did:')) return Promise.resolve(holderNotDid)
      if (typeof answeredChallenge !== 'string') return Promise.resolve(failed('proof', 'challenge_missing', 'every proof of a presentation must carry the same challenge'))
      return verifyDataIntegrityProof(presentation, holder, 'authentication', ctx.resolver, ctx.clock(), { challenge: answeredChallenge, canonicalizer: ctx.canonicalizer })
    },
  }
}

const holderNotDid = failed('proof', 'holder_not_did', 'the presentation must be signed by a holder DID')

// JSON-LD lets `type` be one string or an array.
const typesOf = (type: unknown): readonly unknown[] => (Array.isArray(type) ? type : [type])
