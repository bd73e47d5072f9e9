// The only SQL over cb_import_job and cb_import_error: import jobs (file, lease, cursor, counts) and their rejected rows.
import { forUpdate, sql, type Db } from '../../core/store/sql.ts'
import type { AuditActor } from '../audit/audit-trail.ts'

export const IMPORT_FORMATS = ['csv', 'jsonl'] as const
export type ImportFormat = (typeof IMPORT_FORMATS)[number]
export const JOB_STATES = ['queued', 'running', 'done', 'failed'] as const
export type JobState = (typeof JOB_STATES)[number]

export interface ImportCounts {
  readonly rows: number
  readonly imported: number
  readonly duplicates: number
  readonly rejected: number
  readonly toReview: number
}

export const NO_COUNTS: ImportCounts = { rows: 0, imported: 0, duplicates: 0, rejected: 0, toReview: 0 }

export interface ImportJobRecord {
  readonly id: string
  readonly institutionId: string
  readonly format: ImportFormat
  readonly filePath: string
  readonly fileSha256: string
  readonly fileSize: number
  readonly state: JobState
  /** The cursor: data rows whose outcomes, credentials, error rows and counts are committed. */
  readonly rowsDone: number
  /** Where the reader was when the cursor's chunk committed (progress only). */
  readonly byteOffset: number
  readonly counts: ImportCounts
  readonly leaseOwner: string | null
  readonly leaseUntil: string | null
  readonly createdBy: AuditActor
  readonly createdAt: string
  readonly updatedAt: string
  readonly finishedAt: string | null
  readonly error: { readonly code: string; readonly message: string } | null
}

export interface RowError {
  readonly row: number
  /** '' when the whole row is refused. */
  readonly column: string
  readonly code: string
  readonly messageZh: string
  readonly messageEn: string
}

interface JobRow {
  id: string
  institution_id: string
  format: string
  file_path: string
  file_sha256: string
  file_size: number | string
  state: string
  rows_done: number | string
  byte_offset: number | string
  rows_total: number | string
  imported: number | string
  duplicates: number | string
  rejected: number | string
  to_review: number | string
  lease_owner: string | null
  lease_until: string | null
  created_by: string
  created_at: string
  updated_at: string
  finished_at: string | null
  error: string | null
}

const COLUMNS =
  'id, institution_id, format, file_path, file_sha256, file_size, state, rows_done, byte_offset, rows_total, imported, duplicates, ' +
  'rejected, to_review, lease_owner, lease_until, created_by, created_at, updated_at, finished_at, error'

const toRecord = (r: JobRow): ImportJobRecord => ({
  id: r.id,
  institutionId: r.institution_id,
  format: r.format as ImportFormat,
  filePath: r.file_path,
  fileSha256: r.file_sha256,
  fileSize: Number(r.file_size),
  state: r.state as JobState,
  rowsDone: Number(r.rows_done),
  byteOffset: Number(r.byte_offset),
  counts: {
    rows: Number(r.rows_total),
    imported: Number(r.imported),
    duplicates: Number(r.duplicates),
    rejected: Number(r.rejected),
    toReview: Number(r.to_review),
  },
  leaseOwner: r.lease_owner,
  leaseUntil: r.lease_until,
  createdBy: JSON.parse(r.created_by) as AuditActor,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  finishedAt: r.finished_at,
  error: r.error === null ? null : (JSON.parse(r.error) as { code: string; message: string }),
})

/** Rows per multi-row INSERT of error rows (6 parameters each: well under SQLite's and PostgreSQL's limits). */
const ERRORS_PER_INSERT = 150

export class ImportStore {
  constructor(private readonly db: Db) {}

