// The only SQL over cb_audit and cb_audit_head: the audit trail's entries, in chain order, and the chain's head.
import { forUpdate, sql, type Db } from '../../core/store/sql.ts'

/** Rows per INSERT: 12 parameters a row stays far under SQLite's and PostgreSQL's parameter limits. */
const ROWS_PER_INSERT = 80

/** An entry as stored: `before`/`after` are the canonical JSON text (already masked), or null. */
export interface AuditRecord {
  readonly seq: number
  readonly at: string
  readonly actorType: string
  readonly actorId: string
  readonly actorName: string | null
  readonly action: string
  readonly subjectType: string
  readonly subjectId: string
  readonly before: string | null
  readonly after: string | null
  readonly prevHash: string
  readonly hash: string
}

export interface AuditHead {
  readonly seq: number
  readonly hash: string
}

interface AuditRow {
  seq: number | string
  at: string
  actor_type: string
  actor_id: string
  actor_name: string | null
  action: string
  subject_type: string
  subject_id: string
  before_json: string | null
  after_json: string | null
  prev_hash: string
  hash: string
}

const COLUMNS = 'seq, at, actor_type, actor_id, actor_name, action, subject_type, subject_id, before_json, after_json, prev_hash, hash'

const toRecord = (r: AuditRow): AuditRecord => ({
  seq: Number(r.seq),
  at: r.at,
  actorType: r.actor_type,
  actorId: r.actor_id,
  actorName: r.actor_name ?? null,
  action: r.action,
  subjectType: r.subject_type,
  subjectId: r.subject_id,
  before: r.before_json ?? null,
  after: r.after_json ?? null,
  prevHash: r.prev_hash,
  hash: r.hash,
})

/** Over a DataSource, or over a transaction's EntityManager to take part in it (appends must). */
export class AuditStore {
  constructor(private readonly db: Db) {}

  /** The chain's head; `lock` holds it until the transaction ends, so appends from any instance queue behind it. */
  async head(opts: { lock?: boolean } = {}): Promise<AuditHead> {
    const [row] = await sql<{ seq: number | string; hash: string }>(
      this.db,
      `SELECT seq, hash FROM cb_audit_head WHERE id = 1${opts.lock ? forUpdate(this.db) : ''}`,
    )
    if (!row) throw new Error('cb_audit_head has no row: run the migrations')
    return { seq: Number(row.seq), hash: row.hash }
  }

  /** Appends entries already chained (consecutive seq after the head) and moves the head to the last one. */
  async append(records: readonly AuditRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += ROWS_PER_INSERT) {
      const part = records.slice(i, i + ROWS_PER_INSERT)
      const values = part.flatMap((r) => [
        r.seq,
        r.at,
        r.actorType,
        r.actorId,
        r.actorName,
        r.action,
        r.subjectType,
        r.subjectId,
        r.before,
        r.after,
        r.prevHash,
        r.hash,
      ])
      await sql(
        this.db,
        `INSERT INTO cb_audit (${COLUMNS}) VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        values,
      )
    }
    const last = records[records.length - 1]
    if (last) await sql(this.db, 'UPDATE cb_audit_head SET seq = ?, hash = ? WHERE id = 1', [last.seq, last.hash])
  }

  /** Up to `limit` entries with seq > `after`, in chain order. */
  async page(after: number, limit: number): Promise<AuditRecord[]> {
    const rows = await sql<AuditRow>(this.db, `SELECT ${COLUMNS} FROM cb_audit WHERE seq > ? ORDER BY seq LIMIT ?`, [after, limit])
    return rows.map(toRecord)
  }

  /** Up to `limit` entries with seq > `after` whose actor or subject is `party` (a person's own export), in chain order. */
  async about(party: { type: string; id: string }, after: number, limit: number): Promise<AuditRecord[]> {
    const rows = await sql<AuditRow>(
      this.db,
      `SELECT ${COLUMNS} FROM cb_audit WHERE seq > ? AND ((actor_type = ? AND actor_id = ?) OR (subject_type = ? AND subject_id = ?))
         ORDER BY seq LIMIT ?`,
      [after, party.type, party.id, party.type, party.id, limit],
    )
    return rows.map(toRecord)
  }

  /** How many entries are stored. */
  async count(): Promise<number> {
    const [row] = await sql<{ n: number | string }>(this.db, 'SELECT COUNT(*) AS n FROM cb_audit')
    return Number(row?.n ?? 0)
  }
}
