// Starts issuer, verifier and wallet in one process (the README's start command), with graceful shutdown.
import type { Server } from 'node:http'
import type { Express } from 'express'
import { systemClock } from '../core/clock.ts'
import type { Config } from '../core/config.ts'
import { createLogger, errorFields } from '../core/log.ts'
import { createIssuerApp } from '../issuer/app.ts'
import { createIssuerNode, type IssuerNode } from '../issuer/issuer-node.ts'
import { createVerifierApp } from '../verifier/app.ts'
import { createVerifierNode } from '../verifier/verifier-node.ts'
import { createWalletApp } from '../wallet-web/server.ts'

export type Role = 'issuer' | 'verifier' | 'wallet'

export interface RunningSystem {
  readonly urls: Partial<Record<Role, string>>
  readonly issuer?: IssuerNode
  close(): Promise<void>
}

function listen(app: Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, () => resolve(server))
    server.once('error', reject)
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
      servers.push(await listen(createIssuerApp(node), config.ports.issuer, config.host))
      urls.issuer = config.publicUrl.href
    }
    if (roles.includes('verifier')) {
      const node = await createVerifierNode(config, { clock, log: log.child({ role: 'verifier' }) })
      closers.push(() => node.close())
      servers.push(await listen(createVerifierApp(node), config.ports.verifier, config.host))
      urls.verifier = config.verifierUrl.href
    }
    if (roles.includes('wallet')) {
      servers.push(await listen(createWalletApp({ verifierUrl: config.verifierUrl, issuerUrl: config.publicUrl, log: log.child({ role: 'wallet' }) }), config.ports.wallet, config.host))
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
      await Promise.all(servers.map((s) => new Promise<void>((r) => { s.close(() => r()); s.closeIdleConnections() })))
      for (const c of closers) await c().catch((err) => log.error('shutdown', errorFields(err)))
    })())
  return { urls, ...(issuer ? { issuer } : {}), close }
}
