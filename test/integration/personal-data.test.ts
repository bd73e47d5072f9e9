// A learner's rights over their personal information over HTTP (issue 7 item 7, PIPL): GET /me/export downloads
// everything the bank holds about them; POST /me/close erases or anonymizes it (checked in the database rows) and keeps
// what the privacy notice says is kept: signed credentials, imported outcomes, the audit chain, withdrawn consents.
import assert from 'node:assert/strict'
import { maskIdNumber } from '../../core/identity/resident-id.ts'
import { sql } from '../../core/store/sql.ts'
import { NOTICE_DIGEST, PRIVACY_NOTICE } from '../../issuer/accounts/personal-data-notice.ts'
import { BANK_ACTOR, verifyAuditTrail } from '../../issuer/audit/audit-trail.ts'
import type { CatalogueEntryRecord } from '../../issuer/catalogue/catalogue-store.ts'
import { CredentialStore } from '../../issuer/credentials/credential-store.ts'
import type { OutcomeLearner } from '../../issuer/recognition/recognition.ts'
import { request, signIn, signUp, TEST_PASSWORD, verifyLearner, type SessionAgent, outcomeLearner } from '../../fixtures/accounts.ts'
import { assertProblem, startTestSystem, TEST_IDENTITIES, type TestSystem } from '../../fixtures/test-system.ts'

const dbName = process.env.CB_TEST_DATABASE_URL ? 'PostgreSQL' : 'SQLite'
const [ZHANG, LI, WANG] = TEST_IDENTITIES
const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n')
const CLAIM = {
  name: { zh: '企业数据分析实训', en: 'Enterprise data analysis practicum' },
  issuerName: '某某科技有限公司',
  category: 'non_academic',
  level: 4,
  field: 'data-science',
  credits: 2,
} as const

interface ExportJson {
  exportedAt: string
  notice: { version: string; digest: string }
  account: { id: string; username: string; role: string; status: string; hasPassword: boolean }
  identity: { userId: string; name: string; idNumber: string; idNumberMasked: string; verifier: string; verifiedAt: string } | null
  consents: { id: string; purpose: string; noticeVersion: string; noticeDigest: string; grantedAt: string; withdrawnAt: string | null }[]
  sessions: Record<string, string>[]
  oidcLinks: { provider: string; subject: string; createdAt: string }[]
  outcomes: { id: string; source: string; state: string; credentialId: string | null }[]
  deposits: { id: string; status: string }[]
  audit: { action: string; actor: { type: string; id: string }; subject: { type: string; id: string }; after: unknown }[]
}

