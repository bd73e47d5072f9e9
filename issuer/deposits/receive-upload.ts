// A deposit's multipart/form-data body, streamed with busboy: the `deposit` JSON field kept (small), each `evidence`
// file part streamed into a temporary file by the evidence store (hashed and sniffed on the way, never buffered whole).
// Every limit (file size, number of files, fields, parts, the whole body) answers 413; a refused upload leaves no file.
//
// Why busboy: it is the streaming multipart parser under multer and fastify's multipart, with one small dependency
// (streamsearch), and it enforces the part, field and file-size limits itself while parsing; node has no multipart
// parser of its own (Request.formData() reads the whole body into memory).
import type { IncomingHttpHeaders } from 'node:http'
import type { Readable } from 'node:stream'
import busboy from 'busboy'
import { AppError } from '../../core/errors.ts'
import type { EvidenceStore, ReceivedFile } from './evidence-store.ts'

export interface UploadLimits {
  /** Bytes per evidence file (CB_EVIDENCE_MAX_BYTES). */
  readonly maxFileBytes: number
  /** Evidence files per deposit (CB_EVIDENCE_MAX_FILES). */
  readonly maxFiles: number
}

/** One evidence file part as received: the stored temporary file and what the client said about it. */
export interface UploadedEvidence extends ReceivedFile {
  /** The part's filename (unsanitized; the use case sanitizes what it keeps). */
  readonly fileName: string
  /** The part's Content-Type as the client sent it (never trusted: compared with the content only). */
  readonly declaredType: string
}

export interface ReceivedUpload {
  /** The text fields by name (each at most once). */
  readonly fields: ReadonlyMap<string, string>
  /** Evidence files, in the order they were sent. */
  readonly files: readonly UploadedEvidence[]
}

/** The only parts a deposit has. */
export const DEPOSIT_FIELD = 'deposit'
export const EVIDENCE_FIELD = 'evidence'
const MAX_FIELD_BYTES = 64 * 1024
const MAX_FIELDS = 4
/** What the parts' headers and the JSON field may add to the files' bytes. */
const OVERHEAD_BYTES = 256 * 1024

const tooLarge = (message: string) => new AppError('payload_too_large', message)

/** The largest body a deposit may have (every file at its cap, plus the fields and part headers). */
export const maxUploadBytes = (limits: UploadLimits): number => limits.maxFiles * limits.maxFileBytes + OVERHEAD_BYTES

/**
 * Reads a multipart/form-data body. Resolves once the whole body was read and every file stored in a temporary file;
 * rejects with an AppError (415 not multipart, 400 malformed or unexpected parts, 413 over a limit) after removing every
 * temporary file it made. A file cut at the size cap is refused here (413), so a caller never sees an incomplete one.
 */
export function receiveUpload(
  req: Readable & { readonly headers: IncomingHttpHeaders },
  store: EvidenceStore,
  limits: UploadLimits,
): Promise<ReceivedUpload> {
  const declared = Number(req.headers['content-length'] ?? 0)
  const maxTotal = maxUploadBytes(limits)
  if (declared > maxTotal)
    return Promise.reject(
      tooLarge(`a deposit may carry at most ${limits.maxFiles} files of ${limits.maxFileBytes} bytes each (上传内容过大)`),
    )
  let parser: busboy.Busboy
  try {
    parser = busboy({
      headers: req.headers,
      defParamCharset: 'utf8',
      limits: {
        fileSize: limits.maxFileBytes,
        files: limits.maxFiles,
        fields: MAX_FIELDS,
        fieldSize: MAX_FIELD_BYTES,
        fieldNameSize: 100,
        parts: limits.maxFiles + MAX_FIELDS,
        headerPairs: 20,
      },
    })
  } catch {
    return Promise.reject(
      new AppError(
        'unsupported_media_type',
        `send the deposit as multipart/form-data: a "${DEPOSIT_FIELD}" JSON field and "${EVIDENCE_FIELD}" file parts`,
      ),
    )
  }

  return new Promise((resolve, reject) => {
    const fields = new Map<string, string>()
    const pending: Promise<UploadedEvidence>[] = []
    const active = new Set<Readable>()
    let failure: AppError | undefined
    let settled = false

    const settle = async () => {
      if (settled) return
      settled = true
      const results = await Promise.allSettled(pending)
      const files = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
      const broken = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
      const cut = files.find((f) => f.truncated)
      const err =
        failure ??
        (cut
          ? tooLarge(`evidence file "${cut.fileName}" is larger than ${limits.maxFileBytes} bytes (证明材料文件过大)`)
          : broken && new AppError('invalid_request', 'the upload ended before its files were complete', { cause: broken.reason }))
      if (err) {
        await store.discard(files)
        reject(err)
      } else resolve({ fields, files })
    }
    /** A soft failure: the rest of the body is still read (and dropped), so the answer reaches a client still sending. */
    const fail = (err: AppError) => {
      failure ??= err
    }
    /** A hard failure: parsing stops now; the body's rest is drained unread. */
    const abort = (err: AppError) => {
      fail(err)
      req.unpipe(parser)
      req.resume()
      for (const s of active) s.destroy(err)
      void settle()
    }

    let received = 0
    req.on('data', (chunk: Buffer) => {
      received += chunk.length
      if (received > maxTotal && !settled) abort(tooLarge(`a deposit's body may be at most ${maxTotal} bytes (上传内容过大)`))
    })
    req.on('aborted', () => abort(new AppError('invalid_request', 'the upload was interrupted')))

    parser.on('file', (name, stream, info) => {
      if (failure || name !== EVIDENCE_FIELD) {
        if (name !== EVIDENCE_FIELD)
          fail(new AppError('invalid_request', `unexpected file part "${name}": evidence files go in "${EVIDENCE_FIELD}" parts`))
        stream.resume()
        return
      }
      active.add(stream)
      let cut = false
      stream.on('limit', () => {
        cut = true
      })
      pending.push(
        store
          .receive(stream, () => cut)
          .then((f) => ({ ...f, fileName: info.filename ?? '', declaredType: (info.mimeType ?? '').toLowerCase() }))
          .finally(() => active.delete(stream)),
      )
    })
    parser.on('field', (name, value, info) => {
      if (info.nameTruncated || info.valueTruncated) return fail(tooLarge(`the "${name}" field may be at most ${MAX_FIELD_BYTES} bytes`))
      if (name === EVIDENCE_FIELD) return fail(new AppError('invalid_request', `"${EVIDENCE_FIELD}" parts must be files (with a filename)`))
      if (name !== DEPOSIT_FIELD)
        return fail(new AppError('invalid_request', `unexpected field "${name}"; a deposit has "${DEPOSIT_FIELD}"`))
      if (fields.has(name)) return fail(new AppError('invalid_request', `the "${name}" field was sent twice`))
      fields.set(name, value)
    })
    parser.on('filesLimit', () =>
      fail(tooLarge(`a deposit may carry at most ${limits.maxFiles} evidence files (证明材料最多 ${limits.maxFiles} 个)`)),
    )
    parser.on('fieldsLimit', () => fail(tooLarge(`a deposit has at most ${MAX_FIELDS} fields`)))
    parser.on('partsLimit', () => fail(tooLarge(`a deposit has at most ${limits.maxFiles + MAX_FIELDS} parts`)))
    parser.on('error', (err: unknown) =>
      abort(new AppError('invalid_request', `the multipart body is malformed: ${err instanceof Error ? err.message : String(err)}`)),
    )
    parser.on('close', () => void settle())
    req.pipe(parser)
  })
}
