// Checks one import row and turns it into an outcome for recognition, or into error rows (row, column, code, zh/en).
// The identity number is parsed here and leaves only as its keyed hash and a salted hashed IdentityObject.
import { chinaToday, isIsoDate } from '../../core/calendar.ts'
import type { Clock } from '../../core/clock.ts'
import type { IdentityObject } from '../../core/credentials/types.ts'
import { residentIdIdentityObject } from '../../core/identity/identity-object.ts'
import type { PersonalDataProtector } from '../../core/identity/personal-data.ts'
import { parseResidentId, RESIDENT_ID_MESSAGES } from '../../core/identity/resident-id.ts'
import type { CatalogueEntryRecord } from '../catalogue/catalogue-store.ts'
import type { RowError } from './import-store.ts'
import type { ColumnSpec, SourceRow } from './read-rows.ts'

/** The columns of an import file, in the template's order (README: Institution batch import). */
export const REQUIRED_COLUMNS = ['record_key', 'id_number', 'name', 'course_code', 'credits', 'awarded_date'] as const
export const OPTIONAL_COLUMNS = ['result', 'term', 'start_date', 'end_date'] as const
export const TEMPLATE_COLUMNS = [
  'record_key',
  'id_number',
  'name',
  'course_code',
  'credits',
  'result',
  'awarded_date',
  'term',
  'start_date',
  'end_date',
] as const
export const IMPORT_COLUMNS: ColumnSpec = { required: REQUIRED_COLUMNS, optional: OPTIONAL_COLUMNS }

/** What recognition records for a valid row (issuer/recognition's ImportedOutcome). */
export interface ImportRow {
  readonly institutionId: string
  readonly recordKey: string
  readonly learner: { readonly idHash: string; readonly identityObject: IdentityObject }
  readonly catalogueEntryId: string
  readonly creditsEarned: number
  readonly result?: string
  readonly awardedDate: string
  readonly term?: string
  readonly activityStartDate?: string
  readonly activityEndDate?: string
}

/** Row error codes (stable; the README lists them) and their messages. None quotes a value from the row. */
export const ROW_ERRORS = {
  required: { zh: '必填项为空', en: 'required and empty' },
  too_long: { zh: '内容过长', en: 'too long' },
  control_characters: { zh: '含有不可见的控制字符', en: 'holds control characters' },
  record_key_repeated: {
    zh: '记录编号在本文件中重复出现（以第一次出现为准）',
    en: 'this record key appears earlier in the file (the first one counts)',
  },
  course_unknown: { zh: '本机构的课程目录中没有该课程代码', en: "no entry with this code in the institution's catalogue" },
  course_retired: { zh: '该课程已停用', en: 'the catalogue entry is retired' },
  credits_invalid: { zh: '学分应为不小于0、最多两位小数的数字', en: 'credits must be a number of at least 0 with at most two decimals' },
  credits_exceed: { zh: '学分超过该课程的学分', en: "more credits than the catalogue entry's" },
  date_invalid: { zh: '日期应为真实存在的日期，格式YYYY-MM-DD', en: 'a date must be a real date written YYYY-MM-DD' },
  date_future: { zh: '日期晚于今天', en: 'the date is after today' },
  date_order: {
    zh: '日期顺序不对：开始日期应不晚于结束日期和授予日期',
    en: 'dates out of order: the start date must not be after the end date or the awarded date',
  },
} as const
export type RowErrorCode = keyof typeof ROW_ERRORS

const MAX = { record_key: 100, name: 100, course_code: 64, result: 100, term: 50 } as const
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/
/** A result (a teacher's comment) may run over several lines; nothing else may. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_BUT_LINE_BREAKS = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f]/
const CREDITS = /^\d{1,6}(\.\d{1,2})?$/

export interface RowContext {
  readonly institutionId: string
  readonly clock: Clock
  readonly protector: PersonalDataProtector
  /** Entries of the institution by code, looked up by the caller beforehand (null: no such code). */
  readonly entry: (code: string) => CatalogueEntryRecord | null
  /** Whether the record key was seen earlier in the file; remembers it. */
  readonly seen: (recordKey: string) => boolean
}

export type RowResult = { readonly ok: true; readonly row: ImportRow } | { readonly ok: false; readonly errors: RowError[] }

const error = (row: number, column: string, code: RowErrorCode): RowError => ({
  row,
  column,
  code,
  messageZh: ROW_ERRORS[code].zh,
  messageEn: ROW_ERRORS[code].en,
})

/** A text column's value, trimmed; undefined (and an error pushed) when it is required and empty, too long, or holds control characters. */
function text(f: SourceRow['fields'], line: number, column: keyof typeof MAX, required: boolean, errors: RowError[]): string | undefined {
  const v = (f[column] ?? '').trim()
  if (!v) {
    if (required) errors.push(error(line, column, 'required'))
    return undefined
  }
  if (v.length > MAX[column]) errors.push(error(line, column, 'too_long'))
  else if ((column === 'result' ? CONTROL_BUT_LINE_BREAKS : CONTROL).test(v)) errors.push(error(line, column, 'control_characters'))
  else return v
  return undefined
}

/** A date column's value: a real date (1900 or later) written YYYY-MM-DD, not after `today`. */
function date(
  f: SourceRow['fields'],
  line: number,
  column: 'awarded_date' | 'start_date' | 'end_date',
  required: boolean,
  today: string,
  errors: RowError[],
): string | undefined {
  const v = (f[column] ?? '').trim()
  if (!v) {
    if (required) errors.push(error(line, column, 'required'))
    return undefined
  }
  if (!isIsoDate(v, 1900)) errors.push(error(line, column, 'date_invalid'))
  else if (v > today) errors.push(error(line, column, 'date_future'))
  else return v
  return undefined
}

