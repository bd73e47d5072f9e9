// Veramo 7's default path, as its documentation sets it up: kms-local keys, did:key, the JWT credential provider,
// and its typeorm data store on SQLite — the baseline our issuance and verification figures are divided by.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { DataSource } from 'typeorm'
import {
  createAgent,
  type ICredentialPlugin,
  type IDataStore,
  type IDIDManager,
  type IKeyManager,
  type IResolver,
  type TAgent,
  type VerifiableCredential,
} from '@veramo/core'
import { CredentialPlugin } from '@veramo/credential-w3c'
import { CredentialProviderJWT } from '@veramo/credential-jwt'
import { DataStore, Entities, migrations } from '@veramo/data-store'
import { DIDManager, MemoryDIDStore } from '@veramo/did-manager'
import { getDidKeyResolver, KeyDIDProvider } from '@veramo/did-provider-key'
import { DIDResolverPlugin } from '@veramo/did-resolver'
import { KeyManager, MemoryKeyStore, MemoryPrivateKeyStore } from '@veramo/key-manager'
import { KeyManagementSystem } from '@veramo/kms-local'
import { buildAchievementCredential } from '../fixtures/builders.ts'

export type VeramoAgent = TAgent<IKeyManager & IDIDManager & IResolver & IDataStore & ICredentialPlugin>

/** A Veramo agent with a did:key issuer and a fresh SQLite data store in a temp dir. */
export interface VeramoBaseline {
  readonly agent: VeramoAgent
  readonly did: string
  /** The same achievement as our builder's, as Veramo's JWT path takes it: VC Data Model 1.1. */
  buildCredential(): Record<string, unknown>
  close(): Promise<void>
}

export async function startVeramoBaseline(): Promise<VeramoBaseline> {
  const dir = mkdtempSync(path.join(tmpdir(), 'credit-bank-bench-veramo-'))
  // Veramo's documented DataSource: migrations, no synchronize, typeorm's sqlite defaults.
  const dbConnection = await new DataSource({
    type: 'sqlite',
    database: path.join(dir, 'veramo.sqlite'),
    synchronize: false,
    migrations,
    migrationsRun: true,
    logging: false,
    entities: Entities,
  }).initialize()
  const agent = createAgent<IKeyManager & IDIDManager & IResolver & IDataStore & ICredentialPlugin>({
    plugins: [
      new KeyManager({ store: new MemoryKeyStore(), kms: { local: new KeyManagementSystem(new MemoryPrivateKeyStore()) } }),
      new DIDManager({
        store: new MemoryDIDStore(),
        defaultProvider: 'did:key',
        providers: { 'did:key': new KeyDIDProvider({ defaultKms: 'local' }) },
      }),
      new DIDResolverPlugin({ ...getDidKeyResolver() }),
      new CredentialPlugin([new CredentialProviderJWT()]),
      new DataStore(dbConnection),
    ],
  })
  const { did } = await agent.didManagerCreate({ provider: 'did:key', options: { keyType: 'Ed25519' } })
  const subject = buildAchievementCredential(did).credentialSubject
  return {
    agent,
    did,
    buildCredential: () => ({
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      type: ['VerifiableCredential', 'AchievementCredential'],
      issuer: { id: did },
      issuanceDate: new Date().toISOString(),
      credentialSubject: structuredClone(subject),
    }),
    async close() {
      await dbConnection.destroy()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Veramo's default issuance: one `createVerifiableCredential` (jwt) and one `dataStoreSaveVerifiableCredential`. */
export async function veramoIssueAndStore(v: VeramoBaseline): Promise<VerifiableCredential> {
  const verifiableCredential = await v.agent.createVerifiableCredential({ credential: v.buildCredential() as never, proofFormat: 'jwt' })
  await v.agent.dataStoreSaveVerifiableCredential({ verifiableCredential })
  return verifiableCredential
}
