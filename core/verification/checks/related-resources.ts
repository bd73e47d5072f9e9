// The related_resources check (VC DM 2.0 §5.3 relatedResource, digestSRI per W3C Subresource Integrity): a
// certification report binds the credentials it covers by digest. When a presentation carries the report together
// with covered credentials, each one must be the very one the report pinned. The digest is taken over the secured
// form as presented: the compact JWS of a vc+jwt, and the RFC 8785 canonical JSON (proof included) of a Data
// Integrity credential, so spacing and member order do not matter.
import { createHash } from 'node:crypto'
import { canonicalJson } from '../../credentials/jcs.ts'
import { VC_JWT_DATA_URL_PREFIX } from '../../credentials/types.ts'
import { isPlainObject } from '../../json.ts'
import { jwtProofOf } from '../decode-credential.ts'
import { fail, pass, skip, type PresentationCheck } from '../check.ts'

export type RelatedResourcesReason =
  'related_resource_digest_malformed' | 'related_resource_digest_mismatch' | 'no_related_resources_presented'

const SRI = /^(sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})$/

/** The bytes a report's digest of this presented item covers, if it is a secured credential we can digest. */
function digestedForm(item: unknown): string | undefined {
  if (typeof item === 'string') return item
  if (!isPlainObject(item)) return undefined
  if (typeof item.id === 'string' && item.id.startsWith(VC_JWT_DATA_URL_PREFIX)) return item.id.slice(VC_JWT_DATA_URL_PREFIX.length)
  // A JwtProof2020 wrapper (Veramo's VC 1.1 JSON): only its JWT is signed, so only its JWT is digested.
  const jwtProof = jwtProofOf(item.proof)
  if (jwtProof) return typeof jwtProof.jwt === 'string' ? jwtProof.jwt : undefined
  return item.proof === undefined ? undefined : canonicalJson(item)
}

export const relatedResources: PresentationCheck<RelatedResourcesReason> = {
  id: 'related_resources',
  async run({ items, credentialReports }) {
    const reports = await credentialReports()
    // Items by credential id; an item is digested only when a report pins it (canonical JSON is not free).
    const presented = new Map<string, unknown>()
    reports.forEach((r, i) => {
      const id = r.document?.id
      if (typeof id === 'string') presented.set(id, items[i])
    })
    let compared = 0
    for (const report of reports) {
      const related = report.document?.relatedResource
      for (const entry of Array.isArray(related) ? related : related === undefined ? [] : [related]) {
        if (!isPlainObject(entry) || typeof entry.id !== 'string' || typeof entry.digestSRI !== 'string') continue
        const form = presented.has(entry.id) ? digestedForm(presented.get(entry.id)) : undefined
        if (form === undefined) continue
        const m = SRI.exec(entry.digestSRI)
        if (!m) return fail('related_resource_digest_malformed', `the digest pinned for ${entry.id} is not a Subresource Integrity value`)
        const actual = createHash(m[1]!).update(form, 'utf8').digest('base64')
        if (actual !== m[2])
          return fail(
            'related_resource_digest_mismatch',
            `${entry.id} is not the credential the report ${String(report.document?.id)} covers: its digest differs`,
          )
        compared++
      }
    }
    return compared ? pass({ compared }) : skip('no_related_resources_presented', 'no presented credential is pinned by another one')
  },
}