/** The row's record key as validation would accept it, or undefined (for rebuilding the seen keys on resume). */
export function recordKeyOf(row: SourceRow): string | undefined {
  const k = (row.fields.record_key ?? '').trim()
  return k && k.length <= MAX.record_key && !CONTROL.test(k) ? k : undefined
}

/** Validates a row; every bad column is reported once (a row with any error is rejected whole). */
export function validateRow(source: SourceRow, ctx: RowContext, today: string = chinaToday(ctx.clock())): RowResult {
  const line = source.line
  if (source.malformed)
    return {
      ok: false,
      errors: [
        {
          row: line,
          column: source.malformed.column,
          code: source.malformed.code,
          messageZh: source.malformed.zh,
          messageEn: source.malformed.en,
        },
      ],
    }
  const f = source.fields
  const errors: RowError[] = []

  const recordKey = text(f, line, 'record_key', true, errors)
  if (recordKey !== undefined && ctx.seen(recordKey)) errors.push(error(line, 'record_key', 'record_key_repeated'))

  const rawId = (f.id_number ?? '').trim()
  let learner: ImportRow['learner'] | undefined
  if (!rawId) errors.push(error(line, 'id_number', 'required'))
  else {
    const parsed = parseResidentId(rawId, ctx.clock)
    if (!parsed.ok) {
      const m = RESIDENT_ID_MESSAGES[parsed.code]
      errors.push({ row: line, column: 'id_number', code: parsed.code, messageZh: m.zh, messageEn: m.en })
    } else learner = { idHash: ctx.protector.idNumberHash(parsed.id), identityObject: residentIdIdentityObject(parsed.id) }
  }

  text(f, line, 'name', true, errors)

  const code = text(f, line, 'course_code', true, errors)
  const entry = code === undefined ? undefined : ctx.entry(code)
  if (entry === null) errors.push(error(line, 'course_code', 'course_unknown'))
  else if (entry?.status === 'retired') errors.push(error(line, 'course_code', 'course_retired'))

  const rawCredits = (f.credits ?? '').trim()
  let credits: number | undefined
  if (!rawCredits) errors.push(error(line, 'credits', 'required'))
  else if (!CREDITS.test(rawCredits)) errors.push(error(line, 'credits', 'credits_invalid'))
  else {
    const centi = Math.round(Number(rawCredits) * 100)
    if (entry && centi > entry.creditsCenti) errors.push(error(line, 'credits', 'credits_exceed'))
    else credits = centi / 100
  }

  const result = text(f, line, 'result', false, errors)
  const term = text(f, line, 'term', false, errors)
  const awarded = date(f, line, 'awarded_date', true, today, errors)
  const start = date(f, line, 'start_date', false, today, errors)
  const end = date(f, line, 'end_date', false, today, errors)
  if (start !== undefined && ((end !== undefined && start > end) || (awarded !== undefined && start > awarded)))
    errors.push(error(line, 'start_date', 'date_order'))

  if (errors.length || !recordKey || !learner || !entry || credits === undefined || !awarded) return { ok: false, errors }
  return {
    ok: true,
    row: {
      institutionId: ctx.institutionId,
      recordKey,
      learner,
      catalogueEntryId: entry.id,
      creditsEarned: credits,
      awardedDate: awarded,
      ...(result !== undefined ? { result } : {}),
      ...(term !== undefined ? { term } : {}),
      ...(start !== undefined ? { activityStartDate: start } : {}),
      ...(end !== undefined ? { activityEndDate: end } : {}),
    },
  }
}

/**
 * The record keys seen so far in one file, kept as 64-bit hashes in an open-addressing table: 16 bytes per row at
 * most (16 MB per million rows) instead of a string set's ~80. Two different keys share a hash with probability about
 * n²/2⁶⁵ (3·10⁻⁸ for a million rows); such a row would be reported as repeated, never imported twice.
 */
export class RecordKeySet {
  private hi = new Uint32Array(1 << 12)
  private lo = new Uint32Array(1 << 12)
  private size = 0

  /** Adds the key; true when it was already there. */
  addSeen(key: string): boolean {
    let h1 = 0x811c9dc5
    let h2 = 0x01000193 ^ key.length
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i)
      h1 = Math.imul(h1 ^ c, 0x01000193)
      h2 = Math.imul(h2 ^ c, 0x5bd1e995)
      h2 ^= h2 >>> 15
    }
    h1 = (h1 ^ (h1 >>> 16)) >>> 0
    h2 = (h2 ^ (h2 >>> 13)) >>> 0
    if (h1 === 0 && h2 === 0) h2 = 1
    if ((this.size + 1) * 2 > this.hi.length) this.grow()
    return this.insert(h1, h2)
  }

  private insert(h1: number, h2: number): boolean {
    const mask = this.hi.length - 1
    for (let i = (h1 ^ Math.imul(h2, 0x9e3779b1)) & mask; ; i = (i + 1) & mask) {
      if (this.hi[i] === 0 && this.lo[i] === 0) {
        this.hi[i] = h1
        this.lo[i] = h2
        this.size++
        return false
      }
      if (this.hi[i] === h1 && this.lo[i] === h2) return true
    }
  }

  private grow(): void {
    const [hi, lo] = [this.hi, this.lo]
    this.hi = new Uint32Array(hi.length * 2)
    this.lo = new Uint32Array(lo.length * 2)
    this.size = 0
    for (let i = 0; i < hi.length; i++) if (hi[i] !== 0 || lo[i] !== 0) this.insert(hi[i]!, lo[i]!)
  }
}
