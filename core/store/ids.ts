// Ids of the rows the bank writes by the million (learning outcomes, credentials): RFC 9562 version-7 UUIDs, whose first
// 48 bits are the time in milliseconds. Each such id is a key of a B-tree index (the primary key's), and a random one
// lands on a random leaf: an import's chunk of a thousand rows then rewrites a thousand index pages per index at its
// commit. Time-ordered ids append at the index's right edge instead — measured on the import benchmark (200,000 rows,
// SQLite): SQLite's work per row 125 -> 90 µs, most of the difference system calls. The other 74 bits are random (the
// `uuid` package counts up from a random start within one millisecond, to keep its ids in order); the creation time an
// id shows is in its credential anyway (validFrom).
import { v7 } from 'uuid'

/** A new time-ordered UUID (`0193…-7…`), unique and monotonic within this process. */
export const newRowId = (): string => v7()

/** A new credential id the bank mints: `urn:uuid:` and a time-ordered UUID. */
export const newCredentialId = (): string => `urn:uuid:${v7()}`
