// findVerificationKey and key import: purpose, kid binding, key types, and refusal of private, weak or malformed keys.
import assert from 'node:assert/strict'
import { generateKeyPairSync, sign, verify } from 'node:crypto'
import type { DidDocument, VerificationMethod } from '../../../core/did/types.ts'
import {
  decodeBase58btc,
  encodeBase58btc,
  findVerificationKey,
  KeyResolutionError,
  multikeyFromPublicKey,
  publicKeyFromJwk,
} from '../../../core/did/verification-key.ts'

const DID = 'did:web:bank.example'

const publicJwk = (key: import('node:crypto').KeyObject): JsonWebKey => {
  const { kty, crv, x, y } = key.export({ format: 'jwk' })
  return JSON.parse(JSON.stringify({ kty, crv, x, y })) as JsonWebKey
}

const failsWith = (fn: () => unknown, code: KeyResolutionError['code']): void => {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof KeyResolutionError, `expected KeyResolutionError, got ${String(e)}`)
    assert.equal(e.code, code, e.message)
    return true
  })
}

/** A document with `#signing` under assertionMethod and `#login` only under authentication. */
const buildDocument = () => {
  const signing = generateKeyPairSync('ed25519')
  const login = generateKeyPairSync('ed25519')
  const doc: DidDocument = {
    id: DID,
    verificationMethod: [
      { id: `${DID}#signing`, type: 'JsonWebKey', controller: DID, publicKeyJwk: publicJwk(signing.publicKey) },
      { id: '#login', type: 'JsonWebKey', controller: DID, publicKeyJwk: publicJwk(login.publicKey) },
    ],
    assertionMethod: ['#signing'],
    authentication: [`${DID}#login`],
  }
  return { doc, signing, login }
}

const withMethod = (vm: Omit<VerificationMethod, 'id' | 'controller'>): DidDocument => ({
  id: DID,
  verificationMethod: [{ id: `${DID}#k`, controller: DID, ...vm }],
  assertionMethod: ['#k'],
})

