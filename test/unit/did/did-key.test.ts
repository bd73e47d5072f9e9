// did:key: spec vectors, round trips from generated keys, and refusal of malformed or weak keys.
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { didKeyFromPublicKey, resolveDidKey } from '../../../core/did/did-key.ts'
import { DidResolutionError } from '../../../core/did/types.ts'
import { encodeBase58btc, findVerificationKey } from '../../../core/did/verification-key.ts'

const invalidDid = (e: unknown): boolean => e instanceof DidResolutionError && e.code === 'invalid_did'

describe('did:key', () => {
  // did:key spec (w3c-ccg/did-method-key) test vectors.
  const vectors = [
    {
      did: 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp',
      alg: 'EdDSA',
      jwk: { crv: 'Ed25519', kty: 'OKP', x: 'O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik' },
    },
    {
      did: 'did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169',
      alg: 'ES256',
      jwk: { crv: 'P-256', kty: 'EC', x: 'fyNYMN0976ci7xqiSdag3buk-ZCwgXU4kz9XNkBlNUI', y: 'hW2ojTNfH7Jbi8--CJUo3OCbH3y5n91g-IMA9MLMbTU' },
    },
  ]
  for (const vector of vectors) {
    it(`when resolving the spec vector ${vector.did.slice(0, 16)}…, then the Multikey VM holds the expected key`, () => {
      const doc = resolveDidKey(vector.did)
      const fragment = vector.did.slice('did:key:'.length)
      const vmId = `${vector.did}#${fragment}`
      assert.deepEqual(doc.verificationMethod, [{ id: vmId, type: 'Multikey', controller: vector.did, publicKeyMultibase: fragment }])
      assert.deepEqual(doc.authentication, [vmId])
      assert.deepEqual(doc.assertionMethod, [vmId])
      const key = findVerificationKey(doc, vmId, 'assertionMethod')
      assert.deepEqual(key.jwk, vector.jwk)
      assert.deepEqual(key.algorithms, [vector.alg])
      assert.equal(didKeyFromPublicKey(key.publicKey), vector.did)
    })
  }

  for (const [type, prefix, generate] of [
    ['Ed25519', 'did:key:z6Mk', () => generateKeyPairSync('ed25519')],
    ['P-256', 'did:key:zDn', () => generateKeyPairSync('ec', { namedCurve: 'P-256' })],
  ] as const) {
    it(`when made from a generated ${type} key, then it starts ${prefix} and resolves back to the same key`, () => {
      for (let i = 0; i < 10; i++) {
        const { publicKey } = generate()
        const did = didKeyFromPublicKey(publicKey)
        assert.ok(did.startsWith(prefix))
        const doc = resolveDidKey(did)
        const key = findVerificationKey(doc, doc.assertionMethod![0] as string, 'assertionMethod')
        assert.deepEqual(
          key.jwk,
          (({ kty, crv, x, y }) => JSON.parse(JSON.stringify({ crv, kty, x, y })))(publicKey.export({ format: 'jwk' })),
        )
      }
    })
  }

  it('when given a private key or an unsupported key type, then didKeyFromPublicKey throws a TypeError', () => {
    assert.throws(() => didKeyFromPublicKey(generateKeyPairSync('ed25519').privateKey), TypeError)
    assert.throws(() => didKeyFromPublicKey(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey), TypeError)
  })

  const smallOrder = Buffer.concat([Buffer.of(0xed, 0x01), Buffer.alloc(32)])
  const outsideFieldP256 = Buffer.concat([Buffer.of(0x80, 0x24, 0x02), Buffer.alloc(32, 0xff)])
  // x = 1: x³ − 3x + b is not a square mod p, so no point has this x.
  const offCurveP256 = Buffer.concat([Buffer.of(0x80, 0x24, 0x03), Buffer.alloc(31), Buffer.of(1)])
  const uncompressedP256 = Buffer.concat([Buffer.of(0x80, 0x24, 0x04), Buffer.alloc(64, 1)])
  const x25519 = Buffer.concat([Buffer.of(0xec, 0x01), Buffer.alloc(32, 9)])
  const shortEd25519 = Buffer.concat([Buffer.of(0xed, 0x01), Buffer.alloc(31, 7)])
  for (const [name, did] of [
    ['not base58btc multibase', 'did:key:m6Mk'],
    ['out of the base58 alphabet', 'did:key:z6Mk0OIl'],
    ['a small-order Ed25519 key', `did:key:z${encodeBase58btc(smallOrder)}`],
    ['a P-256 x with no point on the curve', `did:key:z${encodeBase58btc(offCurveP256)}`],
    ['a P-256 x outside the field', `did:key:z${encodeBase58btc(outsideFieldP256)}`],
    ['an uncompressed P-256 point', `did:key:z${encodeBase58btc(uncompressedP256)}`],
    ['an X25519 (unsupported) key', `did:key:z${encodeBase58btc(x25519)}`],
    ['a 31-byte Ed25519 key', `did:key:z${encodeBase58btc(shortEd25519)}`],
    ['a version prefix', 'did:key:1:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp'],
  ] as const) {
    it(`when the did:key holds ${name}, then invalid_did`, () => {
      assert.throws(() => resolveDidKey(did), invalidDid)
    })
  }
})
