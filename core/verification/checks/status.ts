// The status check: Bitstring Status List v1.0 §3.2 (validate algorithm): every revocation/suspension entry checked;
// unreachable or unverifiable fails closed. An entry this verifier cannot read (no or an unknown purpose, another
// entry type) fails too: skipping it would let a credential whose status we cannot see pass as unrevoked.
import { isPlainObject } from '../../json.ts'
import { BitstringError, isBitSet, parseStatusIndex } from '../../status/bitstring.ts'
import { didWebHost } from '../../did/did-web-url.ts'
import { DidResolutionError } from '../../did/types.ts'
import { StatusListError, type StatusListErrorCode } from '../status-list-client.ts'
import { fail, pass, skip, type CredentialCheck } from '../check.ts'

export type StatusReason =
  | 'no_status'
  | 'unsupported_status_type'
  | 'status_entry_malformed'
  | 'status_list_unreachable'
  | 'status_list_invalid'
  | 'status_list_length'
  | 'status_index_out_of_range'
  | 'status_list_untrusted_origin'
  | 'revoked'
  | 'suspended'

/** BSL v1.0 §3.2's error names, as reasons. */
const BSL_REASONS: Readonly<Record<StatusListErrorCode, StatusReason>> = {
  STATUS_RETRIEVAL_ERROR: 'status_list_unreachable',
  STATUS_VERIFICATION_ERROR: 'status_list_invalid',
  STATUS_LIST_LENGTH_ERROR: 'status_list_length',
  RANGE_ERROR: 'status_index_out_of_range',
  MALFORMED_VALUE_ERROR: 'status_entry_malformed',
}

/** Status purposes of Bitstring Status List v1.0 §2.1 that say nothing about validity; anything else is malformed. */
const INFORMATIVE_PURPOSES = new Set(['refresh', 'message'])

export const status: CredentialCheck<StatusReason> = {
  id: 'status',
  optional: {
    requested: ({ options }) => !options.checks || options.checks.has('status'),
    message: 'the request did not ask for the status check',
  },
  // Nothing is fetched for a credential whose proof failed: its status list URL is the sender's word, not the issuer's.
  requires: [{ check: 'proof', reason: 'proof_failed', message: 'the status is not looked up for a credential whose proof failed' }],
  async run({ secured, issuer }, { ctx }) {
    const c = secured.credential
    if (c.credentialStatus === undefined) return skip('no_status', 'the credential has no credentialStatus')
    const entries = Array.isArray(c.credentialStatus) ? c.credentialStatus : [c.credentialStatus]
    const results: Record<string, unknown>[] = []
    for (const e of entries) {
      if (!isPlainObject(e) || e.type !== 'BitstringStatusListEntry') {
        return fail(
          'unsupported_status_type',
          `status entries of type ${isPlainObject(e) ? JSON.stringify(e.type) : typeof e} cannot be checked`,
        )
      }
      const purpose = e.statusPurpose
      if (typeof purpose === 'string' && INFORMATIVE_PURPOSES.has(purpose)) {
        results.push({ statusPurpose: purpose, checked: false })
        continue
      }
      if (purpose !== 'revocation' && purpose !== 'suspension')
        return fail(
          'status_entry_malformed',
          `the status entry's statusPurpose ${JSON.stringify(purpose)} is not one this verifier can check`,
        )
      try {
        const index = parseStatusIndex(e.statusListIndex)
        const url = allowedStatusUrl(e.statusListCredential, issuer)
        const list = await ctx.statusLists.get(url, issuer!)
        if (list.statusPurpose !== purpose)
          return fail('status_list_invalid', `the list at ${url} is for ${list.statusPurpose}, the entry says ${purpose}`)
        if (isBitSet(list.bits, index)) {
          return purpose === 'revocation'
            ? fail('revoked', 'the issuer has revoked this credential')
            : fail('suspended', 'the issuer has suspended this credential')
        }
        results.push({ statusPurpose: purpose, set: false })
      } catch (err) {
        if (err instanceof StatusListError || err instanceof BitstringError)
          return fail(BSL_REASONS[err.code], err.message, { error: err.code })
        if (err instanceof StatusUrlError) return fail('status_list_untrusted_origin', err.message)
        throw err
      }
    }
    return pass({ entries: results })
  },
}

class StatusUrlError extends Error {}

/** A status list must live on the issuer's own did:web origin (SECURITY.md #59: no fetching from elsewhere). */
function allowedStatusUrl(value: unknown, issuer: string | undefined): string {
  if (typeof value !== 'string') throw new BitstringError('MALFORMED_VALUE_ERROR', 'statusListCredential must be a URL')
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new BitstringError('MALFORMED_VALUE_ERROR', 'statusListCredential must be a URL')
  }
  if (!issuer?.startsWith('did:web:'))
    throw new StatusUrlError(
      `status lists are only fetched for did:web issuers, from their own origin; ${issuer ?? 'this issuer'} has none`,
    )
  let host: string
  try {
    host = didWebHost(issuer)
  } catch (err) {
    if (err instanceof DidResolutionError) throw new StatusUrlError(err.message)
    throw err
  }
  if (url.host !== host) throw new StatusUrlError(`the status list ${url.origin} is not on the issuer's origin ${host}`)
  return url.href
}
