// Optional cross-check of the HTTP figures with wrk (a C load generator, `apt-get install -y wrk`), when it is on PATH.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

export interface WrkResult {
  readonly requests: number
  readonly errors: number
  readonly perSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
}

const run = promisify(execFile)

/** Whether `wrk` can be run here. */
export async function hasWrk(): Promise<boolean> {
  try {
    await run('wrk', ['--version'])
    return true
  } catch (err) {
    // wrk --version prints its banner and exits 1; only a missing binary is "absent".
    return (err as { code?: unknown }).code !== 'ENOENT'
  }
}

const toMs = (value: string, unit: string): number =>
  Number(value) * ({ us: 0.001, ms: 1, s: 1000, m: 60_000 } as Record<string, number>)[unit]!

/** Loads 127.0.0.1:`port` with one wrk thread and `connections` keep-alive connections for `seconds`. */
export async function runWrk(opts: { port: number; path: string; body: string; connections: number; seconds: number }): Promise<WrkResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'credit-bank-bench-wrk-'))
  try {
    const bodyFile = path.join(dir, 'body.json')
    const script = path.join(dir, 'post.lua')
    writeFileSync(bodyFile, opts.body)
    writeFileSync(
      script,
      `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nlocal f = io.open(${JSON.stringify(bodyFile)}, "rb")\nwrk.body = f:read("*a")\nf:close()\n`,
    )
    const url = `http://127.0.0.1:${opts.port}${opts.path}`
    const { stdout } = await run('wrk', ['-t1', `-c${opts.connections}`, `-d${opts.seconds}s`, '--latency', '-s', script, url], {
      timeout: (opts.seconds + 30) * 1000,
    })
    const percentileMs = (p: string): number => {
      const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(stdout)
      return m ? toMs(m[1]!, m[2]!) : NaN
    }
    const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? NaN)
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0)
    const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout)
    const socketErrors = socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0
    const perSecond = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? NaN)
    if (!Number.isFinite(perSecond)) throw new Error(`could not read wrk's output:\n${stdout}`)
    return { requests, errors: non2xx + socketErrors, perSecond, p50Ms: percentileMs('50'), p99Ms: percentileMs('99') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
