// The credit ledger (积累, issue 8 item 1) over HTTP, on SQLite and on the PostgreSQL of CB_TEST_DATABASE_URL: totals are
// the sums of the learner's recognized outcomes with the entries behind each; policy caps are rules experts and admins
// manage (audited, versioned), and hold back exactly the outcomes beyond them, naming the rule; a non-transferable
// category never counts; a revoked credential's outcome leaves; nobody sees another learner's ledger.
import assert from 'node:assert/strict'
import { BANK_ACTOR, listAudit } from '../../issuer/audit/audit-trail.ts'
import type { CatalogueEntryRecord } from '../../issuer/catalogue/catalogue-store.ts'
import { createApiClient } from '../../issuer/clients/api-clients.ts'
import type { ImportedOutcome, OutcomeLearner } from '../../issuer/recognition/recognition.ts'
import { VERIFY_FIRST_HINT } from '../../issuer/recognition/routes/my-outcomes.ts'
import { signUp, TEST_IDENTITIES, verifyLearner, type SessionAgent, outcomeLearner } from '../../fixtures/accounts.ts'
import { assertProblem, auth, post, startTestSystem, type TestSystem } from '../../fixtures/test-system.ts'

interface Total<K> {
  key: K
  credits: number
  count: number
  entryIds: string[]
}
interface LedgerBody {
  entries: { id: string; credits: number; awardedDate: string; year: number; term: string; credentialId: string; source: string }[]
  totals: {
    credits: number
    count: number
    byLevel: Total<number>[]
    byCategory: Total<string>[]
    byInstitution: Total<string | null>[]
    byField: Total<string>[]
    byYear: Total<number>[]
  }
  heldBack: { entry: { id: string }; rule: { id: string; kind: string; name: { zh: string; en: string }; version: number } }[]
  heldBackCredits: number
  rules: { id: string; kind: string; version: number }[]
  hint?: unknown
}
interface RuleBody {
  id: string
  kind: string
  name: { zh: string; en: string }
  parameters: Record<string, unknown>
  active: boolean
  version: number
}

