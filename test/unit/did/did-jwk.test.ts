// did:jwk: round trips from generated keys and refusal of malformed, private or unusable JWKs.
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { didJwkFromPublicKey, resolveDidJwk } from '../../../core/did/did-jwk.ts'
import { DidResolutionError } from '../../../core/did/types.ts'
import { findVerificationKey } from '../../../core/did/verification-key.ts'

const encode = (value: unknown): string => `did:jwk:${Buffer.from(JSON.stringify(value)).toString('base64url')}`
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** The same bytes with the unused low bits of the last base64url character set. */
const nonCanonical = (value: unknown): string => {
  let json = JSON.stringify(value)
  while (json.length % 3 !== 1) json += ' '
  const encoded = Buffer.from(json).toString('base64url')
  const last = ALPHABET[ALPHABET.indexOf(encoded.at(-1)!) | 1]!
  return `did:jwk:${encoded.slice(0, -1)}${last}`
}
const invalidDid = (e: unknown): boolean => e instanceof DidResolutionError && e.code === 'invalid_did'

describe('did:jwk', () => {
  for (const [type, alg, generate] of [
    ['Ed25519', 'EdDSA', () => generateKeyPairSync('ed25519')],
    ['P-256', 'ES256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' })],
  ] as const) {
    it(`when made from a generated ${type} key, then it resolves to one #0 method holding that key`, () => {
      const { publicKey } = generate()
      const did = didJwkFromPublicKey(publicKey)
      const doc = resolveDidJwk(did)
      assert.equal(doc.id, did)
      assert.deepEqual(doc.assertionMethod, [`${did}#0`])
      assert.deepEqual(doc.authentication, [`${did}#0`])
      assert.equal(doc.verificationMethod?.[0]?.type, 'JsonWebKey2020')
      const key = findVerificationKey(doc, '#0', 'assertionMethod')
      assert.deepEqual(key.algorithms, [alg])
      assert.equal(
        key.publicKey.export({ format: 'der', type: 'spki' }).toString('hex'),
        publicKey.export({ format: 'der', type: 'spki' }).toString('hex'),
      )
    })
  }

  it('when encoding a key, then the JWK is minimal and in RFC 7638 member order', () => {
    const did = didJwkFromPublicKey(generateKeyPairSync('ed25519').publicKey)
    const jwk = JSON.parse(Buffer.from(did.slice('did:jwk:'.length), 'base64url').toString()) as Record<string, unknown>
    assert.deepEqual(Object.keys(jwk), ['crv', 'kty', 'x'])
  })

  it('when given a private or unsupported key, then didJwkFromPublicKey throws a TypeError', () => {
    assert.throws(() => didJwkFromPublicKey(generateKeyPairSync('ed25519').privateKey), TypeError)
    assert.throws(() => didJwkFromPublicKey(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey), TypeError)
  })

  const ed = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' })
  for (const [name, did] of [
    ['a JWK with the private d', encode(ed)],
    ['a JSON array', encode([1])],
    ['a JSON string', encode('x')],
    ['no JSON at all', `did:jwk:${Buffer.from('not json').toString('base64url')}`],
    ['padding characters', `${encode({ kty: 'OKP', crv: 'Ed25519', x: ed.x })}==`],
    ['non-canonical base64url', nonCanonical({ kty: 'OKP', crv: 'Ed25519', x: ed.x })],
    ['an RSA key', encode(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' }))],
    ['a symmetric key', encode({ kty: 'oct', k: 'c2VjcmV0' })],
    ['an Ed25519 key of 31 bytes', encode({ kty: 'OKP', crv: 'Ed25519', x: Buffer.alloc(31, 1).toString('base64url') })],
  ] as const) {
    it(`when the did:jwk holds ${name}, then invalid_did`, () => {
      assert.throws(() => resolveDidJwk(did), invalidDid)
    })
  }
})
