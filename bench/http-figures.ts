// The HTTP figures: start a verifier in a child process, warm it up, load it over loopback, and say how busy the
// server and the load generator were — on two cores that is what tells whether the server or the machine bounds it.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { percentile, runLoad, type LoadOptions } from './http-load.ts'
import { median } from './measure.ts'
import { runWrk, type WrkResult } from './wrk.ts'
import type { ServerKind, ServerReady } from './http-server.ts'

export interface HttpLoadSettings {
  readonly connections: number
  readonly warmupSeconds: number
  /** Measured seconds per kind, split into `rounds` interleaved rounds. */
  readonly seconds: number
  readonly rounds: number
  readonly maxRequests: number
  /** Also load each server with wrk after the rounds (when wrk is installed). */
  readonly wrk: boolean
  /** Directory for the server's `--cpu-prof` output, when profiling. */
  readonly serverCpuProfDir?: string
}

export interface HttpFigure {
  readonly requests: number
  readonly errors: number
  /** Median of the rounds' requests per second. */
  readonly perSecond: number
  readonly rounds: readonly number[]
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
  readonly connections: number
  /** Server process CPU during the measured load, in percent of one core. */
  readonly serverCpuPercent: number
  /** This (load generator) process's CPU during the measured load, in percent of one core. */
  readonly loadCpuPercent: number
  /** The same server under wrk, when asked for. */
  readonly wrk?: WrkResult
}

const SERVER_ENTRY = fileURLToPath(new URL('./http-server.ts', import.meta.url))

class ServerChild {
  private constructor(
    private readonly child: ChildProcess,
    readonly ready: ServerReady,
  ) {}

  static start(kind: ServerKind, cpuProfDir?: string): Promise<ServerChild> {
    const args = [...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : []), '--import', 'tsx', SERVER_ENTRY, kind]
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the ${kind} bench server exited (code ${code}) before it was ready`))
      child.once('exit', onExit)
      child.once('error', reject)
      child.once('message', (msg) => {
        child.off('exit', onExit)
        resolve(new ServerChild(child, msg as ServerReady))
      })
    })
  }

  /** Total CPU time the server process has used so far, in microseconds. */
  cpuMicros(): Promise<number> {
    return new Promise((resolve) => {
      this.child.once('message', (msg) => resolve((msg as { cpuMicros: number }).cpuMicros))
      this.child.send('cpu')
    })
  }

  stop(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bench server exited with code ${code}`))))
      this.child.send('stop')
    })
  }
}

/** One kind's load results, gathered over its rounds. */
interface Tally {
  rates: number[]
  latencies: number[]
  requests: number
  errors: number
  serverMicros: number
  loadMicros: number
  wallMicros: number
}

/**
 * Starts one server per kind (each in its own process, idle until loaded), warms each up (caches filled, code
 * optimised), then loads them in interleaved rounds so that background load on the machine weighs on all alike.
 * The rate is the median of a kind's rounds; latency percentiles are over all its measured requests.
 */
export async function measureHttpFigures(kinds: readonly ServerKind[], settings: HttpLoadSettings): Promise<Map<ServerKind, HttpFigure>> {
  const servers = new Map<ServerKind, ServerChild>()
  try {
    for (const kind of kinds) servers.set(kind, await ServerChild.start(kind, settings.serverCpuProfDir))
    const loadOf = (server: ServerChild, seconds: number): LoadOptions => {
      const { port, path, body, expect } = server.ready
      return { port, path, body, expect, seconds, connections: settings.connections, maxRequests: settings.maxRequests }
    }
    for (const [kind, server] of servers) {
      const warm = await runLoad(loadOf(server, settings.warmupSeconds))
      if (warm.errors)
        throw new Error(`${kind} server: ${warm.errors} of ${warm.requests} warm-up requests failed; is the credential verifying?`)
    }
    const tallies = new Map(
      kinds.map((k): [ServerKind, Tally] => [
        k,
        { rates: [], latencies: [], requests: 0, errors: 0, serverMicros: 0, loadMicros: 0, wallMicros: 0 },
      ]),
    )
    for (let r = 0; r < settings.rounds; r++) {
      for (const [kind, server] of servers) {
        const t = tallies.get(kind)!
        const cpuBefore = await server.cpuMicros()
        const ownBefore = process.cpuUsage()
        const started = performance.now()
        const result = await runLoad(loadOf(server, settings.seconds / settings.rounds))
        t.wallMicros += (performance.now() - started) * 1000
        const own = process.cpuUsage(ownBefore)
        t.loadMicros += own.user + own.system
        t.serverMicros += (await server.cpuMicros()) - cpuBefore
        t.rates.push(result.perSecond)
        for (const ms of result.latencies) t.latencies.push(ms)
        t.requests += result.requests
        t.errors += result.errors
      }
    }
    const wrk = new Map<ServerKind, WrkResult>()
    if (settings.wrk) {
      for (const [kind, server] of servers) {
        const { port, path, body } = server.ready
        wrk.set(kind, await runWrk({ port, path, body, connections: settings.connections, seconds: settings.seconds }))
      }
    }
    return new Map(
      [...tallies].map(([kind, t]): [ServerKind, HttpFigure] => {
        const sorted = Float64Array.from(t.latencies).sort()
        return [
          kind,
          {
            requests: t.requests,
            errors: t.errors,
            perSecond: median(t.rates),
            rounds: t.rates,
            p50Ms: percentile(sorted, 0.5),
            p99Ms: percentile(sorted, 0.99),
            maxMs: sorted[sorted.length - 1] ?? NaN,
            connections: settings.connections,
            serverCpuPercent: (100 * t.serverMicros) / t.wallMicros,
            loadCpuPercent: (100 * t.loadMicros) / t.wallMicros,
            ...(wrk.has(kind) ? { wrk: wrk.get(kind)! } : {}),
          },
        ]
      }),
    )
  } finally {
    for (const server of servers.values()) await server.stop()
  }
}
