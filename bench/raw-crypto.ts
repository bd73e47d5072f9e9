// The native limit: node:crypto Ed25519 sign and verify of a ~1 KB payload on one thread, key objects imported once.
import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto'
import type { Contender } from './measure.ts'

/** Bytes signed: about the size of an issued credential's JWS signing input. */
export const RAW_PAYLOAD_BYTES = 1024
/** Operations per call, so that the timing loop's own cost is negligible next to them. */
const BURST = 64

/** Work for `compareRates`: bursts of Ed25519 signatures and of verifications, timed with whatever they are compared to. */
export function rawEd25519(): { sign: Contender['work']; verify: Contender['work'] } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const payload = randomBytes(RAW_PAYLOAD_BYTES)
  const signature = sign(null, payload, privateKey)
  if (!verify(null, payload, publicKey, signature)) throw new Error('Ed25519 self-check failed')
  return {
    sign: () => {
      for (let i = 0; i < BURST; i++) sign(null, payload, privateKey)
      return BURST
    },
    verify: () => {
      let ok = 0
      for (let i = 0; i < BURST; i++) if (verify(null, payload, publicKey, signature)) ok++
      return ok
    },
  }
}
