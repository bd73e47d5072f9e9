// `npm run bench [-- --quick] [-- --only issue,verify,http,crypto,import,reports,conversion] [-- --connections 16] [-- --wrk] [-- --rows N]`:
// issuance, verification and HTTP verification rates of the bank next to node:crypto's Ed25519 limit and Veramo 7's default
// path, all measured in this run. Reports; never fails on a missed target. Exits non-zero only on a real error.
import { cpus, loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { verifyCredential } from '../core/verification/verify-credential.ts'
import { buildAchievementCredential } from '../fixtures/builders.ts'
import { startBankSystem, type BankSystem } from './bank-system.ts'
import { CONTEXTS } from '../core/credentials/contexts.ts'
import { inlineCanonicalizer } from '../core/proofs/canonicalizer.ts'
import { findNonCompactForm } from '../core/proofs/compact-form.ts'
import { measureHttpFigures, type HttpFigure } from './http-figures.ts'
import type { ServerKind } from './http-server.ts'
import { compareRates, ratioOf, type Rate, type Timing } from './measure.ts'
import { rawEd25519, RAW_PAYLOAD_BYTES } from './raw-crypto.ts'
import { formatTable, jsonLine, type Figure } from './report.ts'
import { startVeramoBaseline, veramoIssueAndStore } from './veramo-baseline.ts'
import { hasWrk } from './wrk.ts'
import { importFigures } from './import.ts'
import { reportLookupFigures } from './report-lookup.ts'
import { conversionAdviceFigures } from './conversion-advice.ts'

/** The issue's targets for this 2-core machine. */
const TARGETS = { issueRatio: 30, verifyRatio: 10, httpPerSecond: 8000, httpP99Ms: 20 } as const
const SECTIONS = ['crypto', 'issue', 'verify', 'http', 'import', 'reports', 'conversion'] as const
type Section = (typeof SECTIONS)[number]

interface Settings {
  readonly quick: boolean
  readonly sections: ReadonlySet<Section>
  readonly batchSize: number
  /** Rows the institution import benchmark generates and imports (bench/import.ts). */
  readonly importRows: number
  readonly inProcess: Timing
  readonly http: {
    connections: number
    warmupSeconds: number
    seconds: number
    rounds: number
    maxRequests: number
    wrk: boolean
    serverCpuProfDir?: string
  }
}

function settingsFrom(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      connections: { type: 'string', default: '16' },
      batch: { type: 'string', default: '500' },
      rows: { type: 'string' },
      wrk: { type: 'boolean', default: false },
      'server-cpu-prof': { type: 'string' },
    },
    strict: true,
  })
  const only = values.only?.split(',').map((s) => s.trim()) ?? [...SECTIONS]
  const unknown = only.filter((s) => !(SECTIONS as readonly string[]).includes(s))
  if (unknown.length) throw new Error(`--only takes ${SECTIONS.join(', ')}; got ${unknown.join(', ')}`)
  const positive = (name: string, raw: string, max: number): number => {
    const n = Number(raw)
    if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`--${name} must be an integer from 1 to ${max}, got ${raw}`)
    return n
  }
  const quick = values.quick
  return {
    quick,
    sections: new Set(only as Section[]),
    batchSize: positive('batch', values.batch, 10_000),
    importRows: positive('rows', values.rows ?? (quick ? '20000' : '1000000'), 10_000_000),
    inProcess: quick ? { warmupSeconds: 0.5, roundSeconds: 1.5, rounds: 1 } : { warmupSeconds: 1, roundSeconds: 2.5, rounds: 3 },
    http: {
      connections: positive('connections', values.connections, 1024),
      warmupSeconds: quick ? 1 : 2,
      seconds: quick ? 3 : 9,
      rounds: quick ? 1 : 3,
      // Per round: the load always ends, even on a machine far faster than this one.
      maxRequests: 200_000,
      wrk: values.wrk,
      ...(values['server-cpu-prof'] ? { serverCpuProfDir: values['server-cpu-prof'] } : {}),
    },
  }
}

const log = (line: string): void => void process.stderr.write(`${line}\n`)
const fmt = (x: number): string => Math.round(x).toLocaleString('en-US')

