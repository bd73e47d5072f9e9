// The bank's Bitstring Status Lists: slot allocation inside the issuing transaction, status changes, signed lists.
import { createHash, randomBytes } from 'node:crypto'
import type { DataSource, EntityManager } from 'typeorm'
import type { Clock } from '../core/clock.ts'
import { epochSeconds } from '../core/clock.ts'
import { VC_V2_CONTEXT } from '../core/credentials/types.ts'
import { AppError } from '../core/errors.ts'
import type { BankIdentity } from '../core/identity/bank-identity.ts'
import { signJws } from '../core/proofs/jws.ts'
import { encodeBitstring, MIN_STATUS_LIST_SIZE } from '../core/status/bitstring.ts'
import { permuteIndex } from '../core/status/permutation.ts'
import { forUpdate, sql, transaction } from '../core/store/sql.ts'

export const STATUS_PURPOSES = ['revocation', 'suspension'] as const
export type StatusPurpose = (typeof STATUS_PURPOSES)[number]

export interface StatusSlot {
  readonly listId: number
  readonly index: number
}

export interface StatusListEntry {
  readonly id: string
  readonly type: 'BitstringStatusListEntry'
  readonly statusPurpose: StatusPurpose
  readonly statusListIndex: string
  readonly statusListCredential: string
}

export interface SignedStatusList {
  readonly jwt: string
  readonly etag: string
}

interface ListRow {
  id: number
  size: number
  next_position: number
  permutation_key: string
}

export class StatusLists {
  private readonly ds: DataSource
  private readonly identity: BankIdentity
  private readonly clock: Clock
  private readonly baseUrl: string
  private readonly size: number

  constructor(opts: { ds: DataSource; identity: BankIdentity; clock: Clock; publicUrl: URL; size?: number }) {
    this.ds = opts.ds
    this.identity = opts.identity
    this.clock = opts.clock
    this.baseUrl = opts.publicUrl.href.replace(/\/$/, '')
    this.size = opts.size ?? MIN_STATUS_LIST_SIZE
    if (this.size < MIN_STATUS_LIST_SIZE) throw new RangeError(`status lists need at least ${MIN_STATUS_LIST_SIZE} entries`)
  }

  listUrl(listId: number, purpose: StatusPurpose): string {
    return `${this.baseUrl}/status-lists/${listId}/${purpose}`
  }

