// did:jwk (did:jwk method spec) for Ed25519 and P-256 keys: DID ⇄ public JWK, and the document it expands to.
import type { KeyObject } from 'node:crypto'
import { DidResolutionError } from './types.ts'
import type { DidDocument } from './types.ts'
import { KeyResolutionError, publicKeyFromJwk } from './verification-key.ts'

/** The cap keeps hostile input cheap; an EC P-256 JWK encodes to about 120 characters. */
const DID_JWK = /^did:jwk:([A-Za-z0-9_-]{1,1024})$/

/** The did:jwk of an Ed25519 or P-256 public key: its minimal JWK (RFC 7638 member order) as base64url JSON. */
export function didJwkFromPublicKey(publicKey: KeyObject): string {
  if (publicKey.type !== 'public') throw new TypeError('expected a public key')
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' })
  if (!((kty === 'OKP' && crv === 'Ed25519') || (kty === 'EC' && crv === 'P-256'))) {
    throw new TypeError(`unsupported key type for did:jwk: ${publicKey.asymmetricKeyType ?? 'unknown'}`)
  }
  return `did:jwk:${Buffer.from(JSON.stringify({ crv, kty, x, y })).toString('base64url')}`
}

/**
 * Expands a did:jwk into its document: one JsonWebKey2020 method `#0` under the signing
 * relationships. Only keys the bank can verify with resolve (Ed25519, P-256, `use` absent or `sig`).
 * @throws DidResolutionError `invalid_did` for bad encoding, a non-object, private members, or an unusable key.
 */
export function resolveDidJwk(did: string): DidDocument {
  const match = DID_JWK.exec(did)
  if (!match) throw new DidResolutionError('invalid_did', 'did:jwk must be did:jwk:<base64url JSON>')
  const encoded = match[1]!
  const bytes = Buffer.from(encoded, 'base64url')
  if (bytes.toString('base64url') !== encoded) throw new DidResolutionError('invalid_did', 'did:jwk is not canonical base64url')
  let jwk: unknown
  try {
    jwk = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (e) {
    throw new DidResolutionError('invalid_did', 'did:jwk does not hold UTF-8 JSON', { cause: e })
  }
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk))
    throw new DidResolutionError('invalid_did', 'did:jwk does not hold a JSON object')
  try {
    publicKeyFromJwk(jwk)
  } catch (e) {
    if (e instanceof KeyResolutionError)
      throw new DidResolutionError('invalid_did', `did:jwk holds no usable public key: ${e.message}`, { cause: e })
    throw e
  }
  const vmId = `${did}#0`
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/suites/jws-2020/v1'],
    id: did,
    verificationMethod: [{ id: vmId, type: 'JsonWebKey2020', controller: did, publicKeyJwk: jwk }],
    assertionMethod: [vmId],
    authentication: [vmId],
    capabilityInvocation: [vmId],
    capabilityDelegation: [vmId],
  }
}
