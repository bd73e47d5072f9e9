// Conversion (转换, issue 8 item 2) over HTTP against a real database (SQLite, and the PostgreSQL of
// CB_TEST_DATABASE_URL): rules authored by the target institution's staff or experts, versioned; the advice (met and
// nearly met, ranked, with what is missing); each condition blocking an application; an application judged by the
// version it was made under; approval signing the target course's credential; no outcome converted twice, even with two
// applications at the same moment; and who sees and decides what.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { decodeJwt } from 'jose'
import { validateCredential } from '../../core/credentials/validate-credential.ts'
import { residentIdIdentityObject } from '../../core/identity/identity-object.ts'
import { parseResidentId } from '../../core/identity/resident-id.ts'
import { isUniqueViolation } from '../../core/store/sql.ts'
import { BANK_ACTOR, listAudit } from '../../issuer/audit/audit-trail.ts'
import { ConversionStore } from '../../issuer/conversion/conversion-store.ts'
import type { CatalogueEntryRecord } from '../../issuer/catalogue/catalogue-store.ts'
import type { Advice, ApplicationView, RuleView } from '../../issuer/conversion/conversion.ts'
import type { OutcomeLearner } from '../../issuer/recognition/recognition.ts'
import { VERIFY_FIRST_HINT } from '../../issuer/recognition/routes/my-outcomes.ts'
import { assertProblem, jwtOf, startTestSystem, verify, type TestSystem } from '../../fixtures/test-system.ts'
import { signUp, TEST_IDENTITIES, verifyLearner, type SessionAgent } from '../../fixtures/accounts.ts'

interface Learner {
  readonly agent: SessionAgent
  readonly idHash: string
  readonly outcomeLearner: OutcomeLearner
  readonly idNumber: string
}

type Problem = { code: string; title: string; issues?: { path: string; message: string }[] }

