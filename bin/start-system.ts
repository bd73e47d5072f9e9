// Starts issuer, verifier and wallet in one process (the README's start command), with graceful shutdown.
import { createServer, type Server } from 'node:http'
import type { Express } from 'express'
import { systemClock } from '../core/clock.ts'
import type { Config } from '../core/config.ts'
import { createLogger, errorFields } from '../core/log.ts'
import { createIssuerApp } from '../issuer/app.ts'
import { createIssuerNode, type IssuerNode } from '../issuer/issuer-node.ts'
import { processOwner } from '../issuer/imports/imports.ts'
import { createVerifierApp } from '../verifier/app.ts'
import { createVerifierNode } from '../verifier/verifier-node.ts'
import { createWalletApp } from '../wallet-web/server.ts'

export type Role = 'issuer' | 'verifier' | 'wallet'

export interface RunningSystem {
  readonly urls: Partial<Record<Role, string>>
  readonly issuer?: IssuerNode
  close(): Promise<void>
}

export type ServerLimits = Pick<Config, 'requestTimeoutSeconds' | 'headersTimeoutSeconds' | 'keepAliveTimeoutSeconds' | 'maxConnections'>

/**
 * Every server the program starts listens through here, with the configured limits: a request (headers and body)
 * must arrive within the request timeout and its headers within the headers timeout, or it gets 408 and the
 * connection is closed; idle kept-alive connections close after the keep-alive timeout; connections beyond
 * maxConnections are closed at once. Node checks the timeouts every `connectionsCheckingInterval` (30 s by default,
 * which would let a slow body live that long past its deadline): once a second here.
 */
export function listen(app: Express, port: number, host: string, limits: ServerLimits): Promise<Server> {
  const server = createServer(
    {
      requestTimeout: limits.requestTimeoutSeconds * 1000,
      headersTimeout: limits.headersTimeoutSeconds * 1000,
      keepAliveTimeout: limits.keepAliveTimeoutSeconds * 1000,
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutSeconds * 1000),
    },
    app,
  )
  server.maxConnections = limits.maxConnections
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve(server))
  })
}

export async function startSystem(config: Readonly<Config>, roles: readonly Role[]): Promise<RunningSystem> {
  const log = createLogger(config.logLevel, { service: 'credit-bank' })
  const clock = systemClock
  const servers: Server[] = []
  const closers: (() => Promise<void>)[] = []
  const urls: Partial<Record<Role, string>> = {}
  let issuer: IssuerNode | undefined
  try {
    if (roles.includes('issuer')) {
      const node = (issuer = await createIssuerNode(config, { clock, log: log.child({ role: 'issuer' }) }))
      closers.push(() => node.close())
      // Import jobs: queued ones, and any another instance left (its lease expired), are worked here too.
      const importRunner = node.imports.startRunner(processOwner('server'))
      closers.unshift(() => importRunner.stop())
      servers.push(await listen(createIssuerApp(node), config.ports.issuer, config.host, config))
      urls.issuer = config.publicUrl.href
    }
    if (roles.includes('verifier')) {
      const node = await createVerifierNode(config, { clock, log: log.child({ role: 'verifier' }) })
      closers.push(() => node.close())
      servers.push(await listen(createVerifierApp(node), config.ports.verifier, config.host, config))
      urls.verifier = config.verifierUrl.href
    }
    if (roles.includes('wallet')) {
      servers.push(
        await listen(
          createWalletApp({ verifierUrl: config.verifierUrl, issuerUrl: config.publicUrl, log: log.child({ role: 'wallet' }) }),
          config.ports.wallet,
          config.host,
          config,
        ),
      )
      urls.wallet = config.walletUrl.href
    }
  } catch (err) {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))))
    for (const c of closers) await c().catch(() => undefined)
    throw err
  }
  let closing: Promise<void> | undefined
  const close = () =>
    (closing ??= (async () => {
      // Stop accepting, let in-flight requests finish, then close databases.
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((r) => {
              s.close(() => r())
              s.closeIdleConnections()
            }),
        ),
      )
      for (const c of closers) await c().catch((err) => log.error('shutdown', errorFields(err)))
    })())
  return { urls, ...(issuer ? { issuer } : {}), close }
}
