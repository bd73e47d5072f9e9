// JSON Schema (2020-12) with ajv, the one way bodies, queries and documents are validated: our formats (URLs and
// dates as VC Data Model 2.0 reads them), our `x-issue` messages, and ajv's errors turned into `Issue`s. Browser-safe.
import Ajv2020Module from 'ajv/dist/2020.js'
import type { ErrorObject } from 'ajv/dist/2020.js'
import { fullFormats } from 'ajv-formats/dist/formats.js'
import type { Issue } from './errors.ts'

export type Ajv = Ajv2020Module.default

/**
 * An ajv instance with our formats and keywords. `x-issue` on a schema node replaces ajv's message for errors at that
 * node; `x-error-code` names the error code a request failing there gets (e.g. unknown_option_provided).
 */
export function createAjv(): Ajv {
  const instance = new Ajv2020Module.default({
    allErrors: true,
    verbose: true, // gives each error its parentSchema, where our `x-issue` messages live
    strict: true,
    strictRequired: false, // `anyOf: [{required: [id]}, {required: [identifier]}]` is intended
    strictTuples: false, // `prefixItems` pins only the first @context item
    allowUnionTypes: true, // a credential is a JWT string or a JSON object
  })
  instance.addKeyword({ keyword: 'x-issue', schemaType: 'string' })
  instance.addKeyword({ keyword: 'x-error-code', schemaType: 'string' })
  // Our own definitions, narrower than RFC 3339/3986 where VCDM is: the schemas stay portable.
  instance.addFormat('uri', { type: 'string', validate: (s: string) => isUrl(s) })
  instance.addFormat('date-time', { type: 'string', validate: (s: string) => isDateTimeStamp(s) })
  return instance
}

const uriFormat = fullFormats.uri as (value: string) => boolean

// DID syntax (DID Core §3.1): did:<method>:<method-specific-id>, then an optional path, query or fragment.
const DID_URL = /^did:[a-z0-9]+:(?:(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})*:)*(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})+(?:[/?#][^\s]*)?$/

/**
 * Whether `value` is a URL in the VC Data Model sense: an absolute URI with a scheme (RFC 3986),
 * e.g. `https://…`, `did:web:…`, `urn:uuid:…`, `data:…`. `http(s)` URLs must have a host and DIDs
 * must follow DID syntax.
 */
export function isUrl(value: unknown): value is string {
  if (typeof value !== 'string' || !uriFormat(value)) return false
  const scheme = value.slice(0, value.indexOf(':')).toLowerCase()
  if (scheme === 'http' || scheme === 'https') return URL.canParse(value) && new URL(value).host !== ''
  if (scheme === 'did') return DID_URL.test(value)
  return true
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|([+-])(\d{2}):(\d{2}))?$/

/**
 * Parses an XSD dateTime (`2025-01-31T09:00:00Z`, `2025-01-31T17:00:00.5+08:00`) to epoch
 * milliseconds, or `undefined` if it is not one. `requireTimezone` makes it an XSD dateTimeStamp,
 * which is what VCDM 2.0 `validFrom`/`validUntil` must be (§4.9). A value without a timezone is read
 * as UTC. Stricter than XSD in two rare corners: years are four digits and `24:00:00` is refused.
 */
export function parseXsdDateTime(value: unknown, requireTimezone: boolean): number | undefined {
  if (typeof value !== 'string') return undefined
  const m = DATE_TIME.exec(value)
  if (!m) return undefined
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  if (m[8] === undefined && requireTimezone) return undefined
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined
  if (hour > 23 || minute > 59 || second > 59) return undefined
  let offsetMinutes = 0
  if (m[9] !== undefined) {
    const oh = Number(m[10])
    const om = Number(m[11])
    if (oh > 14 || om > 59 || (oh === 14 && om !== 0)) return undefined
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om)
  }
  const millis = m[7] === undefined ? 0 : Math.floor(Number(`0${m[7]}`) * 1000)
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000
}

/** Whether `value` is an XSD dateTimeStamp (a date-time with a timezone). */
export function isDateTimeStamp(value: unknown): value is string {
  return parseXsdDateTime(value, true) !== undefined
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

// ---- schema parts shared by routes --------------------------------------------------------

/** A string of 1 to `max` characters that is not blank. */
export const nonBlankText = (max: number) => ({ type: 'string', minLength: 1, maxLength: max, pattern: '\\S' }) as const

/** A zh/en pair, as names and descriptions are written (people read the bank in both languages); each member `text`. */
export const bilingual = <T>(text: T) =>
  ({ type: 'object', required: ['zh', 'en'], additionalProperties: false, properties: { zh: text, en: text } }) as const

/** A change to a zh/en pair: one member or both. */
export const bilingualChange = <T>(text: T) =>
  ({ type: 'object', additionalProperties: false, minProperties: 1, properties: { zh: text, en: text } }) as const

// ---- errors as issues ----------------------------------------------------------------------

const COMPOUND_KEYWORDS = new Set(['anyOf', 'oneOf', 'contains', 'not'])

/**
 * ajv's errors as issues, each with a JSON pointer path; a failed alternative (`anyOf`, `contains`) is one issue, not one
 * per branch.
 */
export function toIssues(errors: readonly ErrorObject[]): Issue[] {
  const compounds = errors.filter((e) => COMPOUND_KEYWORDS.has(e.keyword))
  // Branch errors of a failed alternative sit under its schema path (branches never $ref, see common.v1).
  const isBranchError = (e: ErrorObject): boolean =>
    compounds.some((c) => c !== e && e.schemaPath.startsWith(`${c.schemaPath}/`) && isAtOrBelow(e.instancePath, c.instancePath))
  const seen = new Set<string>()
  const issues: Issue[] = []
  for (const error of errors) {
    if (isBranchError(error)) continue
    const issue = toIssue(error)
    const key = `${issue.path}\n${issue.message}`
    if (seen.has(key)) continue
    seen.add(key)
    issues.push(issue)
  }
  return issues
}

function toIssue(error: ErrorObject): Issue {
  const custom = (error.parentSchema as Record<string, unknown> | undefined)?.['x-issue']
  const params = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'required':
      return { path: `${error.instancePath}/${escapePointer(String(params.missingProperty))}`, message: 'is required' }
    case 'additionalProperties':
      return { path: `${error.instancePath}/${escapePointer(String(params.additionalProperty))}`, message: 'is not allowed here' }
  }
  if (typeof custom === 'string') return { path: error.instancePath, message: custom }
  return { path: error.instancePath, message: defaultMessage(error, params) }
}

function defaultMessage(error: ErrorObject, params: Record<string, unknown>): string {
  switch (error.keyword) {
    case 'type': {
      const type = String(params.type)
      return `must be ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`
    }
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}`
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`
    case 'format':
      return params.format === 'uri'
        ? 'must be a URL (an absolute URI with a scheme, e.g. https:, did:, urn:)'
        : 'must be a date-time with a timezone (XSD dateTimeStamp), e.g. 2025-01-31T09:00:00Z'
    default:
      return error.message ?? `fails ${error.keyword}`
  }
}

/** Escapes a key for use in a JSON pointer (RFC 6901). */
export function escapePointer(key: string): string {
  // Called for every key of every document validated: skip the replacements when there is nothing to escape.
  if (!key.includes('~') && !key.includes('/')) return key
  return key.replaceAll('~', '~0').replaceAll('/', '~1')
}

function isAtOrBelow(path: string, ancestor: string): boolean {
  return path === ancestor || path.startsWith(`${ancestor}/`)
}
