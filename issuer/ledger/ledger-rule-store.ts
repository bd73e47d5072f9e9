// The only SQL over cb_ledger_rule: the ledger's policy caps as configurable rules.
import { forUpdate, sql, type Db } from '../../core/store/sql.ts'

export const LEDGER_RULE_KINDS = [
  'non_transferable_category',
  'per_term',
  'per_year',
  'per_institution',
  'max_certificates_per_programme',
] as const
export type LedgerRuleKind = (typeof LEDGER_RULE_KINDS)[number]

export interface LedgerRuleRecord {
  readonly id: string
  readonly kind: LedgerRuleKind
  readonly nameZh: string
  readonly nameEn: string
  /** The kind's parameters (ledger-rules.ts checks them). */
  readonly parameters: Readonly<Record<string, unknown>>
  readonly active: boolean
  /** 1 when created, one more at each change. */
  readonly version: number
  readonly createdAt: string
  readonly updatedAt: string
}

interface RuleRow {
  id: string
  kind: string
  name_zh: string
  name_en: string
  parameters: string
  active: number | string | boolean
  version: number | string
  created_at: string
  updated_at: string
}

const COLUMNS = 'id, kind, name_zh, name_en, parameters, active, version, created_at, updated_at'

const toRule = (r: RuleRow): LedgerRuleRecord => ({
  id: r.id,
  kind: r.kind as LedgerRuleKind,
  nameZh: r.name_zh,
  nameEn: r.name_en,
  parameters: JSON.parse(r.parameters) as Record<string, unknown>,
  active: Number(r.active) === 1,
  version: Number(r.version),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

export class LedgerRuleStore {
  constructor(private readonly db: Db) {}

  async insert(r: LedgerRuleRecord): Promise<void> {
    await sql(this.db, `INSERT INTO cb_ledger_rule (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
      r.id,
      r.kind,
      r.nameZh,
      r.nameEn,
      JSON.stringify(r.parameters),
      r.active ? 1 : 0,
      r.version,
      r.createdAt,
      r.updatedAt,
    ])
  }

  /** Writes the change only if the stored version is still `expectedVersion` (two editors at once: one wins). */
  async update(r: LedgerRuleRecord, expectedVersion: number): Promise<void> {
    await sql(
      this.db,
      'UPDATE cb_ledger_rule SET name_zh = ?, name_en = ?, parameters = ?, active = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?',
      [r.nameZh, r.nameEn, JSON.stringify(r.parameters), r.active ? 1 : 0, r.version, r.updatedAt, r.id, expectedVersion],
    )
  }

  /** `lock` holds the row for the caller's transaction (PostgreSQL). */
  async find(id: string, opts: { lock?: boolean } = {}): Promise<LedgerRuleRecord | undefined> {
    const [row] = await sql<RuleRow>(this.db, `SELECT ${COLUMNS} FROM cb_ledger_rule WHERE id = ?${opts.lock ? forUpdate(this.db) : ''}`, [
      id,
    ])
    return row && toRule(row)
  }

  /** Every rule (or the active ones), by id. */
  async list(filter: { activeOnly?: boolean } = {}): Promise<LedgerRuleRecord[]> {
    const rows = await sql<RuleRow>(
      this.db,
      `SELECT ${COLUMNS} FROM cb_ledger_rule${filter.activeOnly ? ' WHERE active = 1' : ''} ORDER BY id`,
    )
    return rows.map(toRule)
  }
}
