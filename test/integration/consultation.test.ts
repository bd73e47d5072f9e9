// Consultation (学习咨询, issue 8 item 4) over HTTP, on SQLite and on the PostgreSQL of CB_TEST_DATABASE_URL: a learner asks
// (optionally about an outcome or a rule), staff of the institution concerned or the bank's reviewers and admins answer,
// both see the thread, the learner sees the conversion advice beside it; nobody else sees it (404), and the audit trail
// records each message without its text.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { transaction } from '../../core/store/sql.ts'
import { BANK_ACTOR, listAudit } from '../../issuer/audit/audit-trail.ts'
import { ERASED } from '../../issuer/consultation/consultation.ts'
import type { OutcomeLearner } from '../../issuer/recognition/recognition.ts'
import { signUp, TEST_IDENTITIES, verifyLearner, type SessionAgent, outcomeLearner } from '../../fixtures/accounts.ts'
import { assertProblem, startTestSystem, type TestSystem } from '../../fixtures/test-system.ts'

interface MessageBody {
  id: string
  position: number
  author: { role: string; mine: boolean }
  text: string
  language: string | null
  createdAt: string
}
interface ThreadBody {
  id: string
  subject: string
  about: { outcomeId: string | null; ruleId: string | null; reportNumber: string | null }
  institutionId: string | null
  messageCount: number
  createdAt: string
  updatedAt: string
}
interface ThreadWithMessages {
  thread: ThreadBody
  messages: MessageBody[]
  advice?: unknown
}

