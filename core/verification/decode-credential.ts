// Turns what a client sends (compact JWT, EnvelopedVerifiableCredential, Data Integrity JSON, Veramo's
// JwtProof2020 JSON) into one shape: the credential to check and how it is secured. Nothing here trusts
// unsigned data: for JWTs the credential is read from the signed payload only (SECURITY.md #24-#26).
import { isPlainObject } from '../json.ts'
import { isDeepStrictEqual } from 'node:util'
import { issuerOf, VC_JWT_DATA_URL_PREFIX, VC_V1_CONTEXT, type DataModel } from '../credentials/types.ts'
import { decodeJws, FormatError, JWT_CLAIMS, type DecodedJws, type JwsFormatCode } from '../proofs/jws.ts'
import { epochSeconds } from '../clock.ts'
import { envelopeIssues } from '../credentials/envelope.ts'

/** Why a credential could not be read: the `format` check's reasons for credentials. */
export type CredentialFormatCode =
  | JwsFormatCode
  | 'credential_malformed'
  | 'envelope_malformed'
  | 'profile_mismatch'
  | 'wrong_token_type'
  | 'kid_missing'
  | 'claims_mismatch'
  | 'claims_malformed'
  | 'proof_malformed'
  | 'wrapper_mismatch'

export type SecuredCredential =
  | { kind: 'jwt'; model: DataModel; jws: DecodedJws; credential: Record<string, unknown>; token: string }
  | { kind: 'data-integrity'; model: DataModel; credential: Record<string, unknown> }
  | { kind: 'unsecured'; model: DataModel; credential: Record<string, unknown> }

const hasType = (v: Record<string, unknown>, t: string): boolean => v.type === t || (Array.isArray(v.type) && v.type.includes(t))

/** The JwtProof2020 (Veramo's JSON form of a JWT) in a `proof` value, one object or a set, if there is one. */
export function jwtProofOf(proof: unknown): Record<string, unknown> | undefined {
  return (Array.isArray(proof) ? proof : [proof]).find(
    (p): p is Record<string, unknown> => isPlainObject(p) && ('jwt' in p || p.type === 'JwtProof2020'),
  )
}

/** @throws FormatError<CredentialFormatCode> for anything that is not a credential in a form we accept. */
export function decodeCredential(input: unknown): SecuredCredential {
  if (typeof input === 'string') return decodeCredentialJwt(input.trim() === input ? input : '\u0000')
  if (!isPlainObject(input))
    throw new FormatError<CredentialFormatCode>('credential_malformed', 'a credential is a compact JWT string or a JSON object')
  if (hasType(input, 'EnvelopedVerifiableCredential')) {
    const [problem] = envelopeIssues(input, 'EnvelopedVerifiableCredential')
    if (problem)
      throw new FormatError<CredentialFormatCode>('envelope_malformed', `EnvelopedVerifiableCredential ${problem.path} ${problem.message}`)
    const inner = decodeCredentialJwt((input.id as string).slice(VC_JWT_DATA_URL_PREFIX.length))
    // The media type names the profile: a VC 1.1 JWT is not application/vc+jwt (SECURITY.md #18).
    if (inner.model !== 'v2')
      throw new FormatError<CredentialFormatCode>(
        'profile_mismatch',
        'an application/vc+jwt envelope must hold a vc+jwt (VC Data Model 2.0), not a VC 1.1 JWT',
      )
    return inner
  }
  const model: DataModel = Array.isArray(input['@context']) && input['@context'][0] === VC_V1_CONTEXT ? 'v1' : 'v2'
  if (!('proof' in input)) return { kind: 'unsecured', model, credential: input }
  const proofs = Array.isArray(input.proof) ? input.proof : [input.proof]
  if (!proofs.length || !proofs.every(isPlainObject))
    throw new FormatError<CredentialFormatCode>('proof_malformed', 'proof must be an object or an array of objects')
  const jwtProof = jwtProofOf(proofs)
  if (jwtProof) return decodeWrappedJwt(input, jwtProof)
  return { kind: 'data-integrity', model, credential: input }
}

function decodeCredentialJwt(token: string): SecuredCredential {
  const jws = decodeJws(token)
  const { header, payload } = jws
  if (header.typ === 'vc+jwt') {
    // VC-JOSE-COSE §3.1.1: the payload is the credential; a `vc` claim belongs to the 1.1 profile, never here.
    if ('vc' in payload || 'vp' in payload)
      throw new FormatError<CredentialFormatCode>(
        'profile_mismatch',
        'a vc+jwt payload is the credential itself; vc/vp claims are not allowed',
      )
    if (header.cty !== undefined && header.cty !== 'vc')
      throw new FormatError<CredentialFormatCode>('wrong_token_type', `cty "${String(header.cty)}" does not fit typ vc+jwt`)
    if (typeof header.kid !== 'string')
      throw new FormatError<CredentialFormatCode>('kid_missing', "a vc+jwt header needs a kid naming the issuer's verification method")
    const credential = Object.fromEntries(Object.entries(payload).filter(([k]) => !JWT_CLAIMS.includes(k)))
    checkClaims(payload, credential)
    return { kind: 'jwt', model: 'v2', jws, credential, token }
  }
  if (header.typ === undefined || header.typ === 'JWT') {
    if (!isPlainObject(payload.vc))
      throw new FormatError<CredentialFormatCode>(
        'wrong_token_type',
        'a JWT credential needs typ vc+jwt, or a vc claim (VC Data Model 1.1)',
      )
    return { kind: 'jwt', model: 'v1', jws, credential: credentialFromV1(payload), token }
  }
  throw new FormatError<CredentialFormatCode>('wrong_token_type', `typ "${String(header.typ)}" is not a credential (expected vc+jwt)`)
}

