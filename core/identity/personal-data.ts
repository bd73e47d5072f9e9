// Personal data at rest: AES-256-GCM envelopes bound to their purpose, and keyed look-up hashes (HMAC-SHA-256).
// Both keys are derived with HKDF-SHA-256 from CB_KMS_SECRET_KEY under distinct labels: no second secret to keep.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto'
import { CodedError } from '../errors.ts'
import type { ResidentId } from './resident-id.ts'

/** Why an envelope was refused. The message never contains the envelope's content. */
export type PersonalDataErrorCode = 'personal_data_malformed' | 'personal_data_undecryptable'

export class PersonalDataError extends CodedError<PersonalDataErrorCode> {}

/** The purpose every resident identity number is encrypted and hashed under: accounts and imports must agree on it. */
export const ID_NUMBER_PURPOSE = 'resident_id_number'

const VERSION = 'v1'
const NONCE_BYTES = 12
const TAG_BYTES = 16
const HKDF_SALT = Buffer.from('credit-bank personal data', 'utf8')
const ENCRYPTION_INFO = 'credit-bank/personal-data/aes-256-gcm/v1'
const LOOKUP_INFO = 'credit-bank/personal-data/hmac-sha-256/v1'
const PURPOSE = /^[A-Za-z0-9_.:/-]{1,200}$/

/**
 * Encrypts and hashes personal data with keys derived from the bank's secret (`config.kmsSecretKey`, 64 hex
 * characters). One instance per process, made from config; it holds the derived keys and nothing else.
 *
 * A `purpose` names what the value is and where it lives (`resident_id_number`, `cb_account.id_number`, or one row's
 * `cb_account.id_number:<accountId>`): it is the AES-GCM associated data and part of the HMAC input, so an envelope
 * moved to another column (or row, when the purpose names it) does not decrypt, and the same value hashes differently
 * for different purposes.
 */
export class PersonalDataProtector {
  readonly #encryptionKey: Buffer
  readonly #lookupKey: Buffer
  /** Each purpose's associated data and separator, made once (an import hashes a number a row). */
  readonly #lookupPrefixes = new Map<string, Buffer>()

  constructor(kmsSecretKeyHex: string) {
    if (!/^[0-9a-fA-F]{64}$/.test(kmsSecretKeyHex)) throw new TypeError('PersonalDataProtector needs a 64-hex-character secret')
    const secret = Buffer.from(kmsSecretKeyHex, 'hex')
    this.#encryptionKey = Buffer.from(hkdfSync('sha256', secret, HKDF_SALT, ENCRYPTION_INFO, 32))
    this.#lookupKey = Buffer.from(hkdfSync('sha256', secret, HKDF_SALT, LOOKUP_INFO, 32))
  }

  /** `v1.<nonce>.<ciphertext+tag>`, base64url; a fresh random 96-bit nonce each time, so equal values give different envelopes. */
  encrypt(plaintext: string, purpose: string): string {
    const nonce = randomBytes(NONCE_BYTES)
    const cipher = createCipheriv('aes-256-gcm', this.#encryptionKey, nonce, { authTagLength: TAG_BYTES })
    cipher.setAAD(associatedData(purpose))
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()])
    return `${VERSION}.${nonce.toString('base64url')}.${sealed.toString('base64url')}`
  }

  /** The plaintext, or PersonalDataError when the envelope is malformed or was changed, or its purpose or key differ. */
  decrypt(envelope: string, purpose: string): string {
    const aad = associatedData(purpose)
    const parts = typeof envelope === 'string' ? envelope.split('.') : []
    const [version, nonceText, sealedText] = parts
    if (parts.length !== 3 || version !== VERSION || !isBase64url(nonceText) || !isBase64url(sealedText))
      throw new PersonalDataError('personal_data_malformed', 'not a v1 personal-data envelope')
    const nonce = Buffer.from(nonceText, 'base64url')
    const sealed = Buffer.from(sealedText, 'base64url')
    if (nonce.length !== NONCE_BYTES || sealed.length < TAG_BYTES)
      throw new PersonalDataError('personal_data_malformed', 'not a v1 personal-data envelope')
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#encryptionKey, nonce, { authTagLength: TAG_BYTES })
      decipher.setAAD(aad)
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES))
      return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]).toString('utf8')
    } catch {
      throw new PersonalDataError(
        'personal_data_undecryptable',
        'the personal-data envelope does not authenticate: changed, for another purpose, or under another key',
      )
    }
  }

  /** HMAC-SHA-256 of purpose and value, 64 lower-case hex characters: equal values give equal hashes, for unique indexes and look-ups. */
  lookupHash(value: string, purpose: string): string {
    let prefix = this.#lookupPrefixes.get(purpose)
    if (!prefix) this.#lookupPrefixes.set(purpose, (prefix = Buffer.concat([associatedData(purpose), Buffer.from([0])])))
    return createHmac('sha256', this.#lookupKey).update(prefix).update(value, 'utf8').digest('hex')
  }

  /** The look-up hash of a resident identity number: what "one person, one account" and held import rows are keyed by. */
  idNumberHash(id: ResidentId): string {
    return this.lookupHash(id.reveal(), ID_NUMBER_PURPOSE)
  }

  /** The stored form of a resident identity number (`cb_account.id_number` …, see `encrypt` for `purpose`). */
  encryptIdNumber(id: ResidentId, purpose: string = ID_NUMBER_PURPOSE): string {
    return this.encrypt(id.reveal(), purpose)
  }
}

/** Made from the configuration: `createPersonalDataProtector(config)`. */
export function createPersonalDataProtector(config: { readonly kmsSecretKey: string }): PersonalDataProtector {
  return new PersonalDataProtector(config.kmsSecretKey)
}

function associatedData(purpose: string): Buffer {
  if (typeof purpose !== 'string' || !PURPOSE.test(purpose))
    throw new TypeError('a personal-data purpose is 1-200 characters of A-Z a-z 0-9 _ . : / -')
  return Buffer.from(`credit-bank/${VERSION}/${purpose}`, 'utf8')
}

function isBase64url(s: string | undefined): s is string {
  return typeof s === 'string' && /^[A-Za-z0-9_-]+$/.test(s)
}
