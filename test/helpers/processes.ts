// Runs the operators' `credit-bank` program as real child processes: one-shot commands and long-running services.
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'

export const BIN = path.resolve('bin/credit-bank.js')

const baseEnv = () => ({ PATH: process.env.PATH ?? '' })

/** Runs one command to its end and collects what it printed. */
export function runCli(args: string[], env: Record<string, string>, stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...baseEnv(), CB_LOG_LEVEL: 'silent', ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d))
    child.stderr.on('data', (d: Buffer) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
    child.stdin.end(stdin ?? '')
  })
}

/** A loopback port nobody listens on right now, for a child process to bind. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo
      srv.close(() => resolve(port))
    })
  })
}

export interface ServiceProcess {
  readonly child: ChildProcess
  /** Everything it has printed on stdout so far (JSON log lines). */
  output(): string
  /** SIGTERM, then its exit code. */
  stop(): Promise<number | null>
}

/** Starts `credit-bank serve ROLE` and resolves once `workers` processes have logged "started". */
export async function startService(role: 'issuer' | 'verifier', env: Record<string, string>, workers = 1): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', role], { env: { ...baseEnv(), CB_LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d
      if (out.split('"msg":"started"').length > workers) resolve()
    })
    void exited.then(() => reject(new Error(`credit-bank serve ${role} exited early: ${out}${err}`)))
  })
  return {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      return exited
    },
  }
}
