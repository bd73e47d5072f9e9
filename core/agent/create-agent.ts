// Builds the Veramo agent of this node from agent.yml, injecting the database, the key-encryption secret and our resolvers.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { DataSource } from 'typeorm'
import type { IDataStore, IDataStoreORM, IDIDManager, IKeyManager, IResolver, TAgent } from '@veramo/core-types'
import type { DIDResolver } from 'did-resolver'
import { loadAgentConfig } from './load-agent.ts'
import type { NodeCryptoKms } from './node-crypto-kms.ts'

export type BankAgent = TAgent<IKeyManager & IDIDManager & IResolver & IDataStore & IDataStoreORM>

export const DEFAULT_AGENT_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'agent.yml')

export interface AgentDeps {
  dataSource: DataSource
  kmsSecretKey: string
  didResolvers: Record<string, DIDResolver>
}

export async function createAgent(deps: AgentDeps, file = DEFAULT_AGENT_FILE): Promise<{ agent: BankAgent; kms: NodeCryptoKms }> {
  const config = loadAgentConfig(file, { ...deps })
  const [agent, kms] = await Promise.all([config.get<BankAgent>('/agent'), config.get<NodeCryptoKms>('/kms')])
  return { agent, kms }
}