describe('consultation (issue 8 item 4)', function () {
  let sys: TestSystem
  let learner: SessionAgent
  let otherLearner: SessionAgent
  let staffA: SessionAgent
  let staffB: SessionAgent
  let reviewer: SessionAgent
  let admin: SessionAgent
  let expert: SessionAgent
  let outcomeA: string
  let outcomeOfOther: string
  let learnerIdHash: string

  const learnerOf = (idNumber: string): OutcomeLearner => outcomeLearner(sys.issuer.personalData, idNumber)
  const open = async (agent: SessionAgent, body: Record<string, unknown>) => {
    const res = await agent.post<ThreadWithMessages>('/consultations', body)
    assert.equal(res.status, 201, res.text)
    assert.equal(res.headers.get('location'), `/consultations/${res.body.thread.id}`)
    return res.body
  }
  const threadIds = async (agent: SessionAgent) => {
    const res = await agent.get<{ items: ThreadBody[] }>('/consultations?limit=100')
    assert.equal(res.status, 200, res.text)
    return res.body.items.map((t) => t.id)
  }

  before(async function () {
    this.timeout(60_000)
    sys = await startTestSystem()
    const { alliance, catalogue, recognition } = sys.issuer
    for (const id of ['uni-a', 'uni-b'])
      await alliance.create({ id, type: 'university', name: { zh: `${id}大学`, en: `University ${id}` }, region: 'Jiangsu' }, BANK_ACTOR)
    await alliance.addScope('uni-a', { categories: ['academic'], levels: [5], validFrom: '2020-01-01' }, BANK_ACTOR)
    const cs = await catalogue.create(
      {
        institutionId: 'uni-a',
        code: 'CS201',
        achievementType: 'Course',
        credits: 4,
        level: 5,
        category: 'academic',
        field: 'computer-science',
        name: { zh: '数据结构', en: 'Data Structures' },
      },
      BANK_ACTOR,
    )
    learner = await signUp(sys)
    await verifyLearner(sys, learner, TEST_IDENTITIES[0])
    otherLearner = await signUp(sys)
    await verifyLearner(sys, otherLearner, TEST_IDENTITIES[1])
    staffA = await signUp(sys, { role: 'staff', institutionId: 'uni-a' })
    staffB = await signUp(sys, { role: 'staff', institutionId: 'uni-b' })
    reviewer = await signUp(sys, { role: 'reviewer' })
    admin = await signUp(sys, { role: 'admin' })
    expert = await signUp(sys, { role: 'expert' })
    const zhang = learnerOf(TEST_IDENTITIES[0].idNumber)
    learnerIdHash = zhang.idHash
    const row = (recordKey: string, who: OutcomeLearner) => ({
      institutionId: 'uni-a',
      recordKey,
      learner: who,
      catalogueEntryId: cs.id,
      creditsEarned: 4,
      awardedDate: '2025-06-20',
    })
    const results = await recognition.recordImportBatch(
      [row('C-1', zhang), row('C-2', learnerOf(TEST_IDENTITIES[1].idNumber))],
      { type: 'user', id: 'registrar', name: 'registrar' },
      { importJobId: 'job-consultation' },
    )
    outcomeA = results[0]!.outcomeId
    outcomeOfOther = results[1]!.outcomeId
  })
  after(() => sys.close())
  beforeEach(() => sys.clock.advance(1))

  it('when a learner asks about an outcome, then staff of its institution answer, both see the thread, and the learner sees the conversion advice beside it', async () => {
    const opened = await open(learner, {
      subject: '数据结构的学分能否转换？',
      message: '我在甲大学修的数据结构，能转换成其他学校的课程吗？',
      language: 'zh',
      outcomeId: outcomeA,
    })
    assert.deepEqual(opened.thread, {
      id: opened.thread.id,
      subject: '数据结构的学分能否转换？',
      about: { outcomeId: outcomeA, ruleId: null, reportNumber: null },
      institutionId: 'uni-a',
      messageCount: 1,
      createdAt: sys.clock().toISOString(),
      updatedAt: sys.clock().toISOString(),
    })
    assert.deepEqual(
      opened.messages.map((m) => [m.position, m.author, m.text, m.language]),
      [[1, { role: 'learner', mine: true }, '我在甲大学修的数据结构，能转换成其他学校的课程吗？', 'zh']],
    )
    const id = opened.thread.id
    assert.ok((await threadIds(staffA)).includes(id))
    sys.clock.advance(60)
    const answer = await staffA.post<MessageBody>(`/consultations/${id}/messages`, {
      message: 'Yes: see the conversion advice beside this thread. 可以，请看旁边的转换建议。',
      language: 'en',
    })
    assert.equal(answer.status, 201, answer.text)
    assert.deepEqual([answer.body.position, answer.body.author], [2, { role: 'staff', mine: true }])

    const seen = await learner.get<ThreadWithMessages>(`/consultations/${id}`)
    assert.equal(seen.status, 200, seen.text)
    assert.equal(seen.headers.get('cache-control'), 'no-store')
    assert.deepEqual(
      seen.body.messages.map((m) => [m.position, m.author]),
      [
        [1, { role: 'learner', mine: true }],
        [2, { role: 'staff', mine: false }],
      ],
    )
    assert.equal(seen.body.thread.messageCount, 2)
    assert.equal(seen.body.thread.updatedAt, sys.clock().toISOString())
    // The automatic consultation: the conversion capability's advice for this learner, as it stands now.
    assert.deepEqual(seen.body.advice, JSON.parse(JSON.stringify(await sys.issuer.conversion.advice(learnerIdHash))))
    assert.ok(seen.body.advice && typeof seen.body.advice === 'object' && 'met' in seen.body.advice)

    const staffView = await staffA.get<ThreadWithMessages>(`/consultations/${id}`)
    assert.equal(staffView.status, 200)
    assert.deepEqual(
      staffView.body.messages,
      seen.body.messages.map((m) => ({ ...m, author: { role: m.author.role, mine: m.author.role === 'staff' } })),
    )
    assert.equal('advice' in staffView.body, false)

    // The learner follows up; the thread keeps order.
    const followUp = await learner.post<MessageBody>(`/consultations/${id}/messages`, { message: 'Thank you!' })
    assert.equal(followUp.status, 201)
    assert.equal(followUp.body.position, 3)
  })

  it('when someone else reads or answers a thread, then it is not found for them: other learners, staff of other institutions; reviewers and admins answer any', async () => {
    const { thread } = await open(learner, { subject: 'About my outcome', message: 'Is it recognized everywhere?', outcomeId: outcomeA })
    for (const agent of [otherLearner, staffB]) {
      assertProblem(await agent.get(`/consultations/${thread.id}`), 404, 'not_found')
      assertProblem(await agent.post(`/consultations/${thread.id}/messages`, { message: 'let me in' }), 404, 'not_found')
      assert.ok(!(await threadIds(agent)).includes(thread.id))
    }
    assertProblem(await expert.get(`/consultations/${thread.id}`), 403, 'forbidden')
    assertProblem(await expert.post('/consultations', { subject: 's', message: 'm' }), 403, 'forbidden')
    assertProblem(await staffA.post('/consultations', { subject: 's', message: 'm' }), 403, 'forbidden')
    for (const agent of [reviewer, admin]) {
      assert.ok((await threadIds(agent)).includes(thread.id))
      const res = await agent.post<MessageBody>(`/consultations/${thread.id}/messages`, {
        message: `Answered by the bank (${agent.user.role}).`,
      })
      assert.equal(res.status, 201, res.text)
      assert.equal(res.body.author.role, agent.user.role)
    }
    const seen = await learner.get<ThreadWithMessages>(`/consultations/${thread.id}`)
    assert.deepEqual(
      seen.body.messages.map((m) => m.author.role),
      ['learner', 'reviewer', 'admin'],
    )
    // Asking about someone else's outcome names nothing.
    assertProblem(await learner.post('/consultations', { subject: 's', message: 'm', outcomeId: outcomeOfOther }), 404, 'not_found')
    const unverified = await signUp(sys)
    assertProblem(await unverified.post('/consultations', { subject: 's', message: 'm', outcomeId: outcomeA }), 404, 'not_found')
    assert.deepEqual(await threadIds(unverified), [])
    assert.ok(!(await threadIds(otherLearner)).some((id) => id === thread.id))
  })

  it('when a question concerns no institution (or a ledger rule), then only the bank answers it; a learner lists only their own threads', async () => {
    const general = await open(learner, { subject: 'How do caps work?', message: 'What is a per-year cap?', language: 'en' })
    assert.equal(general.thread.institutionId, null)
    const rule = await admin.post<{ id: string }>('/ledger-rules', {
      kind: 'per_year',
      name: { zh: '每年最多 42 学分', en: 'At most 42 credits a year' },
      parameters: { maxCredits: 42 },
    })
    assert.equal(rule.status, 201, rule.text)
    sys.clock.advance(1)
    const aboutRule = await open(learner, { subject: '关于年度上限', message: '为什么有年度上限？', ruleId: rule.body.id })
    assert.deepEqual([aboutRule.thread.about.ruleId, aboutRule.thread.institutionId], [rule.body.id, null])
    // A conversion rule concerns its target institution: that institution's staff answer.
    const target = await sys.issuer.catalogue.create(
      {
        institutionId: 'uni-b',
        code: 'B-CS1',
        achievementType: 'Course',
        credits: 3,
        level: 5,
        category: 'academic',
        field: 'computer-science',
        name: { zh: '程序设计', en: 'Programming' },
      },
      BANK_ACTOR,
    )
    const cs = (await sys.issuer.catalogue.findByCode('uni-a', 'CS201'))!
    const conversionRule = await sys.issuer.conversion.createRule(
      {
        name: { zh: '数据结构转换', en: 'Data Structures into B-CS1' },
        sources: [cs.id],
        require: { mode: 'all' },
        targetEntryId: target.id,
      },
      { kind: 'user', id: expert.user.id, username: expert.user.username, role: 'expert', institutionId: null, sessionId: 'test' },
    )
    sys.clock.advance(1)
    const aboutConversion = await open(learner, { subject: '转换规则', message: '这条规则需要什么成绩？', ruleId: conversionRule.id })
    assert.equal(aboutConversion.thread.institutionId, 'uni-b')
    assert.equal((await staffB.get(`/consultations/${aboutConversion.thread.id}`)).status, 200)
    assertProblem(await staffA.get(`/consultations/${aboutConversion.thread.id}`), 404, 'not_found')
    assertProblem(
      await learner.post('/consultations', { subject: 's', message: 'm', ruleId: '00000000-0000-4000-8000-000000000000' }),
      404,
      'not_found',
    )
    sys.clock.advance(1)
    // A report of theirs, named as a person might type it (any case, no dashes); another's or a mistyped one is refused.
    const report = await sys.issuer.reports.request(learner.user.id, undefined, {
      type: 'user',
      id: learner.user.id,
      name: learner.user.username,
    })
    const typed = report.number.replace(/^CB-/, '').replaceAll('-', '').toLowerCase()
    const withReport = await open(learner, { subject: 'My report', message: 'Where is my report?', reportNumber: typed })
    assert.equal(withReport.thread.about.reportNumber, report.number)
    assert.equal(withReport.thread.institutionId, null)
    assertProblem(await otherLearner.post('/consultations', { subject: 's', message: 'm', reportNumber: report.number }), 404, 'not_found')
    const last = report.number.at(-1)!
    const mistyped = report.number.slice(0, -1) + (last === '0' ? '1' : '0')
    assertProblem(
      await learner.post('/consultations', { subject: 's', message: 'm', reportNumber: mistyped }),
      400,
      'report_number_mistyped',
    )
    for (const id of [general.thread.id, aboutRule.thread.id]) {
      assertProblem(await staffA.get(`/consultations/${id}`), 404, 'not_found')
      assert.ok((await threadIds(reviewer)).includes(id))
    }
    const mine = await threadIds(learner)
    assert.deepEqual(mine.slice(0, 4), [withReport.thread.id, aboutConversion.thread.id, aboutRule.thread.id, general.thread.id])
    assert.deepEqual(await threadIds(otherLearner), [])
    // Pages: newest activity first, the cursor continues where the page ended.
    const first = await learner.get<{ items: ThreadBody[]; nextCursor?: string }>('/consultations?limit=2')
    assert.equal(first.body.items.length, 2)
    const second = await learner.get<{ items: ThreadBody[] }>(`/consultations?limit=100&cursor=${first.body.nextCursor}`)
    assert.deepEqual(
      [...first.body.items, ...second.body.items].map((t) => t.id),
      mine,
    )
    assertProblem(await learner.get('/consultations?cursor=bm90LWEtY3Vyc29y'), 400, 'invalid_request')
  })

  it('when a question is empty, too long or carries unknown members, then 400 and nothing is kept', async () => {
    const before = (await threadIds(reviewer)).length
    const bad = [
      { subject: '   ', message: 'm' },
      { subject: 's', message: '' },
      { subject: 's', message: 'x'.repeat(4001) },
      { subject: 'x'.repeat(201), message: 'm' },
      { subject: 's', message: 'm', language: 'fr' },
      { subject: 's', message: 'm', outcomeId: 'not-a-uuid' },
      { subject: 's', message: 'm', reportNumber: 'CB 7K/2M' },
      { subject: 's', message: 'm', learnerUserId: 'someone-else' },
    ]
    for (const body of bad) assertProblem(await learner.post('/consultations', body), 400, 'invalid_request')
    assert.equal((await threadIds(reviewer)).length, before)
    const { thread } = await open(learner, { subject: 's', message: 'm' })
    assertProblem(await learner.post(`/consultations/${thread.id}/messages`, { message: ' \n ' }), 400, 'invalid_request')
    assertProblem(await learner.post(`/consultations/${thread.id}/messages`, { message: 'x'.repeat(4001) }), 400, 'invalid_request')
    const seen = await learner.get<ThreadWithMessages>(`/consultations/${thread.id}`)
    assert.equal(seen.body.messages.length, 1)
  })

  it('when a learner closes their account, then their threads’ texts are erased (node.consultation.eraseForUser), and before that their export holds them', async () => {
    const closing = await signUp(sys)
    const { thread } = await open(closing, { subject: '我的问题', message: '我叫李雷，电话 13900000000。' })
    const answer = await reviewer.post(`/consultations/${thread.id}/messages`, { message: '李雷您好，已收到。' })
    assert.equal(answer.status, 201)
    const exported = await sys.issuer.consultation.exportFor(closing.user.id)
    assert.deepEqual(
      exported.map((t) => [t.thread.id, t.thread.subject, t.messages.map((m) => [m.position, m.authorRole, m.text])]),
      [
        [
          thread.id,
          '我的问题',
          [
            [1, 'learner', '我叫李雷，电话 13900000000。'],
            [2, 'reviewer', '李雷您好，已收到。'],
          ],
        ],
      ],
    )
    const erased = await transaction(sys.issuer.ds, (m) =>
      sys.issuer.consultation.eraseForUser(m, closing.user.id, { type: 'user', id: closing.user.id, name: closing.user.username }),
    )
    assert.deepEqual(erased, { threads: 1, messages: 2 })
    const seen = await reviewer.get<ThreadWithMessages>(`/consultations/${thread.id}`)
    assert.equal(seen.body.thread.subject, ERASED)
    assert.deepEqual(
      seen.body.messages.map((m) => [m.author.role, m.text]),
      [
        ['learner', ERASED],
        ['reviewer', ERASED],
      ],
    )
    const audit = (await listAudit(sys.issuer.ds, 0, 10_000)).entries.filter((e) => e.action === 'consultation_texts_erased')
    assert.deepEqual(
      audit.map((e) => [e.subject, e.after]),
      [
        [
          { type: 'user', id: closing.user.id },
          { threads: 1, messages: 2 },
        ],
      ],
    )
  })

  it('when messages are posted, then the audit trail records who and when, with each text only as its size and digest', async () => {
    const secret = '我的身份证号是 320102199003071234，电话 13800000000'
    const { thread } = await open(learner, { subject: `问题 ${secret}`, message: secret })
    const reply = await reviewer.post<MessageBody>(`/consultations/${thread.id}/messages`, { message: `收到：${secret}` })
    assert.equal(reply.status, 201)
    const entries = (await listAudit(sys.issuer.ds, 0, 10_000)).entries.filter(
      (e) => e.subject.type === 'consultation' && e.subject.id === thread.id,
    )
    assert.deepEqual(
      entries.map((e) => [e.action, e.actor.id]),
      [
        ['consultation_opened', learner.user.id],
        ['consultation_message_posted', reviewer.user.id],
      ],
    )
    const text = JSON.stringify(entries)
    assert.ok(!text.includes('320102199003071234') && !text.includes('13800000000'), text)
    const opened = entries[0]!.after as { subject: string; message: { chars: number; sha256: string; authorRole: string } }
    assert.equal(opened.subject, '[masked]')
    assert.deepEqual(opened.message, {
      ...opened.message,
      authorRole: 'learner',
      chars: [...secret].length,
      sha256: createHash('sha256').update(secret).digest('hex'),
    })
  })
})
