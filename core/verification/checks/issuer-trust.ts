// The issuer_trust check: the issuer is one this verifier trusts (VC DM 2.0 §8.2 leaves trust in issuers to the
// verifier; here a configured list, the alliance trust list later, ROADMAP.md).
import { fail, pass, type CredentialCheck } from '../check.ts'

export type IssuerTrustReason = 'issuer_not_trusted'

export const issuerTrust: CredentialCheck<IssuerTrustReason> = {
  id: 'issuer_trust',
  optional: {
    requested: ({ options }) => !options.checks || options.checks.has('issuer_trust'),
    message: 'the request did not ask for the issuer_trust check',
  },
  run({ issuer }, { ctx }) {
    return issuer && ctx.trustedIssuers.has(issuer)
      ? pass({ issuer })
      : fail('issuer_not_trusted', `${issuer ?? 'the issuer'} is not among the issuers this verifier trusts`)
  },
}
