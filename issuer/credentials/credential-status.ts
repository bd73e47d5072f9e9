// The status bits a credential carries (revoked, suspended), as use cases of the credentials capability: the status
// capability calls these, so that cb_credential is read and written by this folder alone (DESIGN.md).
import { AppError } from '../../core/errors.ts'
import type { Db } from '../../core/store/sql.ts'
import type { StatusPurpose } from '../status/status-lists.ts'
import { CredentialStore } from './credential-store.ts'
import { ownedCredential, type Caller } from './ownership.ts'

/**
 * Sets or clears one status bit of a credential `caller` may act on, in the caller's transaction (the row is locked).
 * Idempotent; a revocation is permanent. Says which status list the credential's slot is in, so the list can be re-signed.
 */
export async function changeCredentialStatus(
  db: Db,
  id: string,
  purpose: StatusPurpose,
  value: boolean,
  caller: Caller,
): Promise<{ changed: boolean; listId: number }> {
  const store = new CredentialStore(db)
  const credential = await ownedCredential(store, id, caller, { lock: true })
  const listId = credential.slot.listId
  if ((purpose === 'revocation' ? credential.revoked : credential.suspended) === value) return { changed: false, listId }
  if (purpose === 'revocation' && !value)
    throw new AppError('revocation_irreversible', 'a revoked credential cannot be un-revoked; issue a new one')
  await store.setStatus(id, purpose, value)
  return { changed: true, listId }
}

/** The indices of a status list whose `purpose` bit is set: what its signed list publishes. */
export const setStatusIndices = (db: Db, listId: number, purpose: StatusPurpose): Promise<number[]> =>
  new CredentialStore(db).setIndices(listId, purpose)

/** The status bits of the credentials among `ids` that were issued here (absent ids: none issued with that id). */
export async function credentialStatusesOf(
  db: Db,
  ids: readonly string[],
): Promise<Map<string, { readonly revoked: boolean; readonly suspended: boolean }>> {
  const found = await new CredentialStore(db).statusBitsOf([...new Set(ids)])
  return new Map(found.map((c) => [c.id, { revoked: c.revoked, suspended: c.suspended }]))
}
