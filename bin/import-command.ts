// `credit-bank import FILE --institution ID [--json] [--errors PATH]` and `credit-bank import template --institution ID`:
// a job over a local file, worked in this process by the same engine as the server's (issuer/imports/imports.ts).
// Running it again over the same file resumes the unfinished job where its last committed chunk left it.
import { createWriteStream, mkdirSync } from 'node:fs'
import { once } from 'node:events'
import { hostname } from 'node:os'
import path from 'node:path'
import type { Config } from '../core/config.ts'
import { systemClock } from '../core/clock.ts'
import { AppError } from '../core/errors.ts'
import type { Logger } from '../core/log.ts'
import { CLI_ACTOR } from '../issuer/audit/audit-trail.ts'
import type { ImportJobRecord } from '../issuer/imports/import-store.ts'
import { csvLine, processOwner, type Imports, type ImportProgress } from '../issuer/imports/imports.ts'
import { ImportFileError } from '../issuer/imports/read-rows.ts'
import { createIssuerNode } from '../issuer/issuer-node.ts'

export interface ImportCommandOptions {
  readonly file: string
  readonly institution: string
  readonly json: boolean
  readonly errors?: string
}

export interface ImportSummary {
  readonly jobId: string
  readonly state: string
  readonly rows: number
  readonly imported: number
  readonly duplicates: number
  readonly rejected: number
  readonly toReview: number
  /** The CSV of rejected rows, or null when no row was rejected. */
  readonly errorReport: string | null
  /** Outcomes the institution holds in the bank after this import. */
  readonly institutionOutcomes: number
}

type Out = { write(s: string): unknown; isTTY?: boolean }

/** `import template`: the CSV header and one valid example row for the institution's catalogue. */
export async function importTemplateCommand(
  config: Readonly<Config>,
  log: Logger,
  institution: string,
  out: Out = process.stdout,
): Promise<number> {
  const node = await createIssuerNode(config, { clock: systemClock, log })
  try {
    out.write(await node.imports.template(institution))
    return 0
  } catch (err) {
    if (err instanceof AppError && err.expose) {
      process.stderr.write(`${err.message}\n`)
      return 1
    }
    throw err
  } finally {
    await node.close()
  }
}

/** `import FILE`: 0 when the job is done (rejected rows included), 1 when it failed or was interrupted. */
export async function importCommand(
  config: Readonly<Config>,
  log: Logger,
  opts: ImportCommandOptions,
  io: { stdout: Out; stderr: Out } = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const node = await createIssuerNode(config, { clock: systemClock, log })
  const ac = new AbortController()
  const interrupt = () => ac.abort()
  process.once('SIGINT', interrupt)
  process.once('SIGTERM', interrupt)
  try {
    const imports = node.imports
    const format = /\.(jsonl|ndjson)$/i.test(opts.file) ? 'jsonl' : 'csv'
    const { sha256, size } = await imports.hashFile(opts.file)
    let job = await imports.findUnfinished(opts.institution, sha256)
    if (job) io.stderr.write(`resuming import job ${job.id} at row ${job.rowsDone} / 继续导入任务\n`)
    else job = await imports.create({ institutionId: opts.institution, format, file: opts.file, sha256, size }, CLI_ACTOR)
    const owner = processOwner('cli')
    const bar = io.stderr.isTTY ? progressBar(io.stderr, job) : undefined
    const ended = await imports.run(job.id, owner, {
      signal: ac.signal,
      ...(bar ? { onProgress: bar.update } : {}),
      ...(job.leaseOwner && isDeadLocalOwner(job.leaseOwner) ? { takeOverFrom: job.leaseOwner } : {}),
    })
    bar?.done()
    if (!ended) {
      const now = await imports.get(job.id, null)
      io.stderr.write(
        now.state === 'done' || now.state === 'failed'
          ? `import job ${job.id} already ended (${now.state})\n`
          : `import job ${job.id} is being worked by ${now.leaseOwner} (lease until ${now.leaseUntil}); try again later / 该任务正由其他进程处理\n`,
      )
      return 1
    }
    if (ended.state === 'running') {
      io.stderr.write(`interrupted at row ${ended.rowsDone}; run the same command again to resume / 已中断，重新运行同一命令即可继续\n`)
      return 1
    }
    if (ended.state === 'failed') {
      io.stderr.write(`import failed / 导入失败: ${ended.error?.message ?? 'unknown'} (${ended.error?.code ?? ''})\n`)
      return 1
    }
    const summary: ImportSummary = {
      jobId: ended.id,
      state: ended.state,
      ...ended.counts,
      errorReport: ended.counts.rejected
        ? await writeErrorReport(imports, ended, opts.errors ?? path.join(config.dataDir, 'imports', `${ended.id}-errors.csv`))
        : null,
      institutionOutcomes: await imports.institutionOutcomes(ended.institutionId),
    }
    io.stdout.write(opts.json ? JSON.stringify(summary) + '\n' : formatSummary(summary))
    return 0
  } catch (err) {
    if (err instanceof ImportFileError || (err instanceof AppError && err.expose)) {
      io.stderr.write(`import refused / 导入被拒绝: ${err.message}\n`)
      return 1
    }
    throw err
  } finally {
    process.off('SIGINT', interrupt)
    process.off('SIGTERM', interrupt)
    await node.close()
  }
}

