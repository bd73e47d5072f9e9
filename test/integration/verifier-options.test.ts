// Issue 5 items 10, 11 and 12 over HTTP: a report that does not verify answers 400 with the whole report; the VC API's
// verify options (options.checks for credentials, a caller's own challenge and domain for presentations); holder
// binding as a verifier policy (asked per request, or required by CB_REQUIRE_HOLDER_BINDING).
import assert from 'node:assert/strict'
import { signDataIntegrity } from '../../core/proofs/data-integrity.ts'
import { buildAchievementCredential, buildClientCredential, withValue } from '../../fixtures/builders.ts'
import {
  check,
  issue,
  issueAsBank,
  jwtOf,
  post,
  setStatus,
  startTestSystem,
  verify,
  type HttpResult,
  type Report,
  type TestSystem,
} from '../../fixtures/test-system.ts'
import {
  envelope,
  FakeHosts,
  newChallenge,
  newHolder,
  signPresentation,
  vcJwtPayload,
  verifyPresentation,
  type Json,
  type Signer,
} from '../helpers/attacks.ts'

const CREDENTIAL_CHECKS = ['format', 'schema', 'credential_schema', 'proof', 'validity_period', 'status', 'issuer_trust']
const PRESENTATION_CHECKS = [
  'format',
  'schema',
  'proof',
  'validity_period',
  'challenge',
  'domain',
  'holder_binding',
  'credentials',
  'related_resources',
]

/** POST /credentials/verify with options. */
const verifyWith = (sys: TestSystem, verifiableCredential: unknown, options: unknown): Promise<HttpResult<Report>> =>
  post<Report>(`${sys.verifierUrl}/credentials/verify`, { verifiableCredential, options })

/** A failed report answered as the VC API does: 400, verified false, every check, and one problem per failed check. */
function assertRefused(res: HttpResult<Report>, ids: readonly string[], expected: Record<string, string>): void {
  assert.equal(res.status, 400, JSON.stringify(res.body).slice(0, 400))
  assert.match(String(res.headers.get('content-type')), /^application\/json/)
  assert.equal(res.body.verified, false)
  assert.deepEqual(
    res.body.checks.map((c) => c.id),
    ids,
  )
  for (const [id, outcome] of Object.entries(expected)) assert.equal(check(res.body, id), outcome, id)
  const failures = res.body.checks.filter((c) => c.status === 'failed')
  assert.deepEqual(
    res.body.problemDetails,
    failures.map((c) => ({ type: `urn:credit-bank:check:${c.id}`, code: c.reason, title: c.message })),
  )
}

