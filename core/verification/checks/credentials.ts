// The credentials check: every credential inside the presentation verifies with the full credential checks
// (VC DM 2.0 §4.12: a verifiable presentation's verifiableCredential; SECURITY.md B2).
import { fail, pass, skip, type PresentationCheck } from '../check.ts'

export type CredentialsReason = 'no_credentials' | 'credential_not_verified'

export const credentials: PresentationCheck<CredentialsReason> = {
  id: 'credentials',
  async run({ items, credentialReports }) {
    if (!items.length) return skip('no_credentials', 'the presentation carries no credentials')
    const bad = (await credentialReports()).findIndex((r) => !r.verified)
    return bad < 0
      ? pass({ count: items.length })
      : fail('credential_not_verified', `credential ${bad} in the presentation does not verify`, { index: bad })
  },
}
