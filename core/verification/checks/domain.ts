// The domain check: the presentation is addressed to the domain the request names and the one this verifier's
// challenge was issued for (VC Data Integrity §2.1 `domain`; the JWT `aud` for a vp+jwt; SECURITY.md #19). Both,
// when both exist, must agree.
import { fail, pass, skip, type PresentationCheck } from '../check.ts'

export type DomainReason = 'domain_mismatch' | 'no_domain_requested'

export const domain: PresentationCheck<DomainReason> = {
  id: 'domain',
  run({ audiences }, { options, earlier }) {
    const issued = earlier.get('challenge')?.carry?.issuedFor
    const issuedFor = typeof issued === 'string' ? issued : undefined
    const requested = options.domain
    if (requested !== undefined && issuedFor !== undefined && requested !== issuedFor) {
      return fail('domain_mismatch', `the challenge was issued for ${issuedFor}, not for ${requested}`)
    }
    const expected = requested ?? issuedFor
    if (expected === undefined) return skip('no_domain_requested', 'no domain was requested')
    return audiences.includes(expected)
      ? pass({ domain: expected })
      : fail('domain_mismatch', `the presentation is not addressed to ${expected}`)
  },
}
