// SECURITY.md B2 over HTTP: presentations without or with wrong challenges, replays, foreign keys, bad embedded credentials.
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { buildAchievementCredential, withValue } from '../../fixtures/builders.ts'
import { check, issueAsBank, jwtOf, post, setStatus, startTestSystem, TEST_NOW, type TestSystem } from '../../fixtures/test-system.ts'
import {
  b64u,
  decodeJwt,
  envelope,
  FakeHosts,
  forgeJws,
  newChallenge,
  newHolder,
  signPresentation,
  vcJwtPayload,
  verifyPresentation,
  type Json,
  type Signer,
} from '../helpers/attacks.ts'

describe('security B2: presentations and replay (HTTP)', () => {
  let sys: TestSystem
  const hosts = new FakeHosts()
  let holder: Signer
  /** A valid credential about `holder`, issued by the bank. */
  let jwt: string

  const issueFor = async (subject: string, overrides: Json = {}): Promise<string> => {
    const res = await issueAsBank(sys, withValue(buildAchievementCredential(sys.did, overrides), '/credentialSubject/id', subject))
    assert.equal(res.status, 201, JSON.stringify(res.body))
    return jwtOf(res.body.verifiableCredential)
  }

  before(async () => {
    sys = await startTestSystem()
    holder = newHolder()
    jwt = await issueFor(holder.did)
  })
  after(async () => {
    await hosts.closeAll()
    await sys.close()
  })

  it('when a well-formed presentation answers a fresh challenge, then every check passes (baseline)', async () => {
    const challenge = await newChallenge(sys, 'https://employer.example')
    const res = await verifyPresentation(
      sys,
      signPresentation(holder, [envelope(jwt)], { challenge, domain: 'https://employer.example' }),
      { challenge, domain: 'https://employer.example', holderBinding: true },
    )
    assert.equal(res.status, 200)
    assert.equal(res.body.verified, true, JSON.stringify(res.body.checks))
    for (const id of ['proof', 'challenge', 'domain', 'holder_binding', 'credentials']) assert.equal(check(res.body, id), 'passed', id)
  })

  describe('#19 challenge and domain', () => {
    for (const [what, options] of [
      ['no options', undefined],
      ['options without a challenge', { domain: 'https://employer.example' }],
      ['an empty challenge', { challenge: '' }],
      ['a non-string challenge', { challenge: 42 }],
    ] as const) {
      it(`when the request has ${what}, then the answer is 400 invalid_request (a challenge is required)`, async () => {
        const vp = signPresentation(holder, [envelope(jwt)], { challenge: 'anything' })
        const res = await post(`${sys.verifierUrl}/presentations/verify`, {
          verifiablePresentation: vp,
          ...(options === undefined ? {} : { options }),
        })
        assert.equal(res.status, 400)
        assert.equal(res.body.code, 'invalid_request')
        assert.match(String(res.headers.get('content-type')), /application\/problem\+json/)
      })
    }

    it('when the request has options that are not an object, then the answer is 400 unknown_option_provided (SECURITY.md #48)', async () => {
      const vp = signPresentation(holder, [envelope(jwt)], { challenge: 'anything' })
      const res = await post(`${sys.verifierUrl}/presentations/verify`, { verifiablePresentation: vp, options: 'challenge' })
      assert.equal(res.status, 400)
      assert.equal(res.body.code, 'unknown_option_provided')
    })

    it('when the request has an unknown option, then the answer is 400 unknown_option_provided', async () => {
      const challenge = await newChallenge(sys)
      const res = await verifyPresentation(sys, signPresentation(holder, [], { challenge }), { challenge, skipChecks: true })
      assert.equal(res.status, 400)
      assert.equal((res.body as unknown as { code: string }).code, 'unknown_option_provided')
    })

    it('when the presentation carries no nonce, then the challenge check fails with challenge_mismatch and the challenge stays usable', async () => {
      const challenge = await newChallenge(sys)
      const res = await verifyPresentation(sys, signPresentation(holder, [envelope(jwt)]), { challenge })
      assert.equal(res.status, 400)
      assert.equal(check(res.body, 'challenge'), 'failed:challenge_mismatch')
      assert.equal(res.body.verified, false)
      const retry = await verifyPresentation(sys, signPresentation(holder, [envelope(jwt)], { challenge }), { challenge })
      assert.equal(check(retry.body, 'challenge'), 'passed')
    })

    it('when the presentation answers another challenge, then the challenge check fails with challenge_mismatch', async () => {
      const [mine, other] = [await newChallenge(sys), await newChallenge(sys)]
      const res = await verifyPresentation(sys, signPresentation(holder, [envelope(jwt)], { challenge: other }), { challenge: mine })
      assert.equal(check(res.body, 'challenge'), 'failed:challenge_mismatch')
      assert.equal(res.body.verified, false)
    })

    it('when the nonce is a number or an array holding the challenge, then the challenge check fails with challenge_mismatch', async () => {
      const challenge = await newChallenge(sys)
      for (const nonce of [[challenge], { value: challenge }]) {
        const res = await verifyPresentation(sys, signPresentation(holder, [], { claims: { nonce } }), { challenge })
        assert.equal(check(res.body, 'challenge'), 'failed:challenge_mismatch')
      }
    })

    it('when the aud is missing or another domain, then the domain check fails with domain_mismatch', async () => {
      for (const aud of [undefined, 'https://evil.example', ['https://evil.example']]) {
        const challenge = await newChallenge(sys)
        const vp = signPresentation(holder, [envelope(jwt)], { challenge, ...(aud === undefined ? {} : { claims: { aud } }) })
        const res = await verifyPresentation(sys, vp, { challenge, domain: 'https://employer.example' })
        assert.equal(check(res.body, 'domain'), 'failed:domain_mismatch', JSON.stringify(aud))
        assert.equal(res.body.verified, false)
      }
    })

    it("when the relying party supplies a challenge this verifier never issued, then it is checked as the caller's own (VC API) and says so", async () => {
      const challenge = 'made-by-the-relying-party'
      const res = await verifyPresentation(sys, signPresentation(holder, [envelope(jwt)], { challenge }), { challenge })
      assert.equal(check(res.body, 'challenge'), 'passed')
      assert.deepEqual(res.body.checks.find((c) => c.id === 'challenge')?.details, { issuedBy: 'caller' })
      const other = await verifyPresentation(sys, signPresentation(holder, [envelope(jwt)], { challenge }), { challenge: 'another-one' })
      assert.equal(check(other.body, 'challenge'), 'failed:challenge_mismatch')
      assert.equal(other.status, 400)
    })
  })

  describe('#20 replay', () => {
    it('when the same presentation is sent twice, then the second answer fails with challenge_used', async () => {
      const challenge = await newChallenge(sys)
      const vp = signPresentation(holder, [envelope(jwt)], { challenge })
      assert.equal((await verifyPresentation(sys, vp, { challenge })).body.verified, true)
      const replay = await verifyPresentation(sys, vp, { challenge })
      assert.equal(check(replay.body, 'challenge'), 'failed:challenge_used')
      assert.equal(replay.body.verified, false)
    })

    it('when the same presentation is sent five times at once, then exactly one answer passes the challenge', async () => {
      const challenge = await newChallenge(sys)
      const vp = signPresentation(holder, [envelope(jwt)], { challenge })
      const answers = await Promise.all(Array.from({ length: 5 }, () => verifyPresentation(sys, vp, { challenge })))
      assert.deepEqual(answers.map((a) => check(a.body, 'challenge')).sort(), [
        'failed:challenge_used',
        'failed:challenge_used',
        'failed:challenge_used',
        'failed:challenge_used',
        'passed',
      ])
    })

    it('when a fresh presentation answers a challenge older than its TTL, then the challenge check fails with challenge_expired', async () => {
      const challenge = await newChallenge(sys)
      sys.clock.advance(sys.config.challengeTtlSeconds + 1)
      const res = await verifyPresentation(sys, signPresentation(holder, [envelope(jwt)], { challenge }), { challenge })
      assert.equal(check(res.body, 'challenge'), 'failed:challenge_expired')
      assert.equal(res.body.verified, false)
    })

    it('when a forged presentation answers a challenge, then the challenge is not consumed: the genuine holder can still use it', async () => {
      const challenge = await newChallenge(sys)
      const { privateKey } = generateKeyPairSync('ed25519')
      const forged = forgeJws(
        { alg: 'EdDSA', typ: 'vp+jwt', kid: holder.kid },
        {
          '@context': ['https://www.w3.org/ns/credentials/v2'],
          type: ['VerifiablePresentation'],
          holder: holder.did,
          iss: holder.did,
          nonce: challenge,
        },
        privateKey,
      )
      const res = await verifyPresentation(sys, forged, { challenge })
      assert.equal(check(res.body, 'proof'), 'failed:signature_invalid')
      assert.equal(check(res.body, 'challenge'), 'skipped:proof_failed')
      const genuine = await verifyPresentation(sys, signPresentation(holder, [envelope(jwt)], { challenge }), { challenge })
      assert.equal(check(genuine.body, 'challenge'), 'passed')
    })

    it("when the presentation's exp has passed, then the validity check fails with expired", async () => {
      const challenge = await newChallenge(sys)
      const res = await verifyPresentation(
        sys,
        signPresentation(holder, [envelope(jwt)], { challenge, claims: { exp: Date.parse(TEST_NOW) / 1000 - 3600 } }),
        { challenge },
      )
      assert.equal(check(res.body, 'validity_period'), 'failed:expired')
      assert.equal(res.body.verified, false)
    })
  })

  describe('#21 holder binding', () => {
    it('when iss is not the holder, then the format check fails with claims_mismatch (400)', async () => {
      const challenge = await newChallenge(sys)
      const other = newHolder()
      const res = await verifyPresentation(sys, signPresentation(holder, [envelope(jwt)], { challenge, claims: { iss: other.did } }), {
        challenge,
      })
      assert.equal(res.status, 400)
      assert.equal(check(res.body, 'format'), 'failed:claims_mismatch')
      assert.equal(res.body.verified, false)
    })

    it("when the holder's kid is used but another key signs, then the proof fails with signature_invalid", async () => {
      const challenge = await newChallenge(sys)
      const thief = newHolder()
      const vp = forgeJws(
        { alg: 'EdDSA', typ: 'vp+jwt', kid: holder.kid },
        {
          '@context': ['https://www.w3.org/ns/credentials/v2'],
          type: ['VerifiablePresentation'],
          holder: holder.did,
          iss: holder.did,
          nonce: challenge,
          verifiableCredential: [envelope(jwt)],
        },
        thief.privateKey,
      )
      const res = await verifyPresentation(sys, vp, { challenge })
      assert.equal(check(res.body, 'proof'), 'failed:signature_invalid')
      assert.equal(res.body.verified, false)
    })

    it("when the thief signs as itself a presentation of someone else's credential, then holder binding fails with subject_not_holder", async () => {
      const challenge = await newChallenge(sys)
      const thief = newHolder()
      const res = await verifyPresentation(sys, signPresentation(thief, [envelope(jwt)], { challenge }), { challenge, holderBinding: true })
      assert.equal(check(res.body, 'proof'), 'passed')
      assert.equal(check(res.body, 'holder_binding'), 'failed:subject_not_holder')
      assert.equal(res.body.verified, false)
    })

    it('when a did:web holder signs with a key listed only under assertionMethod, then the proof fails with verification_method_not_authorized', async () => {
      const webHolder = await hosts.signer({ relationships: ['assertionMethod'] })
      const challenge = await newChallenge(sys)
      const res = await verifyPresentation(sys, signPresentation(webHolder, [], { challenge }), { challenge })
      assert.equal(check(res.body, 'proof'), 'failed:verification_method_not_authorized')
      assert.equal(res.body.verified, false)
    })

    it('when a did:web holder signs with a key listed under authentication, then the proof passes (control)', async () => {
      const webHolder = await hosts.signer({ relationships: ['authentication'] })
      const challenge = await newChallenge(sys)
      const res = await verifyPresentation(sys, signPresentation(webHolder, [], { challenge }), { challenge })
      assert.equal(check(res.body, 'proof'), 'passed')
    })

    it('when the presentation has no iss and no holder, then the proof fails with holder_not_did', async () => {
      const challenge = await newChallenge(sys)
      const res = await verifyPresentation(
        sys,
        signPresentation(holder, [], { challenge, claims: { iss: undefined }, presentation: { holder: undefined } }),
        { challenge },
      )
      assert.equal(check(res.body, 'proof'), 'failed:holder_not_did')
      assert.equal(res.body.verified, false)
    })
  })

  describe('#22 credentials inside the presentation are verified', () => {
    const expectCredentialFailure = async (vc: unknown, credentialCheck: string, expected: string) => {
      const challenge = await newChallenge(sys)
      const res = await verifyPresentation(sys, signPresentation(holder, [envelope(jwt), vc], { challenge }), { challenge })
      assert.equal(check(res.body, 'proof'), 'passed', 'the holder signature is fine')
      assert.equal(check(res.body, 'credentials'), 'failed:credential_not_verified')
      assert.equal(res.body.verified, false)
      const inner = res.body.credentials?.[1]
      assert.ok(inner, 'the report lists each credential')
      assert.equal(check(inner, credentialCheck), expected)
    }

    it('when a credential in the presentation was tampered with, then the presentation fails and its report says signature_invalid', async () => {
      const [h, p, s] = jwt.split('.')
      const payload = withValue(JSON.parse(Buffer.from(p!, 'base64url').toString()) as Json, '/credentialSubject/creditsEarned', 99)
      await expectCredentialFailure(envelope(`${h}.${b64u(payload)}.${s}`), 'proof', 'failed:signature_invalid')
    })

    it('when a credential in the presentation has expired, then the presentation fails and its report says expired', async () => {
      const expired = await issueFor(holder.did, { validFrom: '2025-01-01T00:00:00Z', validUntil: '2025-12-31T00:00:00Z' })
      await expectCredentialFailure(envelope(expired), 'validity_period', 'failed:expired')
    })

    it('when a credential in the presentation is revoked, then the presentation fails and its report says revoked', async () => {
      const revoked = await issueFor(holder.did)
      const res = await setStatus(sys, String(decodeJwt(revoked).payload.id), 'revocation')
      assert.equal(res.status, 200)
      sys.clock.advance(sys.config.statusListTtlSeconds + 1)
      await expectCredentialFailure(envelope(revoked), 'status', 'failed:revoked')
    })

    it('when a credential in the presentation is signed by a foreign issuer claiming to be the bank, then the presentation fails and its report says kid_not_issuer', async () => {
      const foreign = await hosts.signer()
      const forged = foreign.sign(
        vcJwtPayload(withValue(buildAchievementCredential(sys.did) as unknown as Json, '/credentialSubject/id', holder.did), sys.did),
      )
      await expectCredentialFailure(envelope(forged), 'proof', 'failed:kid_not_issuer')
    })

    it('when a credential in the presentation is signed by an untrusted issuer in its own name, then the presentation fails and its report says issuer_not_trusted', async () => {
      const foreign = await hosts.signer()
      const own = foreign.sign(
        vcJwtPayload(
          withValue(buildAchievementCredential(foreign.did) as unknown as Json, '/credentialSubject/id', holder.did),
          foreign.did,
        ),
      )
      await expectCredentialFailure(envelope(own), 'issuer_trust', 'failed:issuer_not_trusted')
    })
  })

  describe('#23 verifiableCredential items', () => {
    const items: [string, (t: string) => unknown][] = [
      ['a bare JWT string', (t) => t],
      ['a number', () => 42],
      ['a URL', () => 'https://bank.example/credentials/1'],
      ['a data: URL string', (t) => `data:application/vc+jwt,${t}`],
      ['null', () => null],
      ['an envelope whose id is an https URL', (t) => ({ ...envelope(t), id: `https://bank.example/${t}` })],
      ['an envelope of the wrong media type', (t) => envelope(t, 'application/vp+jwt')],
      ['an envelope without type', (t) => ({ ...envelope(t), type: undefined })],
      ['an envelope with the wrong type', (t) => ({ ...envelope(t), type: 'VerifiableCredential' })],
      ['an envelope without @context', (t) => ({ ...envelope(t), '@context': undefined })],
      ['an envelope whose data: URL holds garbage', () => envelope('not.a.jwt!')],
    ]
    for (const [what, item] of items) {
      it(`when an item is ${what}, then the schema check fails (400) and the presentation is not verified`, async () => {
        const challenge = await newChallenge(sys)
        const res = await verifyPresentation(sys, signPresentation(holder, [item(jwt)], { challenge }), { challenge })
        assert.equal(res.status, 400, JSON.stringify(res.body.checks))
        assert.equal(check(res.body, 'schema'), 'failed:schema_invalid')
        assert.equal(res.body.verified, false)
      })
    }

    it('when verifiableCredential is a single object rather than an array, then its credential is still verified', async () => {
      const challenge = await newChallenge(sys)
      const res = await verifyPresentation(
        sys,
        signPresentation(holder, [], { challenge, presentation: { verifiableCredential: envelope(jwt) } }),
        { challenge },
      )
      assert.equal(check(res.body, 'credentials'), 'passed')
    })

    it('when the presentation is sent in a form the verifier does not read (a JSON object, a number), then the format check fails with unsupported_presentation_format (400)', async () => {
      for (const vp of [{ type: ['VerifiablePresentation'], holder: holder.did }, 42]) {
        const challenge = await newChallenge(sys)
        const res = await verifyPresentation(sys, vp, { challenge })
        assert.equal(res.status, 400)
        assert.equal(check(res.body, 'format'), 'failed:unsupported_presentation_format')
      }
    })

    it('when the vp+jwt payload also carries a vp claim, then the format check fails with profile_mismatch', async () => {
      const challenge = await newChallenge(sys)
      const res = await verifyPresentation(
        sys,
        signPresentation(holder, [], { challenge, claims: { vp: { type: ['VerifiablePresentation'] } } }),
        { challenge },
      )
      assert.equal(res.status, 400)
      assert.equal(check(res.body, 'format'), 'failed:profile_mismatch')
    })
  })
})
