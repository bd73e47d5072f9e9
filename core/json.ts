// Small predicates over parsed JSON, shared by every module that reads untrusted JSON. Browser-safe.

/** A plain JSON object, as `JSON.parse` makes them: not an array, not a class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** Counts the values (objects, arrays, scalars) in a JSON document, stopping once it passes `limit`. */
export function countJsonNodes(root: unknown, limit: number): number {
  let count = 0
  const stack: unknown[] = [root]
  while (stack.length && count <= limit) {
    const value = stack.pop()
    count++
    if (Array.isArray(value)) stack.push(...value)
    else if (value !== null && typeof value === 'object') stack.push(...Object.values(value))
  }
  return count
}

/** JSON-LD lets `type` (and other members) be one value or an array of them: always the array. */
export const asArray = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : [value])

/** Freezes a parsed JSON value and everything in it, so no caller can change a document shared by others. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}
