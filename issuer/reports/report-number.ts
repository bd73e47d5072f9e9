// Report numbers (报告编号) a person can type and read over the phone: `CB-XXXX-XXXX-XXXX-XXXX` in Crockford base32 (no
// I, L, O, U), 15 random characters (75 bits) and one check character computed with the Damm algorithm over the
// quasigroup x∘y = c·x ⊕ y of GF(2^5). That quasigroup is totally antisymmetric (c ≠ 0, 1), so the check character
// catches every single substitution and every swap of two neighbours, without asking the database.
import { randomBytes } from 'node:crypto'

/** Crockford's base32 alphabet: a character's value is its position. */
export const CROCKFORD_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
/** Random characters in a number (75 bits, above the 60 the issue asks for). */
export const RANDOM_CHARACTERS = 15
export const REPORT_NUMBER_PATTERN = '^CB-[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$'

const VALUE = new Map([...CROCKFORD_ALPHABET].map((ch, i) => [ch, i]))
/** Crockford's decoding of look-alikes: O reads as 0, I and L as 1. */
const LOOK_ALIKES: Readonly<Record<string, string>> = { O: '0', I: '1', L: '1' }
/** x^5 + x^2 + 1, irreducible over GF(2): GF(2^5) is GF(2)[x] modulo it. */
const MODULUS = 0b100101
/** The multiplier c of the quasigroup: x (2), neither 0 nor 1. */
const C = 2

/** Multiplication in GF(2^5). */
function gfMultiply(a: number, b: number): number {
  let product = 0
  for (let i = 0; i < 5; i++) if ((b >> i) & 1) product ^= a << i
  for (let bit = 8; bit >= 5; bit--) if ((product >> bit) & 1) product ^= MODULUS << (bit - 5)
  return product
}

/** The Damm quasigroup's table, row x, column y: c·x ⊕ y. */
const TABLE: readonly (readonly number[])[] = Array.from({ length: 32 }, (_, x) =>
  Array.from({ length: 32 }, (_, y) => gfMultiply(C, x) ^ y),
)

/** The Damm interim value after `values`. */
function damm(values: readonly number[]): number {
  let interim = 0
  for (const v of values) interim = TABLE[interim]![v]!
  return interim
}

/** The check character of `body` (Crockford characters): the one that brings the Damm interim back to 0. */
export function checkCharacter(body: string): string {
  const values = [...body].map((ch) => {
    const v = VALUE.get(ch)
    if (v === undefined) throw new TypeError(`${ch} is not a Crockford base32 character`)
    return v
  })
  // TABLE[i][k] = c·i ⊕ k is 0 for k = c·i.
  return CROCKFORD_ALPHABET[gfMultiply(C, damm(values))]!
}

/** Whether 16 Crockford characters end with their body's check character. */
export function checkCharacterMatches(sixteen: string): boolean {
  const values = [...sixteen].map((ch) => VALUE.get(ch))
  return values.every((v) => v !== undefined) && damm(values as number[]) === 0
}

/** Groups 16 characters as the printed number: CB-XXXX-XXXX-XXXX-XXXX. */
export const formatReportNumber = (sixteen: string): string => `CB-${sixteen.match(/.{4}/g)!.join('-')}`

/** A new report number from 75 random bits (`random` is for tests). */
export function newReportNumber(random: (n: number) => Buffer = randomBytes): string {
  const bytes = random(RANDOM_CHARACTERS)
  let body = ''
  for (let i = 0; i < RANDOM_CHARACTERS; i++) body += CROCKFORD_ALPHABET[bytes[i]! & 31]
  return formatReportNumber(body + checkCharacter(body))
}

export type ParsedReportNumber =
  | { readonly ok: true; readonly number: string }
  | { readonly ok: false; readonly code: 'report_number_malformed' | 'report_number_mistyped' }

/**
 * Reads a number as a person typed it: any case, with or without the CB prefix, dashes and spaces; O read as 0, I and L
 * as 1. Malformed: not 16 Crockford characters (a U, a missing or extra character). Mistyped: the check character
 * disagrees (one character changed, two neighbours swapped). Either way no database is asked.
 */
export function parseReportNumber(input: string): ParsedReportNumber {
  let text = input.toUpperCase().replace(/[\s-]/g, '')
  if (text.length === 18 && text.startsWith('CB')) text = text.slice(2)
  text = [...text].map((ch) => LOOK_ALIKES[ch] ?? ch).join('')
  if (text.length !== 16 || ![...text].every((ch) => VALUE.has(ch))) return { ok: false, code: 'report_number_malformed' }
  if (!checkCharacterMatches(text)) return { ok: false, code: 'report_number_mistyped' }
  return { ok: true, number: formatReportNumber(text) }
}
