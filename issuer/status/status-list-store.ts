// The only SQL over cb_status_list (the lists, their allocation counters and versions) and cb_status_list_credential
// (each list's signed credential in both forms, shared by every instance).
import { forUpdate, sql, type Db } from '../../core/store/sql.ts'
import type { StatusPurpose } from './status-lists.ts'

export interface StatusListRecord {
  readonly id: number
  readonly size: number
  /** How many positions of the list's permutation are taken. */
  readonly nextPosition: number
  /** Hex key of the permutation that turns positions into indices. */
  readonly permutationKey: string
  /** Bumped at every status change, so every instance re-signs the list. */
  readonly version: number
}

/** One list's signed credential for one purpose, at a version. */
export interface SignedListRecord {
  readonly listId: number
  readonly purpose: StatusPurpose
  readonly version: number
  readonly jwt: string
  /** The JSON form; null in rows signed before it existed (migration 1796000000000). */
  readonly ldDocument: string | null
}

interface ListRow {
  id: number | string
  size: number | string
  next_position: number | string
  permutation_key: string
  version: number | string
}

const toList = (r: ListRow): StatusListRecord => ({
  id: Number(r.id),
  size: Number(r.size),
  nextPosition: Number(r.next_position),
  permutationKey: r.permutation_key,
  version: Number(r.version),
})
const LIST_COLUMNS = 'id, size, next_position, permutation_key, version'

/** Over a DataSource, or over a transaction's EntityManager to take part in it. */
export class StatusListStore {
  constructor(private readonly db: Db) {}

  /** The list slots are taken from; `lock` holds it for the transaction (two instances never hand out one position). */
  async newest(opts: { lock?: boolean } = {}): Promise<StatusListRecord | undefined> {
    const [row] = await sql<ListRow>(
      this.db,
      `SELECT ${LIST_COLUMNS} FROM cb_status_list ORDER BY id DESC LIMIT 1${opts.lock ? forUpdate(this.db) : ''}`,
    )
    return row && toList(row)
  }

  async find(id: number): Promise<StatusListRecord | undefined> {
    const [row] = await sql<ListRow>(this.db, `SELECT ${LIST_COLUMNS} FROM cb_status_list WHERE id = ?`, [id])
    return row && toList(row)
  }

  /** A new, empty list at version 0 (a list id taken by another instance meanwhile is a unique violation). */
  async create(list: { id: number; size: number; permutationKey: string; createdAt: Date }): Promise<StatusListRecord> {
    await sql(
      this.db,
      'INSERT INTO cb_status_list (id, size, next_position, permutation_key, version, created_at) VALUES (?, ?, 0, ?, 0, ?)',
      [list.id, list.size, list.permutationKey, list.createdAt.toISOString()],
    )
    return { id: list.id, size: list.size, nextPosition: 0, permutationKey: list.permutationKey, version: 0 }
  }

  async setNextPosition(id: number, nextPosition: number): Promise<void> {
    await sql(this.db, 'UPDATE cb_status_list SET next_position = ? WHERE id = ?', [nextPosition, id])
  }

  async bumpVersion(id: number): Promise<void> {
    await sql(this.db, 'UPDATE cb_status_list SET version = version + 1 WHERE id = ?', [id])
  }

  /** Positions taken over all lists: how many slots were ever handed out. */
  async positionsTaken(): Promise<number> {
    const [row] = await sql<{ n: number | string | null }>(this.db, 'SELECT COALESCE(SUM(next_position), 0) AS n FROM cb_status_list')
    return Number(row?.n ?? 0)
  }

  async signed(listId: number, purpose: StatusPurpose): Promise<SignedListRecord | undefined> {
    const [row] = await sql<{ version: number | string; jwt: string; ld_document: string | null }>(
      this.db,
      'SELECT version, jwt, ld_document FROM cb_status_list_credential WHERE list_id = ? AND purpose = ?',
      [listId, purpose],
    )
    return row && { listId, purpose, version: Number(row.version), jwt: row.jwt, ldDocument: row.ld_document ?? null }
  }

  /**
   * Keeps a signed list unless a newer version, or the same version with its JSON form, is already stored: two
   * instances racing both write, and both then serve what is stored.
   */
  async saveSigned(s: SignedListRecord): Promise<void> {
    await sql(
      this.db,
      `INSERT INTO cb_status_list_credential (list_id, purpose, version, jwt, ld_document) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (list_id, purpose) DO UPDATE SET version = excluded.version, jwt = excluded.jwt, ld_document = excluded.ld_document
       WHERE cb_status_list_credential.version < excluded.version OR cb_status_list_credential.ld_document IS NULL`,
      [s.listId, s.purpose, s.version, s.jwt, s.ldDocument],
    )
  }

  /** Makes a list's signed rows look as they did before the JSON form existed (migration 1796000000000), for upgrade tests. */
  async dropJsonForms(listId: number): Promise<void> {
    await sql(this.db, 'UPDATE cb_status_list_credential SET ld_document = NULL WHERE list_id = ?', [listId])
  }
}
