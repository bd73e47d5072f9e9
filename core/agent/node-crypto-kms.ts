// A Veramo key management system that signs with node:crypto (about 12x faster than kms-local's pure-JS Ed25519)
// and keeps private keys in Veramo's PrivateKeyStore, encrypted at rest by its SecretBox.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto'
import { AbstractKeyManagementSystem, type AbstractPrivateKeyStore } from '@veramo/key-manager'
import type { ManagedKeyInfo, MinimalImportableKey, TKeyType } from '@veramo/core-types'

/** DER prefix of an Ed25519 PKCS#8 private key (RFC 8410); the 32-byte seed follows. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

/** Key material in kms-local's layout (Ed25519: hex of seed ‖ public key), so stores stay interchangeable. */
function ed25519FromHex(privateKeyHex: string): { privateKey: KeyObject; publicKeyHex: string } {
  const bytes = Buffer.from(privateKeyHex, 'hex')
  if (bytes.length !== 32 && bytes.length !== 64) throw new TypeError('Ed25519 private key must be 32 or 64 bytes')
  const seed = bytes.subarray(0, 32)
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' })
  const x = createPublicKey(privateKey).export({ format: 'jwk' }).x as string
  return { privateKey, publicKeyHex: Buffer.from(x, 'base64url').toString('hex') }
}

export class NodeCryptoKms extends AbstractKeyManagementSystem {
  private readonly store: AbstractPrivateKeyStore
  /**
   * Imported once per key: importing costs ~14 signatures (DESIGN.md). The promise is kept, so a burst of first
   * requests reads the store once instead of queueing one read each on the database connection.
   */
  private readonly cache = new Map<string, Promise<KeyObject>>()

  constructor(store: AbstractPrivateKeyStore) {
    super()
    this.store = store
  }

  async createKey({ type, meta }: { type: TKeyType; meta?: Record<string, unknown> }): Promise<ManagedKeyInfo> {
    if (type !== 'Ed25519') throw new TypeError(`NodeCryptoKms creates Ed25519 keys only, not ${type}`)
    const { privateKey, publicKey } = generateKeyPairSync('ed25519')
    const jwk = privateKey.export({ format: 'jwk' })
    const seed = Buffer.from(jwk.d as string, 'base64url')
    const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url')
    return this.importKey({ type, kms: '', privateKeyHex: Buffer.concat([seed, pub]).toString('hex'), meta } as MinimalImportableKey)
  }

  async importKey(args: Exclude<MinimalImportableKey, 'kms'>): Promise<ManagedKeyInfo> {
    if (args.type !== 'Ed25519') throw new TypeError(`NodeCryptoKms imports Ed25519 keys only, not ${args.type}`)
    const { publicKeyHex } = ed25519FromHex(args.privateKeyHex)
    const kid = args.kid ?? publicKeyHex
    await this.store.importKey({ alias: kid, privateKeyHex: args.privateKeyHex, type: args.type })
    return { kid, kms: args.kms, type: 'Ed25519', publicKeyHex, meta: { ...args.meta, algorithms: ['EdDSA', 'Ed25519'] } }
  }

  async listKeys(): Promise<ManagedKeyInfo[]> {
    const keys = await this.store.listKeys({})
    return keys.map((k) => ({ kid: k.alias, kms: '', type: k.type, publicKeyHex: ed25519FromHex(k.privateKeyHex).publicKeyHex }))
  }

  async deleteKey({ kid }: { kid: string }): Promise<boolean> {
    this.cache.delete(kid)
    return this.store.deleteKey({ alias: kid })
  }

  /** Veramo's contract: returns the signature base64url-encoded (as kms-local does for EdDSA). */
  async sign({ keyRef, algorithm, data }: { keyRef: Pick<ManagedKeyInfo, 'kid'>; algorithm?: string; data: Uint8Array }): Promise<string> {
    if (algorithm && algorithm !== 'EdDSA' && algorithm !== 'Ed25519') throw new TypeError(`not_supported: ${algorithm}`)
    const key = await this.privateKey(keyRef.kid)
    return cryptoSign(null, data, key).toString('base64url')
  }

  async sharedSecret(): Promise<string> {
    throw new TypeError('not_supported: NodeCryptoKms does not do key agreement')
  }

  /** The decrypted private key as a KeyObject, for the native signing path (never leaves the process). */
  privateKey(kid: string): Promise<KeyObject> {
    let key = this.cache.get(kid)
    if (!key) {
      key = this.store.getKey({ alias: kid }).then((stored) => ed25519FromHex(stored.privateKeyHex).privateKey)
      key.catch(() => this.cache.delete(kid))
      this.cache.set(kid, key)
    }
    return key
  }
}
