// Starts the bank's issuer and verifier on loopback ephemeral ports with a temp SQLite data dir, as the tests do.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { systemClock } from '../core/clock.ts'
import { loadConfig, type Config } from '../core/config.ts'
import { createLogger } from '../core/log.ts'
import { createIssuerApp } from '../issuer/app.ts'
import { createIssuerNode, type IssuerNode } from '../issuer/issuer-node.ts'
import { createVerifierApp } from '../verifier/app.ts'
import { createVerifierNode, type VerifierNode } from '../verifier/verifier-node.ts'

/** A bank under benchmark: both nodes, both servers listening, and the URL of the verifier's API. */
export interface BankSystem {
  readonly config: Readonly<Config>
  readonly issuer: IssuerNode
  readonly verifier: VerifierNode
  readonly verifierPort: number
  close(): Promise<void>
}

async function listenEphemeral(): Promise<{ server: Server; port: number }> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, port: (server.address() as AddressInfo).port }
}

/**
 * Starts issuer and verifier on the real clock (caches expire as in production) with logging silenced and the
 * rate limit raised so that a load test measures verification, not 429s. The issuer must listen on the port its
 * did:web names: the verifier resolves the DID document and fetches status lists from it over HTTP.
 */
export async function startBankSystem(): Promise<BankSystem> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'credit-bank-bench-'))
  const issuerHttp = await listenEphemeral()
  const verifierHttp = await listenEphemeral()
  const config = loadConfig({
    NODE_ENV: 'test',
    CB_LOG_LEVEL: 'silent',
    CB_DATA_DIR: dataDir,
    CB_KMS_SECRET_KEY: '5a'.repeat(32),
    CB_ISSUER_PORT: String(issuerHttp.port),
    CB_VERIFIER_PORT: String(verifierHttp.port),
    CB_PUBLIC_URL: `http://localhost:${issuerHttp.port}`,
    CB_RATE_LIMIT_PER_MINUTE: '1000000000',
  })
  const log = createLogger('silent')
  const issuer = await createIssuerNode(config, { clock: systemClock, log })
  const verifier = await createVerifierNode(config, { clock: systemClock, log })
  issuerHttp.server.on('request', createIssuerApp(issuer))
  verifierHttp.server.on('request', createVerifierApp(verifier))
  return {
    config,
    issuer,
    verifier,
    verifierPort: verifierHttp.port,
    async close() {
      for (const s of [issuerHttp.server, verifierHttp.server]) {
        s.closeAllConnections()
        await new Promise((r) => s.close(r))
      }
      await verifier.close()
      await issuer.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
