// Which identity verifier a node uses (实名认证). CB_IDENTITY_REGISTRY names a JSON file of [{idNumber, name}] — tests and
// the demo — loaded into the built-in RegistryIdentityVerifier, hashed at once (the clear numbers are not kept in
// memory). Production plugs its identity service in here, as another IdentityVerifier. With neither, every
// verification answers `unavailable` (503 identity_service_unavailable), never a refusal.
import { readFileSync } from 'node:fs'
import type { Clock } from '../../core/clock.ts'
import { ConfigError } from '../../core/errors.ts'
import { RegistryIdentityVerifier, type IdentityVerification, type IdentityVerifier } from '../../core/identity/identity-verifier.ts'
import type { PersonalDataProtector } from '../../core/identity/personal-data.ts'
import type { Logger } from '../../core/log.ts'

/** No identity service configured: nobody can be verified, and nobody is told they are someone else. */
export class UnconfiguredIdentityVerifier implements IdentityVerifier {
  readonly name = 'none'
  async verify(): Promise<IdentityVerification> {
    return { outcome: 'unavailable', verifier: this.name, reason: 'no_identity_service_configured' }
  }
}

/** The node's verifier from `config.identityRegistry`; a registry file that cannot be read or is malformed stops start-up. */
export function createIdentityVerifier(
  config: { readonly identityRegistry: string | null },
  deps: { protector: PersonalDataProtector; clock: Clock; log: Logger },
): IdentityVerifier {
  // Nothing is logged at info or above here: command-line tools make nodes too, and their stdout is their output (a
  // CSV template, a --json summary). Each refused verification is logged as its 503, naming the reason.
  if (config.identityRegistry === null) {
    deps.log.debug('CB_IDENTITY_REGISTRY is not set and no identity service is plugged in: real-name verification answers 503')
    return new UnconfiguredIdentityVerifier()
  }
  const file = config.identityRegistry
  let entries: unknown
  try {
    entries = JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new ConfigError([`CB_IDENTITY_REGISTRY: cannot read ${file} as JSON (${(err as Error).message.split('\n')[0]})`])
  }
  if (!Array.isArray(entries)) throw new ConfigError([`CB_IDENTITY_REGISTRY: ${file} must hold a JSON array of {idNumber, name}`])
  const pairs: [string, string][] = []
  const problems: string[] = []
  entries.forEach((e: unknown, i) => {
    const { idNumber, name } = (e ?? {}) as { idNumber?: unknown; name?: unknown }
    if (typeof idNumber !== 'string' || typeof name !== 'string' || !name.trim())
      problems.push(`CB_IDENTITY_REGISTRY: entry ${i} of ${file} is not {idNumber: string, name: string}`)
    else pairs.push([idNumber, name])
  })
  if (problems.length) throw new ConfigError(problems)
  try {
    const verifier = RegistryIdentityVerifier.fromEntries(pairs, {
      idNumberHash: (id) => deps.protector.idNumberHash(id),
      clock: deps.clock,
    })
    deps.log.debug('identity registry loaded', { entries: pairs.length })
    return verifier
  } catch (err) {
    // fromEntries names the entry and the reason, never the number.
    throw new ConfigError([`CB_IDENTITY_REGISTRY: ${file}: ${(err as Error).message}`])
  }
}
