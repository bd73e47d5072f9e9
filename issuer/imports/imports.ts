// Institution batch imports (机构批量导入): jobs over an uploaded or local file, worked in chunks by whichever instance
// holds the job's lease. A chunk is prepared by recognition (built and signed) while the one before it is written; each
// commits its outcomes and credentials, its error rows, the job's cursor and counts, and one audit entry together: a
// crash anywhere leaves the job at the last committed chunk, and the next holder of the lease goes on from there
// (exactly once).
import { createHash, randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream, mkdirSync, rmSync } from 'node:fs'
import { hostname } from 'node:os'
import path from 'node:path'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { DataSource, EntityManager } from 'typeorm'
import { chinaToday } from '../../core/calendar.ts'
import type { Clock } from '../../core/clock.ts'
import { AppError } from '../../core/errors.ts'
import type { PersonalDataProtector } from '../../core/identity/personal-data.ts'
import { mod11_2CheckCharacter } from '../../core/identity/resident-id.ts'
import type { Logger } from '../../core/log.ts'
import { errorFields } from '../../core/log.ts'
import { isUniqueViolation, transaction } from '../../core/store/sql.ts'
import { record, type AuditActor } from '../audit/audit-trail.ts'
import type { CatalogueEntryRecord } from '../catalogue/catalogue-store.ts'
import type { SlotSource } from '../credentials/issue-credential.ts'
import type { ImportRowOutcome, PreparedImportBatch } from '../recognition/recognition.ts'
import { SlotReserve, type SlotAllocator } from '../status/slot-reserve.ts'
import { ImportStore, NO_COUNTS, type ImportCounts, type ImportFormat, type ImportJobRecord, type RowError } from './import-store.ts'
import { checkFile, ImportFileError, readRows, type ImportSource, type SourceRow } from './read-rows.ts'
import { isSealed, openSealed, SEALED_SUFFIX, sealingStream } from './sealed-file.ts'
import { IMPORT_COLUMNS, RecordKeySet, recordKeyOf, TEMPLATE_COLUMNS, validateRow, type ImportRow } from './validate-row.ts'
import { decodeCursor, encodeCursor } from '../../core/store/cursor.ts'

/**
 * Where valid rows go: recognition's use cases (node.recognition), or a stand-in in tests of the engine alone. A batch
 * is prepared (checked, built, signed) outside any transaction and written in the chunk's own.
 */
export interface ImportSink {
  /** Reads which record keys are stored, builds the outcomes and signs their credentials in `opts.slots`'s slots. */
  prepareImportBatch(
    rows: readonly ImportRow[],
    actor: AuditActor,
    opts: { importJobId: string; slots: SlotSource },
  ): Promise<PreparedImportBatch>
  /** Writes a prepared batch in `m`; a unique violation: a record key was stored since, prepare it again. */
  writeImportBatch(m: EntityManager, batch: PreparedImportBatch): Promise<readonly ImportRowOutcome[]>
  /** How many outcomes the institution holds in the bank. */
  countForInstitution(institutionId: string): Promise<number>
}

/** The catalogue and the alliance, through their use cases. */
export interface ImportCatalogue {
  findByCode(institutionId: string, code: string): Promise<CatalogueEntryRecord | undefined>
  browse(query: { institutionId: string; limit: number }): Promise<{ items: CatalogueEntryRecord[] }>
}
export interface ImportInstitutions {
  exists(id: string): Promise<boolean>
}

export interface ImportsOptions {
  readonly ds: DataSource
  readonly clock: Clock
  readonly log: Logger
  readonly protector: PersonalDataProtector
  readonly catalogue: ImportCatalogue
  readonly institutions: ImportInstitutions
  readonly sink: ImportSink
  /** Status slots for the chunks' credentials, reserved a chunk ahead (StatusLists). */
  readonly slots: SlotAllocator
  /** Uploaded files go to <dataDir>/imports/<job id>.<csv|jsonl>. */
  readonly dataDir: string
  /** How long a lease lasts without renewal; default 30 s. */
  readonly leaseSeconds?: number
  /** Rows per chunk (one transaction each); default {@link CHUNK_ROWS}. */
  readonly chunkRows?: number
}

