// Certification reports over HTTP against a real database (SQLite, and the PostgreSQL of CB_TEST_DATABASE_URL): a
// learner's report is signed, found by its number, verifies in the verifier service and with plain jose against the
// bank's DID document, fails there once revoked; mistyped numbers are refused by their check character; the PDF carries
// the number and the Chinese names and its QR code opens the lookup; reissue after an outcome's credential is revoked;
// guessing numbers gets 429.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { decodeProtectedHeader, importJWK, jwtVerify, type JWK } from 'jose'
import { DEMO_IDENTITIES } from '../../bin/demo-bank.ts'
import { seedDemo } from '../../bin/demo.ts'
import { parseResidentId } from '../../core/identity/resident-id.ts'
import { residentIdIdentityObject } from '../../core/identity/identity-object.ts'
import { BANK_ACTOR, listAudit } from '../../issuer/audit/audit-trail.ts'
import { CROCKFORD_ALPHABET, checkCharacter } from '../../issuer/reports/report-number.ts'
import type { ReportView } from '../../issuer/reports/reports.ts'
import { assertProblem, check, jwtOf, startTestSystem, verify, type TestSystem } from '../../fixtures/test-system.ts'
import { request, signUp, TEST_IDENTITIES, verifyLearner, type SessionAgent } from '../../fixtures/accounts.ts'
import { renderPdfPage } from '../helpers/render-pdf.ts'

const ZHANG = TEST_IDENTITIES[0]
const LI = TEST_IDENTITIES[1]

/** Records recognized (and one pending) outcomes for a person through recognition's import use case. */
async function importOutcomes(sys: TestSystem, person: { idNumber: string }, prefix: string): Promise<void> {
  const parsed = parseResidentId(person.idNumber, sys.clock)
  if (!parsed.ok) throw new Error(parsed.code)
  const learner = { idHash: sys.issuer.personalData.idNumberHash(parsed.id), identityObject: residentIdIdentityObject(parsed.id) }
  const rows = [
    { institutionId: 'uni-a', recordKey: `${prefix}-1`, catalogueEntryId: 'cs', creditsEarned: 4, awardedDate: '2025-07-01' },
    { institutionId: 'uni-a', recordKey: `${prefix}-2`, catalogueEntryId: 'weld', creditsEarned: 2.5, awardedDate: '2025-09-15' },
    { institutionId: 'uni-a', recordKey: `${prefix}-3`, catalogueEntryId: 'phd', creditsEarned: 6, awardedDate: '2025-10-01' },
  ]
  const ids = await entryIds(sys)
  await sys.issuer.recognition.recordImportBatch(
    rows.map((r) => ({ ...r, catalogueEntryId: ids[r.catalogueEntryId]!, learner })),
    BANK_ACTOR,
  )
}

let entries: Record<string, string> | undefined
async function entryIds(sys: TestSystem): Promise<Record<string, string>> {
  if (entries) return entries
  const { alliance, catalogue } = sys.issuer
  await alliance.create({ id: 'uni-a', type: 'university', name: { zh: '甲大学', en: 'University A' }, region: 'Jiangsu' }, BANK_ACTOR)
  await alliance.addScope('uni-a', { categories: ['academic', 'non_academic'], levels: [4, 5], validFrom: '2024-01-01' }, BANK_ACTOR)
  const entry = (code: string, over: Record<string, unknown>) =>
    catalogue.create(
      {
        institutionId: 'uni-a',
        code,
        achievementType: 'Course',
        credits: 4,
        level: 5,
        category: 'academic',
        field: 'computer-science',
        name: { zh: '数据结构', en: 'Data Structures' },
        description: { zh: '线性表、树、图。', en: 'Lists, trees, graphs.' },
        ...over,
      } as Parameters<typeof catalogue.create>[0],
      BANK_ACTOR,
    )
  const cs = await entry('CS201', {})
  const weld = await entry('WD401', {
    level: 4,
    category: 'non_academic',
    achievementType: 'Certificate',
    credits: 3,
    field: 'welding',
    name: { zh: '焊工证书（四级）', en: 'Welding Certificate (Level 4)' },
  })
  // Outside uni-a's accreditation (level 7): waits in the queue, never reported.
  const phd = await entry('CS701', { level: 7, credits: 6, name: { zh: '博士研讨课', en: 'Doctoral Seminar' } })
  entries = { cs: cs.id, weld: weld.id, phd: phd.id }
  return entries
}

