// Reads an import file as a stream of rows, in memory that does not grow with the file: CSV (RFC 4180, UTF-8 with or
// without a BOM, CRLF or LF, quoted fields with commas, quotes and line breaks) or JSON Lines. A small parser of our own
// rather than a CSV package: it is about a hundred lines, it reports the line each row begins on (what the error
// report names), and it hands rows over in batches per read buffer, which is what keeps a million-row file fast.
import { createReadStream } from 'node:fs'
import { CodedError } from '../../core/errors.ts'
import type { ImportFormat } from './import-store.ts'

/** Why a whole file is refused (the job fails; rows already committed stay). */
export type ImportFileErrorCode =
  | 'import_header_invalid'
  | 'import_encoding'
  | 'import_row_too_long'
  | 'import_quote_unclosed'
  | 'import_file_unreadable'
  | 'import_file_changed'

export class ImportFileError extends CodedError<ImportFileErrorCode> {}

/** A file to read by its path, or its bytes as a stream (a sealed upload, opened). */
export type ImportSource = string | AsyncIterable<Buffer>

/** One data row: the line it begins on, its fields by column, or why it cannot be read at all. */
export interface SourceRow {
  readonly line: number
  readonly fields: Readonly<Record<string, string>>
  /** The row could not be split into fields (wrong field count, not a JSON object, an unknown member). */
  readonly malformed?: { readonly code: string; readonly column: string; readonly zh: string; readonly en: string }
}

/** A batch of rows and the byte position the reader had reached when it was cut (for progress). */
export interface RowBatch {
  readonly rows: readonly SourceRow[]
  readonly byteOffset: number
}

/** A row longer than this (a quote never closed, a runaway line) fails the file rather than filling memory. */
export const MAX_ROW_CHARS = 64 * 1024

export interface ColumnSpec {
  readonly required: readonly string[]
  readonly optional: readonly string[]
}

/**
 * Rows of `file`, in batches. The CSV header must name every required column once and nothing else (order free);
 * JSON Lines rows are objects whose members are columns.
 */
export async function* readRows(
  source: ImportSource,
  format: ImportFormat,
  columns: ColumnSpec,
  opts: { readonly bufferBytes?: number } = {},
): AsyncGenerator<RowBatch> {
  const known = new Set([...columns.required, ...columns.optional])
  const decoder = new TextDecoder('utf-8', { fatal: true })
  const splitter = format === 'csv' ? new CsvSplitter() : new LineSplitter()
  let header: string[] | undefined
  let bytes = 0
  const toRows = (records: RawRecord[]): SourceRow[] => {
    const rows: SourceRow[] = []
    for (const r of records) {
      if (format === 'jsonl') {
        rows.push(jsonRow(r.line, r.fields[0]!, known))
        continue
      }
      if (!header) {
        header = checkHeader(r.fields, columns)
        continue
      }
      if (r.fields.length === 1 && r.fields[0] === '') continue // a blank line
      if (r.fields.length !== header.length) {
        rows.push({
          line: r.line,
          fields: {},
          malformed: {
            code: 'row_field_count',
            column: '',
            zh: `该行有${r.fields.length}个字段，表头有${header.length}列`,
            en: `the row has ${r.fields.length} fields; the header has ${header.length} columns`,
          },
        })
        continue
      }
      const fields: Record<string, string> = {}
      for (let i = 0; i < header.length; i++) fields[header[i]!] = r.fields[i]!
      rows.push({ line: r.line, fields })
    }
    return rows
  }
  const stream = typeof source === 'string' ? createReadStream(source, { highWaterMark: opts.bufferBytes ?? 256 * 1024 }) : source
  try {
    for await (const chunk of stream) {
      bytes += chunk.length
      const text = decode(decoder, chunk, true)
      const rows = toRows(splitter.push(text))
      if (rows.length) yield { rows, byteOffset: bytes }
    }
  } catch (err) {
    if (err instanceof ImportFileError) throw err
    if ((err as { code?: string }).code === 'ENOENT' || (err as { code?: string }).code === 'EACCES')
      throw new ImportFileError('import_file_unreadable', 'the import file cannot be read (missing or not readable)', { cause: err })
    throw err
  }
  const rows = toRows(splitter.push(decode(decoder, undefined, false)).concat(splitter.end()))
  if (format === 'csv' && !header)
    throw new ImportFileError('import_header_invalid', 'the file is empty: a CSV import starts with a header row')
  if (rows.length) yield { rows, byteOffset: bytes }
}

/** The CSV header of a file (or [] for JSON Lines), checked: what an upload is refused for before it becomes a job. */
export async function checkFile(source: ImportSource, format: ImportFormat, columns: ColumnSpec): Promise<void> {
  // The first batch holds the header; reading it is enough (the generator is closed after it).
  for await (const batch of readRows(source, format, columns)) {
    void batch
    return
  }
}

function decode(decoder: TextDecoder, chunk: Buffer | undefined, stream: boolean): string {
  try {
    return decoder.decode(chunk, { stream })
  } catch (err) {
    throw new ImportFileError('import_encoding', 'the file is not valid UTF-8 (save it as “CSV UTF-8” / 请另存为 UTF-8 编码)', {
      cause: err,
    })
  }
}

function checkHeader(fields: string[], columns: ColumnSpec): string[] {
  const names = fields.map((f) => f.trim())
  const known = new Set([...columns.required, ...columns.optional])
  const problems: string[] = []
  const seen = new Set<string>()
  for (const n of names) {
    if (!known.has(n)) problems.push(`unknown column "${n.slice(0, 64)}"`)
    else if (seen.has(n)) problems.push(`column "${n}" appears twice`)
    seen.add(n)
  }
  for (const r of columns.required) if (!seen.has(r)) problems.push(`missing column "${r}"`)
  if (problems.length)
    throw new ImportFileError(
      'import_header_invalid',
      `the header row is not valid (表头无效): ${problems.join('; ')}. Columns: ${[...columns.required, ...columns.optional].join(',')}`,
    )
  return names
}