describe('verifier: HTTP status, VC API options and holder binding (issue 5 items 10, 11, 12)', () => {
  let sys: TestSystem
  const hosts = new FakeHosts()
  const holder = newHolder()
  let serial = 0

  /** A bank credential (vc+jwt envelope, or Data Integrity JSON) about `subject`, with an id so it can be revoked. */
  const bankCredential = async (
    opts: { subject?: string | null; format?: 'vc+jwt' | 'eddsa-rdfc-2022'; overrides?: Json } = {},
  ): Promise<{ id: string; vc: Json }> => {
    const id = `urn:uuid:0e5f0000-0000-4000-8000-${String(++serial).padStart(12, '0')}`
    let credential = buildAchievementCredential(sys.did, { id, ...opts.overrides }) as unknown as Json
    if (opts.subject !== undefined) credential = withValue(credential, '/credentialSubject/id', opts.subject ?? undefined)
    const res = await issueAsBank(sys, credential, opts.format ? { format: opts.format } : undefined)
    assert.equal(res.status, 201, JSON.stringify(res.body))
    return { id, vc: res.body.verifiableCredential }
  }
  const revoke = async (id: string) => {
    const r = await setStatus(sys, id, 'revocation')
    assert.equal(r.status, 200)
    // The verifier caches the bank's list for CB_STATUS_LIST_TTL_SECONDS on the injected clock.
    sys.clock.advance(sys.config.statusListTtlSeconds + 1)
  }
  /** A credential by a partner the verifier does not trust, about the holder. */
  const partnerCredential = async (): Promise<string> => {
    const partner = await hosts.signer()
    const credential = withValue(
      buildAchievementCredential(partner.did, { id: `urn:uuid:0e5f0000-0000-4000-9000-${String(++serial).padStart(12, '0')}` }),
      '/credentialSubject/id',
      holder.did,
    ) as unknown as Json
    return partner.sign(vcJwtPayload(credential, partner.did))
  }

  before(async () => {
    sys = await startTestSystem()
  })
  after(async () => {
    await hosts.closeAll()
    await sys.close()
  })

  describe('item 11: a credential or presentation that does not verify answers 400 with the full report', () => {
    it('when the credential verifies, then the answer is 200 with the report, no problemDetails and the credential', async () => {
      const { vc } = await bankCredential()
      const res = await verify(sys, vc)
      assert.equal(res.status, 200)
      assert.equal(res.body.verified, true)
      assert.deepEqual(
        res.body.checks.map((c) => `${c.id}:${c.status}`),
        CREDENTIAL_CHECKS.map((id) => (id === 'credential_schema' ? `${id}:skipped` : `${id}:passed`)),
      )
      assert.deepEqual(res.body.problemDetails, [])
      assert.equal((res.body.credential?.issuer as Json).id, sys.did)
    })

    it('when the credential was revoked, then the answer is 400 with every check and status failed:revoked', async () => {
      const { id, vc } = await bankCredential()
      await revoke(id)
      const res = await verify(sys, vc)
      assertRefused(res, CREDENTIAL_CHECKS, {
        proof: 'passed',
        validity_period: 'passed',
        status: 'failed:revoked',
        issuer_trust: 'passed',
      })
      assert.equal(res.body.credential?.id, id, 'the decoded credential is in the body')
    })

    it('when the credential has expired, then the answer is 400 with validity_period failed:expired', async () => {
      const { vc } = await bankCredential({ overrides: { validUntil: '2026-01-01T00:00:00Z' } })
      assertRefused(await verify(sys, vc), CREDENTIAL_CHECKS, { proof: 'passed', validity_period: 'failed:expired', status: 'passed' })
    })

    it('when a Data Integrity credential was tampered with, then the answer is 400 with proof failed:signature_invalid', async () => {
      const { vc } = await bankCredential({ format: 'eddsa-rdfc-2022' })
      const tampered = withValue(vc, '/credentialSubject/creditsEarned', 30)
      assertRefused(await verify(sys, tampered), CREDENTIAL_CHECKS, { proof: 'failed:signature_invalid', status: 'skipped:proof_failed' })
    })

    it('when a vc+jwt was tampered with, then the answer is 400 with proof failed:signature_invalid', async () => {
      const { vc } = await bankCredential()
      const [h, p, s] = jwtOf(vc).split('.') as [string, string, string]
      const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Json
      const forged = `${h}.${Buffer.from(JSON.stringify(withValue(payload, '/credentialSubject/creditsEarned', 30))).toString('base64url')}.${s}`
      assertRefused(await verify(sys, envelope(forged)), CREDENTIAL_CHECKS, { proof: 'failed:signature_invalid' })
    })

    it('when the issuer is not trusted, then the answer is 400 with issuer_trust failed:issuer_not_trusted and the rest passed', async () => {
      assertRefused(await verify(sys, await partnerCredential()), CREDENTIAL_CHECKS, {
        format: 'passed',
        schema: 'passed',
        proof: 'passed',
        validity_period: 'passed',
        status: 'skipped:no_status',
        issuer_trust: 'failed:issuer_not_trusted',
      })
    })

    it('when the input cannot be read at all, then the answer is still a 400 report (format failed, the rest skipped)', async () => {
      const res = await verify(sys, 'not-a-jwt')
      assertRefused(res, CREDENTIAL_CHECKS, {
        format: 'failed:jws_malformed',
        schema: 'skipped:format_failed',
        issuer_trust: 'skipped:format_failed',
      })
    })

    it('when a presentation verifies, then 200; when one of its credentials is revoked, then 400 with every check and the inner reports', async () => {
      const { id, vc } = await bankCredential({ subject: holder.did })
      let challenge = await newChallenge(sys)
      const ok = await verifyPresentation(sys, signPresentation(holder, [vc], { challenge }), { challenge })
      assert.equal(ok.status, 200, JSON.stringify(ok.body.checks))
      assert.equal(ok.body.verified, true)
      assert.deepEqual(ok.body.problemDetails, [])
      assert.deepEqual(
        ok.body.checks.map((c) => c.id),
        PRESENTATION_CHECKS,
      )

      await revoke(id)
      challenge = await newChallenge(sys)
      const res = await verifyPresentation(sys, signPresentation(holder, [vc], { challenge }), { challenge })
      assertRefused(res, PRESENTATION_CHECKS, { proof: 'passed', challenge: 'passed', credentials: 'failed:credential_not_verified' })
      assert.equal(check(res.body.credentials![0]!, 'status'), 'failed:revoked')
      assert.equal(res.body.credentials![0]!.verified, false)
    })

    it("when a presentation's signature is not the holder's, then 400 with proof failed and the challenge left unspent", async () => {
      const { vc } = await bankCredential({ subject: holder.did })
      const challenge = await newChallenge(sys)
      const impostor = newHolder()
      const forged = signPresentation(impostor, [vc], { challenge, claims: { iss: holder.did }, presentation: { holder: holder.did } })
      const res = await verifyPresentation(sys, forged, { challenge })
      assertRefused(res, PRESENTATION_CHECKS, { challenge: 'skipped:proof_failed' })
      assert.equal(res.body.checks.find((c) => c.id === 'proof')?.status, 'failed')
    })
  })

  describe('item 10: options.checks on POST /credentials/verify', () => {
    it('when only ["proof"] is asked for, then validity_period, status and issuer_trust are skipped as not_requested and an expired, revoked, untrusted credential verifies (200)', async () => {
      const { id, vc } = await bankCredential({ overrides: { validUntil: '2026-01-01T00:00:00Z' } })
      await revoke(id)
      assert.equal((await verify(sys, vc)).status, 400, 'without options it fails')
      for (const credential of [vc, await partnerCredential()]) {
        const res = await verifyWith(sys, credential, { checks: ['proof'] })
        assert.equal(res.status, 200, JSON.stringify(res.body.checks))
        assert.equal(res.body.verified, true)
        assert.deepEqual(
          res.body.checks.map((c) => `${c.id}:${c.status}${c.reason ? `:${c.reason}` : ''}`),
          [
            'format:passed',
            'schema:passed',
            'credential_schema:skipped:no_credential_schema',
            'proof:passed',
            'validity_period:skipped:not_requested',
            'status:skipped:not_requested',
            'issuer_trust:skipped:not_requested',
          ],
        )
      }
    })

    it('when ["proof"] is asked for a tampered credential, then the proof still fails: format, schema and proof always run', async () => {
      const { vc } = await bankCredential({ format: 'eddsa-rdfc-2022' })
      const res = await verifyWith(sys, withValue(vc, '/credentialSubject/creditsEarned', 30), { checks: ['proof'] })
      assert.equal(res.status, 400)
      assert.equal(check(res.body, 'proof'), 'failed:signature_invalid')
    })

    it('when ["proof", "credentialStatus"] is asked for, then status runs (revoked fails) and the other optional checks are skipped', async () => {
      const { id, vc } = await bankCredential({ overrides: { validUntil: '2026-01-01T00:00:00Z' } })
      await revoke(id)
      const res = await verifyWith(sys, vc, { checks: ['proof', 'credentialStatus'] })
      assert.equal(res.status, 400)
      assert.equal(check(res.body, 'status'), 'failed:revoked')
      assert.equal(check(res.body, 'validity_period'), 'skipped:not_requested')
      assert.equal(check(res.body, 'issuer_trust'), 'skipped:not_requested')
      const fresh = await verifyWith(sys, (await bankCredential()).vc, { checks: ['proof', 'credentialStatus'] })
      assert.equal(fresh.status, 200)
      assert.equal(check(fresh.body, 'status'), 'passed')
    })

    it('when "expiration" or our own check ids are named, then exactly those run', async () => {
      const { vc } = await bankCredential({ overrides: { validUntil: '2026-01-01T00:00:00Z' } })
      const res = await verifyWith(sys, vc, { checks: ['expiration', 'issuer_trust'] })
      assert.equal(res.status, 400)
      assert.equal(check(res.body, 'validity_period'), 'failed:expired')
      assert.equal(check(res.body, 'issuer_trust'), 'passed')
      assert.equal(check(res.body, 'status'), 'skipped:not_requested')
    })

    it('when checks names unknown checks, then 400 invalid_request with an issue at /options/checks/<i> for each', async () => {
      const { vc } = await bankCredential()
      const res = await verifyWith(sys, vc, { checks: ['proof', 'revocation', 7, 'credentialStatus', 'signature'] })
      assert.equal(res.status, 400)
      const body = res.body as unknown as { code: string; issues: { path: string }[] }
      assert.equal(body.code, 'invalid_request')
      assert.match(String(res.headers.get('content-type')), /^application\/problem\+json/)
      assert.deepEqual(
        body.issues.map((i) => i.path),
        ['/options/checks/1', '/options/checks/2', '/options/checks/4'],
      )
    })

    for (const checks of ['proof', { proof: true }, null, 1]) {
      it(`when checks is ${JSON.stringify(checks)} (not an array), then 400 invalid_request at /options/checks`, async () => {
        const { vc } = await bankCredential()
        const res = await verifyWith(sys, vc, { checks })
        assert.equal(res.status, 400)
        const body = res.body as unknown as { code: string; issues: { path: string }[] }
        assert.equal(body.code, 'invalid_request')
        assert.deepEqual(
          body.issues.map((i) => i.path),
          ['/options/checks'],
        )
      })
    }

    it('when options carries an unknown key, then 400 unknown_option_provided and nothing is verified', async () => {
      const { vc } = await bankCredential()
      for (const options of [{ checks: ['proof'], challenge: 'x' }, { skipProof: true }]) {
        const res = await verifyWith(sys, vc, options)
        assert.equal(res.status, 400)
        assert.equal((res.body as unknown as { code: string }).code, 'unknown_option_provided')
        assert.equal(res.body.checks, undefined)
      }
    })

    it('when checks is an empty array, then only format, schema and proof run', async () => {
      const { vc } = await bankCredential()
      const res = await verifyWith(sys, vc, { checks: [] })
      assert.equal(res.status, 200)
      assert.deepEqual(
        res.body.checks.filter((c) => c.status === 'passed').map((c) => c.id),
        ['format', 'schema', 'proof'],
      )
    })
  })

  describe("item 10: a caller's own challenge and domain for presentations", () => {
    it('when the caller supplies a challenge this verifier never issued and the presentation carries it, then challenge passes as issuedBy caller', async () => {
      const { vc } = await bankCredential({ subject: holder.did })
      const challenge = `rp-${Date.now()}-own`
      const res = await verifyPresentation(sys, signPresentation(holder, [vc], { challenge }), { challenge })
      assert.equal(res.status, 200, JSON.stringify(res.body.checks))
      assert.deepEqual(
        res.body.checks.find((c) => c.id === 'challenge'),
        { id: 'challenge', status: 'passed', details: { issuedBy: 'caller' } },
      )
    })

    it("when the presentation carries another challenge than the caller's, then challenge fails with challenge_mismatch (400)", async () => {
      const { vc } = await bankCredential({ subject: holder.did })
      const res = await verifyPresentation(sys, signPresentation(holder, [vc], { challenge: 'rp-challenge-a' }), {
        challenge: 'rp-challenge-b',
      })
      assert.equal(res.status, 400)
      assert.equal(check(res.body, 'challenge'), 'failed:challenge_mismatch')
    })

    it("when the caller gives options.domain, then it must be among the presentation's audiences (vp+jwt aud, Data Integrity proof.domain)", async () => {
      const { vc } = await bankCredential({ subject: holder.did })
      const domain = 'https://employer.example'
      for (const aud of [domain, ['https://other.example', domain]]) {
        const res = await verifyPresentation(sys, signPresentation(holder, [vc], { challenge: 'rp-aud', claims: { aud } }), {
          challenge: 'rp-aud',
          domain,
        })
        assert.equal(res.status, 200, JSON.stringify(aud))
        assert.deepEqual(res.body.checks.find((c) => c.id === 'domain')?.details, { domain })
      }
      const wrong = await verifyPresentation(
        sys,
        signPresentation(holder, [vc], { challenge: 'rp-aud', domain: 'https://other.example' }),
        { challenge: 'rp-aud', domain },
      )
      assert.equal(wrong.status, 400)
      assert.equal(check(wrong.body, 'domain'), 'failed:domain_mismatch')

      const sign = (proofDomain: string) =>
        signDataIntegrity(
          {
            '@context': ['https://www.w3.org/ns/credentials/v2'],
            type: ['VerifiablePresentation'],
            holder: holder.did,
            verifiableCredential: [vc],
          },
          { verificationMethod: holder.kid, privateKey: holder.privateKey, publicKey: holder.publicKey },
          { created: sys.clock(), proofPurpose: 'authentication', challenge: 'rp-di', domain: proofDomain },
        )
      assert.equal(check((await verifyPresentation(sys, await sign(domain), { challenge: 'rp-di', domain })).body, 'domain'), 'passed')
      assert.equal(
        check((await verifyPresentation(sys, await sign('https://other.example'), { challenge: 'rp-di', domain })).body, 'domain'),
        'failed:domain_mismatch',
      )
    })

    it('when no domain is asked for and the challenge was issued for none, then domain is skipped', async () => {
      const res = await verifyPresentation(
        sys,
        signPresentation(holder, [], { challenge: 'rp-no-domain', domain: 'https://anything.example' }),
        { challenge: 'rp-no-domain' },
      )
      assert.equal(check(res.body, 'domain'), 'skipped:no_domain_requested')
    })

    for (const [what, options, code] of [
      ['domain that is not a string', { challenge: 'c', domain: 42 }, 'invalid_request'],
      ['holderBinding that is not a boolean', { challenge: 'c', holderBinding: 'yes' }, 'invalid_request'],
      ['checks (not a presentation option here)', { challenge: 'c', checks: ['proof'] }, 'unknown_option_provided'],
    ] as const) {
      it(`when the presentation options carry a ${what}, then 400 ${code}`, async () => {
        const res = await verifyPresentation(sys, signPresentation(holder, [], { challenge: 'c' }), options)
        assert.equal(res.status, 400)
        assert.equal((res.body as unknown as { code: string }).code, code)
      })
    }
  })

  describe('item 12: holder binding is a policy, checked when asked', () => {
    const present = async (holderOf: Signer, credentials: unknown[], options: Json = {}, presentation: Json = {}) => {
      const challenge = await newChallenge(sys)
      return verifyPresentation(sys, signPresentation(holderOf, credentials, { challenge, presentation }), { challenge, ...options })
    }

    it('when not asked, then a presentation of credentials about others verifies and holder_binding is skipped (not_requested)', async () => {
      const { vc } = await bankCredential()
      const res = await present(holder, [vc])
      assert.equal(res.status, 200, JSON.stringify(res.body.checks))
      assert.equal(check(res.body, 'holder_binding'), 'skipped:not_requested')
    })

    it("when not asked, then a presentation that names no holder (only its JWT issuer signs it) and carries others' credentials verifies (VC DM 2.0)", async () => {
      const { vc } = await bankCredential()
      const res = await present(holder, [vc], {}, { holder: undefined })
      assert.equal(res.status, 200, JSON.stringify(res.body.checks))
      assert.equal(check(res.body, 'holder_binding'), 'skipped:not_requested')
    })

    it('when asked and every subject is the holder, then holder_binding passes', async () => {
      const { vc } = await bankCredential({ subject: holder.did })
      const res = await present(holder, [vc, (await bankCredential({ subject: holder.did, format: 'eddsa-rdfc-2022' })).vc], {
        holderBinding: true,
      })
      assert.equal(res.status, 200, JSON.stringify(res.body.checks))
      assert.deepEqual(
        res.body.checks.find((c) => c.id === 'holder_binding'),
        { id: 'holder_binding', status: 'passed', details: { holder: holder.did } },
      )
    })

    it('when asked and a subject is someone else, then holder_binding fails with subject_not_holder (400), naming the credential', async () => {
      const mine = await bankCredential({ subject: holder.did })
      const other = await bankCredential()
      const res = await present(holder, [mine.vc, other.vc], { holderBinding: true })
      assert.equal(res.status, 400)
      assert.equal(check(res.body, 'holder_binding'), 'failed:subject_not_holder')
      assert.deepEqual(res.body.checks.find((c) => c.id === 'holder_binding')?.details, { index: 1 })
      assert.equal(check(res.body, 'credentials'), 'passed', 'the credentials themselves verify')
    })

    it("when asked and a credential's subject has no id, then holder_binding fails with subject_not_identified", async () => {
      const res0 = await issue(sys, withValue(buildClientCredential(sys.did), '/credentialSubject/id', undefined))
      assert.equal(res0.status, 201, JSON.stringify(res0.body))
      const anonymous = res0.body.verifiableCredential
      const res = await present(holder, [anonymous], { holderBinding: true })
      assert.equal(res.status, 400)
      assert.equal(check(res.body, 'holder_binding'), 'failed:subject_not_identified')
      assert.equal(check(res.body, 'credentials'), 'passed')
      assert.equal((await present(holder, [anonymous])).status, 200, 'not asked: it verifies')
    })

    it('when asked and the presentation names no holder at all, then holder_binding fails with holder_missing', async () => {
      const { vc } = await bankCredential({ subject: holder.did })
      const unsigned = {
        '@context': ['https://www.w3.org/ns/credentials/v2'],
        type: ['VerifiablePresentation'],
        verifiableCredential: [vc],
      }
      const vp = await signDataIntegrity(
        unsigned,
        { verificationMethod: holder.kid, privateKey: holder.privateKey, publicKey: holder.publicKey },
        { created: sys.clock(), proofPurpose: 'authentication', challenge: 'rp-no-holder' },
      )
      const asked = await verifyPresentation(sys, vp, { challenge: 'rp-no-holder', holderBinding: true })
      assert.equal(asked.status, 400)
      assert.equal(check(asked.body, 'holder_binding'), 'failed:holder_missing')
      const notAsked = await verifyPresentation(sys, vp, { challenge: 'rp-no-holder' })
      assert.equal(check(notAsked.body, 'holder_binding'), 'skipped:not_requested')
    })

    it('when the verifier runs with CB_REQUIRE_HOLDER_BINDING=true, then holder binding is checked even when the request asks for none or says false', async () => {
      const strict = await startTestSystem({ CB_REQUIRE_HOLDER_BINDING: 'true' })
      try {
        const [mine, other] = await Promise.all([
          issueAsBank(strict, withValue(buildAchievementCredential(strict.did), '/credentialSubject/id', holder.did)),
          issueAsBank(strict, buildAchievementCredential(strict.did)),
        ])
        for (const options of [{}, { holderBinding: false }]) {
          let challenge = await newChallenge(strict)
          const bad = await verifyPresentation(strict, signPresentation(holder, [other.body.verifiableCredential], { challenge }), {
            challenge,
            ...options,
          })
          assert.equal(bad.status, 400)
          assert.equal(check(bad.body, 'holder_binding'), 'failed:subject_not_holder')
          challenge = await newChallenge(strict)
          const good = await verifyPresentation(strict, signPresentation(holder, [mine.body.verifiableCredential], { challenge }), {
            challenge,
            ...options,
          })
          assert.equal(good.status, 200, JSON.stringify(good.body.checks))
          assert.equal(check(good.body, 'holder_binding'), 'passed')
        }
      } finally {
        await strict.close()
      }
    })
  })
})
