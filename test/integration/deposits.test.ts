// Individual deposits (个人存入) over HTTP, on SQLite and on the PostgreSQL of CB_TEST_DATABASE_URL: multipart uploads
// with evidence typed by content (a PNG named .pdf refused, HTML refused), limits that leave nothing behind, evidence
// served to the learner and to the reviewer or expert whose queue holds the outcome (audited), withdrawal, and the
// learner following the decision: recognized with a credential that verifies, rejected with the reason, referred.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { VC_JWT_DATA_URL_PREFIX, VC_V2_CONTEXT } from '../../core/credentials/types.ts'
import { listAudit, type AuditView } from '../../issuer/audit/audit-trail.ts'
import { CredentialStore } from '../../issuer/credentials/credential-store.ts'
import { DepositStore } from '../../issuer/deposits/deposit-store.ts'
import { signUp, verifyLearner, type SessionAgent } from '../../fixtures/accounts.ts'
import { assertProblem, startTestSystem, TEST_IDENTITIES, verify, type TestSystem } from '../../fixtures/test-system.ts'

const MAX_BYTES = 4096
const MAX_FILES = 3

/** Small files that are what they say by their first bytes. */
const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n')
const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
  Buffer.from('JFIF\0 a tiny jpeg'),
  Buffer.from([0xff, 0xd9]),
])
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('\0\0\0\rIHDR a tiny png')])
const HTML = Buffer.from('<!doctype html><script>alert(document.cookie)</script>')
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

const CLAIM = {
  name: { zh: '企业数据分析实训', en: 'Enterprise data analysis practicum' },
  issuerName: '某某科技有限公司',
  category: 'non_academic',
  level: 4,
  field: 'data-science',
  credits: 2,
} as const
const SUBMISSION = { claim: CLAIM, result: '优秀', awardedDate: '2025-12-20' }

interface FilePart {
  readonly name: string
  readonly bytes: Uint8Array
  readonly type?: string
}

/** A deposit's multipart body, as a browser's FormData makes it. */
function form(deposit: unknown, files: readonly FilePart[]): FormData {
  const fd = new FormData()
  if (deposit !== undefined) fd.append('deposit', typeof deposit === 'string' ? deposit : JSON.stringify(deposit))
  for (const f of files) fd.append('evidence', new Blob([Buffer.from(f.bytes)], f.type ? { type: f.type } : {}), f.name)
  return fd
}

interface EvidenceJson {
  sha256: string
  mediaType: string
  size: number
  name: string
  href: string
}
interface DepositJson {
  id: string
  status: string
  outcomeId: string
  achievement: Record<string, unknown>
  result: string | null
  awardedDate: string
  reason: { zh: string | null; en: string | null } | null
  credentialId: string | null
  evidence: EvidenceJson[]
  createdAt: string
  referredAt: string | null
  decidedAt: string | null
  withdrawnAt: string | null
}

