// Where the issuer makes vc+jwt signatures: a small pool of worker threads for the bank's bulk issuing (an import's
// chunk of two thousand credentials), the calling thread for a few. Signing a credential is JSON.stringify, base64url and
// one Ed25519 signature (~60 µs); in a thread of its own it overlaps everything else a chunk does (building the next
// credentials, the database's writes), and two threads use both cores. A message costs more than a signature, so
// each carries a part of a chunk, and a batch under INLINE_BELOW is signed here at once.
import type { KeyObject } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { compactJws, compactJwsOfText, type JwsTyp } from './compact-jws.ts'
import { renderTemplate, type TemplatedPayload } from './payload-template.ts'

/** A payload to sign: an object, or a templated payload of the batch's `templates` (payload-template.ts). */
export type SigningPayload = object | TemplatedPayload

/** Signs payloads as compact JWSs with the bank's key, in order. */
export interface JwsSigner {
  /** `templates`: the segments of each template the templated payloads name. */
  sign(
    payloads: readonly SigningPayload[],
    key: { readonly kid: string; readonly privateKey: KeyObject },
    typ: JwsTyp,
    templates?: readonly (readonly string[])[],
  ): Promise<string[]>
  close(): Promise<void>
}

/** Batches smaller than this are signed on the calling thread: a round trip to a worker costs more than they do. */
export const INLINE_BELOW = 64

/** Signs on the calling thread (no pool: CB_SIGNING_WORKERS=0, and unit tests). */
export const inlineSigner: JwsSigner = {
  sign: async (payloads, key, typ, templates = []) =>
    payloads.map((p) =>
      Array.isArray(p)
        ? compactJwsOfText(renderTemplate(templates[p[0] as number]!, p as TemplatedPayload), key.kid, key.privateKey, typ)
        : compactJws(p, key.kid, key.privateKey, typ),
    ),
  close: async () => undefined,
}

interface Pending {
  readonly resolve: (jws: string[]) => void
  readonly reject: (err: Error) => void
}

interface Thread {
  readonly worker: Worker
  /** Key ids this thread holds: a rotated key is handed over on its first use. */
  readonly kids: Set<string>
  readonly pending: Map<number, Pending>
}

/**
 * A thread's code: plain JavaScript over node:crypto, evaluated as it is. Unlike the canonicalizer's threads it needs
 * none of this project's TypeScript, so it does without the tsx bootstrap (which gives each thread a module-hooks
 * thread and loader of its own: tens of MB a thread). The same bytes as {@link compactJws} (its unit test compares).
 * Messages in: { key: { kid, privateKey } } | { id, kid, typ, payloads, templates }; out: { id, jws } | { id, error },
 * `jws` the part's compact JWSs in one string, one a line.
 * A payload that is an array is a templated payload: [template, ...leaves] (payload-template.ts renderTemplate).
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { sign } = require('node:crypto')
const base64url = (text) => Buffer.from(text, 'utf8').toString('base64url')
const render = (segments, p) => {
  let text = segments[0]
  for (let i = 1; i < segments.length; i++) text += JSON.stringify(p[i]) + segments[i]
  return text
}
const keys = new Map()
// The lowest priority (Linux: a thread's own nice value; elsewhere this does nothing): a signing thread takes the CPU
// that the event loop, SQLite's threads and the collector leave. Every stage of an import goes through the event loop,
// and at the same priority four busy threads on two cores left it half a core when it was what the others waited for.
try {
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop())
  require('node:os').setPriority(tid, require('node:os').constants.priority.PRIORITY_LOW)
} catch {}
parentPort.on('message', (m) => {
  if (m.key) return void keys.set(m.key.kid, m.key.privateKey)
  try {
    const key = keys.get(m.kid)
    if (!key) throw new Error('no signing key ' + m.kid + ' was handed to this thread')
    const header = base64url(JSON.stringify({ alg: 'EdDSA', kid: m.kid, typ: m.typ }))
    const jws = m.payloads.map((payload) => {
      const json = Array.isArray(payload) ? render(m.templates[payload[0]], payload) : JSON.stringify(payload)
      const signingInput = header + '.' + base64url(json)
      return signingInput + '.' + sign(null, Buffer.from(signingInput, 'latin1'), key).toString('base64url')
    })
    parentPort.postMessage({ id: m.id, jws: jws.join('\\n') })
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) })
  }
})
`

/**
 * A thread holds two parts at a time (a few MB): a small old generation keeps the pool's memory flat. Signing allocates
 * ~10 KB a payload that dies at once: a young generation of 48 MB halved a thread's scavenges against 16 (1,000,000
 * rows: peak RSS +~25 MB).
 */
const RESOURCE_LIMITS = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 48 }

/**
 * Payloads a message carries. Threads take a batch's parts in turn, so one that gets less of a core (the database's
 * thread and the event loop share the cores with them) takes fewer parts instead of keeping the batch waiting; a part
 * of 200 is ~10 ms of signing, beside which a message costs little.
 */
