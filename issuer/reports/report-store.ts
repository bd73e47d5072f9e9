// The only SQL over cb_certification_report: each report number, whose it is, the credential signed for it, what its
// PDF and page show, and whether it was revoked (and by which report it was reissued).
import { forUpdate, sql, type Db } from '../../core/store/sql.ts'

/** One covered outcome as the PDF and the page show it (as of the report's issuing). */
export interface ReportOutcomeLine {
  readonly outcomeId: string
  readonly credentialId: string
  readonly name: { readonly zh: string; readonly en: string }
  readonly institution: { readonly zh: string; readonly en: string }
  readonly level: number
  readonly category: 'academic' | 'non_academic'
  readonly credits: number
  /** YYYY-MM-DD. */
  readonly awardedDate: string
  /** The credit ledger's policy cap that holds this outcome's credits back (kept and shown, not counted there). */
  readonly heldBackBy?: { readonly zh: string; readonly en: string }
}

/** What a report shows people, kept with it: the learner's name and masked identity number, outcomes, totals. */
export interface ReportDetails {
  readonly learnerName: string
  readonly idNumberMasked: string
  readonly bankName: { readonly zh: string; readonly en: string }
  readonly outcomes: readonly ReportOutcomeLine[]
  readonly totals: {
    readonly totalCredits: number
    readonly byCategory: { readonly academic: number; readonly non_academic: number }
    readonly byLevel: Readonly<Record<string, number>>
  }
  /** Of the totals, the credits the learner's credit ledger counts (the rest held back by its caps); absent without a ledger. */
  readonly ledgerCredits?: number
  /** Set when the learner closed their account: their name and masked number are gone, and the number no longer finds it. */
  readonly erasedAt?: string
}

export interface ReportRecord {
  readonly number: string
  readonly idHash: string
  readonly userId: string
  readonly credentialId: string
  readonly outcomeIds: readonly string[]
  readonly coveredCredentialIds: readonly string[]
  readonly details: ReportDetails
  readonly createdAt: string
  readonly revokedAt: string | null
  /** `user:<id>` or `api_client:<id>`: who revoked it. */
  readonly revokedBy: string | null
  readonly replacedBy: string | null
}

interface ReportRow {
  number: string
  id_hash: string
  user_id: string
  credential_id: string
  outcome_ids: string
  covered_credential_ids: string
  details: string
  created_at: string
  revoked_at: string | null
  revoked_by: string | null
  replaced_by: string | null
}

const COLUMNS =
  'number, id_hash, user_id, credential_id, outcome_ids, covered_credential_ids, details, created_at, revoked_at, revoked_by, replaced_by'

const fromRow = (r: ReportRow): ReportRecord => ({
  number: r.number,
  idHash: r.id_hash,
  userId: r.user_id,
  credentialId: r.credential_id,
  outcomeIds: JSON.parse(r.outcome_ids) as string[],
  coveredCredentialIds: JSON.parse(r.covered_credential_ids) as string[],
  details: JSON.parse(r.details) as ReportDetails,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
  revokedBy: r.revoked_by,
  replacedBy: r.replaced_by,
})

/** A position in a learner's reports, newest first. */
export interface ReportPosition {
  readonly createdAt: string
  readonly number: string
}

export class ReportStore {
  constructor(private readonly db: Db) {}

  async insert(r: ReportRecord): Promise<void> {
    await sql(this.db, `INSERT INTO cb_certification_report (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
      r.number,
      r.idHash,
      r.userId,
      r.credentialId,
      JSON.stringify(r.outcomeIds),
      JSON.stringify(r.coveredCredentialIds),
      JSON.stringify(r.details),
      r.createdAt,
      r.revokedAt,
      r.revokedBy,
      r.replacedBy,
    ])
  }

  /** The report with this number; `lock` holds its row for the caller's transaction. */
  async find(number: string, opts: { lock?: boolean } = {}): Promise<ReportRecord | undefined> {
    const [row] = await sql<ReportRow>(
      this.db,
      `SELECT ${COLUMNS} FROM cb_certification_report WHERE number = ?${opts.lock ? forUpdate(this.db) : ''}`,
      [number],
    )
    return row && fromRow(row)
  }

  /** A learner's reports (by id hash), newest first, after `after` (exclusive). */
  async listForLearner(idHash: string, after: ReportPosition | undefined, limit: number): Promise<ReportRecord[]> {
    const rows = after
      ? await sql<ReportRow>(
          this.db,
          `SELECT ${COLUMNS} FROM cb_certification_report WHERE id_hash = ? AND (created_at < ? OR (created_at = ? AND number < ?))
           ORDER BY created_at DESC, number DESC LIMIT ?`,
          [idHash, after.createdAt, after.createdAt, after.number, limit],
        )
      : await sql<ReportRow>(
          this.db,
          `SELECT ${COLUMNS} FROM cb_certification_report WHERE id_hash = ? ORDER BY created_at DESC, number DESC LIMIT ?`,
          [idHash, limit],
        )
    return rows.map(fromRow)
  }

  /** Every report an account asked for, newest first (their export; closing their account). */
  async listForUser(userId: string): Promise<ReportRecord[]> {
    const rows = await sql<ReportRow>(
      this.db,
      `SELECT ${COLUMNS} FROM cb_certification_report WHERE user_id = ? ORDER BY created_at DESC, number DESC`,
      [userId],
    )
    return rows.map(fromRow)
  }

  /** Replaces what a report shows (closing the learner's account erases their name from it). */
  async setDetails(number: string, details: ReportDetails): Promise<void> {
    await sql(this.db, 'UPDATE cb_certification_report SET details = ? WHERE number = ?', [JSON.stringify(details), number])
  }

  /** Marks a report revoked (once: a revoked report keeps its first revocation). */
  async markRevoked(number: string, at: string, by: string, replacedBy: string | null): Promise<void> {
    await sql(
      this.db,
      'UPDATE cb_certification_report SET revoked_at = ?, revoked_by = ?, replaced_by = ? WHERE number = ? AND revoked_at IS NULL',
      [at, by, replacedBy, number],
    )
  }
}
