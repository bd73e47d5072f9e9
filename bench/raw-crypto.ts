// The native limit: node:crypto Ed25519 sign and verify of a ~1 KB payload on one thread, key objects imported once.
import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto'
import { measureSyncRate, type Rate, type Timing } from './measure.ts'

/** Bytes signed: about the size of an issued credential's JWS signing input. */
export const RAW_PAYLOAD_BYTES = 1024

export function measureRawEd25519(timing: Timing): { sign: Rate; verify: Rate } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const payload = randomBytes(RAW_PAYLOAD_BYTES)
  const signature = sign(null, payload, privateKey)
  if (!verify(null, payload, publicKey, signature)) throw new Error('Ed25519 self-check failed')
  const signRate = measureSyncRate(() => void sign(null, payload, privateKey), timing)
  const verifyRate = measureSyncRate(() => void verify(null, payload, publicKey, signature), timing)
  return { sign: signRate, verify: verifyRate }
}
