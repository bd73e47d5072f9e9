// A bounded, closed-loop HTTP/1.1 load generator over raw keep-alive sockets: N connections, each sending the next
// request when the previous answer is complete, until a deadline or a request cap. Loopback targets only.
import { connect, type Socket } from 'node:net'

export interface LoadOptions {
  readonly port: number
  readonly path: string
  /** The JSON request body, sent as is on every request. */
  readonly body: string
  readonly connections: number
  readonly seconds: number
  /** Hard cap on requests sent, whatever the rate: the load always ends. */
  readonly maxRequests: number
  /** A response counts as a success only if its status is 200 and its body contains this text. */
  readonly expect: string
}

export interface LoadResult {
  readonly requests: number
  readonly errors: number
  readonly seconds: number
  readonly perSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
  readonly connections: number
  /** Every request's latency in milliseconds, in completion order. */
  readonly latencies: Float64Array
}

const HEADER_END = Buffer.from('\r\n\r\n')
const CONTENT_LENGTH = /\r\ncontent-length:\s*(\d+)/i

/** Loopback only: this workplace allows load on this machine's own addresses, nowhere else. */
const HOST = '127.0.0.1'

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))]!
}

/**
 * Runs the load and reports throughput, latency percentiles and errors (non-200, or 200 without `expect`).
 * Latency is measured from writing a request to reading its last byte. Rejects on a protocol error (a response
 * without Content-Length, which our servers never send): that is a broken benchmark, not a slow server.
 */
export function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const body = Buffer.from(opts.body)
  const request = Buffer.concat([
    Buffer.from(
      `POST ${opts.path} HTTP/1.1\r\nHost: ${HOST}:${opts.port}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n`,
      'latin1',
    ),
    body,
  ])
  const latencies = new Float64Array(opts.maxRequests)
  let sent = 0
  let done = 0
  let errors = 0
  let open = opts.connections
  const started = performance.now()
  const deadline = started + opts.seconds * 1000
  let lastDone = started

  return new Promise<LoadResult>((resolve, reject) => {
    let failed = false
    const sockets: Socket[] = []
    const finish = () => {
      if (--open > 0 || failed) return
      const seconds = (lastDone - started) / 1000
      const measured = latencies.slice(0, done)
      const sorted = measured.slice().sort()
      resolve({
        latencies: measured,
        requests: done,
        errors,
        seconds,
        perSecond: done / seconds,
        p50Ms: percentile(sorted, 0.5),
        p99Ms: percentile(sorted, 0.99),
        maxMs: sorted[sorted.length - 1] ?? NaN,
        connections: opts.connections,
      })
    }
    const fail = (err: Error) => {
      if (failed) return
      failed = true
      for (const s of sockets) s.destroy()
      reject(err)
    }

    for (let c = 0; c < opts.connections; c++) {
      const socket = connect({ host: HOST, port: opts.port, noDelay: true })
      sockets.push(socket)
      let pending: Buffer = Buffer.alloc(0)
      let sentAt = 0
      let ended = false
      const end = () => {
        if (ended) return
        ended = true
        socket.end()
        finish()
      }
      const next = () => {
        if (sent >= opts.maxRequests || performance.now() >= deadline) return end()
        sent++
        sentAt = performance.now()
        socket.write(request)
      }
      socket.on('connect', next)
      socket.on('data', (chunk: Buffer) => {
        pending = pending.length ? Buffer.concat([pending, chunk]) : chunk
        const headerEnd = pending.indexOf(HEADER_END)
        if (headerEnd < 0) return
        const head = pending.toString('latin1', 0, headerEnd)
        const length = CONTENT_LENGTH.exec(head)
        if (!length) return fail(new Error(`response without Content-Length from port ${opts.port}: ${head.split('\r\n')[0]}`))
        const total = headerEnd + 4 + Number(length[1])
        if (pending.length < total) return
        if (pending.length > total) return fail(new Error('unexpected bytes after a response: the server answered a request not sent'))
        const now = performance.now()
        latencies[done++] = now - sentAt
        lastDone = now
        const ok = head.startsWith('HTTP/1.1 200') && pending.includes(opts.expect, headerEnd + 4)
        if (!ok) errors++
        pending = Buffer.alloc(0)
        next()
      })
      socket.on('error', () => {
        errors++
        end()
      })
      socket.on('close', () => {
        if (!ended) {
          errors++ // the server closed a connection we were still using
          end()
        }
      })
    }
  })
}
