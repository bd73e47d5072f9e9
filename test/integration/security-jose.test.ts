// SECURITY.md B1 over HTTP: forged, malformed and confused JOSE tokens sent to the running verifier.
import assert from 'node:assert/strict'
import { createHmac, generateKeyPairSync } from 'node:crypto'
import { buildAchievementCredential, buildV1Credential, withValue } from '../../fixtures/builders.ts'
import {
  check,
  issueAsBank,
  jwtOf,
  post,
  setStatus,
  startTestSystem,
  TEST_NOW,
  verify,
  type HttpResult,
  type Report,
  type TestSystem,
} from '../../fixtures/test-system.ts'
import {
  b64u,
  decodeJwt,
  envelope,
  FakeHost,
  FakeHosts,
  forgeJws,
  newHolder,
  resignAsBank,
  signPresentation,
  signSegments,
  vcJwtPayload,
  verifyPresentation,
  type Json,
} from '../helpers/attacks.ts'

/** Ed25519 group order L = 2^252 + 27742317777372353535851937790883648493. */
const ED25519_L = (1n << 252n) + 27742317777372353535851937790883648493n
/** P-256 group order n. */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n

/** The verifier refused to read the input: HTTP 400, format check failed with `reason`, and a matching problemDetails entry. */
function assertFormatRejected(res: HttpResult<Report>, reason: string): void {
  assert.equal(check(res.body, 'format'), `failed:${reason}`, JSON.stringify(res.body.checks[0]))
  assert.equal(res.status, 400)
  assert.equal(res.body.verified, false)
  assert.ok(
    res.body.problemDetails.some((p) => p.code === reason),
    'problemDetails names the reason',
  )
}

/** The input was readable but the proof check failed with `reason`: HTTP 400 with the full report, verified false. */
function assertProofFailed(res: HttpResult<Report>, reason: string): void {
  assert.equal(check(res.body, 'proof'), `failed:${reason}`, JSON.stringify(res.body.checks))
  assert.equal(res.status, 400)
  assert.equal(res.body.verified, false)
}

const bigToBytes = (n: bigint, length: number, littleEndian: boolean): Buffer => {
  const hex = n.toString(16).padStart(length * 2, '0')
  const be = Buffer.from(hex, 'hex')
  return littleEndian ? Buffer.from(be.reverse()) : be
}
const bytesToBig = (b: Buffer, littleEndian: boolean): bigint =>
  BigInt(`0x${Buffer.from(littleEndian ? Buffer.from(b).reverse() : b).toString('hex') || '0'}`)
const withSignature = (jwt: string, signature: Buffer): string =>
  `${jwt.split('.').slice(0, 2).join('.')}.${signature.toString('base64url')}`

