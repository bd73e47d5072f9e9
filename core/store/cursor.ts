// Opaque paging cursors (keyset paging): the sort key of a page's last row — two strings, e.g. (created_at, id) — as
// base64url JSON. Clients hand a cursor back without reading it; one this service did not give is refused the same way
// everywhere.
import { AppError } from '../errors.ts'

export type CursorKey = readonly [string, string]

export const encodeCursor = (key: CursorKey): string => Buffer.from(JSON.stringify(key)).toString('base64url')

/** The key a cursor names, or undefined when it is not one this service gave. */
export function readCursor(cursor: string): CursorKey | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') return [v[0], v[1]]
  } catch {
    // not JSON: not ours
  }
  return undefined
}

/** The key a cursor names; 400 invalid_request at `path` (the query parameter) when it is not one this service gave. */
export function decodeCursor(cursor: string, path = '/query/cursor'): CursorKey {
  const key = readCursor(cursor)
  if (key) return key
  throw new AppError('invalid_request', 'the cursor is not one this service gave; start from the first page', {
    issues: [{ path, message: 'is not a cursor this service gave' }],
  })
}
