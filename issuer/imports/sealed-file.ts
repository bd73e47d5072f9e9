// Uploaded import files at rest: they hold identity numbers in the clear, so they are written sealed — AES-256-GCM
// envelopes of the personal-data protector, one per 64 KiB block, each bound to its job and its place in the file —
// and opened as a stream of plaintext blocks when the job is worked. A block moved, dropped from the middle or
// changed does not open; a file cut short at a block boundary is caught by the job's SHA-256 of the plaintext.
import { createReadStream } from 'node:fs'
import { Transform } from 'node:stream'
import type { PersonalDataProtector } from '../../core/identity/personal-data.ts'
import { ImportFileError } from './read-rows.ts'

/** The suffix of a sealed upload: `<dataDir>/imports/<job id>.<csv|jsonl>.sealed`. */
export const SEALED_SUFFIX = '.sealed'
const BLOCK_BYTES = 64 * 1024

export const isSealed = (file: string): boolean => file.endsWith(SEALED_SUFFIX)

const purposeOf = (jobId: string, index: number): string => `import_file:${jobId}:${index}`

/** A stream that turns plaintext into sealed lines (`v1.<nonce>.<sealed>\n`, the plaintext block base64url inside). */
export function sealingStream(protector: PersonalDataProtector, jobId: string): Transform {
  let pending: Buffer[] = []
  let pendingBytes = 0
  let index = 0
  const seal = (block: Buffer) => `${protector.encrypt(block.toString('base64url'), purposeOf(jobId, index++))}\n`
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      pending.push(chunk)
      pendingBytes += chunk.length
      let out = ''
      if (pendingBytes >= BLOCK_BYTES) {
        let all = Buffer.concat(pending)
        while (all.length >= BLOCK_BYTES) {
          out += seal(all.subarray(0, BLOCK_BYTES))
          all = all.subarray(BLOCK_BYTES)
        }
        pending = [all]
        pendingBytes = all.length
      }
      done(null, out || undefined)
    },
    flush(done) {
      done(null, pendingBytes ? seal(Buffer.concat(pending)) : undefined)
    },
  })
}

/** The plaintext blocks of a sealed file, in order; a block that does not open fails the file (import_file_changed). */
export async function* openSealed(file: string, protector: PersonalDataProtector, jobId: string): AsyncGenerator<Buffer> {
  let rest = ''
  let index = 0
  const open = (line: string): Buffer => {
    try {
      return Buffer.from(protector.decrypt(line, purposeOf(jobId, index++)), 'base64url')
    } catch (err) {
      throw new ImportFileError('import_file_changed', 'the stored upload does not open: it was changed or moved', { cause: err })
    }
  }
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 }) as AsyncIterable<string>) {
    rest += chunk
    let nl = rest.indexOf('\n')
    while (nl !== -1) {
      yield open(rest.slice(0, nl))
      rest = rest.slice(nl + 1)
      nl = rest.indexOf('\n')
    }
  }
  if (rest) yield open(rest)
}
