// The only SQL over cb_institution and cb_accreditation_scope: the alliance's member institutions and what each is
// accredited to deposit over time.
import { sql, type Db } from '../../core/store/sql.ts'

export const INSTITUTION_TYPES = ['university', 'vocational_college', 'enterprise', 'association', 'branch_bank'] as const
export type InstitutionType = (typeof INSTITUTION_TYPES)[number]
export const CATEGORIES = ['academic', 'non_academic'] as const
export type Category = (typeof CATEGORIES)[number]

/** An institution's public contact point (an office, not a person's private data). */
export interface InstitutionContact {
  readonly email?: string
  readonly phone?: string
  readonly address?: string
  readonly url?: string
}

export interface InstitutionRecord {
  readonly id: string
  readonly type: InstitutionType
  readonly nameZh: string
  readonly nameEn: string
  readonly region: string
  readonly did: string | null
  readonly contact: InstitutionContact
  readonly createdAt: string
  readonly updatedAt: string
}

export interface AccreditationScopeRecord {
  readonly id: string
  readonly institutionId: string
  readonly categories: readonly Category[]
  readonly levels: readonly number[]
  /** Fields of study; empty: every field. */
  readonly fields: readonly string[]
  readonly validFrom: string
  /** Exclusive; null: open-ended. */
  readonly validUntil: string | null
  readonly createdAt: string
}

interface InstitutionRow {
  id: string
  type: string
  name_zh: string
  name_en: string
  region: string
  did: string | null
  contact: string
  created_at: string
  updated_at: string
}

interface ScopeRow {
  id: string
  institution_id: string
  categories: string
  levels: string
  fields: string
  valid_from: string
  valid_until: string | null
  created_at: string
}

const INSTITUTION_COLUMNS = 'id, type, name_zh, name_en, region, did, contact, created_at, updated_at'
const SCOPE_COLUMNS = 'id, institution_id, categories, levels, fields, valid_from, valid_until, created_at'

const toInstitution = (r: InstitutionRow): InstitutionRecord => ({
  id: r.id,
  type: r.type as InstitutionType,
  nameZh: r.name_zh,
  nameEn: r.name_en,
  region: r.region,
  did: r.did ?? null,
  contact: JSON.parse(r.contact) as InstitutionContact,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

const toScope = (r: ScopeRow): AccreditationScopeRecord => ({
  id: r.id,
  institutionId: r.institution_id,
  categories: JSON.parse(r.categories) as Category[],
  levels: JSON.parse(r.levels) as number[],
  fields: JSON.parse(r.fields) as string[],
  validFrom: r.valid_from,
  validUntil: r.valid_until ?? null,
  createdAt: r.created_at,
})

export interface InstitutionFilter {
  readonly type?: InstitutionType
  readonly region?: string
  /** Institutions with an id after this one. */
  readonly afterId?: string
}

export class InstitutionStore {
  constructor(private readonly db: Db) {}

  /** A taken id is a unique violation. */
  async insert(i: InstitutionRecord): Promise<void> {
    await sql(this.db, `INSERT INTO cb_institution (${INSTITUTION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
      i.id,
      i.type,
      i.nameZh,
      i.nameEn,
      i.region,
      i.did,
      JSON.stringify(i.contact),
      i.createdAt,
      i.updatedAt,
    ])
  }

  async update(i: InstitutionRecord): Promise<void> {
    await sql(
      this.db,
      'UPDATE cb_institution SET type = ?, name_zh = ?, name_en = ?, region = ?, did = ?, contact = ?, updated_at = ? WHERE id = ?',
      [i.type, i.nameZh, i.nameEn, i.region, i.did, JSON.stringify(i.contact), i.updatedAt, i.id],
    )
  }

  async find(id: string): Promise<InstitutionRecord | undefined> {
    const [row] = await sql<InstitutionRow>(this.db, `SELECT ${INSTITUTION_COLUMNS} FROM cb_institution WHERE id = ?`, [id])
    return row && toInstitution(row)
  }

  /** At most `limit` institutions by id. */
  async list(filter: InstitutionFilter, limit: number): Promise<InstitutionRecord[]> {
    const where: string[] = []
    const params: unknown[] = []
    const add = (clause: string, value: unknown) => {
      where.push(clause)
      params.push(value)
    }
    if (filter.type) add('type = ?', filter.type)
    if (filter.region) add('region = ?', filter.region)
    if (filter.afterId) add('id > ?', filter.afterId)
    const rows = await sql<InstitutionRow>(
      this.db,
      `SELECT ${INSTITUTION_COLUMNS} FROM cb_institution${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ?`,
      [...params, limit],
    )
    return rows.map(toInstitution)
  }

  async insertScope(s: AccreditationScopeRecord): Promise<void> {
    await sql(this.db, `INSERT INTO cb_accreditation_scope (${SCOPE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [
      s.id,
      s.institutionId,
      JSON.stringify(s.categories),
      JSON.stringify(s.levels),
      JSON.stringify(s.fields),
      s.validFrom,
      s.validUntil,
      s.createdAt,
    ])
  }

  async findScope(institutionId: string, id: string): Promise<AccreditationScopeRecord | undefined> {
    const [row] = await sql<ScopeRow>(this.db, `SELECT ${SCOPE_COLUMNS} FROM cb_accreditation_scope WHERE institution_id = ? AND id = ?`, [
      institutionId,
      id,
    ])
    return row && toScope(row)
  }

  async setScopeValidUntil(id: string, validUntil: string | null): Promise<void> {
    await sql(this.db, 'UPDATE cb_accreditation_scope SET valid_until = ? WHERE id = ?', [validUntil, id])
  }

  /** Every scope of an institution, past and future included, by start date. */
  async scopesOf(institutionId: string): Promise<AccreditationScopeRecord[]> {
    const rows = await sql<ScopeRow>(
      this.db,
      `SELECT ${SCOPE_COLUMNS} FROM cb_accreditation_scope WHERE institution_id = ? ORDER BY valid_from, id`,
      [institutionId],
    )
    return rows.map(toScope)
  }
}