const RAW_LABELS = {
  sign: `node:crypto Ed25519 sign ${RAW_PAYLOAD_BYTES} B`,
  verify: `node:crypto Ed25519 verify ${RAW_PAYLOAD_BYTES} B`,
} as const

const rawFigure = (op: 'sign' | 'verify', r: Rate): Figure => ({
  id: `raw.${op}`,
  label: RAW_LABELS[op],
  perSecond: r.perSecond,
  details: rateDetails(r),
})

/**
 * Ed25519 with node:crypto, one thread, on its own. Only for an operation whose section was not asked for: the issue
 * and verify sections time the raw limit in their own interleaved rounds.
 */
async function cryptoFigures(s: Settings): Promise<Figure[]> {
  const ops = (['sign', 'verify'] as const).filter((op) => !s.sections.has(op === 'sign' ? 'issue' : 'verify'))
  if (!ops.length) return []
  log(`raw Ed25519 (${RAW_PAYLOAD_BYTES} B payload, one thread)…`)
  const raw = rawEd25519()
  const rates = await compareRates(
    ops.map((op) => ({ name: op, work: raw[op] })),
    s.inProcess,
  )
  return ops.map((op) => rawFigure(op, rates.get(op)!))
}

const rateDetails = (r: Rate): Record<string, unknown> => ({ rounds: r.rounds, ops: r.ops })

/**
 * Issuance and in-process verification, ours against Veramo's default path and the raw Ed25519 limit, in interleaved
 * rounds. Both issue the same achievement (ours as VCDM 2.0 vc+jwt with status entries, Veramo's as VCDM 1.1 JWT) and
 * store every credential.
 */
async function inProcessFigures(s: Settings): Promise<Figure[]> {
  const figures: Figure[] = []
  const rawWork = rawEd25519()
  log('starting the bank (issuer + verifier) and the Veramo baseline…')
  const bank = await startBankSystem()
  const veramo = await startVeramoBaseline()
  try {
    const did = bank.issuer.identity.did
    const issuer = bank.issuer.issuer
    const ofLimit = (r: Rate, raw: Rate, id: string) => ({ limit: id, ofLimit: ratioOf(r, raw) })

    if (s.sections.has('issue')) {
      log(`issuance: Veramo create+store, ours batched (${s.batchSize} per transaction) and one at a time…`)
      const rates = await compareRates(
        [
          { name: 'raw', work: rawWork.sign },
          { name: 'veramo', work: async () => (await veramoIssueAndStore(veramo), 1) },
          {
            name: 'batch',
            work: async () =>
              (
                await issuer.issueMany(
                  Array.from({ length: s.batchSize }, () => ({ credential: buildAchievementCredential(did) })),
                  null,
                )
              ).length,
          },
          { name: 'single', work: async () => (await issuer.issue({ credential: buildAchievementCredential(did) }, null), 1) },
        ],
        s.inProcess,
      )
      const [raw, v, batch, single] = [rates.get('raw')!, rates.get('veramo')!, rates.get('batch')!, rates.get('single')!]
      const batchRatio = ratioOf(batch, v)
      figures.push(
        rawFigure('sign', raw),
        {
          id: 'issue.veramo',
          label: 'Veramo 7 createVerifiableCredential + store',
          perSecond: v.perSecond,
          ...ofLimit(v, raw, 'raw.sign'),
          details: rateDetails(v),
        },
        {
          id: 'issue.batch',
          label: `ours issueMany, ${s.batchSize} per transaction`,
          perSecond: batch.perSecond,
          baseline: 'issue.veramo',
          ratio: batchRatio,
          ...ofLimit(batch, raw, 'raw.sign'),
          target: `≥ ${TARGETS.issueRatio}× Veramo`,
          met: batchRatio >= TARGETS.issueRatio,
          details: { ...rateDetails(batch), batchSize: s.batchSize },
        },
        {
          id: 'issue.single',
          label: 'ours issue(), one per transaction',
          perSecond: single.perSecond,
          baseline: 'issue.veramo',
          ratio: ratioOf(single, v),
          ...ofLimit(single, raw, 'raw.sign'),
          details: rateDetails(single),
        },
      )
    }

    if (s.sections.has('verify')) {
      log('verification: Veramo verifyCredential and ours, caches warm…')
      const ours = (await issuer.issue({ credential: buildAchievementCredential(did) }, null)).verifiableCredential
      const theirs = await veramoIssueAndStore(veramo)
      const first = await verifyCredential(ours, bank.verifier.context)
      if (!first.verified) throw new Error(`our credential does not verify: ${JSON.stringify(first.checks)}`)
      if (!(await veramo.agent.verifyCredential({ credential: theirs })).verified) throw new Error('the Veramo credential does not verify')
      const rates = await compareRates(
        [
          { name: 'raw', work: rawWork.verify },
          { name: 'veramo', work: async () => ((await veramo.agent.verifyCredential({ credential: theirs })).verified ? 1 : 0) },
          { name: 'bank', work: async () => ((await verifyCredential(ours, bank.verifier.context)).verified ? 1 : 0) },
        ],
        s.inProcess,
      )
      const [raw, v, b] = [rates.get('raw')!, rates.get('veramo')!, rates.get('bank')!]
      const ratio = ratioOf(b, v)
      figures.push(
        rawFigure('verify', raw),
        {
          id: 'verify.veramo',
          label: 'Veramo 7 verifyCredential (JWT, did:key)',
          perSecond: v.perSecond,
          ...ofLimit(v, raw, 'raw.verify'),
          details: rateDetails(v),
        },
        {
          id: 'verify.bank',
          label: 'ours verifyCredential (vc+jwt, did:web, status)',
          perSecond: b.perSecond,
          baseline: 'verify.veramo',
          ratio,
          ...ofLimit(b, raw, 'raw.verify'),
          target: `≥ ${TARGETS.verifyRatio}× Veramo`,
          met: ratio >= TARGETS.verifyRatio,
          details: rateDetails(b),
        },
      )
      figures.push(...(await dataIntegrityFigures(s, bank, did)))
    }
  } finally {
    await veramo.close()
    await bank.close()
  }
  return figures
}