/** VC-JOSE-COSE §3.1.2 / OB3: JWT claims, when present, must agree with the credential (SECURITY.md #17). */
function checkClaims(claims: Record<string, unknown>, c: Record<string, unknown>): void {
  const issuer = issuerOf(c)
  const subjects = Array.isArray(c.credentialSubject) ? c.credentialSubject : [c.credentialSubject]
  const mismatch = (claim: string, field: string) =>
    new FormatError<CredentialFormatCode>('claims_mismatch', `JWT claim ${claim} does not match credential ${field}`)
  if (claims.iss !== undefined && claims.iss !== issuer) throw mismatch('iss', 'issuer')
  if (claims.jti !== undefined && claims.jti !== c.id) throw mismatch('jti', 'id')
  if (claims.sub !== undefined && !(subjects.length === 1 && isPlainObject(subjects[0]) && subjects[0].id === claims.sub))
    throw mismatch('sub', 'credentialSubject.id')
  if (claims.nbf !== undefined && !sameSecond(claims.nbf, c.validFrom)) throw mismatch('nbf', 'validFrom')
  if (claims.exp !== undefined && !sameSecond(claims.exp, c.validUntil)) throw mismatch('exp', 'validUntil')
}

const sameSecond = (claim: unknown, date: unknown): boolean =>
  typeof claim === 'number' && typeof date === 'string' && epochSeconds(new Date(date)) === claim

/** did-jwt-vc's normalization of a VC 1.1 JWT: the vc claim plus iss/jti/sub/nbf/exp; conflicts are refused. */
function credentialFromV1(payload: Record<string, unknown>): Record<string, unknown> {
  const vc = structuredClone(payload.vc) as Record<string, unknown>
  const set = (field: string, value: unknown, claim: string) => {
    if (value === undefined) return
    if (
      vc[field] !== undefined &&
      !isDeepStrictEqual(vc[field], value) &&
      !(isPlainObject(vc[field]) && (vc[field] as Record<string, unknown>).id === value)
    ) {
      throw new FormatError<CredentialFormatCode>('claims_mismatch', `JWT claim ${claim} does not match vc.${field}`)
    }
    if (vc[field] === undefined) vc[field] = value
  }
  set('issuer', payload.iss, 'iss')
  set('id', payload.jti, 'jti')
  if (payload.nbf !== undefined) set('issuanceDate', claimDate(payload.nbf, 'nbf'), 'nbf')
  if (payload.exp !== undefined) set('expirationDate', claimDate(payload.exp, 'exp'), 'exp')
  if (payload.sub !== undefined) {
    const subject = vc.credentialSubject
    if (!isPlainObject(subject))
      throw new FormatError<CredentialFormatCode>('credential_malformed', 'vc.credentialSubject must be an object')
    if (subject.id !== undefined && subject.id !== payload.sub)
      throw new FormatError<CredentialFormatCode>('claims_mismatch', 'JWT claim sub does not match vc.credentialSubject.id')
    vc.credentialSubject = { ...subject, id: payload.sub }
  }
  return vc
}

/** RFC 7519 NumericDate → XSD dateTime; a value no date can hold (1e20, -1e20, not a number) is malformed, not a crash. */
function claimDate(value: unknown, claim: string): string {
  const ms = typeof value === 'number' ? value * 1000 : NaN
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15)
    throw new FormatError<CredentialFormatCode>('claims_malformed', `JWT claim ${claim} must be a NumericDate (seconds since 1970)`)
  return new Date(ms).toISOString().replace('.000Z', 'Z')
}

/**
 * Veramo's JSON form: the credential with proof { type: 'JwtProof2020', jwt }. Only the JWT is trusted; the
 * JSON around it must say the same thing, whatever proof.type claims to be (SECURITY.md #24, #25).
 */
function decodeWrappedJwt(outer: Record<string, unknown>, proof: Record<string, unknown>): SecuredCredential {
  if (typeof proof.jwt !== 'string')
    throw new FormatError<CredentialFormatCode>('proof_malformed', 'proof.jwt must be a compact JWT string')
  const inner = decodeCredentialJwt(proof.jwt)
  const { proof: _ignored, ...claimed } = outer
  // Every field the JSON shows must be the signed one; a field it leaves out (say credentialStatus) is still
  // taken from the JWT, so stripping it hides nothing.
  const signed = normalize(inner.credential)
  const shown = normalize(claimed)
  if (!Object.keys(shown).every((k) => isDeepStrictEqual(shown[k], signed[k]))) {
    throw new FormatError<CredentialFormatCode>('wrapper_mismatch', 'the JSON credential differs from the signed JWT it carries')
  }
  return inner
}

/**
 * Veramo's JSON and the JWT it carries say the same thing in different shapes: dates with or without
 * milliseconds (compare instants) and `issuer` as `{ id }` or a string (compare the id).
 */
function normalize(c: Record<string, unknown>): Record<string, unknown> {
  const out = { ...c }
  if (isPlainObject(out.issuer) && Object.keys(out.issuer).length === 1 && typeof out.issuer.id === 'string') out.issuer = out.issuer.id
  for (const f of ['issuanceDate', 'expirationDate', 'validFrom', 'validUntil']) {
    if (typeof out[f] === 'string' && !Number.isNaN(Date.parse(out[f] as string))) out[f] = new Date(out[f] as string).getTime()
  }
  return out
}
