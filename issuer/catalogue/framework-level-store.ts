// The only SQL over cb_framework_level (the levels in force) and cb_framework_level_version (every version of each, the
// seeded one included): the learning-outcomes framework as reference data with its history.
import { forUpdate, sql, type Db } from '../../core/store/sql.ts'

export interface FrameworkLevelRecord {
  readonly level: number
  readonly version: number
  readonly nameZh: string
  readonly nameEn: string
  readonly descriptorZh: string
  readonly descriptorEn: string
  readonly updatedAt: string
  /** The API client that made this version; null for the seeded one. */
  readonly updatedBy: string | null
}

interface LevelRow {
  level: number | string
  version: number | string
  name_zh: string
  name_en: string
  descriptor_zh: string
  descriptor_en: string
  updated_at: string
  updated_by: string | null
}

const COLUMNS = 'level, version, name_zh, name_en, descriptor_zh, descriptor_en, updated_at, updated_by'

const toRecord = (r: LevelRow): FrameworkLevelRecord => ({
  level: Number(r.level),
  version: Number(r.version),
  nameZh: r.name_zh,
  nameEn: r.name_en,
  descriptorZh: r.descriptor_zh,
  descriptorEn: r.descriptor_en,
  updatedAt: r.updated_at,
  updatedBy: r.updated_by ?? null,
})

export class FrameworkLevelStore {
  constructor(private readonly db: Db) {}

  /** The levels in force, lowest first. */
  async list(): Promise<FrameworkLevelRecord[]> {
    return (await sql<LevelRow>(this.db, `SELECT ${COLUMNS} FROM cb_framework_level ORDER BY level`)).map(toRecord)
  }

  /** One level in force; `lock` takes its row lock (PostgreSQL) for a read-then-write in a transaction. */
  async find(level: number, lock = false): Promise<FrameworkLevelRecord | undefined> {
    const [row] = await sql<LevelRow>(
      this.db,
      `SELECT ${COLUMNS} FROM cb_framework_level WHERE level = ?${lock ? forUpdate(this.db) : ''}`,
      [level],
    )
    return row && toRecord(row)
  }

  /** Every version of a level, oldest first. */
  async history(level: number): Promise<FrameworkLevelRecord[]> {
    return (
      await sql<LevelRow>(this.db, `SELECT ${COLUMNS} FROM cb_framework_level_version WHERE level = ? ORDER BY version`, [level])
    ).map(toRecord)
  }

  /** Puts `l` in force and appends it to the history (in a transaction; `l.version` is the previous one plus one). */
  async saveVersion(l: FrameworkLevelRecord): Promise<void> {
    const values = [l.nameZh, l.nameEn, l.descriptorZh, l.descriptorEn, l.updatedAt, l.updatedBy]
    await sql(
      this.db,
      `INSERT INTO cb_framework_level_version (level, version, name_zh, name_en, descriptor_zh, descriptor_en, updated_at, updated_by)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [l.level, l.version, ...values],
    )
    await sql(
      this.db,
      `UPDATE cb_framework_level SET version = ?, name_zh = ?, name_en = ?, descriptor_zh = ?, descriptor_en = ?, updated_at = ?,
        updated_by = ? WHERE level = ?`,
      [l.version, ...values, l.level],
    )
  }
}
