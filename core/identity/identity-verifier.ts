// Real-name verification (实名认证): does this name belong to this resident identity number? A pluggable interface.
//
// Production plugs in the provincial identity service (or the Ministry of Public Security's citizen identity check)
// as another IdentityVerifier, wired where the issuer is assembled; the built-in RegistryIdentityVerifier answers from
// a configured registry, for tests and the demo.
import type { Clock } from '../clock.ts'
import { parseResidentId, type ResidentId, type ResidentIdErrorCode } from './resident-id.ts'

export interface IdentityVerificationInput {
  /** The person's name as on their identity card. */
  readonly name: string
  /** As typed: the verifier validates it. */
  readonly idNumber: string
}

/**
 * - `verified`: the number is valid and belongs to a person of that name.
 * - `mismatch`: the number is invalid (`reason` is its ResidentIdErrorCode) or belongs to someone of another name.
 * - `unavailable`: no answer now or for this number (service down, not covered): try later or review by hand; never a refusal.
 */
export type IdentityVerification =
  | { readonly outcome: 'verified'; readonly verifier: string; readonly id: ResidentId }
  | { readonly outcome: 'mismatch'; readonly verifier: string; readonly reason: ResidentIdErrorCode | 'name_mismatch' }
  | { readonly outcome: 'unavailable'; readonly verifier: string; readonly reason: string }

export interface IdentityVerifier {
  /** Which verifier answered, recorded with the verification (e.g. `registry`, `jiangsu-unified-identity`). */
  readonly name: string
  /** Never throws for a wrong or unknown person; an implementation's own failure (timeout, network) is `unavailable`. */
  verify(input: IdentityVerificationInput): Promise<IdentityVerification>
}

/** Names compare after Unicode NFKC, trimming and collapsing inner white space (`张三`, `Zhang  San` = `Zhang San`). */
export function normalizePersonName(name: string): string {
  return name.normalize('NFKC').trim().replace(/\s+/g, ' ')
}

/**
 * Checks the number's format, region, birth date and check character, then looks its keyed hash up in a registry
 * (look-up hash → name, `PersonalDataProtector.idNumberHash`), so the registry itself holds no identity number.
 * A registry covers only the numbers it was given: for any other it answers `unavailable` (it cannot tell), never
 * `mismatch`, so a demo registry never calls someone's real number false.
 */
export class RegistryIdentityVerifier implements IdentityVerifier {
  readonly name = 'registry'
  readonly #registry: ReadonlyMap<string, string>
  readonly #hash: (id: ResidentId) => string
  readonly #clock: Clock

  constructor(opts: { registry: ReadonlyMap<string, string>; idNumberHash: (id: ResidentId) => string; clock: Clock }) {
    this.#registry = new Map([...opts.registry].map(([hash, name]) => [hash, normalizePersonName(name)]))
    this.#hash = opts.idNumberHash
    this.#clock = opts.clock
  }

  /** A registry from clear entries (number, name), hashed at once; a number that is not valid is a programmer error. */
  static fromEntries(
    entries: Iterable<readonly [idNumber: string, name: string]>,
    opts: { idNumberHash: (id: ResidentId) => string; clock: Clock },
  ): RegistryIdentityVerifier {
    const registry = new Map<string, string>()
    let row = 0
    for (const [idNumber, name] of entries) {
      const parsed = parseResidentId(idNumber, opts.clock)
      if (!parsed.ok) throw new TypeError(`identity registry entry ${row}: ${parsed.message.en}`)
      registry.set(opts.idNumberHash(parsed.id), name)
      row++
    }
    return new RegistryIdentityVerifier({ registry, ...opts })
  }

  async verify(input: IdentityVerificationInput): Promise<IdentityVerification> {
    const parsed = parseResidentId(input.idNumber, this.#clock)
    if (!parsed.ok) return { outcome: 'mismatch', verifier: this.name, reason: parsed.code }
    const registered = this.#registry.get(this.#hash(parsed.id))
    if (registered === undefined) return { outcome: 'unavailable', verifier: this.name, reason: 'not_in_registry' }
    if (registered !== normalizePersonName(input.name)) return { outcome: 'mismatch', verifier: this.name, reason: 'name_mismatch' }
    return { outcome: 'verified', verifier: this.name, id: parsed.id }
  }
}
