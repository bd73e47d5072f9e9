// Resident identity numbers (公民身份号码, GB 11643-1999): validation, the check character, masking.
// A parsed number is a ResidentId whose JSON, string and inspected forms are masked, so logging one cannot leak it.
import { inspect } from 'node:util'
import { chinaToday, isCalendarDay } from '../calendar.ts'
import type { Clock } from '../clock.ts'
import { AppError } from '../errors.ts'

/** Why a string is not a resident identity number: stable codes (also AppError codes, `core/errors.ts`). */
export type ResidentIdErrorCode = 'id_number_format' | 'id_number_checksum' | 'id_number_region' | 'id_number_birth_date'

export interface LocalizedMessage {
  readonly zh: string
  readonly en: string
}

/** The message for each code. None of them ever quotes the number. */
export const RESIDENT_ID_MESSAGES: Readonly<Record<ResidentIdErrorCode, LocalizedMessage>> = {
  id_number_format: {
    zh: '身份证号码应为18位：17位数字加1位校验码（0-9或X）',
    en: 'a resident identity number is 18 characters: 17 digits and a check character (0-9 or X)',
  },
  id_number_checksum: {
    zh: '身份证号码校验码不符，号码可能输入有误',
    en: 'the check character of the resident identity number does not match: the number was probably mistyped',
  },
  id_number_region: {
    zh: '身份证号码前两位不是有效的省级行政区划代码',
    en: 'the first two digits of the resident identity number are not a province-level region code',
  },
  id_number_birth_date: {
    zh: '身份证号码中的出生日期（第7至14位）不是1900年1月1日至今的有效日期',
    en: 'the birth date in the resident identity number (characters 7 to 14) is not a real date from 1900-01-01 to today',
  },
}

/**
 * Province-level codes in use, the first two digits of a number (GB/T 2260 《中华人民共和国行政区划代码》, its
 * province-level table, as published by the Ministry of Civil Affairs): 11-15 North China, 21-23 North-east,
 * 31-37 East, 41-46 Central-South, 50-54 South-west, 61-65 North-west; 71 Taiwan, 81 Hong Kong, 82 Macao; and
 * 83, which the residence permits of Taiwan residents living on the mainland (港澳台居民居住证, since 2018) carry.
 * A permit of a Hong Kong or Macao resident starts with 81 or 82; all of them follow GB 11643's structure and check.
 */
export const PROVINCE_CODES: ReadonlySet<string> = new Set([
  ...['11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37'],
  ...['41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65'],
  ...['71', '81', '82', '83'],
])

/**
 * ISO/IEC 7064 MOD 11-2 (GB/T 17710) check character of a string of digits, of any length: 0-9, or X for 10.
 * GB 11643 computes it over the first 17 characters (the weights 2^(18-i) mod 11 of the standard are this recurrence).
 */
export function mod11_2CheckCharacter(digits: string): string {
  if (!/^\d+$/.test(digits)) throw new TypeError('mod11_2CheckCharacter takes a non-empty string of digits')
  let total = 0
  for (const d of digits) total = ((total + Number(d)) * 2) % 11
  const check = (12 - total) % 11
  return check === 10 ? 'X' : String(check)
}

/**
 * Masks a number for display: the first 4 and the last 4 characters kept (`3201**********123X`). Anything that is not
 * 18 characters long is masked entirely, so a malformed input is never shown either.
 */
export function maskIdNumber(idNumber: string): string {
  if (idNumber.length !== 18) return '*'.repeat(Math.min(idNumber.length, 18))
  return idNumber.slice(0, 4) + '*'.repeat(10) + idNumber.slice(14)
}

/** Set once by ResidentId's static block: only parseResidentId makes a ResidentId, so every one is valid. */
let construct: (normalized: string) => ResidentId

/** A valid resident identity number. The number itself comes only from `reveal()`; every other form is masked. */
export class ResidentId {
  readonly #number: string
  /** `3201**********123X`: what an API answer, a log line or an audit entry may show. */
  readonly masked: string
  /** The first two digits: the province-level region. */
  readonly provinceCode: string
  /** YYYY-MM-DD. */
  readonly birthDate: string

  /** Made only by parseResidentId. */
  private constructor(normalized: string) {
    this.#number = normalized
    this.masked = maskIdNumber(normalized)
    this.provinceCode = normalized.slice(0, 2)
    this.birthDate = `${normalized.slice(6, 10)}-${normalized.slice(10, 12)}-${normalized.slice(12, 14)}`
  }

  /** The normalized number (upper-case X): only for encryption, the keyed look-up hash and the identity verifier. */
  reveal(): string {
    return this.#number
  }

  toString(): string {
    return this.masked
  }

  toJSON(): string {
    return this.masked
  }

  [inspect.custom](): string {
    return `ResidentId(${this.masked})`
  }

  static {
    construct = (normalized) => new ResidentId(normalized)
  }
}

export type ResidentIdResult =
  | { readonly ok: true; readonly id: ResidentId }
  | { readonly ok: false; readonly code: ResidentIdErrorCode; readonly message: LocalizedMessage }

const fail = (code: ResidentIdErrorCode): ResidentIdResult => ({ ok: false, code, message: RESIDENT_ID_MESSAGES[code] })

/**
 * Validates a resident identity number (GB 11643-1999, 18 characters). Normalizes first: Unicode NFKC (full-width
 * digits typed with a Chinese input method become ASCII), surrounding white space removed, `x` upper-cased. Then, in
 * this order: format (17 digits and 0-9 or X), province-level region, birth date (characters 7-14 a real date, not
 * before 1900-01-01 and not after today in China Standard Time by `clock`), ISO 7064 MOD 11-2 check character.
 */
export function parseResidentId(input: string, clock: Clock): ResidentIdResult {
  if (typeof input !== 'string' || input.length > 64) return fail('id_number_format')
  const normalized = input.normalize('NFKC').trim().toUpperCase()
  if (!/^\d{17}[\dX]$/.test(normalized)) return fail('id_number_format')
  if (!PROVINCE_CODES.has(normalized.slice(0, 2))) return fail('id_number_region')
  if (!isBirthDate(normalized.slice(6, 14), clock)) return fail('id_number_birth_date')
  if (mod11_2CheckCharacter(normalized.slice(0, 17)) !== normalized[17]) return fail('id_number_checksum')
  return { ok: true, id: construct(normalized) }
}

function isBirthDate(yyyymmdd: string, clock: Clock): boolean {
  const [year, month, day] = [Number(yyyymmdd.slice(0, 4)), Number(yyyymmdd.slice(4, 6)), Number(yyyymmdd.slice(6, 8))]
  return year >= 1900 && isCalendarDay(year, month, day) && yyyymmdd <= chinaToday(clock()).replaceAll('-', '')
}

/** The 400 for a refused number, its message in both languages, `issues[0].path` the field's JSON pointer. Never quotes the number. */
export function residentIdError(code: ResidentIdErrorCode, path: string = '/idNumber'): AppError {
  const { en, zh } = RESIDENT_ID_MESSAGES[code]
  const message = `${en} (${zh})`
  return new AppError(code, message, { issues: [{ path, message }] })
}
