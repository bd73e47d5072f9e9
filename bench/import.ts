// The institution import benchmark: N valid rows (default 1,000,000) for a seeded institution and catalogue, imported
// through the engine `credit-bank import` runs (Imports.create + Imports.run: parse, validate, recognize, sign, store,
// one transaction per chunk), as rows per second next to the two-core raw Ed25519 signing rate measured in the same
// run, with the peak resident memory of the process that imported. Run alone:
//   npx tsx bench/import.ts [--rows N] [--json]
// `npm run bench` runs it in a child process (so its peak memory is the import's own) through `importFigures`.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'
import { startTestSystem, type TestSystem } from '../fixtures/test-system.ts'
import { seedInstitution, validRow, writeCsvFile } from '../fixtures/import-rows.ts'
import { CLI_ACTOR } from '../issuer/audit/audit-trail.ts'
import type { Figure } from './report.ts'

/** The target: at least 20 % of two-core raw Ed25519 signing, at most 512 MB peak RSS, on SQLite. */
export const IMPORT_TARGETS = { ofTwoCoreSigning: 0.2, maxRssMb: 512 } as const

/** The import process's old generation, in MB (`--max-old-space-size`; README: NODE_OPTIONS for `credit-bank import`). */
export const IMPORT_OLD_SPACE_MB = 512

export interface ImportRun {
  readonly database: 'sqlite' | 'postgres'
  readonly rows: number
  readonly seconds: number
  readonly rowsPerSecond: number
  readonly imported: number
  readonly rejected: number
  /** Two workers signing 1 KB with node:crypto Ed25519, signatures per second, measured before and after the import. */
  readonly rawTwoCoreSign: number
  readonly maxRssMb: number
  readonly fileMb: number
  /** Where the time went, from the engine's own phases (seconds). */
  readonly phases: Readonly<Record<string, number>>
  /**
   * CPU a row, in microseconds, over the import: the whole process (every thread: the event loop, the signing threads,
   * SQLite's, the collector's; a PostgreSQL server's work is not in it), and the event loop's thread alone (Linux);
   * `coresBusy` is the process's CPU over the wall time.
   */
  readonly cpu: { readonly usPerRow: number; readonly eventLoopUsPerRow: number | null; readonly coresBusy: number }
}

const SIGNER = `
const { parentPort, workerData } = require('node:worker_threads')
const { generateKeyPairSync, randomBytes, sign } = require('node:crypto')
const { privateKey } = generateKeyPairSync('ed25519')
const payload = randomBytes(1024)
const until = Date.now() + workerData.ms
let n = 0
while (Date.now() < until) { for (let i = 0; i < 64; i++) sign(null, payload, privateKey); n += 64 }
parentPort.postMessage(n)
`

/** Ed25519 signatures per second of two worker threads signing at once for `ms`: the two-core signing ceiling. */
export async function rawTwoCoreSigning(ms = 3000): Promise<number> {
  const counts = await Promise.all(
    [0, 1].map(
      () =>
        new Promise<number>((resolve, reject) => {
          const w = new Worker(SIGNER, { eval: true, workerData: { ms } })
          w.once('message', (n: number) => resolve(n))
          w.once('error', reject)
        }),
    ),
  )
  return (counts[0]! + counts[1]!) / (ms / 1000)
}

