// Time is injected everywhere so tests can freeze it (never call Date.now() inside logic).

export type Clock = () => Date

export const systemClock: Clock = () => new Date()

/** A clock tests can set and advance. */
export function fixedClock(start: Date | string): Clock & { set(t: Date | string): void; advance(seconds: number): void } {
  let now = new Date(start).getTime()
  const clock = (() => new Date(now)) as Clock & { set(t: Date | string): void; advance(seconds: number): void }
  clock.set = (t) => {
    now = new Date(t).getTime()
  }
  clock.advance = (seconds) => {
    now += seconds * 1000
  }
  return clock
}

/** Seconds since the epoch, as JWT NumericDate. */
export const epochSeconds = (d: Date): number => Math.floor(d.getTime() / 1000)
