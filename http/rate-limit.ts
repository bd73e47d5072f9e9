// Fixed-window rate limits shared by every instance through the database. Hits are counted locally and
// flushed in one upsert per bucket every 200 ms, so the database sees a few writes a second, not one per request.
import type { Clock } from '../core/clock.ts'
import type { RateLimitStore } from './rate-limit-store.ts'

const WINDOW_MS = 60_000
const FLUSH_MS = 200

interface Bucket {
  window: number
  /** The window's total in the database when this instance last read it (its own flushed hits included). */
  known: number
  /** Hits being written right now: still counted, or a flush would briefly open the window again. */
  flushing: number
  /** Hits not yet written. */
  pending: number
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>()
  private readonly timer: NodeJS.Timeout
  private flushing?: Promise<void>

  constructor(
    private readonly store: RateLimitStore,
    private readonly limitPerMinute: number,
    private readonly clock: Clock,
  ) {
    this.timer = setInterval(() => void this.flush(), FLUSH_MS).unref()
  }

  /** Counts one request in `key`'s window; `factor` scales the limit for buckets shared by many clients. */
  async hit(key: string, factor = 1): Promise<{ allowed: boolean; retryAfterSeconds: number }> {
    const now = this.clock().getTime()
    const window = Math.floor(now / WINDOW_MS)
    let b = this.buckets.get(key)
    if (!b || b.window !== window) {
      b = { window, known: 0, flushing: 0, pending: 0 }
      this.buckets.set(key, b)
    }
    const retryAfterSeconds = Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - now) / 1000))
    if (b.known + b.flushing + b.pending >= this.limitPerMinute * factor) return { allowed: false, retryAfterSeconds }
    b.pending++
    return { allowed: true, retryAfterSeconds }
  }

  /** Writes pending hits and learns what other instances counted. */
  flush(): Promise<void> {
    this.flushing ??= this.doFlush().finally(() => (this.flushing = undefined))
    return this.flushing
  }

  private async doFlush(): Promise<void> {
    const current = Math.floor(this.clock().getTime() / WINDOW_MS)
    for (const [key, b] of this.buckets) {
      if (b.window < current) {
        this.buckets.delete(key)
        continue
      }
      if (b.pending === 0) continue
      const n = b.pending
      b.pending = 0
      b.flushing = n
      try {
        b.known = await this.store.add(key, b.window, n)
      } catch {
        b.pending += n // the database is unavailable: keep counting locally, retry next tick
      } finally {
        b.flushing = 0
      }
    }
    await this.store.pruneBefore(current - 1).catch(() => undefined)
  }

  async close(): Promise<void> {
    clearInterval(this.timer)
    await this.flush()
  }
}
