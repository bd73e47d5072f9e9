// Open Badges 3.0 credentials from other issuers: the specification's own examples (test/vectors/ob3/), re-signed by a
// test did:key with Data Integrity and as vc+jwt, verified through the real verifier over HTTP.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA_ID, VC_JWT_DATA_URL_PREFIX, VC_V2_CONTEXT } from '../../core/credentials/types.ts'
import { signDataIntegrity } from '../../core/proofs/data-integrity.ts'
import { newHolder, vcJwtPayload, type Json, type Signer } from '../helpers/attacks.ts'
import { check, startTestSystem, verify, type HttpResult, type Report, type TestSystem } from '../../fixtures/test-system.ts'

/** An unsigned example from the OB 3.0 specification, issued by `issuer` instead of the example's issuer. */
function vector(name: string, issuer: Signer): Json {
  const credential = JSON.parse(readFileSync(new URL(`../vectors/ob3/${name}.json`, import.meta.url), 'utf8')) as Json
  return { ...credential, issuer: { ...(credential.issuer as Json), id: issuer.did } }
}

// The spec's examples name 1EdTech's JSON Schema, which is not one of ours: credential_schema skips it (schema_unknown), never fetching it.
const ALL_PASSED = [
  'format:passed',
  'schema:passed',
  'credential_schema:skipped',
  'proof:passed',
  'validity_period:passed',
  'status:skipped',
  'issuer_trust:passed',
]

describe('Open Badges 3.0 credentials from other issuers (HTTP)', () => {
  let sys: TestSystem
  const otherIssuer = newHolder() // an Ed25519 did:key: its document lists the key under assertionMethod
  before(async () => {
    sys = await startTestSystem({ CB_TRUSTED_ISSUERS: otherIssuer.did })
  })
  after(() => sys.close())

  const signed = {
    'eddsa-rdfc-2022': (credential: Json) =>
      signDataIntegrity(
        credential,
        { verificationMethod: otherIssuer.kid, privateKey: otherIssuer.privateKey, publicKey: otherIssuer.publicKey },
        { created: sys.clock() },
      ) as Promise<Json>,
    'vc+jwt': async (credential: Json): Promise<Json> => ({
      '@context': [VC_V2_CONTEXT],
      id: `${VC_JWT_DATA_URL_PREFIX}${otherIssuer.sign(vcJwtPayload(credential, otherIssuer.did))}`,
      type: 'EnvelopedVerifiableCredential',
    }),
  } as const

  /** A credential that verifies answers 200; one that does not may answer 200 or 400 (VC API), always with the whole report. */
  function assertAnswer(res: HttpResult<Report>, verified: boolean): void {
    assert.equal(res.body.verified, verified, JSON.stringify(res.body.checks))
    assert.equal(res.status, verified ? 200 : 400)
  }

  const outcomes = (report: Report) => report.checks.map((c) => (c.status === 'passed' ? `${c.id}:passed` : `${c.id}:${c.status}`))

  for (const name of ['basic-openbadgecredential', 'basic-achievementcredential']) {
    for (const securing of ['eddsa-rdfc-2022', 'vc+jwt'] as const) {
      it(`when the spec's ${name} is signed by a trusted did:key as ${securing}, then it verifies and only the OB 3.0 schema is applied`, async () => {
        const credential = vector(name, otherIssuer)
        const res = await verify(sys, await signed[securing](credential))
        assertAnswer(res, true)
        assert.deepEqual(outcomes(res.body), ALL_PASSED)
        // The profiles the schema check applied: Open Badges 3.0, never the credit bank's own.
        assert.deepEqual(res.body.checks.find((c) => c.id === 'schema')?.details?.schemas, [OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA_ID])
      })
    }
  }

  it("when the spec's complete OpenBadgeCredential is signed as vc+jwt, then the schema passes and only its 1EdTech revocation list (a status method we do not read) fails", async () => {
    const res = await verify(sys, await signed['vc+jwt'](vector('complete-openbadgecredential', otherIssuer)))
    assertAnswer(res, false)
    assert.deepEqual(outcomes(res.body), [
      'format:passed',
      'schema:passed',
      'credential_schema:skipped',
      'proof:passed',
      'validity_period:passed',
      'status:failed',
      'issuer_trust:passed',
    ])
    assert.equal(check(res.body, 'status'), 'failed:unsupported_status_type')
  })

  it("when the spec's complete OpenBadgeCredential carries no status entry, then it verifies", async () => {
    const { credentialStatus: _status, refreshService: _refresh, ...credential } = vector('complete-openbadgecredential', otherIssuer)
    const res = await verify(sys, await signed['vc+jwt'](credential))
    assertAnswer(res, true)
    assert.deepEqual(outcomes(res.body), ALL_PASSED)
  })

  for (const securing of ['eddsa-rdfc-2022', 'vc+jwt'] as const) {
    it(`when an OB 3.0 credential has no achievement and a subject with neither id nor identifier (${securing}), then schema fails and says where`, async () => {
      const credential = vector('basic-openbadgecredential', otherIssuer)
      const broken = { ...credential, credentialSubject: { type: ['AchievementSubject'] } }
      const res = await verify(sys, await signed[securing](broken))
      assertAnswer(res, false)
      assert.equal(check(res.body, 'schema'), 'failed:schema_invalid')
      assert.equal(check(res.body, 'proof'), 'passed') // signed as it is: only the data model is wrong
      const schema = res.body.checks.find((c) => c.id === 'schema')!
      const issues = (schema.details?.issues ?? []) as { path: string; message: string }[]
      assert.deepEqual(issues.map((i) => i.path).sort(), ['/credentialSubject', '/credentialSubject/achievement'])
      assert.doesNotMatch(JSON.stringify(issues), /credit bank|frameworkLevel/)
    })
  }

  it('when an OB 3.0 credential lacks the OB 3.0 context, then schema fails at @context', async () => {
    const credential = { ...vector('basic-openbadgecredential', otherIssuer), '@context': [VC_V2_CONTEXT] }
    const res = await verify(sys, await signed['vc+jwt'](credential))
    assertAnswer(res, false)
    const issues = (res.body.checks.find((c) => c.id === 'schema')?.details?.issues ?? []) as { path: string }[]
    assert.deepEqual(
      issues.map((i) => i.path),
      ['/@context'],
    )
  })
})
