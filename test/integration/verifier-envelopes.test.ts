// Issue 5 item 8 over HTTP: an EnvelopedVerifiableCredential or EnvelopedVerifiablePresentation is exactly
// { "@context": [VC 2.0, …], "id": data:<media type>,<JWT>, "type" } (VC Data Model 2.0 §4.13). Anything else beside
// the signed token is refused: at format for what is sent directly, at schema for an envelope inside a presentation.
import assert from 'node:assert/strict'
import { buildAchievementCredential, withValue } from '../../fixtures/builders.ts'
import { check, issueAsBank, jwtOf, startTestSystem, verify, type TestSystem } from '../../fixtures/test-system.ts'
import { newHolder, signPresentation, verifyPresentation, type Json } from '../helpers/attacks.ts'

const VC_V2 = 'https://www.w3.org/ns/credentials/v2'
const EXAMPLES_V2 = 'https://www.w3.org/ns/credentials/examples/v2'

/** Ways an envelope departs from {@context, id, type}, each with the JSON pointer the refusal names. */
const BROKEN: readonly (readonly [string, (e: Json) => Json, string])[] = [
  ['@context is []', (e) => ({ ...e, '@context': [] }), '/@context'],
  ['@context is missing', ({ '@context': _c, ...e }) => e, '/@context'],
  ['@context is a string', (e) => ({ ...e, '@context': VC_V2 }), '/@context'],
  ['@context lacks the base context', (e) => ({ ...e, '@context': [EXAMPLES_V2] }), '/@context'],
  ['@context has the base context second', (e) => ({ ...e, '@context': [EXAMPLES_V2, VC_V2] }), '/@context'],
  ['@context holds an inline context', (e) => ({ ...e, '@context': [VC_V2, { issuer: 'https://evil.example#issuer' }] }), '/@context'],
  ['it carries issuer', (e) => ({ ...e, issuer: 'did:web:evil.example' }), '/issuer'],
  ['it carries holder', (e) => ({ ...e, holder: 'did:web:evil.example' }), '/holder'],
  [
    'it carries credentialSubject',
    (e) => ({ ...e, credentialSubject: { id: 'did:web:evil.example', creditsEarned: 99 } }),
    '/credentialSubject',
  ],
  ['it carries a proof', (e) => ({ ...e, proof: { type: 'DataIntegrityProof' } }), '/proof'],
]

