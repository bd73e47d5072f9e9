// Recognition (认定) of learning outcomes against a real database (SQLite, and the PostgreSQL of CB_TEST_DATABASE_URL):
// import batches recognized within accreditation and signed in their transaction, queued outside it, idempotent by
// record key, atomic on failure; deposits; reviewer and expert decisions, one winner of two at once.
import assert from 'node:assert/strict'
import { VC_JWT_DATA_URL_PREFIX, VC_V2_CONTEXT } from '../../core/credentials/types.ts'
import { AppError } from '../../core/errors.ts'
import { createPersonalDataProtector } from '../../core/identity/personal-data.ts'
import { mod11_2CheckCharacter } from '../../core/identity/resident-id.ts'
import { transaction } from '../../core/store/sql.ts'
import type { UserPrincipal } from '../../issuer/accounts/principal.ts'
import { BANK_ACTOR, listAudit, type AuditActor } from '../../issuer/audit/audit-trail.ts'
import type { CatalogueEntryRecord } from '../../issuer/catalogue/catalogue-store.ts'
import { CredentialStore } from '../../issuer/credentials/credential-store.ts'
import { OutcomeStore } from '../../issuer/recognition/outcome-store.ts'
import type { ImportedOutcome, OutcomeLearner, OutcomeView } from '../../issuer/recognition/recognition.ts'
import { VERIFY_FIRST_HINT } from '../../issuer/recognition/routes/my-outcomes.ts'
import { StatusListStore } from '../../issuer/status/status-list-store.ts'
import { assertProblem, startTestSystem, TEST_KMS_SECRET, verify, type TestSystem } from '../../fixtures/test-system.ts'
import { request, signUp, TEST_IDENTITIES, verifyLearner, type SessionAgent, outcomeLearner } from '../../fixtures/accounts.ts'

const complete = (base17: string): string => base17 + mod11_2CheckCharacter(base17)
const STAFF: AuditActor = { type: 'user', id: 'staff-1', name: 'staff' }
const REVIEWER: UserPrincipal = { kind: 'user', id: 'rev-1', username: 'reviewer', role: 'reviewer', institutionId: null, sessionId: 's1' }
const REVIEWER_2: UserPrincipal = { ...REVIEWER, id: 'rev-2', username: 'reviewer2', sessionId: 's2' }
const EXPERT: UserPrincipal = { kind: 'user', id: 'exp-1', username: 'expert', role: 'expert', institutionId: null, sessionId: 's3' }
const actor = (p: UserPrincipal): AuditActor => ({ type: 'user', id: p.id, name: p.username })

async function rejection(fn: () => Promise<unknown>): Promise<AppError> {
  try {
    await fn()
  } catch (err) {
    if (err instanceof AppError) return err
    throw err
  }
  assert.fail('expected an AppError')
}

