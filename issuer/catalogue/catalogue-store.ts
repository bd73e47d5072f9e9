// The only SQL over cb_catalogue_entry and cb_catalogue_token: catalogue entries (Open Badges 3.0 Achievements) and the
// search tokens of their names (search-tokens.ts).
import { sql, type Db } from '../../core/store/sql.ts'
import type { SearchQuery } from './search-tokens.ts'

export type OutcomeCategory = 'academic' | 'non_academic'
export type EntryStatus = 'active' | 'retired'

export interface CatalogueEntryRecord {
  readonly id: string
  readonly institutionId: string
  readonly code: string
  readonly achievementType: string
  /** Hundredths of a credit (exact on both databases). */
  readonly creditsCenti: number
  readonly level: number
  readonly category: OutcomeCategory
  readonly field: string
  readonly nameZh: string
  readonly nameEn: string
  readonly descriptionZh: string
  readonly descriptionEn: string
  readonly status: EntryStatus
  readonly createdAt: string
  readonly updatedAt: string
}

export interface CatalogueFilter {
  readonly level?: number
  readonly category?: OutcomeCategory
  readonly institutionId?: string
  readonly field?: string
  /** undefined: any status. */
  readonly status?: EntryStatus
  readonly search?: SearchQuery
  /** Entries strictly after this (code, id) in the stable order. */
  readonly after?: { readonly code: string; readonly id: string }
}

interface EntryRow {
  id: string
  institution_id: string
  code: string
  achievement_type: string
  credits_centi: number | string
  level: number | string
  category: string
  field: string
  name_zh: string
  name_en: string
  description_zh: string
  description_en: string
  status: string
  created_at: string
  updated_at: string
}

const COLUMNS =
  'id, institution_id, code, achievement_type, credits_centi, level, category, field, name_zh, name_en, description_zh, description_en, status, created_at, updated_at'

const toRecord = (r: EntryRow): CatalogueEntryRecord => ({
  id: r.id,
  institutionId: r.institution_id,
  code: r.code,
  achievementType: r.achievement_type,
  creditsCenti: Number(r.credits_centi),
  level: Number(r.level),
  category: r.category as OutcomeCategory,
  field: r.field,
  nameZh: r.name_zh,
  nameEn: r.name_en,
  descriptionZh: r.description_zh,
  descriptionEn: r.description_en,
  status: r.status as EntryStatus,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

/** `%`, `_` and the escape character itself, escaped for `LIKE … ESCAPE '\'`. */
const likeContaining = (s: string): string => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

/** Over a DataSource, or over a transaction's EntityManager to take part in it. */
export class CatalogueStore {
  constructor(private readonly db: Db) {}

  /** Inserts an entry and its search tokens (call inside a transaction). A taken (institution, code) is a unique violation. */
  async insert(e: CatalogueEntryRecord, tokens: readonly string[]): Promise<void> {
    await sql(this.db, `INSERT INTO cb_catalogue_entry (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
      e.id,
      e.institutionId,
      e.code,
      e.achievementType,
      e.creditsCenti,
      e.level,
      e.category,
      e.field,
      e.nameZh,
      e.nameEn,
      e.descriptionZh,
      e.descriptionEn,
      e.status,
      e.createdAt,
      e.updatedAt,
    ])
    await this.insertTokens(e.id, tokens)
  }

  /** Rewrites everything but id, institution, code and creation date; `tokens` replace the old ones (in a transaction). */
  async update(e: CatalogueEntryRecord, tokens: readonly string[]): Promise<void> {
    await sql(
      this.db,
      `UPDATE cb_catalogue_entry SET achievement_type = ?, credits_centi = ?, level = ?, category = ?, field = ?, name_zh = ?,
        name_en = ?, description_zh = ?, description_en = ?, status = ?, updated_at = ? WHERE id = ?`,
      [
        e.achievementType,
        e.creditsCenti,
        e.level,
        e.category,
        e.field,
        e.nameZh,
        e.nameEn,
        e.descriptionZh,
        e.descriptionEn,
        e.status,
        e.updatedAt,
        e.id,
      ],
    )
    await sql(this.db, 'DELETE FROM cb_catalogue_token WHERE entry_id = ?', [e.id])
    await this.insertTokens(e.id, tokens)
  }

  private async insertTokens(entryId: string, tokens: readonly string[]): Promise<void> {
    for (let i = 0; i < tokens.length; i += 200) {
      const chunk = tokens.slice(i, i + 200)
      await sql(
        this.db,
        `INSERT INTO cb_catalogue_token (token, entry_id) VALUES ${chunk.map(() => '(?, ?)').join(', ')}`,
        chunk.flatMap((t) => [t, entryId]),
      )
    }
  }

  async find(id: string): Promise<CatalogueEntryRecord | undefined> {
    const [row] = await sql<EntryRow>(this.db, `SELECT ${COLUMNS} FROM cb_catalogue_entry WHERE id = ?`, [id])
    return row && toRecord(row)
  }

  async findByCode(institutionId: string, code: string): Promise<CatalogueEntryRecord | undefined> {
    const [row] = await sql<EntryRow>(this.db, `SELECT ${COLUMNS} FROM cb_catalogue_entry WHERE institution_id = ? AND code = ?`, [
      institutionId,
      code,
    ])
    return row && toRecord(row)
  }

  /** The search tokens stored for an entry, sorted (for tests and diagnostics). */
  async tokensOf(id: string): Promise<string[]> {
    const rows = await sql<{ token: string }>(this.db, 'SELECT token FROM cb_catalogue_token WHERE entry_id = ?', [id])
    return rows.map((r) => r.token).sort()
  }

  /** At most `limit` entries matching `filter`, in the stable order (code, id). */
  async search(filter: CatalogueFilter, limit: number): Promise<CatalogueEntryRecord[]> {
    const where: string[] = []
    const params: unknown[] = []
    const add = (clause: string, ...values: unknown[]) => {
      where.push(clause)
      params.push(...values)
    }
    if (filter.level !== undefined) add('level = ?', filter.level)
    if (filter.category) add('category = ?', filter.category)
    if (filter.institutionId) add('institution_id = ?', filter.institutionId)
    if (filter.field) add('field = ?', filter.field)
    if (filter.status) add('status = ?', filter.status)
    if (filter.search) {
      const { tokens, runs } = filter.search
      if (tokens.length)
        add(
          `id IN (SELECT entry_id FROM cb_catalogue_token WHERE token IN (${tokens.map(() => '?').join(', ')})
            GROUP BY entry_id HAVING COUNT(*) = ?)`,
          ...tokens,
          tokens.length,
        )
      for (const run of runs) add("(name_zh LIKE ? ESCAPE '\\' OR name_en LIKE ? ESCAPE '\\')", likeContaining(run), likeContaining(run))
    }
    if (filter.after) add('(code > ? OR (code = ? AND id > ?))', filter.after.code, filter.after.code, filter.after.id)
    const rows = await sql<EntryRow>(
      this.db,
      `SELECT ${COLUMNS} FROM cb_catalogue_entry${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY code, id LIMIT ?`,
      [...params, limit],
    )
    return rows.map(toRecord)
  }
}
