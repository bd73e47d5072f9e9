// A keyed pseudo-random permutation of [0, size): status indexes handed out in an order nobody can predict
// or correlate with issuance time, while each slot is used exactly once (a counter walks the permutation).
import { createHmac } from 'node:crypto'

const ROUNDS = 4
const tables = new Map<string, Uint32Array[]>()

/** Round functions as lookup tables (2^half entries each), derived once per list key with HMAC-SHA-256. */
function roundTables(keyHex: string, half: number): Uint32Array[] {
  const id = `${keyHex}/${half}`
  let t = tables.get(id)
  if (!t) {
    const key = Buffer.from(keyHex, 'hex')
    const mask = (1 << half) - 1
    t = Array.from({ length: ROUNDS }, (_, r) => {
      const table = new Uint32Array(1 << half)
      for (let v = 0; v < table.length; v++) table[v] = createHmac('sha256', key).update(`${r}:${v}`).digest().readUInt32BE(0) & mask
      return table
    })
    if (tables.size > 64) tables.clear()
    tables.set(id, t)
  }
  return t
}

/** Feistel network over the smallest even bit-width covering `size`, with cycle-walking back into range. */
export function permuteIndex(position: number, size: number, keyHex: string): number {
  if (!Number.isInteger(position) || position < 0 || position >= size) throw new RangeError(`position ${position} outside [0, ${size})`)
  let bits = Math.max(2, Math.ceil(Math.log2(size)))
  if (bits % 2) bits++
  const half = bits / 2
  if (half > 16) throw new RangeError(`status lists larger than 2^32 entries are not supported`)
  const mask = (1 << half) - 1
  const f = roundTables(keyHex, half)
  let x = position
  do {
    let left = x >>> half
    let right = x & mask
    for (let r = 0; r < ROUNDS; r++) [left, right] = [right, left ^ f[r]![right]!]
    x = ((left << half) | right) >>> 0
  } while (x >= size)
  return x
}
