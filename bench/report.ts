// Prints the figures as a table with ratios and targets, the measured facts that bound them, and one JSON line.

/** One printed figure. Rates are per second; ratios are "times the baseline" (or "share of the limit"). */
export interface Figure {
  /** Stable id for the JSON line, e.g. `issue.batch`. */
  readonly id: string
  readonly label: string
  readonly perSecond: number
  /** Id of the figure this one is divided by, and the result. */
  readonly baseline?: string
  readonly ratio?: number
  /** Id of the native or framework limit this one is measured against, and the share of it reached. */
  readonly limit?: string
  readonly ofLimit?: number
  readonly p50Ms?: number
  readonly p99Ms?: number
  readonly errors?: number
  readonly target?: string
  readonly met?: boolean
  /** Everything else worth keeping: rounds, CPU shares, settings. */
  readonly details?: Readonly<Record<string, unknown>>
}

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })
const num = (x: number | undefined, digits: number): string => (x === undefined || !Number.isFinite(x) ? '' : x.toFixed(digits))

/** The table, one row per figure. */
export function formatTable(figures: readonly Figure[]): string {
  const header = ['figure', 'per second', '× baseline', 'of limit', 'p50 ms', 'p99 ms', 'errors', 'target', 'met']
  const rows = figures.map((f) => [
    f.label,
    int.format(f.perSecond),
    f.ratio === undefined ? '' : `${num(f.ratio, f.ratio < 10 ? 2 : 1)}×`,
    f.ofLimit === undefined ? '' : `${Math.round(f.ofLimit * 100)}%`,
    num(f.p50Ms, 2),
    num(f.p99Ms, 2),
    f.errors === undefined ? '' : String(f.errors),
    f.target ?? '',
    f.met === undefined ? '' : f.met ? 'yes' : 'NO',
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const numeric = new Set([1, 2, 3, 4, 5, 6])
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

/** Replaces non-finite numbers (JSON has none) so the line always parses. */
const jsonSafe = (_key: string, value: unknown): unknown => (typeof value === 'number' && !Number.isFinite(value) ? null : value)

export function jsonLine(meta: Readonly<Record<string, unknown>>, figures: readonly Figure[]): string {
  return JSON.stringify({ ...meta, figures }, jsonSafe)
}