/**
 * Data Integrity (eddsa-rdfc-2022) verification, where canonicalizing JSON-LD dominates: in the verifier's worker pool
 * (as deployed), on the caller's thread, and what the compact-form check (core/proofs/compact-form.ts) costs beside it.
 */
async function dataIntegrityFigures(s: Settings, bank: BankSystem, did: string): Promise<Figure[]> {
  log('Data Integrity verification: worker pool, inline, and the compact-form check alone…')
  const credential = (
    await bank.issuer.issuer.issue({ credential: buildAchievementCredential(did), options: { format: 'eddsa-rdfc-2022' } }, null)
  ).verifiableCredential
  const pooled = bank.verifier.context
  const inline = { ...pooled, canonicalizer: inlineCanonicalizer }
  for (const ctx of [pooled, inline]) {
    const report = await verifyCredential(credential, ctx)
    if (!report.verified) throw new Error(`our Data Integrity credential does not verify: ${JSON.stringify(report.checks)}`)
  }
  const allowed = new Set(CONTEXTS.keys())
  const rates = await compareRates(
    [
      { name: 'pool', work: async () => ((await verifyCredential(credential, pooled)).verified ? 1 : 0) },
      { name: 'inline', work: async () => ((await verifyCredential(credential, inline)).verified ? 1 : 0) },
      {
        name: 'compact',
        work: () => {
          for (let i = 0; i < 100; i++) if (findNonCompactForm(credential, allowed)) throw new Error('not compact')
          return 100
        },
      },
    ],
    s.inProcess,
  )
  const [pool, alone, compact] = [rates.get('pool')!, rates.get('inline')!, rates.get('compact')!]
  return [
    {
      id: 'verify.di.inline',
      label: "ours verifyCredential (eddsa-rdfc-2022, canonicalized on the caller's thread)",
      perSecond: alone.perSecond,
      details: rateDetails(alone),
    },
    {
      id: 'verify.di.pool',
      label: `ours verifyCredential (eddsa-rdfc-2022, ${bank.config.canonicalizeWorkers} canonicalization worker(s))`,
      perSecond: pool.perSecond,
      baseline: 'verify.di.inline',
      ratio: ratioOf(pool, alone),
      details: rateDetails(pool),
    },
    {
      id: 'verify.di.compact-form',
      label: 'compact-form check alone (same credential)',
      perSecond: compact.perSecond,
      baseline: 'verify.di.inline',
      ratio: ratioOf(compact, alone),
      details: { ...rateDetails(compact), shareOfVerification: alone.perSecond / compact.perSecond },
    },
  ]
}