/** Seeds an institution, writes N rows, imports them with the engine; figures of this process. */
export async function runImportBench(rows: number, databaseUrl?: string): Promise<ImportRun> {
  const env: Record<string, string> = { CB_LOG_LEVEL: 'silent' }
  if (databaseUrl) process.env.CB_TEST_DATABASE_URL = databaseUrl
  else delete process.env.CB_TEST_DATABASE_URL
  const sys: TestSystem = await startTestSystem(env)
  const dir = mkdtempSync(path.join(tmpdir(), 'credit-bank-import-bench-'))
  try {
    const node = sys.issuer
    const inst = await seedInstitution(node, 'bench-uni')
    const file = path.join(dir, 'outcomes.csv')
    await writeCsvFile(file, rows, (i) => validRow(i, inst.courseCode))
    const before = await rawTwoCoreSigning()
    const cpuBefore = cpuNow()
    const started = performance.now()
    const { sha256, size } = await node.imports.hashFile(file)
    const job = await node.imports.create({ institutionId: inst.institutionId, format: 'csv', file, sha256, size }, CLI_ACTOR)
    const done = await node.imports.run(job.id, 'bench')
    const seconds = (performance.now() - started) / 1000
    const cpuAfter = cpuNow()
    if (!done || done.state !== 'done') throw new Error(`the import did not finish: ${JSON.stringify(done)}`)
    if (done.counts.imported !== rows) throw new Error(`expected ${rows} imported, got ${JSON.stringify(done.counts)}`)
    const after = await rawTwoCoreSigning()
    return {
      database: databaseUrl ? 'postgres' : 'sqlite',
      rows,
      seconds,
      rowsPerSecond: rows / seconds,
      imported: done.counts.imported,
      rejected: done.counts.rejected,
      rawTwoCoreSign: (before + after) / 2,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      fileMb: statSync(file).size / 1e6,
      phases: node.imports.phaseSeconds(),
      cpu: {
        usPerRow: (cpuAfter.process - cpuBefore.process) / rows,
        eventLoopUsPerRow:
          cpuAfter.eventLoop === null || cpuBefore.eventLoop === null ? null : (cpuAfter.eventLoop - cpuBefore.eventLoop) / rows,
        coresBusy: (cpuAfter.process - cpuBefore.process) / 1e6 / seconds,
      },
    }
  } finally {
    await sys.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** CPU time so far, in microseconds: the process's, and its event-loop thread's (from /proc on Linux, else null). */
function cpuNow(): { process: number; eventLoop: number | null } {
  const { user, system } = process.cpuUsage()
  let eventLoop: number | null = null
  try {
    // Fields 14 and 15 of /proc/<pid>/task/<tid>/stat (after the command name): user and system time in clock ticks,
    // 100 a second on Linux. The main thread's tid is the pid.
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    eventLoop = (Number(fields[11]) + Number(fields[12])) * 10_000
  } catch {
    // not Linux: the process's figure only
  }
  return { process: user + system, eventLoop }
}

/** Runs the benchmark in a child process (its own peak RSS), on SQLite, then on CB_BENCH_DATABASE_URL when it is set. */
export async function importFigures(rows: number, log: (line: string) => void): Promise<{ figures: Figure[]; notes: string[] }> {
  const figures: Figure[] = []
  const notes: string[] = []
  const targets = [undefined, process.env.CB_BENCH_DATABASE_URL].filter((u, i) => i === 0 || u) as (string | undefined)[]
  for (const url of targets) {
    log(`institution import: ${rows.toLocaleString('en-US')} rows on ${url ? 'PostgreSQL' : 'SQLite'}, in a child process…`)
    const run = await childRun(rows, url)
    const ratio = run.rowsPerSecond / run.rawTwoCoreSign
    const met = ratio >= IMPORT_TARGETS.ofTwoCoreSigning && run.maxRssMb <= IMPORT_TARGETS.maxRssMb
    figures.push(
      { id: `raw.sign.2core.${run.database}`, label: 'node:crypto Ed25519 sign 1 KB, two worker threads', perSecond: run.rawTwoCoreSign },
      {
        id: `import.${run.database}`,
        label: `institution import, ${rows.toLocaleString('en-US')} rows, ${run.database === 'sqlite' ? 'SQLite' : 'PostgreSQL'} (recognized, signed, stored)`,
        perSecond: run.rowsPerSecond,
        limit: `raw.sign.2core.${run.database}`,
        ofLimit: ratio,
        ...(run.database === 'sqlite'
          ? { target: `≥ ${IMPORT_TARGETS.ofTwoCoreSigning * 100}% of two-core signing, ≤ ${IMPORT_TARGETS.maxRssMb} MB`, met }
          : {}),
        details: { seconds: run.seconds, maxRssMb: run.maxRssMb, fileMb: run.fileMb, phases: run.phases, cpu: run.cpu },
      },
    )
    notes.push(
      `import (${run.database}): ${Math.round(run.rowsPerSecond).toLocaleString('en-US')} rows/s = ${(ratio * 100).toFixed(1)}% of two-core raw signing ` +
        `(${Math.round(run.rawTwoCoreSign).toLocaleString('en-US')}/s); peak RSS ${Math.round(run.maxRssMb)} MB; ${cpuOf(run)}; ${boundOf(run)}`,
    )
  }
  return { figures, notes }
}

/** A row's CPU: the process's and the event loop's, and how many of the cores were busy. */
function cpuOf(run: ImportRun): string {
  const { usPerRow, eventLoopUsPerRow, coresBusy } = run.cpu
  const eventLoop = eventLoopUsPerRow === null ? '' : ` (the event loop ${Math.round(eventLoopUsPerRow)})`
  return `CPU a row ${Math.round(usPerRow)} µs${eventLoop}, ${coresBusy.toFixed(2)} of ${cpus().length} cores busy`
}

/** What the phases say bounds the rate: each phase's time as a share of the run's (they overlap: a pipeline). */
function boundOf(run: ImportRun): string {
  const parts = Object.entries(run.phases)
    .filter(([k]) => k !== 'run')
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${Math.round((v / run.seconds) * 100)}%`)
  return `phases as shares of the import's time, overlapping (a chunk is checked and prepared while the one before is written): ${parts.join(', ')} (validate: the rows' checks; prepare: recognition's batch built and signed in the signing threads, with the reads it needs; write: the chunk's transaction — outcome, credential and error rows, the job, audit entries, slots reserved ahead, COMMIT)`
}

function childRun(rows: number, databaseUrl?: string): Promise<ImportRun> {
  return new Promise((resolve, reject) => {
    // A bounded old generation, as an import process should run (NODE_OPTIONS for `credit-bank import`): left to
    // itself on a large machine V8 lets a chunk's garbage pile up to ~300 MB of heap before collecting it; the live heap
    // is ~100-150 MB. 512 MB: peak RSS 371-384 MB at 1,000,000 rows; 320 MB kept it no lower (362-395 MB) but collected
    // more often (CPU a row 211-219 µs against 197-211).
    const child = spawn(
      process.execPath,
      [`--max-old-space-size=${IMPORT_OLD_SPACE_MB}`, '--import', 'tsx', path.resolve('bench/import.ts'), '--rows', String(rows), '--json'],
      {
        env: {
          ...process.env,
          ...(databaseUrl ? { CB_BENCH_DATABASE_URL: databaseUrl, CB_BENCH_IMPORT_DB: 'postgres' } : { CB_BENCH_IMPORT_DB: 'sqlite' }),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`bench/import.ts exited ${code}`))
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1)!) as ImportRun)
      } catch (err) {
        reject(err as Error)
      }
    })
  })
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { rows: { type: 'string', default: '1000000' }, json: { type: 'boolean', default: false } },
    strict: true,
  })
  const rows = Number(values.rows)
  if (!Number.isInteger(rows) || rows < 1 || rows > 10_000_000)
    throw new Error(`--rows must be an integer from 1 to 10,000,000, got ${values.rows}`)
  const url = process.env.CB_BENCH_IMPORT_DB === 'postgres' ? process.env.CB_BENCH_DATABASE_URL : undefined
  if (!values.json) process.stderr.write(`import bench: ${rows} rows, ${cpus().length} cores, ${url ? 'PostgreSQL' : 'SQLite'}\n`)
  const run = await runImportBench(rows, url)
  process.stdout.write(
    values.json
      ? JSON.stringify(run) + '\n'
      : `${Math.round(run.rowsPerSecond)} rows/s (${((run.rowsPerSecond / run.rawTwoCoreSign) * 100).toFixed(1)}% of two-core raw signing, ` +
          `${Math.round(run.rawTwoCoreSign)}/s), ${run.seconds.toFixed(1)} s, peak RSS ${Math.round(run.maxRssMb)} MB; ${cpuOf(run)}\n` +
          `${JSON.stringify(run.phases)}\n`,
  )
}

if (import.meta.url === `file://${process.argv[1]}`)
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`import bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
      process.exit(1)
    },
  )