describe('security B1: JOSE / JWT layer (HTTP)', () => {
  let sys: TestSystem
  let host: FakeHost
  const hosts = new FakeHosts()
  /** A valid vc+jwt the bank issued, and its credential id. */
  let jwt: string
  let credentialId: string

  before(async () => {
    sys = await startTestSystem()
    host = await new FakeHost().start()
    const res = await issueAsBank(sys, buildAchievementCredential(sys.did))
    assert.equal(res.status, 201)
    jwt = jwtOf(res.body.verifiableCredential)
    credentialId = String(decodeJwt(jwt).payload.id)
    const ok = await verify(sys, jwt)
    assert.equal(ok.body.verified, true, 'the unmodified credential verifies')
  })
  after(async () => {
    await host.close()
    await hosts.closeAll()
    await sys.close()
  })
  afterEach(() => sys.clock.set(TEST_NOW))

  const bankKid = () => String(decodeJwt(jwt).header.kid)
  const payloadOf = () => decodeJwt(jwt).payload

  describe('#1 #2 #3 algorithms', () => {
    it('when alg is none and the signature is empty, then the format check fails (jws_malformed) and the answer is 400', async () => {
      const token = `${b64u({ alg: 'none', typ: 'vc+jwt', kid: bankKid() })}.${b64u(payloadOf())}.`
      assertFormatRejected(await verify(sys, token), 'jws_malformed')
    })

    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      it(`when alg is "${alg}" with a signature segment, then the format check fails with alg_not_allowed and the answer is 400`, async () => {
        assertFormatRejected(await verify(sys, forgeJws({ alg, typ: 'vc+jwt', kid: bankKid() }, payloadOf())), 'alg_not_allowed')
      })
    }

    it("when alg is HS256 keyed with the issuer's public key (algorithm confusion), then the format check fails with alg_not_allowed", async () => {
      const { publicKeyJwk } = await sys.issuer.identity.activeKey()
      const header = b64u({ alg: 'HS256', typ: 'vc+jwt', kid: bankKid() })
      const payload = b64u(payloadOf())
      for (const secret of [Buffer.from(String(publicKeyJwk.x), 'base64url'), Buffer.from(JSON.stringify(publicKeyJwk))]) {
        const mac = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url')
        assertFormatRejected(await verify(sys, `${header}.${payload}.${mac}`), 'alg_not_allowed')
      }
    })

    for (const alg of ['ES256K-R', 'ES256K', 'RS256', 'PS256', 'ES384', 'HS512', '']) {
      it(`when alg is "${alg}" (outside the allow-list), then the format check fails with alg_not_allowed`, async () => {
        assertFormatRejected(await verify(sys, await resignAsBank(sys, jwt, (h) => (h.alg = alg))), 'alg_not_allowed')
      })
    }

    it("when alg is ES256 but kid names the bank's Ed25519 key, then the proof check fails with alg_key_mismatch (400, verified false)", async () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      assertProofFailed(
        await verify(sys, forgeJws({ alg: 'ES256', typ: 'vc+jwt', kid: bankKid() }, payloadOf(), privateKey)),
        'alg_key_mismatch',
      )
    })

    it('when alg is EdDSA but kid names a P-256 key, then the proof check fails with alg_key_mismatch', async () => {
      const p256 = await hosts.signer({ curve: 'p256' })
      const payload = vcJwtPayload(buildAchievementCredential(p256.did) as unknown as Json, p256.did)
      const { privateKey } = generateKeyPairSync('ed25519')
      assertProofFailed(
        await verify(sys, forgeJws({ alg: 'EdDSA', typ: 'vc+jwt', kid: p256.kid }, payload, privateKey)),
        'alg_key_mismatch',
      )
    })
  })

  describe('#4 #5 #6 where the key comes from', () => {
    it('when an attacker key is embedded as a jwk header and signs the token, then the header key is ignored and the proof fails with signature_invalid', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519')
      const forged = forgeJws(
        { alg: 'EdDSA', typ: 'vc+jwt', kid: bankKid(), jwk: publicKey.export({ format: 'jwk' }) },
        { ...payloadOf(), name: 'Forged' },
        privateKey,
      )
      assertProofFailed(await verify(sys, forged), 'signature_invalid')
    })

    it('when the jwk header is the only key (no kid), then the format check fails with kid_missing', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519')
      assertFormatRejected(
        await verify(sys, forgeJws({ alg: 'EdDSA', typ: 'vc+jwt', jwk: publicKey.export({ format: 'jwk' }) }, payloadOf(), privateKey)),
        'kid_missing',
      )
    })

    for (const name of ['jku', 'x5u', 'x5c', 'x5t', 'x5t#S256']) {
      it(`when the header carries "${name}", then the format check fails with header_key_not_allowed and the URL is never fetched`, async () => {
        host.hits.length = 0
        const value = name === 'x5c' ? ['MIIB'] : name.startsWith('x5t') ? 'AAAA' : `${host.origin}/keys.json`
        assertFormatRejected(await verify(sys, await resignAsBank(sys, jwt, (h) => (h[name] = value))), 'header_key_not_allowed')
        assert.deepEqual(host.hits, [], 'nothing was fetched')
      })
    }

    it('when kid is a DID URL of another DID the attacker controls while iss is the bank, then the proof fails with kid_not_issuer', async () => {
      const attacker = await hosts.signer()
      const forged = forgeJws({ alg: 'EdDSA', typ: 'vc+jwt', kid: attacker.kid }, payloadOf(), attacker.privateKey)
      assertProofFailed(await verify(sys, forged), 'kid_not_issuer')
    })

    const kids: [string, (did: string) => string, string][] = [
      ['another DID (did:web:evil.example#k)', () => 'did:web:evil.example#k', 'kid_not_issuer'],
      ['a path traversal fragment', (did) => `${did}#../../.well-known/did.json`, 'verification_method_not_found'],
      ['SQL', () => "' OR '1'='1' --", 'kid_not_issuer'],
      ['SQL after the bank DID', (did) => `${did}#k' OR '1'='1`, 'verification_method_not_found'],
      ['a bare fragment of an unknown key', () => '#key-1', 'verification_method_not_found'],
      ['the bank DID with an empty fragment', (did) => `${did}#`, 'verification_method_not_found'],
      ['the bank DID without a fragment', (did) => did, 'kid_not_issuer'],
    ]
    for (const [what, kidOf, reason] of kids) {
      it(`when kid is ${what}, then the proof check fails with ${reason}`, async () => {
        assertProofFailed(await verify(sys, await resignAsBank(sys, jwt, (h) => (h.kid = kidOf(sys.did)))), reason)
      })
    }

    it('when kid is an empty string or not a string, then the format check fails with kid_malformed', async () => {
      for (const kid of ['', 42, { id: 'x' }])
        assertFormatRejected(await verify(sys, await resignAsBank(sys, jwt, (h) => (h.kid = kid))), 'kid_malformed')
    })
  })

  describe('#7 #8 #9 #10 structure', () => {
    it('when the header has a crit extension, then the format check fails with crit_not_supported', async () => {
      assertFormatRejected(
        await verify(sys, await resignAsBank(sys, jwt, (h) => Object.assign(h, { crit: ['exp'], exp: 1 }))),
        'crit_not_supported',
      )
      assertFormatRejected(await verify(sys, await resignAsBank(sys, jwt, (h) => (h.crit = []))), 'crit_not_supported')
    })

    it('when the header says b64:false (unencoded payload), then the format check fails with b64_not_allowed', async () => {
      assertFormatRejected(
        await verify(sys, await resignAsBank(sys, jwt, (h) => Object.assign(h, { b64: false, crit: undefined }))),
        'b64_not_allowed',
      )
    })

    it('when the JWS JSON serialization is sent as a JSON string, then the format check fails with jws_malformed', async () => {
      const [h, p, s] = jwt.split('.')
      assertFormatRejected(await verify(sys, JSON.stringify({ protected: h, payload: p, signature: s })), 'jws_malformed')
      assertFormatRejected(await verify(sys, JSON.stringify({ payload: p, signatures: [{ protected: h, signature: s }] })), 'jws_malformed')
    })

    it('when the JWS JSON serialization is sent as an object, then it is read as an unsecured document: 400, schema failed, proof failed', async () => {
      const [h, p, s] = jwt.split('.')
      const res = await verify(sys, { protected: h, payload: p, signature: s })
      assert.equal(res.status, 400)
      assert.equal(res.body.verified, false)
      assert.equal(check(res.body, 'schema'), 'failed:schema_invalid')
      assert.equal(check(res.body, 'proof'), 'failed:issuer_not_did')
    })

    it('when a polyglot token (compact JWS with JSON serialization around or after it) is sent, then the format check fails with jws_malformed', async () => {
      const [h, p, s] = jwt.split('.')
      assertFormatRejected(await verify(sys, `${jwt}.${b64u({ protected: h, payload: p, signature: s })}`), 'jws_malformed')
      assertFormatRejected(await verify(sys, `{"protected":"${h}","payload":"${p}.${s}"}`), 'jws_malformed')
      // Inside an envelope, whose id must hold a compact JWT, it is refused as a malformed envelope.
      assertFormatRejected(await verify(sys, envelope(JSON.stringify({ protected: h, payload: p, signature: s }))), 'envelope_malformed')
    })

    const garbage: [string, (t: string) => string][] = [
      ['an empty string', () => ''],
      ['one segment', (t) => t.split('.')[0]!],
      ['two segments', (t) => t.split('.').slice(0, 2).join('.')],
      ['four segments', (t) => `${t}.${t.split('.')[2]}`],
      ['five segments (a JWE shape)', (t) => `${t}.AAAA.BBBB`],
      ['= padding on the signature', (t) => `${t}==`],
      ['= padding on the header', (t) => t.replace('.', '=.')],
      ['a leading space', (t) => ` ${t}`],
      ['a trailing newline', (t) => `${t}\n`],
      ['a space inside the payload', (t) => t.replace('.', '. ')],
      ['standard base64 characters (+ and /)', (t) => t.replace(/-/g, '+').replace(/_/g, '/').replace(/^(.)/, '+')],
      ['a non-ASCII character', (t) => `${t.slice(0, 10)}é${t.slice(11)}`],
      ['an empty header', (t) => `.${t.split('.').slice(1).join('.')}`],
      ['an empty payload', (t) => t.replace(/\.[^.]+\./, '..')],
      ['dots only', () => '..'],
    ]
    for (const [what, mangle] of garbage) {
      it(`when the token has ${what}, then the format check fails with jws_malformed and the answer is 400`, async () => {
        assertFormatRejected(await verify(sys, mangle(jwt)), 'jws_malformed')
      })
    }

    const payloads: [string, () => string][] = [
      ['not JSON', () => Buffer.from('not json').toString('base64url')],
      ['a JSON array', () => b64u([1, 2])],
      ['a JSON string', () => b64u('credential')],
      ['a JSON number', () => b64u(42)],
      ['JSON null', () => b64u(null)],
      ['invalid UTF-8', () => Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]).toString('base64url')],
      ['an overlong UTF-8 encoding', () => Buffer.from([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d]).toString('base64url')],
    ]
    for (const [what, payload] of payloads) {
      it(`when the bank-signed payload is ${what}, then the format check fails with jws_malformed (never 500)`, async () => {
        const { privateKey } = await sys.issuer.identity.activeKey()
        assertFormatRejected(
          await verify(sys, signSegments(b64u({ alg: 'EdDSA', typ: 'vc+jwt', kid: bankKid() }), payload(), privateKey)),
          'jws_malformed',
        )
      })
    }

    it('when the header is not JSON, a JSON array, or invalid UTF-8, then the format check fails with jws_malformed', async () => {
      const [, p, s] = jwt.split('.')
      for (const header of [
        Buffer.from('{alg:EdDSA}').toString('base64url'),
        b64u(['EdDSA']),
        Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url'),
      ]) {
        assertFormatRejected(await verify(sys, `${header}.${p}.${s}`), 'jws_malformed')
      }
    })

    it('when the header has no alg, then the format check fails with alg_not_allowed', async () => {
      assertFormatRejected(await verify(sys, await resignAsBank(sys, jwt, (h) => delete h.alg)), 'alg_not_allowed')
    })

    it('when the credential is a number, boolean, null or array, then the format check fails with credential_malformed', async () => {
      for (const value of [42, true, null, [jwt]]) assertFormatRejected(await verify(sys, value), 'credential_malformed')
    })

    it('when an EnvelopedVerifiableCredential id is not a vc+jwt data: URL, then the format check fails with envelope_malformed', async () => {
      for (const id of [jwt, `https://bank.example/${jwt}`, `data:application/vp+jwt,${jwt}`, `data:application/json,${jwt}`, 42]) {
        assertFormatRejected(await verify(sys, { ...envelope(jwt), id }), 'envelope_malformed')
      }
    })
  })

  describe('#11 #12 #13 signature encodings', () => {
    /** Sets the unused low bits of the signature's last base64url character (86 chars carry 512 bits + 4 spare). */
    const nonCanonical = (token: string): string => {
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
      const last = alphabet.indexOf(token.at(-1)!)
      assert.equal(last & 0xf, 0, 'a canonical signature has zero spare bits')
      return `${token.slice(0, -1)}${alphabet[last | 0x5]}`
    }

    it('when the signature is re-encoded with non-canonical spare bits, then it still verifies, and revocation (keyed on the decoded credential) still applies to that string', async () => {
      const res = await issueAsBank(sys, buildAchievementCredential(sys.did))
      const token = jwtOf(res.body.verifiableCredential)
      const variant = nonCanonical(token)
      assert.notEqual(variant, token)
      const before = await verify(sys, variant)
      assert.equal(check(before.body, 'proof'), 'passed')
      assert.equal(before.body.verified, true)
      const id = String(decodeJwt(token).payload.id)
      const revoked = await setStatus(sys, id, 'revocation')
      assert.equal(revoked.status, 200)
      sys.clock.advance(sys.config.statusListTtlSeconds + 1)
      for (const t of [token, variant]) {
        const after = await verify(sys, t)
        assert.equal(check(after.body, 'status'), 'failed:revoked')
        assert.equal(after.body.verified, false)
      }
    })

    it('when a presentation is replayed with a non-canonical signature encoding, then the challenge is already used (replay is keyed on the nonce, not the string)', async () => {
      const holder = newHolder()
      const challenge = (await post<{ challenge: string }>(`${sys.verifierUrl}/challenges`, {})).body.challenge
      const vp = signPresentation(holder, [], { challenge })
      const first = await verifyPresentation(sys, vp, { challenge })
      assert.equal(check(first.body, 'challenge'), 'passed')
      const second = await verifyPresentation(sys, nonCanonical(vp), { challenge })
      assert.equal(check(second.body, 'proof'), 'passed')
      assert.equal(check(second.body, 'challenge'), 'failed:challenge_used')
      assert.equal(second.body.verified, false)
    })

    it('when an Ed25519 signature has S + L in place of S (malleability, S ≥ L), then the proof fails with signature_invalid', async () => {
      const { signature } = decodeJwt(jwt)
      const s = bytesToBig(signature.subarray(32), true) + ED25519_L
      assert.ok(s < 1n << 256n)
      assertProofFailed(
        await verify(sys, withSignature(jwt, Buffer.concat([signature.subarray(0, 32), bigToBytes(s, 32, true)]))),
        'signature_invalid',
      )
    })

    it('when an Ed25519 signature is all zeros, all ones, or 63 or 65 bytes long, then the proof fails with signature_invalid', async () => {
      const { signature } = decodeJwt(jwt)
      for (const sig of [Buffer.alloc(64), Buffer.alloc(64, 0xff), signature.subarray(0, 63), Buffer.concat([signature, Buffer.of(0)])]) {
        assertProofFailed(await verify(sys, withSignature(jwt, sig)), 'signature_invalid')
      }
    })

    it("when the issuer's DID document publishes a small-order Ed25519 key (the identity point), then the proof fails with invalid_key", async () => {
      const weak = await hosts.create()
      const kid = `${weak.did}#weak`
      const identity = Buffer.alloc(32)
      identity[0] = 1
      weak.serveDid({
        id: weak.did,
        verificationMethod: [
          {
            id: kid,
            type: 'JsonWebKey',
            controller: weak.did,
            publicKeyJwk: { kty: 'OKP', crv: 'Ed25519', x: identity.toString('base64url') },
          },
        ],
        assertionMethod: [kid],
      })
      const token = forgeJws(
        { alg: 'EdDSA', typ: 'vc+jwt', kid },
        vcJwtPayload(buildAchievementCredential(weak.did) as unknown as Json, weak.did),
      )
      assertProofFailed(await verify(sys, withSignature(token, Buffer.concat([identity, Buffer.alloc(32)]))), 'invalid_key')
    })

    it('when an ES256 signature has the special values r or s = 0, = n, or > n, then the proof fails with signature_invalid', async () => {
      const signer = await hosts.signer({ curve: 'p256' })
      const token = signer.sign(vcJwtPayload(buildAchievementCredential(signer.did) as unknown as Json, signer.did))
      assert.equal(check((await verify(sys, token)).body, 'proof'), 'passed', 'the genuine ES256 signature verifies')
      const { signature } = decodeJwt(token)
      const [r, s] = [signature.subarray(0, 32), signature.subarray(32)]
      const n = bigToBytes(P256_N, 32, false)
      const over = bigToBytes(bytesToBig(s, false) + P256_N < 1n << 256n ? bytesToBig(s, false) + P256_N : P256_N + 1n, 32, false)
      for (const sig of [
        Buffer.alloc(64),
        Buffer.concat([Buffer.alloc(32), s]),
        Buffer.concat([r, Buffer.alloc(32)]),
        Buffer.concat([n, s]),
        Buffer.concat([r, n]),
        Buffer.concat([r, over]),
      ]) {
        assertProofFailed(await verify(sys, withSignature(token, sig)), 'signature_invalid')
      }
    })
  })

  describe('#14 #15 validity period and clock skew (CB_CLOCK_SKEW_SECONDS = 30)', () => {
    const at = (offsetSeconds: number) => new Date(Date.parse(TEST_NOW) + offsetSeconds * 1000).toISOString().replace('.000Z', 'Z')

    it('when validUntil passed by 29 s, 31 s or 299 s, then it passes within the 30 s skew and is expired beyond it (no 300 s did-jwt default)', async () => {
      const res = await issueAsBank(sys, buildAchievementCredential(sys.did, { validFrom: at(-3600), validUntil: at(600) }))
      assert.equal(res.status, 201)
      const vc = res.body.verifiableCredential
      sys.clock.set(at(600 + 29))
      assert.equal(check((await verify(sys, vc)).body, 'validity_period'), 'passed')
      for (const late of [31, 299, 86400]) {
        sys.clock.set(at(600 + late))
        const r = await verify(sys, vc)
        assert.equal(check(r.body, 'validity_period'), 'failed:expired', `${late} s late`)
        assert.equal(r.status, 400)
        assert.equal(r.body.verified, false)
      }
    })

    it('when a credential was issued with validUntil already 100 s in the past, then it is expired', async () => {
      const res = await issueAsBank(sys, buildAchievementCredential(sys.did, { validFrom: at(-3600), validUntil: at(-100) }))
      assert.equal(res.status, 201)
      const r = await verify(sys, res.body.verifiableCredential)
      assert.equal(check(r.body, 'validity_period'), 'failed:expired')
      assert.equal(r.body.verified, false)
    })

    it('when validFrom is 29 s, 31 s or a day in the future, then it passes within the skew and is not yet valid beyond it', async () => {
      for (const [ahead, expected] of [
        [29, 'passed'],
        [31, 'failed:not_yet_valid'],
        [86400, 'failed:not_yet_valid'],
      ] as const) {
        const res = await issueAsBank(sys, buildAchievementCredential(sys.did, { validFrom: at(ahead) }))
        assert.equal(res.status, 201)
        assert.equal(check((await verify(sys, res.body.verifiableCredential)).body, 'validity_period'), expected, `${ahead} s ahead`)
      }
    })

    it('when the bank-signed iat is an hour in the future, then it is not yet valid', async () => {
      const r = await verify(sys, await resignAsBank(sys, jwt, (_h, p) => (p.iat = Math.floor(Date.parse(TEST_NOW) / 1000) + 3600)))
      assert.equal(check(r.body, 'proof'), 'passed')
      assert.equal(check(r.body, 'validity_period'), 'failed:not_yet_valid')
      assert.equal(r.body.verified, false)
    })

    it('when the bank-signed nbf and validFrom are both a day in the future, then it is not yet valid', async () => {
      const future = Date.parse(TEST_NOW) / 1000 + 86400
      const r = await verify(
        sys,
        await resignAsBank(sys, jwt, (_h, p) => Object.assign(p, { nbf: future, validFrom: new Date(future * 1000).toISOString() })),
      )
      assert.equal(check(r.body, 'validity_period'), 'failed:not_yet_valid')
    })

    it('when the bank-signed exp and validUntil are an hour in the past, then it is expired', async () => {
      const past = Date.parse(TEST_NOW) / 1000 - 3600
      const r = await verify(
        sys,
        await resignAsBank(sys, jwt, (_h, p) => Object.assign(p, { exp: past, validUntil: new Date(past * 1000).toISOString() })),
      )
      assert.equal(check(r.body, 'proof'), 'passed')
      assert.equal(check(r.body, 'validity_period'), 'failed:expired')
    })
  })

  describe('#16 #17 #18 token type, claims and profile', () => {
    const types: [string, (h: Json) => void, string][] = [
      ['typ vp+jwt', (h) => (h.typ = 'vp+jwt'), 'wrong_token_type'],
      ['typ at+jwt (an access token)', (h) => (h.typ = 'at+jwt'), 'wrong_token_type'],
      ['typ bad+typ', (h) => (h.typ = 'bad+typ'), 'wrong_token_type'],
      ['typ application/vc+jwt in a different case', (h) => (h.typ = 'VC+JWT'), 'wrong_token_type'],
      ['cty bad+cty', (h) => (h.cty = 'bad+cty'), 'wrong_token_type'],
      ['no typ and no vc claim', (h) => delete h.typ, 'wrong_token_type'],
      ['typ JWT and no vc claim', (h) => (h.typ = 'JWT'), 'wrong_token_type'],
    ]
    for (const [what, edit, reason] of types) {
      it(`when a bank-signed credential has ${what}, then the format check fails with ${reason}`, async () => {
        assertFormatRejected(await verify(sys, await resignAsBank(sys, jwt, edit)), reason)
      })
    }

    it('when a holder-signed vp+jwt is sent as a credential, then the format check fails with wrong_token_type', async () => {
      assertFormatRejected(await verify(sys, signPresentation(newHolder(), [], { challenge: 'x' })), 'wrong_token_type')
    })

    it('when a vc+jwt is sent as a presentation, then the format check fails with wrong_token_type', async () => {
      assertFormatRejected(await verifyPresentation(sys, jwt, { challenge: 'x' }), 'wrong_token_type')
    })

    const mismatches: [string, (p: Json) => void][] = [
      ['iss differs from issuer', (p) => (p.iss = 'did:web:evil.example')],
      ['issuer.id differs from iss', (p) => ((p.issuer as Json).id = 'did:web:evil.example')],
      ['sub differs from credentialSubject.id', (p) => (p.sub = 'did:example:someone-else')],
      ['jti differs from id', (p) => (p.jti = 'urn:uuid:00000000-0000-4000-8000-000000000000')],
      ['nbf differs from validFrom', (p) => (p.nbf = Number(p.nbf) - 86400)],
      ['exp is set without validUntil', (p) => (p.exp = Number(p.nbf) + 86400 * 365)],
      [
        'exp differs from validUntil',
        (p) => Object.assign(p, { validUntil: '2030-01-01T00:00:00Z', exp: Date.parse('2031-01-01T00:00:00Z') / 1000 }),
      ],
      ['nbf is a string', (p) => (p.nbf = String(p.nbf))],
    ]
    for (const [what, edit] of mismatches) {
      it(`when the bank-signed claims disagree with the credential (${what}), then the format check fails with claims_mismatch`, async () => {
        assertFormatRejected(await verify(sys, await resignAsBank(sys, jwt, (_h, p) => edit(p))), 'claims_mismatch')
      })
    }

    it('when a vc+jwt payload also carries a vc or vp claim, then the format check fails with profile_mismatch', async () => {
      for (const claim of ['vc', 'vp']) {
        assertFormatRejected(
          await verify(sys, await resignAsBank(sys, jwt, (_h, p) => (p[claim] = { ...payloadOf() }))),
          'profile_mismatch',
        )
      }
    })

    it('when a VC 1.1 vc-claim JWT is labelled typ vc+jwt, then the format check fails with profile_mismatch', async () => {
      const { privateKey } = await sys.issuer.identity.activeKey()
      const v1 = forgeJws(
        { alg: 'EdDSA', typ: 'vc+jwt', kid: bankKid() },
        { iss: sys.did, nbf: 1719792000, vc: buildV1Credential(sys.did) },
        privateKey,
      )
      assertFormatRejected(await verify(sys, v1), 'profile_mismatch')
    })

    it('when a bank-signed VC 1.1 JWT (typ JWT) is presented under the 2.0 media type (a data:application/vc+jwt envelope), then it is refused: one profile per media type', async () => {
      const { privateKey } = await sys.issuer.identity.activeKey()
      const v1 = forgeJws(
        { alg: 'EdDSA', typ: 'JWT', kid: bankKid() },
        { iss: sys.did, nbf: 1719792000, vc: buildV1Credential(sys.did, { issuanceDate: '2024-07-01T00:00:00Z' }) },
        privateKey,
      )
      const direct = await verify(sys, v1)
      assert.equal(direct.body.verified, true, 'as a bare VC 1.1 JWT it is a valid credential')
      const res = await verify(sys, envelope(v1))
      assert.equal(res.body.verified, false, 'a 1.1 JWT is not a vc+jwt credential')
      assert.equal(res.status, 400)
      assert.match(check(res.body, 'format'), /^failed:(wrong_token_type|profile_mismatch)$/)
    })

    it('when the 2.0 payload is signed as a plain JWT (typ JWT, no vc claim), then the format check fails with wrong_token_type', async () => {
      assertFormatRejected(await verify(sys, await resignAsBank(sys, jwt, (h) => (h.typ = 'JWT'))), 'wrong_token_type')
    })

    it('when a bank-signed payload is tampered after signing, then the proof fails with signature_invalid', async () => {
      const [h, , s] = jwt.split('.')
      const tampered = `${h}.${b64u(withValue(payloadOf(), '/credentialSubject/creditsEarned', 30))}.${s}`
      assertProofFailed(await verify(sys, tampered), 'signature_invalid')
      assert.equal(credentialId.startsWith('urn:uuid:'), true)
    })
  })
})
