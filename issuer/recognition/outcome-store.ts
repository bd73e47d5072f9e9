// The only SQL over cb_learning_outcome: learning outcomes, imported or deposited, and where their recognition stands.
import { forUpdate, insertRows, sql, type Db } from '../../core/store/sql.ts'
import type { IdentityObject } from '../../core/credentials/types.ts'

export const OUTCOME_SOURCES = ['import', 'deposit'] as const
export type OutcomeSource = (typeof OUTCOME_SOURCES)[number]
export const OUTCOME_STATES = ['pending', 'referred', 'recognized', 'rejected', 'withdrawn'] as const
export type OutcomeState = (typeof OUTCOME_STATES)[number]

/** What a learner says a deposited outcome is, when it is not in the catalogue. */
export interface OutcomeClaim {
  readonly name: { readonly zh: string; readonly en: string }
  readonly issuerName: string
  readonly category: 'academic' | 'non_academic'
  readonly level: number
  readonly field: string
  readonly credits: number
}

export interface OutcomeRecord {
  readonly id: string
  readonly source: OutcomeSource
  readonly institutionId: string | null
  readonly recordKey: string | null
  readonly importJobId: string | null
  readonly depositId: string | null
  readonly idHash: string
  readonly identityObject: IdentityObject
  readonly catalogueEntryId: string | null
  readonly claim: OutcomeClaim | null
  /** Hundredths of a credit. */
  readonly creditsCenti: number
  readonly result: string | null
  /** YYYY-MM-DD. */
  readonly awardedDate: string
  readonly term: string | null
  readonly activityStartDate: string | null
  readonly activityEndDate: string | null
  readonly state: OutcomeState
  readonly reasonZh: string | null
  readonly reasonEn: string | null
  /** `<actor type>:<actor id>` of whoever referred it to the expert committee. */
  readonly referredBy: string | null
  readonly referredAt: string | null
  /** `<actor type>:<actor id>` of whoever recognized, rejected or withdrew it. */
  readonly decidedBy: string | null
  readonly decidedAt: string | null
  readonly credentialId: string | null
  readonly createdAt: string
  readonly updatedAt: string
}

/** The members a decision changes. */
export interface OutcomeDecision {
  readonly state: OutcomeState
  readonly reasonZh: string | null
  readonly reasonEn: string | null
  readonly referredBy?: string
  readonly referredAt?: string
  readonly decidedBy?: string
  readonly decidedAt?: string
  readonly credentialId?: string
  readonly updatedAt: string
}

interface OutcomeRow {
  id: string
  source: string
  institution_id: string | null
  record_key: string | null
  import_job_id: string | null
  deposit_id: string | null
  id_hash: string
  identity_object: string
  catalogue_entry_id: string | null
  claim: string | null
  credits_centi: number | string
  result: string | null
  awarded_date: string
  term: string | null
  activity_start_date: string | null
  activity_end_date: string | null
  state: string
  reason_zh: string | null
  reason_en: string | null
  referred_by: string | null
  referred_at: string | null
  decided_by: string | null
  decided_at: string | null
  credential_id: string | null
  created_at: string
  updated_at: string
}

const COLUMN_LIST = [
  'id',
  'source',
  'institution_id',
  'record_key',
  'import_job_id',
  'deposit_id',
  'id_hash',
  'identity_object',
  'catalogue_entry_id',
  'claim',
  'credits_centi',
  'result',
  'awarded_date',
  'term',
  'activity_start_date',
  'activity_end_date',
  'state',
  'reason_zh',
  'reason_en',
  'referred_by',
  'referred_at',
  'decided_by',
  'decided_at',
  'credential_id',
  'created_at',
  'updated_at',
] as const
const COLUMNS = COLUMN_LIST.join(', ')
/** Keys per `IN (…)` look-up. */
const KEYS_PER_SELECT = 2000

const values = (o: OutcomeRecord): unknown[] => [
  o.id,
  o.source,
  o.institutionId,
  o.recordKey,
  o.importJobId,
  o.depositId,
  o.idHash,
  JSON.stringify(o.identityObject),
  o.catalogueEntryId,
  o.claim === null ? null : JSON.stringify(o.claim),
  o.creditsCenti,
  o.result,
  o.awardedDate,
  o.term,
  o.activityStartDate,
  o.activityEndDate,
  o.state,
  o.reasonZh,
  o.reasonEn,
  o.referredBy,
  o.referredAt,
  o.decidedBy,
  o.decidedAt,
  o.credentialId,
  o.createdAt,
  o.updatedAt,
]

