// Evidence files on disk, content-addressed: <dataDir>/evidence/ab/cd/<sha256>. A file arrives as a stream into a
// temporary file (hashed, counted and sniffed as it passes, never held in memory), and takes its place by rename only
// after the deposit that names it committed: a crash before the commit leaves a temporary file and no row, one after
// the commit a temporary file that the first read renames into place. The same bytes sent twice are stored once.
import { createHash, randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream, mkdirSync, type ReadStream } from 'node:fs'
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

/** The only kinds of evidence the bank keeps. */
export const EVIDENCE_MEDIA_TYPES = ['application/pdf', 'image/jpeg', 'image/png'] as const
export type EvidenceMediaType = (typeof EVIDENCE_MEDIA_TYPES)[number]

/** The first bytes of each kind (PDF 1.0-2.0 header; JPEG SOI and a marker; the PNG signature). */
const MAGIC: readonly { readonly type: EvidenceMediaType; readonly bytes: readonly number[] }[] = [
  { type: 'application/pdf', bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] }, // %PDF-
  { type: 'image/jpeg', bytes: [0xff, 0xd8, 0xff] },
  { type: 'image/png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
]
const SNIFF_BYTES = 8

/** What the content is, from its first bytes alone; undefined when it is none of the three. */
export function sniffEvidenceType(head: Uint8Array): EvidenceMediaType | undefined {
  return MAGIC.find((m) => m.bytes.length <= head.length && m.bytes.every((b, i) => head[i] === b))?.type
}

/** The media type a file name's extension claims, 'other' for any other extension, undefined when it has none. */
export function typeOfName(name: string): EvidenceMediaType | 'other' | undefined {
  const dot = name.lastIndexOf('.')
  if (dot <= 0 || dot === name.length - 1) return undefined
  const ext = name.slice(dot + 1).toLowerCase()
  if (ext === 'pdf') return 'application/pdf'
  if (ext === 'jpg' || ext === 'jpeg' || ext === 'jpe' || ext === 'jfif') return 'image/jpeg'
  if (ext === 'png') return 'image/png'
  return 'other'
}

/** The conventional extension of a kind, for names that lack one. */
export const extensionOf = (type: EvidenceMediaType): string => (type === 'application/pdf' ? 'pdf' : type === 'image/png' ? 'png' : 'jpg')

/**
 * A file name safe to keep and to send back in Content-Disposition: the last path segment only, NFC, no control or
 * format characters, no quotes, backslashes, slashes or semicolons, white space collapsed, at most 120 characters
 * (the extension kept). Empty: `evidence.<ext>`.
 */
