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

/** One thing to time: `work` does some operations and says how many. */
export interface Contender {
  readonly name: string
  readonly work: () => Promise<number> | number
}

async function round(work: Contender['work'], seconds: number): Promise<{ ops: number; perSecond: number }> {
  const start = now()
  const end = start + seconds * 1000
  let ops = 0
  while (now() < end) ops += await work()
  return { ops, perSecond: (ops * 1000) / (now() - start) }
}

/**
 * Times contenders in interleaved rounds (A, B, A, B, …) after a warm-up of each, so that whatever else the machine
 * is doing weighs on all of them alike. Work is awaited one call at a time: the rate of one caller doing one thing
 * after another, as a request handler would.
 */
export async function compareRates(contenders: readonly Contender[], timing: Timing): Promise<Map<string, Rate>> {
  for (const c of contenders) await round(c.work, timing.warmupSeconds)
  const rounds = new Map(contenders.map((c) => [c.name, { rates: [] as number[], ops: 0 }]))
  for (let r = 0; r < timing.rounds; r++) {
    for (const c of contenders) {
      const { ops, perSecond } = await round(c.work, timing.roundSeconds)
      const acc = rounds.get(c.name)!
      acc.rates.push(perSecond)
      acc.ops += ops
    }
  }
  return new Map([...rounds].map(([name, { rates, ops }]) => [name, { perSecond: median(rates), rounds: rates, ops }]))
}

/** How many times faster `a` is than `b`: the median of round-by-round ratios (rounds were interleaved). */
export function ratioOf(a: Pick<Rate, 'perSecond' | 'rounds'>, b: Pick<Rate, 'perSecond' | 'rounds'>): number {
  return median(a.rounds.map((x, i) => x / (b.rounds[i] ?? b.perSecond)))
}
