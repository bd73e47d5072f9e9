// Personal data at rest: AES-256-GCM envelopes (round trip, tamper detection, purpose binding) and keyed look-up hashes.
import assert from 'node:assert/strict'
import { createHmac, hkdfSync } from 'node:crypto'
import { fixedClock } from '../../../core/clock.ts'
import { CodedError } from '../../../core/errors.ts'
import {
  ID_NUMBER_PURPOSE,
  PersonalDataError,
  PersonalDataProtector,
  createPersonalDataProtector,
} from '../../../core/identity/personal-data.ts'
import { parseResidentId } from '../../../core/identity/resident-id.ts'

const SECRET = 'ab'.repeat(32)
const OTHER_SECRET = 'cd'.repeat(32)
const ID_NUMBER = '11010519491231002X'
const clock = fixedClock('2026-06-15T12:00:00Z')

function refused(fn: () => unknown, code: PersonalDataError['code']): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof PersonalDataError && err instanceof CodedError)
    assert.equal(err.code, code)
    assert.ok(!err.message.includes(ID_NUMBER))
    return true
  })
}

/** Flips one bit of byte `at` (negative: from the end) of the envelope's part `part` (1: nonce, 2: ciphertext+tag). */
function flip(envelope: string, part: 1 | 2, at: number): string {
  const parts = envelope.split('.')
  const bytes = Buffer.from(parts[part], 'base64url')
  bytes[at < 0 ? bytes.length + at : at] ^= 0x01
  parts[part] = bytes.toString('base64url')
  return parts.join('.')
}

describe('personal data at rest', () => {
  const pii = createPersonalDataProtector({ kmsSecretKey: SECRET })

  it('when a value is encrypted, then it decrypts for the same purpose, as a v1 envelope with a fresh 96-bit nonce each time', () => {
    for (const value of [ID_NUMBER, '张三', '', 'x'.repeat(10_000)]) {
      const envelope = pii.encrypt(value, 'cb_account.id_number')
      assert.match(envelope, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/)
      assert.equal(Buffer.from(envelope.split('.')[1], 'base64url').length, 12)
      assert.ok(!envelope.includes(value) || value === '')
      assert.equal(pii.decrypt(envelope, 'cb_account.id_number'), value)
    }
    const a = pii.encrypt(ID_NUMBER, ID_NUMBER_PURPOSE)
    const b = pii.encrypt(ID_NUMBER, ID_NUMBER_PURPOSE)
    assert.notEqual(a, b)
    assert.notEqual(a.split('.')[1], b.split('.')[1])
    assert.equal(
      new PersonalDataProtector(SECRET).decrypt(a, ID_NUMBER_PURPOSE),
      ID_NUMBER,
      'another instance with the same secret decrypts',
    )
  })

  it('when the ciphertext, the tag, the nonce, the purpose or the key differ, then decryption is refused', () => {
    const envelope = pii.encrypt(ID_NUMBER, 'cb_account.id_number:acct-1')
    refused(() => pii.decrypt(flip(envelope, 2, 0), 'cb_account.id_number:acct-1'), 'personal_data_undecryptable')
    refused(() => pii.decrypt(flip(envelope, 2, -1), 'cb_account.id_number:acct-1'), 'personal_data_undecryptable')
    refused(() => pii.decrypt(flip(envelope, 1, 3), 'cb_account.id_number:acct-1'), 'personal_data_undecryptable')
    refused(() => pii.decrypt(envelope, 'cb_account.id_number:acct-2'), 'personal_data_undecryptable')
    refused(() => pii.decrypt(envelope, 'cb_import_row.id_number'), 'personal_data_undecryptable')
    refused(() => new PersonalDataProtector(OTHER_SECRET).decrypt(envelope, 'cb_account.id_number:acct-1'), 'personal_data_undecryptable')
    const [, nonce, sealed] = envelope.split('.')
    const truncated = `v1.${nonce}.${Buffer.from(sealed, 'base64url').subarray(1).toString('base64url')}`
    refused(() => pii.decrypt(truncated, 'cb_account.id_number:acct-1'), 'personal_data_undecryptable')
  })

  it('when an envelope is not a v1 envelope, then it is refused as malformed', () => {
    const [, nonce, sealed] = pii.encrypt(ID_NUMBER, ID_NUMBER_PURPOSE).split('.')
    for (const bad of [
      '',
      ID_NUMBER,
      `v2.${nonce}.${sealed}`,
      `v1.${nonce}`,
      `v1.${nonce}.${sealed}.x`,
      `v1.${nonce}=.${sealed}`,
      `v1.${nonce}AAAA.${sealed}`,
      `v1.${nonce}.AAAA`,
    ])
      refused(() => pii.decrypt(bad, ID_NUMBER_PURPOSE), 'personal_data_malformed')
  })

  it('when a purpose is not a short label, then it is a programmer error', () => {
    assert.throws(() => pii.encrypt(ID_NUMBER, ''), TypeError)
    assert.throws(() => pii.encrypt(ID_NUMBER, 'has space'), TypeError)
    assert.throws(() => pii.lookupHash(ID_NUMBER, 'x'.repeat(201)), TypeError)
    assert.throws(() => new PersonalDataProtector('not hex'), TypeError)
  })

  it('when a value is hashed for look-up, then the hash is stable, and differs by key, by purpose and by value', () => {
    const h = pii.lookupHash(ID_NUMBER, ID_NUMBER_PURPOSE)
    assert.match(h, /^[0-9a-f]{64}$/)
    assert.equal(createPersonalDataProtector({ kmsSecretKey: SECRET }).lookupHash(ID_NUMBER, ID_NUMBER_PURPOSE), h)
    assert.notEqual(new PersonalDataProtector(OTHER_SECRET).lookupHash(ID_NUMBER, ID_NUMBER_PURPOSE), h)
    assert.notEqual(pii.lookupHash(ID_NUMBER, 'phone_number'), h)
    assert.notEqual(pii.lookupHash('110105194912310029', ID_NUMBER_PURPOSE), h)
    // Pinned: HMAC-SHA-256 under HKDF-SHA-256(secret, salt, info) of "credit-bank/v1/<purpose>", 0x00, value.
    const key = Buffer.from(
      hkdfSync('sha256', Buffer.from(SECRET, 'hex'), 'credit-bank personal data', 'credit-bank/personal-data/hmac-sha-256/v1', 32),
    )
    const expected = createHmac('sha256', key).update(`credit-bank/v1/${ID_NUMBER_PURPOSE}\0${ID_NUMBER}`).digest('hex')
    assert.equal(h, expected)
    assert.notEqual(key.toString('hex'), SECRET, 'a derived key, not the secret itself')
  })

  it('when a resident identity number is protected, then typing x or X gives the same look-up hash and the envelope holds the normalized number', () => {
    const upper = parseResidentId(ID_NUMBER, clock)
    const lower = parseResidentId(ID_NUMBER.toLowerCase(), clock)
    assert.ok(upper.ok && lower.ok)
    assert.equal(pii.idNumberHash(lower.id), pii.idNumberHash(upper.id))
    assert.equal(pii.idNumberHash(upper.id), pii.lookupHash(ID_NUMBER, ID_NUMBER_PURPOSE))
    assert.equal(pii.decrypt(pii.encryptIdNumber(lower.id), ID_NUMBER_PURPOSE), ID_NUMBER)
    assert.equal(pii.decrypt(pii.encryptIdNumber(lower.id, 'cb_account.id_number'), 'cb_account.id_number'), ID_NUMBER)
  })
})
