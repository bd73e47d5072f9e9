// Compact JWS for VC-JOSE-COSE (vc+jwt, vp+jwt) and VC 1.1 JWTs: signing through jose, strict parsing, native verification.
import { CodedError } from '../errors.ts'
import { verify as cryptoVerify, type KeyObject } from 'node:crypto'
import { CompactSign } from 'jose'

import type { JwsAlgorithm } from '../did/verification-key.ts'

export interface JwsHeader {
  readonly alg: string
  readonly kid?: string
  readonly typ?: string
  readonly cty?: string
  readonly [k: string]: unknown
}

export interface DecodedJws {
  readonly header: JwsHeader
  readonly payload: Record<string, unknown>
  readonly signingInput: Buffer
  readonly signature: Buffer
}

/** Why a compact JWS was refused by {@link decodeJws}, before any key was looked at. */
export type JwsFormatCode =
  'jws_malformed' | 'alg_not_allowed' | 'crit_not_supported' | 'b64_not_allowed' | 'header_key_not_allowed' | 'kid_malformed'

/**
 * Why an input was refused before any key was looked at. Stable codes, reported as the `format` check's reason: the
 * JWS layer's ({@link JwsFormatCode}), or a wider union a reader declares (e.g. decode-credential's CredentialFormatCode).
 */
export class FormatError<C extends string = JwsFormatCode> extends CodedError<C> {}

/** JWT registered claims (RFC 7519 §4.1) and those VC-JOSE-COSE mentions: never part of the credential or presentation. */
export const JWT_CLAIMS: readonly string[] = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'cnf', 'nonce', 'status']

const B64URL = /^[A-Za-z0-9_-]+$/
const utf8 = new TextDecoder('utf-8', { fatal: true })
/** RFC 8725 §3.1: an allow-list, never `none`, never HMAC. `Ed25519` is RFC 9864's fully-specified name for EdDSA here. */
const ALGORITHMS: Readonly<Record<string, JwsAlgorithm>> = { EdDSA: 'EdDSA', Ed25519: 'EdDSA', ES256: 'ES256' }
/** Headers that would make us fetch or trust a key from the token itself (RFC 8725 §3.10, SSRF). */
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'x5c', 'x5t', 'x5t#S256']

function decodeJsonSegment(segment: string, what: string): Record<string, unknown> {
  let text: string
  try {
    text = utf8.decode(Buffer.from(segment, 'base64url'))
  } catch {
    throw new FormatError<JwsFormatCode>('jws_malformed', `the JWS ${what} is not valid UTF-8`)
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new FormatError<JwsFormatCode>('jws_malformed', `the JWS ${what} is not JSON`)
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new FormatError<JwsFormatCode>('jws_malformed', `the JWS ${what} must be a JSON object`)
  return value as Record<string, unknown>
}

/** Strictly parses a compact JWS (RFC 7515 §7.1). Does not verify the signature. */
export function decodeJws(token: unknown): DecodedJws {
  if (typeof token !== 'string' || token.length === 0)
    throw new FormatError<JwsFormatCode>('jws_malformed', 'expected a compact JWS string')
  const parts = token.split('.')
  if (parts.length !== 3)
    throw new FormatError<JwsFormatCode>('jws_malformed', `a compact JWS has 3 dot-separated parts, this has ${parts.length}`)
  if (!parts.every((p) => B64URL.test(p)))
    throw new FormatError<JwsFormatCode>('jws_malformed', 'JWS parts must be non-empty unpadded base64url')
  const header = decodeJsonSegment(parts[0]!, 'header') as JwsHeader
  if (typeof header.alg !== 'string' || !(header.alg in ALGORITHMS))
    throw new FormatError<JwsFormatCode>('alg_not_allowed', `JWS alg "${String(header.alg)}" is not allowed (EdDSA or ES256)`)
  if ('crit' in header)
    throw new FormatError<JwsFormatCode>('crit_not_supported', 'JWS crit extensions are not supported (RFC 7515 §4.1.11)')
  if ('b64' in header) throw new FormatError<JwsFormatCode>('b64_not_allowed', 'unencoded payloads (b64) are not allowed in a JWT')
  for (const h of FORBIDDEN_HEADERS)
    if (h in header)
      throw new FormatError<JwsFormatCode>(
        'header_key_not_allowed',
        `JWS header "${h}" is not allowed: keys come from the issuer's DID document`,
      )
  if (header.kid !== undefined && (typeof header.kid !== 'string' || header.kid.length === 0 || header.kid.length > 2048))
    throw new FormatError<JwsFormatCode>('kid_malformed', 'the JWS kid must be a DID URL')
  const payload = decodeJsonSegment(parts[1]!, 'payload')
  return { header, payload, signingInput: Buffer.from(`${parts[0]}.${parts[1]}`), signature: Buffer.from(parts[2]!, 'base64url') }
}

export const jwsAlgorithm = (header: JwsHeader): JwsAlgorithm => ALGORITHMS[header.alg]!

/** Verifies the signature of a decoded JWS with a key whose algorithms the caller has matched to the header. */
export function verifyJwsSignature(jws: DecodedJws, key: KeyObject): boolean {
  const alg = jwsAlgorithm(jws.header)
  if (jws.signature.length !== 64) return false
  return alg === 'EdDSA'
    ? cryptoVerify(null, jws.signingInput, key, jws.signature)
    : cryptoVerify('sha256', jws.signingInput, { key, dsaEncoding: 'ieee-p1363' }, jws.signature)
}

const encoder = new TextEncoder()

/**
 * Signs a payload as a compact JWS with Ed25519 (EdDSA), through jose. jose signs with WebCrypto, off the main
 * thread: a batch of signatures in flight runs on the thread pool while this thread builds the next payloads.
 */
export function signJws(payload: object, key: { kid: string; privateKey: KeyObject }, typ: 'vc+jwt' | 'vp+jwt' | 'JWT'): Promise<string> {
  return new CompactSign(encoder.encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ })
    .sign(key.privateKey)
}
