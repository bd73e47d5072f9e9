// The bank's did:web identity: its DID document, the active signing key, and key rotation.
import { calculateJwkThumbprint, type JWK } from 'jose'
import { createPublicKey, type KeyObject } from 'node:crypto'
import type { IIdentifier, IKey } from '@veramo/core-types'
import type { BankAgent } from '../agent/create-agent.ts'
import type { NodeCryptoKms } from '../agent/node-crypto-kms.ts'
import type { Clock } from '../clock.ts'

export interface SigningKey {
  /** Absolute DID URL of the verification method, used as the JWS `kid` and the Data Integrity `verificationMethod`. */
  readonly kid: string
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
  readonly publicKeyJwk: JWK
}

export interface DidDocument {
  readonly '@context': readonly string[]
  readonly id: string
  readonly verificationMethod: readonly { id: string; type: 'JsonWebKey'; controller: string; publicKeyJwk: JWK }[]
  readonly assertionMethod: readonly string[]
}

interface PublishedKey {
  readonly kid: string
  readonly veramoKid: string
  readonly jwk: JWK
  readonly createdAt: string
}

export class BankIdentity {
  readonly did: string
  private readonly agent: BankAgent
  private readonly kms: NodeCryptoKms
  private readonly clock: Clock
  private readonly refreshMs: number
  private cached?: { at: number; keys: Promise<PublishedKey[]> }

  constructor(opts: { did: string; agent: BankAgent; kms: NodeCryptoKms; clock: Clock; keyRefreshSeconds: number }) {
    this.did = opts.did
    this.agent = opts.agent
    this.kms = opts.kms
    this.clock = opts.clock
    this.refreshMs = opts.keyRefreshSeconds * 1000
  }

  /** Creates the bank's did:web identifier with a first Ed25519 key if this database has none. Idempotent. */
  async ensure(): Promise<void> {
    await this.agent.didManagerGetOrCreate({
      alias: this.did.slice('did:web:'.length),
      provider: 'did:web',
      kms: 'local',
      options: { keyType: 'Ed25519' },
    })
    this.cached = undefined
  }

  /** Adds a new signing key; new credentials use it, old ones keep verifying against the old key, which stays published. */
  async rotate(): Promise<string> {
    const key = await this.agent.keyManagerCreate({ kms: 'local', type: 'Ed25519', meta: { createdAt: this.clock().toISOString() } })
    await this.agent.didManagerAddKey({ did: this.did, key })
    this.cached = undefined
    return this.toPublished(key).then((k) => k.kid)
  }

  /** All published keys, oldest first. Re-read every keyRefreshSeconds so other instances pick up a rotation. */
  async keys(): Promise<PublishedKey[]> {
    const now = this.clock().getTime()
    if (!this.cached || now - this.cached.at > this.refreshMs) {
      const keys = this.agent
        .didManagerGet({ did: this.did })
        .then((id: IIdentifier) => Promise.all(id.keys.filter((k) => k.type === 'Ed25519').map((k) => this.toPublished(k))))
      this.cached = {
        at: now,
        keys: keys.then((ks) => ks.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.kid.localeCompare(b.kid))),
      }
      this.cached.keys.catch(() => (this.cached = undefined))
    }
    return this.cached.keys
  }

  /** The newest key signs. */
  async activeKey(): Promise<SigningKey> {
    const keys = await this.keys()
    const newest = keys[keys.length - 1]
    if (!newest) throw new Error(`the bank DID ${this.did} has no signing key; run \`credit-bank keys rotate\``)
    const privateKey = await this.kms.privateKey(newest.veramoKid)
    return { kid: newest.kid, privateKey, publicKey: createPublicKey(privateKey), publicKeyJwk: newest.jwk }
  }

  /** The DID document served at /.well-known/did.json (or /<path>/did.json). Every key is under assertionMethod. */
  async didDocument(): Promise<DidDocument> {
    const keys = await this.keys()
    return {
      '@context': ['https://www.w3.org/ns/did/v1', 'https://www.w3.org/ns/cid/v1'],
      id: this.did,
      verificationMethod: keys.map((k) => ({ id: k.kid, type: 'JsonWebKey', controller: this.did, publicKeyJwk: k.jwk })),
      assertionMethod: keys.map((k) => k.kid),
    }
  }

  private async toPublished(key: IKey): Promise<PublishedKey> {
    const jwk: JWK = { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(key.publicKeyHex, 'hex').toString('base64url') }
    const createdAt = typeof key.meta?.createdAt === 'string' ? key.meta.createdAt : '1970-01-01T00:00:00.000Z'
    return { kid: `${this.did}#${await calculateJwkThumbprint(jwk)}`, veramoKid: key.kid, jwk, createdAt }
  }
}
