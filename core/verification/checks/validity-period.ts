// The validity_period check: VC DM 2.0 §4.9 (validFrom/validUntil), VC DM 1.1 §4.8/§4.9 (issuanceDate/
// expirationDate) and RFC 7519 §4.1.4-6 (the JWT's exp/nbf/iat) (SECURITY.md #14, #15).
import type { SecuredCredential } from '../decode-credential.ts'
import { fail, pass, skip, type CredentialCheck, type PresentationCheck, type Verdict } from '../check.ts'

export type ValidityPeriodReason = 'not_yet_valid' | 'expired' | 'no_validity_period'

export const credentialValidityPeriod: CredentialCheck<ValidityPeriodReason> = {
  id: 'validity_period',
  optional: {
    requested: ({ options }) => !options.checks || options.checks.has('validity_period'),
    message: 'the request did not ask for the validity_period check',
  },
  run({ secured }, { ctx }) {
    return validityPeriod(secured, ctx.clock(), ctx.clockSkewSeconds)
  },
}

/** A presentation JWT's exp, nbf and iat; a Data Integrity presentation has none (its proof dates are checked with the proof). */
export const presentationValidityPeriod: PresentationCheck<ValidityPeriodReason> = {
  id: 'validity_period',
  run({ jws }, { ctx }) {
    if (!jws)
      return skip('no_validity_period', 'a Data Integrity presentation has no validity period; its proof dates are checked with the proof')
    const { payload } = jws
    const now = ctx.clock().getTime() / 1000
    const skew = ctx.clockSkewSeconds
    if (typeof payload.exp === 'number' && now - skew > payload.exp) return fail('expired', 'the presentation has expired')
    if ([payload.nbf, payload.iat].some((t) => typeof t === 'number' && now + skew < t))
      return fail('not_yet_valid', 'the presentation is dated in the future')
    return pass()
  },
}

/** A credential's validity period, from its dates and (for a JWT) its NumericDate claims, with `skewSeconds` of tolerance. */
export function validityPeriod(secured: SecuredCredential, now: Date, skewSeconds: number): Verdict<ValidityPeriodReason> {
  const c = secured.credential
  const t = now.getTime()
  const skew = skewSeconds * 1000
  const from = secured.model === 'v2' ? c.validFrom : c.issuanceDate
  const until = secured.model === 'v2' ? c.validUntil : c.expirationDate
  const claims = secured.kind === 'jwt' ? secured.jws.payload : {}
  const starts = [from, claims.nbf, claims.iat].map(toMillis).filter((x): x is number => x !== undefined)
  const ends = [until, claims.exp].map(toMillis).filter((x): x is number => x !== undefined)
  const notBefore = Math.max(...starts, -Infinity)
  const notAfter = Math.min(...ends, Infinity)
  if (t + skew < notBefore) return fail('not_yet_valid', `valid from ${iso(notBefore)}`)
  if (t - skew > notAfter) return fail('expired', `expired at ${iso(notAfter)}`)
  return pass({ ...(starts.length ? { validFrom: iso(notBefore) } : {}), ...(ends.length ? { validUntil: iso(notAfter) } : {}) })
}

/** A JWT may carry a NumericDate no Date can hold (1e20): it still compares, and is named rather than formatted. */
const iso = (ms: number): string => (Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : ms > 0 ? 'the far future' : 'the distant past')

function toMillis(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v * 1000
  if (typeof v === 'string') {
    const ms = Date.parse(v)
    return Number.isNaN(ms) ? undefined : ms
  }
  return undefined
}
