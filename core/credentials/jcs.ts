// RFC 8785 JSON Canonicalization Scheme: one byte string per JSON value, so a digest of a JSON credential does not
// depend on how it was spaced or ordered. Browser-safe.

/** Characters JSON.stringify writes as they are (no quote, backslash, control character or surrogate to escape). */
// eslint-disable-next-line no-control-regex -- control characters are what JSON escapes
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/

/** A string as JSON.stringify writes it, without calling it for the common string that needs no escape. */
const quote = (s: string): string => (PLAIN.test(s) ? `"${s}"` : JSON.stringify(s))

/**
 * The canonical form of a JSON value: object members sorted by their names' UTF-16 code units, no whitespace,
 * strings and numbers as ECMAScript's JSON.stringify writes them (RFC 8785 §3.2.2 defers to it).
 * @throws TypeError for values JSON cannot hold (non-finite numbers, functions, bigints).
 */
export function canonicalJson(value: unknown): string {
  if (typeof value === 'string') return quote(value)
  // Strings built by appending: an audit entry can list thousands of members (no intermediate arrays to collect).
  if (Array.isArray(value)) {
    let out = '['
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonicalJson(value[i])
    return `${out}]`
  }
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>
    let out = '{'
    // Array.prototype.sort without a comparator compares UTF-16 code units, which is the order §3.2.3 asks for.
    for (const k of Object.keys(object).sort()) {
      const member = object[k]
      if (member !== undefined) out += (out.length > 1 ? ',' : '') + quote(k) + ':' + canonicalJson(member)
    }
    return `${out}}`
  }
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean' || value === null) return JSON.stringify(value)
  throw new TypeError(`JSON cannot hold ${typeof value === 'number' ? String(value) : `a ${typeof value}`}`)
}
