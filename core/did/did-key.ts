// did:key (W3C CCG did:key v0.7) for Ed25519 and P-256 keys: DID ⇄ public key, and the document it expands to.
import type { KeyObject } from 'node:crypto'
import { DidResolutionError } from './types.ts'
import type { DidDocument } from './types.ts'
import { KeyResolutionError, multikeyFromPublicKey, publicKeyFromMultikey } from './verification-key.ts'

/** `did:key:` + a base58btc Multikey; the cap keeps hostile input cheap (a P-256 key is 49 characters). */
const DID_KEY = /^did:key:(z[1-9A-HJ-NP-Za-km-z]{1,128})$/

/** The did:key of an Ed25519 (`did:key:z6Mk…`) or P-256 (`did:key:zDn…`) public key. */
export function didKeyFromPublicKey(publicKey: KeyObject): string {
  return `did:key:${multikeyFromPublicKey(publicKey)}`
}

/**
 * Expands a did:key into its document: one Multikey verification method `did:key:z…#z…`,
 * listed under authentication, assertionMethod, capabilityInvocation and capabilityDelegation.
 * No X25519 keyAgreement is derived: the bank never encrypts to a did:key.
 * @throws DidResolutionError `invalid_did` when the key is malformed, unsupported or weak.
 */
export function resolveDidKey(did: string): DidDocument {
  const match = DID_KEY.exec(did)
  if (!match) throw new DidResolutionError('invalid_did', 'did:key must be did:key:z<base58btc multikey>')
  const multibase = match[1]!
  try {
    publicKeyFromMultikey(multibase)
  } catch (e) {
    if (e instanceof KeyResolutionError)
      throw new DidResolutionError('invalid_did', `did:key holds no usable key: ${e.message}`, { cause: e })
    throw e
  }
  const vmId = `${did}#${multibase}`
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: did,
    verificationMethod: [{ id: vmId, type: 'Multikey', controller: did, publicKeyMultibase: multibase }],
    authentication: [vmId],
    assertionMethod: [vmId],
    capabilityInvocation: [vmId],
    capabilityDelegation: [vmId],
  }
}
