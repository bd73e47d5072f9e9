// The challenge check: the presentation answers this request's challenge (VC DM 2.0 §8.2 replay; VC Data Integrity
// §2.1 `challenge`; the JWT `nonce` for a vp+jwt), and a challenge this verifier issued is used once, in its lifetime
// (SECURITY.md #19). It is consumed only once the holder's signature holds, so a forged presentation cannot burn it.
import { fail, pass, type PresentationCheck } from '../check.ts'

export type ChallengeReason = 'challenge_mismatch' | 'challenge_used' | 'challenge_expired'

export const challenge: PresentationCheck<ChallengeReason> = {
  id: 'challenge',
  screen: ({ answeredChallenge }, { options }) =>
    answeredChallenge === options.challenge ? undefined : fail('challenge_mismatch', 'the presentation does not answer this challenge'),
  requires: [{ check: 'proof', reason: 'proof_failed', message: 'the challenge is not consumed by an unproven presentation' }],
  async run(_input, { options }) {
    const { state, domain } = await options.consume(options.challenge)
    // The domain the challenge was issued for, for the domain check.
    const carry = domain === undefined ? undefined : { issuedFor: domain }
    const withCarry = <V>(v: V) => (carry ? { ...v, carry } : v)
    if (state === 'ok') return withCarry(pass({ issuedBy: 'verifier' }))
    if (state === 'unknown') return withCarry(pass({ issuedBy: 'caller' }))
    return withCarry(
      fail(state === 'used' ? 'challenge_used' : 'challenge_expired', `the challenge was ${state === 'used' ? 'already used' : 'expired'}`),
    )
  },
}
