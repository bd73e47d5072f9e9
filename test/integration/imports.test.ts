// Institution batch imports over HTTP (issue 7 item 5), on SQLite and on the PostgreSQL of CB_TEST_DATABASE_URL: a
// 10,000-row file with bad rows of every kind, the same file again, CSV with a BOM, CRLF and quoted commas, JSON Lines,
// the template, who may import and read which jobs, and a job another node takes over once the first node's lease expired.
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { Readable } from 'node:stream'
import path from 'node:path'
import { createIssuerNode } from '../../issuer/issuer-node.ts'
import { Imports, type ImportSink } from '../../issuer/imports/imports.ts'
import { StatusListStore } from '../../issuer/status/status-list-store.ts'
import { parseResidentId } from '../../core/identity/resident-id.ts'
import { AppError } from '../../core/errors.ts'
import { CredentialStore } from '../../issuer/credentials/credential-store.ts'
import { VC_JWT_DATA_URL_PREFIX, VC_V2_CONTEXT } from '../../core/credentials/types.ts'
import { request, signUp, type SessionAgent } from '../../fixtures/accounts.ts'
import { createApiClient } from '../../issuer/clients/api-clients.ts'
import {
  csvText,
  jsonlText,
  residentIdNumber,
  seedInstitution,
  validRow,
  wrongCheckIdNumber,
  type ImportFields,
  type SeededInstitution,
} from '../../fixtures/import-rows.ts'
import { assertProblem, auth, startTestSystem, storedSlots, verify, type TestSystem } from '../../fixtures/test-system.ts'
import { mod11_2CheckCharacter } from '../../core/identity/resident-id.ts'

interface JobJson {
  id: string
  institutionId: string
  state: string
  progress: { rowsDone: number; percent: number }
  counts: { rows: number; imported: number; duplicates: number; rejected: number; toReview: number }
  error?: { code: string }
}
interface ErrorJson {
  row: number
  column: string
  code: string
  messageZh: string
  messageEn: string
}

const withCheck = (body17: string) => body17 + mod11_2CheckCharacter(body17)

/**
 * One bad row of every kind, by the row's index in the file (its line is index + 2: the header is line 1), with the
 * (column, code) pairs it must be reported with.
 */
function badRows(s: SeededInstitution): Map<number, { fields: ImportFields; expect: [string, string][] }> {
  const bad = new Map<number, { fields: ImportFields; expect: [string, string][] }>()
  const add = (i: number, fields: ImportFields, ...expect: [string, string][]) => bad.set(i, { fields, expect })
  add(101, { id_number: '1234' }, ['id_number', 'id_number_format'])
  add(202, { id_number: wrongCheckIdNumber(202) }, ['id_number', 'id_number_checksum'])
  add(303, { id_number: withCheck('99010519900101001') }, ['id_number', 'id_number_region'])
  add(404, { id_number: withCheck('11010519901301001') }, ['id_number', 'id_number_birth_date'])
  add(505, { id_number: '' }, ['id_number', 'required'])
  add(606, { name: '' }, ['name', 'required'])
  add(707, { name: '名'.repeat(101) }, ['name', 'too_long'])
  add(808, { name: '张\t三' }, ['name', 'control_characters'])
  add(909, { record_key: '' }, ['record_key', 'required'])
  add(1010, { record_key: 'R0000003' }, ['record_key', 'record_key_repeated'])
  add(1111, { course_code: 'NO-SUCH' }, ['course_code', 'course_unknown'])
  add(1212, { course_code: s.retiredCode }, ['course_code', 'course_retired'])
  add(1313, { credits: 'abc' }, ['credits', 'credits_invalid'])
  add(1414, { credits: '-1' }, ['credits', 'credits_invalid'])
  add(1515, { credits: '1.234' }, ['credits', 'credits_invalid'])
  add(1616, { credits: '4.01' }, ['credits', 'credits_exceed'])
  add(1717, { awarded_date: '2026-02-30' }, ['awarded_date', 'date_invalid'])
  add(1818, { awarded_date: '2027-01-01' }, ['awarded_date', 'date_future'])
  add(1919, { start_date: '2026-01-15', end_date: '2026-01-10' }, ['start_date', 'date_order'])
  add(2020, { end_date: '20260110' }, ['end_date', 'date_invalid'])
  add(2121, { course_code: '', credits: '' }, ['course_code', 'required'], ['credits', 'required'])
  return bad
}