/** POST /credentials/verify over loopback: the express floor, Veramo's path and ours, each server in a child process. */
async function httpFigures(s: Settings): Promise<{ figures: Figure[]; notes: string[] }> {
  const wrk = s.http.wrk && (await hasWrk())
  if (s.http.wrk && !wrk) log('--wrk: wrk is not installed (apt-get install -y wrk); skipping the cross-check')
  log(
    `HTTP: ${s.http.connections} keep-alive connections, ${s.http.seconds} s per server in ${s.http.rounds} round(s), servers in child processes…`,
  )
  const kinds: ServerKind[] = ['node', 'express', 'veramo', 'bank', 'bank-workers']
  const results = await measureHttpFigures(kinds, { ...s.http, wrk })
  const [node, floor, veramo, single, bank] = kinds.map((k) => results.get(k)!) as [
    HttpFigure,
    HttpFigure,
    HttpFigure,
    HttpFigure,
    HttpFigure,
  ]
  const ratio = ratioOf(bank, veramo)
  const common = (f: HttpFigure) => ({
    perSecond: f.perSecond,
    p50Ms: f.p50Ms,
    p99Ms: f.p99Ms,
    errors: f.errors,
    details: {
      rounds: f.rounds,
      requests: f.requests,
      maxMs: f.maxMs,
      connections: f.connections,
      serverCpuPercent: f.serverCpuPercent,
      loadGeneratorCpuPercent: f.loadCpuPercent,
      ...(f.wrk ? { wrk: f.wrk } : {}),
    },
  })
  const met = bank.perSecond >= TARGETS.httpPerSecond && bank.p99Ms <= TARGETS.httpP99Ms && bank.errors === 0
  const figures: Figure[] = [
    { id: 'http.node', label: 'HTTP node:http JSON echo (no express)', ...common(node) },
    {
      id: 'http.express',
      label: 'HTTP express JSON echo (no verification)',
      ...common(floor),
      limit: 'http.node',
      ofLimit: floor.perSecond / node.perSecond,
    },
    {
      id: 'http.veramo',
      label: 'HTTP Veramo verifyCredential',
      ...common(veramo),
      limit: 'http.express',
      ofLimit: veramo.perSecond / floor.perSecond,
    },
    {
      id: 'http.bank.single',
      label: 'HTTP ours, one process',
      ...common(single),
      baseline: 'http.veramo',
      ratio: ratioOf(single, veramo),
      limit: 'http.express',
      ofLimit: single.perSecond / floor.perSecond,
    },
    {
      id: 'http.bank',
      label: 'HTTP ours, serve verifier, CB_WORKERS=2',
      ...common(bank),
      baseline: 'http.veramo',
      ratio,
      limit: 'http.express',
      ofLimit: bank.perSecond / floor.perSecond,
      target: `≥ ${fmt(TARGETS.httpPerSecond)}/s, p99 ≤ ${TARGETS.httpP99Ms} ms`,
      met,
    },
  ]
  const notes = kinds.map((k) => {
    const f = results.get(k)!
    const w = f.wrk
      ? `; wrk: ${fmt(f.wrk.perSecond)}/s, p50 ${f.wrk.p50Ms.toFixed(2)} ms, p99 ${f.wrk.p99Ms.toFixed(2)} ms, ${f.wrk.errors} errors`
      : ''
    return `HTTP ${k}: server processes ${Math.round(f.serverCpuPercent)}% of one core, load generator ${Math.round(f.loadCpuPercent)}%${w}`
  })
  return { figures, notes }
}