const toRecord = (r: OutcomeRow): OutcomeRecord => ({
  id: r.id,
  source: r.source as OutcomeSource,
  institutionId: r.institution_id ?? null,
  recordKey: r.record_key ?? null,
  importJobId: r.import_job_id ?? null,
  depositId: r.deposit_id ?? null,
  idHash: r.id_hash,
  identityObject: JSON.parse(r.identity_object) as IdentityObject,
  catalogueEntryId: r.catalogue_entry_id ?? null,
  claim: r.claim === null || r.claim === undefined ? null : (JSON.parse(r.claim) as OutcomeClaim),
  creditsCenti: Number(r.credits_centi),
  result: r.result ?? null,
  awardedDate: r.awarded_date,
  term: r.term ?? null,
  activityStartDate: r.activity_start_date ?? null,
  activityEndDate: r.activity_end_date ?? null,
  state: r.state as OutcomeState,
  reasonZh: r.reason_zh ?? null,
  reasonEn: r.reason_en ?? null,
  referredBy: r.referred_by ?? null,
  referredAt: r.referred_at ?? null,
  decidedBy: r.decided_by ?? null,
  decidedAt: r.decided_at ?? null,
  credentialId: r.credential_id ?? null,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

/** A position in a (created_at, id) order. */
export interface OutcomePosition {
  readonly createdAt: string
  readonly id: string
}

/** Over a DataSource, or over a transaction's EntityManager to take part in it. */
export class OutcomeStore {
  constructor(private readonly db: Db) {}

  /** Multi-row inserts; a taken (institution, record key) or deposit id is a unique violation. */
  async insert(outcomes: readonly OutcomeRecord[]): Promise<void> {
    await insertRows(this.db, 'cb_learning_outcome', COLUMN_LIST, outcomes.map(values), { integers: ['credits_centi'] })
  }

  /** The outcome ids of an institution's record keys that are already stored, by record key. */
  async idsByRecordKey(institutionId: string, recordKeys: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>()
    for (let i = 0; i < recordKeys.length; i += KEYS_PER_SELECT) {
      const chunk = recordKeys.slice(i, i + KEYS_PER_SELECT)
      const rows = await sql<{ id: string; record_key: string }>(
        this.db,
        `SELECT id, record_key FROM cb_learning_outcome WHERE institution_id = ? AND record_key IN (${chunk.map(() => '?').join(', ')})`,
        [institutionId, ...chunk],
      )
      for (const r of rows) out.set(r.record_key, r.id)
    }
    return out
  }

  /** `lock` holds the row until the transaction ends (PostgreSQL; SQLite transactions here are exclusive anyway). */
  async find(id: string, opts: { lock?: boolean } = {}): Promise<OutcomeRecord | undefined> {
    const [row] = await sql<OutcomeRow>(
      this.db,
      `SELECT ${COLUMNS} FROM cb_learning_outcome WHERE id = ?${opts.lock ? forUpdate(this.db) : ''}`,
      [id],
    )
    return row && toRecord(row)
  }

  /** The outcome a deposit produced. */
  async findByDeposit(depositId: string): Promise<OutcomeRecord | undefined> {
    const [row] = await sql<OutcomeRow>(this.db, `SELECT ${COLUMNS} FROM cb_learning_outcome WHERE deposit_id = ?`, [depositId])
    return row && toRecord(row)
  }

  async update(id: string, d: OutcomeDecision): Promise<void> {
    await sql(
      this.db,
      `UPDATE cb_learning_outcome SET state = ?, reason_zh = ?, reason_en = ?, referred_by = COALESCE(?, referred_by),
        referred_at = COALESCE(?, referred_at), decided_by = COALESCE(?, decided_by), decided_at = COALESCE(?, decided_at),
        credential_id = COALESCE(?, credential_id), updated_at = ? WHERE id = ?`,
      [
        d.state,
        d.reasonZh,
        d.reasonEn,
        d.referredBy ?? null,
        d.referredAt ?? null,
        d.decidedBy ?? null,
        d.decidedAt ?? null,
        d.credentialId ?? null,
        d.updatedAt,
        id,
      ],
    )
  }

  /** Imported outcomes an institution holds (every state). */
  async countImported(institutionId: string): Promise<number> {
    const [row] = await sql<{ n: number | string }>(
      this.db,
      'SELECT COUNT(*) AS n FROM cb_learning_outcome WHERE institution_id = ? AND record_key IS NOT NULL',
      [institutionId],
    )
    return Number(row?.n ?? 0)
  }

  /** Outcomes an import job produced, by state. */
  async countByJob(importJobId: string): Promise<Partial<Record<OutcomeState, number>>> {
    const rows = await sql<{ state: string; n: number | string }>(
      this.db,
      'SELECT state, COUNT(*) AS n FROM cb_learning_outcome WHERE import_job_id = ? GROUP BY state',
      [importJobId],
    )
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]))
  }

  /**
   * A learner's outcomes, newest first, strictly before `before` in (created_at, id) order. Found through the learner
   * index's own expression (the hash's first 8 hex digits, migration 1797500000000), then by the whole hash; a learner's
   * outcomes are few, and sorted once found.
   */
  async listForLearner(idHash: string, before: OutcomePosition | undefined, limit: number): Promise<OutcomeRecord[]> {
    const rows = await sql<OutcomeRow>(
      this.db,
      `SELECT ${COLUMNS} FROM cb_learning_outcome WHERE substr(id_hash, 1, 8) = ? AND id_hash = ?${before ? ' AND (created_at < ? OR (created_at = ? AND id < ?))' : ''}
       ORDER BY created_at DESC, id DESC LIMIT ?`,
      [idHash.slice(0, 8), idHash, ...(before ? [before.createdAt, before.createdAt, before.id] : []), limit],
    )
    return rows.map(toRecord)
  }

  /**
   * A recognition queue's outcomes, oldest first, strictly after `after` in (created_at, id) order. The literal IN is the
   * queue index's own predicate (it covers only these states), so that either database can prove the index applies.
   */
  async listInQueue(state: 'pending' | 'referred', after: OutcomePosition | undefined, limit: number): Promise<OutcomeRecord[]> {
    const rows = await sql<OutcomeRow>(
      this.db,
      `SELECT ${COLUMNS} FROM cb_learning_outcome WHERE state IN ('pending', 'referred') AND state = ?${after ? ' AND (created_at > ? OR (created_at = ? AND id > ?))' : ''}
       ORDER BY created_at, id LIMIT ?`,
      [state, ...(after ? [after.createdAt, after.createdAt, after.id] : []), limit],
    )
    return rows.map(toRecord)
  }

  /** How many outcomes there are (for tests and diagnostics). */
  async count(): Promise<number> {
    const [row] = await sql<{ n: number | string }>(this.db, 'SELECT COUNT(*) AS n FROM cb_learning_outcome')
    return Number(row?.n ?? 0)
  }
}