/** The rejected rows as CSV (UTF-8 with a BOM), the same columns as GET /imports/{id}/errors. */
async function writeErrorReport(imports: Imports, job: ImportJobRecord, file: string): Promise<string> {
  mkdirSync(path.dirname(file), { recursive: true })
  const out = createWriteStream(file, { mode: 0o600 })
  out.write('\uFEFF' + csvLine(['row', 'column', 'code', 'message_zh', 'message_en']) + '\r\n')
  for await (const page of imports.errors(job.id)) {
    if (!out.write(page.map((e) => csvLine([e.row, e.column, e.code, e.messageZh, e.messageEn]) + '\r\n').join('')))
      await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
  return path.resolve(file)
}

function formatSummary(s: ImportSummary): string {
  return (
    [
      `导入完成 / import done: job ${s.jobId}`,
      `  rows 行数            ${s.rows}`,
      `  imported 已认定      ${s.imported}`,
      `  to review 待审核     ${s.toReview}`,
      `  duplicates 重复      ${s.duplicates}`,
      `  rejected 被拒绝      ${s.rejected}${s.errorReport ? `   (error report 错误报告: ${s.errorReport})` : ''}`,
      `  institution holds 机构在库成果 ${s.institutionOutcomes}`,
    ].join('\n') + '\n'
  )
}

/** Whether a lease owner is a process of this host (cli:host:pid, server:host:pid) that no longer exists. */
function isDeadLocalOwner(owner: string): boolean {
  const parts = owner.split(':')
  const pid = Number(parts.at(-1))
  if (parts.length < 3 || parts.at(-2) !== hostname() || !Number.isInteger(pid) || pid === process.pid) return false
  try {
    process.kill(pid, 0)
    return false
  } catch (err) {
    return (err as { code?: string }).code === 'ESRCH'
  }
}

/** A one-line progress bar on a terminal: percent of the file, rows, rows/s this run, ETA. */
function progressBar(out: Out, job: ImportJobRecord): { update(p: ImportProgress): void; done(): void } {
  const started = Date.now()
  const startBytes = job.byteOffset
  let last = 0
  const draw = (p: ImportProgress, force = false) => {
    const now = Date.now()
    if (!force && now - last < 200) return
    last = now
    const seconds = Math.max(0.001, (now - started) / 1000)
    const fraction = p.job.fileSize ? Math.min(1, p.job.byteOffset / p.job.fileSize) : 1
    const bytesPerSecond = (p.job.byteOffset - startBytes) / seconds
    const eta = bytesPerSecond > 0 ? (p.job.fileSize - p.job.byteOffset) / bytesPerSecond : 0
    const width = 30
    const filled = Math.round(fraction * width)
    out.write(
      `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%  ` +
        `${p.job.rowsDone.toLocaleString('en-US')} rows  ${Math.round(p.rowsThisRun / seconds).toLocaleString('en-US')} rows/s  ` +
        `ETA ${formatSeconds(eta)}   `,
    )
  }
  let latest: ImportProgress | undefined
  return {
    update: (p) => {
      latest = p
      draw(p)
    },
    done: () => {
      if (latest) draw(latest, true)
      out.write('\n')
    },
  }
}

const formatSeconds = (s: number): string => {
  const t = Math.round(s)
  return `${Math.floor(t / 60)}:${String(t % 60).padStart(2, '0')}`
}