describe('deposits over HTTP', () => {
  let sys: TestSystem
  let learner: SessionAgent
  let other: SessionAgent
  let unverified: SessionAgent
  let reviewer: SessionAgent
  let expert: SessionAgent
  let staff: SessionAgent
  let admin: SessionAgent

  const deposit = (agent: SessionAgent, body: FormData, headers?: Record<string, string>) =>
    agent.request<DepositJson>('POST', '/deposits', { body, ...(headers ? { headers } : {}) })
  const depositOk = async (files: readonly FilePart[] = [{ name: '结业证书.pdf', bytes: PDF }], submission: unknown = SUBMISSION) => {
    const res = await deposit(learner, form(submission, files))
    assert.equal(res.status, 201, res.text)
    return res.body
  }
  /** What is stored: rows, content files, temporary files. */
  const stored = async () => ({
    ...(await new DepositStore(sys.issuer.ds).counts()),
    ...(await sys.issuer.deposits.evidenceStore.inventory()),
  })
  const evidencePath = (d: DepositJson, i = 0) => new URL(d.evidence[i]!.href).pathname
  const auditOf = async (action: string): Promise<AuditView[]> =>
    (await listAudit(sys.issuer.ds, 0, 1000)).entries.filter((e) => e.action === action)
  /** A reviewer's (decision) or expert's (expert-decision) decision over HTTP. */
  const decide = async (agent: SessionAgent, outcomeId: string, body: unknown, path = 'decision') => {
    const res = await agent.post(`/recognition/outcomes/${outcomeId}/${path}`, body)
    assert.equal(res.status, 200, res.text)
  }
  const asActor = (a: SessionAgent) => ({ type: 'user' as const, id: a.user.id, name: a.user.username })

  before(async () => {
    sys = await startTestSystem({ CB_EVIDENCE_MAX_BYTES: String(MAX_BYTES), CB_EVIDENCE_MAX_FILES: String(MAX_FILES) })
    learner = await signUp(sys)
    await verifyLearner(sys, learner, TEST_IDENTITIES[0])
    other = await signUp(sys)
    await verifyLearner(sys, other, TEST_IDENTITIES[1])
    unverified = await signUp(sys)
    reviewer = await signUp(sys, { role: 'reviewer' })
    expert = await signUp(sys, { role: 'expert' })
    admin = await signUp(sys, { role: 'admin' })
    await sys.issuer.alliance.create(
      { id: 'uni-a', type: 'university', name: { zh: '甲大学', en: 'University A' }, region: 'Jiangsu' },
      { type: 'system', id: 'test' },
    )
    staff = await signUp(sys, { role: 'staff', institutionId: 'uni-a' })
  })
  after(() => sys?.close())

  it('takes a PDF and a JPEG: 201, pending in the reviewer queue, evidence listed by content type, audited', async () => {
    const before = await stored()
    const res = await deposit(
      learner,
      form(SUBMISSION, [
        { name: '结业证书.pdf', bytes: PDF, type: 'application/pdf' },
        { name: 'C:\\Users\\me\\photo;1.JPG', bytes: JPEG },
      ]),
    )
    assert.equal(res.status, 201, res.text)
    const d = res.body
    assert.equal(res.headers.get('location'), `/deposits/${d.id}`)
    assert.equal(d.status, 'pending')
    assert.deepEqual(d.achievement, { catalogueEntryId: null, code: null, ...CLAIM })
    assert.equal(d.result, '优秀')
    assert.equal(d.awardedDate, '2025-12-20')
    assert.equal(d.credentialId, null)
    assert.equal(d.reason, null)
    assert.deepEqual(
      d.evidence.map(({ href, ...e }) => ({ ...e, href: new URL(href).pathname })),
      [
        {
          sha256: sha256(PDF),
          mediaType: 'application/pdf',
          size: PDF.length,
          name: '结业证书.pdf',
          href: `/deposits/${d.id}/evidence/${sha256(PDF)}`,
        },
        {
          sha256: sha256(JPEG),
          mediaType: 'image/jpeg',
          size: JPEG.length,
          name: 'photo_1.JPG',
          href: `/deposits/${d.id}/evidence/${sha256(JPEG)}`,
        },
      ],
    )
    // The learner reads it back, alone and in their list.
    const got = await learner.get<DepositJson>(`/deposits/${d.id}`)
    assert.equal(got.status, 200)
    assert.deepEqual(got.body, d)
    const list = await learner.get<{ items: DepositJson[] }>('/deposits')
    assert.ok(list.body.items.some((x) => x.id === d.id))
    // In the reviewers' queue (pending), not the experts' (referred); the queue item lists its evidence.
    const item = await reviewer.get<{ id: string; state: string; evidence: EvidenceJson[] }>(`/recognition/outcomes/${d.outcomeId}`)
    assert.equal(item.status, 200, item.text)
    assert.equal(item.body.state, 'pending')
    assert.deepEqual(item.body.evidence, d.evidence)
    assertProblem(await expert.get(`/recognition/outcomes/${d.outcomeId}`), 404, 'not_found')
    assert.deepEqual(await sys.issuer.deposits.evidenceFor(d.outcomeId), d.evidence)
    // Two rows, two content files, nothing temporary left.
    const after = await stored()
    assert.equal(after.deposits, before.deposits + 1)
    assert.equal(after.evidence, before.evidence + 2)
    assert.ok(after.stored.includes(sha256(PDF)) && after.stored.includes(sha256(JPEG)))
    assert.deepEqual(after.temporary, [])
    const [created] = (await auditOf('deposit_created')).filter((e) => e.subject.id === d.id)
    assert.deepEqual(created?.actor, asActor(learner))
    assert.deepEqual(created?.after, {
      outcomeId: d.outcomeId,
      evidence: [
        { sha256: sha256(PDF), mediaType: 'application/pdf', size: PDF.length },
        { sha256: sha256(JPEG), mediaType: 'image/jpeg', size: JPEG.length },
      ],
    })
  })

  it('takes an outcome of the catalogue by its entry id; an unknown entry is 400 and keeps nothing', async () => {
    const entry = await sys.issuer.catalogue.create(
      {
        institutionId: 'uni-a',
        code: 'CS101',
        achievementType: 'Course',
        credits: 3,
        level: 5,
        category: 'academic',
        field: 'computer-science',
        name: { zh: '程序设计基础', en: 'Programming Fundamentals' },
      },
      { type: 'system', id: 'test' },
    )
    const d = await depositOk([{ name: 'transcript.pdf', bytes: PDF }], {
      catalogueEntryId: entry.id,
      result: '92',
      awardedDate: '2025-07-01',
    })
    assert.equal(d.status, 'pending')
    assert.deepEqual(d.achievement, {
      catalogueEntryId: entry.id,
      code: 'CS101',
      name: { zh: '程序设计基础', en: 'Programming Fundamentals' },
      issuerName: '甲大学',
      level: 5,
      category: 'academic',
      field: 'computer-science',
      credits: 3,
    })
    const before = await stored()
    const unknown = await deposit(
      learner,
      form({ catalogueEntryId: 'no-such-entry', awardedDate: '2025-07-01' }, [{ name: 'a.jpg', bytes: JPEG }]),
    )
    assertProblem(unknown, 400, 'invalid_request')
    assert.deepEqual(await stored(), before)
  })

  it('refuses a PNG renamed .pdf (evidence_type_mismatch), and a declared type that disagrees with the content; nothing is kept', async () => {
    const before = await stored()
    assertProblem(await deposit(learner, form(SUBMISSION, [{ name: 'certificate.pdf', bytes: PNG }])), 415, 'evidence_type_mismatch')
    assertProblem(
      await deposit(learner, form(SUBMISSION, [{ name: 'certificate', bytes: PNG, type: 'application/pdf' }])),
      415,
      'evidence_type_mismatch',
    )
    // One bad file among good ones refuses the whole deposit.
    const mixed = await deposit(
      learner,
      form(SUBMISSION, [
        { name: 'ok.pdf', bytes: PDF },
        { name: 'scan.jpg', bytes: PNG },
      ]),
    )
    assertProblem(mixed, 415, 'evidence_type_mismatch')
    assert.match((mixed.body as unknown as { title: string }).title, /"scan\.jpg" is a image\/png file by its content/)
    assert.deepEqual(await stored(), before)
    // The same PNG under its real name is taken.
    const d = await depositOk([{ name: 'certificate.png', bytes: PNG }])
    assert.equal(d.evidence[0]!.mediaType, 'image/png')
  })

  it('refuses HTML (and anything not PDF, JPEG or PNG by its content) with 415 evidence_type_unsupported, whatever its name', async () => {
    const before = await stored()
    for (const [name, type] of [
      ['page.html', 'text/html'],
      ['page.pdf', 'application/pdf'],
      ['empty.png', undefined],
    ] as const) {
      const bytes = name === 'empty.png' ? new Uint8Array(0) : HTML
      assertProblem(
        await deposit(learner, form(SUBMISSION, [{ name, bytes, ...(type ? { type } : {}) }])),
        415,
        'evidence_type_unsupported',
      )
    }
    assert.deepEqual(await stored(), before)
  })

  it('refuses a file over CB_EVIDENCE_MAX_BYTES, too many files, or a body too large, with 413 and nothing stored', async () => {
    const before = await stored()
    const big = Buffer.concat([PDF, Buffer.alloc(MAX_BYTES, 0x20)])
    assertProblem(
      await deposit(
        learner,
        form(SUBMISSION, [
          { name: 'ok.pdf', bytes: PDF },
          { name: 'big.pdf', bytes: big },
        ]),
      ),
      413,
      'payload_too_large',
    )
    const many = Array.from({ length: MAX_FILES + 1 }, (_, i) => ({
      name: `p${i}.pdf`,
      bytes: Buffer.concat([PDF, Buffer.from(String(i))]),
    }))
    assertProblem(await deposit(learner, form(SUBMISSION, many)), 413, 'payload_too_large')
    // A body that says it is larger than any deposit may be is refused before it is read.
    const huge = Buffer.alloc(MAX_FILES * MAX_BYTES + 300 * 1024, 0x41)
    assertProblem(
      await learner.request('POST', '/deposits', { body: huge, headers: { 'content-type': 'multipart/form-data; boundary=x' } }),
      413,
      'payload_too_large',
    )
    // A chunked body (no Content-Length) is cut off once it passes what a deposit may be: 413, parsing stops.
    const boundary = 'deposit-boundary'
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0)
          controller.enqueue(
            Buffer.from(
              `--${boundary}\r\nContent-Disposition: form-data; name="deposit"\r\n\r\n${JSON.stringify(SUBMISSION)}\r\n` +
                `--${boundary}\r\nContent-Disposition: form-data; name="evidence"; filename="endless.pdf"\r\n\r\n%PDF-1.7\n`,
            ),
          )
        else if (sent > 4 * 1024 * 1024) controller.close()
        else controller.enqueue(Buffer.alloc(64 * 1024, 0x20))
        sent += 64 * 1024
      },
    })
    const streamed = await fetch(new URL('/deposits', sys.issuerUrl), {
      method: 'POST',
      headers: { cookie: learner.cookie, 'x-csrf-token': learner.csrf, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: stream,
      duplex: 'half',
    } as RequestInit)
    assert.equal(streamed.status, 413)
    assert.equal(((await streamed.json()) as { code: string }).code, 'payload_too_large')
    assert.deepEqual(await stored(), before)
  })

  it('refuses malformed deposits with 4xx and keeps nothing: not multipart, no JSON, bad JSON, no evidence, unexpected parts', async () => {
    const before = await stored()
    assertProblem(await learner.request('POST', '/deposits', { json: SUBMISSION }), 415, 'unsupported_media_type')
    assertProblem(await deposit(learner, form(undefined, [{ name: 'a.pdf', bytes: PDF }])), 400, 'invalid_request')
    assertProblem(await deposit(learner, form('{not json', [{ name: 'a.pdf', bytes: PDF }])), 400, 'invalid_request')
    const both = await deposit(learner, form({ ...SUBMISSION, catalogueEntryId: 'x' }, [{ name: 'a.pdf', bytes: PDF }]))
    assertProblem(both, 400, 'invalid_request')
    const noDate = await deposit(learner, form({ claim: CLAIM }, [{ name: 'a.pdf', bytes: PDF }]))
    assertProblem(noDate, 400, 'invalid_request')
    assert.ok((noDate.body as unknown as { issues: { path: string }[] }).issues.some((i) => i.path.startsWith('/deposit')))
    assertProblem(await deposit(learner, form(SUBMISSION, [])), 400, 'invalid_request')
    const extra = form(SUBMISSION, [{ name: 'a.pdf', bytes: PDF }])
    extra.append('attachment', new Blob([PDF]), 'b.pdf')
    assertProblem(await deposit(learner, extra), 400, 'invalid_request')
    // Recognition's own checks (a future date, an unknown level) are 400 too, and roll the deposit back.
    assertProblem(
      await deposit(learner, form({ ...SUBMISSION, awardedDate: '2030-01-01' }, [{ name: 'a.pdf', bytes: PDF }])),
      400,
      'invalid_request',
    )
    assertProblem(
      await deposit(learner, form({ ...SUBMISSION, claim: { ...CLAIM, level: 19 } }, [{ name: 'a.pdf', bytes: PDF }])),
      400,
      'invalid_request',
    )
    // Without the CSRF token a cookie session changes nothing.
    assertProblem(
      await learner.request('POST', '/deposits', { body: form(SUBMISSION, [{ name: 'a.pdf', bytes: PDF }]), noCsrf: true }),
      403,
      'csrf_failed',
    )
    assert.deepEqual(await stored(), before)
  })

  it('needs real-name verification (403 real_name_required) and a learner account (403 for other roles)', async () => {
    const before = await stored()
    assertProblem(await deposit(unverified, form(SUBMISSION, [{ name: 'a.pdf', bytes: PDF }])), 403, 'real_name_required')
    for (const agent of [reviewer, expert, staff, admin])
      assertProblem(await deposit(agent, form(SUBMISSION, [{ name: 'a.pdf', bytes: PDF }])), 403, 'forbidden')
    assert.deepEqual(await stored(), before)
  })

  it('takes the same deposit from files in memory (node.deposits.submit, for the demo data), with the same checks', async () => {
    const d = await sys.issuer.deposits.submit(learner.user.id, SUBMISSION, [{ name: 'memo.jpg', bytes: JPEG }], asActor(learner))
    assert.equal(d.status, 'pending')
    assert.deepEqual(
      d.evidence.map((e) => [e.name, e.mediaType]),
      [['memo.jpg', 'image/jpeg']],
    )
    const before = await stored()
    await assert.rejects(
      sys.issuer.deposits.submit(learner.user.id, SUBMISSION, [{ name: 'memo.pdf', bytes: PNG }], asActor(learner)),
      (err: { code?: string }) => err.code === 'evidence_type_mismatch',
    )
    await assert.rejects(
      sys.issuer.deposits.submit(unverified.user.id, SUBMISSION, [{ name: 'memo.png', bytes: PNG }], asActor(unverified)),
      (err: { code?: string }) => err.code === 'real_name_required',
    )
    assert.deepEqual(await stored(), before)
  })

  it('stores the same content once however many deposits carry it', async () => {
    const a = await depositOk([{ name: 'same.pdf', bytes: PDF }])
    const b = await depositOk([{ name: 'again.pdf', bytes: PDF }])
    assert.equal(a.evidence[0]!.sha256, b.evidence[0]!.sha256)
    const inv = await stored()
    assert.equal(inv.stored.filter((s) => s === sha256(PDF)).length, 1)
  })

  it('serves evidence to the learner and to a reviewer of the queue (audited); another learner gets 404, staff and admins 403', async () => {
    const d = await depositOk([{ name: '证书 2025.pdf', bytes: PDF }])
    const path = evidencePath(d)
    const reads = (await auditOf('evidence_read')).length

    const own = await fetch(new URL(path, sys.issuerUrl), { headers: { cookie: learner.cookie } })
    assert.equal(own.status, 200)
    assert.deepEqual(Buffer.from(await own.arrayBuffer()), PDF)
    assert.equal(own.headers.get('content-type'), 'application/pdf')
    assert.equal(
      own.headers.get('content-disposition'),
      `attachment; filename="__ 2025.pdf"; filename*=UTF-8''${encodeURIComponent('证书 2025.pdf')}`,
    )
    assert.equal(own.headers.get('x-content-type-options'), 'nosniff')
    assert.equal(own.headers.get('content-security-policy'), "default-src 'none'; sandbox")
    assert.equal(own.headers.get('cache-control'), 'private, no-store')
    assert.equal((await auditOf('evidence_read')).length, reads, "the learner's own read is not a staff read")

    const byReviewer = await fetch(new URL(path, sys.issuerUrl), { headers: { cookie: reviewer.cookie } })
    assert.equal(byReviewer.status, 200)
    assert.deepEqual(Buffer.from(await byReviewer.arrayBuffer()), PDF)
    const audited = (await auditOf('evidence_read')).at(-1)!
    assert.deepEqual(audited.actor, asActor(reviewer))
    assert.deepEqual(audited.subject, { type: 'evidence', id: `${d.id}/${sha256(PDF)}` })
    assert.deepEqual(audited.after, { depositId: d.id, outcomeId: d.outcomeId, sha256: sha256(PDF), role: 'reviewer' })

    assertProblem(await other.get(path), 404, 'not_found')
    assertProblem(await other.get(`/deposits/${d.id}`), 404, 'not_found')
    assert.ok(!(await other.get<{ items: DepositJson[] }>('/deposits')).body.items.some((x) => x.id === d.id))
    // The expert's queue holds referred outcomes only: this pending one is not in it.
    assertProblem(await expert.get(path), 404, 'not_found')
    assertProblem(await staff.get(path), 403, 'forbidden')
    assertProblem(await admin.get(path), 403, 'forbidden')
    assertProblem(await (await signUp(sys)).get(path), 404, 'not_found')
    // Evidence of another deposit under this deposit's id is not found either.
    assertProblem(await learner.get(`/deposits/${d.id}/evidence/${sha256(JPEG)}`), 404, 'not_found')
    assertProblem(await learner.get(`/deposits/${d.id}/evidence/not-a-hash`), 404, 'not_found')
    assert.equal((await auditOf('evidence_read')).length, reads + 1)
    const anonymous = await fetch(new URL(path, sys.issuerUrl))
    assert.equal(anonymous.status, 401)
  })

  it('withdraws a pending deposit once: 200 withdrawn, then 409; not another learner’s; its evidence leaves the queue', async () => {
    const d = await depositOk()
    assertProblem(await other.post(`/deposits/${d.id}/withdraw`), 404, 'not_found')
    const res = await learner.post<DepositJson>(`/deposits/${d.id}/withdraw`)
    assert.equal(res.status, 200, res.text)
    assert.equal(res.body.status, 'withdrawn')
    assert.equal(res.body.withdrawnAt, sys.clock().toISOString())
    assert.equal((await learner.get<DepositJson>(`/deposits/${d.id}`)).body.status, 'withdrawn')
    assertProblem(await learner.post(`/deposits/${d.id}/withdraw`), 409, 'outcome_already_decided')
    assertProblem(await reviewer.get(evidencePath(d)), 404, 'not_found')
    assert.equal((await learner.get(evidencePath(d))).status, 200)
    const [entry] = (await auditOf('deposit_withdrawn')).filter((e) => e.subject.id === d.id)
    assert.deepEqual(entry?.actor, asActor(learner))
  })

  it('of a withdrawal and a decision at once, or two withdrawals, exactly one wins; the other is 409', async () => {
    const twice = await depositOk()
    const both = await Promise.all([learner.post(`/deposits/${twice.id}/withdraw`), learner.post(`/deposits/${twice.id}/withdraw`)])
    assert.deepEqual(both.map((r) => r.status).sort(), [200, 409])
    const raced = await depositOk()
    const [withdrawn, decided] = await Promise.all([
      learner.post(`/deposits/${raced.id}/withdraw`),
      reviewer.post(`/recognition/outcomes/${raced.outcomeId}/decision`, { decision: 'approve' }),
    ])
    assert.deepEqual([withdrawn.status, decided.status].sort(), [200, 409])
    const final = (await learner.get<DepositJson>(`/deposits/${raced.id}`)).body
    assert.equal(final.status, withdrawn.status === 200 ? 'withdrawn' : 'recognized')
    assert.equal(final.credentialId === null, withdrawn.status === 200)
  })

  it('approved by a reviewer: the learner sees recognized with the credential id, and the credential verifies', async () => {
    const d = await depositOk()
    await decide(reviewer, d.outcomeId, { decision: 'approve' })
    const got = (await learner.get<DepositJson>(`/deposits/${d.id}`)).body
    assert.equal(got.status, 'recognized')
    assert.ok(got.credentialId?.startsWith('urn:uuid:'))
    assert.equal(got.decidedAt, sys.clock().toISOString())
    assertProblem(await learner.post(`/deposits/${d.id}/withdraw`), 409, 'outcome_already_decided')
    assertProblem(await reviewer.get(evidencePath(d)), 404, 'not_found')
    const stored = await new CredentialStore(sys.issuer.ds).find(got.credentialId!)
    assert.ok(stored)
    const report = await verify(sys, {
      '@context': [VC_V2_CONTEXT],
      id: `${VC_JWT_DATA_URL_PREFIX}${stored.document}`,
      type: 'EnvelopedVerifiableCredential',
    })
    assert.equal(report.status, 200, JSON.stringify(report.body.checks))
    assert.equal(report.body.verified, true, JSON.stringify(report.body.checks))
  })

  it('rejected with a reason: the learner reads the reason in both languages', async () => {
    const d = await depositOk()
    const reason = { zh: '证明材料不足以证明学习时长。', en: 'The evidence does not show the hours of study.' }
    await decide(reviewer, d.outcomeId, { decision: 'reject', reason })
    const got = (await learner.get<DepositJson>(`/deposits/${d.id}`)).body
    assert.equal(got.status, 'rejected')
    assert.deepEqual(got.reason, reason)
    assert.equal(got.credentialId, null)
  })

  it('referred to the expert committee: the expert reads the evidence (audited) and approves it', async () => {
    const d = await depositOk([{ name: 'scan.png', bytes: PNG }])
    await decide(reviewer, d.outcomeId, { decision: 'refer', reason: { zh: '非标准成果，请专家认定。', en: 'Outside the standards.' } })
    let got = (await learner.get<DepositJson>(`/deposits/${d.id}`)).body
    assert.equal(got.status, 'referred')
    assert.equal(got.referredAt, sys.clock().toISOString())
    assertProblem(await reviewer.get(evidencePath(d)), 404, 'not_found')
    const byExpert = await expert.get(evidencePath(d))
    assert.equal(byExpert.status, 200)
    assert.equal(byExpert.headers.get('content-type'), 'image/png')
    assert.deepEqual((await auditOf('evidence_read')).at(-1)?.actor, asActor(expert))
    await decide(expert, d.outcomeId, { decision: 'approve' }, 'expert-decision')
    got = (await learner.get<DepositJson>(`/deposits/${d.id}`)).body
    assert.equal(got.status, 'recognized')
    assert.ok(got.credentialId)
  })

  it('erases a learner’s evidence (account closing): rows gone and audited, content no other deposit names removed', async () => {
    const leaving = await signUp(sys)
    await verifyLearner(sys, leaving, TEST_IDENTITIES[3])
    const own = Buffer.concat([PDF, Buffer.from('only mine')])
    const mine = await deposit(
      leaving,
      form(SUBMISSION, [
        { name: 'own.pdf', bytes: own },
        { name: 'shared.png', bytes: PNG },
      ]),
    )
    assert.equal(mine.status, 201, mine.text)
    const shared = await depositOk([{ name: 'shared.png', bytes: PNG }])
    const before = await stored()
    assert.equal(await sys.issuer.deposits.eraseEvidenceForUser(leaving.user.id, asActor(leaving)), 2)
    const after = await stored()
    assert.equal(after.evidence, before.evidence - 2)
    assert.equal(after.deposits, before.deposits)
    assert.ok(!after.stored.includes(sha256(own)))
    assert.ok(after.stored.includes(sha256(PNG)))
    assertProblem(await leaving.get(evidencePath(mine.body, 0)), 404, 'not_found')
    assert.deepEqual((await leaving.get<DepositJson>(`/deposits/${mine.body.id}`)).body.evidence, [])
    assert.equal((await learner.get(evidencePath(shared))).status, 200)
    const [entry] = (await auditOf('evidence_erased')).filter((e) => e.subject.id === leaving.user.id)
    assert.deepEqual(entry?.before, {
      evidence: [
        { depositId: mine.body.id, sha256: sha256(own) },
        { depositId: mine.body.id, sha256: sha256(PNG) },
      ],
    })
    assert.equal(await sys.issuer.deposits.eraseEvidenceForUser(leaving.user.id, asActor(leaving)), 0)
  })

  it('pages a learner’s deposits newest first with a cursor; a foreign cursor is 400', async () => {
    const fresh = await signUp(sys)
    await verifyLearner(sys, fresh, TEST_IDENTITIES[2])
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      sys.clock.advance(1)
      const res = await deposit(fresh, form(SUBMISSION, [{ name: `p${i}.pdf`, bytes: Buffer.concat([PDF, Buffer.from(`page ${i}`)]) }]))
      assert.equal(res.status, 201, res.text)
      ids.push(res.body.id)
    }
    const first = await fresh.get<{ items: DepositJson[]; nextCursor?: string }>('/deposits?limit=2')
    assert.deepEqual(
      first.body.items.map((d) => d.id),
      [ids[2], ids[1]],
    )
    const second = await fresh.get<{ items: DepositJson[]; nextCursor?: string }>(`/deposits?limit=2&cursor=${first.body.nextCursor}`)
    assert.deepEqual(
      second.body.items.map((d) => d.id),
      [ids[0]],
    )
    assert.equal(second.body.nextCursor, undefined)
    assertProblem(await fresh.get('/deposits?cursor=bm9wZQ'), 400, 'invalid_request')
    assert.deepEqual(
      (await sys.issuer.deposits.listForUser(fresh.user.id)).map((d) => d.id),
      [ids[2], ids[1], ids[0]],
    )
  })
})