describe(`personal data: export and closing an account on ${dbName} (issue 7 item 7)`, function () {
  let sys: TestSystem
  let entry: CatalogueEntryRecord
  let reviewer: SessionAgent
  let learner: SessionAgent
  let credentialId: string

  const learnerOf = (idNumber: string): OutcomeLearner => outcomeLearner(sys.issuer.personalData, idNumber)
  const exportOf = async (agent: SessionAgent) => {
    const res = await agent.get<ExportJson>('/me/export')
    assert.equal(res.status, 200, res.text)
    return res
  }
  const rowsOf = async (table: string, column: string, userId: string) =>
    sql<Record<string, unknown>>(sys.issuer.ds, `SELECT * FROM ${table} WHERE ${column} = ?`, [userId])

  before(async () => {
    sys = await startTestSystem()
    const { alliance, catalogue } = sys.issuer
    await alliance.create({ id: 'uni-a', type: 'university', name: { zh: '甲大学', en: 'University A' }, region: 'Jiangsu' }, BANK_ACTOR)
    await alliance.addScope(
      'uni-a',
      { categories: ['academic'], levels: [5], fields: ['computer-science'], validFrom: '2024-01-01', validUntil: '2027-01-01' },
      BANK_ACTOR,
    )
    entry = await catalogue.create(
      {
        institutionId: 'uni-a',
        code: 'CS201',
        achievementType: 'Course',
        credits: 4,
        level: 5,
        category: 'academic',
        field: 'computer-science',
        name: { zh: '数据结构', en: 'Data Structures' },
        description: { zh: '线性表、树、图及其算法。', en: 'Lists, trees, graphs and their algorithms.' },
      },
      BANK_ACTOR,
    )
    reviewer = await signUp(sys, { role: 'reviewer' })
    learner = await signUp(sys, { displayName: '张同学' })
    await verifyLearner(sys, learner, ZHANG)
    // An institution imports an outcome under the learner's identity (recognized at once: a signed credential).
    const [imported] = await sys.issuer.recognition.recordImportBatch(
      [
        {
          institutionId: 'uni-a',
          recordKey: 'PD-1',
          learner: learnerOf(ZHANG.idNumber),
          catalogueEntryId: entry.id,
          creditsEarned: 4,
          result: '91',
          awardedDate: '2025-07-01',
        },
      ],
      BANK_ACTOR,
    )
    assert.equal(imported!.status, 'imported')
    credentialId = (imported as { credentialId: string }).credentialId
    // A deposit waiting for a decision, with one evidence file.
    const fd = new FormData()
    fd.append('deposit', JSON.stringify({ claim: CLAIM, result: '优秀', awardedDate: '2025-12-20' }))
    fd.append('evidence', new Blob([PDF]), '结业证书.pdf')
    const deposited = await learner.request('POST', '/deposits', { body: fd })
    assert.equal(deposited.status, 201, deposited.text)
    // A reviewer reads the learner's number (audited).
    assert.equal((await reviewer.get(`/users/${learner.user.id}/identity`)).status, 200)
  })
  after(() => sys.close())

  it('when a learner downloads their data, then one JSON attachment holds the account, the identity in the clear, consents, session dates, outcomes, deposits and the audit entries about them', async () => {
    const res = await exportOf(learner)
    assert.match(String(res.headers.get('content-type')), /^application\/json/)
    assert.equal(
      res.headers.get('content-disposition'),
      `attachment; filename="credit-bank-personal-data-${sys.clock().toISOString().slice(0, 10)}.json"`,
    )
    assert.equal(res.headers.get('cache-control'), 'no-store')
    const data = res.body
    assert.equal(data.exportedAt, sys.clock().toISOString())
    assert.deepEqual(data.notice, { version: PRIVACY_NOTICE.version, digest: NOTICE_DIGEST })
    assert.deepEqual(
      [data.account.id, data.account.username, data.account.role, data.account.status, data.account.hasPassword],
      [learner.user.id, learner.user.username, 'learner', 'active', true],
    )
    assert.deepEqual(data.identity, {
      userId: learner.user.id,
      name: ZHANG.name,
      idNumber: ZHANG.idNumber,
      idNumberMasked: maskIdNumber(ZHANG.idNumber),
      verifier: 'registry',
      verifiedAt: sys.clock().toISOString(),
    })
    assert.deepEqual(
      data.consents.map((c) => [c.purpose, c.noticeVersion, c.noticeDigest, c.withdrawnAt]),
      [['real_name_verification', PRIVACY_NOTICE.version, NOTICE_DIGEST, null]],
    )
    assert.ok(data.sessions.length >= 1)
    for (const s of data.sessions) assert.deepEqual(Object.keys(s).sort(), ['createdAt', 'expiresAt', 'idleExpiresAt', 'method'])
    assert.ok(!res.text.includes(learner.cookie.split('=')[1]!) && !res.text.includes(learner.csrf), 'no session secret in the export')
    assert.deepEqual(data.oidcLinks, [])
    // The imported outcome (recognized, with its credential) and the deposit's (pending).
    assert.deepEqual(data.outcomes.map((o) => `${o.source}:${o.state}:${o.credentialId}`).sort(), [
      'deposit:pending:null',
      `import:recognized:${credentialId}`,
    ])
    assert.deepEqual(
      data.deposits.map((d) => d.status),
      ['pending'],
    )
    const actions = data.audit.map((e) => e.action)
    for (const action of ['user_registered', 'consent_granted', 'identity_verified', 'identity_number_read'])
      assert.ok(actions.includes(action), `the export lists ${action}: ${actions.join(', ')}`)
    const read = data.audit.find((e) => e.action === 'identity_number_read')!
    assert.deepEqual([read.actor.id, read.subject.id], [reviewer.user.id, learner.user.id])
    assert.ok(
      data.audit.every((e) => e.actor.id === learner.user.id || e.subject.id === learner.user.id),
      'only entries the learner made or that are about them',
    )
  })

  it("when another learner downloads theirs, then none of the first learner's data is in it; staff may not call it", async () => {
    const other = await signUp(sys)
    const { body, text } = await exportOf(other)
    assert.deepEqual([body.identity, body.consents, body.outcomes, body.deposits], [null, [], [], []])
    assert.ok(!text.includes(learner.user.id) && !text.includes(ZHANG.idNumber) && !text.includes(credentialId))
    assertProblem(await reviewer.get('/me/export'), 403, 'forbidden')
    assertProblem(await reviewer.post('/me/close', { confirm: true, password: TEST_PASSWORD }), 403, 'forbidden')
    assertProblem(await request(sys, 'GET', '/me/export'), 401, 'unauthorized')
  })

  it('when closing lacks confirm: true, the right password, or a recent session, then it is refused and nothing changes', async () => {
    const learner2 = await signUp(sys)
    await verifyLearner(sys, learner2, LI)
    assertProblem(await learner2.post('/me/close', { confirm: false }), 400, 'confirmation_required')
    assertProblem(await learner2.post('/me/close', {}), 400, 'invalid_request')
    assertProblem(await learner2.post('/me/close', { confirm: true, password: 'not the password at all' }), 401, 'invalid_credentials')
    sys.clock.advance(11 * 60)
    assertProblem(await learner2.post('/me/close', { confirm: true }), 403, 'reauthentication_required')
    assert.equal((await rowsOf('cb_learner_identity', 'user_id', learner2.user.id)).length, 1)
    assert.equal((await rowsOf('cb_user', 'id', learner2.user.id))[0]!.status, 'active')
    assert.equal((await learner2.get('/me')).status, 200)
  })

  it('when the learner closes their account, then identity, name, sessions and sign-in are erased or anonymized (the rows say so), and credentials, outcomes and the audit chain stay', async () => {
    const credentialsBefore = await new CredentialStore(sys.issuer.ds).count()
    const idHash = learnerOf(ZHANG.idNumber).idHash
    // A consultation thread: the export holds it; closing erases its texts.
    const asked = await learner.post<{ id: string }>('/consultations', { subject: '学分转换咨询', message: '我的数据结构课程可以转换吗？' })
    assert.equal(asked.status, 201, asked.text)
    const exported = (await exportOf(learner)).text
    assert.ok(exported.includes('我的数据结构课程可以转换吗？'), 'the export holds the consultation')
    const res = await learner.post<Record<string, unknown>>('/me/close', { confirm: true, password: TEST_PASSWORD })
    assert.equal(res.status, 200, res.text)
    const closedAt = sys.clock().toISOString()
    assert.deepEqual(res.body, {
      userId: learner.user.id,
      closedAt,
      erased: [
        'identity number',
        'name',
        'identity hash',
        'username',
        'display name',
        'password',
        'sessions',
        'deposits waiting for a decision (withdrawn)',
        'evidence of withdrawn deposits',
        'consultation messages',
      ],
      kept: [
        'signed credentials and their status',
        'outcomes imported by institutions',
        'decided deposits and their evidence',
        'audit trail (personal data masked)',
        'consent records (withdrawn)',
      ],
    })
    assert.match(res.headers.getSetCookie().join(';'), /cb_session=;/)

    // The rows themselves.
    assert.deepEqual(await rowsOf('cb_learner_identity', 'user_id', learner.user.id), [])
    assert.deepEqual(await sql(sys.issuer.ds, 'SELECT user_id FROM cb_learner_identity WHERE id_hash = ?', [idHash]), [])
    const [user] = await rowsOf('cb_user', 'id', learner.user.id)
    assert.deepEqual(
      [user!.username, user!.display_name, user!.password_hash, user!.status],
      [`closed-${learner.user.id}`, 'closed account (已注销)', null, 'closed'],
    )
    assert.deepEqual(await rowsOf('cb_session', 'user_id', learner.user.id), [])
    assert.deepEqual(await rowsOf('cb_oidc_identity', 'user_id', learner.user.id), [])
    const consents = await rowsOf('cb_consent', 'user_id', learner.user.id)
    assert.deepEqual(
      consents.map((c) => [c.notice_version, c.withdrawn_at]),
      [[PRIVACY_NOTICE.version, closedAt]],
    )
    const dump = JSON.stringify([user, consents])
    assert.ok(!dump.includes(learner.user.username) && !dump.includes('张同学') && !dump.includes(ZHANG.name))
    // The audit chain stays, and holds neither the display name nor the identity in the clear.
    const audit = JSON.stringify(await sql(sys.issuer.ds, 'SELECT * FROM cb_audit'))
    assert.ok(!audit.includes('张同学') && !audit.includes(ZHANG.name) && !audit.includes(ZHANG.idNumber))
    assert.deepEqual(
      (await sys.issuer.deposits.listForUser(learner.user.id)).map((d) => d.status),
      ['withdrawn'],
    )
    const texts = JSON.stringify(await sql(sys.issuer.ds, 'SELECT * FROM cb_consultation_message'))
    assert.ok(!texts.includes('我的数据结构课程可以转换吗？'), 'the consultation text is erased')
    // The withdrawn deposit's evidence is gone, rows and file.
    const [withdrawnDeposit] = await sys.issuer.deposits.listForUser(learner.user.id)
    assert.deepEqual(await rowsOf('cb_evidence', 'deposit_id', withdrawnDeposit!.id), [])

    // What stays: the credential, the outcome under the keyed hash, the audit chain (intact, with the closing in it).
    assert.equal(await new CredentialStore(sys.issuer.ds).count(), credentialsBefore)
    assert.ok(await new CredentialStore(sys.issuer.ds).find(credentialId))
    assert.deepEqual(
      (await sys.issuer.recognition.listForLearner(idHash, { limit: 10 })).items.map((o) => `${o.source}:${o.state}`).sort(),
      ['deposit:withdrawn', 'import:recognized'],
    )
    assert.equal((await verifyAuditTrail(sys.issuer.ds)).ok, true, 'the audit chain is intact')
    const [closing] = await sql<{ after_json: string; actor_id: string }>(
      sys.issuer.ds,
      "SELECT after_json, actor_id FROM cb_audit WHERE action = 'account_closed' AND subject_id = ?",
      [learner.user.id],
    )
    assert.equal(closing!.actor_id, learner.user.id)
    assert.deepEqual(JSON.parse(closing!.after_json), {
      status: 'closed',
      identityErased: true,
      consentsWithdrawn: 1,
      oidcLinksDeleted: 0,
      depositsWithdrawn: 1,
      evidenceErased: 1,
      consultationMessagesErased: 1,
    })

    // The account is gone for signing in; the old cookie no longer works.
    assertProblem(await learner.get('/me'), 401, 'unauthorized')
    await assert.rejects(signIn(sys, learner.user.username), /401/)
    assertProblem(await reviewer.get(`/users/${learner.user.id}/identity`), 404, 'not_found')

    // The keyed hash was not kept: the same person may register again, verify, and see the outcome held for them.
    const again = await signUp(sys)
    await verifyLearner(sys, again, ZHANG)
    assert.ok((await exportOf(again)).body.outcomes.some((o) => o.credentialId === credentialId))
  })

  it('when an account that signs in only through OpenID Connect closes with a recent session, then its links are deleted and the provider sign-in makes a new account', async () => {
    const provider = 'https://idp.example.gov.cn'
    const first = await sys.issuer.accounts.signInExternal({ provider, subject: 'sub-1', displayName: '王芳' })
    const cookie = `cb_session=${first.session.token}`
    const send = (method: string, path: string, json?: unknown) =>
      request<Record<string, unknown>>(sys, method, path, {
        ...(json === undefined ? {} : { json }),
        headers: { cookie, 'x-csrf-token': first.session.record.csrfToken },
      })
    const verified = await send('POST', '/me/identity', { ...WANG, consent: { noticeVersion: PRIVACY_NOTICE.version } })
    assert.equal(verified.status, 201, verified.text)
    const exported = (await send('GET', '/me/export')).body as unknown as ExportJson
    assert.deepEqual(
      exported.oidcLinks.map((l) => [l.provider, l.subject]),
      [[provider, 'sub-1']],
    )
    assert.equal(exported.account.hasPassword, false)
    const closed = await send('POST', '/me/close', { confirm: true })
    assert.equal(closed.status, 200, JSON.stringify(closed.body))
    assert.deepEqual(await rowsOf('cb_oidc_identity', 'user_id', first.user.id), [])
    assert.deepEqual(await rowsOf('cb_learner_identity', 'user_id', first.user.id), [])
    const second = await sys.issuer.accounts.signInExternal({ provider, subject: 'sub-1', displayName: '王芳' })
    assert.equal(second.created, true)
    assert.notEqual(second.user.id, first.user.id)
  })
})