describe('envelopes are exactly { @context, id, type } (issue 5 item 8, HTTP)', () => {
  let sys: TestSystem
  const holder = newHolder()
  let jwt: string

  before(async () => {
    sys = await startTestSystem()
    const res = await issueAsBank(sys, withValue(buildAchievementCredential(sys.did), '/credentialSubject/id', holder.did))
    assert.equal(res.status, 201)
    jwt = jwtOf(res.body.verifiableCredential)
  })
  after(() => sys.close())

  const credentialEnvelope = (): Json => ({
    '@context': [VC_V2],
    id: `data:application/vc+jwt,${jwt}`,
    type: 'EnvelopedVerifiableCredential',
  })
  const presentationEnvelope = (challenge: string, credentials: unknown[] = [credentialEnvelope()]): Json => ({
    '@context': [VC_V2],
    id: `data:application/vp+jwt,${signPresentation(holder, credentials, { challenge })}`,
    type: 'EnvelopedVerifiablePresentation',
  })

  describe('EnvelopedVerifiableCredential sent to POST /credentials/verify', () => {
    it('when the envelope is well formed (also with more contexts after the base one, or type as an array), then it verifies (control)', async () => {
      for (const e of [
        credentialEnvelope(),
        { ...credentialEnvelope(), '@context': [VC_V2, EXAMPLES_V2] },
        { ...credentialEnvelope(), type: ['EnvelopedVerifiableCredential'] },
      ]) {
        const res = await verify(sys, e)
        assert.equal(res.status, 200, JSON.stringify(res.body.checks))
        assert.equal(res.body.verified, true)
      }
    })

    for (const [what, edit, pointer] of BROKEN) {
      it(`when ${what}, then 400 with format failed:envelope_malformed naming ${pointer}, and nothing else checked`, async () => {
        const res = await verify(sys, edit(credentialEnvelope()))
        assert.equal(res.status, 400)
        assert.equal(res.body.verified, false)
        assert.equal(check(res.body, 'format'), 'failed:envelope_malformed')
        assert.match(String(res.body.checks[0]!.message), new RegExp(`^EnvelopedVerifiableCredential ${pointer} `))
        for (const id of ['schema', 'proof', 'status']) assert.equal(check(res.body, id), 'skipped:format_failed', id)
      })
    }

    it('when the id is not a data:application/vc+jwt URL of a compact JWT, then format fails with envelope_malformed', async () => {
      for (const id of [
        `data:application/vp+jwt,${jwt}`,
        `data:application/vc+jwt,${jwt}.extra`,
        'https://bank.example/credentials/1',
        42,
      ]) {
        const res = await verify(sys, { ...credentialEnvelope(), id })
        assert.equal(res.status, 400)
        assert.equal(check(res.body, 'format'), 'failed:envelope_malformed', String(id))
      }
    })
  })

  describe('EnvelopedVerifiablePresentation sent to POST /presentations/verify', () => {
    it('when the envelope is well formed, then it verifies (control)', async () => {
      const res = await verifyPresentation(sys, presentationEnvelope('env-ok'), { challenge: 'env-ok' })
      assert.equal(res.status, 200, JSON.stringify(res.body.checks))
      assert.equal(res.body.verified, true)
    })

    for (const [what, edit, pointer] of BROKEN) {
      it(`when ${what}, then 400 with format failed:envelope_malformed naming ${pointer}, and nothing else checked`, async () => {
        const res = await verifyPresentation(sys, edit(presentationEnvelope('env-bad')), { challenge: 'env-bad' })
        assert.equal(res.status, 400)
        assert.equal(res.body.verified, false)
        assert.equal(check(res.body, 'format'), 'failed:envelope_malformed')
        assert.match(String(res.body.checks[0]!.message), new RegExp(`^EnvelopedVerifiablePresentation ${pointer} `))
        for (const id of ['proof', 'challenge', 'credentials']) assert.equal(check(res.body, id), 'skipped:format_failed', id)
        assert.equal(res.body.credentials, undefined, 'no credential inside was verified')
      })
    }

    it('when the id carries a vc+jwt media type, then format fails with envelope_malformed', async () => {
      const e = presentationEnvelope('env-media')
      const res = await verifyPresentation(sys, { ...e, id: String(e.id).replace('vp+jwt', 'vc+jwt') }, { challenge: 'env-media' })
      assert.equal(check(res.body, 'format'), 'failed:envelope_malformed')
    })
  })

  describe('an EnvelopedVerifiableCredential inside a presentation', () => {
    it('when it is well formed, then schema and credentials pass (control)', async () => {
      const res = await verifyPresentation(sys, signPresentation(holder, [credentialEnvelope()], { challenge: 'inner-ok' }), {
        challenge: 'inner-ok',
      })
      assert.equal(res.status, 200, JSON.stringify(res.body.checks))
    })

    for (const [what, edit, pointer] of BROKEN) {
      it(`when ${what}, then 400 with schema failed at /verifiableCredential/0${pointer} and the credential's own report failed at format`, async () => {
        const challenge = `inner-${pointer}`
        for (const vp of [
          signPresentation(holder, [edit(credentialEnvelope())], { challenge }),
          presentationEnvelope(challenge, [edit(credentialEnvelope())]),
        ]) {
          const res = await verifyPresentation(sys, vp, { challenge })
          assert.equal(res.status, 400)
          assert.equal(res.body.verified, false)
          assert.equal(check(res.body, 'schema'), 'failed:schema_invalid')
          const issues = res.body.checks.find((c) => c.id === 'schema')?.details?.issues as { path: string }[]
          assert.ok(
            issues.some((i) => i.path === `/verifiableCredential/0${pointer}`),
            JSON.stringify(issues),
          )
          assert.equal(check(res.body.credentials![0]!, 'format'), 'failed:envelope_malformed')
          assert.equal(check(res.body, 'credentials'), 'failed:credential_not_verified')
        }
      })
    }
  })
})
