// Wires one verifier node: its own database (challenges, rate limits), DID resolution, status lists, policy.
import type { DataSource } from 'typeorm'
import type { Clock } from '../core/clock.ts'
import type { Config } from '../core/config.ts'
import { createDidResolver } from '../core/did/resolver.ts'
import type { Logger } from '../core/log.ts'
import { openDataSource } from '../core/store/data-source.ts'
import { StatusListClient } from '../core/verification/status-list-client.ts'
import type { VerifierContext } from '../core/verification/verifier-context.ts'
import { WorkerCanonicalizer } from '../core/proofs/canonicalizer.ts'
import { RateLimiter } from '../http/rate-limit.ts'
import { RateLimitStore } from '../http/rate-limit-store.ts'
import { ChallengeStore } from './challenge-store.ts'

export interface VerifierNode {
  readonly config: Readonly<Config>
  readonly log: Logger
  readonly ds: DataSource
  readonly context: VerifierContext
  readonly challenges: ChallengeStore
  readonly limiter: RateLimiter
  close(): Promise<void>
}

/** The verification context from configuration alone: no database, so `credit-bank verify` can use it too. */
export function createVerifierContext(config: Readonly<Config>, clock: Clock): VerifierContext {
  const resolver = createDidResolver({
    allowInsecureLocalhost: config.allowInsecureLocalhost,
    timeoutMs: config.fetchTimeoutMs,
    maxBytes: config.fetchMaxBytes,
    cacheTtlSeconds: config.didCacheTtlSeconds,
    refreshIntervalSeconds: config.didRefreshSeconds,
    knownOrigins: [config.publicUrl, config.verifierUrl, config.walletUrl],
    clock,
  })
  const canonicalizer = new WorkerCanonicalizer({
    workers: config.canonicalizeWorkers,
    timeoutMs: config.canonicalizeTimeoutMs,
    maxQueue: config.canonicalizeQueue,
  })
  const statusLists = new StatusListClient({
    resolver,
    clock,
    allowInsecureLocalhost: config.allowInsecureLocalhost,
    timeoutMs: config.fetchTimeoutMs,
    maxBytes: config.fetchMaxBytes,
    maxCacheSeconds: config.statusListTtlSeconds,
    canonicalizer,
  })
  return {
    resolver,
    statusLists,
    clock,
    clockSkewSeconds: config.clockSkewSeconds,
    trustedIssuers: new Set(config.trustedIssuers),
    canonicalizer,
    maxPresentationCredentials: config.maxPresentationCredentials,
    requireHolderBinding: config.requireHolderBinding,
  }
}

export async function createVerifierNode(config: Readonly<Config>, deps: { clock: Clock; log: Logger }): Promise<VerifierNode> {
  const ds = await openDataSource(config.verifierDb, 'verifier')
  const limiter = new RateLimiter(new RateLimitStore(ds, 'cb_verifier_rate_limit'), config.rateLimitPerMinute, deps.clock)
  const context = createVerifierContext(config, deps.clock)
  return {
    config,
    log: deps.log,
    ds,
    context,
    challenges: new ChallengeStore(ds, deps.clock, config.challengeTtlSeconds),
    limiter,
    async close() {
      await limiter.close()
      await context.canonicalizer.close()
      await ds.destroy()
    },
  }
}
