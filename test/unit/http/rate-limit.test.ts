// The shared fixed-window rate limiter, against a real SQLite database: counting across flushes and instances.
import assert from 'node:assert/strict'
import type { DataSource } from 'typeorm'
import { fixedClock } from '../../../core/clock.ts'
import { RateLimiter } from '../../../http/rate-limit.ts'
import { RateLimitStore } from '../../../http/rate-limit-store.ts'
import { openDataSource } from '../../../core/store/data-source.ts'

const allowedOf = async (limiter: RateLimiter, n: number, key = 'ip:a'): Promise<boolean[]> => {
  const out: boolean[] = []
  for (let i = 0; i < n; i++) out.push((await limiter.hit(key)).allowed)
  return out
}

describe('RateLimiter', () => {
  let ds: DataSource
  const clock = fixedClock('2026-03-01T08:00:10.000Z')
  const limiters: RateLimiter[] = []
  const limiter = () => {
    const l = new RateLimiter(new RateLimitStore(ds, 'cb_verifier_rate_limit'), 5, clock)
    limiters.push(l)
    return l
  }
  /** What the database holds for a bucket's current window. */
  const storedCount = (bucket: string) =>
    new RateLimitStore(ds, 'cb_verifier_rate_limit').count(bucket, Math.floor(clock().getTime() / 60_000))
  beforeEach(async () => {
    ds = await openDataSource({ type: 'sqlite', database: ':memory:' }, 'verifier')
  })
  afterEach(async () => {
    for (const l of limiters.splice(0)) await l.close()
    await ds.destroy()
  })

  it('when a flush is still writing, then the hits it carries keep counting (the window does not reopen)', async () => {
    const l = limiter()
    assert.deepEqual(await allowedOf(l, 3), [true, true, true])
    const query = ds.query.bind(ds)
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    ds.query = (async (...args: Parameters<DataSource['query']>) => {
      await gate
      return query(...args)
    }) as DataSource['query']
    const flushing = l.flush()
    try {
      assert.deepEqual(await allowedOf(l, 3), [true, true, false])
    } finally {
      release()
      await flushing
      ds.query = query
    }
    assert.deepEqual(await allowedOf(l, 1), [false])
  })

  it('when two instances share the database, then each learns the other’s hits at its next flush (overshoot bounded by one flush)', async () => {
    const one = limiter()
    const two = limiter()
    assert.deepEqual(await allowedOf(one, 3), [true, true, true])
    await one.flush()
    assert.deepEqual(await allowedOf(two, 2), [true, true])
    await two.flush()
    assert.deepEqual(await allowedOf(two, 1), [false], 'two has read the shared total of 5')
    // `one` last read 3: it admits what arrives before its next flush, then knows the total too.
    assert.deepEqual(await allowedOf(one, 1), [true])
    await one.flush()
    assert.deepEqual(await allowedOf(one, 1), [false])
    assert.equal(await storedCount('ip:a'), 6)
    assert.deepEqual(await allowedOf(two, 1, 'ip:b'), [true], 'other buckets are unaffected')
  })

  it('when the database is unavailable, then hits keep counting locally and are written once it is back', async () => {
    const l = limiter()
    const query = ds.query.bind(ds)
    ds.query = (async () => {
      throw new Error('database unavailable')
    }) as DataSource['query']
    assert.deepEqual(await allowedOf(l, 4), [true, true, true, true])
    await l.flush()
    assert.deepEqual(await allowedOf(l, 2), [true, false])
    ds.query = query
    await l.flush()
    assert.equal(await storedCount('ip:a'), 5)
  })

  it('when the next window starts, then the bucket is open again and Retry-After counted down to it', async () => {
    const l = limiter()
    await allowedOf(l, 5)
    const refused = await l.hit('ip:a')
    assert.deepEqual(refused, { allowed: false, retryAfterSeconds: 50 })
    clock.advance(50)
    assert.deepEqual(await allowedOf(l, 1), [true])
  })
})