describe('conversion (转换): rules, advice, applications', function () {
  this.timeout(60_000)
  let sys: TestSystem
  let staffA: SessionAgent
  let staffB: SessionAgent
  let expert: SessionAgent
  let cs: CatalogueEntryRecord
  let ma: CatalogueEntryRecord
  let en: CatalogueEntryRecord
  let tr: CatalogueEntryRecord
  let py: CatalogueEntryRecord
  let identities = 0
  let keys = 0
  let targets = 0

  async function learner(): Promise<Learner> {
    const person = TEST_IDENTITIES[identities++]!
    const agent = await signUp(sys)
    await verifyLearner(sys, agent, person)
    const idHash = (await sys.issuer.accounts.verifiedIdHash(agent.user.id))!
    const parsed = parseResidentId(person.idNumber, sys.clock)
    if (!parsed.ok) throw new Error(parsed.code)
    return { agent, idHash, idNumber: person.idNumber, outcomeLearner: { idHash, identityObject: residentIdIdentityObject(parsed.id) } }
  }

  /** A learner who never applies for anything: someone else, for the tests of what one learner cannot reach. */
  let bystander: Learner | undefined
  const otherLearner = async (): Promise<Learner> => (bystander ??= await learner())

  /** A recognized outcome of `entry` for the learner (an import within the institution's accreditation). */
  async function outcome(l: Learner, entry: CatalogueEntryRecord, result: string, awardedDate = '2025-06-01') {
    const [row] = await sys.issuer.recognition.recordImportBatch(
      [
        {
          institutionId: entry.institutionId,
          recordKey: `K-${++keys}`,
          learner: l.outcomeLearner,
          catalogueEntryId: entry.id,
          creditsEarned: entry.creditsCenti / 100,
          result,
          awardedDate,
        },
      ],
      BANK_ACTOR,
    )
    assert.equal(row!.status, 'imported')
    return { id: row!.outcomeId, credentialId: (row as { credentialId: string }).credentialId }
  }

  /** A course of University B to convert into. */
  const target = (credits = 4) =>
    sys.issuer.catalogue.create(
      {
        institutionId: 'uni-b',
        code: `B-${++targets}`,
        achievementType: 'Course',
        credits,
        level: 5,
        category: 'academic',
        field: 'computer-science',
        name: { zh: `目标课程${targets}`, en: `Target course ${targets}` },
      },
      BANK_ACTOR,
    )

  async function rule(author: SessionAgent, to: CatalogueEntryRecord, body: Record<string, unknown>): Promise<RuleView> {
    const res = await author.post<RuleView>('/conversion/rules', {
      name: { zh: `转换为${to.code}`, en: `Into ${to.code}` },
      targetEntryId: to.id,
      require: { mode: 'all' },
      ...body,
    })
    assert.equal(res.status, 201, res.text)
    return res.body
  }

  const apply = (l: Learner, ruleId: string, outcomeIds: string[]) =>
    l.agent.post<ApplicationView & Problem>('/conversion/applications', { ruleId, outcomeIds })

  before(async () => {
    sys = await startTestSystem()
    const { alliance, catalogue } = sys.issuer
    await alliance.create({ id: 'uni-a', type: 'university', name: { zh: '甲大学', en: 'University A' }, region: 'Jiangsu' }, BANK_ACTOR)
    await alliance.create({ id: 'uni-b', type: 'university', name: { zh: '乙大学', en: 'University B' }, region: 'Jiangsu' }, BANK_ACTOR)
    await alliance.addScope(
      'uni-a',
      { categories: ['academic', 'non_academic'], levels: [3, 4, 5, 6], validFrom: '2005-01-01T00:00:00+08:00' },
      BANK_ACTOR,
    )
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
          name: { zh: `课程${code}`, en: `Course ${code}` },
          ...over,
        },
        BANK_ACTOR,
      )
    cs = await entry('CS201')
    ma = await entry('MA101', { credits: 5, field: 'mathematics' })
    en = await entry('EN110', { credits: 2, level: 4, field: 'languages' })
    tr = await entry('TR01', { credits: 1.5, level: 4, category: 'non_academic', achievementType: 'Certificate', field: 'management' })
    py = await entry('PY1', { credits: 2 })
    staffA = await signUp(sys, { role: 'staff', institutionId: 'uni-a' })
    staffB = await signUp(sys, { role: 'staff', institutionId: 'uni-b' })
    expert = await signUp(sys, { role: 'expert' })
  })
  after(() => sys.close())
  beforeEach(() => sys.clock.advance(1))

  it('when staff author a rule, then only into their own institution’s courses (experts any); an edit is a new version and the old stays', async () => {
    const to = await target()
    const body = { name: { zh: '数据结构互认', en: 'Data structures' }, targetEntryId: to.id, sources: [cs.id], require: { mode: 'all' } }
    assertProblem(await staffA.post('/conversion/rules', body), 403, 'forbidden')
    const learnerAgent = await signUp(sys)
    assertProblem(await learnerAgent.post('/conversion/rules', body), 403, 'forbidden')
    const bad = await staffB.post<Problem>('/conversion/rules', { ...body, sources: ['no-such-entry'] })
    assertProblem(bad, 400, 'invalid_request')
    assert.deepEqual(bad.body.issues, [{ path: '/sources/0', message: 'no such catalogue entry: no-such-entry' }])
    assertProblem(await staffB.post('/conversion/rules', { ...body, credits: 5 }), 400, 'invalid_request')
    assertProblem(await staffB.post('/conversion/rules', { ...body, sources: [to.id] }), 400, 'invalid_request')

    const created = await staffB.post<RuleView>('/conversion/rules', { ...body, conditions: { minResult: { kind: 'mark', min: 60 } } })
    assert.equal(created.status, 201, created.text)
    assert.equal(created.headers.get('location'), `/conversion/rules/${created.body.id}`)
    assert.equal(created.body.version, 1)
    assert.deepEqual(created.body.definition, {
      name: { zh: '数据结构互认', en: 'Data structures' },
      sources: [
        {
          catalogueEntryId: cs.id,
          institutionId: 'uni-a',
          code: 'CS201',
          name: { zh: '课程CS201', en: 'Course CS201' },
          category: 'academic',
        },
      ],
      require: { mode: 'all' },
      target: {
        catalogueEntryId: to.id,
        institutionId: 'uni-b',
        code: to.code,
        name: { zh: to.nameZh, en: to.nameEn },
        level: 5,
        category: 'academic',
        field: 'computer-science',
        credits: 4,
      },
      conditions: { minResult: { kind: 'mark', min: 60 } },
      active: true,
    })
    const revision = {
      name: body.name,
      sources: body.sources,
      require: body.require,
      conditions: { minResult: { kind: 'mark', min: 75 } },
      credits: 3,
    }
    assertProblem(await staffA.request('PUT', `/conversion/rules/${created.body.id}`, { json: revision }), 403, 'forbidden')
    const revised = await staffB.put<RuleView>(`/conversion/rules/${created.body.id}`, revision)
    assert.equal(revised.status, 200, revised.text)
    assert.equal(revised.body.version, 2)
    const byExpert = await expert.put<RuleView>(`/conversion/rules/${created.body.id}`, { ...revision, active: false })
    assert.equal(byExpert.body.version, 3)

    const current = await staffA.get<RuleView & { versions: number }>(`/conversion/rules/${created.body.id}`)
    assert.equal(current.body.version, 3)
    assert.equal(current.body.versions, 3)
    assert.equal(current.body.active, false)
    const v1 = await staffA.get<RuleView>(`/conversion/rules/${created.body.id}/versions/1`)
    assert.deepEqual(v1.body.definition, created.body.definition)
    const v2 = await staffA.get<RuleView>(`/conversion/rules/${created.body.id}/versions/2`)
    assert.deepEqual(v2.body.definition.conditions, { minResult: { kind: 'mark', min: 75 } })
    assert.equal(v2.body.definition.target.credits, 3)
    assertProblem(await staffA.get(`/conversion/rules/${created.body.id}/versions/4`), 404, 'not_found')
    const listed = await staffA.get<{ items: RuleView[] }>('/conversion/rules?institution=uni-b&limit=100')
    assert.ok(listed.body.items.some((r) => r.id === created.body.id && r.version === 3))

    const byExpertNew = await rule(expert, await target(), { sources: [cs.id, ma.id], require: { mode: 'any', count: 1 } })
    assert.equal(byExpertNew.targetInstitutionId, 'uni-b')
  })

  it('when a learner asks what their outcomes convert into, then met rules come first by credits, then nearly met by fewest missing, each saying what is missing', async () => {
    const l = await learner()
    const unverified = await signUp(sys)
    const none = await unverified.get('/me/conversion-advice')
    assert.deepEqual(none.body, { met: [], nearlyMet: [], counts: { met: 0, nearlyMet: 0, rulesConsidered: 0 }, hint: VERIFY_FIRST_HINT })
    const csOutcome = await outcome(l, cs, '87')
    const maOutcome = await outcome(l, ma, '55')
    await outcome(l, en, '90', '2015-06-01')
    const r1 = await rule(expert, await target(4), { sources: [cs.id] })
    const r2 = await rule(expert, await target(3), { sources: [cs.id, py.id] })
    const r3 = await rule(expert, await target(5), { sources: [ma.id], conditions: { minResult: { kind: 'mark', min: 60 } } })
    const r4 = await rule(expert, await target(4), {
      sources: [cs.id, ma.id, en.id, py.id],
      conditions: { minResult: { kind: 'mark', min: 60 }, maxAgeYears: 5 },
    })
    const r5 = await rule(expert, await target(2), { sources: [cs.id, ma.id], require: { mode: 'any', count: 1 } })
    const res = await l.agent.get<Advice>('/me/conversion-advice')
    assert.equal(res.status, 200, res.text)
    assert.equal(res.headers.get('cache-control'), 'no-store')
    // Rules of other tests may match too: the ranking of this test's rules is what is checked.
    const ours = new Set([r1, r2, r3, r4, r5].map((r) => r.id))
    const only = (a: Advice) => ({
      ...a,
      met: a.met.filter((m) => ours.has(m.ruleId)),
      nearlyMet: a.nearlyMet.filter((m) => ours.has(m.ruleId)),
    })
    const advice = only(res.body)
    assert.deepEqual(
      advice.met.map((m) => [m.ruleId, m.target.credits, m.outcomeIds]),
      [
        [r1.id, 4, [csOutcome.id]],
        [r5.id, 2, [csOutcome.id]],
      ],
    )
    assert.deepEqual(
      advice.nearlyMet.map((m) => [m.ruleId, m.missingCount]),
      [
        [r3.id, 1],
        [r2.id, 1],
      ],
    )
    assert.ok(!advice.nearlyMet.some((m) => m.ruleId === r4.id), 'three things missing is not nearly met')
    assert.deepEqual(advice.nearlyMet[0]!.missing, [
      {
        kind: 'condition',
        source: r3.definition.sources[0],
        outcomeId: maOutcome.id,
        problems: [{ kind: 'result_too_low', result: '55', minResult: { kind: 'mark', min: 60 } }],
      },
    ])
    assert.deepEqual(advice.nearlyMet[1]!.missing, [{ kind: 'outcome', source: r2.definition.sources[1] }])
    assert.equal(res.body.counts.met, res.body.met.length)
    assert.equal(res.body.counts.nearlyMet, res.body.nearlyMet.length)
    assert.ok(res.body.counts.rulesConsidered >= 5)

    // A rule added: the next answer sees it (this instance's own change at once; another instance's within a second).
    const r6 = await rule(expert, await target(6), { sources: [cs.id] })
    const again = await l.agent.get<Advice>('/me/conversion-advice')
    assert.ok(again.body.met.some((m) => m.ruleId === r6.id))
    // An outcome whose credential is revoked no longer counts.
    await sys.issuer.statusLists.setStatus(csOutcome.credentialId, 'revocation', true, { clientId: 'test', admin: true })
    const after = await l.agent.get<Advice>('/me/conversion-advice')
    // r5 (any one of CS201 and MA101, no minimum) is still met by MA101's 55.
    assert.deepEqual(
      only(after.body).met.map((m) => [m.ruleId, m.outcomeIds]),
      [[r5.id, [maOutcome.id]]],
    )
    assert.ok(!after.body.met.some((m) => m.ruleId === r6.id))
    // Rules only the revoked outcome touched are no longer considered at all.
    assert.ok(![...after.body.met, ...after.body.nearlyMet].some((m) => m.ruleId === r1.id))
  })

  it('when an outcome misses a condition, then the application is refused with what is missing and nothing is kept', async () => {
    const l = await learner()
    const csO = await outcome(l, cs, '87')
    const maO = await outcome(l, ma, '55')
    const enO = await outcome(l, en, '90', '2015-06-01')
    const trO = await outcome(l, tr, '合格')
    const pyO = await outcome(l, py, 'B')
    const blocked = async (ruleBody: Record<string, unknown>, outcomeIds: string[], message: RegExp) => {
      const r = await rule(staffB, await target(2), ruleBody)
      const res = await apply(l, r.id, outcomeIds)
      assertProblem(res, 422, 'conversion_conditions_not_met')
      assert.match(res.body.issues![0]!.message, message)
      return r
    }
    // Minimum result: a mark, a grade of a scale.
    await blocked({ sources: [ma.id], conditions: { minResult: { kind: 'mark', min: 60 } } }, [maO.id], /result 55 is below the minimum/)
    await blocked(
      { sources: [py.id], conditions: { minResult: { kind: 'grade', scale: ['A', 'B', 'C', 'D'], min: 'A' } } },
      [pyO.id],
      /result B is below the minimum/,
    )
    // Maximum age of the outcome.
    await blocked({ sources: [en.id], conditions: { maxAgeYears: 5 } }, [enO.id], /awarded 2015-06-01, before 2021-03-01/)
    // Categories never converted.
    await blocked(
      { sources: [tr.id], conditions: { excludedCategories: ['non_academic'] } },
      [trO.id],
      /non_academic outcomes are never converted/,
    )
    // Any N of the sources.
    await blocked({ sources: [cs.id, ma.id, py.id], require: { mode: 'any', count: 2 } }, [csO.id], /1 more of the rule's sources needed/)
    // At most a share of a programme's credits: 4 of 5 taken by a pending application, 2 more would pass it.
    const programme = { code: 'CS-BSC', totalCredits: 10, maxShare: 0.5 }
    const first = await rule(staffB, await target(4), { sources: [cs.id], credits: 4, conditions: { programme } })
    assert.equal((await apply(l, first.id, [csO.id])).status, 201)
    await blocked({ sources: [py.id], credits: 2, conditions: { programme } }, [pyO.id], /programme CS-BSC: 4 credits already converted/)
    // No outcome converted twice.
    const twice = await rule(staffB, await target(2), { sources: [cs.id] })
    assertProblem(await apply(l, twice.id, [csO.id]), 409, 'outcome_already_converted')
    // The same conditions, met: each refusal above was the condition's doing.
    const pass = await rule(staffB, await target(2), {
      sources: [tr.id, py.id],
      conditions: { minResult: { kind: 'pass' }, maxAgeYears: 5 },
    })
    assert.equal((await apply(l, pass.id, [trO.id, pyO.id])).status, 422, 'B is not a pass word')
    const grade = await rule(staffB, await target(2), {
      sources: [py.id],
      conditions: { minResult: { kind: 'grade', scale: ['A', 'B', 'C'], min: 'B' } },
    })
    assert.equal((await apply(l, grade.id, [pyO.id])).status, 201)
    const mine = await l.agent.get<{ items: ApplicationView[] }>('/me/conversion-applications')
    assert.deepEqual(mine.body.items.map((a) => a.ruleId).sort(), [first.id, grade.id].sort())
    // Outcomes that are not the learner's, not of the rule, or not recognized.
    const other = await otherLearner()
    assertProblem(await apply(other, twice.id, [maO.id]), 404, 'not_found')
    const mismatch = await apply(l, twice.id, [maO.id])
    assertProblem(mismatch, 400, 'invalid_request')
    assert.deepEqual(mismatch.body.issues, [{ path: '/outcomeIds/0', message: `outcome ${maO.id} is not of a source course of this rule` }])
    const retired = await rule(staffB, await target(2), { sources: [ma.id], active: false })
    assertProblem(await apply(l, retired.id, [maO.id]), 409, 'rule_inactive')
  })

  it('when staff approve an application, then the target course’s credential is signed, links its source outcomes and verifies; others cannot see or decide it', async () => {
    const l = await learner()
    const other = await otherLearner()
    const csO = await outcome(l, cs, '87')
    const maO = await outcome(l, ma, '92')
    const to = await target(4)
    const r = await rule(staffB, to, { sources: [cs.id, ma.id], conditions: { minResult: { kind: 'mark', min: 60 } } })
    const applied = await apply(l, r.id, [csO.id, maO.id])
    assert.equal(applied.status, 201, applied.text)
    assert.equal(applied.body.state, 'pending')
    assert.equal(applied.body.ruleVersion, 1)
    assertProblem(await apply(l, r.id, [csO.id, maO.id]), 409, 'conversion_already_applied')
    // Staff of another institution neither see nor decide it; learners only their own.
    const listA = await staffA.get<{ items: ApplicationView[] }>('/conversion/applications')
    assert.ok(!listA.body.items.some((a) => a.id === applied.body.id))
    assertProblem(await staffA.post(`/conversion/applications/${applied.body.id}/decision`, { decision: 'approve' }), 404, 'not_found')
    assertProblem(await l.agent.post(`/conversion/applications/${applied.body.id}/decision`, { decision: 'approve' }), 403, 'forbidden')
    const othersList = await other.agent.get<{ items: ApplicationView[] }>('/me/conversion-applications')
    assert.deepEqual(othersList.body.items, [])
    assertProblem(await apply(other, r.id, [csO.id]), 404, 'not_found')
    const listB = await staffB.get<{ items: ApplicationView[] }>('/conversion/applications?state=pending')
    assert.ok(listB.body.items.some((a) => a.id === applied.body.id))

    const approved = await staffB.post<ApplicationView>(`/conversion/applications/${applied.body.id}/decision`, {
      decision: 'approve',
      reason: { zh: '符合转换规则。', en: 'Meets the rule.' },
    })
    assert.equal(approved.status, 200, approved.text)
    assert.equal(approved.body.state, 'approved')
    assert.match(String(approved.body.credentialId), /^urn:uuid:/)
    assertProblem(
      await staffB.post(`/conversion/applications/${applied.body.id}/decision`, { decision: 'reject', reason: 'no' }),
      409,
      'application_already_decided',
    )
    const mine = await l.agent.get<{ items: (ApplicationView & { verifiableCredential: Record<string, unknown> })[] }>(
      '/me/conversion-applications',
    )
    const vc = mine.body.items[0]!.verifiableCredential
    const report = await verify(sys, vc)
    assert.equal(report.body.verified, true, JSON.stringify(report.body.checks))
    const credential = decodeJwt(jwtOf(vc)) as Record<string, unknown>
    assert.deepEqual(validateCredential(credential, { model: 'v2' }), [])
    const subject = credential.credentialSubject as {
      achievement: { humanCode: string; related: { id: string }[] }
      creditsEarned: number
      identifier: unknown[]
    }
    assert.equal(credential.id, approved.body.credentialId)
    assert.deepEqual(credential.type, ['VerifiableCredential', 'AchievementCredential'])
    assert.equal(subject.achievement.humanCode, to.code)
    assert.equal(subject.creditsEarned, 4)
    // The learner by a salted hash of their identity number, as their outcomes' credentials name them.
    const [identifier] = subject.identifier as { identityHash: string; salt: string }[]
    assert.deepEqual(subject.identifier, [
      {
        type: 'IdentityObject',
        hashed: true,
        identityHash: identifier!.identityHash,
        identityType: 'nationalIdentityNumber',
        salt: identifier!.salt,
      },
    ])
    assert.equal(
      identifier!.identityHash,
      `sha256$${createHash('sha256')
        .update(l.idNumber + identifier!.salt)
        .digest('hex')}`,
    )
    assert.deepEqual(
      subject.achievement.related.map((x: { id: string }) => x.id),
      [cs.id, ma.id].map((id) => `${sys.issuerUrl}/catalogue/${id}`),
    )
    assert.deepEqual(
      (credential.evidence as { id: string }[]).map((e) => e.id),
      [csO.credentialId, maO.credentialId],
    )
    assert.deepEqual(await sys.issuer.conversion.approvedFor(l.idHash), [
      {
        id: applied.body.id,
        credentialId: approved.body.credentialId,
        name: { zh: to.nameZh, en: to.nameEn },
        code: to.code,
        level: 5,
        category: 'academic',
        field: 'computer-science',
        institutionId: 'uni-b',
        credits: 4,
        awardedDate: '2026-03-01',
        term: null,
        sourceOutcomeIds: [csO.id, maO.id],
      },
    ])
    assert.deepEqual(await sys.issuer.conversion.approvedFor(other.idHash), [])
    // Audited in the changes' own transactions: who applied and who approved, never the learner's identity.
    const { entries } = await listAudit(sys.issuer.ds, 0, 100_000)
    const about = entries.filter((e) => e.subject.type === 'conversion_application' && e.subject.id === applied.body.id)
    assert.deepEqual(
      about.map((e) => [e.action, e.actor.id]),
      [
        ['conversion_applied', l.agent.user.id],
        ['conversion_approved', staffB.user.id],
      ],
    )
    assert.ok(!JSON.stringify(about).includes(l.idHash), 'no identity hash in the audit trail')
  })

  it('when staff page through their applications, then by creation in pages of `limit`, filtered by state', async () => {
    const l = await learner()
    const ids: string[] = []
    for (const entry of [cs, ma, en]) {
      const o = await outcome(l, entry, '88')
      const r = await rule(staffB, await target(1), { sources: [entry.id] })
      ids.push((await apply(l, r.id, [o.id])).body.id)
      sys.clock.advance(1)
    }
    await staffB.post(`/conversion/applications/${ids[1]}/decision`, { decision: 'reject', reason: 'no' })
    const seen: string[] = []
    let cursor: string | undefined
    do {
      const page = await staffB.get<{ items: ApplicationView[]; nextCursor?: string }>(
        `/conversion/applications?state=pending&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      )
      assert.equal(page.status, 200, page.text)
      assert.ok(page.body.items.length <= 1)
      seen.push(...page.body.items.map((a) => a.id))
      cursor = page.body.nextCursor
    } while (cursor)
    assert.deepEqual(
      seen.filter((id) => ids.includes(id)),
      [ids[0], ids[2]],
    )
    assert.ok(seen.every((id) => !ids.includes(id) || id !== ids[1]))
    assertProblem(await staffB.get('/conversion/applications?cursor=not-ours'), 400, 'invalid_request')
  })

  it('when staff reject an application, then a reason is required and its outcomes are free again; a revoked outcome cannot be applied with', async () => {
    const l = await learner()
    const csO = await outcome(l, cs, '80')
    const r = await rule(staffB, await target(3), { sources: [cs.id] })
    const applied = await apply(l, r.id, [csO.id])
    assertProblem(await staffB.post(`/conversion/applications/${applied.body.id}/decision`, { decision: 'reject' }), 400, 'reason_required')
    const rejected = await staffB.post<ApplicationView>(`/conversion/applications/${applied.body.id}/decision`, {
      decision: 'reject',
      reason: '缺少课程大纲对照 / the syllabi do not match',
    })
    assert.equal(rejected.body.state, 'rejected')
    assert.deepEqual(rejected.body.reason, {
      zh: '缺少课程大纲对照 / the syllabi do not match',
      en: '缺少课程大纲对照 / the syllabi do not match',
    })
    const again = await apply(l, r.id, [csO.id])
    assert.equal(again.status, 201, again.text)
    // The outcome's credential revoked while the application waits: staff cannot approve it; new applications are refused.
    await sys.issuer.statusLists.setStatus(csO.credentialId, 'revocation', true, { clientId: 'test', admin: true })
    assertProblem(
      await staffB.post(`/conversion/applications/${again.body.id}/decision`, { decision: 'approve' }),
      409,
      'outcome_not_usable',
    )
    const r2 = await rule(staffB, await target(3), { sources: [cs.id] })
    assertProblem(await apply(l, r2.id, [csO.id]), 409, 'outcome_not_usable')
    // An outcome still waiting for recognition (a level-7 course is beyond University A's accreditation) does not convert.
    const doctoral = await sys.issuer.catalogue.create(
      {
        institutionId: 'uni-a',
        code: `RM7-${keys}`,
        achievementType: 'Course',
        credits: 2,
        level: 7,
        category: 'academic',
        field: 'research',
        name: { zh: '研究方法', en: 'Research methods' },
      },
      BANK_ACTOR,
    )
    const [queued] = await sys.issuer.recognition.recordImportBatch(
      [
        {
          institutionId: 'uni-a',
          recordKey: `K-${++keys}`,
          learner: l.outcomeLearner,
          catalogueEntryId: doctoral.id,
          creditsEarned: 2,
          result: '90',
          awardedDate: '2025-06-01',
        },
      ],
      BANK_ACTOR,
    )
    assert.equal(queued!.status, 'to_review')
    const r3 = await rule(staffB, await target(2), { sources: [doctoral.id] })
    const pending = await apply(l, r3.id, [queued!.outcomeId])
    assertProblem(pending, 409, 'outcome_not_usable')
    assert.match(pending.body.title, /is pending; only recognized outcomes convert/)
  })

  it('when a rule is edited after an application, then the application is judged by the version it was made under', async () => {
    const early = await learner()
    const late = await learner()
    const earlyO = await outcome(early, ma, '65')
    const lateO = await outcome(late, ma, '65')
    const r = await rule(staffB, await target(5), { sources: [ma.id], conditions: { minResult: { kind: 'mark', min: 60 } } })
    const applied = await apply(early, r.id, [earlyO.id])
    assert.equal(applied.status, 201)
    const revised = await staffB.put<RuleView>(`/conversion/rules/${r.id}`, {
      name: r.definition.name,
      sources: [ma.id],
      require: { mode: 'all' },
      conditions: { minResult: { kind: 'mark', min: 70 } },
    })
    assert.equal(revised.body.version, 2)
    assertProblem(await apply(late, r.id, [lateO.id]), 422, 'conversion_conditions_not_met')
    const approved = await staffB.post<ApplicationView>(`/conversion/applications/${applied.body.id}/decision`, { decision: 'approve' })
    assert.equal(approved.status, 200, approved.text)
    assert.equal(approved.body.ruleVersion, 1)
    assert.equal(approved.body.state, 'approved')
  })

  it('when two applications with the same outcome arrive at the same moment, then exactly one is made; two approvals at once: one wins', async () => {
    const l = await learner()
    const csO = await outcome(l, cs, '90')
    const [ra, rb] = [await rule(staffB, await target(2), { sources: [cs.id] }), await rule(staffB, await target(2), { sources: [cs.id] })]
    const answers = await Promise.all([apply(l, ra.id, [csO.id]), apply(l, rb.id, [csO.id])])
    assert.deepEqual(answers.map((a) => a.status).sort(), [201, 409])
    assertProblem(
      answers.find((a) => a.status === 409)!,
      409,
      'outcome_already_converted',
    )
    const mine = await l.agent.get<{ items: ApplicationView[] }>('/me/conversion-applications')
    assert.equal(mine.body.items.length, 1)
    const id = answers.find((a) => a.status === 201)!.body.id
    const decisions = await Promise.all([
      staffB.post(`/conversion/applications/${id}/decision`, { decision: 'approve' }),
      staffB.post(`/conversion/applications/${id}/decision`, { decision: 'approve' }),
    ])
    assert.deepEqual(decisions.map((d) => d.status).sort(), [200, 409])
    assertProblem(
      decisions.find((d) => d.status === 409)!,
      409,
      'application_already_decided',
    )
    assert.equal((await sys.issuer.conversion.approvedFor(l.idHash)).length, 1)
    // What holds it: the outcome's key in cb_conversion_use, whatever a use case checked before.
    const second = await new ConversionStore(sys.issuer.ds).insertUses(id, [csO.id]).then(
      () => undefined,
      (err: unknown) => err,
    )
    assert.ok(isUniqueViolation(second), `a second use of the outcome is a unique violation, not ${String(second)}`)
  })
})
