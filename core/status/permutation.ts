// A keyed pseudo-random permutation of [0, size): status indexes handed out in an order nobody can predict
// or correlate with issuance time, while each slot is used exactly once (a counter walks the permutation).
import { createHmac } from 'node:crypto'

const ROUNDS = 4

/**
 * A Feistel network over the smallest even bit-width covering `size`, with cycle-walking back into range. Its round
 * functions are lookup tables (2^half entries each) derived from the list key with HMAC-SHA-256 when it is made: make
 * one per list and keep it while the list is being filled.
 */
export class IndexPermutation {
  private readonly half: number
  private readonly tables: Uint32Array[]

  constructor(
    keyHex: string,
    readonly size: number,
  ) {
    let bits = Math.max(2, Math.ceil(Math.log2(size)))
    if (bits % 2) bits++
    this.half = bits / 2
    if (this.half > 16) throw new RangeError(`status lists larger than 2^32 entries are not supported`)
    const key = Buffer.from(keyHex, 'hex')
    const mask = (1 << this.half) - 1
    this.tables = Array.from({ length: ROUNDS }, (_, r) => {
      const table = new Uint32Array(1 << this.half)
      for (let v = 0; v < table.length; v++) table[v] = createHmac('sha256', key).update(`${r}:${v}`).digest().readUInt32BE(0) & mask
      return table
    })
  }

  /** The index at `position` of the walk. */
  at(position: number): number {
    if (!Number.isInteger(position) || position < 0 || position >= this.size)
      throw new RangeError(`position ${position} outside [0, ${this.size})`)
    const { half, tables } = this
    const mask = (1 << half) - 1
    let x = position
    do {
      let left = x >>> half
      let right = x & mask
      for (let r = 0; r < ROUNDS; r++) [left, right] = [right, left ^ tables[r]![right]!]
      x = ((left << half) | right) >>> 0
    } while (x >= this.size)
    return x
  }
}