describe('recognition (use cases)', () => {
  let sys: TestSystem
  let inScope: CatalogueEntryRecord
  let wrongLevel: CatalogueEntryRecord
  let wrongCategory: CatalogueEntryRecord
  let wrongField: CatalogueEntryRecord
  let otherInstitutionEntry: CatalogueEntryRecord
  const pii = createPersonalDataProtector({ kmsSecretKey: TEST_KMS_SECRET })
  const learner = (base17: string): OutcomeLearner => outcomeLearner(pii, complete(base17))
  const ZHANG = learner('32010219900307123')
  const LI = learner('11010520010911456')

  const row = (recordKey: string, entry: CatalogueEntryRecord, extra: Partial<ImportedOutcome> = {}): ImportedOutcome => ({
    institutionId: entry.institutionId,
    recordKey,
    learner: ZHANG,
    catalogueEntryId: entry.id,
    creditsEarned: entry.creditsCenti / 100,
    result: '87',
    awardedDate: '2025-07-01',
    term: '2024-2025-2',
    activityStartDate: '2025-02-20',
    activityEndDate: '2025-06-30',
    ...extra,
  })

  /** What the database holds: outcomes, credentials, status slots handed out, audit entries. */
  const totals = async () => ({
    outcomes: await new OutcomeStore(sys.issuer.ds).count(),
    credentials: await new CredentialStore(sys.issuer.ds).count(),
    slots: await new StatusListStore(sys.issuer.ds).positionsTaken(),
  })

  /** The stored credential as the VC API gives it, and the verifier's report on it. */
  async function verifyStored(credentialId: string) {
    const stored = await new CredentialStore(sys.issuer.ds).find(credentialId)
    assert.ok(stored, `credential ${credentialId} is stored`)
    const envelope = {
      '@context': [VC_V2_CONTEXT],
      id: `${VC_JWT_DATA_URL_PREFIX}${stored.document}`,
      type: 'EnvelopedVerifiableCredential',
    }
    const { status, body } = await verify(sys, envelope)
    assert.equal(status, 200, JSON.stringify(body.checks))
    return body
  }

  before(async () => {
    sys = await startTestSystem()
    const { alliance, catalogue } = sys.issuer
    await alliance.create({ id: 'uni-a', type: 'university', name: { zh: '甲大学', en: 'University A' }, region: 'Jiangsu' }, BANK_ACTOR)
    await alliance.create(
      { id: 'uni-b', type: 'university', name: { zh: '乙大学', en: 'University B' }, region: 'Jiangsu', did: 'did:web:b.example.edu' },
      BANK_ACTOR,
    )
    await alliance.addScope(
      'uni-a',
      { categories: ['academic'], levels: [4, 5], fields: ['computer-science'], validFrom: '2024-01-01', validUntil: '2027-01-01' },
      BANK_ACTOR,
    )
    await alliance.addScope('uni-b', { categories: ['academic', 'non_academic'], levels: [5], validFrom: '2024-01-01' }, BANK_ACTOR)
    const entry = (code: string, over: Partial<Parameters<typeof catalogue.create>[0]> = {}) =>
      catalogue.create(
        {
          institutionId: 'uni-a',
          code,
          achievementType: 'Course',
          credits: 4,
          level: 5,
          category: 'academic',
          field: 'computer-science',
          name: { zh: `数据结构${code}`, en: `Data Structures ${code}` },
          description: { zh: '线性表、树、图及其算法。', en: 'Lists, trees, graphs and their algorithms.' },
          ...over,
        },
        BANK_ACTOR,
      )
    inScope = await entry('CS201')
    wrongLevel = await entry('CS601', { level: 6 })
    wrongCategory = await entry('TR501', { category: 'non_academic', achievementType: 'Certificate' })
    wrongField = await entry('MA501', { field: 'mathematics' })
    otherInstitutionEntry = await entry('EE501', { institutionId: 'uni-b', field: 'electrical', credits: 2.5 })
  })
  after(() => sys.close())
  // Each test a second later: outcomes of different tests are ordered by time.
  beforeEach(() => sys.clock.advance(1))

  it('when a batch is within the accreditation, then every row is imported and its credential verifies in the verifier service', async () => {
    const before = await totals()
    const results = await sys.issuer.recognition.recordImportBatch(
      [row('A-1', inScope), row('A-2', inScope, { learner: LI, creditsEarned: 3.5, result: undefined, term: undefined })],
      STAFF,
      { importJobId: 'job-1' },
    )
    assert.deepEqual(
      results.map((r) => [r.recordKey, r.status]),
      [
        ['A-1', 'imported'],
        ['A-2', 'imported'],
      ],
    )
    assert.deepEqual(await totals(), { outcomes: before.outcomes + 2, credentials: before.credentials + 2, slots: before.slots + 2 })
    const first = results[0] as { outcomeId: string; credentialId: string }
    const report = await verifyStored(first.credentialId)
    assert.equal(report.verified, true, JSON.stringify(report.checks))
    assert.deepEqual(
      report.checks.map((c) => [c.id, c.status]),
      [
        ['format', 'passed'],
        ['schema', 'passed'],
        ['credential_schema', 'skipped'],
        ['proof', 'passed'],
        ['validity_period', 'passed'],
        ['status', 'passed'],
        ['issuer_trust', 'passed'],
      ],
    )
    const credential = report.credential as Record<string, unknown>
    const subject = credential.credentialSubject as Record<string, unknown>
    const base = sys.config.publicUrl.href.replace(/\/$/, '')
    assert.equal(credential.id, first.credentialId)
    assert.equal(credential.awardedDate, '2025-07-01T00:00:00+08:00')
    assert.equal(credential.validFrom, sys.clock().toISOString())
    assert.deepEqual(credential.name, [
      { '@value': '数据结构CS201', '@language': 'zh' },
      { '@value': 'Data Structures CS201', '@language': 'en' },
    ])
    assert.equal(subject.id, undefined)
    assert.deepEqual(subject.identifier, [ZHANG.identityObject])
    assert.deepEqual(subject.achievement, {
      id: `${base}/catalogue/${inScope.id}`,
      type: ['Achievement'],
      achievementType: 'Course',
      name: credential.name,
      description: [
        { '@value': '线性表、树、图及其算法。', '@language': 'zh' },
        { '@value': 'Lists, trees, graphs and their algorithms.', '@language': 'en' },
      ],
      criteria: {
        id: `${base}/catalogue/${inScope.id}`,
        narrative:
          "按甲大学学习成果目录条目 CS201 的要求完成并通过考核。Completed and assessed as University A's catalogue entry CS201 requires.",
      },
      creditsAvailable: 4,
      fieldOfStudy: 'computer-science',
      humanCode: 'CS201',
      frameworkLevel: 5,
      outcomeCategory: 'academic',
    })
    assert.equal(subject.creditsEarned, 4)
    assert.deepEqual(subject.result, [{ type: ['Result'], value: '87' }])
    assert.equal(subject.term, '2024-2025-2')
    assert.equal(subject.activityStartDate, '2025-02-20T00:00:00+08:00')
    assert.equal(subject.activityEndDate, '2025-06-30T00:00:00+08:00')
    assert.deepEqual(subject.recognizingInstitution, {
      id: `${base}/institutions/uni-a`,
      type: ['Profile'],
      name: [
        { '@value': '甲大学', '@language': 'zh' },
        { '@value': 'University A', '@language': 'en' },
      ],
    })
    const second = results[1] as { credentialId: string }
    const secondSubject = (await verifyStored(second.credentialId)).credential!.credentialSubject as Record<string, unknown>
    assert.equal(secondSubject.creditsEarned, 3.5)
    assert.equal('result' in secondSubject || 'term' in secondSubject, false)
    // The learner sees both, recognized, with the reason; the other learner sees only theirs.
    const mine = await sys.issuer.recognition.listForLearner(ZHANG.idHash, { limit: 10 })
    assert.deepEqual(
      mine.items.map((o) => [o.id, o.state, o.credentialId, o.reason?.en]),
      [[first.outcomeId, 'recognized', first.credentialId, "Within the institution's accreditation: recognized when it was imported."]],
    )
    assert.equal((await sys.issuer.recognition.listForLearner(LI.idHash, { limit: 10 })).items.length, 1)
    assert.deepEqual(await sys.issuer.recognition.countForImportJob('job-1'), { recognized: 2 })
    // One audit entry for the batch, with counts and ids.
    const { entries } = await listAudit(sys.issuer.ds, 0, 10_000)
    const recorded = entries.filter((e) => e.action === 'outcome_recorded')
    assert.equal(recorded.length, 1)
    assert.deepEqual(recorded[0]!.subject, { type: 'institution', id: 'uni-a' })
    assert.deepEqual(recorded[0]!.actor, STAFF)
    assert.deepEqual(recorded[0]!.after, {
      source: 'import',
      importJobId: 'job-1',
      rows: 2,
      imported: 2,
      toReview: 0,
      recognized: results.map((r) => r.outcomeId),
      pending: [],
    })
  })

  it('when a row is outside the accreditation (level, category, field, or a date the scope does not cover), then it goes to review, unsigned', async () => {
    const before = await totals()
    const results = await sys.issuer.recognition.recordImportBatch(
      [
        row('B-level', wrongLevel),
        row('B-category', wrongCategory),
        row('B-field', wrongField),
        row('B-before', inScope, { awardedDate: '2023-12-31' }),
        row('B-first-day', inScope, { awardedDate: '2024-01-01' }),
        row('B-other', otherInstitutionEntry, { learner: LI }),
      ],
      STAFF,
    )
    assert.deepEqual(
      results.map((r) => [r.recordKey, r.status]),
      [
        ['B-level', 'to_review'],
        ['B-category', 'to_review'],
        ['B-field', 'to_review'],
        ['B-before', 'to_review'],
        ['B-first-day', 'imported'],
        ['B-other', 'imported'],
      ],
    )
    assert.deepEqual(await totals(), { outcomes: before.outcomes + 6, credentials: before.credentials + 2, slots: before.slots + 2 })
    // An institution with a did:web is named by it.
    const other = results[5] as { credentialId: string }
    const subject = (await verifyStored(other.credentialId)).credential!.credentialSubject as Record<string, unknown>
    assert.equal((subject.recognizingInstitution as { id: string }).id, 'did:web:b.example.edu')
    assert.equal(subject.creditsEarned, 2.5)
    // Pending rows are in the reviewer's queue, oldest first, not in the expert's.
    const queue = await sys.issuer.recognition.queue(REVIEWER, { limit: 100 })
    const queued = results.filter((r) => r.status === 'to_review').map((r) => r.outcomeId)
    assert.deepEqual(
      queue.items
        .filter((o) => queued.includes(o.id))
        .map((o) => o.id)
        .sort(),
      [...queued].sort(),
    )
    assert.deepEqual(
      queue.items.map((o) => o.state),
      queue.items.map(() => 'pending'),
    )
    assert.equal(await sys.issuer.recognition.inQueueOf(queued[0]!, REVIEWER), true)
    assert.equal(await sys.issuer.recognition.inQueueOf(queued[0]!, EXPERT), false)
    assert.equal(await sys.issuer.recognition.inQueueOf(results[5]!.outcomeId, REVIEWER), false)
    const item = await sys.issuer.recognition.queueItem(queued[0]!, REVIEWER)
    assert.deepEqual(item.achievement, {
      catalogueEntryId: wrongLevel.id,
      code: 'CS601',
      name: { zh: '数据结构CS601', en: 'Data Structures CS601' },
      issuerName: '甲大学',
      level: 6,
      category: 'academic',
      field: 'computer-science',
      credits: 4,
    })
    assertCode(await rejection(() => sys.issuer.recognition.queueItem(queued[0]!, EXPERT)), 'not_found')
  })

  it('when the same rows are imported again, then every one is a duplicate and nothing new is stored or signed', async () => {
    const rows = [row('C-1', inScope), row('C-2', wrongLevel), row('C-1', inScope, { creditsEarned: 1 })]
    const first = await sys.issuer.recognition.recordImportBatch(rows, STAFF)
    assert.deepEqual(
      first.map((r) => r.status),
      ['imported', 'to_review', 'duplicate'],
    )
    assert.equal(first[2]!.outcomeId, first[0]!.outcomeId)
    const before = await totals()
    const auditBefore = (await listAudit(sys.issuer.ds, 0, 100_000)).entries.length
    const again = await sys.issuer.recognition.recordImportBatch(rows, STAFF)
    assert.deepEqual(
      again.map((r) => [r.recordKey, r.status, r.outcomeId]),
      first.map((r) => [r.recordKey, 'duplicate', r.outcomeId]),
    )
    assert.deepEqual(await totals(), before)
    assert.equal((await listAudit(sys.issuer.ds, 0, 100_000)).entries.length, auditBefore)
    assert.equal(await sys.issuer.recognition.countForInstitution('uni-a'), before.outcomes - 1)
    assert.equal(await sys.issuer.recognition.countForInstitution('uni-b'), 1)
  })

  it('when the same batch is recorded twice at once, then each row is recorded and signed once', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => row(`R-${i}`, i % 3 ? inScope : wrongLevel))
    const before = await totals()
    const [a, b] = await Promise.all([
      sys.issuer.recognition.recordImportBatch(rows, STAFF),
      sys.issuer.recognition.recordImportBatch(rows, STAFF),
    ])
    const winner = a!.every((r) => r.status === 'duplicate') ? b! : a!
    const loser = winner === a ? b! : a!
    assert.deepEqual(
      loser.map((r) => [r.status, r.outcomeId]),
      winner.map((r) => ['duplicate', r.outcomeId]),
    )
    assert.equal(winner.filter((r) => r.status === 'imported').length, 20)
    assert.deepEqual(await totals(), { outcomes: before.outcomes + 30, credentials: before.credentials + 20, slots: before.slots + 20 })
  })

  it('when a row of a batch is not valid, then the whole batch is refused with every issue and nothing is written', async () => {
    const before = await totals()
    const err = await rejection(() =>
      sys.issuer.recognition.recordImportBatch(
        [
          row('D-1', inScope),
          row('D-2', inScope, { catalogueEntryId: '00000000-0000-4000-8000-000000000000' }),
          row('D-3', otherInstitutionEntry, { institutionId: 'uni-a' }),
          row('D-4', inScope, { creditsEarned: 4.5, awardedDate: '2025-02-30' }),
          row('D-5', inScope, { awardedDate: '2026-03-02', activityEndDate: '2026-03-02' }),
        ],
        STAFF,
      ),
    )
    assertCode(err, 'invalid_request')
    assert.deepEqual(err.issues, [
      { path: '/1/catalogueEntryId', message: 'no such catalogue entry: 00000000-0000-4000-8000-000000000000' },
      { path: '/2/catalogueEntryId', message: 'the catalogue entry belongs to another institution' },
      { path: '/3/creditsEarned', message: "must be at most the entry's 4 credits" },
      { path: '/3/awardedDate', message: 'must be a date (YYYY-MM-DD)' },
      { path: '/4/awardedDate', message: 'must not be in the future' },
      { path: '/4/activityEndDate', message: 'must not be in the future' },
    ])
    assert.deepEqual(await totals(), before)
  })

  it('when signing fails in the middle of a batch, then the transaction leaves no outcome, no credential and no used status slot', async () => {
    // An achievement type the credential schema refuses (the catalogue's route would, its use case does not): the
    // outcome rows are written first, then issuing throws.
    const bad = await sys.issuer.catalogue.create(
      {
        institutionId: 'uni-a',
        code: 'BAD501',
        achievementType: 'NotAnOb3Type',
        credits: 1,
        level: 5,
        category: 'academic',
        field: 'computer-science',
        name: { zh: '坏条目', en: 'Bad entry' },
      },
      BANK_ACTOR,
    )
    const before = await totals()
    const err = await rejection(() => sys.issuer.recognition.recordImportBatch([row('E-1', inScope), row('E-2', bad)], STAFF))
    assertCode(err, 'invalid_request')
    assert.deepEqual(await totals(), before)
    // And in the caller's transaction: the caller's failure after the batch undoes the batch too.
    const failure = new Error('the import job could not commit its cursor')
    await assert.rejects(
      transaction(sys.issuer.ds, async (m) => {
        const results = await sys.issuer.recognition.recordImportBatch([row('E-3', inScope)], STAFF, { m, importJobId: 'job-e' })
        assert.equal(results[0]!.status, 'imported')
        throw failure
      }),
      failure,
    )
    assert.deepEqual(await totals(), before)
    assert.deepEqual(await sys.issuer.recognition.countForImportJob('job-e'), {})
    // The same row in a transaction that commits is imported.
    const committed = await transaction(sys.issuer.ds, (m) =>
      sys.issuer.recognition.recordImportBatch([row('E-3', inScope)], STAFF, { m, importJobId: 'job-e' }),
    )
    assert.equal(committed[0]!.status, 'imported')
    assert.deepEqual(await totals(), { outcomes: before.outcomes + 1, credentials: before.credentials + 1, slots: before.slots + 1 })
  })

  describe('decisions', () => {
    const toReview = async (key: string, entry = wrongLevel): Promise<string> => {
      const [r] = await sys.issuer.recognition.recordImportBatch([row(key, entry)], STAFF)
      assert.equal(r!.status, 'to_review')
      return r!.outcomeId
    }

    it('when a reviewer approves, then the outcome is recognized and its credential verifies', async () => {
      const id = await toReview('F-approve')
      const before = await totals()
      const view = await sys.issuer.recognition.decide(id, 'approve', { zh: '材料齐全', en: 'Evidence complete' }, actor(REVIEWER))
      assert.equal(view.state, 'recognized')
      assert.deepEqual(view.reason, { zh: '材料齐全', en: 'Evidence complete' })
      assert.equal(view.decidedAt, sys.clock().toISOString())
      assert.match(String(view.credentialId), /^urn:uuid:/)
      assert.deepEqual(await totals(), { ...before, credentials: before.credentials + 1, slots: before.slots + 1 })
      const report = await verifyStored(view.credentialId!)
      assert.equal(report.verified, true, JSON.stringify(report.checks))
      const achievement = (report.credential!.credentialSubject as { achievement: { frameworkLevel: number; humanCode: string } })
        .achievement
      assert.deepEqual([achievement.frameworkLevel, achievement.humanCode], [6, 'CS601'])
      assert.equal(await sys.issuer.recognition.inQueueOf(id, REVIEWER), false)
      assertCode(
        await rejection(() => sys.issuer.recognition.decide(id, 'reject', 'too late', actor(REVIEWER_2))),
        'outcome_already_decided',
      )
      const { entries } = await listAudit(sys.issuer.ds, 0, 100_000)
      const decided = entries.filter((e) => e.subject.id === id)
      assert.deepEqual(
        decided.map((e) => [e.action, e.actor.id, e.before, e.after]),
        [
          [
            'outcome_recognized',
            REVIEWER.id,
            { state: 'pending' },
            { state: 'recognized', reason: { zh: '材料齐全', en: 'Evidence complete' }, credentialId: view.credentialId },
          ],
        ],
      )
    })

    it('when a reviewer rejects, then a reason is required, and the learner sees it', async () => {
      const id = await toReview('F-reject')
      const before = await totals()
      assertCode(await rejection(() => sys.issuer.recognition.decide(id, 'reject', undefined, actor(REVIEWER))), 'reason_required')
      assertCode(await rejection(() => sys.issuer.recognition.decide(id, 'reject', { zh: '  ' }, actor(REVIEWER))), 'reason_required')
      assertCode(await rejection(() => sys.issuer.recognition.decide(id, 'reject', '', actor(REVIEWER))), 'reason_required')
      const view = await sys.issuer.recognition.decide(id, 'reject', 'Level 6 is outside the institution’s accreditation', actor(REVIEWER))
      assert.deepEqual([view.state, view.credentialId], ['rejected', null])
      assert.deepEqual(view.reason, {
        zh: 'Level 6 is outside the institution’s accreditation',
        en: 'Level 6 is outside the institution’s accreditation',
      })
      assert.deepEqual(await totals(), before)
      const seen = (await sys.issuer.recognition.listForLearner(ZHANG.idHash, { limit: 100 })).items.find((o) => o.id === id)
      assert.deepEqual([seen?.state, seen?.reason?.en], ['rejected', 'Level 6 is outside the institution’s accreditation'])
    })

    it('when a reviewer refers an outcome, then only the expert decides it, and an expert approval issues the credential', async () => {
      const id = await toReview('F-refer')
      const referred = await sys.issuer.recognition.decide(id, 'refer', { zh: '超出标准，请专家认定' }, actor(REVIEWER))
      assert.deepEqual([referred.state, referred.referredAt, referred.decidedAt], ['referred', sys.clock().toISOString(), null])
      assert.equal(await sys.issuer.recognition.inQueueOf(id, REVIEWER), false)
      assert.equal(await sys.issuer.recognition.inQueueOf(id, EXPERT), true)
      assert.deepEqual(
        (await sys.issuer.recognition.queue(EXPERT, { limit: 100 })).items.map((o) => o.id),
        [id],
      )
      assertCode(await rejection(() => sys.issuer.recognition.decide(id, 'approve', undefined, actor(REVIEWER))), 'outcome_already_decided')
      const pending = await toReview('F-not-referred')
      assertCode(
        await rejection(() => sys.issuer.recognition.expertDecide(pending, 'approve', undefined, actor(EXPERT))),
        'outcome_not_in_queue',
      )
      assertCode(await rejection(() => sys.issuer.recognition.expertDecide(id, 'reject', undefined, actor(EXPERT))), 'reason_required')
      const view = await sys.issuer.recognition.expertDecide(id, 'approve', { en: 'Equivalent to level 6 study' }, actor(EXPERT))
      assert.deepEqual([view.state, view.reason], ['recognized', { zh: null, en: 'Equivalent to level 6 study' }])
      assert.equal((await verifyStored(view.credentialId!)).verified, true)
      const { entries } = await listAudit(sys.issuer.ds, 0, 100_000)
      assert.deepEqual(
        entries.filter((e) => e.subject.id === id).map((e) => [e.action, e.actor.id]),
        [
          ['outcome_referred', REVIEWER.id],
          ['outcome_recognized', EXPERT.id],
        ],
      )
    })

    it('when two reviewers decide at once, then one wins and the other is outcome_already_decided, with one credential at most', async () => {
      for (const [n, decisions] of [
        [1, ['approve', 'approve']],
        [2, ['approve', 'reject']],
        [3, ['refer', 'approve']],
      ] as const) {
        const id = await toReview(`F-race-${n}`)
        const before = await totals()
        const settled = await Promise.allSettled([
          sys.issuer.recognition.decide(id, decisions[0], 'reason one', actor(REVIEWER)),
          sys.issuer.recognition.decide(id, decisions[1], 'reason two', actor(REVIEWER_2)),
        ])
        const won = settled.filter((s) => s.status === 'fulfilled')
        const lost = settled.filter((s) => s.status === 'rejected')
        assert.equal(won.length, 1, JSON.stringify(settled))
        assertCode(lost[0]!.reason as AppError, 'outcome_already_decided')
        const issued = won[0]!.value.state === 'recognized' ? 1 : 0
        assert.deepEqual(await totals(), { ...before, credentials: before.credentials + issued, slots: before.slots + issued })
      }
    })

    it('when the outcome does not exist, then not_found', async () => {
      assertCode(
        await rejection(() => sys.issuer.recognition.decide('00000000-0000-4000-8000-000000000000', 'approve', undefined, actor(REVIEWER))),
        'not_found',
      )
    })
  })

  describe('deposits', () => {
    const deposit = (depositId: string, extra: Record<string, unknown> = {}) =>
      transaction(sys.issuer.ds, (m) =>
        sys.issuer.recognition.submitDeposit(
          m,
          { depositId, learner: LI, awardedDate: '2025-12-01', result: 'pass', ...extra },
          actor(REVIEWER),
        ),
      )
    const claim = {
      name: { zh: '焊工证书（四级）', en: 'Welding Certificate (Level 4)' },
      issuerName: '江苏省职业技能鉴定中心',
      category: 'non_academic',
      level: 4,
      field: 'welding',
      credits: 2,
    } as const

    it('when a learner deposits an outcome, then it is pending in the queue, and a pending deposit can be withdrawn once', async () => {
      const before = await totals()
      const { outcomeId } = await deposit('dep-1', { catalogueEntryId: inScope.id })
      assert.deepEqual(await totals(), { ...before, outcomes: before.outcomes + 1 })
      const view = await sys.issuer.recognition.outcomeOfDeposit('dep-1')
      assert.deepEqual(
        [view?.id, view?.source, view?.state, view?.institutionId, view?.creditsEarned, view?.achievement.code],
        [outcomeId, 'deposit', 'pending', 'uni-a', 4, 'CS201'],
      )
      assert.equal(await sys.issuer.recognition.inQueueOf(outcomeId, REVIEWER), true)
      assertCode(await rejection(() => deposit('dep-1', { catalogueEntryId: inScope.id })), 'already_exists')
      await transaction(sys.issuer.ds, (m) => sys.issuer.recognition.withdraw(m, outcomeId, { type: 'user', id: 'learner-li' }))
      assert.equal((await sys.issuer.recognition.outcomeOfDeposit('dep-1'))?.state, 'withdrawn')
      assert.equal(await sys.issuer.recognition.inQueueOf(outcomeId, REVIEWER), false)
      assertCode(
        await rejection(() =>
          transaction(sys.issuer.ds, (m) => sys.issuer.recognition.withdraw(m, outcomeId, { type: 'user', id: 'learner-li' })),
        ),
        'outcome_already_decided',
      )
      assertCode(
        await rejection(() => sys.issuer.recognition.decide(outcomeId, 'approve', undefined, actor(REVIEWER))),
        'outcome_already_decided',
      )
      const { entries } = await listAudit(sys.issuer.ds, 0, 100_000)
      assert.deepEqual(
        entries.filter((e) => e.subject.id === outcomeId).map((e) => [e.action, e.actor.id, e.before, e.after]),
        [
          [
            'outcome_recorded',
            REVIEWER.id,
            null,
            {
              source: 'deposit',
              state: 'pending',
              institutionId: 'uni-a',
              depositId: 'dep-1',
              catalogueEntryId: inScope.id,
              claim: null,
              creditsCenti: 400,
              awardedDate: '2025-12-01',
            },
          ],
          ['outcome_withdrawn', 'learner-li', { state: 'pending' }, { state: 'withdrawn' }],
        ],
      )
    })

    it('when a deposit outside the catalogue is referred and an expert approves it, then its credential names the claim and the bank', async () => {
      const { outcomeId } = await deposit('dep-2', { claim })
      await sys.issuer.recognition.decide(outcomeId, 'refer', 'not in the catalogue', actor(REVIEWER))
      const view = await sys.issuer.recognition.expertDecide(outcomeId, 'approve', undefined, actor(EXPERT))
      assert.deepEqual([view.state, view.reason], ['recognized', null])
      const report = await verifyStored(view.credentialId!)
      assert.equal(report.verified, true, JSON.stringify(report.checks))
      const subject = report.credential!.credentialSubject as Record<string, unknown>
      const base = sys.config.publicUrl.href.replace(/\/$/, '')
      assert.deepEqual(subject.identifier, [LI.identityObject])
      assert.deepEqual(subject.recognizingInstitution, report.credential!.issuer)
      assert.equal((report.credential!.issuer as { id: string }).id, sys.did)
      const achievement = subject.achievement as Record<string, unknown>
      assert.deepEqual(
        [achievement.id, achievement.name, achievement.frameworkLevel, achievement.outcomeCategory, achievement.creditsAvailable],
        [
          `${base}/outcomes/${outcomeId}/achievement`,
          [
            { '@value': '焊工证书（四级）', '@language': 'zh' },
            { '@value': 'Welding Certificate (Level 4)', '@language': 'en' },
          ],
          4,
          'non_academic',
          2,
        ],
      )
      assert.deepEqual(subject.result, [{ type: ['Result'], value: 'pass' }])
      // Withdrawing a decided deposit, or an imported outcome, is refused.
      assertCode(
        await rejection(() => transaction(sys.issuer.ds, (m) => sys.issuer.recognition.withdraw(m, outcomeId, BANK_ACTOR))),
        'outcome_already_decided',
      )
      const [imported] = await sys.issuer.recognition.recordImportBatch([row('G-1', wrongLevel)], STAFF)
      assertCode(
        await rejection(() => transaction(sys.issuer.ds, (m) => sys.issuer.recognition.withdraw(m, imported!.outcomeId, BANK_ACTOR))),
        'not_found',
      )
    })

    it('when a deposit is not valid, then it is refused with its issues and nothing is written', async () => {
      const before = await totals()
      const err = await rejection(() => deposit('dep-3', { claim: { ...claim, level: 9, credits: 1.005 }, awardedDate: '2025-13-01' }))
      assertCode(err, 'invalid_request')
      assert.deepEqual(err.issues, [
        { path: '/awardedDate', message: 'must be a date (YYYY-MM-DD)' },
        { path: '/claim/credits', message: 'must be 0 to 999, with at most two decimals' },
        { path: '/claim/level', message: 'no such framework level: 9' },
      ])
      assertCode(await rejection(() => deposit('dep-4', { claim, catalogueEntryId: inScope.id })), 'invalid_request')
      assertCode(await rejection(() => deposit('dep-5')), 'invalid_request')
      assert.deepEqual(await totals(), before)
    })
  })

  describe('learners', () => {
    it('when a learner has many outcomes, then they page newest first with a cursor, and a foreign cursor is refused', async () => {
      const mine = await sys.issuer.recognition.listForLearner(ZHANG.idHash, { limit: 1000 })
      assert.ok(mine.items.length >= 10, `${mine.items.length} outcomes`)
      assert.equal(mine.nextCursor, undefined)
      const seen: string[] = []
      let after: string | undefined
      do {
        const page = await sys.issuer.recognition.listForLearner(ZHANG.idHash, { limit: 3, ...(after ? { after } : {}) })
        seen.push(...page.items.map((o) => o.id))
        after = page.nextCursor
      } while (after)
      assert.deepEqual(
        seen,
        mine.items.map((o) => o.id),
      )
      const sorted = [...mine.items].sort((a, b) =>
        a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1,
      )
      assert.deepEqual(
        seen,
        sorted.map((o) => o.id),
      )
      assertCode(
        await rejection(() => sys.issuer.recognition.listForLearner(ZHANG.idHash, { after: 'bm90LWEtY3Vyc29y', limit: 3 })),
        'invalid_request',
      )
      assert.deepEqual(await sys.issuer.recognition.listForLearner('0'.repeat(64), { limit: 3 }), { items: [] })
    })
  })
})

