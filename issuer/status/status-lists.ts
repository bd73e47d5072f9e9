// The bank's Bitstring Status Lists: slot allocation inside the issuing transaction, status changes, signed lists.
import { createHash, randomBytes } from 'node:crypto'
import type { DataSource, EntityManager } from 'typeorm'
import type { Clock } from '../../core/clock.ts'
import { epochSeconds } from '../../core/clock.ts'
import { VC_V2_CONTEXT } from '../../core/credentials/types.ts'
import { AppError } from '../../core/errors.ts'
import type { BankIdentity } from '../../core/identity/bank-identity.ts'
import { signJws } from '../../core/proofs/jws.ts'
import { signDataIntegrity } from '../../core/proofs/data-integrity.ts'
import { encodeBitstring, MIN_STATUS_LIST_SIZE } from '../../core/status/bitstring.ts'
import { IndexPermutation } from '../../core/status/permutation.ts'
import { transaction } from '../../core/store/sql.ts'
import { clientActor, record } from '../audit/audit-trail.ts'
import { changeCredentialStatus, credentialStatusesOf, setStatusIndices } from '../credentials/credential-status.ts'
import type { ProofFormat } from '../credentials/issue-credential.ts'
import type { Caller } from '../credentials/ownership.ts'
import { StatusListStore } from './status-list-store.ts'

export const STATUS_PURPOSES = ['revocation', 'suspension'] as const
export type StatusPurpose = (typeof STATUS_PURPOSES)[number]

export interface StatusSlot {
  readonly listId: number
  readonly index: number
}

/**
 * A slot as {@link StatusLists.allocate} hands it out: with its position in the list's walk (index = walk(position)).
 * The position is stored with the credential and unique per list: the counter's order, so the unique index grows at its
 * end, where one on the permuted index would take a random page per credential (migration 1797500000000).
 */
export interface AllocatedSlot extends StatusSlot {
  readonly position: number
}

export interface StatusListEntry {
  readonly id: string
  readonly type: 'BitstringStatusListEntry'
  readonly statusPurpose: StatusPurpose
  readonly statusListIndex: string
  readonly statusListCredential: string
}

/** Both forms of one list version: the same bits, the same validFrom, one signing. */
export interface SignedStatusList {
  /** The vc+jwt at {@link StatusLists.listUrl}. */
  readonly jwt: string
  readonly etag: string
  /** The JSON BitstringStatusListCredential with an eddsa-rdfc-2022 proof; its `id` is {@link StatusLists.jsonListUrl}. */
  readonly json: string
  readonly jsonEtag: string
}

export class StatusLists {
  private readonly ds: DataSource
  private readonly identity: BankIdentity
  private readonly clock: Clock
  private readonly baseUrl: string
  private readonly size: number
  /** The permutation of the list being filled (its tables cost 4 × 2^9 HMACs to derive): one list at a time. */
  private walk?: { key: string; permutation: IndexPermutation }

  constructor(opts: { ds: DataSource; identity: BankIdentity; clock: Clock; publicUrl: URL; size?: number }) {
    this.ds = opts.ds
    this.identity = opts.identity
    this.clock = opts.clock
    this.baseUrl = opts.publicUrl.href.replace(/\/$/, '')
    this.size = opts.size ?? MIN_STATUS_LIST_SIZE
    if (this.size < MIN_STATUS_LIST_SIZE) throw new RangeError(`status lists need at least ${MIN_STATUS_LIST_SIZE} entries`)
  }

  /** The list's URL: the vc+jwt by default, the JSON form by content negotiation (Accept: application/vc, …). */
  listUrl(listId: number, purpose: StatusPurpose): string {
    return `${this.baseUrl}/status-lists/${listId}/${purpose}`
  }

  /**
   * The JSON form's own URL: `<listUrl>.json`, the JSON (Data Integrity) list with no Accept header needed. A
   * Data Integrity credential points here, so a client that sends no Accept (the W3C suite's document loader, a
   * static mirror or CDN that ignores Accept) gets JSON; the suffix keeps it beside the negotiated URL.
   */
  jsonListUrl(listId: number, purpose: StatusPurpose): string {
    return `${this.listUrl(listId, purpose)}.json`
  }

  /**
   * One revocation and one suspension entry for a slot: the two lists of a list id share the index. A credential
   * secured as vc+jwt points to the vc+jwt list, a Data Integrity one to the JSON list (same bits).
   */
  entries(slot: StatusSlot, format: ProofFormat = 'vc+jwt'): StatusListEntry[] {
    return STATUS_PURPOSES.map((purpose) => {
      const url = format === 'vc+jwt' ? this.listUrl(slot.listId, purpose) : this.jsonListUrl(slot.listId, purpose)
      return {
        id: `${url}#${slot.index}`,
        type: 'BitstringStatusListEntry',
        statusPurpose: purpose,
        statusListIndex: String(slot.index),
        statusListCredential: url,
      }
    })
  }