describe('findVerificationKey', () => {
  it('when the key is under assertionMethod, then relative and absolute refs give the same Ed25519 key that verifies its signatures', () => {
    const { doc, signing } = buildDocument()
    const relative = findVerificationKey(doc, '#signing', 'assertionMethod')
    const absolute = findVerificationKey(doc, `${DID}#signing`, 'assertionMethod')
    assert.equal(relative.id, `${DID}#signing`)
    assert.equal(relative.controller, DID)
    assert.deepEqual(relative.algorithms, ['EdDSA'])
    assert.equal(relative.publicKey, absolute.publicKey)
    const message = Buffer.from('credit record')
    assert.ok(verify(null, message, relative.publicKey, sign(null, message, signing.privateKey)))
  })

  it('when the key is only under authentication, then it is not authorized for assertionMethod, but is for authentication', () => {
    const { doc } = buildDocument()
    failsWith(() => findVerificationKey(doc, '#login', 'assertionMethod'), 'verification_method_not_authorized')
    assert.equal(findVerificationKey(doc, '#login', 'authentication').id, `${DID}#login`)
  })

  it('when a method is embedded under another relationship only, then it is not authorized for the asked one', () => {
    const { publicKey } = generateKeyPairSync('ed25519')
    const doc: DidDocument = {
      id: DID,
      authentication: [{ id: '#embedded', type: 'JsonWebKey', controller: DID, publicKeyJwk: publicJwk(publicKey) }],
    }
    failsWith(() => findVerificationKey(doc, '#embedded', 'assertionMethod'), 'verification_method_not_authorized')
    assert.deepEqual(findVerificationKey(doc, '#embedded', 'authentication').algorithms, ['EdDSA'])
  })

  it('when a method is embedded under assertionMethod, then it is used', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const doc: DidDocument = {
      id: DID,
      assertionMethod: [{ id: `${DID}#e`, type: 'JsonWebKey2020', controller: DID, publicKeyJwk: publicJwk(publicKey) }],
    }
    assert.deepEqual(findVerificationKey(doc, '#e', 'assertionMethod').algorithms, ['ES256'])
  })

  for (const ref of [
    'did:web:evil.example#signing',
    'did:web:bank.example.evil.example#signing',
    `${DID}:other#signing`,
    `${DID}?x=1#signing`,
    'signing',
    DID,
    '../signing',
  ]) {
    it(`when the kid is ${ref}, then kid_not_issuer`, () => {
      failsWith(() => findVerificationKey(buildDocument().doc, ref, 'assertionMethod'), 'kid_not_issuer')
    })
  }

  it('when the kid names no method of the document, then verification_method_not_found', () => {
    const { doc } = buildDocument()
    failsWith(() => findVerificationKey(doc, '#missing', 'assertionMethod'), 'verification_method_not_found')
    failsWith(() => findVerificationKey(doc, '#', 'assertionMethod'), 'verification_method_not_found')
  })

  it('when assertionMethod references a method the document does not define, then verification_method_not_found', () => {
    const doc: DidDocument = { id: DID, assertionMethod: ['#ghost'] }
    failsWith(() => findVerificationKey(doc, '#ghost', 'assertionMethod'), 'verification_method_not_found')
  })

  it('when the key is P-256, then ES256 is its only algorithm', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    assert.deepEqual(
      findVerificationKey(withMethod({ type: 'JsonWebKey', publicKeyJwk: publicJwk(publicKey) }), '#k', 'assertionMethod').algorithms,
      ['ES256'],
    )
    assert.deepEqual(
      findVerificationKey(withMethod({ type: 'Multikey', publicKeyMultibase: multikeyFromPublicKey(publicKey) }), '#k', 'assertionMethod')
        .algorithms,
      ['ES256'],
    )
  })

  it('when the method is Multikey, Ed25519VerificationKey2020 or Ed25519VerificationKey2018, then the Ed25519 key is read', () => {
    const { publicKey } = generateKeyPairSync('ed25519')
    const multibase = multikeyFromPublicKey(publicKey)
    const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url')
    for (const vm of [
      { type: 'Multikey', publicKeyMultibase: multibase },
      { type: 'Ed25519VerificationKey2020', publicKeyMultibase: multibase },
      { type: 'Ed25519VerificationKey2018', publicKeyBase58: encodeBase58btc(raw) },
    ]) {
      const key = findVerificationKey(withMethod(vm), '#k', 'assertionMethod')
      assert.deepEqual(key.jwk, { crv: 'Ed25519', kty: 'OKP', x: raw.toString('base64url') })
    }
  })

  it('when an Ed25519VerificationKey2020 holds a P-256 multikey, then invalid_key', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    failsWith(
      () =>
        findVerificationKey(
          withMethod({ type: 'Ed25519VerificationKey2020', publicKeyMultibase: multikeyFromPublicKey(publicKey) }),
          '#k',
          'assertionMethod',
        ),
      'invalid_key',
    )
  })

  it('when the method type or key type is unsupported, then unsupported_key_type', () => {
    const secp256k1 = publicJwk(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey)
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' }) as JsonWebKey
    const x25519 = publicJwk(generateKeyPairSync('x25519').publicKey)
    failsWith(
      () =>
        findVerificationKey(withMethod({ type: 'EcdsaSecp256k1VerificationKey2019', publicKeyJwk: secp256k1 }), '#k', 'assertionMethod'),
      'unsupported_key_type',
    )
    for (const jwk of [secp256k1, rsa, x25519]) {
      failsWith(
        () => findVerificationKey(withMethod({ type: 'JsonWebKey', publicKeyJwk: jwk }), '#k', 'assertionMethod'),
        'unsupported_key_type',
      )
    }
  })

  it('when the key material is missing for the method type, then invalid_key', () => {
    failsWith(
      () => findVerificationKey(withMethod({ type: 'JsonWebKey', publicKeyMultibase: 'z6Mk' }), '#k', 'assertionMethod'),
      'invalid_key',
    )
    failsWith(() => findVerificationKey(withMethod({ type: 'Multikey' }), '#k', 'assertionMethod'), 'invalid_key')
    failsWith(
      () => findVerificationKey(withMethod({ type: 'Ed25519VerificationKey2018', publicKeyBase58: '1111' }), '#k', 'assertionMethod'),
      'invalid_key',
    )
  })
})

