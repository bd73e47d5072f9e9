// The public report lookup benchmark: GET /reports/{number} (Accept: application/json, the signed credential and what
// the report shows) against a bank holding 1,000,000 credentials (default), in requests per second and p99 latency.
// Setup speed: one real report is asked for through the use case (a verified learner, recognized outcomes, a signed
// CertificationReportCredential); then the store is filled directly with SQL — N credential rows (the first
// `reports` of them copies of the real report credential's JWS, the rest ~600-byte stand-ins) and `reports` report rows
// pointing at them with fresh numbers. Nothing is signed in the fill: the lookup reads, it never signs. The load runs
// in a worker thread (its own event loop) over keep-alive sockets on loopback, numbers drawn at random, and the lookup
// limit is lifted (CB_REPORT_LOOKUPS_PER_MINUTE) so the figure is the lookup's, not the limiter's. SQLite (the default
// store). Run alone:
//   npx tsx bench/report-lookup.ts [--credentials N] [--reports N] [--seconds S] [--connections C] [--json]
import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'
import { sql, transaction } from '../core/store/sql.ts'
import { residentIdIdentityObject } from '../core/identity/identity-object.ts'
import { parseResidentId } from '../core/identity/resident-id.ts'
import { startTestSystem, TEST_IDENTITIES, type TestSystem } from '../fixtures/test-system.ts'
import { seedInstitution } from '../fixtures/import-rows.ts'
import { BANK_ACTOR, CLI_ACTOR } from '../issuer/audit/audit-trail.ts'
import { newReportNumber } from '../issuer/reports/report-number.ts'
import { ReportStore } from '../issuer/reports/report-store.ts'
import { PRIVACY_NOTICE } from '../issuer/accounts/personal-data-notice.ts'
import type { Figure } from './report.ts'

/** The issue asks for the figure at 1,000,000 credentials stored; no target is set for it. */
export interface LookupOptions {
  readonly credentials: number
  readonly reports: number
  readonly seconds: number
  readonly connections: number
}
export const LOOKUP_DEFAULTS: LookupOptions = { credentials: 1_000_000, reports: 10_000, seconds: 10, connections: 16 }

export interface LookupRun {
  readonly credentials: number
  readonly reports: number
  readonly fillSeconds: number
  readonly requests: number
  readonly errors: number
  readonly seconds: number
  readonly perSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly connections: number
}

const LOAD = `
const { parentPort, workerData } = require('node:worker_threads')
const { connect } = require('node:net')
const { port, numbers, seconds, connections } = workerData
const latencies = []
let errors = 0, open = connections
const started = performance.now(), deadline = started + seconds * 1000
let lastDone = started
const finish = () => { if (--open === 0) parentPort.postMessage({ latencies, errors, seconds: (lastDone - started) / 1000 }) }
for (let c = 0; c < connections; c++) {
  const socket = connect({ host: '127.0.0.1', port, noDelay: true })
  let pending = Buffer.alloc(0), sentAt = 0, ended = false
  const end = () => { if (!ended) { ended = true; socket.end(); finish() } }
  const next = () => {
    if (performance.now() >= deadline) return end()
    const n = numbers[Math.floor(Math.random() * numbers.length)]
    sentAt = performance.now()
    socket.write('GET /reports/' + n + ' HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nAccept: application/json\\r\\nConnection: keep-alive\\r\\n\\r\\n')
  }
  socket.on('connect', next)
  socket.on('data', (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk
    const headerEnd = pending.indexOf('\\r\\n\\r\\n')
    if (headerEnd < 0) return
    const head = pending.toString('latin1', 0, headerEnd)
    const m = /\\r\\ncontent-length:\\s*(\\d+)/i.exec(head)
    if (!m) { errors++; return end() }
    const total = headerEnd + 4 + Number(m[1])
    if (pending.length < total) return
    const now = performance.now()
    latencies.push(now - sentAt)
    lastDone = now
    if (!head.startsWith('HTTP/1.1 200') || !pending.includes('verifiableCredential', headerEnd)) errors++
    pending = Buffer.alloc(0)
    next()
  })
  socket.on('error', () => { errors++; end() })
}
`

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))] ?? NaN

/** A verified learner with recognized outcomes and one report asked for through the use case: the report to copy. */
async function realReport(sys: TestSystem): Promise<{ number: string; credentialId: string }> {
  const node = sys.issuer
  const inst = await seedInstitution(node, 'bench-uni')
  const person = TEST_IDENTITIES[0]
  const parsed = parseResidentId(person.idNumber, sys.clock)
  if (!parsed.ok) throw new Error(parsed.code)
  const learner = { idHash: node.personalData.idNumberHash(parsed.id), identityObject: residentIdIdentityObject(parsed.id) }
  const entry = await node.catalogue.create(
    {
      institutionId: inst.institutionId,
      code: 'BENCH-DS201',
      achievementType: 'Course',
      credits: 4,
      level: 5,
      category: 'academic',
      field: 'computer-science',
      name: { zh: '数据结构', en: 'Data Structures' },
    },
    BANK_ACTOR,
  )
  await node.recognition.recordImportBatch(
    [1, 2, 3].map((i) => ({
      institutionId: inst.institutionId,
      recordKey: `bench-${i}`,
      learner,
      catalogueEntryId: entry.id,
      creditsEarned: 1,
      awardedDate: `2025-0${i}-01`,
    })),
    BANK_ACTOR,
  )
  const { user } = await node.accounts.register({
    username: 'bench-learner',
    password: 'correct horse battery staple',
    displayName: 'bench',
  })
  await node.learnerIdentity.verify(
    user.id,
    { name: person.name, idNumber: person.idNumber, consent: { noticeVersion: PRIVACY_NOTICE.version } },
    CLI_ACTOR,
  )
  const report = await node.reports.request(user.id, undefined, { type: 'user', id: user.id })
  return { number: report.number, credentialId: report.credentialId }
}