  /**
   * Takes `count` unused slots, in the caller's transaction, so a slot is consumed only if the credential is stored.
   * The newest list's counter walks a keyed permutation (random order, each index once); a full list rolls over
   * to a new one. Two instances racing to create the same list id collide on the primary key and retry.
   */
  async allocate(m: EntityManager, count: number): Promise<AllocatedSlot[]> {
    const store = new StatusListStore(m)
    const slots: AllocatedSlot[] = []
    let list = await store.newest({ lock: true })
    while (slots.length < count) {
      if (!list || list.nextPosition >= list.size) {
        list = await store.create({
          id: (list?.id ?? 0) + 1,
          size: this.size,
          permutationKey: randomBytes(32).toString('hex'),
          createdAt: this.clock(),
        })
      }
      const take = Math.min(count - slots.length, list.size - list.nextPosition)
      const walk = this.permutationOf(list.permutationKey, list.size)
      for (let p = list.nextPosition; p < list.nextPosition + take; p++) slots.push({ listId: list.id, index: walk.at(p), position: p })
      list = { ...list, nextPosition: list.nextPosition + take }
      await store.setNextPosition(list.id, list.nextPosition)
    }
    return slots
  }

  private permutationOf(key: string, size: number): IndexPermutation {
    if (this.walk?.key !== key || this.walk.permutation.size !== size) this.walk = { key, permutation: new IndexPermutation(key, size) }
    return this.walk.permutation
  }

  /**
   * Sets or clears one status bit. Idempotent; a revocation is permanent. Only the API client that issued the
   * credential (or an admin) may change it. Bumps the list version so every instance re-signs the list. A change is
   * audited in its transaction (`credential_status_changed`); a request that changes nothing is not.
   */
  async setStatus(credentialId: string, purpose: StatusPurpose, value: boolean, caller: Caller): Promise<{ changed: boolean }> {
    return transaction(this.ds, async (m) => {
      const { changed, listId } = await changeCredentialStatus(m, credentialId, purpose, value, caller)
      if (changed) {
        await new StatusListStore(m).bumpVersion(listId)
        await record(m, {
          at: this.clock(),
          actor: clientActor(caller.clientId),
          action: 'credential_status_changed',
          subject: { type: 'credential', id: credentialId },
          before: { [purpose]: !value },
          after: { [purpose]: value },
        })
      }
      return { changed }
    })
  }

  /** Whether credentials stand: the revoked and suspended bits of those among `ids` issued here (the ledger asks). */
  credentialStatuses(ids: readonly string[]): Promise<Map<string, { readonly revoked: boolean; readonly suspended: boolean }>> {
    return credentialStatusesOf(this.ds, ids)
  }

  /**
   * The signed BitstringStatusListCredential in both forms, re-signed only when the list changed; shared by all
   * instances. Both forms are signed together from one read of the bits, so they always agree.
   */
  async signedList(listId: number, purpose: StatusPurpose): Promise<SignedStatusList> {
    const store = new StatusListStore(this.ds)
    const list = await store.find(listId)
    if (!list) throw new AppError('not_found', `no status list ${listId}`)
    const cached = await store.signed(listId, purpose)
    if (cached && cached.version === list.version && cached.ldDocument !== null) return withEtags(cached.jwt, cached.ldDocument)

    const set = await setStatusIndices(this.ds, listId, purpose)
    const now = this.clock()
    const url = this.listUrl(listId, purpose)
    const jsonUrl = this.jsonListUrl(listId, purpose)
    const encodedList = encodeBitstring(list.size, set)
    const credential = (id: string) => ({
      '@context': [VC_V2_CONTEXT],
      id,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: this.identity.did,
      validFrom: now.toISOString(),
      credentialSubject: { id: `${id}#list`, type: 'BitstringStatusList', statusPurpose: purpose, encodedList },
    })
    const key = await this.identity.activeKey()
    const jwt = await signJws(
      { ...credential(url), iss: this.identity.did, jti: url, iat: epochSeconds(now), nbf: epochSeconds(now) },
      key,
      'vc+jwt',
    )
    const secured = await signDataIntegrity(
      credential(jsonUrl),
      { verificationMethod: key.kid, privateKey: key.privateKey, publicKey: key.publicKey },
      { created: now },
    )
    // A row from before the JSON form existed (ld_document NULL) is completed at the same version.
    await store.saveSigned({ listId, purpose, version: list.version, jwt, ldDocument: JSON.stringify(secured) })
    // What is stored, not what was just signed: two instances racing serve the same bytes (and ETags).
    const stored = (await store.signed(listId, purpose))!
    return withEtags(stored.jwt, stored.ldDocument!)
  }
}

const etagOf = (body: string): string => `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`
const withEtags = (jwt: string, json: string): SignedStatusList => ({ jwt, etag: etagOf(jwt), json, jsonEtag: etagOf(json) })
