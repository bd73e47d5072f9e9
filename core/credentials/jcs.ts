// RFC 8785 JSON Canonicalization Scheme: one byte string per JSON value, so a digest of a JSON credential does not
// depend on how it was spaced or ordered. Browser-safe.

/**
 * The canonical form of a JSON value: object members sorted by their names' UTF-16 code units, no whitespace,
 * strings and numbers as ECMAScript's JSON.stringify writes them (RFC 8785 §3.2.2 defers to it).
 * @throws TypeError for values JSON cannot hold (non-finite numbers, functions, bigints).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>
    // Array.prototype.sort without a comparator compares UTF-16 code units, which is the order §3.2.3 asks for.
    const members = Object.keys(object)
      .filter((k) => object[k] !== undefined)
      .sort()
    return `{${members.map((k) => `${JSON.stringify(k)}:${canonicalJson(object[k])}`).join(',')}}`
  }
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'string' || typeof value === 'boolean' || value === null)
    return JSON.stringify(value)
  throw new TypeError(`JSON cannot hold ${typeof value === 'number' ? String(value) : `a ${typeof value}`}`)
}