export interface ImportProgress {
  readonly job: ImportJobRecord
  /** Rows committed in this run (not counting those an earlier run committed). */
  readonly rowsThisRun: number
}

export interface RunOptions {
  /** Stops the run between chunks (shutdown); the lease is given up so another instance can go on at once. */
  readonly signal?: AbortSignal
  readonly onProgress?: (p: ImportProgress) => void
  /** Take the lease over from this owner even if it looks live (it is known to be gone: a dead process on this host). */
  readonly takeOverFrom?: string
}

/** Uploads larger than this are refused (413). */
export const MAX_IMPORT_BYTES = 1024 * 1024 * 1024

/** A lease owner name for this process: host and pid (`credit-bank import` recognizes its own host's dead processes). */
export const processOwner = (prefix: string): string => `${prefix}:${hostname()}:${process.pid}`

class LeaseLostError extends Error {}
/** A prepared chunk met a record key stored since (its unique violation is the cause): prepared again. */
class StaleBatchError extends Error {
  constructor(cause: unknown) {
    super('a record key of the chunk was stored since it was prepared', { cause })
  }
}
/** A chunk is prepared at most this many times; a conflict each time is an error of its own (the job waits for its lease). */
const STALE_BATCH_ATTEMPTS = 3

/**
 * Rows per chunk. A chunk's fixed work runs one step after another (its reads of the catalogue, the scopes and the
 * record keys, taking status slots, the audit entries, the COMMIT's WAL sync) and is shared by its rows: 2,000 rows
 * import 10-14 % faster than 1,000 at 100,000 rows for ~15-30 MB more, level at a million; 4,000 gained nothing more,
 * at a million rows either before or after the indexes that grow at their end (6,840 rows/s, RSS +60 MB;
 * bench/README.md). A crash undoes at most the chunk in flight.
 */
export const CHUNK_ROWS = 2000

export class Imports {
  private readonly o: Required<ImportsOptions>
  /** Milliseconds spent in each phase of the chunks worked by this instance (for the benchmark's "what bounds it"). */
  private readonly ms = { work: 0, validate: 0, prepare: 0, write: 0 }
  /** Set while a runner polls: starts its next pass now. */
  private wake: (() => void) | undefined

  constructor(options: ImportsOptions) {
    this.o = { leaseSeconds: 30, chunkRows: CHUNK_ROWS, ...options }
  }

