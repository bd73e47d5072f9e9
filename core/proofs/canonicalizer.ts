// What an eddsa-rdfc-2022 proof signs: hash(canonical proof options) ‖ hash(canonical document). Canonicalizing
// JSON-LD is the expensive step of a Data Integrity verification (a 228 KB document blocks a thread for about a
// second), and an unauthenticated caller can send such documents. So verification canonicalizes in worker threads
// with a deadline and a bounded queue: a flood of expensive inputs slows only the Data Integrity verifications queued
// behind it, never the event loop that answers everything else.
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { DataIntegrityProof, type ProofObject } from '@digitalbazaar/data-integrity'
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite'
import { offlineDocumentLoader } from '../credentials/document-loader.ts'

/** Stable codes of a document that could not be canonicalized. */
export type CanonicalizeCode =
  | 'unknown_context'
  | 'jsonld_safe_mode' // a term or @id that would be dropped when expanding (SECURITY.md #42)
  | 'jsonld_invalid' // any other JSON-LD processing error, e.g. redefining a protected term
  | 'malformed_proof'
  | 'canonicalization_timeout'
  | 'verifier_busy'

export type VerifyDataResult =
  | { readonly ok: true; readonly verifyData: readonly Uint8Array[] }
  | { readonly ok: false; readonly code: CanonicalizeCode; readonly message: string }

export interface Canonicalizer {
  /** The data each proof of `proofs` signs over `document` (without its proofs); one entry per proof, in order. */
  verifyData(document: object, proofs: readonly object[]): Promise<VerifyDataResult>
  close(): Promise<void>
}

/** Canonicalizes on the caller's thread: for the issuer signing its own documents, and for unit tests. */
export const inlineCanonicalizer: Canonicalizer = { verifyData: computeVerifyData, close: async () => undefined }

/** Runs in whichever thread calls it: the worker does, and so does {@link inlineCanonicalizer}. */
export async function computeVerifyData(document: object, proofs: readonly object[]): Promise<VerifyDataResult> {
  // One suite for the whole proof set: it caches the document's canonical hash, so a co-signed document is canonicalized once.
  const suite = new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 })
  try {
    const verifyData: Uint8Array[] = []
    for (const proof of proofs)
      verifyData.push(await suite.createVerifyData({ document, proof: proof as ProofObject, documentLoader: offlineDocumentLoader }))
    return { ok: true, verifyData }
  } catch (err) {
    const failure = classifyJsonLdError(err) ?? { code: 'malformed_proof' as const, message: errorMessage(err) }
    return { ok: false, ...failure }
  }
}

export interface WorkerCanonicalizerOptions {
  /** Worker threads; default one fewer than the cores (at least one), so the event loop keeps a core. */
  readonly workers?: number
  /** Deadline of one document once a worker has taken it; the worker is replaced when it passes. */
  readonly timeoutMs: number
  /** Documents waiting for a worker beyond which new ones are refused at once (`verifier_busy`). */
  readonly maxQueue: number
}

interface Job {
  readonly document: object
  readonly proofs: readonly object[]
  readonly resolve: (result: VerifyDataResult) => void
}

interface Slot {
  worker: Worker
  ready: boolean
  job?: Job & { timer: NodeJS.Timeout }
}

const WORKER_URL = new URL('./canonicalize-worker.ts', import.meta.url)

/**
 * tsx's ESM API (`tsx/esm/api`, import condition) as a URL for the worker's bootstrap. Read from tsx's exports map,
 * not with import.meta.resolve, which is missing when a test runner loads this module as CommonJS.
 */
function tsxEsmApiUrl(): string {
  const require = createRequire(import.meta.url)
  const manifest = require.resolve('tsx/package.json')
  const { exports } = require(manifest) as { exports: Record<string, { import: { default: string } }> }
  return pathToFileURL(path.join(path.dirname(manifest), exports['./esm/api']!.import.default)).href
}

/**
 * A small pool of canonicalization workers, started on first use. The workers run this project's TypeScript through
 * tsx, as the main thread does (module hooks are per thread, hence the bootstrap).
 */
export class WorkerCanonicalizer implements Canonicalizer {
  private readonly slots: Slot[] = []
  private readonly queue: Job[] = []
  private readonly size: number
  private closed = false

  constructor(private readonly opts: WorkerCanonicalizerOptions) {
    this.size = Math.max(1, opts.workers ?? availableParallelism() - 1)
  }

