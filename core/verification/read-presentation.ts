// Reads a presentation from its securing form into one shape, before any check that needs a key, the network or the
// database. Two forms: a vp+jwt (or a VC 1.1 VP JWT), compact or enveloped, and a JSON presentation with a Data
// Integrity proof (as the VC API test suites send it). Judging what was read is the checks' business (checks/*.ts).
import { asArray, isPlainObject } from '../json.ts'
import { VC_V1_CONTEXT, type DataModel } from '../credentials/types.ts'
import { decodeJws, FormatError, JWT_CLAIMS, type DecodedJws, type JwsFormatCode } from '../proofs/jws.ts'
import { ENVELOPE_TYPES, envelopeIssues } from '../credentials/envelope.ts'
import { jwtProofOf } from './decode-credential.ts'
import type { ReadResult } from './check.ts'

/** Why a presentation could not be read. */
export type PresentationFormatCode =
  JwsFormatCode | 'envelope_malformed' | 'unsupported_presentation_format' | 'profile_mismatch' | 'wrong_token_type' | 'claims_mismatch'

/** A presentation read from its securing form. */
export interface ReadPresentation {
  readonly presentation: Record<string, unknown>
  readonly model: DataModel
  readonly securing: 'vp+jwt' | 'jwt-vp-1.1' | 'eddsa-rdfc-2022'
  /** The JWS, for a JWT presentation; a Data Integrity one carries its proofs inside `presentation`. */
  readonly jws?: DecodedJws
  readonly holder?: string
  /** What the holder signed as its answer to the challenge: the JWT `nonce`, or `proof.challenge` (one for every proof). */
  readonly answeredChallenge: unknown
  /** Where the holder addressed it: the JWT `aud`, or the `proof.domain` every proof names. */
  readonly audiences: readonly unknown[]
}

const unreadable = (reason: PresentationFormatCode, message: string): ReadResult<ReadPresentation, PresentationFormatCode> => ({
  ok: false,
  reason,
  message,
})

/** The presentation in one of the forms we read, or why not. */
export function readPresentation(input: unknown): ReadResult<ReadPresentation, PresentationFormatCode> {
  if (typeof input === 'string') return readJwt(input)
  if (isPlainObject(input) && asArray(input.type).includes('EnvelopedVerifiablePresentation')) {
    const [problem] = envelopeIssues(input, 'EnvelopedVerifiablePresentation')
    if (problem) return unreadable('envelope_malformed', `EnvelopedVerifiablePresentation ${problem.path} ${problem.message}`)
    return readJwt((input.id as string).slice(ENVELOPE_TYPES.EnvelopedVerifiablePresentation.length))
  }
  if (isPlainObject(input) && input.proof !== undefined) {
    // Veramo's JSON form of a VP JWT: only the JWT is signed, and it can be sent as it is.
    if (jwtProofOf(input.proof)) {
      return unreadable(
        'unsupported_presentation_format',
        'send the JWT of a JwtProof2020 presentation (its proof.jwt) as the presentation, not the JSON around it',
      )
    }
    return { ok: true, input: readDataIntegrity(input) }
  }
  return unreadable(
    'unsupported_presentation_format',
    'send the presentation as a vp+jwt (compact, or enveloped), a VC 1.1 JWT, or JSON with a Data Integrity proof',
  )
}

function readJwt(token: string): ReadResult<ReadPresentation, PresentationFormatCode> {
  let jws: DecodedJws
  try {
    jws = decodeJws(token)
  } catch (err) {
    if (!(err instanceof FormatError)) throw err
    return unreadable(err.code as JwsFormatCode, err.message)
  }
  const { header, payload } = jws
  let presentation: Record<string, unknown>
  let model: DataModel
  if (header.typ === 'vp+jwt') {
    if ('vp' in payload || 'vc' in payload) return unreadable('profile_mismatch', 'a vp+jwt payload is the presentation itself')
    presentation = Object.fromEntries(Object.entries(payload).filter(([k]) => !JWT_CLAIMS.includes(k)))
    model = 'v2'
  } else if ((header.typ === undefined || header.typ === 'JWT') && isPlainObject(payload.vp)) {
    presentation = { ...payload.vp }
    model = 'v1'
  } else {
    return unreadable('wrong_token_type', `typ "${String(header.typ)}" is not a presentation (expected vp+jwt)`)
  }
  if (presentation.holder !== undefined && payload.iss !== undefined && presentation.holder !== payload.iss) {
    return unreadable('claims_mismatch', 'JWT claim iss does not match holder')
  }
  const holder = typeof payload.iss === 'string' ? payload.iss : typeof presentation.holder === 'string' ? presentation.holder : undefined
  return {
    ok: true,
    input: {
      presentation,
      model,
      securing: model === 'v2' ? 'vp+jwt' : 'jwt-vp-1.1',
      jws,
      ...(holder === undefined ? {} : { holder }),
      answeredChallenge: payload.nonce,
      audiences: Array.isArray(payload.aud) ? payload.aud : payload.aud === undefined ? [] : [payload.aud],
    },
  }
}

/**
 * A JSON presentation secured with Data Integrity. The proofs carry the challenge and domain; every proof must be by
 * a key the holder's DID document lists under `authentication`, and all must answer the same challenge, which the
 * signature then covers.
 */
function readDataIntegrity(presentation: Record<string, unknown>): ReadPresentation {
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
    ...(holder === undefined ? {} : { holder }),
    answeredChallenge,
    audiences,
  }
}