/** Fills the store directly (SQL) up to `credentials` credential rows and `reports` reports; returns the numbers. */
async function fill(
  sys: TestSystem,
  real: { number: string; credentialId: string },
  credentials: number,
  reports: number,
): Promise<string[]> {
  const ds = sys.issuer.ds
  const [stored] = await sql<{ document: string; issuer: string; types: string }>(
    ds,
    'SELECT document, issuer, types FROM cb_credential WHERE id = ?',
    [real.credentialId],
  )
  const template = (await new ReportStore(ds).find(real.number))!
  const [{ n: existing }] = (await sql<{ n: number | string }>(ds, 'SELECT COUNT(*) AS n FROM cb_credential')) as [{ n: number | string }]
  const toAdd = Math.max(0, credentials - Number(existing))
  const filler = `eyJhbGciOiJFZERTQSJ9.${'A'.repeat(560)}.${'B'.repeat(86)}`
  const now = new Date().toISOString()
  const BATCH = 50_000
  // Status slots far above any real list (9,000,000+): unique (list, index) pairs that no real credential uses.
  for (let from = 0; from < toAdd; from += BATCH) {
    const count = Math.min(BATCH, toAdd - from)
    await transaction(ds, async (m) => {
      await sql(
        m,
        `WITH RECURSIVE seq(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
         INSERT INTO cb_credential (id, issuer, types, subject, format, document, status_list_id, status_index, client_id, issued_at)
         SELECT 'urn:credit-bank:bench:' || i, ?, ?, NULL, 'vc+jwt', CASE WHEN i < ? THEN ? ELSE ? END, 9000000 + i / 131072, i % 131072, NULL, ?
         FROM seq`,
        [from, from + count - 1, stored!.issuer, stored!.types, reports, stored!.document, filler, now],
      )
    })
  }
  const numbers: string[] = [real.number]
  for (let from = 0; from < reports; from += 1000) {
    await transaction(ds, async (m) => {
      const s = new ReportStore(m)
      for (let i = from; i < Math.min(reports, from + 1000); i++) {
        const number = newReportNumber()
        numbers.push(number)
        await s.insert({ ...template, number, credentialId: `urn:credit-bank:bench:${i}`, createdAt: now })
      }
    })
  }
  return numbers
}

/** Starts a bank, fills it, loads GET /reports/{number}; the figures of this run. */
export async function runReportLookupBench(opts: Partial<LookupOptions> = {}): Promise<LookupRun> {
  const o = { ...LOOKUP_DEFAULTS, ...opts }
  delete process.env.CB_TEST_DATABASE_URL
  const sys = await startTestSystem({
    CB_LOG_LEVEL: 'silent',
    CB_RATE_LIMIT_PER_MINUTE: '1000000000',
    CB_REPORT_LOOKUPS_PER_MINUTE: '1000000000',
  })
  try {
    const started = performance.now()
    const real = await realReport(sys)
    const numbers = await fill(sys, real, o.credentials, o.reports)
    const fillSeconds = (performance.now() - started) / 1000
    const port = Number(new URL(sys.issuerUrl).port)
    const run = (seconds: number) =>
      new Promise<{ latencies: number[]; errors: number; seconds: number }>((resolve, reject) => {
        const w = new Worker(LOAD, { eval: true, workerData: { port, numbers, seconds, connections: o.connections } })
        w.once('message', resolve)
        w.once('error', reject)
      })
    await run(2) // warm-up: JIT, SQLite page cache
    const r = await run(o.seconds)
    const sorted = r.latencies.slice().sort((a, b) => a - b)
    return {
      credentials: o.credentials,
      reports: numbers.length,
      fillSeconds,
      requests: r.latencies.length,
      errors: r.errors,
      seconds: r.seconds,
      perSecond: r.latencies.length / r.seconds,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      connections: o.connections,
    }
  } finally {
    await sys.close()
  }
}

/** The figure `npm run bench` prints. */
export async function reportLookupFigures(credentials: number, log: (line: string) => void): Promise<Figure[]> {
  log(
    `report lookup: filling the store with ${credentials.toLocaleString('en-US')} credentials (SQL, no signing), then GET /reports/{number}…`,
  )
  const r = await runReportLookupBench({ credentials })
  return [
    {
      id: 'reports.lookup',
      label: `GET /reports/{number} (JSON), ${credentials.toLocaleString('en-US')} credentials stored`,
      perSecond: r.perSecond,
      p50Ms: r.p50Ms,
      p99Ms: r.p99Ms,
      errors: r.errors,
      details: {
        ...r,
        database: 'sqlite',
        fill: 'credential and report rows inserted with SQL; one real report signed through the use case',
      },
    },
  ]
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      credentials: { type: 'string' },
      reports: { type: 'string' },
      seconds: { type: 'string' },
      connections: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  })
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v))
  const r = await runReportLookupBench({
    ...(values.credentials ? { credentials: num(values.credentials)! } : {}),
    ...(values.reports ? { reports: num(values.reports)! } : {}),
    ...(values.seconds ? { seconds: num(values.seconds)! } : {}),
    ...(values.connections ? { connections: num(values.connections)! } : {}),
  })
  console.log(values.json ? JSON.stringify(r) : r)
}