  /** One revocation and one suspension entry for a slot: the two lists of a list id share the index. */
  entries(slot: StatusSlot): StatusListEntry[] {
    return STATUS_PURPOSES.map((purpose) => ({
      id: `${this.listUrl(slot.listId, purpose)}#${slot.index}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: purpose,
      statusListIndex: String(slot.index),
      statusListCredential: this.listUrl(slot.listId, purpose),
    }))
  }

  /**
   * Takes `count` unused slots, in the caller's transaction, so a slot is consumed only if the credential is stored.
   * The newest list's counter walks a keyed permutation (random order, each index once); a full list rolls over
   * to a new one. Two instances racing to create the same list id collide on the primary key and retry.
   */
  async allocate(m: EntityManager, count: number): Promise<StatusSlot[]> {
    const slots: StatusSlot[] = []
    let [list] = await sql<ListRow>(m, `SELECT id, size, next_position, permutation_key FROM cb_status_list ORDER BY id DESC LIMIT 1${forUpdate(m)}`)
    while (slots.length < count) {
      if (!list || list.next_position >= list.size) {
        list = { id: (list?.id ?? 0) + 1, size: this.size, next_position: 0, permutation_key: randomBytes(32).toString('hex') }
        await sql(m, 'INSERT INTO cb_status_list (id, size, next_position, permutation_key, version, created_at) VALUES (?, ?, 0, ?, 0, ?)', [
          list.id,
          list.size,
          list.permutation_key,
          this.clock().toISOString(),
        ])
      }
      const take = Math.min(count - slots.length, list.size - list.next_position)
      for (let p = list.next_position; p < list.next_position + take; p++) slots.push({ listId: list.id, index: permuteIndex(p, list.size, list.permutation_key) })
      list = { ...list, next_position: list.next_position + take }
      await sql(m, 'UPDATE cb_status_list SET next_position = ? WHERE id = ?', [list.next_position, list.id])
    }
    return slots
  }

  /**
   * Sets or clears one status bit. Idempotent; a revocation is permanent. Only the API client that issued the
   * credential (or an admin) may change it. Bumps the list version so every instance re-signs the list.
   */
  async setStatus(credentialId: string, purpose: StatusPurpose, value: boolean, caller: { clientId: string; admin: boolean }): Promise<{ changed: boolean }> {
    const column = purpose === 'revocation' ? 'revoked' : 'suspended'
    return transaction(this.ds, async (m) => {
      const [row] = await sql<{ status_list_id: number; revoked: number; suspended: number; client_id: string | null }>(
        m,
        `SELECT status_list_id, revoked, suspended, client_id FROM cb_credential WHERE id = ?${forUpdate(m)}`,
        [credentialId],
      )
      if (!row) throw new AppError('not_found', 404, `no credential with id ${credentialId} was issued here`)
      if (!caller.admin && row.client_id !== caller.clientId) throw new AppError('forbidden', 403, 'this credential was issued by another API client')
      const current = Number(row[column]) === 1
      if (current === value) return { changed: false }
      if (purpose === 'revocation' && !value) throw new AppError('revocation_irreversible', 400, 'a revoked credential cannot be un-revoked; issue a new one')
      await sql(m, `UPDATE cb_credential SET ${column} = ? WHERE id = ?`, [value ? 1 : 0, credentialId])
      await sql(m, 'UPDATE cb_status_list SET version = version + 1 WHERE id = ?', [row.status_list_id])
      return { changed: true }
    })
  }

  /** The signed BitstringStatusListCredential (vc+jwt), re-signed only when the list changed; shared by all instances. */
  async signedList(listId: number, purpose: StatusPurpose): Promise<SignedStatusList> {
    const [list] = await sql<{ version: number; size: number }>(this.ds, 'SELECT version, size FROM cb_status_list WHERE id = ?', [listId])
    if (!list) throw new AppError('not_found', 404, `no status list ${listId}`)
    const version = Number(list.version)
    const [cached] = await sql<{ version: number; jwt: string }>(this.ds, 'SELECT version, jwt FROM cb_status_list_credential WHERE list_id = ? AND purpose = ?', [listId, purpose])
    if (cached && Number(cached.version) === version) return withEtag(cached.jwt)

    const column = purpose === 'revocation' ? 'revoked' : 'suspended'
    const set = await sql<{ status_index: number }>(this.ds, `SELECT status_index FROM cb_credential WHERE status_list_id = ? AND ${column} = 1`, [listId])
    const now = this.clock()
    const url = this.listUrl(listId, purpose)
    const credential = {
      '@context': [VC_V2_CONTEXT],
      id: url,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: this.identity.did,
      validFrom: now.toISOString(),
      credentialSubject: {
        id: `${url}#list`,
        type: 'BitstringStatusList',
        statusPurpose: purpose,
        encodedList: encodeBitstring(Number(list.size), set.map((r) => Number(r.status_index))),
      },
    }
    const jwt = await signJws({ ...credential, iss: this.identity.did, jti: url, iat: epochSeconds(now), nbf: epochSeconds(now) }, await this.identity.activeKey(), 'vc+jwt')
    await sql(
      this.ds,
      `INSERT INTO cb_status_list_credential (list_id, purpose, version, jwt) VALUES (?, ?, ?, ?)
       ON CONFLICT (list_id, purpose) DO UPDATE SET version = excluded.version, jwt = excluded.jwt
       WHERE cb_status_list_credential.version < excluded.version`,
      [listId, purpose, version, jwt],
    )
    return withEtag(jwt)
  }
}

const withEtag = (jwt: string): SignedStatusList => ({ jwt, etag: `"${createHash('sha256').update(jwt).digest('base64url').slice(0, 27)}"` })
