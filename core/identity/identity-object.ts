// Open Badges 3.0 hashed IdentityObject: how a credential names a person without their identifier in the clear.
import { hash, randomFillSync, timingSafeEqual } from 'node:crypto'
import type { IdentityObject } from '../credentials/types.ts'
import type { ResidentId } from './resident-id.ts'

/**
 * An Open Badges 3.0 IdentityObject for `identifier`: `identityHash` is `sha256$` and the hex SHA-256 of the identifier
 * followed by the salt. The salt is 16 random bytes, base64url, new for every credential, so two credentials of one
 * person carry unrelated hashes; whoever is shown the identifier and the credential can check it (`identityObjectMatches`).
 */
export function hashedIdentityObject(identifier: string, identityType: string, salt: string = newSalt()): IdentityObject {
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

/** One-shot `hash` (node ≥ 20.12): a third of createHash().update().digest()'s cost for a short input. */
function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex')
}

const SALT_BYTES = 16
/** 256 salts' worth of CSPRNG bytes, filled at once: `randomBytes(16)` costs ~5 µs a call, more than the hash it salts. */
const saltPool = Buffer.alloc(SALT_BYTES * 256)
let saltAt = saltPool.length

/** 16 fresh random bytes, base64url: each slice of the pool is handed out once, then the pool is filled anew. */
function newSalt(): string {
  if (saltAt === saltPool.length) {
    randomFillSync(saltPool)
    saltAt = 0
  }
  saltAt += SALT_BYTES
  return saltPool.toString('base64url', saltAt - SALT_BYTES, saltAt)
}
