// The bank under benchmark: the tests' issuer and verifier (loopback ports, temp SQLite, silent logs), with the
// rate limit raised so that a load test measures verification, not 429s.
import type { Config } from '../core/config.ts'
import type { IssuerNode } from '../issuer/issuer-node.ts'
import type { VerifierNode } from '../verifier/verifier-node.ts'
import { startTestSystem } from '../fixtures/test-system.ts'

export interface BankSystem {
  readonly config: Readonly<Config>
  readonly issuer: IssuerNode
  readonly verifier: VerifierNode
  readonly verifierPort: number
  close(): Promise<void>
}

/**
 * Caches (DID document, status list) are measured warm: the test system's clock stands still, as a verifier's
 * caches do between refreshes in steady state.
 */
export async function startBankSystem(): Promise<BankSystem> {
  const sys = await startTestSystem({ CB_RATE_LIMIT_PER_MINUTE: '1000000000' })
  return {
    config: sys.config,
    issuer: sys.issuer,
    verifier: sys.verifier,
    verifierPort: Number(new URL(sys.verifierUrl).port),
    close: () => sys.close(),
  }
}
