// The signing pool: compact JWSs made in worker threads are the ones the calling thread makes, in order, with the key
// named by each batch (a rotated key reaches the threads), small batches stay on the calling thread, close() ends it.
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { decodeJws, verifyJwsSignature } from '../../../core/proofs/jws.ts'
import { compactJws } from '../../../issuer/credentials/compact-jws.ts'
import { templatePayloads } from '../../../issuer/credentials/payload-template.ts'
import { INLINE_BELOW, inlineSigner, SigningPool } from '../../../issuer/credentials/signing-pool.ts'

const keyPair = (kid: string) => ({ kid, ...generateKeyPairSync('ed25519') })
const payloads = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => ({ jti: `urn:uuid:${tag}-${i}`, name: [{ '@value': `成果 ${i}`, '@language': 'zh' }], i }))

describe('signing pool', () => {
  let pool: SigningPool
  beforeEach(() => {
    pool = new SigningPool({ workers: 2 })
  })
  afterEach(() => pool.close())

  it('signs a batch in its threads, in order, byte for byte as the calling thread does (Ed25519 is deterministic)', async () => {
    const key = keyPair('did:web:bank.example#key-1')
    const batch = payloads(INLINE_BELOW * 3 + 1, 'a')
    const jws = await pool.sign(batch, key, 'vc+jwt')
    assert.deepEqual(
      jws,
      batch.map((p) => compactJws(p, key.kid, key.privateKey, 'vc+jwt')),
    )
    const decoded = decodeJws(jws.at(-1))
    assert.deepEqual(decoded.header, { alg: 'EdDSA', kid: key.kid, typ: 'vc+jwt' })
    assert.deepEqual(decoded.payload, batch.at(-1))
    assert.equal(verifyJwsSignature(decoded, key.publicKey), true)
  })

  it('cuts batches into parts the threads take in turn: two batches at once, each answered whole and in its order', async () => {
    const key = keyPair('did:web:bank.example#key-1')
    const [one, two] = [payloads(450, 'one'), payloads(333, 'two')]
    const [a, b] = await Promise.all([pool.sign(one, key, 'vc+jwt'), pool.sign(two, key, 'vc+jwt')])
    assert.deepEqual(
      a,
      one.map((p) => compactJws(p, key.kid, key.privateKey, 'vc+jwt')),
    )
    assert.deepEqual(
      b,
      two.map((p) => compactJws(p, key.kid, key.privateKey, 'vc+jwt')),
    )
  })

  it('signs templated payloads byte for byte as their objects, in its threads and on the calling thread', async () => {
    const key = keyPair('did:web:bank.example#key-1')
    const shared = { id: 'https://bank.example/catalogue/c1', name: [{ '@value': '数据结构', '@language': 'zh' }] }
    const objects = Array.from({ length: INLINE_BELOW * 2 }, (_, i) => ({ jti: `urn:uuid:t-${i}`, achievement: shared, credits: i / 4 }))
    // The last one has a member more: it stays an object among the templated ones.
    objects.push({ jti: 'urn:uuid:t-last', achievement: shared, credits: 1, exp: 2 } as never)
    const { payloads: batch, templates } = templatePayloads(
      objects,
      objects.map(() => 'shape'),
    )
    assert.equal(batch.filter((p) => Array.isArray(p)).length, INLINE_BELOW * 2)
    const expected = objects.map((p) => compactJws(p, key.kid, key.privateKey, 'vc+jwt'))
    assert.deepEqual(await pool.sign(batch, key, 'vc+jwt', templates), expected)
    assert.deepEqual(await inlineSigner.sign(batch, key, 'vc+jwt', templates), expected)
  })

  it('hands a rotated key to its threads: each batch is signed with the key it names', async () => {
    const [one, two] = [keyPair('did:web:bank.example#key-1'), keyPair('did:web:bank.example#key-2')]
    const [a, b, c] = await Promise.all([
      pool.sign(payloads(INLINE_BELOW, 'a'), one, 'vc+jwt'),
      pool.sign(payloads(INLINE_BELOW, 'b'), two, 'vc+jwt'),
      pool.sign(payloads(INLINE_BELOW, 'c'), one, 'vc+jwt'),
    ])
    for (const [jws, key] of [
      [a!, one],
      [b!, two],
      [c!, one],
    ] as const) {
      for (const token of jws) {
        const decoded = decodeJws(token)
        assert.equal(decoded.header.kid, key.kid)
        assert.equal(verifyJwsSignature(decoded, key.publicKey), true)
      }
    }
  })

  it('signs a small batch on the calling thread and refuses work once closed', async () => {
    const key = keyPair('did:web:bank.example#key-1')
    const small = payloads(INLINE_BELOW - 1, 's')
    assert.deepEqual(
      await pool.sign(small, key, 'JWT'),
      small.map((p) => compactJws(p, key.kid, key.privateKey, 'JWT')),
    )
    await pool.close()
    await assert.rejects(pool.sign(payloads(INLINE_BELOW, 'x'), key, 'vc+jwt'), /closed/)
  })

  it('fails a batch whose key cannot sign (a public key), and signs the next', async () => {
    const { publicKey } = generateKeyPairSync('ed25519')
    await assert.rejects(
      pool.sign(payloads(INLINE_BELOW, 'e'), { kid: 'did:web:bank.example#public', privateKey: publicKey }, 'vc+jwt'),
      /signing failed/,
    )
    const key = keyPair('did:web:bank.example#key-1')
    assert.equal((await pool.sign(payloads(INLINE_BELOW, 'ok'), key, 'vc+jwt')).length, INLINE_BELOW)
  })
})