export function sanitizeFileName(name: string | undefined, type: EvidenceMediaType): string {
  const base = (name ?? '').split(/[/\\]/).pop() ?? ''
  let clean = base
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '')
    .replace(/["';:*?<>|]/g, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '')
  if ([...clean].length > 120) {
    const chars = [...clean]
    const dot = clean.lastIndexOf('.')
    const ext = dot > 0 && clean.length - dot <= 6 ? clean.slice(dot) : ''
    clean = chars.slice(0, 120 - [...ext].length).join('') + ext
  }
  return clean || `evidence.${extensionOf(type)}`
}

/** One file received into a temporary file: what it is (sniffed), its hash and size. */
export interface ReceivedFile {
  readonly tempPath: string
  readonly sha256: string
  readonly size: number
  /** What the first bytes say; undefined: none of PDF, JPEG, PNG. */
  readonly sniffedType: EvidenceMediaType | undefined
  /** True when the stream was cut at the size cap (the file is incomplete and must be refused). */
  readonly truncated: boolean
}

const SHA256 = /^[0-9a-f]{64}$/

export class EvidenceStore {
  readonly root: string
  private readonly tmp: string

  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'evidence')
    this.tmp = path.join(this.root, 'tmp')
  }

  /** Where the content of `sha256` lives (or will). */
  pathOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new TypeError('pathOf needs a lower-case hex SHA-256')
    return path.join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256)
  }

  /**
   * Streams `body` into a temporary file, hashing it and sniffing its first bytes. `isTruncated` tells afterwards whether
   * the producer cut it at its size cap (busboy's file stream does). The caller places it (`commit`) or drops it.
   */
  async receive(body: Readable, isTruncated: () => boolean = () => false): Promise<ReceivedFile> {
    // Synchronous, so the body is piped (and its errors handled) before anything else can happen to it.
    mkdirSync(this.tmp, { recursive: true, mode: 0o700 })
    const hash = createHash('sha256')
    let size = 0
    let head = Buffer.alloc(0)
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length
        if (head.length < SNIFF_BYTES) head = Buffer.concat([head, chunk.subarray(0, SNIFF_BYTES - head.length)])
        hash.update(chunk)
        done(null, chunk)
      },
    })
    // Named by a random id until the hash is known; `tmp/<uuid>` files are never read as evidence.
    const tempPath = path.join(this.tmp, randomUUID())
    try {
      await pipeline(body, meter, createWriteStream(tempPath, { mode: 0o600, flush: true }))
    } catch (err) {
      await rm(tempPath, { force: true })
      throw err
    }
    const sha256 = hash.digest('hex')
    // Renamed to carry its hash, so a read after a crash between commit and placement can find it (`open`).
    const named = path.join(this.tmp, `${sha256}.${path.basename(tempPath)}`)
    await rename(tempPath, named)
    return { tempPath: named, sha256, size, sniffedType: sniffEvidenceType(head), truncated: isTruncated() }
  }

  /**
   * Puts a received file in its place by an atomic rename, over the same content if it is there already (the same hash:
   * the same bytes), so a file an erasure removed meanwhile is back once its new deposit is committed.
   */
  async commit(file: ReceivedFile): Promise<void> {
    const target = this.pathOf(file.sha256)
    await mkdir(path.dirname(target), { recursive: true, mode: 0o700 })
    await rename(file.tempPath, target)
  }

  /** Removes temporary files (a refused or failed upload); never placed content, which other deposits may share. */
  async discard(files: readonly { readonly tempPath: string }[]): Promise<void> {
    await Promise.all(files.map((f) => rm(f.tempPath, { force: true })))
  }

  /**
   * A stream of the content of `sha256`, or undefined when it is not stored. A committed deposit whose file never took
   * its place (a crash right after the commit) gets it placed here from its temporary copy.
   */
  async open(sha256: string): Promise<{ stream: ReadStream; size: number } | undefined> {
    const target = this.pathOf(sha256)
    if (!(await exists(target))) {
      const left = (await readdir(this.tmp).catch(() => [] as string[])).find((f) => f.startsWith(`${sha256}.`))
      if (!left) return undefined
      await mkdir(path.dirname(target), { recursive: true, mode: 0o700 })
      await rename(path.join(this.tmp, left), target).catch(async (err: unknown) => {
        if (!(await exists(target))) throw err
      })
    }
    const { size } = await stat(target)
    return { stream: createReadStream(target), size }
  }

  /** Removes stored content (erasure, when no deposit names it any more). */
  async remove(sha256: string): Promise<void> {
    await rm(this.pathOf(sha256), { force: true })
  }

  /** Every stored content hash and every temporary file (tests count them). */
  async inventory(): Promise<{ stored: string[]; temporary: string[] }> {
    const stored: string[] = []
    for (const a of await readdir(this.root).catch(() => [] as string[])) {
      if (a === 'tmp') continue
      for (const b of await readdir(path.join(this.root, a)).catch(() => [] as string[]))
        stored.push(...(await readdir(path.join(this.root, a, b)).catch(() => [] as string[])))
    }
    return { stored: stored.sort(), temporary: (await readdir(this.tmp).catch(() => [] as string[])).sort() }
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  )
}
