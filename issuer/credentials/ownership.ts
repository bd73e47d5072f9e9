// Who may read or change a credential: the API client it was issued for, or an admin. Checked here, and only here.
import { AppError } from '../../core/errors.ts'
import type { ApiClient } from '../clients/api-clients.ts'
import type { CredentialStore, StoredCredential } from './credential-store.ts'

/** The API client asking, as far as ownership is concerned. */
export interface Caller {
  readonly clientId: string
  readonly admin: boolean
}

export const callerOf = (client: ApiClient): Caller => ({ clientId: client.id, admin: client.scopes.includes('admin') })

/**
 * The credential `id` if `caller` may act on it. Another client's credential answers as an unknown id does (404): a
 * 403 would tell a client which ids exist. `lock` holds the row for the caller's transaction.
 */
export async function ownedCredential(
  store: CredentialStore,
  id: string,
  caller: Caller,
  opts: { lock?: boolean } = {},
): Promise<StoredCredential> {
  const credential = await store.find(id, opts)
  if (!credential || (!caller.admin && credential.clientId !== caller.clientId))
    throw new AppError('not_found', 'no credential with this id was issued here for this API client')
  return credential
}