describe('credit ledger (issue 8 item 1)', function () {
  let sys: TestSystem
  let learner: SessionAgent
  let other: SessionAgent
  let expert: SessionAgent
  let admin: SessionAgent
  let adminToken: string
  const ids: Record<string, string> = {}
  const credentials: Record<string, string> = {}

  const learnerOf = (idNumber: string): OutcomeLearner => outcomeLearner(sys.issuer.personalData, idNumber)
  const row = (
    key: string,
    entry: CatalogueEntryRecord,
    who: OutcomeLearner,
    awardedDate: string,
    extra: Partial<ImportedOutcome> = {},
  ): ImportedOutcome => ({
    institutionId: entry.institutionId,
    recordKey: key,
    learner: who,
    catalogueEntryId: entry.id,
    creditsEarned: entry.creditsCenti / 100,
    awardedDate,
    ...extra,
  })
  const ledgerOf = async (agent: SessionAgent) => {
    const res = await agent.get<LedgerBody>('/me/ledger')
    assert.equal(res.status, 200, res.text)
    assert.equal(res.headers.get('cache-control'), 'no-store')
    return res.body
  }
  const addRule = async (agent: SessionAgent, rule: Record<string, unknown>) => {
    const res = await agent.post<RuleBody>('/ledger-rules', rule)
    assert.equal(res.status, 201, res.text)
    return res.body
  }
  const retire = async (id: string) => {
    const res = await admin.patch<RuleBody>(`/ledger-rules/${id}`, { active: false })
    assert.equal(res.status, 200, res.text)
    assert.equal(res.body.active, false)
  }

  before(async function () {
    this.timeout(60_000)
    sys = await startTestSystem()
    const { alliance, catalogue, recognition } = sys.issuer
    for (const id of ['uni-a', 'uni-b'])
      await alliance.create({ id, type: 'university', name: { zh: `${id}大学`, en: `University ${id}` }, region: 'Jiangsu' }, BANK_ACTOR)
    await alliance.addScope('uni-a', { categories: ['academic', 'non_academic'], levels: [4, 5], validFrom: '2020-01-01' }, BANK_ACTOR)
    await alliance.addScope('uni-b', { categories: ['academic'], levels: [5], validFrom: '2020-01-01' }, BANK_ACTOR)
    const entry = (
      institutionId: string,
      code: string,
      credits: number,
      level: number,
      category: 'academic' | 'non_academic',
      field: string,
    ) =>
      catalogue.create(
        {
          institutionId,
          code,
          achievementType: category === 'academic' ? 'Course' : 'Certificate',
          credits,
          level,
          category,
          field,
          name: { zh: `课程${code}`, en: `Course ${code}` },
        },
        BANK_ACTOR,
      )
    const cs = await entry('uni-a', 'CS201', 4, 5, 'academic', 'computer-science')
    const ma = await entry('uni-a', 'MA101', 5, 5, 'academic', 'mathematics')
    const tr = await entry('uni-a', 'ART-1', 2, 4, 'non_academic', 'culture')
    const ee = await entry('uni-b', 'EE301', 3, 5, 'academic', 'electrical')
    const rm = await entry('uni-b', 'RM701', 2, 7, 'academic', 'research-methods')

    learner = await signUp(sys)
    await verifyLearner(sys, learner, TEST_IDENTITIES[0])
    other = await signUp(sys)
    await verifyLearner(sys, other, TEST_IDENTITIES[1])
    expert = await signUp(sys, { role: 'expert' })
    admin = await signUp(sys, { role: 'admin' })
    adminToken = (await createApiClient(sys.issuer.ds, sys.clock, { name: 'bank operator', scopes: ['admin'] })).token

    const zhang = learnerOf(TEST_IDENTITIES[0].idNumber)
    const li = learnerOf(TEST_IDENTITIES[1].idNumber)
    const results = await recognition.recordImportBatch(
      [
        row('Z-1', ma, zhang, '2024-06-20', { term: '2023-2024-2' }),
        row('Z-2', cs, zhang, '2025-01-10'),
        row('Z-3', tr, zhang, '2025-03-15', { creditsEarned: 1.5 }),
        row('Z-4', ee, zhang, '2025-05-02', { creditsEarned: 2.5 }),
        row('Z-5', rm, zhang, '2025-06-01'), // level 7: beyond uni-b's accreditation, so it waits for a reviewer
        row('L-1', cs, li, '2025-02-01'),
      ],
      { type: 'user', id: 'registrar', name: 'registrar' },
      { importJobId: 'job-ledger' },
    )
    for (const r of results) {
      ids[r.recordKey] = r.outcomeId
      if (r.status === 'imported') credentials[r.recordKey] = r.credentialId
    }
    assert.deepEqual(
      results.map((r) => r.status),
      ['imported', 'imported', 'imported', 'imported', 'to_review', 'imported'],
    )
  })
  after(() => sys.close())

  it('when a learner reads their ledger, then its totals are the sums of their recognized outcomes, each with the entries behind it', async () => {
    const outcomes = await learner.get<{ items: { id: string; state: string; creditsEarned: number }[] }>('/me/outcomes?limit=100')
    const recognized = outcomes.body.items.filter((o) => o.state === 'recognized')
    const ledger = await ledgerOf(learner)
    const sum = recognized.reduce((s, o) => s + o.creditsEarned, 0)
    assert.equal(ledger.totals.credits, sum)
    assert.equal(ledger.totals.credits, 13)
    assert.equal(ledger.totals.count, 4)
    assert.deepEqual(
      ledger.entries.map((e) => [e.id, e.credits, e.awardedDate, e.year, e.term, e.source]),
      [
        [ids['Z-1'], 5, '2024-06-20', 2024, '2023-2024-2', 'outcome'],
        [ids['Z-2'], 4, '2025-01-10', 2025, '2024-2025-1', 'outcome'],
        [ids['Z-3'], 1.5, '2025-03-15', 2025, '2024-2025-2', 'outcome'],
        [ids['Z-4'], 2.5, '2025-05-02', 2025, '2024-2025-2', 'outcome'],
      ],
    )
    assert.deepEqual(ledger.totals.byLevel, [
      { key: 4, credits: 1.5, count: 1, entryIds: [ids['Z-3']] },
      { key: 5, credits: 11.5, count: 3, entryIds: [ids['Z-1'], ids['Z-2'], ids['Z-4']] },
    ])
    assert.deepEqual(ledger.totals.byCategory, [
      { key: 'academic', credits: 11.5, count: 3, entryIds: [ids['Z-1'], ids['Z-2'], ids['Z-4']] },
      { key: 'non_academic', credits: 1.5, count: 1, entryIds: [ids['Z-3']] },
    ])
    assert.deepEqual(ledger.totals.byInstitution, [
      { key: 'uni-a', credits: 10.5, count: 3, entryIds: [ids['Z-1'], ids['Z-2'], ids['Z-3']] },
      { key: 'uni-b', credits: 2.5, count: 1, entryIds: [ids['Z-4']] },
    ])
    assert.deepEqual(
      ledger.totals.byField.map((t) => [t.key, t.credits, t.entryIds]),
      [
        ['computer-science', 4, [ids['Z-2']]],
        ['culture', 1.5, [ids['Z-3']]],
        ['electrical', 2.5, [ids['Z-4']]],
        ['mathematics', 5, [ids['Z-1']]],
      ],
    )
    assert.deepEqual(ledger.totals.byYear, [
      { key: 2024, credits: 5, count: 1, entryIds: [ids['Z-1']] },
      { key: 2025, credits: 8, count: 3, entryIds: [ids['Z-2'], ids['Z-3'], ids['Z-4']] },
    ])
    assert.deepEqual(ledger.heldBack, [])
    assert.equal(ledger.heldBackCredits, 0)
    for (const t of [
      ledger.totals.byLevel,
      ledger.totals.byCategory,
      ledger.totals.byInstitution,
      ledger.totals.byField,
      ledger.totals.byYear,
    ])
      assert.equal(
        t.reduce((s, x) => s + x.credits, 0),
        ledger.totals.credits,
      )
  })

  it('when an expert adds a per-year cap, then exactly the outcomes beyond it are held back with that rule, and retiring it counts them again', async () => {
    const rule = await addRule(expert, {
      kind: 'per_year',
      name: { zh: '每年最多累计 6 学分', en: 'At most 6 credits a year' },
      parameters: { maxCredits: 6 },
    })
    assert.equal(rule.version, 1)
    assert.equal(rule.active, true)
    const ledger = await ledgerOf(learner)
    // 2025 in awarded order: CS201 4 (4), ART-1 1.5 (5.5), EE301 2.5 would make 8 > 6: held back. 2024: 5 ≤ 6.
    assert.deepEqual(
      ledger.entries.map((e) => e.id),
      [ids['Z-1'], ids['Z-2'], ids['Z-3']],
    )
    assert.deepEqual(ledger.heldBack, [
      {
        entry: ledger.heldBack[0]!.entry,
        rule: { id: rule.id, kind: 'per_year', name: { zh: '每年最多累计 6 学分', en: 'At most 6 credits a year' }, version: 1 },
      },
    ])
    assert.equal(ledger.heldBack[0]!.entry.id, ids['Z-4'])
    assert.equal(ledger.totals.credits, 10.5)
    assert.equal(ledger.heldBackCredits, 2.5)
    assert.deepEqual(ledger.rules, [{ id: rule.id, kind: 'per_year', version: 1 }])

    // Raised to 8: nothing is beyond it any more; the version goes up.
    const raised = await admin.patch<RuleBody>(`/ledger-rules/${rule.id}`, { parameters: { maxCredits: 8 } })
    assert.equal(raised.status, 200, raised.text)
    assert.equal(raised.body.version, 2)
    assert.equal((await ledgerOf(learner)).totals.credits, 13)
    // Lowered to 4.5: 2024's 5 is beyond it on its own; in 2025 CS201 fits (4), ART-1 and EE301 do not.
    await admin.patch(`/ledger-rules/${rule.id}`, { parameters: { maxCredits: 4.5 } })
    const lowered = await ledgerOf(learner)
    assert.deepEqual(
      lowered.entries.map((e) => e.id),
      [ids['Z-2']],
    )
    assert.deepEqual(
      lowered.heldBack.map((h) => [h.entry.id, h.rule.id, h.rule.version]),
      [
        [ids['Z-1'], rule.id, 3],
        [ids['Z-3'], rule.id, 3],
        [ids['Z-4'], rule.id, 3],
      ],
    )
    await retire(rule.id)
    const after = await ledgerOf(learner)
    assert.equal(after.totals.credits, 13)
    assert.deepEqual(after.rules, [])

    // Every change is in the audit trail with who made it, before and after.
    const audit = (await listAudit(sys.issuer.ds, 0, 1000)).entries.filter(
      (e) => e.subject.type === 'ledger_rule' && e.subject.id === rule.id,
    )
    assert.deepEqual(
      audit.map((e) => [e.action, e.actor.id, (e.after as { version: number }).version]),
      [
        ['ledger_rule_created', expert.user.id, 1],
        ['ledger_rule_changed', admin.user.id, 2],
        ['ledger_rule_changed', admin.user.id, 3],
        ['ledger_rule_changed', admin.user.id, 4],
      ],
    )
    // The public list shows it, retired.
    const rules = await learner.get<{ items: RuleBody[] }>('/ledger-rules')
    assert.deepEqual(
      rules.body.items.filter((r) => r.id === rule.id).map((r) => [r.active, r.version, r.parameters]),
      [[false, 4, { maxCredits: 4.5 }]],
    )
  })

  it('when a category (and field) is non-transferable, then its outcomes never count, whatever the other caps', async () => {
    const rule = await addRule(admin, {
      kind: 'non_transferable_category',
      name: { zh: '文化休闲类成果不可累计', en: 'Culture and leisure outcomes are not transferable' },
      parameters: { category: 'non_academic', fields: ['culture'] },
    })
    const generous = await addRule(admin, {
      kind: 'per_institution',
      name: { zh: '每机构 100 学分', en: '100 credits per institution' },
      parameters: { maxCredits: 100 },
    })
    const ledger = await ledgerOf(learner)
    assert.deepEqual(
      ledger.heldBack.map((h) => [h.entry.id, h.rule.id, h.rule.kind]),
      [[ids['Z-3'], rule.id, 'non_transferable_category']],
    )
    assert.equal(ledger.totals.credits, 11.5)
    assert.deepEqual(
      ledger.totals.byCategory.map((t) => t.key),
      ['academic'],
    )
    await retire(rule.id)
    await retire(generous.id)
  })

  it('when a per-institution cap and a certificates-per-programme cap apply, then each holds back what is beyond it', async () => {
    const perInstitution = await addRule(admin, {
      kind: 'per_institution',
      name: { zh: '每机构最多 9.5 学分', en: 'At most 9.5 credits per institution' },
      parameters: { maxCredits: 9.5 },
    })
    const certificates = await addRule(admin, {
      kind: 'max_certificates_per_programme',
      name: { zh: '每专业不计证书', en: 'No certificates toward a programme' },
      parameters: { maxCertificates: 0 },
    })
    const ledger = await ledgerOf(learner)
    // uni-a in awarded order: MA101 5, CS201 4 (9), then ART-1 1.5 would make 10.5 > 9.5. ART-1 is also a certificate
    // beyond the certificates cap, but the institution cap comes first in the rule order, so it is the one named.
    assert.deepEqual(
      ledger.heldBack.map((h) => [h.entry.id, h.rule.id]),
      [[ids['Z-3'], perInstitution.id]],
    )
    await retire(perInstitution.id)
    const certificatesOnly = await ledgerOf(learner)
    assert.deepEqual(
      certificatesOnly.heldBack.map((h) => [h.entry.id, h.rule.id]),
      [[ids['Z-3'], certificates.id]],
    )
    await retire(certificates.id)
  })

  it('when an outcome’s credential is revoked, then it leaves the ledger and the totals drop', async () => {
    const before = await ledgerOf(learner)
    const res = await post(
      `${sys.issuerUrl}/credentials/status`,
      {
        credentialId: credentials['Z-4'],
        credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation' },
        status: true,
      },
      auth(adminToken),
    )
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const after = await ledgerOf(learner)
    assert.equal(after.totals.credits, before.totals.credits - 2.5)
    assert.equal(after.totals.count, before.totals.count - 1)
    assert.ok(!after.entries.some((e) => e.id === ids['Z-4']))
    assert.deepEqual(
      after.totals.byInstitution.map((t) => t.key),
      ['uni-a'],
    )
    assert.deepEqual(after.heldBack, [])
  })

  it('when another learner reads their ledger, then they see only their own outcomes; an unverified learner sees none and a hint', async () => {
    const theirs = await ledgerOf(other)
    assert.deepEqual(
      theirs.entries.map((e) => e.id),
      [ids['L-1']],
    )
    assert.equal(theirs.totals.credits, 4)
    const stranger = await signUp(sys)
    const none = await ledgerOf(stranger)
    assert.deepEqual(none.entries, [])
    assert.equal(none.totals.credits, 0)
    assert.deepEqual(none.hint, VERIFY_FIRST_HINT)
  })

  it('when a rule is bad or the caller may not manage rules, then 4xx with a stable code and nothing is written', async () => {
    const count = async () => (await learner.get<{ items: RuleBody[] }>('/ledger-rules')).body.items.length
    const n = await count()
    const missing = await expert.post('/ledger-rules', { kind: 'per_year', name: { zh: '上限', en: 'cap' }, parameters: {} })
    assertProblem(missing, 400, 'invalid_request')
    assert.deepEqual((missing.body as { issues: unknown[] }).issues, [{ path: '/parameters/maxCredits', message: 'is required' }])
    const negative = await expert.post('/ledger-rules', {
      kind: 'per_term',
      name: { zh: '上限', en: 'cap' },
      parameters: { maxCredits: -1 },
    })
    assertProblem(negative, 400, 'invalid_request')
    const unknownKind = await expert.post('/ledger-rules', {
      kind: 'per_decade',
      name: { zh: '上限', en: 'cap' },
      parameters: { maxCredits: 1 },
    })
    assertProblem(unknownKind, 400, 'invalid_request')
    const extra = await expert.post('/ledger-rules', {
      kind: 'non_transferable_category',
      name: { zh: '上限', en: 'cap' },
      parameters: { category: 'leisure' },
    })
    assertProblem(extra, 400, 'invalid_request')
    assertProblem(
      await learner.post('/ledger-rules', { kind: 'per_year', name: { zh: '上限', en: 'cap' }, parameters: { maxCredits: 1 } }),
      403,
      'forbidden',
    )
    const staff = await signUp(sys, { role: 'staff', institutionId: 'uni-a' })
    assertProblem(
      await staff.post('/ledger-rules', { kind: 'per_year', name: { zh: '上限', en: 'cap' }, parameters: { maxCredits: 1 } }),
      403,
      'forbidden',
    )
    assertProblem(await expert.patch('/ledger-rules/00000000-0000-4000-8000-000000000000', { active: false }), 404, 'not_found')
    const rule = await addRule(expert, {
      kind: 'per_term',
      name: { zh: '每学期 24 学分', en: '24 credits a term' },
      parameters: { maxCredits: 24 },
    })
    assertProblem(await expert.patch(`/ledger-rules/${rule.id}`, { parameters: { maxCertificates: 3 } }), 400, 'invalid_request')
    assertProblem(await expert.patch(`/ledger-rules/${rule.id}`, { kind: 'per_year' }), 400, 'invalid_request')
    const unchanged = await learner.get<RuleBody>(`/ledger-rules/${rule.id}`)
    assert.deepEqual([unchanged.body.version, unchanged.body.parameters], [1, { maxCredits: 24 }])
    assert.equal(await count(), n + 1)
    await retire(rule.id)
  })
})