  /**
   * Streams an upload to <dataDir>/imports/<id>.<ext>.sealed — sealed block by block (sealed-file.ts): it holds
   * identity numbers — hashing the plaintext; over `maxBytes`: 413 and nothing kept.
   */
  async receiveFile(body: Readable, format: ImportFormat, maxBytes: number = MAX_IMPORT_BYTES): Promise<StoredFile> {
    const id = randomUUID()
    const dir = path.join(this.o.dataDir, 'imports')
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const file = path.join(dir, `${id}.${format}${SEALED_SUFFIX}`)
    const hash = createHash('sha256')
    let size = 0
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length
        if (size > maxBytes) return done(new AppError('payload_too_large', `an import file may be at most ${maxBytes} bytes; split it`))
        hash.update(chunk)
        done(null, chunk)
      },
    })
    try {
      await pipeline(body, meter, sealingStream(this.o.protector, id), createWriteStream(file, { mode: 0o600 }))
    } catch (err) {
      rmSync(file, { force: true })
      throw err
    }
    return { id, path: file, sha256: hash.digest('hex'), size }
  }

  /** SHA-256 and size of a local file (what `credit-bank import` resumes by), or of a sealed upload's plaintext. */
  async hashFile(file: string, jobId?: string): Promise<{ sha256: string; size: number }> {
    const hash = createHash('sha256')
    let size = 0
    const source = jobId === undefined ? file : this.source(file, jobId)
    const chunks = typeof source === 'string' ? (createReadStream(source, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) : source
    try {
      for await (const chunk of chunks) {
        hash.update(chunk)
        size += chunk.length
      }
    } catch (err) {
      if (err instanceof ImportFileError) throw err
      throw new ImportFileError('import_file_unreadable', `${file} cannot be read`, { cause: err })
    }
    return { sha256: hash.digest('hex'), size }
  }

  /** What the reader reads: the file by its path, or a sealed upload opened with the job's id. */
  private source(file: string, jobId: string): ImportSource {
    return isSealed(file) ? openSealed(file, this.o.protector, jobId) : file
  }

  /**
   * A queued job over a stored file, after its header (CSV) was checked: a file whose header is wrong is refused here
   * (400 import_header_invalid …), not found out later by the runner.
   */
  async create(
    input: { id?: string; institutionId: string; format: ImportFormat; file: string; sha256: string; size: number },
    actor: AuditActor,
  ): Promise<ImportJobRecord> {
    if (!(await this.o.institutions.exists(input.institutionId)))
      throw new AppError('not_found', `no such institution: ${input.institutionId}`)
    const id = input.id ?? randomUUID()
    try {
      await checkFile(this.source(input.file, id), input.format, IMPORT_COLUMNS)
    } catch (err) {
      if (err instanceof ImportFileError)
        throw new AppError('import_file_invalid', err.message, { issues: [{ path: '/body', message: err.code }] })
      throw err
    }
    const now = this.o.clock().toISOString()
    const job: ImportJobRecord = {
      id,
      institutionId: input.institutionId,
      format: input.format,
      filePath: path.resolve(input.file),
      fileSha256: input.sha256,
      fileSize: input.size,
      state: 'queued',
      rowsDone: 0,
      byteOffset: 0,
      counts: NO_COUNTS,
      leaseOwner: null,
      leaseUntil: null,
      createdBy: actor,
      createdAt: now,
      updatedAt: now,
      finishedAt: null,
      error: null,
    }
    await transaction(this.o.ds, async (m) => {
      await new ImportStore(m).insert(job)
      await record(m, {
        at: this.o.clock(),
        actor,
        action: 'import_job_created',
        subject: { type: 'import_job', id: job.id },
        after: { institutionId: job.institutionId, format: job.format, fileSha256: job.fileSha256, fileSize: job.fileSize },
      })
    })
    return job
  }

  /** A job over an uploaded file (the file is removed if the job is refused); a running runner is woken for it. */
  async createFromUpload(stored: StoredFile, institutionId: string, format: ImportFormat, actor: AuditActor): Promise<ImportJobRecord> {
    try {
      const job = await this.create(
        { id: stored.id, institutionId, format, file: stored.path, sha256: stored.sha256, size: stored.size },
        actor,
      )
      this.wake?.()
      return job
    } catch (err) {
      rmSync(stored.path, { force: true })
      throw err
    }
  }

  /** The newest unfinished job of this institution over a file with this content, if any (resumed by the CLI). */
  findUnfinished(institutionId: string, sha256: string): Promise<ImportJobRecord | undefined> {
    return new ImportStore(this.o.ds).findUnfinished(institutionId, sha256)
  }

  /** A job, for a caller acting for `institutionId` (null: any institution). Another institution's job is 404. */
  async get(id: string, institutionId: string | null): Promise<ImportJobRecord> {
    const job = await new ImportStore(this.o.ds).find(id)
    if (!job || (institutionId !== null && job.institutionId !== institutionId))
      throw new AppError('not_found', `no such import job: ${id}`)
    return job
  }

  /** An institution's jobs, newest first; `cursor` from the previous page. */
  async list(institutionId: string, cursor: string | undefined, limit: number): Promise<{ items: ImportJobRecord[]; nextCursor?: string }> {
    const key = cursor === undefined ? undefined : decodeCursor(cursor)
    const after = key && { createdAt: key[0], id: key[1] }
    const rows = await new ImportStore(this.o.ds).list(institutionId, after, limit + 1)
    const items = rows.slice(0, limit)
    const last = items.at(-1)
    return rows.length > limit && last ? { items, nextCursor: encodeCursor([last.createdAt, last.id]) } : { items }
  }

  /** A job's rejected rows, in (row, column) order, page by page (for the error report). */
  async *errors(jobId: string, pageSize = 1000): AsyncGenerator<RowError[]> {
    const store = new ImportStore(this.o.ds)
    let after: { row: number; column: string } | undefined
    for (;;) {
      const page = await store.errors(jobId, after, pageSize)
      if (page.length) yield page
      if (page.length < pageSize) return
      const last = page.at(-1)!
      after = { row: last.row, column: last.column }
    }
  }

  /** How many outcomes the institution holds in the bank (recognition's count). */
  institutionOutcomes(institutionId: string): Promise<number> {
    return this.o.sink.countForInstitution(institutionId)
  }

  /** The CSV header and one valid example row, from the institution's first active catalogue entry. */
  async template(institutionId: string): Promise<string> {
    if (!(await this.o.institutions.exists(institutionId))) throw new AppError('not_found', `no such institution: ${institutionId}`)
    const [entry] = (await this.o.catalogue.browse({ institutionId, limit: 1 })).items
    if (!entry)
      throw new AppError('not_found', `institution ${institutionId} has no active catalogue entry yet; an import row names one by its code`)
    const today = chinaToday(this.o.clock())
    const daysBefore = (n: number) => new Date(Date.parse(`${today}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10)
    const example: Record<(typeof TEMPLATE_COLUMNS)[number], string> = {
      record_key: 'EXAMPLE-0001',
      id_number: exampleIdNumber(),
      name: '张三',
      course_code: entry.code,
      credits: String(entry.creditsCenti / 100),
      result: '合格',
      awarded_date: today,
      term: `${today.slice(0, 4)}-1`,
      start_date: daysBefore(120),
      end_date: daysBefore(7),
    }
    return `${csvLine([...TEMPLATE_COLUMNS])}\r\n${csvLine(TEMPLATE_COLUMNS.map((c) => example[c]))}\r\n`
  }

  /**
   * Seconds this instance spent per phase: checking rows (identity numbers, hashes, catalogue codes), preparing
   * recognition's batches (which record keys are stored, building the outcomes and credentials, signing them in the
   * signing threads) and writing the chunks (one transaction each: outcome, credential and error rows, the job, the
   * audit entries, COMMIT), with the whole run's wall time. They overlap: a chunk is checked and prepared while the
   * one before it is written, so they add up to more than the run.
   */
  phaseSeconds(): Record<'run' | 'validate' | 'prepare' | 'write', number> {
    const s = (x: number) => Math.round(x) / 1000
    return { run: s(this.ms.work), validate: s(this.ms.validate), prepare: s(this.ms.prepare), write: s(this.ms.write) }
  }

  /** Works every job nobody holds a live lease on, one after another, until none is left. */
  async runPending(owner: string, opts: { signal?: AbortSignal } = {}): Promise<number> {
    let worked = 0
    const tried = new Set<string>()
    for (;;) {
      if (opts.signal?.aborted) return worked
      const ids = (await new ImportStore(this.o.ds).claimable(this.o.clock().toISOString(), tried.size + 20)).filter((id) => !tried.has(id))
      if (!ids.length) return worked
      for (const id of ids) {
        tried.add(id)
        try {
          if (await this.run(id, owner, opts)) worked++
        } catch (err) {
          this.o.log.error('import job stopped; it is resumed once its lease expires', { job: id, ...errorFields(err) })
        }
      }
    }
  }

  /**
   * Polls for claimable jobs every `intervalSeconds` (real time) and works them; `stop()` ends the loop after the
   * current chunk and gives the lease up. Started by the server, never in tests unless they ask.
   */
  startRunner(owner: string, intervalSeconds = 2): { stop(): Promise<void> } {
    const ac = new AbortController()
    let timer: NodeJS.Timeout | undefined
    let running: Promise<void> = Promise.resolve()
    let busy = false
    let again = false
    const tick = () => {
      busy = true
      again = false
      running = this.runPending(owner, { signal: ac.signal })
        .then(
          () => undefined,
          (err: unknown) => this.o.log.error('import runner failed', errorFields(err)),
        )
        .finally(() => {
          busy = false
          if (!ac.signal.aborted) timer = setTimeout(tick, again ? 0 : intervalSeconds * 1000)
        })
    }
    timer = setTimeout(tick, 0)
    // A new job: start a pass now, or right after the one under way.
    this.wake = () => {
      if (ac.signal.aborted) return
      if (busy) again = true
      else {
        clearTimeout(timer)
        timer = setTimeout(tick, 0)
      }
    }
    return {
      stop: async () => {
        this.wake = undefined
        ac.abort()
        clearTimeout(timer)
        await running
      },
    }
  }

  /**
   * Works the job if this owner can take its lease: undefined when someone else holds it (or it is finished),
   * otherwise the job as it ended (done, failed, or still running when `signal` stopped it). An error other than a
   * bad file (the database went away…) leaves the job running, with the lease held until it expires: whoever takes
   * it then goes on from the last committed chunk.
   */
  async run(jobId: string, owner: string, opts: RunOptions = {}): Promise<ImportJobRecord | undefined> {
    const { ds, clock, leaseSeconds } = this.o
    const until = () => new Date(clock().getTime() + leaseSeconds * 1000).toISOString()
    await new ImportStore(ds).takeLease(jobId, owner, clock().toISOString(), until(), opts.takeOverFrom)
    let job = await new ImportStore(ds).find(jobId)
    if (!job || job.leaseOwner !== owner || (job.state !== 'running' && job.state !== 'queued')) return undefined
    const log = this.o.log.child({ job: jobId })
    log.info('import job started', { rowsDone: job.rowsDone, owner })
    // Renewed between chunks too; this covers a chunk that takes long.
    const renew = setInterval(
      () => void new ImportStore(ds).renewLease(jobId, owner, until()).catch(() => undefined),
      Math.max(1000, (leaseSeconds * 1000) / 3),
    )
    try {
      const { sha256 } = await this.hashFile(job.filePath, job.id)
      if (sha256 !== job.fileSha256) throw new ImportFileError('import_file_changed', 'the file changed since the job was created')
      const t0 = performance.now()
      job = await this.work(job, owner, until, opts)
      this.ms.work += performance.now() - t0
      if (opts.signal?.aborted && job.state === 'running') {
        await new ImportStore(ds).releaseLease(jobId, owner, clock().toISOString())
        return { ...job, leaseOwner: null, leaseUntil: null }
      }
      return await this.finish(job.id, owner, 'done', null)
    } catch (err) {
      if (err instanceof ImportFileError) {
        log.warn('import job failed', { code: err.code })
        return await this.finish(jobId, owner, 'failed', { code: err.code, message: err.message })
      }
      // Recognition refusing a batch (a 4xx of its own) would refuse it again on every retry: the job fails, with
      // what was committed before it kept.
      if (err instanceof AppError && err.status < 500) {
        log.warn('import job failed: recognition refused a chunk', { code: err.code })
        return await this.finish(jobId, owner, 'failed', { code: err.code, message: err.message })
      }
      if (err instanceof LeaseLostError) {
        log.warn('import job lease lost to another instance')
        return undefined
      }
      throw err
    } finally {
      clearInterval(renew)
    }
  }

  /**
   * The job's chunks, two at a time: chunk n+1 is checked and prepared (built and signed: Recognition's
   * prepareImportBatch) while chunk n is written and committed, so the event loop, the signing threads and the database
   * work at once. Chunk n+1's status slots were reserved by an earlier chunk's transaction (SlotReserve). Nothing it
   * started outlives the run.
   */
  private async work(start: ImportJobRecord, owner: string, until: () => string, opts: RunOptions): Promise<ImportJobRecord> {
    const { chunkRows } = this.o
    const entries = new Map<string, CatalogueEntryRecord | null>()
    const keys = new RecordKeySet()
    const reserve = new SlotReserve(this.o.ds, this.o.slots)
    let job = start
    let seen = 0
    let rowsThisRun = 0
    let chunk: SourceRow[] = []
    // Every preparation started (settled: nothing outlives the run), whether one failed (its chunk's `writing` throws
    // it), and the last chunk's write.
    let preparing: Promise<unknown> = Promise.resolve()
    let prepareFailed = false
    let writing: Promise<void> = Promise.resolve()
    const commit = async (at: ChunkEnd) => {
      const rows = chunk
      chunk = []
      const rowsLeft = at.final ? 0 : rowsAfter(at, seen, start.fileSize)
      const checked = await this.validateChunk(job.institutionId, rows, entries, keys)
      if (prepareFailed) await writing
      // Short of reserved slots, it waits for the write in flight (the chunk before's), which reserves more.
      const previousWrite = writing
      let handedOut = 0 // the reserve's count once this chunk had its slots
      const prepared = this.prepareChunk(job, checked, async (count) => {
        const slots = await reserve.take(count, previousWrite)
        handedOut = reserve.handedOut
        return slots
      })
      const settled = prepared.then(
        () => undefined,
        () => void (prepareFailed = true),
      )
      // Settled, holding no batch (each is let go once written).
      preparing = Promise.all([preparing, settled]).then(() => undefined)
      await writing
      writing = prepared
        .then((batch) =>
          this.commitChunk(job, checked, batch, at.byteOffset, {
            owner,
            until,
            reserve,
            rowsLeft,
            takenAhead: () => reserve.handedOut - handedOut,
          }),
        )
        .then((next) => {
          job = next
          rowsThisRun += rows.length
          opts.onProgress?.({ job, rowsThisRun })
        })
      writing.catch(() => undefined) // awaited before the next chunk's write and at the end; this only keeps it from counting as unhandled
    }
    try {
      for await (const batch of readRows(this.source(job.filePath, job.id), job.format, IMPORT_COLUMNS)) {
        for (const [i, row] of batch.rows.entries()) {
          seen++
          if (seen <= start.rowsDone) {
            // Committed by an earlier run: only its record key matters now (a later repeat of it is still a repeat).
            const k = recordKeyOf(row)
            if (k !== undefined) keys.addSeen(k)
            continue
          }
          chunk.push(row)
          if (chunk.length >= chunkRows) {
            await commit({ byteOffset: batch.byteOffset, rowsAhead: batch.rows.length - i - 1 })
            if (opts.signal?.aborted) {
              await writing
              return job
            }
          }
        }
      }
      if (chunk.length) await commit({ byteOffset: start.fileSize, rowsAhead: 0, final: true })
      await writing
      return job
    } finally {
      await Promise.allSettled([writing, preparing])
    }
  }

  /** Recognition's batch for a chunk's valid rows, prepared outside any transaction, signed in the slots of `slots`. */
  private async prepareChunk(job: ImportJobRecord, checked: CheckedChunk, slots: SlotSource): Promise<PreparedImportBatch | undefined> {
    if (!checked.valid.length) return undefined
    const t0 = performance.now()
    const batch = await this.o.sink.prepareImportBatch(checked.valid, job.createdBy, { importJobId: job.id, slots })
    this.ms.prepare += performance.now() - t0
    return batch
  }

  /** Checks a chunk's rows (catalogue codes looked up once per job); record keys are remembered in file order. */
  private async validateChunk(
    institutionId: string,
    rows: readonly SourceRow[],
    entries: Map<string, CatalogueEntryRecord | null>,
    keys: RecordKeySet,
  ): Promise<CheckedChunk> {
    const { clock, catalogue, protector } = this.o
    const t0 = performance.now()
    for (const r of rows) {
      const code = (r.fields.course_code ?? '').trim()
      if (code && !entries.has(code)) entries.set(code, (await catalogue.findByCode(institutionId, code)) ?? null)
    }
    const ctx = {
      institutionId,
      clock,
      protector,
      entry: (code: string) => entries.get(code) ?? null,
      seen: (k: string) => keys.addSeen(k),
    }
    const today = chinaToday(clock())
    const checked: CheckedChunk = { rows: rows.length, valid: [], errors: [], rejected: 0 }
    for (const r of rows) {
      const result = validateRow(r, ctx, today)
      if (result.ok) checked.valid.push(result.row)
      else {
        checked.rejected++
        checked.errors.push(...result.errors)
      }
    }
    this.ms.validate += performance.now() - t0
    return checked
  }

  /**
   * One chunk in one transaction: its prepared outcomes and credentials, error rows, the cursor and counts, one audit
   * entry, and status slots reserved for the chunks after it. A record key another job stored since the chunk was
   * prepared (a unique violation) sends the chunk back to be prepared again, the row then a duplicate.
   */
  private async commitChunk(
    job: ImportJobRecord,
    checked: CheckedChunk,
    prepared: PreparedImportBatch | undefined,
    byteOffset: number,
    lease: ChunkLease,
  ): Promise<ImportJobRecord> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.writeChunk(job, checked, prepared, byteOffset, lease)
      } catch (err) {
        if (!(err instanceof StaleBatchError) || attempt >= STALE_BATCH_ATTEMPTS) throw err instanceof StaleBatchError ? err.cause : err
        this.o.log.info('import chunk prepared again: a record key was stored meanwhile', { job: job.id, fromRow: job.rowsDone + 1 })
        prepared = await this.prepareChunk(job, checked, (count) => lease.reserve.take(count))
      }
    }
  }

  private async writeChunk(
    job: ImportJobRecord,
    checked: CheckedChunk,
    prepared: PreparedImportBatch | undefined,
    byteOffset: number,
    lease: ChunkLease,
  ): Promise<ImportJobRecord> {
    const { clock, ds, sink } = this.o
    const { errors, rejected } = checked
    const rowsDone = job.rowsDone + checked.rows
    const t0 = performance.now()
    const { committed, reserved } = await transaction(ds, async (m) => {
      const store = new ImportStore(m)
      const current = await store.findForUpdate(job.id)
      if (!current || current.leaseOwner !== lease.owner || current.rowsDone !== job.rowsDone) throw new LeaseLostError()
      // Slots for the next two chunks (the next may take its slots before this commits, or have taken them: those
      // count), each as many as this one signed: none for a file of duplicates, none past the file's end.
      const signed = prepared?.results.filter((r) => r.status === 'imported').length ?? 0
      const reserved = await lease.reserve.allocateIn(m, Math.min(2 * signed, lease.rowsLeft) - lease.takenAhead())
      const outcomes = prepared
        ? await sink.writeImportBatch(m, prepared).catch((err: unknown) => {
            // Not retried as it is by transaction() (PostgreSQL retries a unique violation): the batch is stale.
            throw isUniqueViolation(err) ? new StaleBatchError(err) : err
          })
        : []
      const tally = { imported: 0, duplicates: 0, toReview: 0 }
      for (const o of outcomes) {
        if (o.status === 'imported') tally.imported++
        else if (o.status === 'duplicate') tally.duplicates++
        else tally.toReview++
      }
      const counts: ImportCounts = {
        rows: current.counts.rows + checked.rows,
        imported: current.counts.imported + tally.imported,
        duplicates: current.counts.duplicates + tally.duplicates,
        rejected: current.counts.rejected + rejected,
        toReview: current.counts.toReview + tally.toReview,
      }
      await store.insertErrors(job.id, errors)
      const now = clock().toISOString()
      const leaseUntil = lease.until()
      await store.advance(job.id, { rowsDone, byteOffset }, counts, now, leaseUntil)
      await record(m, {
        at: clock(),
        actor: job.createdBy,
        action: 'import_rows_committed',
        subject: { type: 'import_job', id: job.id },
        after: { fromRow: job.rowsDone + 1, toRow: rowsDone, ...tally, rejected },
      })
      return { committed: { ...current, rowsDone, byteOffset, counts, updatedAt: now, leaseUntil }, reserved }
    })
    lease.reserve.add(reserved)
    this.ms.write += performance.now() - t0
    return committed
  }

  /** Ends the job if this owner still holds its lease (undefined otherwise), with the counts as committed. */
  private async finish(
    jobId: string,
    owner: string,
    state: 'done' | 'failed',
    error: { code: string; message: string } | null,
  ): Promise<ImportJobRecord | undefined> {
    const { clock, ds } = this.o
    const now = clock().toISOString()
    const job = await transaction(ds, async (m) => {
      const store = new ImportStore(m)
      const current = await store.findForUpdate(jobId)
      if (!current || current.leaseOwner !== owner) return undefined
      await store.finish(jobId, state, now, error)
      await record(m, {
        at: clock(),
        actor: current.createdBy,
        action: 'import_job_finished',
        subject: { type: 'import_job', id: jobId },
        after: { state, ...current.counts, ...(error ? { error: error.code } : {}) },
      })
      return current
    })
    if (!job) return undefined
    // An upload (sealed, but holding identity numbers) is kept only while its job may still need it. A file the
    // command line was given is the operator's and stays.
    if (path.dirname(job.filePath) === path.resolve(this.o.dataDir, 'imports')) rmSync(job.filePath, { force: true })
    this.o.log.info('import job finished', { job: jobId, state, ...job.counts })
    return { ...job, state, finishedAt: now, updatedAt: now, leaseOwner: null, leaseUntil: null, error }
  }
}

/** What a chunk's write goes on with: the job's lease, the run's slot reserve, and about how many rows follow. */
interface ChunkLease {
  readonly owner: string
  readonly until: () => string
  readonly reserve: SlotReserve
  /** About how many rows follow the chunk in the file. */
  readonly rowsLeft: number
  /** Slots the chunks after this one took already. */
  readonly takenAhead: () => number
}

/** Where a chunk ends in the file: the reader's position after it, and how many rows it read past the chunk's last. */
interface ChunkEnd {
  readonly byteOffset: number
  readonly rowsAhead: number
  /** The file's last chunk. */
  readonly final?: boolean
}

/**
 * Rows after a chunk's end (`rowsThrough` rows up to it, resumed ones too): those read past it, and the rest of the
 * file at the bytes a row read so far.
 */
function rowsAfter(at: ChunkEnd, rowsThrough: number, fileSize: number): number {
  const rowsRead = rowsThrough + at.rowsAhead
  return at.rowsAhead + Math.ceil(((fileSize - at.byteOffset) * rowsRead) / Math.max(1, at.byteOffset))
}

/** A chunk's rows, checked: what recognition gets, and what the error report gets. */
interface CheckedChunk {
  readonly rows: number
  readonly valid: ImportRow[]
  readonly errors: RowError[]
  rejected: number
}

export interface StoredFile {
  readonly id: string
  readonly path: string
  readonly sha256: string
  readonly size: number
}

/** One CSV line (RFC 4180 quoting); a cell that a spreadsheet would read as a formula is prefixed with '. */
export function csvLine(cells: readonly (string | number)[]): string {
  return cells
    .map((c) => {
      let s = String(c)
      if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`
      return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
    })
    .join(',')
}

/** A valid, obviously fictional resident identity number for the template (Beijing, Chaoyang; born 1990-01-01). */
function exampleIdNumber(): string {
  const body = '11010519900101001'
  return body + mod11_2CheckCharacter(body)
}