/** Rows that are valid but outside the institution's accreditation (level 7): to the recognition queue. */
const OUT_OF_SCOPE = [7, 3000, 9999]

async function importAs(
  agent: SessionAgent,
  body: string,
  type = 'text/csv',
  query = '',
): Promise<{ status: number; body: JobJson; headers: Headers }> {
  return agent.request<JobJson>('POST', `/imports${query}`, { body, headers: { 'content-type': type } })
}

async function runJobs(sys: TestSystem): Promise<void> {
  await sys.issuer.imports.runPending('test-runner')
}

describe('imports (HTTP)', function () {
  this.timeout(180_000)
  let sys: TestSystem
  let a: SeededInstitution
  let b: SeededInstitution
  let staffA: SessionAgent
  let staffB: SessionAgent

  before(async () => {
    sys = await startTestSystem()
    a = await seedInstitution(sys.issuer, 'uni-a')
    b = await seedInstitution(sys.issuer, 'uni-b')
    staffA = await signUp(sys, { role: 'staff', institutionId: a.institutionId })
    staffB = await signUp(sys, { role: 'staff', institutionId: b.institutionId })
  })
  after(() => sys?.close())

  it('when 10,000 rows hold bad rows of every kind, then each bad row is reported and the rest imported exactly once; the same file again adds nothing', async () => {
    const N = 10_000
    const bad = badRows(a)
    const rows: ImportFields[] = []
    for (let i = 0; i < N; i++) rows.push(validRow(i, OUT_OF_SCOPE.includes(i) ? a.outOfScopeCode : a.courseCode, bad.get(i)?.fields ?? {}))
    let text = csvText(rows)
    // A row with one field too many (the line of index 2222 is 2224).
    const lines = text.split('\r\n')
    lines[2223] += ',extra'
    text = lines.join('\r\n')
    const rejected = bad.size + 1

    const slotsTaken = () => new StatusListStore(sys.issuer.ds).positionsTaken()
    const slotsBefore = await slotsTaken()
    const created = await importAs(staffA, text)
    assert.equal(created.status, 202, JSON.stringify(created.body))
    assert.equal(created.headers.get('location'), `/imports/${created.body.id}`)
    assert.equal(created.body.state, 'queued')
    assert.equal(created.body.institutionId, a.institutionId)
    // The upload is stored sealed: no identity number, no row, not even the header in the clear.
    const storedFile = path.join(sys.config.dataDir, 'imports', `${created.body.id}.csv.sealed`)
    assert.doesNotMatch(readFileSync(storedFile, 'utf8'), /\d{17}[\dX]|record_key|R0000001/)
    await runJobs(sys)

    const job = await staffA.get<JobJson>(`/imports/${created.body.id}`)
    assert.equal(job.status, 200)
    assert.equal(job.body.state, 'done')
    assert.deepEqual(job.body.counts, {
      rows: N,
      imported: N - rejected - OUT_OF_SCOPE.length,
      duplicates: 0,
      rejected,
      toReview: OUT_OF_SCOPE.length,
    })
    assert.deepEqual([job.body.progress.rowsDone, job.body.progress.percent], [N, 100])
    assert.equal(existsSync(storedFile), false, 'the uploaded file is deleted when its job ends')

    // Each bad row, with its line, column and code; nothing else.
    const errors = await staffA.get<{ jobId: string; errors: ErrorJson[] }>(`/imports/${created.body.id}/errors?format=json`)
    assert.equal(errors.status, 200)
    const expected = [...bad].flatMap(([i, b]) => b.expect.map(([column, code]) => ({ row: i + 2, column, code })))
    expected.push({ row: 2224, column: '', code: 'row_field_count' })
    expected.sort((x, y) => x.row - y.row || x.column.localeCompare(y.column))
    assert.deepEqual(
      errors.body.errors.map(({ row, column, code }) => ({ row, column, code })),
      expected,
    )
    for (const e of errors.body.errors) assert.ok(e.messageZh && e.messageEn, JSON.stringify(e))
    // No identity number appears in the report, not even a bad one.
    assert.doesNotMatch(JSON.stringify(errors.body), /\d{17}[\dX]/)

    // The CSV report: a BOM, the header, one line per error.
    const csv = await staffA.get(`/imports/${created.body.id}/errors`)
    assert.equal(csv.status, 200)
    assert.match(String(csv.headers.get('content-type')), /^text\/csv/)
    assert.ok(csv.text.startsWith('row,column,code,message_zh,message_en\r\n'))
    const raw = await fetch(`${sys.issuerUrl}/imports/${created.body.id}/errors`, { headers: { cookie: staffA.cookie } })
    assert.deepEqual([...new Uint8Array(await raw.arrayBuffer()).subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a UTF-8 BOM')
    assert.equal(csv.text.trimEnd().split('\r\n').length, expected.length + 1)
    assert.ok(csv.text.includes('\r\n103,id_number,id_number_format,身份证号码应为18位'))

    // Exactly once: the bank holds one outcome per valid row, each learner exactly one.
    const valid = N - rejected
    assert.equal(await sys.issuer.recognition.countForInstitution(a.institutionId), valid)
    assert.deepEqual(await sys.issuer.recognition.countForImportJob(created.body.id), {
      recognized: N - rejected - OUT_OF_SCOPE.length,
      pending: OUT_OF_SCOPE.length,
    })
    const samples = [0, 1, 2, 3, 4999, 9998]
    const credentialIds: string[] = []
    for (const n of samples) {
      const parsed = parseResidentId(residentIdNumber(n), sys.clock)
      assert.ok(parsed.ok)
      const mine = await sys.issuer.recognition.listForLearner(sys.issuer.personalData.idNumberHash(parsed.id), { limit: 10 })
      assert.equal(mine.items.length, 1, `learner ${n}`)
      assert.equal(mine.items[0]!.recordKey, `R${String(n).padStart(7, '0')}`)
      credentialIds.push(mine.items[0]!.credentialId!)
    }
    // Sampled credentials verify through the verifier service, and their status slots are distinct.
    for (const c of await new CredentialStore(sys.issuer.ds).findMany(credentialIds)) {
      const vc = { '@context': [VC_V2_CONTEXT], id: `${VC_JWT_DATA_URL_PREFIX}${c.document}`, type: 'EnvelopedVerifiableCredential' }
      const report = await verify(sys, vc)
      assert.equal(report.body.verified, true, JSON.stringify(report.body.checks))
    }
    const slots = await storedSlots(sys, credentialIds)
    assert.equal(new Set(slots.map((s) => s.slot)).size, credentialIds.length)
    // A slot for each credential, and a few reserved ahead that no credential took (the rows left in the file are
    // estimated from its bytes): never the chunks' worth a reserve could run ahead by.
    const imported = N - rejected - OUT_OF_SCOPE.length
    const slotsAfter = await slotsTaken()
    assert.ok(slotsAfter - slotsBefore >= imported && slotsAfter - slotsBefore < imported + 100, `${slotsAfter - slotsBefore} slots`)

    // The same file again: every valid row a duplicate, nothing added.
    sys.clock.advance(60)
    const again = await importAs(staffA, text)
    assert.equal(again.status, 202)
    await runJobs(sys)
    const second = await staffA.get<JobJson>(`/imports/${again.body.id}`)
    assert.deepEqual(second.body.counts, { rows: N, imported: 0, duplicates: valid, rejected, toReview: 0 })
    assert.equal(await sys.issuer.recognition.countForInstitution(a.institutionId), valid)
    assert.equal(await slotsTaken(), slotsAfter, 'a file of duplicates signs nothing and reserves no slot')

    // The institution's jobs, newest first, paged.
    const page1 = await staffA.get<{ items: JobJson[]; nextCursor?: string }>('/imports?limit=1')
    assert.deepEqual(
      page1.body.items.map((j) => j.id),
      [again.body.id],
    )
    const page2 = await staffA.get<{ items: JobJson[]; nextCursor?: string }>(`/imports?limit=1&cursor=${page1.body.nextCursor}`)
    assert.ok(page2.body.items.some((j) => j.id === created.body.id))
  })

  it('when a CSV has a BOM, CRLF line ends and quoted fields with commas, quotes and line breaks, then it imports; JSON Lines too', async () => {
    const base = 20_000
    const header = 'course_code,record_key,id_number,name,credits,awarded_date,result,term'
    const row = (n: number, name: string, result: string) =>
      [b.courseCode, `Q${n}`, residentIdNumber(base + n), name, '3.5', '2026-01-05', result, '"2025, autumn"'].join(',')
    const text =
      '\uFEFF' +
      [header, row(1, '"Li, Lei"', '"A ""excellent"""'), row(2, '王芳', '"line one\r\nline two"'), row(3, 'Zhang', '')].join('\r\n') +
      '\r\n'
    const created = await importAs(staffB, text, 'text/csv; charset=utf-8')
    assert.equal(created.status, 202, JSON.stringify(created.body))
    await runJobs(sys)
    const job = await staffB.get<JobJson>(`/imports/${created.body.id}`)
    assert.deepEqual(job.body.counts, { rows: 3, imported: 3, duplicates: 0, rejected: 0, toReview: 0 })
    const parsed = parseResidentId(residentIdNumber(base + 2), sys.clock)
    assert.ok(parsed.ok)
    const [outcome] = (await sys.issuer.recognition.listForLearner(sys.issuer.personalData.idNumberHash(parsed.id), { limit: 5 })).items
    assert.equal(outcome!.result, 'line one\r\nline two')
    assert.equal(outcome!.term, '2025, autumn')
    assert.equal(outcome!.creditsEarned, 3.5)

    const jsonl =
      jsonlText([
        validRow(base + 10, b.courseCode, { record_key: 'J1' }),
        { ...validRow(base + 11, b.courseCode, { record_key: 'J2' }), credits: 2 } as unknown as ImportFields,
        validRow(base + 12, b.courseCode, { record_key: 'J3', id_number: wrongCheckIdNumber(base + 12) }),
      ]) + '\n{"record_key": 5, "unknown": 1}\nnot json\n'
    const jl = await importAs(staffB, jsonl, 'application/x-ndjson')
    assert.equal(jl.status, 202, JSON.stringify(jl.body))
    await runJobs(sys)
    const jlJob = await staffB.get<JobJson>(`/imports/${jl.body.id}`)
    assert.deepEqual(jlJob.body.counts, { rows: 5, imported: 2, duplicates: 0, rejected: 3, toReview: 0 })
    const errors = await staffB.get<{ errors: ErrorJson[] }>(`/imports/${jl.body.id}/errors?format=json`)
    assert.deepEqual(
      errors.body.errors.map(({ row, column, code }) => ({ row, column, code })),
      [
        { row: 3, column: 'id_number', code: 'id_number_checksum' },
        { row: 5, column: 'unknown', code: 'column_unknown' },
        { row: 6, column: '', code: 'row_not_json' },
      ],
    )
  })

  it('when staff download the template, then it is the header and one valid row, and it imports cleanly', async () => {
    const template = await staffB.get('/imports/template')
    assert.equal(template.status, 200)
    assert.match(String(template.headers.get('content-type')), /^text\/csv/)
    const [header, example, end] = template.text.replace(/^\uFEFF/, '').split('\r\n')
    assert.equal(header, 'record_key,id_number,name,course_code,credits,result,awarded_date,term,start_date,end_date')
    assert.ok(example!.includes(b.courseCode))
    assert.equal(end, '')
    const created = await importAs(staffB, template.text)
    assert.equal(created.status, 202)
    await runJobs(sys)
    const job = await staffB.get<JobJson>(`/imports/${created.body.id}`)
    assert.equal(job.body.state, 'done')
    assert.deepEqual(job.body.counts, { rows: 1, imported: 1, duplicates: 0, rejected: 0, toReview: 0 })
  })

  it('when the file is not one an import can read, then it is refused before it becomes a job', async () => {
    assertProblem(await importAs(staffA, 'record_key,id_number\r\nx,y\r\n'), 400, 'import_file_invalid')
    assertProblem(
      await importAs(staffA, 'record_key,id_number,name,course_code,credits,awarded_date,colour\r\n'),
      400,
      'import_file_invalid',
    )
    assertProblem(await importAs(staffA, '', 'text/csv'), 400, 'import_file_invalid')
    const latin1 = Buffer.concat([
      Buffer.from('record_key,id_number,name,course_code,credits,awarded_date\r\nk,1,'),
      Buffer.from([0xe9]),
      Buffer.from(',c,1,2026-01-01\r\n'),
    ])
    assertProblem(
      await staffA.request('POST', '/imports', { body: latin1, headers: { 'content-type': 'text/csv' } }),
      400,
      'import_file_invalid',
    )
    assertProblem(await importAs(staffA, '{}', 'application/json'), 415, 'unsupported_media_type')

    // A stored upload changed on disk does not open: the job fails, nothing is imported.
    const tampered = await importAs(staffA, csvText([validRow(60_000, a.courseCode, { record_key: 'T1' })]))
    assert.equal(tampered.status, 202)
    const file = path.join(sys.config.dataDir, 'imports', `${tampered.body.id}.csv.sealed`)
    const sealed = readFileSync(file, 'utf8')
    writeFileSync(file, sealed.slice(0, 40) + (sealed[40] === 'A' ? 'B' : 'A') + sealed.slice(41))
    await runJobs(sys)
    const failed = await staffA.get<JobJson>(`/imports/${tampered.body.id}`)
    assert.equal(failed.body.state, 'failed')
    assert.equal(failed.body.error?.code, 'import_file_changed')
    assert.deepEqual(failed.body.counts, { rows: 0, imported: 0, duplicates: 0, rejected: 0, toReview: 0 })
    const list = await staffA.get<{ items: JobJson[] }>('/imports?limit=100')
    assert.equal(list.body.items.length, 3, 'the two jobs of the first test and the tampered one')
  })

  it('when staff of B ask for A, then they get 403 importing for A and 404 for any of its jobs', async () => {
    const mine = await staffA.get<{ items: JobJson[] }>('/imports?limit=1')
    const jobA = mine.body.items[0]!.id
    assertProblem(await staffB.get(`/imports/${jobA}`), 404, 'not_found')
    assertProblem(await staffB.get(`/imports/${jobA}/errors`), 404, 'not_found')
    assertProblem(await staffB.get(`/imports/${jobA}/errors?format=json`), 404, 'not_found')
    assertProblem(
      await importAs(staffB, csvText([validRow(1, a.courseCode)]), 'text/csv', `?institution=${a.institutionId}`),
      403,
      'forbidden',
    )
    assertProblem(await staffB.get(`/imports?institution=${a.institutionId}`), 403, 'forbidden')
    assertProblem(await staffB.get(`/imports/template?institution=${a.institutionId}`), 403, 'forbidden')
    const listB = await staffB.get<{ items: JobJson[] }>('/imports?limit=100')
    assert.ok(listB.body.items.every((j) => j.institutionId === b.institutionId))
    const learner = await signUp(sys, { role: 'learner' })
    assertProblem(await importAs(learner, csvText([validRow(1, a.courseCode)])), 403, 'forbidden')
    assertProblem(await learner.get(`/imports/${jobA}`), 403, 'forbidden')
  })
  it('when an API client imports, then one bound to an institution acts for it alone and an admin client names the institution', async () => {
    const bound = await createApiClient(sys.issuer.ds, sys.clock, {
      name: 'uni-a system',
      scopes: ['imports:write'],
      institutionId: a.institutionId,
    })
    const admin = await createApiClient(sys.issuer.ds, sys.clock, { name: 'bank admin', scopes: ['admin'] })
    const issuing = await createApiClient(sys.issuer.ds, sys.clock, { name: 'issuing only', scopes: ['credentials:issue'] })
    const send = (token: string, query = '', body = csvText([validRow(70_000, a.courseCode, { record_key: `C${query.length}` })])) =>
      request<JobJson>(sys, 'POST', `/imports${query}`, { body, headers: { 'content-type': 'text/csv', ...auth(token) } })

    const created = await send(bound.token)
    assert.equal(created.status, 202, created.text)
    assert.equal(created.body.institutionId, a.institutionId)
    assertProblem(await send(bound.token, `?institution=${b.institutionId}`), 403, 'forbidden')
    const jobsOfB = await staffB.get<{ items: JobJson[] }>('/imports?limit=1')
    assertProblem(await request(sys, 'GET', `/imports/${jobsOfB.body.items[0]!.id}`, { headers: auth(bound.token) }), 404, 'not_found')

    assertProblem(await send(admin.token), 400, 'invalid_request')
    const forB = await send(admin.token, `?institution=${b.institutionId}`)
    assert.equal(forB.status, 202, forB.text)
    assert.equal(forB.body.institutionId, b.institutionId)
    const read = await request<JobJson>(sys, 'GET', `/imports/${created.body.id}`, { headers: auth(admin.token) })
    assert.equal(read.status, 200)
    assert.equal(read.body.id, created.body.id)

    assertProblem(await send(issuing.token), 403, 'forbidden')
    await runJobs(sys)
  })
})

describe('imports: a job another node takes over', function () {
  this.timeout(120_000)
  let sys: TestSystem
  let a: SeededInstitution

  before(async () => {
    sys = await startTestSystem()
    a = await seedInstitution(sys.issuer, 'uni-c')
  })
  after(() => sys?.close())

  /** The node's import engine in chunks of 1,000, with recognition's use cases as `sink` overrides them (a stand-in that fails or races). */
  const engineWith = (sink: Partial<ImportSink>): Imports => {
    const node = sys.issuer
    return new Imports({
      ds: node.ds,
      clock: sys.clock,
      log: node.log,
      protector: node.personalData,
      catalogue: node.catalogue,
      institutions: node.alliance,
      sink: {
        prepareImportBatch: (batch, actor, opts) => node.recognition.prepareImportBatch(batch, actor, opts),
        writeImportBatch: (m, batch) => node.recognition.writeImportBatch(m, batch),
        countForInstitution: (id) => node.recognition.countForInstitution(id),
        ...sink,
      },
      slots: node.statusLists,
      dataDir: sys.config.dataDir,
      chunkRows: 1000,
    })
  }

  it('when the first node stops mid-job, then a second node resumes it once the lease expired, and every row is there exactly once', async () => {
    const staff = await signUp(sys, { role: 'staff', institutionId: a.institutionId })
    const N = 2500
    const rows = Array.from({ length: N }, (_, i) => validRow(50_000 + i, a.courseCode))
    const created = await importAs(staff, csvText(rows))
    assert.equal(created.status, 202)

    // Node A works the job with a recognition that fails on its second chunk, as a node that dies would stop.
    const node = sys.issuer
    let calls = 0
    const nodeA = engineWith({
      writeImportBatch: (m, batch) => {
        if (++calls === 2) throw new Error('node A died')
        return node.recognition.writeImportBatch(m, batch)
      },
    })
    await assert.rejects(nodeA.run(created.body.id, 'node-a'), /node A died/)
    const stalled = await staff.get<JobJson>(`/imports/${created.body.id}`)
    assert.equal(stalled.body.state, 'running')
    assert.equal(stalled.body.progress.rowsDone, 1000)

    // Node B: another issuer node on the same database, with its own runner pass.
    const nodeB = await createIssuerNode(sys.config, { clock: sys.clock, log: node.log })
    try {
      assert.equal(await nodeB.imports.runPending('node-b'), 0, 'the lease of node A is still live')
      sys.clock.advance(31)
      assert.equal(await nodeB.imports.runPending('node-b'), 1)
    } finally {
      await nodeB.close()
    }
    const done = await staff.get<JobJson>(`/imports/${created.body.id}`)
    assert.equal(done.body.state, 'done')
    assert.deepEqual(done.body.counts, { rows: N, imported: N, duplicates: 0, rejected: 0, toReview: 0 })
    assert.equal(await node.recognition.countForInstitution(a.institutionId), N)
  })

  it('when a job resumes after a crash, then a record key repeated from before the crash is still reported as repeated', async () => {
    const staff = await signUp(sys, { role: 'staff', institutionId: a.institutionId })
    // Chunks of 1,000: row 100's key comes back at row 2,500, after the crash in the second chunk.
    const rows = Array.from({ length: 3000 }, (_, i) => validRow(90_000 + i, a.courseCode, i === 2500 ? { record_key: 'R0090100' } : {}))
    const created = await importAs(staff, csvText(rows))
    const node = sys.issuer
    let calls = 0
    const crashing = engineWith({
      writeImportBatch: (m, batch) => {
        if (++calls === 2) throw new Error('crash')
        return node.recognition.writeImportBatch(m, batch)
      },
    })
    await assert.rejects(crashing.run(created.body.id, 'node-x'), /crash/)
    sys.clock.advance(31)
    assert.equal(await node.imports.runPending('node-y'), 1)
    const job = await staff.get<JobJson>(`/imports/${created.body.id}`)
    assert.deepEqual(job.body.counts, { rows: 3000, imported: 2999, duplicates: 0, rejected: 1, toReview: 0 })
    const errors = await staff.get<{ errors: ErrorJson[] }>(`/imports/${created.body.id}/errors?format=json`)
    assert.deepEqual(
      errors.body.errors.map(({ row, column, code }) => ({ row, column, code })),
      [{ row: 2502, column: 'record_key', code: 'record_key_repeated' }],
    )
  })

  it('when another job stores a record key of a chunk after the chunk was prepared, then the chunk is prepared again and that row is a duplicate', async () => {
    const staff = await signUp(sys, { role: 'staff', institutionId: a.institutionId })
    const rows = Array.from({ length: 1500 }, (_, i) => validRow(70_000 + i, a.courseCode))
    const created = await importAs(staff, csvText(rows))
    const node = sys.issuer
    const before = await node.recognition.countForInstitution(a.institutionId)
    let preparations = 0
    const racing = engineWith({
      prepareImportBatch: async (batch, actor, opts) => {
        const prepared = await node.recognition.prepareImportBatch(batch, actor, opts)
        // Between the second chunk's preparation and its write, another job records the chunk's first row.
        if (++preparations === 2) await node.recognition.recordImportBatch([batch[0]!], actor)
        return prepared
      },
    })
    const ended = await racing.run(created.body.id, 'node-s')
    assert.equal(ended?.state, 'done')
    assert.deepEqual(ended.counts, { rows: 1500, imported: 1499, duplicates: 1, rejected: 0, toReview: 0 })
    assert.equal(preparations, 3, 'the second chunk was prepared again')
    assert.equal(await node.recognition.countForInstitution(a.institutionId), before + 1500, 'every row is there once')
  })

  it('when an upload is larger than the cap, then it is refused with 413 and nothing is kept', async () => {
    const dir = path.join(sys.config.dataDir, 'imports')
    const before = existsSync(dir) ? readdirSync(dir).length : 0
    await assert.rejects(
      sys.issuer.imports.receiveFile(Readable.from([Buffer.from('record_key,'), Buffer.from('x'.repeat(100))]), 'csv', 64),
      (err: unknown) => err instanceof AppError && err.code === 'payload_too_large',
    )
    assert.equal(readdirSync(dir).length, before)
  })

  it('when an upload declares more than 1 GiB, then it is refused with 413 before its body is read, and the connection closed', async () => {
    const staff = await signUp(sys, { role: 'staff', institutionId: a.institutionId })
    const answer = await new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
      const req = httpRequest(
        `${sys.issuerUrl}/imports`,
        {
          method: 'POST',
          headers: {
            cookie: staff.cookie,
            'x-csrf-token': staff.csrf,
            'content-type': 'text/csv',
            'content-length': String(2 * 1024 ** 3),
          },
        },
        (res) => {
          let body = ''
          res.on('data', (d: Buffer) => (body += d))
          res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }))
        },
      )
      req.on('error', reject)
      req.write('record_key,id_number\r\n')
    })
    assert.equal(answer.status, 413)
    assert.equal(answer.connection, 'close')
    assert.equal((JSON.parse(answer.body) as { code: string }).code, 'payload_too_large')
  })

  it('when recognition refuses a chunk, then the job fails with its code and keeps what was committed before it', async () => {
    const staff = await signUp(sys, { role: 'staff', institutionId: a.institutionId })
    const rows = Array.from({ length: 1500 }, (_, i) => validRow(80_000 + i, a.courseCode))
    const created = await importAs(staff, csvText(rows))
    const node = sys.issuer
    let calls = 0
    const refusing = engineWith({
      prepareImportBatch: (batch, actor, opts) => {
        if (++calls === 2) throw new AppError('invalid_request', 'a row recognition does not accept')
        return node.recognition.prepareImportBatch(batch, actor, opts)
      },
    })
    const ended = await refusing.run(created.body.id, 'node-r')
    assert.equal(ended?.state, 'failed')
    const job = await staff.get<JobJson>(`/imports/${created.body.id}`)
    assert.equal(job.body.state, 'failed')
    assert.equal(job.body.error?.code, 'invalid_request')
    assert.deepEqual(job.body.counts, { rows: 1000, imported: 1000, duplicates: 0, rejected: 0, toReview: 0 })
    assert.equal(await refusing.runPending('node-r'), 0, 'a failed job is not picked up again')
  })
})