/** One character of a number replaced by the next one of the alphabet. */
function typo(number: string, at: number): string {
  const chars = [...number]
  const positions = chars.map((c, i) => (c === '-' || i < 3 ? -1 : i)).filter((i) => i >= 0)
  const i = positions[at]!
  chars[i] = CROCKFORD_ALPHABET[(CROCKFORD_ALPHABET.indexOf(chars[i]!) + 1) % 32]!
  return chars.join('')
}

describe('certification reports (HTTP)', () => {
  let sys: TestSystem
  let zhang: SessionAgent
  let li: SessionAgent
  let report: ReportView

  before(async () => {
    entries = undefined
    // The lookup limit has its own test below; here one address looks up within one frozen minute.
    sys = await startTestSystem({ CB_REPORT_LOOKUPS_PER_MINUTE: '100000' })
    await importOutcomes(sys, ZHANG, 'z')
    await importOutcomes(sys, LI, 'l')
    zhang = await signUp(sys)
    await verifyLearner(sys, zhang, ZHANG)
    li = await signUp(sys)
    await verifyLearner(sys, li, LI)
  })
  after(() => sys.close())
  beforeEach(() => sys.clock.advance(1))

  it('when a learner who is not real-name verified asks for a report, then 403 real_name_required and nothing is listed', async () => {
    const stranger = await signUp(sys)
    assertProblem(await stranger.post('/me/reports', {}), 403, 'real_name_required')
    assert.deepEqual((await stranger.get('/me/reports')).body, { items: [] })
  })

  it('when a learner asks for a report over all outcomes, then it covers the recognized ones with their totals, signed', async () => {
    const res = await zhang.post<ReportView>('/me/reports', {})
    assert.equal(res.status, 201, res.text)
    report = res.body
    assert.match(report.number, /^CB-[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/)
    assert.equal(res.headers.get('location'), `${sys.issuerUrl}/reports/${report.number}`)
    assert.equal(report.status, 'valid')
    assert.equal(report.outcomeIds.length, 2)
    assert.deepEqual(report.totals, {
      totalCredits: 6.5,
      byCategory: { academic: 4, non_academic: 2.5 },
      byLevel: { '1': 0, '2': 0, '3': 0, '4': 2.5, '5': 4, '6': 0, '7': 0 },
    })
    assert.deepEqual(report.pdfUrl, {
      zh: `${sys.issuerUrl}/reports/${report.number}?format=pdf&lang=zh`,
      en: `${sys.issuerUrl}/reports/${report.number}?format=pdf&lang=en`,
    })
    const listed = await zhang.get<{ items: ReportView[] }>('/me/reports')
    assert.deepEqual(
      listed.body.items.map((r) => r.number),
      [report.number],
    )
    assert.deepEqual((await li.get<{ items: ReportView[] }>('/me/reports')).body.items, [])
    const audit = (await listAudit(sys.issuer.ds, 0, 1000)).entries.filter((e) => e.action === 'certification_report_issued')
    assert.deepEqual(
      audit.map((e) => [e.subject.id, e.actor.type, e.actor.id]),
      [[report.number, 'user', zhang.user.id]],
    )
  })

  it('when the report is looked up by its number as JSON, then its credential verifies in the verifier service and with plain jose', async () => {
    const typed = report.number.toLowerCase().replace(/-/g, '')
    const res = await request<{ verifiableCredential: Record<string, unknown>; report: ReportView; details: Record<string, unknown> }>(
      sys,
      'GET',
      `/reports/${typed}`,
      { headers: { accept: 'application/json' } },
    )
    assert.equal(res.status, 200, res.text)
    assert.equal(res.body.report.number, report.number)
    const verified = await verify(sys, res.body.verifiableCredential)
    assert.equal(verified.status, 200, JSON.stringify(verified.body))
    assert.equal(verified.body.verified, true)
    assert.equal(check(verified.body, 'status'), 'passed')

    // Plain jose: the key the JWS names, taken from the bank's DID document.
    const jwt = jwtOf(res.body.verifiableCredential)
    const { kid, alg } = decodeProtectedHeader(jwt)
    const didDocument = (
      await request<{ verificationMethod: { id: string; publicKeyJwk: JWK }[]; assertionMethod: string[] }>(
        sys,
        'GET',
        '/.well-known/did.json',
      )
    ).body
    assert.ok(didDocument.assertionMethod.includes(kid!))
    const method = didDocument.verificationMethod.find((m) => m.id === kid)!
    const { payload } = await jwtVerify(jwt, await importJWK(method.publicKeyJwk, alg), { issuer: sys.did })
    const subject = payload.credentialSubject as Record<string, unknown>
    assert.equal(subject.reportNumber, report.number)
    assert.deepEqual((subject.coveredCredentials as { name: { '@value': string }[] }[]).map((c) => c.name[0]!['@value']).sort(), [
      '数据结构',
      '焊工证书（四级）',
    ])
    // Every covered credential pinned by the digest of its JWS.
    const related = payload.relatedResource as { id: string; digestSRI: string }[]
    assert.deepEqual(related.map((r) => r.id).sort(), [...(subject.coveredCredentials as { id: string }[]).map((c) => c.id)].sort())
    assert.ok(related.every((r) => r.digestSRI.startsWith('sha384-')))
    assert.equal((subject.identifier as { identityType: string }[])[0]!.identityType, 'nationalIdentityNumber')
    assert.ok(!JSON.stringify(payload).includes(ZHANG.idNumber), 'the identity number is never in the credential')
  })

  it('when a number has one character changed or two neighbours swapped, then 400 report_number_mistyped; an unknown number is 404', async () => {
    for (const at of [0, 7, 15])
      assertProblem(await request(sys, 'GET', `/reports/${typo(report.number, at)}`), 400, 'report_number_mistyped')
    const bare = report.number.replace(/^CB-/, '').replace(/-/g, '')
    for (let i = 0; i < 15; i++) {
      if (bare[i] === bare[i + 1]) continue
      const swapped = bare.slice(0, i) + bare[i + 1] + bare[i] + bare.slice(i + 2)
      assertProblem(await request(sys, 'GET', `/reports/${swapped}`), 400, 'report_number_mistyped')
    }
    assertProblem(await request(sys, 'GET', '/reports/CB-1234'), 400, 'report_number_malformed')
    const body = 'ZZZZZZZZZZZZZZZ'
    assertProblem(await request(sys, 'GET', `/reports/${body}${checkCharacter(body)}`), 404, 'not_found')
  })

  it('when the PDF is fetched (zh and en), then a page shows the number and the outcomes’ names, and its QR code opens the lookup', async () => {
    const zh = await fetch(`${sys.issuerUrl}/reports/${report.number}`, { headers: { accept: 'application/pdf' } })
    assert.equal(zh.status, 200)
    assert.equal(zh.headers.get('content-type'), 'application/pdf')
    const pdf = Buffer.from(await zh.arrayBuffer())
    assert.ok(pdf.length < 200_000, `the font is embedded as a subset (${pdf.length} bytes)`)
    const page = await renderPdfPage(pdf)
    assert.equal(page.pageCount, 1)
    for (const text of [report.number, '数据结构', '焊工证书（四级）', '甲大学', '学习成果认证报告', '3201**********', '6.5'])
      assert.ok(page.text.includes(text), `${text} in ${page.text}`)
    assert.ok(!page.text.includes(ZHANG.idNumber))
    assert.equal(page.qr, report.lookupUrl)

    const en = await fetch(report.pdfUrl.en)
    const enPage = await renderPdfPage(Buffer.from(await en.arrayBuffer()))
    for (const text of [report.number, 'Data Structures', 'Welding Certificate (Level 4)', 'University A', 'Credit totals'])
      assert.ok(enPage.text.includes(text), `${text} in ${enPage.text}`)
    assert.equal(enPage.qr, report.lookupUrl)
  })

  it('when a browser opens the lookup URL, then a zh page (en on ?lang=en) shows the report and hands it to the verifier', async () => {
    const page = await request(sys, 'GET', `/reports/${report.number}`, { headers: { accept: 'text/html,application/xhtml+xml' } })
    assert.equal(page.status, 200)
    assert.match(String(page.headers.get('content-type')), /^text\/html/)
    for (const text of [report.number, '数据结构', '有效', `${sys.verifierUrl}/credentials/verify`])
      assert.ok(page.text.includes(text), text)
    assert.match(String(page.headers.get('content-security-policy')), /script-src 'nonce-/)
    // The page's button posts the credential to the verifier from the bank's origin: the verifier allows it (CORS).
    const preflight = await fetch(`${sys.verifierUrl}/credentials/verify`, {
      method: 'OPTIONS',
      headers: {
        origin: new URL(sys.issuerUrl).origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    })
    assert.deepEqual([preflight.status, preflight.headers.get('access-control-allow-origin')], [204, new URL(sys.issuerUrl).origin])
    const en = await request(sys, 'GET', `/reports/${report.number}?lang=en`)
    for (const text of ['Learning-outcome certification report', 'Data Structures', 'valid']) assert.ok(en.text.includes(text), text)
  })

  it('when a learner chooses outcomes, then only recognized ones of theirs with standing credentials can be reported', async () => {
    const outcomes = (await zhang.get<{ items: { id: string; state: string }[] }>('/me/outcomes')).body.items
    const recognized = outcomes.filter((o) => o.state === 'recognized')
    const pending = outcomes.find((o) => o.state === 'pending')!
    const one = await zhang.post<ReportView>('/me/reports', { outcomeIds: [recognized[0]!.id] })
    assert.equal(one.status, 201)
    assert.deepEqual(one.body.outcomeIds, [recognized[0]!.id])
    assertProblem(await zhang.post('/me/reports', { outcomeIds: [pending.id] }), 409, 'outcome_not_reportable')
    const lisOutcome = (await li.get<{ items: { id: string }[] }>('/me/outcomes')).body.items[0]!
    assertProblem(await zhang.post('/me/reports', { outcomeIds: [lisOutcome.id] }), 404, 'not_found')
    assertProblem(await zhang.post('/me/reports', { outcomeIds: ['nope'] }), 400, 'invalid_request')
    assertProblem(await zhang.post('/me/reports', { outcomeIds: [recognized[0]!.id], extra: 1 }), 400, 'invalid_request')
  })

  it('when another learner revokes the report, then 404; when its learner does, then it is revoked and no longer verifies', async () => {
    const other = await signUp(sys)
    await verifyLearner(sys, other, TEST_IDENTITIES[2])
    assertProblem(await other.post(`/me/reports/${report.number}/revoke`), 404, 'not_found')
    const revoked = await zhang.post<ReportView>(`/me/reports/${report.number}/revoke`)
    assert.equal(revoked.status, 200, revoked.text)
    assert.equal(revoked.body.status, 'revoked')
    const again = await zhang.post<ReportView>(`/me/reports/${report.number}/revoke`)
    assert.deepEqual([again.status, again.body.revokedAt], [200, revoked.body.revokedAt])
    const found = await request<{ verifiableCredential: unknown; report: ReportView }>(sys, 'GET', `/reports/${report.number}`, {
      headers: { accept: 'application/json' },
    })
    assert.equal(found.body.report.status, 'revoked')
    sys.clock.advance(sys.config.statusListTtlSeconds + 1) // the verifier's cached status list expires
    const verified = await verify(sys, found.body.verifiableCredential)
    assert.equal(verified.body.verified, false)
    assert.equal(check(verified.body, 'status'), 'failed:revoked')
    const page = await renderPdfPage(Buffer.from(await (await fetch(report.pdfUrl.zh)).arrayBuffer()))
    assert.ok(page.text.includes('本报告已撤销'))
    assertProblem(await zhang.post(`/me/reports/${report.number}/reissue`), 409, 'report_revoked')
  })

  it('when an admin revokes a report, then it is revoked; a learner cannot use the admin route', async () => {
    const fresh = (await li.post<ReportView>('/me/reports', {})).body
    assertProblem(await li.post(`/reports/${fresh.number}/revoke`), 403, 'forbidden')
    const admin = await signUp(sys, { role: 'admin' })
    const res = await admin.post<ReportView>(`/reports/${fresh.number}/revoke`)
    assert.equal(res.status, 200, res.text)
    assert.equal(res.body.status, 'revoked')
    const audit = (await listAudit(sys.issuer.ds, 0, 1000)).entries.filter(
      (e) => e.action === 'certification_report_revoked' && e.subject.id === fresh.number,
    )
    assert.deepEqual(
      audit.map((e) => e.actor.id),
      [admin.user.id],
    )
  })

  it('when an outcome a report covers has its credential revoked, then the report is reissued under a new number without it', async () => {
    const current = (await zhang.post<ReportView>('/me/reports', {})).body
    assertProblem(await zhang.post(`/me/reports/${current.number}/reissue`), 409, 'report_up_to_date')
    const outcome = (await zhang.get<{ items: { id: string; credentialId: string | null }[] }>(`/me/outcomes/${current.outcomeIds[0]}`))
      .body as unknown as { id: string; credentialId: string }
    await sys.issuer.statusLists.setStatus(outcome.credentialId, 'revocation', true, { clientId: 'test-admin', admin: true })
    assertProblem(await zhang.post('/me/reports', { outcomeIds: [outcome.id] }), 409, 'outcome_not_reportable')
    const reissued = await zhang.post<ReportView>(`/me/reports/${current.number}/reissue`)
    assert.equal(reissued.status, 201, reissued.text)
    assert.notEqual(reissued.body.number, current.number)
    assert.deepEqual(reissued.body.outcomeIds, current.outcomeIds.slice(1))
    const old = await request<{ report: ReportView; verifiableCredential: unknown }>(sys, 'GET', `/reports/${current.number}`, {
      headers: { accept: 'application/json' },
    })
    assert.deepEqual([old.body.report.status, old.body.report.replacedBy], ['revoked', reissued.body.number])
    sys.clock.advance(sys.config.statusListTtlSeconds + 1)
    assert.equal((await verify(sys, old.body.verifiableCredential)).body.verified, false)
    const fresh = await request<{ verifiableCredential: unknown }>(sys, 'GET', `/reports/${reissued.body.number}`, {
      headers: { accept: 'application/json' },
    })
    assert.equal((await verify(sys, fresh.body.verifiableCredential)).body.verified, true)
  })

  it('when a report is reissued twice at once, then one reissue wins and the other is 409 report_revoked: one new report', async () => {
    const current = (await li.post<ReportView>('/me/reports', {})).body
    assert.equal(current.outcomeIds.length, 2)
    const outcome = (await li.get(`/me/outcomes/${current.outcomeIds[0]}`)).body as { credentialId: string }
    await sys.issuer.statusLists.setStatus(outcome.credentialId, 'revocation', true, { clientId: 'test-admin', admin: true })
    const before = (await li.get<{ items: ReportView[] }>('/me/reports?limit=100')).body.items.length
    const answers = await Promise.all([1, 2].map(() => li.post(`/me/reports/${current.number}/reissue`)))
    assert.deepEqual(answers.map((a) => a.status).sort(), [201, 409])
    assert.equal((answers.find((a) => a.status === 409)!.body as { code: string }).code, 'report_revoked')
    assert.equal((await li.get<{ items: ReportView[] }>('/me/reports?limit=100')).body.items.length, before + 1)
  })
})

describe('certification reports: guessing numbers', () => {
  let sys: TestSystem
  before(async () => {
    sys = await startTestSystem({ CB_REPORT_LOOKUPS_PER_MINUTE: '5' })
  })
  after(() => sys.close())

  it('when one address looks up more numbers than CB_REPORT_LOOKUPS_PER_MINUTE, then 429 with Retry-After, mistyped ones counted too', async () => {
    const body = 'ABCDEFGHJKMNPQR'
    const answers = []
    for (let i = 0; i < 5; i++)
      answers.push((await request(sys, 'GET', `/reports/${i % 2 ? 'CB-0000-0000-0000-0001' : body + checkCharacter(body)}`)).status)
    assert.deepEqual(answers, [404, 400, 404, 400, 404])
    const limited = await request(sys, 'GET', `/reports/${body}${checkCharacter(body)}`)
    assertProblem(limited, 429, 'rate_limited')
    assert.ok(Number(limited.headers.get('retry-after')) >= 1)
    // Other routes keep the general limit.
    assert.equal((await request(sys, 'GET', '/institutions')).status, 200)
    sys.clock.advance(61)
    assert.equal((await request(sys, 'GET', `/reports/${body}${checkCharacter(body)}`)).status, 404)
  })
})

describe('certification reports: demo data', () => {
  let sys: TestSystem
  before(async () => {
    const registry = path.join(mkdtempSync(path.join(tmpdir(), 'demo-registry-')), 'registry.json')
    writeFileSync(registry, JSON.stringify(DEMO_IDENTITIES))
    sys = await startTestSystem({ CB_IDENTITY_REGISTRY: registry })
  })
  after(() => sys.close())

  it('when the demo is seeded twice, then demo.json names one sample report whose lookup and PDF URLs answer', async () => {
    const urls = { issuer: sys.issuerUrl, verifier: sys.verifierUrl, wallet: 'http://localhost:1/' }
    const first = await seedDemo(sys.issuer, urls)
    const second = await seedDemo(sys.issuer, urls)
    const written = JSON.parse(readFileSync(second.file, 'utf8')) as { sampleReport: { number: string; lookupUrl: string; pdfUrl: string } }
    assert.deepEqual(written.sampleReport, first.sampleReport)
    assert.equal(written.sampleReport.lookupUrl, `${sys.issuerUrl}/reports/${written.sampleReport.number}`)
    assert.equal(written.sampleReport.pdfUrl, `${written.sampleReport.lookupUrl}?format=pdf&lang=zh`)
    const found = await request<{ verifiableCredential: unknown; report: ReportView }>(
      sys,
      'GET',
      `/reports/${written.sampleReport.number}`,
      {
        headers: { accept: 'application/json' },
      },
    )
    assert.equal(found.body.report.status, 'valid')
    assert.ok(found.body.report.outcomeIds.length >= 2)
    assert.equal((await verify(sys, found.body.verifiableCredential)).body.verified, true)
    const pdf = await fetch(written.sampleReport.pdfUrl)
    assert.deepEqual([pdf.status, pdf.headers.get('content-type')], [200, 'application/pdf'])
  })
})

describe('certification reports: the credit ledger’s caps', () => {
  let sys: TestSystem
  before(async () => {
    entries = undefined
    sys = await startTestSystem({ CB_REPORT_LOOKUPS_PER_MINUTE: '100000' })
    await importOutcomes(sys, ZHANG, 'z')
  })
  after(() => sys.close())

  it('when a cap holds an outcome back, then the report still covers and totals it, and its PDF and page mark it with the rule', async () => {
    const cap = { zh: '每所机构最多 5 学分', en: 'At most 5 credits from one institution' }
    await sys.issuer.ledger.createRule({ kind: 'per_institution', name: cap, parameters: { maxCredits: 5 } }, BANK_ACTOR)
    const zhang = await signUp(sys)
    await verifyLearner(sys, zhang, ZHANG)
    const report = (await zhang.post<ReportView>('/me/reports', {})).body
    assert.equal(report.totals.totalCredits, 6.5)
    const found = await request<{ details: { ledgerCredits: number; outcomes: { credits: number; heldBackBy?: unknown }[] } }>(
      sys,
      'GET',
      `/reports/${report.number}`,
      { headers: { accept: 'application/json' } },
    )
    assert.equal(found.body.details.ledgerCredits, 4)
    assert.deepEqual(
      found.body.details.outcomes.map((o) => [o.credits, o.heldBackBy ?? null]),
      [
        [2.5, cap],
        [4, null],
      ],
    )
    const zh = await renderPdfPage(Buffer.from(await (await fetch(report.pdfUrl.zh)).arrayBuffer()))
    for (const text of ['焊工证书（四级） *', '每所机构最多 5 学分', '其中计入学分账户: 4'])
      assert.ok(zh.text.includes(text), `${text} in ${zh.text}`)
    const page = await request(sys, 'GET', `/reports/${report.number}?lang=en`)
    for (const text of ['At most 5 credits from one institution', 'Of which counted in the credit ledger: 4'])
      assert.ok(page.text.includes(text), text)
  })
})

describe('certification reports: the learner’s personal data', () => {
  let sys: TestSystem
  before(async () => {
    entries = undefined
    sys = await startTestSystem({ CB_REPORT_LOOKUPS_PER_MINUTE: '100000' })
    await importOutcomes(sys, ZHANG, 'z')
  })
  after(() => sys.close())

  it('when a learner exports their data, then their reports are in it; when they close their account, then the reports are revoked and no longer found', async () => {
    const zhang = await signUp(sys)
    await verifyLearner(sys, zhang, ZHANG)
    const report = (await zhang.post<ReportView>('/me/reports', {})).body
    const exported = await zhang.get<{ reports: { report: ReportView; details: { learnerName: string } }[] }>('/me/export')
    assert.deepEqual(
      exported.body.reports.map((r) => [r.report.number, r.details.learnerName]),
      [[report.number, ZHANG.name]],
    )
    const json = { headers: { accept: 'application/json' } }
    const credential = (await request<{ verifiableCredential: unknown }>(sys, 'GET', `/reports/${report.number}`, json)).body
      .verifiableCredential

    const closed = await zhang.post<{ erased: string[] }>('/me/close', { confirm: true, password: 'correct horse battery staple' })
    assert.equal(closed.status, 200, closed.text)
    assert.ok(closed.body.erased.some((e) => e.includes('certification reports')))
    assertProblem(await request(sys, 'GET', `/reports/${report.number}`, json), 404, 'not_found')
    assertProblem(await request(sys, 'GET', `/reports/${report.number}?format=pdf`), 404, 'not_found')
    sys.clock.advance(sys.config.statusListTtlSeconds + 1)
    const verified = await verify(sys, credential)
    assert.equal(check(verified.body, 'status'), 'failed:revoked')
    const audit = (await listAudit(sys.issuer.ds, 0, 1000)).entries
    assert.ok(audit.some((e) => e.action === 'certification_reports_erased' && e.subject.id === zhang.user.id))
    assert.ok(!JSON.stringify(audit).includes(ZHANG.name), 'the name is in no audit entry')
  })
})