  verifyData(document: object, proofs: readonly object[]): Promise<VerifyDataResult> {
    if (this.closed) return Promise.resolve({ ok: false, code: 'verifier_busy', message: 'the verifier is shutting down' })
    if (this.queue.length >= this.opts.maxQueue) {
      return Promise.resolve({
        ok: false,
        code: 'verifier_busy',
        message: 'too many Data Integrity documents are waiting to be checked; try again shortly',
      })
    }
    return new Promise((resolve) => {
      this.queue.push({ document, proofs, resolve })
      while (this.slots.length < this.size) this.slots.push(this.spawn())
      this.dispatch()
    })
  }

  async close(): Promise<void> {
    this.closed = true
    const shutdown: VerifyDataResult = { ok: false, code: 'verifier_busy', message: 'the verifier is shutting down' }
    for (const job of this.queue.splice(0)) job.resolve(shutdown)
    const slots = this.slots.splice(0)
    // A running job is answered now too, and its deadline timer cleared: terminate() alone would leave it to the timer.
    for (const slot of slots) if (slot.job) this.finish(slot, shutdown)
    await Promise.all(slots.map((s) => s.worker.terminate()))
  }

  private spawn(): Slot {
    const boot = `import { register } from ${JSON.stringify(tsxEsmApiUrl())}; register(); await import(${JSON.stringify(WORKER_URL.href)})`
    const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`))
    const slot: Slot = { worker, ready: false }
    worker.unref() // an idle pool never keeps the process alive; a busy one is ref'd in dispatch
    worker.on('message', (message: { ready?: true; result?: VerifyDataResult }) => {
      if (message.ready) {
        slot.ready = true
        slot.worker.unref() // the unref before the thread came online does not hold once it is up
      } else if (slot.job && message.result) this.finish(slot, message.result)
      this.dispatch()
    })
    worker.on('error', (err) => {
      const failure: VerifyDataResult = { ok: false, code: 'malformed_proof', message: `canonicalization failed: ${errorMessage(err)}` }
      // A worker that dies before it is ready would die again: fail what waits instead of respawning forever.
      if (!slot.ready) for (const job of this.queue.splice(0)) job.resolve(failure)
      this.replace(slot, failure)
    })
    return slot
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.job || !this.queue.length) continue
      const job = this.queue.shift()!
      const timer = setTimeout(
        () =>
          this.replace(slot, {
            ok: false,
            code: 'canonicalization_timeout',
            message: `the document took longer than ${this.opts.timeoutMs} ms to canonicalize`,
          }),
        this.opts.timeoutMs,
      )
      slot.job = { ...job, timer }
      slot.worker.ref()
      slot.worker.postMessage({ document: job.document, proofs: job.proofs })
    }
  }

  private finish(slot: Slot, result: VerifyDataResult): void {
    const job = slot.job!
    clearTimeout(job.timer)
    slot.job = undefined
    slot.worker.unref()
    job.resolve(result)
  }

  /** A worker past its deadline (or crashed) cannot be interrupted: it is terminated and another takes its place. */
  private replace(slot: Slot, result: VerifyDataResult): void {
    if (slot.job) this.finish(slot, result)
    void slot.worker.terminate()
    const i = this.slots.indexOf(slot)
    if (i >= 0) this.slots.splice(i, 1)
    if (!this.closed && this.queue.length) {
      this.slots.push(this.spawn())
      this.dispatch()
    }
  }
}

/**
 * Maps a jsonld.js error (possibly wrapping our loader's error) to a stable code; undefined when the error is not
 * a JSON-LD processing error.
 */
export function classifyJsonLdError(err: unknown): { code: CanonicalizeCode; message: string } | undefined {
  for (let e: unknown = err, depth = 0; isObject(e) && depth < 8; e = causeOf(e), depth++) {
    if (e.code === 'unknown_context') return { code: 'unknown_context', message: errorMessage(e) }
  }
  if (!isObject(err) || typeof err.name !== 'string' || !err.name.startsWith('jsonld.')) return undefined
  if (err.name === 'jsonld.ValidationError') return { code: 'jsonld_safe_mode', message: `JSON-LD safe mode: ${safeModeDetail(err)}` }
  return { code: 'jsonld_invalid', message: errorMessage(err) }
}

function safeModeDetail(err: Record<string, unknown>): string {
  const event = isObject(err.details) && isObject(err.details.event) ? err.details.event : undefined
  if (event === undefined) return errorMessage(err)
  return `${String(event.message)} ${JSON.stringify(event.details ?? {})}`
}

function causeOf(e: Record<string, unknown>): unknown {
  if (e.cause !== undefined) return e.cause
  return isObject(e.details) ? e.details.cause : undefined
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : isObject(err) && typeof err.message === 'string' ? err.message : String(err)
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}
