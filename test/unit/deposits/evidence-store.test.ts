// Evidence files: typed by their first bytes, names made safe, stored content-addressed by rename after the commit, and
// a committed file left in the temporary directory by a crash placed by the first read.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { EvidenceStore, sanitizeFileName, sniffEvidenceType, typeOfName } from '../../../issuer/deposits/evidence-store.ts'

const PDF = Buffer.from('%PDF-1.4\n%%EOF\n')
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xdb, 0, 0x43])
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

describe('evidence store', () => {
  let dir: string
  let store: EvidenceStore
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'evidence-'))
    store = new EvidenceStore(dir)
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('types a file by its magic bytes only: PDF, JPEG, PNG; anything else (HTML, GIF, a short or empty file) is none', () => {
    assert.equal(sniffEvidenceType(PDF), 'application/pdf')
    assert.equal(sniffEvidenceType(JPEG), 'image/jpeg')
    assert.equal(sniffEvidenceType(PNG), 'image/png')
    assert.equal(sniffEvidenceType(Buffer.from('<!doctype html>')), undefined)
    assert.equal(sniffEvidenceType(Buffer.from('GIF89a')), undefined)
    assert.equal(sniffEvidenceType(PNG.subarray(0, 7)), undefined)
    assert.equal(sniffEvidenceType(Buffer.from('%PDF')), undefined)
    assert.equal(sniffEvidenceType(new Uint8Array(0)), undefined)
  })

  it("reads the type a name claims from its extension, case-insensitively; 'other' for any other, undefined for none", () => {
    assert.equal(typeOfName('a.PDF'), 'application/pdf')
    assert.equal(typeOfName('scan.jpeg'), 'image/jpeg')
    assert.equal(typeOfName('scan.JPG'), 'image/jpeg')
    assert.equal(typeOfName('x.png'), 'image/png')
    assert.equal(typeOfName('page.html'), 'other')
    assert.equal(typeOfName('archive.pdf.exe'), 'other')
    assert.equal(typeOfName('README'), undefined)
    assert.equal(typeOfName('.pdf'), undefined)
    assert.equal(typeOfName('trailing.'), undefined)
  })

  it('keeps only a safe last path segment of a name: no controls, quotes or separators, bounded, never empty', () => {
    assert.equal(sanitizeFileName('../../etc/passwd', 'application/pdf'), 'passwd')
    assert.equal(sanitizeFileName('C:\\Users\\李\\证书.pdf', 'application/pdf'), '证书.pdf')
    assert.equal(sanitizeFileName('a"b;c\r\nd\u202e.png', 'image/png'), 'a_b_cd.png')
    assert.equal(sanitizeFileName('...hidden.pdf', 'application/pdf'), 'hidden.pdf')
    assert.equal(sanitizeFileName('', 'image/jpeg'), 'evidence.jpg')
    assert.equal(sanitizeFileName(undefined, 'application/pdf'), 'evidence.pdf')
    const long = sanitizeFileName(`${'长'.repeat(300)}.pdf`, 'application/pdf')
    assert.equal([...long].length, 120)
    assert.ok(long.endsWith('.pdf'))
  })

  it('streams into a temporary file with its hash, size and type; commit places it by content, once', async () => {
    const first = await store.receive(Readable.from([PDF.subarray(0, 3), PDF.subarray(3)]))
    assert.deepEqual(
      { sha256: first.sha256, size: first.size, type: first.sniffedType, truncated: first.truncated },
      { sha256: sha256(PDF), size: PDF.length, type: 'application/pdf', truncated: false },
    )
    await store.commit(first)
    const second = await store.receive(Readable.from([PDF]))
    await store.commit(second)
    assert.deepEqual(await store.inventory(), { stored: [sha256(PDF)], temporary: [] })
    assert.deepEqual(readFileSync(store.pathOf(sha256(PDF))), PDF)
    const opened = await store.open(sha256(PDF))
    assert.equal(opened?.size, PDF.length)
    assert.equal(await text(opened!.stream), PDF.toString())
  })

  it('removes the temporary file when the stream fails, and discard removes received ones', async () => {
    const body = new PassThrough()
    const receiving = store.receive(body)
    body.write(PNG)
    body.destroy(new Error('client went away'))
    await assert.rejects(receiving, /client went away/)
    const kept = await store.receive(Readable.from([JPEG]))
    await store.discard([kept])
    assert.deepEqual(await store.inventory(), { stored: [], temporary: [] })
  })

  it('places a committed file a crash left in the temporary directory when it is first read; unknown content is undefined', async () => {
    const left = await store.receive(Readable.from([PNG]))
    // (the deposit's transaction committed here, and the process died before commit() renamed the file)
    assert.deepEqual((await store.inventory()).stored, [])
    const opened = await store.open(sha256(PNG))
    assert.equal(opened?.size, PNG.length)
    opened!.stream.destroy()
    assert.deepEqual(await store.inventory(), { stored: [sha256(PNG)], temporary: [] })
    assert.equal(left.sha256, sha256(PNG))
    assert.equal(await store.open(sha256(PDF)), undefined)
    assert.throws(() => store.pathOf('../../etc/passwd'), TypeError)
  })
})
