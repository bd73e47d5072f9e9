// A vc+jwt compact JWS made with node:crypto alone (JSON.stringify, base64url, Ed25519), so a signing worker thread
// loads nothing else. The same bytes as core/proofs/jws.ts signJws: header {alg: EdDSA, kid, typ}, then the payload.
import { sign, type KeyObject } from 'node:crypto'

export type JwsTyp = 'vc+jwt' | 'vp+jwt' | 'JWT'

/** Signs `payload` as a compact JWS (RFC 7515 §7.1) with the Ed25519 key `privateKey`, named `kid` in the header. */
export function compactJws(payload: object, kid: string, privateKey: KeyObject, typ: JwsTyp): string {
  return compactJwsOfText(JSON.stringify(payload), kid, privateKey, typ)
}

/** {@link compactJws} of a payload given as its JSON text. */
export function compactJwsOfText(json: string, kid: string, privateKey: KeyObject, typ: JwsTyp): string {
  const signingInput = `${base64url(JSON.stringify({ alg: 'EdDSA', kid, typ }))}.${base64url(json)}`
  return `${signingInput}.${sign(null, Buffer.from(signingInput, 'latin1'), privateKey).toString('base64url')}`
}

const base64url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url')