function jsonRow(line: number, text: string, known: ReadonlySet<string>): SourceRow {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { line, fields: {}, malformed: { code: 'row_not_json', column: '', zh: '该行不是有效的JSON', en: 'the line is not valid JSON' } }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return {
      line,
      fields: {},
      malformed: { code: 'row_not_object', column: '', zh: '该行应为JSON对象', en: 'the line must be a JSON object' },
    }
  const fields: Record<string, string> = {}
  for (const [k, v] of Object.entries(value)) {
    if (!known.has(k))
      return {
        line,
        fields: {},
        malformed: {
          code: 'column_unknown',
          column: k.slice(0, 64),
          zh: `未知字段“${k.slice(0, 64)}”`,
          en: `unknown member "${k.slice(0, 64)}"`,
        },
      }
    if (v === null || v === undefined) continue
    if (typeof v !== 'string' && typeof v !== 'number')
      return {
        line,
        fields: {},
        malformed: { code: 'value_type', column: k, zh: `字段“${k}”应为字符串或数字`, en: `member "${k}" must be a string or a number` },
      }
    fields[k] = String(v)
  }
  return { line, fields }
}

interface RawRecord {
  readonly line: number
  readonly fields: string[]
}

/** JSON Lines: one record (the whole line as its one field) per non-blank line. */
class LineSplitter {
  private rest = ''
  private line = 0

  push(text: string): RawRecord[] {
    const out: RawRecord[] = []
    const s = this.rest + text
    let start = 0
    for (let nl = s.indexOf('\n'); nl !== -1; nl = s.indexOf('\n', start)) {
      this.line++
      const l = s.slice(start, nl).trim()
      if (l) out.push({ line: this.line, fields: [l] })
      start = nl + 1
    }
    this.rest = s.slice(start)
    if (this.rest.length > MAX_ROW_CHARS)
      throw new ImportFileError('import_row_too_long', `line ${this.line + 1} is longer than ${MAX_ROW_CHARS} characters`)
    return out
  }

  end(): RawRecord[] {
    const l = this.rest.trim()
    this.rest = ''
    return l ? [{ line: this.line + 1, fields: [l] }] : []
  }
}

const QUOTE = 34
const COMMA = 44
const LF = 10
const CR = 13

/**
 * RFC 4180 records: fields split on commas, records on CRLF, LF or CR; a field that starts with a quote runs to the
 * closing quote ("" inside it is one quote) and may hold commas and line breaks. A quote inside an unquoted field is
 * kept as it is (lenient, as spreadsheets are).
 */
class CsvSplitter {
  private fields: string[] = []
  private field = ''
  private quoted = false
  /** Inside quotes and the last character was a quote: either the closing one or the first of "". */
  private quoteSeen = false
  private fieldStarted = false
  private line = 1
  private recordLine = 1
  private recordChars = 0
  private lastWasCr = false

  push(text: string): RawRecord[] {
    const out: RawRecord[] = []
    let i = 0
    const n = text.length
    while (i < n) {
      const c = text.charCodeAt(i)
      if (this.lastWasCr) {
        this.lastWasCr = false
        if (c === LF) {
          i++
          continue
        }
      }
      if (this.quoted) {
        if (this.quoteSeen) {
          this.quoteSeen = false
          if (c === QUOTE) {
            this.field += '"'
            i++
            continue
          }
          this.quoted = false // the closing quote: fall through to the unquoted handling of c
        } else {
          // Copy the run up to the next quote at once.
          const q = text.indexOf('"', i)
          const end = q === -1 ? n : q
          const run = text.slice(i, end)
          for (let k = 0; k < run.length; k++) if (run.charCodeAt(k) === LF) this.line++
          this.field += run
          this.recordChars += run.length
          this.guard()
          if (q === -1) return out
          this.quoteSeen = true
          i = q + 1
          continue
        }
      }
      if (c === COMMA) {
        this.fields.push(this.field)
        this.field = ''
        this.fieldStarted = false
        i++
      } else if (c === LF || c === CR) {
        this.fields.push(this.field)
        out.push({ line: this.recordLine, fields: this.fields })
        this.fields = []
        this.field = ''
        this.fieldStarted = false
        this.recordChars = 0
        this.line++
        this.recordLine = this.line
        this.lastWasCr = c === CR
        i++
      } else if (c === QUOTE && !this.fieldStarted && this.field === '') {
        this.quoted = true
        this.fieldStarted = true
        i++
      } else {
        // An unquoted run up to the next delimiter.
        let j = i
        while (j < n) {
          const d = text.charCodeAt(j)
          if (d === COMMA || d === LF || d === CR) break
          j++
        }
        this.field += text.slice(i, j)
        this.fieldStarted = true
        this.recordChars += j - i
        this.guard()
        i = j
      }
    }
    return out
  }

  end(): RawRecord[] {
    if (this.quoted && !this.quoteSeen)
      throw new ImportFileError('import_quote_unclosed', `a quoted field opened on line ${this.recordLine} is never closed`)
    if (this.fields.length === 0 && this.field === '' && !this.fieldStarted) return []
    this.fields.push(this.field)
    const r = { line: this.recordLine, fields: this.fields }
    this.fields = []
    this.field = ''
    return [r]
  }

  private guard(): void {
    if (this.recordChars > MAX_ROW_CHARS)
      throw new ImportFileError(
        'import_row_too_long',
        `the row beginning on line ${this.recordLine} is longer than ${MAX_ROW_CHARS} characters`,
      )
  }
}
