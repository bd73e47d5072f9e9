// The HTTP figures: start a verifier in a child process, warm it up, load it over loopback, and say how busy the
// server and the load generator were — on two cores that is what tells whether the server or the machine bounds it.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { runLoad, type LoadResult } from './http-load.ts'
import type { ServerKind, ServerReady } from './http-server.ts'

export interface HttpLoadSettings {
  readonly connections: number
  readonly warmupSeconds: number
  readonly seconds: number
  readonly maxRequests: number
  /** Directory for the server's `--cpu-prof` output, when profiling. */
  readonly serverCpuProfDir?: string
}

export interface HttpFigure extends LoadResult {
  /** Server process CPU during the measured load, in percent of one core. */
  readonly serverCpuPercent: number
  /** This (load generator) process's CPU during the measured load, in percent of one core. */
  readonly loadCpuPercent: number
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

/** Starts the `kind` server, runs a warm-up load (caches filled, code optimised), then the measured load. */
export async function measureHttp(kind: ServerKind, settings: HttpLoadSettings): Promise<HttpFigure> {
  const server = await ServerChild.start(kind, settings.serverCpuProfDir)
  try {
    const { port, path, body, expect } = server.ready
    const load = { port, path, body, expect, connections: settings.connections, maxRequests: settings.maxRequests }
    const warm = await runLoad({ ...load, seconds: settings.warmupSeconds })
    if (warm.errors) throw new Error(`${kind} server: ${warm.errors} of ${warm.requests} warm-up requests failed; is the credential verifying?`)
    const cpuBefore = await server.cpuMicros()
    const ownBefore = process.cpuUsage()
    const started = performance.now()
    const result = await runLoad({ ...load, seconds: settings.seconds })
    const wallMicros = (performance.now() - started) * 1000
    const own = process.cpuUsage(ownBefore)
    const serverMicros = (await server.cpuMicros()) - cpuBefore
    return {
      ...result,
      serverCpuPercent: (100 * serverMicros) / wallMicros,
      loadCpuPercent: (100 * (own.user + own.system)) / wallMicros,
    }
  } finally {
    await server.stop()
  }
}