function assertCode(err: AppError, code: string): void {
  assert.ok(err instanceof AppError, String(err))
  assert.equal(err.code, code, err.message)
}

describe('recognition (HTTP)', () => {
  let sys: TestSystem
  let reviewer: SessionAgent
  let reviewer2: SessionAgent
  let expert: SessionAgent
  let learner: SessionAgent
  let inScope: CatalogueEntryRecord
  let outOfScope: CatalogueEntryRecord
  const pii = createPersonalDataProtector({ kmsSecretKey: TEST_KMS_SECRET })
  const learnerOf = (idNumber: string): OutcomeLearner => outcomeLearner(pii, idNumber)
  const [zhang, li] = TEST_IDENTITIES
  const row = (recordKey: string, entry: CatalogueEntryRecord, who: { readonly idNumber: string } = zhang): ImportedOutcome => ({
    institutionId: entry.institutionId,
    recordKey,
    learner: learnerOf(who.idNumber),
    catalogueEntryId: entry.id,
    creditsEarned: 3,
    awardedDate: '2025-07-01',
  })
  /** One pending outcome of 张三's, through an import outside the accreditation. */
  const pending = async (key: string): Promise<string> => {
    const [r] = await sys.issuer.recognition.recordImportBatch([row(key, outOfScope)], STAFF)
    assert.equal(r!.status, 'to_review')
    return r!.outcomeId
  }

  before(async () => {
    sys = await startTestSystem()
    const { alliance, catalogue } = sys.issuer
    await alliance.create({ id: 'uni-h', type: 'university', name: { zh: '丙大学', en: 'University C' }, region: 'Jiangsu' }, BANK_ACTOR)
    await alliance.addScope('uni-h', { categories: ['academic'], levels: [5], validFrom: '2024-01-01' }, BANK_ACTOR)
    const entry = (code: string, level: number) =>
      catalogue.create(
        {
          institutionId: 'uni-h',
          code,
          achievementType: 'Course',
          credits: 3,
          level,
          category: 'academic',
          field: 'history',
          name: { zh: `中国通史${code}`, en: `History of China ${code}` },
        },
        BANK_ACTOR,
      )
    inScope = await entry('HI501', 5)
    outOfScope = await entry('HI601', 6)
    reviewer = await signUp(sys, { role: 'reviewer' })
    reviewer2 = await signUp(sys, { role: 'reviewer' })
    expert = await signUp(sys, { role: 'expert' })
    learner = await signUp(sys)
  })
  after(() => sys.close())
  beforeEach(() => sys.clock.advance(1))

  it('when outcomes were imported before the learner registered, then GET /me/outcomes shows them once real-name verification gives their identity', async () => {
    const imported = await sys.issuer.recognition.recordImportBatch(
      [row('H-1', inScope), row('H-2', outOfScope), row('H-3', inScope, li)],
      STAFF,
    )
    const before = await learner.get<Record<string, unknown>>('/me/outcomes')
    assert.equal(before.status, 200)
    assert.equal(before.headers.get('cache-control'), 'no-store')
    assert.deepEqual(before.body, { items: [], hint: VERIFY_FIRST_HINT })
    await verifyLearner(sys, learner, zhang)
    const mine = await learner.get<{ items: OutcomeView[]; nextCursor?: string }>('/me/outcomes')
    assert.equal(mine.status, 200)
    assert.deepEqual(
      mine.body.items.map((o) => [o.id, o.state, o.credentialId]).sort(),
      [
        [imported[0]!.outcomeId, 'recognized', (imported[0] as { credentialId: string }).credentialId],
        [imported[1]!.outcomeId, 'pending', null],
      ].sort(),
    )
    const recognized = mine.body.items.find((o) => o.state === 'recognized')!
    assert.deepEqual(recognized.achievement, {
      catalogueEntryId: inScope.id,
      code: 'HI501',
      name: { zh: '中国通史HI501', en: 'History of China HI501' },
      issuerName: '丙大学',
      level: 5,
      category: 'academic',
      field: 'history',
      credits: 3,
    })
    assert.equal(JSON.stringify(mine.body).includes(learnerOf(zhang.idNumber).idHash), false, 'no identity hash in the answer')
    // Paged one at a time.
    const first = await learner.get<{ items: OutcomeView[]; nextCursor?: string }>('/me/outcomes?limit=1')
    assert.equal(first.body.items.length, 1)
    const second = await learner.get<{ items: OutcomeView[]; nextCursor?: string }>(`/me/outcomes?limit=1&cursor=${first.body.nextCursor}`)
    assert.deepEqual(
      [...first.body.items, ...second.body.items].map((o) => o.id),
      mine.body.items.map((o) => o.id),
    )
    assert.equal(second.body.nextCursor, undefined)
    // One outcome with its credential, for the learner's wallet: it verifies; a pending one has none yet.
    const one = await learner.get<OutcomeView & { verifiableCredential: Record<string, unknown> | null }>(`/me/outcomes/${recognized.id}`)
    assert.equal(one.status, 200)
    const { verifiableCredential, ...view } = one.body
    assert.deepEqual(view, recognized)
    assert.equal(verifiableCredential?.type, 'EnvelopedVerifiableCredential')
    const report = await verify(sys, verifiableCredential)
    assert.equal(report.body.verified, true, JSON.stringify(report.body.checks))
    assert.equal(report.body.credential?.id, recognized.credentialId)
    const waiting = await learner.get<{ state: string; verifiableCredential: unknown }>(`/me/outcomes/${imported[1]!.outcomeId}`)
    assert.deepEqual([waiting.status, waiting.body.state, waiting.body.verifiableCredential], [200, 'pending', null])
    assertProblem(await learner.get(`/me/outcomes/${imported[2]!.outcomeId}`), 404, 'not_found')
    const stranger = await signUp(sys)
    assertProblem(await stranger.get(`/me/outcomes/${recognized.id}`), 404, 'not_found')
    assertProblem(await reviewer.get(`/me/outcomes/${recognized.id}`), 403, 'forbidden')
    assertProblem(await learner.get('/me/outcomes?cursor=bm9wZQ'), 400, 'invalid_request')
    assertProblem(await learner.get('/me/outcomes?limit=0'), 400, 'invalid_request')
    // Only learners read their outcomes; nobody without a session.
    assertProblem(await reviewer.get('/me/outcomes'), 403, 'forbidden')
    assertProblem(await request(sys, 'GET', '/me/outcomes'), 401, 'unauthorized')
  })

  it('when a reviewer works the queue, then they see pending outcomes, one with its evidence, and decide over HTTP', async () => {
    const id = await pending('Q-1')
    const queue = await reviewer.get<{ items: OutcomeView[] }>('/recognition/queue?limit=100')
    assert.equal(queue.status, 200)
    assert.ok(
      queue.body.items.some((o) => o.id === id),
      'the pending outcome is in the queue',
    )
    assert.deepEqual(
      queue.body.items.map((o) => o.state),
      queue.body.items.map(() => 'pending'),
    )
    const item = await reviewer.get<OutcomeView & { evidence: unknown[] }>(`/recognition/outcomes/${id}`)
    assert.equal(item.status, 200)
    assert.deepEqual([item.body.id, item.body.state, item.body.source, item.body.evidence], [id, 'pending', 'import', []])
    assertProblem(await expert.get(`/recognition/outcomes/${id}`), 404, 'not_found')
    assertProblem(await learner.get('/recognition/queue'), 403, 'forbidden')
    assertProblem(await reviewer.post(`/recognition/outcomes/${id}/decision`, { decision: 'reject' }), 400, 'reason_required')
    assertProblem(await reviewer.post(`/recognition/outcomes/${id}/decision`, { decision: 'maybe' }), 400, 'invalid_request')
    assertProblem(await reviewer.post(`/recognition/outcomes/${id}/decision`, { decision: 'approve', extra: 1 }), 400, 'invalid_request')
    assertProblem(await reviewer.post(`/recognition/outcomes/${id}/expert-decision`, { decision: 'approve' }), 403, 'forbidden')
    assertProblem(await expert.post(`/recognition/outcomes/${id}/decision`, { decision: 'approve' }), 403, 'forbidden')
    assertProblem(await learner.post(`/recognition/outcomes/${id}/decision`, { decision: 'approve' }), 403, 'forbidden')
    assertProblem(
      await reviewer.request('POST', `/recognition/outcomes/${id}/decision`, { json: { decision: 'approve' }, noCsrf: true }),
      403,
      'csrf_failed',
    )
    assertProblem(
      await reviewer.post('/recognition/outcomes/00000000-0000-4000-8000-000000000000/decision', { decision: 'approve' }),
      404,
      'not_found',
    )
    assertProblem(await reviewer.post('/recognition/outcomes/not-an-id/decision', { decision: 'approve' }), 404, 'not_found')
    const approved = await reviewer.post<OutcomeView>(`/recognition/outcomes/${id}/decision`, {
      decision: 'approve',
      reason: { zh: '与本科历史课程等效', en: "Equivalent to a bachelor's history course" },
    })
    assert.equal(approved.status, 200)
    assert.deepEqual(
      [approved.body.state, approved.body.reason],
      ['recognized', { zh: '与本科历史课程等效', en: "Equivalent to a bachelor's history course" }],
    )
    const stored = await new CredentialStore(sys.issuer.ds).find(approved.body.credentialId!)
    const report = await verify(sys, {
      '@context': [VC_V2_CONTEXT],
      id: `${VC_JWT_DATA_URL_PREFIX}${stored!.document}`,
      type: 'EnvelopedVerifiableCredential',
    })
    assert.equal(report.body.verified, true, JSON.stringify(report.body.checks))
    assertProblem(await reviewer.get(`/recognition/outcomes/${id}`), 404, 'not_found')
    const seen = (await learner.get<{ items: OutcomeView[] }>('/me/outcomes?limit=100')).body.items.find((o) => o.id === id)
    assert.deepEqual([seen?.state, seen?.credentialId], ['recognized', approved.body.credentialId])
  })

  it('when two reviewers decide the same outcome at once over HTTP, then one wins and the other gets 409 outcome_already_decided', async () => {
    const id = await pending('Q-race')
    const answers = await Promise.all([
      reviewer.post(`/recognition/outcomes/${id}/decision`, { decision: 'approve' }),
      reviewer2.post(`/recognition/outcomes/${id}/decision`, { decision: 'reject', reason: 'not equivalent' }),
    ])
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 409])
    assertProblem(
      answers.find((a) => a.status === 409)!,
      409,
      'outcome_already_decided',
    )
  })

  it('when a reviewer refers an outcome, then it leaves their queue for the experts, who decide it', async () => {
    const id = await pending('Q-refer')
    const referred = await reviewer.post<OutcomeView>(`/recognition/outcomes/${id}/decision`, { decision: 'refer', reason: '超出标准' })
    assert.deepEqual([referred.status, referred.body.state], [200, 'referred'])
    const experts = await expert.get<{ items: OutcomeView[] }>('/recognition/queue')
    assert.deepEqual(
      experts.body.items.map((o) => o.id),
      [id],
    )
    const item = await expert.get<OutcomeView>(`/recognition/outcomes/${id}`)
    assert.deepEqual([item.status, item.body.reason], [200, { zh: '超出标准', en: '超出标准' }])
    assertProblem(await reviewer.get(`/recognition/outcomes/${id}`), 404, 'not_found')
    const notReferred = await pending('Q-not-referred')
    assertProblem(
      await expert.post(`/recognition/outcomes/${notReferred}/expert-decision`, { decision: 'approve' }),
      409,
      'outcome_not_in_queue',
    )
    assertProblem(await expert.post(`/recognition/outcomes/${id}/expert-decision`, { decision: 'refer' }), 400, 'invalid_request')
    assertProblem(
      await expert.post(`/recognition/outcomes/${id}/expert-decision`, { decision: 'reject', reason: { zh: ' ' } }),
      400,
      'reason_required',
    )
    const rejected = await expert.post<OutcomeView>(`/recognition/outcomes/${id}/expert-decision`, {
      decision: 'reject',
      reason: { zh: '学时不足', en: 'Too few study hours' },
    })
    assert.deepEqual(
      [rejected.status, rejected.body.state, rejected.body.reason, rejected.body.credentialId],
      [200, 'rejected', { zh: '学时不足', en: 'Too few study hours' }, null],
    )
    assertProblem(await expert.post(`/recognition/outcomes/${id}/expert-decision`, { decision: 'approve' }), 409, 'outcome_already_decided')
    assert.deepEqual((await expert.get<{ items: OutcomeView[] }>('/recognition/queue')).body.items, [])
  })

  it('when a learner deposits an outcome with evidence, then reviewers and experts see the evidence in the queue, and an approval reaches the learner with a credential', async () => {
    const pdf = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n')
    const body = new FormData()
    body.append(
      'deposit',
      JSON.stringify({
        claim: {
          name: { zh: '茶艺师（中级）', en: 'Tea Master (intermediate)' },
          issuerName: '江苏省茶叶学会',
          category: 'non_academic',
          level: 3,
          field: 'tea',
          credits: 1.5,
        },
        result: 'pass',
        awardedDate: '2025-11-20',
      }),
    )
    body.append('evidence', new Blob([pdf]), '证书.pdf')
    const created = await learner.request<{ id: string; outcomeId: string; evidence: { sha256: string; href: string }[] }>(
      'POST',
      '/deposits',
      {
        body,
      },
    )
    assert.equal(created.status, 201, created.text)
    const outcomeId = created.body.outcomeId
    const item = await reviewer.get<OutcomeView & { evidence: { sha256: string; href: string }[] }>(`/recognition/outcomes/${outcomeId}`)
    assert.equal(item.status, 200)
    assert.deepEqual(
      [item.body.source, item.body.state, item.body.depositId, item.body.achievement.code, item.body.achievement.issuerName],
      ['deposit', 'pending', created.body.id, null, '江苏省茶叶学会'],
    )
    assert.deepEqual(item.body.evidence, created.body.evidence)
    const file = await reviewer.get(new URL(item.body.evidence[0]!.href).pathname)
    assert.equal(file.status, 200)
    assert.equal(file.text, pdf.toString())
    assert.equal(
      (await reviewer.post<OutcomeView>(`/recognition/outcomes/${outcomeId}/decision`, { decision: 'refer', reason: '目录外成果' })).status,
      200,
    )
    const forExpert = await expert.get<{ evidence: unknown[] }>(`/recognition/outcomes/${outcomeId}`)
    assert.deepEqual(forExpert.body.evidence, created.body.evidence)
    assertProblem(await reviewer.get(new URL(item.body.evidence[0]!.href).pathname), 404, 'not_found')
    const approved = await expert.post<OutcomeView>(`/recognition/outcomes/${outcomeId}/expert-decision`, { decision: 'approve' })
    assert.deepEqual([approved.status, approved.body.state], [200, 'recognized'])
    const deposit = await learner.get<{ status: string; credentialId: string | null }>(`/deposits/${created.body.id}`)
    assert.deepEqual([deposit.body.status, deposit.body.credentialId], ['recognized', approved.body.credentialId])
    const mine = await learner.get<{ verifiableCredential: Record<string, unknown> }>(`/me/outcomes/${outcomeId}`)
    const report = await verify(sys, mine.body.verifiableCredential)
    assert.equal(report.body.verified, true, JSON.stringify(report.body.checks))
    const subject = report.body.credential!.credentialSubject as { achievement: Record<string, unknown>; creditsEarned: number }
    assert.deepEqual(
      [subject.achievement.name, subject.achievement.frameworkLevel, subject.creditsEarned],
      [
        [
          { '@value': '茶艺师（中级）', '@language': 'zh' },
          { '@value': 'Tea Master (intermediate)', '@language': 'en' },
        ],
        3,
        1.5,
      ],
    )
  })
})