/** Facts from this run that say what bounds each figure (the profiles behind them are in bench/README.md). */
function boundNotes(figures: Map<string, Figure>, httpNotes: string[]): string[] {
  const notes: string[] = []
  const f = (id: string) => figures.get(id)
  const share = (x?: number) => (x === undefined ? '' : `${Math.round(x * 100)}%`)
  if (f('issue.batch'))
    notes.push(
      `issuance, batched: ${share(f('issue.batch')!.ofLimit)} of the raw Ed25519 signing rate (sign, validate, allocate status, store, one SQLite transaction per ${f('issue.batch')!.details!.batchSize})`,
    )
  if (f('issue.single'))
    notes.push(
      `issuance, one at a time: ${fmt(f('issue.single')!.perSecond)}/s — one SQLite transaction per credential (BEGIN, 4 statements, COMMIT with its fsync)`,
    )
  if (f('verify.bank'))
    notes.push(
      `verification: ${share(f('verify.bank')!.ofLimit)} of the raw Ed25519 verify rate (the signature check is one part; decode, schema, status and report are the rest)`,
    )
  if (f('http.bank')) {
    notes.push(
      `HTTP: ours serves ${share(f('http.bank')!.ofLimit)} of what express alone serves here (no verification), and express ${share(f('http.express')!.ofLimit)} of what bare node:http serves`,
    )
    notes.push(...httpNotes)
  }
  return notes
}

async function main(): Promise<void> {
  const s = settingsFrom(process.argv.slice(2))
  const started = Date.now()
  const loadBefore = loadavg()
  log(
    `credit-bank bench${s.quick ? ' (quick)' : ''}: node ${process.version}, ${cpus().length} cores, load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`,
  )
  if (loadBefore[0]! > 0.5)
    log('note: the machine is busy; figures will be lower and noisier than on an idle machine (ratios less so: rounds are interleaved)')

  const figures: Figure[] = []
  if (s.sections.has('crypto')) figures.push(...(await cryptoFigures(s)))
  if (s.sections.has('issue') || s.sections.has('verify')) figures.push(...(await inProcessFigures(s)))
  let httpNotes: string[] = []
  let importNotes: string[] = []
  if (s.sections.has('http')) {
    const http = await httpFigures(s)
    figures.push(...http.figures)
    httpNotes = http.notes
  }
  if (s.sections.has('import')) {
    const imported = await importFigures(s.importRows, log)
    figures.push(...imported.figures)
    importNotes = imported.notes
  }
  // The public report lookup over 1,000,000 stored credentials (100,000 with --quick); the store is filled with SQL.
  if (s.sections.has('reports')) figures.push(...(await reportLookupFigures(s.quick ? 100_000 : 1_000_000, log)))
  // The conversion advice: a learner with 200 outcomes against 10,000 rules (the issue's figure; --quick times fewer calls).
  let conversionNotes: string[] = []
  if (s.sections.has('conversion')) {
    const advice = await conversionAdviceFigures({ rules: 10_000, outcomes: 200, calls: s.quick ? 200 : 1000 }, log)
    figures.push(...advice.figures)
    conversionNotes = advice.notes
  }

  const seconds = (Date.now() - started) / 1000
  const loadAfter = loadavg()
  console.log('')
  console.log(formatTable(figures))
  console.log('')
  for (const note of [...boundNotes(new Map(figures.map((x) => [x.id, x])), httpNotes), ...importNotes, ...conversionNotes])
    console.log(`- ${note}`)
  console.log(
    `- ${cpus().length} cores, node ${process.version}; load average before ${loadBefore[0]!.toFixed(2)}, after ${loadAfter[0]!.toFixed(2)}; ${seconds.toFixed(0)} s`,
  )
  console.log(
    jsonLine(
      {
        bench: 'credit-bank',
        quick: s.quick,
        node: process.version,
        cores: cpus().length,
        loadAverage: { before: loadBefore, after: loadAfter },
        seconds,
        settings: { batchSize: s.batchSize, importRows: s.importRows, inProcess: s.inProcess, http: s.http },
        targets: TARGETS,
      },
      figures,
    ),
  )
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exit(1)
  },
)