const PART_SIZE = 200
/**
 * Parts a thread holds at once: the one it signs and the next, so that it goes on while the event loop (which hands
 * out parts as answers come in) is busy with something else.
 */
const PARTS_A_THREAD = 2

/** A part of a batch waiting for a thread. */
interface Part extends Pending {
  readonly payloads: readonly SigningPayload[]
  readonly key: { readonly kid: string; readonly privateKey: KeyObject }
  readonly typ: JwsTyp
  readonly templates: readonly (readonly string[])[]
}

/**
 * `workers` threads (default: the cores), started on first use, each handed the bank's private KeyObject (node:crypto
 * key objects can be posted to a thread; the key never leaves the process). A batch is cut into parts the threads take
 * in turn, in the order batches came. An idle pool does not keep the process alive; {@link close} ends the threads
 * (IssuerNode.close calls it).
 */
export class SigningPool implements JwsSigner {
  private readonly threads: Thread[] = []
  private readonly queue: Part[] = []
  private readonly size: number
  private nextId = 1
  private closed = false

  constructor(opts: { workers?: number } = {}) {
    this.size = Math.max(1, opts.workers ?? availableParallelism())
  }

  async sign(
    payloads: readonly SigningPayload[],
    key: { readonly kid: string; readonly privateKey: KeyObject },
    typ: JwsTyp,
    templates: readonly (readonly string[])[] = [],
  ): Promise<string[]> {
    if (payloads.length < INLINE_BELOW) return inlineSigner.sign(payloads, key, typ, templates)
    if (this.closed) throw new Error('the signing pool is closed')
    const parts: Promise<string[]>[] = []
    for (let at = 0; at < payloads.length; at += PART_SIZE) {
      const part = payloads.slice(at, at + PART_SIZE)
      parts.push(new Promise((resolve, reject) => this.queue.push({ payloads: part, key, typ, templates, resolve, reject })))
    }
    this.dispatch()
    // Threads answer parts in any order; each part's promise keeps its place.
    return (await Promise.all(parts)).flat()
  }

  async close(): Promise<void> {
    this.closed = true
    const closing = new Error('the signing pool is closing')
    for (const part of this.queue.splice(0)) part.reject(closing)
    const threads = this.threads.splice(0)
    for (const t of threads) this.fail(t, closing)
    await Promise.all(threads.map((t) => t.worker.terminate()))
  }

  /** Hands queued parts to threads with room for them, starting the threads on first use (or after one died). */
  private dispatch(): void {
    if (this.closed) return
    while (this.queue.length && this.threads.length < this.size) this.threads.push(this.spawn())
    for (const thread of this.threads)
      while (this.queue.length && thread.pending.size < PARTS_A_THREAD) this.post(thread, this.queue.shift()!)
  }

  private post(thread: Thread, part: Part): void {
    const { key } = part
    if (!thread.kids.has(key.kid)) {
      thread.worker.postMessage({ key: { kid: key.kid, privateKey: key.privateKey } })
      thread.kids.add(key.kid)
    }
    const id = this.nextId++
    thread.pending.set(id, { resolve: part.resolve, reject: part.reject }) // not the payloads: the thread has its copy
    thread.worker.ref() // a thread with work keeps the process alive until it answers
    thread.worker.postMessage({ id, kid: key.kid, typ: part.typ, payloads: part.payloads, templates: part.templates })
  }

  private spawn(): Thread {
    const worker = new Worker(WORKER_SOURCE, { eval: true, resourceLimits: RESOURCE_LIMITS })
    const thread: Thread = { worker, kids: new Set(), pending: new Map() }
    worker.unref()
    // A part's JWSs come as one string of a line each (a few hundred KB): it is made in the large-object space, which
    // the young generation's collections do not copy, and the JWSs split from it are slices of it. As 200 strings of
    // 4 KB each, they were copied by every scavenge for as long as their chunk waited to be written.
    worker.on('message', (message: { id: number; jws?: string; error?: string }) => {
      const job = thread.pending.get(message.id)
      if (!job) return
      thread.pending.delete(message.id)
      if (!thread.pending.size) worker.unref()
      if (message.jws !== undefined) job.resolve(message.jws.split('\n'))
      else job.reject(new Error(`signing failed: ${message.error}`))
      this.dispatch()
    })
    // A thread that dies fails what it held; the others go on with the queue (with none left, it fails too: a thread
    // that cannot start is not restarted in a loop), and the next batch starts threads in their place.
    const retire = (err: Error) => {
      this.fail(thread, err)
      const i = this.threads.indexOf(thread)
      if (i >= 0) this.threads.splice(i, 1)
      if (!this.threads.length) for (const part of this.queue.splice(0)) part.reject(err)
    }
    worker.on('error', (err) => retire(new Error(`a signing thread failed: ${err.message}`)))
    worker.on('exit', (code) => retire(new Error(`a signing thread exited (${code})`)))
    return thread
  }

  private fail(thread: Thread, err: Error): void {
    for (const job of thread.pending.values()) job.reject(err)
    thread.pending.clear()
  }
}