  async insert(job: ImportJobRecord): Promise<void> {
    await sql(this.db, `INSERT INTO cb_import_job (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
      job.id,
      job.institutionId,
      job.format,
      job.filePath,
      job.fileSha256,
      job.fileSize,
      job.state,
      job.rowsDone,
      job.byteOffset,
      job.counts.rows,
      job.counts.imported,
      job.counts.duplicates,
      job.counts.rejected,
      job.counts.toReview,
      job.leaseOwner,
      job.leaseUntil,
      JSON.stringify(job.createdBy),
      job.createdAt,
      job.updatedAt,
      job.finishedAt,
      job.error === null ? null : JSON.stringify(job.error),
    ])
  }

  async find(id: string): Promise<ImportJobRecord | undefined> {
    const [row] = await sql<JobRow>(this.db, `SELECT ${COLUMNS} FROM cb_import_job WHERE id = ?`, [id])
    return row && toRecord(row)
  }

  /** The job, its row locked until the transaction ends (PostgreSQL; SQLite transactions here are exclusive). */
  async findForUpdate(id: string): Promise<ImportJobRecord | undefined> {
    const [row] = await sql<JobRow>(this.db, `SELECT ${COLUMNS} FROM cb_import_job WHERE id = ?${forUpdate(this.db)}`, [id])
    return row && toRecord(row)
  }

  /** An institution's jobs, newest first, after the (createdAt, id) position of the previous page. */
  async list(institutionId: string, after: { createdAt: string; id: string } | undefined, limit: number): Promise<ImportJobRecord[]> {
    const rows = after
      ? await sql<JobRow>(
          this.db,
          `SELECT ${COLUMNS} FROM cb_import_job WHERE institution_id = ? AND (created_at < ? OR (created_at = ? AND id < ?))
           ORDER BY created_at DESC, id DESC LIMIT ?`,
          [institutionId, after.createdAt, after.createdAt, after.id, limit],
        )
      : await sql<JobRow>(
          this.db,
          `SELECT ${COLUMNS} FROM cb_import_job WHERE institution_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`,
          [institutionId, limit],
        )
    return rows.map(toRecord)
  }

  /** The newest unfinished job of this institution for a file with this content (what `credit-bank import` resumes). */
  async findUnfinished(institutionId: string, sha256: string): Promise<ImportJobRecord | undefined> {
    const [row] = await sql<JobRow>(
      this.db,
      `SELECT ${COLUMNS} FROM cb_import_job WHERE institution_id = ? AND file_sha256 = ? AND state IN ('queued', 'running')
       ORDER BY created_at DESC, id DESC LIMIT 1`,
      [institutionId, sha256],
    )
    return row && toRecord(row)
  }

  /** Ids of jobs someone could work now: queued, or running with no live lease (at `now`). Oldest first. */
  async claimable(now: string, limit: number): Promise<string[]> {
    const rows = await sql<{ id: string }>(
      this.db,
      `SELECT id FROM cb_import_job WHERE state = 'queued' OR (state = 'running' AND (lease_until IS NULL OR lease_until < ?))
       ORDER BY created_at, id LIMIT ?`,
      [now, limit],
    )
    return rows.map((r) => r.id)
  }

  /**
   * Takes the lease when nobody holds a live one (or `owner` already does, or `takeOverFrom` names the holder, which is
   * known to be gone): one conditional UPDATE, so of two instances racing for it exactly one wins. The caller reads the
   * job back to learn whether it did.
   */
  async takeLease(id: string, owner: string, now: string, until: string, takeOverFrom?: string): Promise<void> {
    await sql(
      this.db,
      `UPDATE cb_import_job SET lease_owner = ?, lease_until = ?, state = 'running', updated_at = ?
       WHERE id = ? AND state IN ('queued', 'running')
         AND (lease_owner IS NULL OR lease_until IS NULL OR lease_until < ? OR lease_owner = ? OR lease_owner = ?)`,
      [owner, until, now, id, now, owner, takeOverFrom ?? owner],
    )
  }

  /** Renews a lease its owner holds (no effect when another instance has taken it over). */
  async renewLease(id: string, owner: string, until: string): Promise<void> {
    await sql(this.db, `UPDATE cb_import_job SET lease_until = ? WHERE id = ? AND lease_owner = ? AND state = 'running'`, [
      until,
      id,
      owner,
    ])
  }

  /** Gives the lease up (the job stays resumable by anyone). */
  async releaseLease(id: string, owner: string, now: string): Promise<void> {
    await sql(this.db, `UPDATE cb_import_job SET lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE id = ? AND lease_owner = ?`, [
      now,
      id,
      owner,
    ])
  }

  /** Moves the cursor and the counts (inside the chunk's transaction, after its outcomes and error rows). */
  async advance(
    id: string,
    cursor: { rowsDone: number; byteOffset: number },
    counts: ImportCounts,
    now: string,
    leaseUntil: string,
  ): Promise<void> {
    await sql(
      this.db,
      `UPDATE cb_import_job SET rows_done = ?, byte_offset = ?, rows_total = ?, imported = ?, duplicates = ?, rejected = ?, to_review = ?,
       updated_at = ?, lease_until = ? WHERE id = ?`,
      [
        cursor.rowsDone,
        cursor.byteOffset,
        counts.rows,
        counts.imported,
        counts.duplicates,
        counts.rejected,
        counts.toReview,
        now,
        leaseUntil,
        id,
      ],
    )
  }

  async finish(id: string, state: 'done' | 'failed', now: string, error: { code: string; message: string } | null): Promise<void> {
    await sql(
      this.db,
      `UPDATE cb_import_job SET state = ?, finished_at = ?, updated_at = ?, lease_owner = NULL, lease_until = NULL, error = ? WHERE id = ?`,
      [state, now, now, error === null ? null : JSON.stringify(error), id],
    )
  }

  async insertErrors(jobId: string, errors: readonly RowError[]): Promise<void> {
    for (let i = 0; i < errors.length; i += ERRORS_PER_INSERT) {
      const part = errors.slice(i, i + ERRORS_PER_INSERT)
      await sql(
        this.db,
        `INSERT INTO cb_import_error (job_id, row_number, column_name, code, message_zh, message_en) VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
        part.flatMap((e) => [jobId, e.row, e.column, e.code, e.messageZh, e.messageEn]),
      )
    }
  }

  /** A job's rejected rows in (row, column) order, after the given position. */
  async errors(jobId: string, after: { row: number; column: string } | undefined, limit: number): Promise<RowError[]> {
    const rows = await sql<{ row_number: number | string; column_name: string; code: string; message_zh: string; message_en: string }>(
      this.db,
      `SELECT row_number, column_name, code, message_zh, message_en FROM cb_import_error
       WHERE job_id = ?${after ? ' AND (row_number > ? OR (row_number = ? AND column_name > ?))' : ''}
       ORDER BY row_number, column_name LIMIT ?`,
      after ? [jobId, after.row, after.row, after.column, limit] : [jobId, limit],
    )
    return rows.map((r) => ({
      row: Number(r.row_number),
      column: r.column_name,
      code: r.code,
      messageZh: r.message_zh,
      messageEn: r.message_en,
    }))
  }
}
