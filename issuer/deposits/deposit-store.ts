// The only SQL over cb_deposit and cb_evidence: whose each deposit is, what the learner sent, and its evidence files.
import { sql, type Db } from '../../core/store/sql.ts'
import type { EvidenceMediaType } from './evidence-store.ts'

/** What the learner submitted, as accepted (the outcome recognition recorded from it holds the state). */
export interface DepositSubmission {
  readonly catalogueEntryId?: string
  readonly claim?: {
    readonly name: { readonly zh: string; readonly en: string }
    readonly issuerName: string
    readonly category: 'academic' | 'non_academic'
    readonly level: number
    readonly field: string
    readonly credits: number
  }
  readonly result?: string
  /** YYYY-MM-DD. */
  readonly awardedDate: string
}

export interface DepositRecord {
  readonly id: string
  readonly userId: string
  readonly outcomeId: string
  readonly submission: DepositSubmission
  readonly createdAt: string
  readonly withdrawnAt: string | null
}

export interface EvidenceRecord {
  readonly depositId: string
  readonly sha256: string
  /** What the content is (sniffed from its bytes). */
  readonly mediaType: EvidenceMediaType
  readonly size: number
  /** The learner's file name, sanitized. */
  readonly originalName: string
  /** Its place among the deposit's files (0-based, the order they were sent in). */
  readonly position: number
  readonly createdAt: string
}

/** A position in a learner's deposits, newest first. */
export interface DepositPosition {
  readonly createdAt: string
  readonly id: string
}

interface DepositRow {
  id: string
  user_id: string
  outcome_id: string
  submission: string
  created_at: string
  withdrawn_at: string | null
}

interface EvidenceRow {
  deposit_id: string
  sha256: string
  media_type: string
  size: number | string
  original_name: string
  position: number | string
  created_at: string
}

const fromRow = (r: DepositRow): DepositRecord => ({
  id: r.id,
  userId: r.user_id,
  outcomeId: r.outcome_id,
  submission: JSON.parse(r.submission) as DepositSubmission,
  createdAt: r.created_at,
  withdrawnAt: r.withdrawn_at,
})

const evidenceFromRow = (r: EvidenceRow): EvidenceRecord => ({
  depositId: r.deposit_id,
  sha256: r.sha256,
  mediaType: r.media_type as EvidenceMediaType,
  size: Number(r.size),
  originalName: r.original_name,
  position: Number(r.position),
  createdAt: r.created_at,
})

const DEPOSIT_COLUMNS = 'id, user_id, outcome_id, submission, created_at, withdrawn_at'
const EVIDENCE_COLUMNS = 'deposit_id, sha256, media_type, size, original_name, position, created_at'

export class DepositStore {
  constructor(private readonly db: Db) {}

  async insert(d: DepositRecord, evidence: readonly EvidenceRecord[]): Promise<void> {
    await sql(this.db, `INSERT INTO cb_deposit (${DEPOSIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`, [
      d.id,
      d.userId,
      d.outcomeId,
      JSON.stringify(d.submission),
      d.createdAt,
      d.withdrawnAt,
    ])
    if (!evidence.length) return
    await sql(
      this.db,
      `INSERT INTO cb_evidence (${EVIDENCE_COLUMNS}) VALUES ${evidence.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      evidence.flatMap((e) => [e.depositId, e.sha256, e.mediaType, e.size, e.originalName, e.position, e.createdAt]),
    )
  }

  async find(id: string): Promise<DepositRecord | undefined> {
    const [row] = await sql<DepositRow>(this.db, `SELECT ${DEPOSIT_COLUMNS} FROM cb_deposit WHERE id = ?`, [id])
    return row && fromRow(row)
  }

  async findByOutcome(outcomeId: string): Promise<DepositRecord | undefined> {
    const [row] = await sql<DepositRow>(this.db, `SELECT ${DEPOSIT_COLUMNS} FROM cb_deposit WHERE outcome_id = ?`, [outcomeId])
    return row && fromRow(row)
  }

  /** A learner's deposits, newest first, after `after` (exclusive). */
  async listForUser(userId: string, after: DepositPosition | undefined, limit: number): Promise<DepositRecord[]> {
    const rows = after
      ? await sql<DepositRow>(
          this.db,
          `SELECT ${DEPOSIT_COLUMNS} FROM cb_deposit WHERE user_id = ? AND (created_at < ? OR (created_at = ? AND id < ?))
           ORDER BY created_at DESC, id DESC LIMIT ?`,
          [userId, after.createdAt, after.createdAt, after.id, limit],
        )
      : await sql<DepositRow>(
          this.db,
          `SELECT ${DEPOSIT_COLUMNS} FROM cb_deposit WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`,
          [userId, limit],
        )
    return rows.map(fromRow)
  }

  async markWithdrawn(id: string, at: string): Promise<void> {
    await sql(this.db, 'UPDATE cb_deposit SET withdrawn_at = ? WHERE id = ?', [at, id])
  }

  /** The evidence of some deposits, in each deposit's order. */
  async evidenceOf(depositIds: readonly string[]): Promise<EvidenceRecord[]> {
    if (!depositIds.length) return []
    const rows = await sql<EvidenceRow>(
      this.db,
      `SELECT ${EVIDENCE_COLUMNS} FROM cb_evidence WHERE deposit_id IN (${depositIds.map(() => '?').join(', ')})
       ORDER BY deposit_id, position`,
      depositIds,
    )
    return rows.map(evidenceFromRow)
  }

  async findEvidence(depositId: string, sha256: string): Promise<EvidenceRecord | undefined> {
    const [row] = await sql<EvidenceRow>(this.db, `SELECT ${EVIDENCE_COLUMNS} FROM cb_evidence WHERE deposit_id = ? AND sha256 = ?`, [
      depositId,
      sha256,
    ])
    return row && evidenceFromRow(row)
  }

  /** Deletes the evidence rows of some deposits (erasure); the content files are the caller's to remove. */
  async deleteEvidenceOf(depositIds: readonly string[]): Promise<void> {
    if (!depositIds.length) return
    await sql(this.db, `DELETE FROM cb_evidence WHERE deposit_id IN (${depositIds.map(() => '?').join(', ')})`, depositIds)
  }

  /** Which of `hashes` some evidence row still names. */
  async referenced(hashes: readonly string[]): Promise<Set<string>> {
    if (!hashes.length) return new Set()
    const rows = await sql<{ sha256: string }>(
      this.db,
      `SELECT DISTINCT sha256 FROM cb_evidence WHERE sha256 IN (${hashes.map(() => '?').join(', ')})`,
      hashes,
    )
    return new Set(rows.map((r) => r.sha256))
  }

  /** Counts (tests and the PIPL export check that nothing half-written was kept). */
  async counts(): Promise<{ deposits: number; evidence: number }> {
    const [d] = await sql<{ n: number | string }>(this.db, 'SELECT COUNT(*) AS n FROM cb_deposit')
    const [e] = await sql<{ n: number | string }>(this.db, 'SELECT COUNT(*) AS n FROM cb_evidence')
    return { deposits: Number(d!.n), evidence: Number(e!.n) }
  }
}
