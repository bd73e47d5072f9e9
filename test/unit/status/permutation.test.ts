// The keyed walk that hands out status indexes: every index once, in an order the key decides.
import assert from 'node:assert/strict'
import { IndexPermutation } from '../../../core/status/permutation.ts'

describe('IndexPermutation', () => {
  it('when it walks a whole list of 131,072 entries, then it visits every index exactly once', () => {
    const walk = new IndexPermutation('ab'.repeat(32), 131_072)
    const seen = new Uint8Array(131_072)
    for (let p = 0; p < 131_072; p++) seen[walk.at(p)]! += 1
    assert.ok(seen.every((n) => n === 1))
  })

  it('when the size is not a power of two, then cycle-walking keeps every index in range and unique', () => {
    const walk = new IndexPermutation('01'.repeat(32), 1000)
    assert.equal(new Set(Array.from({ length: 1000 }, (_, p) => walk.at(p))).size, 1000)
  })

  it('when two lists have different keys, then their orders differ; the same key gives the same order', () => {
    const order = (key: string) => Array.from({ length: 16 }, (_, p) => new IndexPermutation(key, 131_072).at(p))
    assert.notDeepEqual(order('aa'.repeat(32)), order('bb'.repeat(32)))
    assert.deepEqual(order('aa'.repeat(32)), order('aa'.repeat(32)))
  })

  it('when a position is outside the list, then RangeError', () => {
    assert.throws(() => new IndexPermutation('aa'.repeat(32), 8).at(8), RangeError)
    assert.throws(() => new IndexPermutation('aa'.repeat(32), 8).at(-1), RangeError)
  })
})
