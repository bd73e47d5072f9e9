// The credit ledger with conversions (issue 8 items 1 and 2), on SQLite and on the PostgreSQL of CB_TEST_DATABASE_URL:
// an approved conversion enters the learner's ledger as an entry of its own and the outcome it converted is counted
// through it, never twice; once the conversion's credential is revoked, the outcome counts on its own again.
import assert from 'node:assert/strict'
import { residentIdIdentityObject } from '../../core/identity/identity-object.ts'
import { parseResidentId } from '../../core/identity/resident-id.ts'
import type { UserPrincipal } from '../../issuer/accounts/principal.ts'
import { BANK_ACTOR } from '../../issuer/audit/audit-trail.ts'
import { createApiClient } from '../../issuer/clients/api-clients.ts'
import { signUp, TEST_IDENTITIES, verifyLearner, type SessionAgent } from '../../fixtures/accounts.ts'
import { auth, post, startTestSystem, type TestSystem } from '../../fixtures/test-system.ts'

interface LedgerBody {
  entries: { id: string; source: string; credits: number; institutionId: string | null; credentialId: string }[]
  totals: { credits: number; count: number; byInstitution: { key: string | null; credits: number; entryIds: string[] }[] }
  converted: { entry: { id: string }; conversionId: string }[]
}

const principalOf = (agent: SessionAgent): UserPrincipal => ({
  kind: 'user',
  id: agent.user.id,
  username: agent.user.username,
  role: agent.user.role,
  institutionId: agent.user.institutionId ?? null,
  sessionId: 'test',
})

describe('credit ledger with conversions (issue 8 items 1 and 2)', function () {
  this.timeout(60_000)
  let sys: TestSystem

  before(async () => (sys = await startTestSystem()))
  after(() => sys.close())

  it('when a conversion is approved, then it counts in place of the outcome it converted; when its credential is revoked, the outcome counts again', async () => {
    const { alliance, catalogue, recognition, conversion } = sys.issuer
    await alliance.create({ id: 'uni-a', type: 'university', name: { zh: '甲大学', en: 'University A' }, region: 'Jiangsu' }, BANK_ACTOR)
    await alliance.create({ id: 'uni-b', type: 'university', name: { zh: '乙大学', en: 'University B' }, region: 'Jiangsu' }, BANK_ACTOR)
    await alliance.addScope('uni-a', { categories: ['academic'], levels: [5], validFrom: '2020-01-01' }, BANK_ACTOR)
    const course = (institutionId: string, code: string, credits: number, field: string) =>
      catalogue.create(
        {
          institutionId,
          code,
          achievementType: 'Course',
          credits,
          level: 5,
          category: 'academic',
          field,
          name: { zh: `课程${code}`, en: `Course ${code}` },
        },
        BANK_ACTOR,
      )
    const cs = await course('uni-a', 'CS201', 4, 'computer-science')
    const ma = await course('uni-a', 'MA101', 5, 'mathematics')
    const target = await course('uni-b', 'B-CS1', 3, 'computer-science')

    const learner = await signUp(sys)
    await verifyLearner(sys, learner, TEST_IDENTITIES[0])
    const parsed = parseResidentId(TEST_IDENTITIES[0].idNumber, sys.clock)
    if (!parsed.ok) throw new Error(parsed.code)
    const who = { idHash: sys.issuer.personalData.idNumberHash(parsed.id), identityObject: residentIdIdentityObject(parsed.id) }
    const [csRow, maRow] = await recognition.recordImportBatch(
      [cs, ma].map((e, i) => ({
        institutionId: 'uni-a',
        recordKey: `K-${i}`,
        learner: who,
        catalogueEntryId: e.id,
        creditsEarned: e.creditsCenti / 100,
        result: '88',
        awardedDate: '2025-06-01',
      })),
      BANK_ACTOR,
    )
    const expert = await signUp(sys, { role: 'expert' })
    const staffB = await signUp(sys, { role: 'staff', institutionId: 'uni-b' })
    const rule = await conversion.createRule(
      {
        name: { zh: '数据结构转换', en: 'Data Structures into B-CS1' },
        sources: [cs.id],
        require: { mode: 'all' },
        targetEntryId: target.id,
      },
      principalOf(expert),
    )
    const application = await conversion.apply(
      learner.user.id,
      { ruleId: rule.id, outcomeIds: [csRow!.outcomeId] },
      { type: 'user', id: learner.user.id, name: learner.user.username },
    )
    const approved = await conversion.decide(application.id, 'approve', 'Meets the rule.', principalOf(staffB))
    assert.equal(approved.state, 'approved')

    const ledger = (await learner.get<LedgerBody>('/me/ledger')).body
    assert.deepEqual(
      ledger.entries.map((e) => [e.id, e.source, e.credits, e.institutionId]),
      [
        [maRow!.outcomeId, 'outcome', 5, 'uni-a'],
        [application.id, 'conversion', 3, 'uni-b'],
      ],
    )
    assert.equal(ledger.totals.credits, 8)
    assert.deepEqual(ledger.converted, [{ entry: ledger.converted[0]!.entry, conversionId: application.id }])
    assert.equal(ledger.converted[0]!.entry.id, csRow!.outcomeId)

    // The bank revokes the conversion's credential: the conversion leaves, Data Structures counts again.
    const admin = await createApiClient(sys.issuer.ds, sys.clock, { name: 'bank operator', scopes: ['admin'] })
    const res = await post(
      `${sys.issuerUrl}/credentials/status`,
      {
        credentialId: approved.credentialId,
        credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation' },
        status: true,
      },
      auth(admin.token),
    )
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const after = (await learner.get<LedgerBody>('/me/ledger')).body
    assert.deepEqual(
      after.entries.map((e) => [e.id, e.source]).sort(),
      [
        [csRow!.outcomeId, 'outcome'],
        [maRow!.outcomeId, 'outcome'],
      ].sort(),
    )
    assert.equal(after.totals.credits, 9)
    assert.deepEqual(after.converted, [])
  })
})
