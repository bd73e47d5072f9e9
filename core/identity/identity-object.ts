// Open Badges 3.0 hashed IdentityObject: how a credential names a person without their identifier in the clear.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IdentityObject } from '../credentials/types.ts'
import type { ResidentId } from './resident-id.ts'

/**
 * An Open Badges 3.0 IdentityObject for `identifier`: `identityHash` is `sha256$` and the hex SHA-256 of the identifier
 * followed by the salt. The salt is 16 random bytes, base64url, new for every credential, so two credentials of one
 * person carry unrelated hashes; whoever is shown the identifier and the credential can check it (`identityObjectMatches`).
 */
export function hashedIdentityObject(
  identifier: string,
  identityType: string,
  salt: string = randomBytes(16).toString('base64url'),
): IdentityObject {
  if (!identifier) throw new TypeError('hashedIdentityObject needs an identifier')
  return { type: 'IdentityObject', hashed: true, identityHash: `sha256$${sha256Hex(identifier + salt)}`, identityType, salt }
}

/** The IdentityObject of a resident identity number (`nationalIdentityNumber`), over its normalized form (upper-case X). */
export function residentIdIdentityObject(id: ResidentId, salt?: string): IdentityObject {
  return hashedIdentityObject(id.reveal(), 'nationalIdentityNumber', salt)
}

/** Whether a hashed `sha256$` IdentityObject was made from `identifier` (false for any other algorithm or shape). */
export function identityObjectMatches(object: IdentityObject, identifier: string): boolean {
  const match = /^sha256\$([0-9a-fA-F]{64})$/.exec(object.identityHash)
  if (!object.hashed || !match || typeof object.salt !== 'string') return false
  return timingSafeEqual(Buffer.from(match[1].toLowerCase(), 'hex'), Buffer.from(sha256Hex(identifier + object.salt), 'hex'))
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}
