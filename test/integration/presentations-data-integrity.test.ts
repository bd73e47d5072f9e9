// Presentations secured with Data Integrity (eddsa-rdfc-2022, proofPurpose authentication), as the VC API test
// suites send them: the same report as for a vp+jwt, with the challenge and domain taken from the signed proof.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { canonicalJson } from '../../core/credentials/jcs.ts'
import { signDataIntegrity } from '../../core/proofs/data-integrity.ts'
import { newChallenge, newHolder, verifyPresentation, type Json, type Signer } from '../helpers/attacks.ts'
import { buildAchievementCredential, buildCertificationReportCredential, TEST_COVERED_CREDENTIAL_IDS } from '../../fixtures/builders.ts'
import { check, issueAsBank, setStatus, startTestSystem, type TestSystem } from '../../fixtures/test-system.ts'

const DOMAIN = 'https://employer.example'

describe('presentations with a Data Integrity proof (HTTP)', () => {
  let sys: TestSystem
  const holder = newHolder()
  before(async () => {
    sys = await startTestSystem()
  })
  after(() => sys.close())

  const learnerCredential = async (options?: Record<string, unknown>, id?: string) => {
    const credential = buildAchievementCredential(sys.did, {
      ...(id ? { id } : {}),
      credentialSubject: { ...buildAchievementCredential(sys.did).credentialSubject, id: holder.did },
    })
    const res = await issueAsBank(sys, credential, options)
    assert.equal(res.status, 201)
    return res.body.verifiableCredential
  }

  function present(
    credentials: unknown[],
    proof: { challenge?: string; domain?: string; purpose?: 'authentication' | 'assertionMethod'; by?: Signer } = {},
    presentation: Json = {},
  ) {
    const by = proof.by ?? holder
    const unsigned = {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiablePresentation'],
      holder: holder.did,
      verifiableCredential: credentials,
      ...presentation,
    }
    return signDataIntegrity(
      unsigned,
      { verificationMethod: by.kid, privateKey: by.privateKey, publicKey: by.publicKey },
      {
        created: sys.clock(),
        proofPurpose: proof.purpose ?? 'authentication',
        ...(proof.challenge === undefined ? {} : { challenge: proof.challenge }),
        domain: proof.domain ?? DOMAIN,
      },
    ) as Promise<Json>
  }

  it('when a learner presents a vc+jwt and a Data Integrity credential with the challenge, then the presentation and both credentials verify', async () => {
    const challenge = await newChallenge(sys, DOMAIN)
    const vp = await present([await learnerCredential(), await learnerCredential({ format: 'eddsa-rdfc-2022' })], { challenge })
    const { status, body } = await verifyPresentation(sys, vp, { challenge, domain: DOMAIN, holderBinding: true })
    assert.equal(status, 200)
    assert.equal(body.verified, true, JSON.stringify(body.checks))
    assert.deepEqual(
      body.checks.map((c) => `${c.id}:${c.status}`),
      [
        'format:passed',
        'schema:passed',
        'proof:passed',
        'validity_period:skipped',
        'challenge:passed',
        'domain:passed',
        'holder_binding:passed',
        'credentials:passed',
        'related_resources:skipped',
      ],
    )
    assert.deepEqual(body.checks[0]!.details, { securing: 'eddsa-rdfc-2022' })
    assert.deepEqual(
      body.credentials?.map((r) => r.verified),
      [true, true],
    )
  })

  it('when the same challenge is answered twice, then the second presentation fails with challenge_used', async () => {
    const challenge = await newChallenge(sys, DOMAIN)
    const vp = await present([await learnerCredential()], { challenge })
    assert.equal((await verifyPresentation(sys, vp, { challenge, domain: DOMAIN })).body.verified, true)
    const again = (await verifyPresentation(sys, vp, { challenge, domain: DOMAIN })).body
    assert.equal(again.verified, false)
    assert.equal(check(again, 'challenge'), 'failed:challenge_used')
  })

  it('when the proof answers another challenge, then the challenge check fails while the signature itself holds', async () => {
    const challenge = await newChallenge(sys, DOMAIN)
    const other = await newChallenge(sys, DOMAIN)
    const body = (
      await verifyPresentation(sys, await present([await learnerCredential()], { challenge: other }), { challenge, domain: DOMAIN })
    ).body
    assert.equal(body.verified, false)
    assert.equal(check(body, 'proof'), 'passed')
    assert.equal(check(body, 'challenge'), 'failed:challenge_mismatch')
  })

  it('when the presentation is altered after signing, then the proof fails and the challenge is not burnt', async () => {
    const challenge = await newChallenge(sys, DOMAIN)
    const vp = await present([await learnerCredential()], { challenge })
    const tampered = (await verifyPresentation(sys, { ...vp, verifiableCredential: [] }, { challenge, domain: DOMAIN })).body
    assert.equal(check(tampered, 'proof'), 'failed:signature_invalid')
    assert.equal(check(tampered, 'challenge'), 'skipped:proof_failed')
    assert.equal(
      (await verifyPresentation(sys, vp, { challenge, domain: DOMAIN })).body.verified,
      true,
      'the genuine presentation still answers the challenge',
    )
  })

  it('when the proof is not for authentication, is by someone other than the holder, or names no holder, then the proof fails', async () => {
    const credential = await learnerCredential()
    const cases: [string, Parameters<typeof present>[1], Json][] = [
      ['failed:proof_purpose_mismatch', { purpose: 'assertionMethod' }, {}],
      ['failed:kid_not_issuer', { by: newHolder() }, {}],
      ['failed:holder_not_did', {}, { holder: undefined }],
    ]
    for (const [expected, proof, presentation] of cases) {
      const challenge = await newChallenge(sys, DOMAIN)
      const vp = await present([credential], { ...proof, challenge }, presentation)
      assert.equal(check((await verifyPresentation(sys, vp, { challenge, domain: DOMAIN })).body, 'proof'), expected)
    }
  })

  it('when the proof carries no challenge, then the proof fails with challenge_missing and nothing is consumed', async () => {
    const challenge = await newChallenge(sys, DOMAIN)
    const vp = await present([await learnerCredential()], { challenge })
    const { challenge: _dropped, ...proof } = vp.proof as Json
    const body = (await verifyPresentation(sys, { ...vp, proof }, { challenge, domain: DOMAIN })).body
    assert.equal(check(body, 'proof'), 'failed:challenge_missing')
    assert.equal(check(body, 'challenge'), 'failed:challenge_mismatch')
  })

  it('when a JSON presentation carries a JwtProof2020 instead, then the format check asks for the JWT itself (400)', async () => {
    const challenge = await newChallenge(sys, DOMAIN)
    const vp = { ...(await present([], { challenge })), proof: { type: 'JwtProof2020', jwt: 'eyJhbGciOiJFZERTQSJ9.e30.c2ln' } }
    const res = await verifyPresentation(sys, vp, { challenge, domain: DOMAIN })
    assert.equal(res.status, 400)
    assert.equal(check(res.body, 'format'), 'failed:unsupported_presentation_format')
  })

  it('when the proof is addressed to another domain, then the domain check fails', async () => {
    const challenge = await newChallenge(sys, DOMAIN)
    const body = (
      await verifyPresentation(sys, await present([await learnerCredential()], { challenge, domain: 'https://other.example' }), {
        challenge,
        domain: DOMAIN,
      })
    ).body
    assert.equal(body.verified, false)
    assert.equal(check(body, 'domain'), 'failed:domain_mismatch')
  })

  it('when a credential inside was revoked, then the presentation fails on it', async () => {
    const id = 'urn:uuid:4d1e0000-0000-4000-8000-000000000001'
    const credential = await learnerCredential({ format: 'eddsa-rdfc-2022' }, id)
    const revoked = await setStatus(sys, id, 'revocation')
    assert.equal(revoked.status, 200)
    sys.clock.advance(sys.config.statusListTtlSeconds + 1)
    const challenge = await newChallenge(sys, DOMAIN)
    const body = (await verifyPresentation(sys, await present([credential], { challenge }), { challenge, domain: DOMAIN })).body
    assert.equal(body.verified, false)
    assert.equal(check(body, 'credentials'), 'failed:credential_not_verified')
    assert.equal(check(body.credentials![0]!, 'status'), 'failed:revoked')
  })

  it('when a report pins Data Integrity credentials, then their digest is over the canonical JSON, so re-spacing passes and a swap fails', async () => {
    const [first, second] = TEST_COVERED_CREDENTIAL_IDS
    const covered = [
      await learnerCredential({ format: 'eddsa-rdfc-2022' }, first),
      await learnerCredential({ format: 'eddsa-rdfc-2022' }, second),
    ]
    const sri = (vc: Json) => `sha384-${createHash('sha384').update(canonicalJson(vc)).digest('base64')}`
    const report = async (pinned: Json[]) => {
      const base = buildCertificationReportCredential(sys.did)
      const res = await issueAsBank(
        sys,
        {
          ...base,
          credentialSubject: { ...base.credentialSubject, id: holder.did },
          relatedResource: [
            { id: first, digestSRI: sri(pinned[0]!) },
            { id: second, digestSRI: sri(pinned[1]!) },
          ],
        },
        { format: 'eddsa-rdfc-2022' },
      )
      assert.equal(res.status, 201, JSON.stringify(res.body))
      return res.body.verifiableCredential
    }
    const genuine = await report(covered)
    // Members in another order: the same credential, the same canonical form.
    const reordered = Object.fromEntries(Object.entries(covered[0]!).reverse())
    let challenge = await newChallenge(sys, DOMAIN)
    const ok = (
      await verifyPresentation(sys, await present([genuine, reordered, covered[1]], { challenge }), { challenge, domain: DOMAIN })
    ).body
    assert.equal(ok.verified, true, JSON.stringify(ok.checks))
    assert.deepEqual(
      ok.checks.find((c) => c.id === 'related_resources'),
      { id: 'related_resources', status: 'passed', details: { compared: 2 } },
    )

    const other = await learnerCredential({ format: 'eddsa-rdfc-2022' })
    const pinnedOther = await report([other, covered[1]!])
    challenge = await newChallenge(sys, DOMAIN)
    const swapped = (await verifyPresentation(sys, await present([pinnedOther, ...covered], { challenge }), { challenge, domain: DOMAIN }))
      .body
    assert.equal(swapped.verified, false)
    assert.equal(check(swapped, 'related_resources'), 'failed:related_resource_digest_mismatch')
  })
})
