// The only SQL over cb_credential: what the bank issued, in which status slot, with which status bits, for whom.
import { forUpdate, insertRows, sql, type Db } from '../../core/store/sql.ts'
import type { AllocatedSlot, StatusPurpose, StatusSlot } from '../status/status-lists.ts'
import type { ProofFormat } from './issue-credential.ts'

/** Ids per `IN (…)` lookup. */
const IDS_PER_SELECT = 500

/** A credential as stored. */
export interface StoredCredential {
  readonly id: string
  readonly format: ProofFormat
  /** The secured form: the compact JWS, or the JSON text of a Data Integrity credential. */
  readonly document: string
  readonly slot: StatusSlot
  readonly revoked: boolean
  readonly suspended: boolean
  /** The API client it was issued for (null: the bank's own use cases, before an owner was set). */
  readonly clientId: string | null
}

export interface NewCredential {
  readonly id: string
  readonly issuer: string
  readonly types: unknown
  readonly subject: string | null
  readonly format: ProofFormat
  readonly document: string
  readonly slot: AllocatedSlot
  readonly clientId: string | null
  readonly issuedAt: Date
}

interface CredentialRow {
  id: string
  format: ProofFormat
  document: string
  status_list_id: number | string
  status_index: number | string
  revoked: number | string
  suspended: number | string
  client_id: string | null
}

const INSERT_COLUMNS = [
  'id',
  'issuer',
  'types',
  'subject',
  'format',
  'document',
  'status_list_id',
  'status_index',
  'status_position',
  'client_id',
  'issued_at',
]
const COLUMNS = 'id, format, document, status_list_id, status_index, revoked, suspended, client_id'
const STATUS_COLUMN: Record<StatusPurpose, 'revoked' | 'suspended'> = { revocation: 'revoked', suspension: 'suspended' }

const toCredential = (r: CredentialRow): StoredCredential => ({
  id: r.id,
  format: r.format,
  document: r.document,
  slot: { listId: Number(r.status_list_id), index: Number(r.status_index) },
  revoked: Number(r.revoked) === 1,
  suspended: Number(r.suspended) === 1,
  clientId: r.client_id ?? null,
})

/** Over a DataSource, or over a transaction's EntityManager to take part in it. */
export class CredentialStore {
  constructor(private readonly db: Db) {}

  /** `lock` holds the row until the transaction ends (PostgreSQL; SQLite transactions here are exclusive anyway). */
  async find(id: string, opts: { lock?: boolean } = {}): Promise<StoredCredential | undefined> {
    const [row] = await sql<CredentialRow>(
      this.db,
      `SELECT ${COLUMNS} FROM cb_credential WHERE id = ?${opts.lock ? forUpdate(this.db) : ''}`,
      [id],
    )
    return row && toCredential(row)
  }

  /** The stored credentials among `ids`, in no particular order. */
  async findMany(ids: readonly string[]): Promise<StoredCredential[]> {
    const out: StoredCredential[] = []
    for (let i = 0; i < ids.length; i += IDS_PER_SELECT) {
      const chunk = ids.slice(i, i + IDS_PER_SELECT)
      const rows = await sql<CredentialRow>(
        this.db,
        `SELECT ${COLUMNS} FROM cb_credential WHERE id IN (${chunk.map(() => '?').join(', ')})`,
        chunk,
      )
      out.push(...rows.map(toCredential))
    }
    return out
  }

  /** The status bits of the stored credentials among `ids` (no documents read: the ledger and the conversion advice ask often). */
  async statusBitsOf(ids: readonly string[]): Promise<{ id: string; revoked: boolean; suspended: boolean }[]> {
    const out: { id: string; revoked: boolean; suspended: boolean }[] = []
    for (let i = 0; i < ids.length; i += IDS_PER_SELECT) {
      const chunk = ids.slice(i, i + IDS_PER_SELECT)
      const rows = await sql<{ id: string; revoked: number | string; suspended: number | string }>(
        this.db,
        `SELECT id, revoked, suspended FROM cb_credential WHERE id IN (${chunk.map(() => '?').join(', ')})`,
        chunk,
      )
      for (const r of rows) out.push({ id: r.id, revoked: Number(r.revoked) === 1, suspended: Number(r.suspended) === 1 })
    }
    return out
  }

  /** Which of `ids` are already taken. */
  async existingIds(ids: readonly string[]): Promise<string[]> {
    const out: string[] = []
    for (let i = 0; i < ids.length; i += IDS_PER_SELECT) {
      const chunk = ids.slice(i, i + IDS_PER_SELECT)
      const rows = await sql<{ id: string }>(
        this.db,
        `SELECT id FROM cb_credential WHERE id IN (${chunk.map(() => '?').join(', ')})`,
        chunk,
      )
      out.push(...rows.map((r) => r.id))
    }
    return out
  }

  /** Inserts new credentials (a unique violation on the id or the status slot's position throws; see isUniqueViolation). */
  async insert(credentials: readonly NewCredential[]): Promise<void> {
    const rows = credentials.map((c) => [
      c.id,
      c.issuer,
      JSON.stringify(c.types),
      c.subject,
      c.format,
      c.document,
      c.slot.listId,
      c.slot.index,
      c.slot.position,
      c.clientId,
      c.issuedAt.toISOString(),
    ])
    await insertRows(this.db, 'cb_credential', INSERT_COLUMNS, rows, {
      integers: ['status_list_id', 'status_index', 'status_position'],
    })
  }

  /** Sets one status bit of one credential. */
  async setStatus(id: string, purpose: StatusPurpose, value: boolean): Promise<void> {
    await sql(this.db, `UPDATE cb_credential SET ${STATUS_COLUMN[purpose]} = ? WHERE id = ?`, [value ? 1 : 0, id])
  }

  /** The indices whose `purpose` bit is set in a status list. */
  async setIndices(listId: number, purpose: StatusPurpose): Promise<number[]> {
    const rows = await sql<{ status_index: number | string }>(
      this.db,
      `SELECT status_index FROM cb_credential WHERE status_list_id = ? AND ${STATUS_COLUMN[purpose]} = 1`,
      [listId],
    )
    return rows.map((r) => Number(r.status_index))
  }

  /** Gives every credential whose id starts with `idPrefix` to another API client (the demo's client is replaced at each start). */
  async reassign(idPrefix: string, clientId: string): Promise<void> {
    await sql(this.db, 'UPDATE cb_credential SET client_id = ? WHERE substr(id, 1, ?) = ?', [clientId, idPrefix.length, idPrefix])
  }

  /** How many credentials are stored (`revoked` counts only revoked ones, or only unrevoked ones). */
  async count(filter: { revoked?: boolean } = {}): Promise<number> {
    const where = filter.revoked === undefined ? '' : ' WHERE revoked = ?'
    const [row] = await sql<{ n: number | string }>(
      this.db,
      `SELECT COUNT(*) AS n FROM cb_credential${where}`,
      filter.revoked === undefined ? [] : [filter.revoked ? 1 : 0],
    )
    return Number(row?.n ?? 0)
  }
}