describe('publicKeyFromJwk', () => {
  it('when the same JWK is imported twice, then the cached KeyObject is returned', () => {
    const jwk = publicJwk(generateKeyPairSync('ed25519').publicKey)
    assert.equal(publicKeyFromJwk(jwk), publicKeyFromJwk({ ...jwk, kid: 'other-name' } as JsonWebKey))
  })

  it('when the JWK holds the private d (or is symmetric), then invalid_key', () => {
    failsWith(() => publicKeyFromJwk(generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as JsonWebKey), 'invalid_key')
    failsWith(
      () => publicKeyFromJwk(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }) as JsonWebKey),
      'invalid_key',
    )
    failsWith(() => publicKeyFromJwk({ kty: 'oct', k: 'c2VjcmV0' }), 'invalid_key')
  })

  // The eight small-order points (Wycheproof ed25519_test.json, libsodium ge25519_has_small_order).
  const smallOrder = [
    '0000000000000000000000000000000000000000000000000000000000000000',
    '0000000000000000000000000000000000000000000000000000000000000080',
    '0100000000000000000000000000000000000000000000000000000000000000',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  ]
  // Non-canonical encodings: y = p (≡ 0), y = p + 1 (≡ 1), y = 2^255 − 1, and x = 0 with the sign bit set.
  const nonCanonical = [
    'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    '0100000000000000000000000000000000000000000000000000000000000080',
  ]
  for (const hex of [...smallOrder, ...nonCanonical]) {
    it(`when the Ed25519 key is the weak encoding ${hex.slice(0, 8)}…${hex.slice(-2)}, then invalid_key in every encoding`, () => {
      const raw = Buffer.from(hex, 'hex')
      failsWith(() => publicKeyFromJwk({ kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }), 'invalid_key')
      failsWith(
        () =>
          findVerificationKey(
            withMethod({ type: 'Ed25519VerificationKey2018', publicKeyBase58: encodeBase58btc(raw) }),
            '#k',
            'assertionMethod',
          ),
        'invalid_key',
      )
      const multikey = `z${encodeBase58btc(Buffer.concat([Buffer.of(0xed, 0x01), raw]))}`
      failsWith(
        () => findVerificationKey(withMethod({ type: 'Multikey', publicKeyMultibase: multikey }), '#k', 'assertionMethod'),
        'invalid_key',
      )
    })
  }

  it('when the JWK alg, use or key_ops contradict verification with this key, then invalid_key', () => {
    const ed = publicJwk(generateKeyPairSync('ed25519').publicKey)
    const p256 = publicJwk(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey)
    failsWith(() => publicKeyFromJwk({ ...ed, alg: 'ES256' }), 'invalid_key')
    failsWith(() => publicKeyFromJwk({ ...p256, alg: 'EdDSA' }), 'invalid_key')
    failsWith(() => publicKeyFromJwk({ ...p256, alg: 'HS256' }), 'invalid_key')
    failsWith(() => publicKeyFromJwk({ ...ed, use: 'enc' }), 'invalid_key')
    failsWith(() => publicKeyFromJwk({ ...ed, key_ops: ['sign'] }), 'invalid_key')
    assert.ok(publicKeyFromJwk({ ...ed, alg: 'EdDSA', use: 'sig', key_ops: ['verify'] }))
  })

  it('when the coordinates are malformed or off the curve, then invalid_key', () => {
    const p256 = publicJwk(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey)
    const flipped = Buffer.from(p256.y!, 'base64url')
    flipped[31] = flipped[31]! ^ 1
    failsWith(() => publicKeyFromJwk({ ...p256, y: flipped.toString('base64url') }), 'invalid_key')
    failsWith(() => publicKeyFromJwk({ kty: 'EC', crv: 'P-256', x: p256.x! }), 'invalid_key')
    failsWith(() => publicKeyFromJwk({ kty: 'OKP', crv: 'Ed25519', x: `${Buffer.alloc(32, 3).toString('base64url')}=` }), 'invalid_key')
    failsWith(() => publicKeyFromJwk({ kty: 'OKP', crv: 'Ed25519', x: Buffer.alloc(33, 3).toString('base64url') }), 'invalid_key')
    failsWith(() => publicKeyFromJwk({ kty: 'OKP', crv: 'Ed25519', x: Buffer.alloc(32, 3).toString('base64') + '+/' }), 'invalid_key')
  })
})

describe('base58btc', () => {
  it('when bytes with leading zeros are encoded, then they decode back unchanged', () => {
    for (const bytes of [Buffer.of(0), Buffer.of(0, 0, 1, 2, 255), Buffer.from('hello world'), Buffer.alloc(34, 0xab)]) {
      assert.deepEqual(Buffer.from(decodeBase58btc(encodeBase58btc(bytes))!), bytes)
    }
    assert.equal(encodeBase58btc(Buffer.from('Hello World!')), '2NEpo7TZRRrLZSi2U')
  })

  it('when the text is empty, too long or outside the alphabet, then it does not decode', () => {
    for (const text of ['', '0', 'O', 'I', 'l', '1'.repeat(129)]) assert.equal(decodeBase58btc(text), undefined)
  })
})
