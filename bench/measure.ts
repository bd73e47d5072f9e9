// Times a unit of work for a fixed duration, in rounds after a warm-up, and reports the median rate.

/** The rate of one figure: the median of its rounds, with every round kept for the JSON line. */
export interface Rate {
  readonly perSecond: number
  readonly rounds: readonly number[]
  readonly ops: number
}

/** How long to warm up and measure; `--quick` shortens both. */
export interface Timing {
  readonly warmupSeconds: number
  readonly roundSeconds: number
  readonly rounds: number
}

const now = (): number => performance.now()

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

/**
 * Repeats `work` (which does some operations and says how many) until each round's time is up. Work is awaited one
 * call at a time: these are the rates of one caller doing one thing after another, as a service handler would.
 */
export async function measureRate(work: () => Promise<number> | number, timing: Timing): Promise<Rate> {
  const warmEnd = now() + timing.warmupSeconds * 1000
  while (now() < warmEnd) await work()
  const rounds: number[] = []
  let total = 0
  for (let r = 0; r < timing.rounds; r++) {
    const start = now()
    const end = start + timing.roundSeconds * 1000
    let ops = 0
    while (now() < end) ops += await work()
    rounds.push((ops * 1000) / (now() - start))
    total += ops
  }
  return { perSecond: median(rounds), rounds, ops: total }
}

/** `measureRate` for synchronous work, checking the clock only every `every` calls so timing costs nothing. */
export function measureSyncRate(work: () => void, timing: Timing, every = 256): Rate {
  const loop = (ms: number): { ops: number; elapsed: number } => {
    const start = now()
    const end = start + ms
    let ops = 0
    do {
      for (let i = 0; i < every; i++) work()
      ops += every
    } while (now() < end)
    return { ops, elapsed: now() - start }
  }
  loop(timing.warmupSeconds * 1000)
  const rounds: number[] = []
  let total = 0
  for (let r = 0; r < timing.rounds; r++) {
    const { ops, elapsed } = loop(timing.roundSeconds * 1000)
    rounds.push((ops * 1000) / elapsed)
    total += ops
  }
  return { perSecond: median(rounds), rounds, ops: total }
}
