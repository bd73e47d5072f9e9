// W3C Bitstring Status List v1.0 encoding: gzip, multibase base64url ('u'), index 0 = the first (most significant) bit.
import { CodedError } from '../errors.ts'
import { gunzipSync, gzipSync } from 'node:zlib'

/** BSL §6.1: a list has at least 131,072 entries (16 KB) for herd privacy. */
export const MIN_STATUS_LIST_SIZE = 131_072

export function encodeBitstring(size: number, setIndexes: Iterable<number>): string {
  const bits = new Uint8Array(Math.ceil(size / 8))
  for (const i of setIndexes) bits[i >> 3]! |= 0x80 >> (i & 7)
  return 'u' + gzipSync(bits).toString('base64url')
}

export class BitstringError extends CodedError<'MALFORMED_VALUE_ERROR' | 'STATUS_LIST_LENGTH_ERROR' | 'RANGE_ERROR'> {}

/** Decodes an encodedList, capping the decompressed size (gzip bombs, SECURITY.md #58). */
export function decodeBitstring(encodedList: unknown, maxBytes: number): Uint8Array {
  if (typeof encodedList !== 'string' || !/^u[A-Za-z0-9_-]+$/.test(encodedList))
    throw new BitstringError('MALFORMED_VALUE_ERROR', 'encodedList must be multibase base64url (u…)')
  let bits: Buffer
  try {
    bits = gunzipSync(Buffer.from(encodedList.slice(1), 'base64url'), { maxOutputLength: maxBytes })
  } catch (err) {
    const tooBig =
      (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ||
      /maxOutputLength|Cannot create a Buffer larger/.test((err as Error).message)
    throw new BitstringError(
      'MALFORMED_VALUE_ERROR',
      tooBig ? `encodedList decompresses to more than ${maxBytes} bytes` : 'encodedList is not valid gzip',
    )
  }
  if (bits.length * 8 < MIN_STATUS_LIST_SIZE)
    throw new BitstringError('STATUS_LIST_LENGTH_ERROR', `status list has ${bits.length * 8} entries, fewer than ${MIN_STATUS_LIST_SIZE}`)
  return bits
}

export function isBitSet(bits: Uint8Array, index: number): boolean {
  if (index >= bits.length * 8)
    throw new BitstringError('RANGE_ERROR', `status index ${index} is outside the list of ${bits.length * 8} entries`)
  return (bits[index >> 3]! & (0x80 >> (index & 7))) !== 0
}

/** BSL statusListIndex: a base-10 non-negative integer string ("7", not " 7", "1e3", "-1" or 7). */
export function parseStatusIndex(value: unknown): number {
  if (typeof value !== 'string' || !/^(0|[1-9][0-9]{0,9})$/.test(value))
    throw new BitstringError('MALFORMED_VALUE_ERROR', `statusListIndex must be a base-10 integer string, got ${JSON.stringify(value)}`)
  return Number(value)
}
