// The JSON a Data Integrity proof is checked against must be the JSON the checks read (DESIGN.md "What a check reads is
// what the proof covers"). The proof signs an RDF dataset, and JSON-LD can say the same dataset in many JSON shapes:
// `credentialStatus` under its full IRI, `{"@value": "revocation"}` for a string, `"@id"` for `id`, an inline context
// that gives a property a second name. Each of those hides a value from code that reads properties by name. A secured
// document is therefore accepted only in the compact form its allow-listed contexts produce, recognised here by its
// shape, which costs one walk over the JSON and no JSON-LD processing:
//   - every `@context` is a list of allow-listed context URLs: an inline definition could alias any term;
//   - every key is a term (no `@` keyword, no IRI or compact IRI in place of a term), so the only names that reach a
//     property are the ones the contexts define; test/unit/proofs/compact-form.test.ts checks that the allow-listed
//     contexts alias no keyword but `id`/`type` and give no checked property a second name;
//   - the only value objects are language-tagged strings (`{"@value", "@language"?, "@direction"?}` with a tag or a
//     direction), which is how compaction writes them for terms without a language; a typed or bare value object is
//     the expanded form of what compaction writes as a plain value.
// A single value where the context allows an array, member order and any mix of allow-listed contexts stay accepted.
import { isPlainObject } from '../json.ts'

export interface CompactFormProblem {
  /** `unknown_context` for a context URL outside the allow-list, `jsonld_not_compact` for everything else. */
  readonly code: 'unknown_context' | 'jsonld_not_compact'
  /** JSON pointer of the offending member. */
  readonly path: string
  readonly message: string
}

const LANGUAGE_VALUE_KEYS = new Set(['@value', '@language', '@direction'])

/**
 * The first place where `document` departs from the compact form of its contexts, or undefined when it is in
 * compact form. `allowedContexts` are the context URLs that may appear (the bundled ones). Iterative, so deep
 * nesting cannot overflow the stack; the caller caps the size beforehand.
 */
export function findNonCompactForm(document: unknown, allowedContexts: ReadonlySet<string>): CompactFormProblem | undefined {
  const stack: [unknown, string][] = [[document, '']]
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [value, path] = next
    if (Array.isArray(value)) {
      value.forEach((item, i) => stack.push([item, `${path}/${i}`]))
      continue
    }
    if (!isPlainObject(value)) continue
    if ('@value' in value) {
      const problem = languageValueProblem(value)
      if (problem) return { code: 'jsonld_not_compact', path, message: problem }
      continue
    }
    for (const [key, child] of Object.entries(value)) {
      const at = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`
      if (key === '@context') {
        const problem = contextProblem(child, allowedContexts)
        if (problem) return { path: at, ...problem }
        continue
      }
      if (key.startsWith('@'))
        return {
          code: 'jsonld_not_compact',
          path: at,
          message: `the keyword ${key} is not used in compact form: write the term its context defines (e.g. "id", "type")`,
        }
      if (key.includes(':'))
        return {
          code: 'jsonld_not_compact',
          path: at,
          message: `"${key}" is an IRI where compact form has a term; write the property by its term name`,
        }
      stack.push([child, at])
    }
  }
  return undefined
}

function contextProblem(value: unknown, allowed: ReadonlySet<string>): Omit<CompactFormProblem, 'path'> | undefined {
  const items = Array.isArray(value) ? value : [value]
  if (items.length === 0) return { code: 'jsonld_not_compact', message: 'an empty @context defines no terms' }
  for (const item of items) {
    if (typeof item !== 'string') {
      return {
        code: 'jsonld_not_compact',
        message:
          'inline context definitions are not accepted in a secured document: they can rename a signed property without changing the signature',
      }
    }
    if (!allowed.has(item))
      return { code: 'unknown_context', message: `JSON-LD context ${JSON.stringify(item)} is not bundled; contexts are never fetched` }
  }
  return undefined
}

function languageValueProblem(value: Record<string, unknown>): string | undefined {
  if (Object.keys(value).some((k) => !LANGUAGE_VALUE_KEYS.has(k)) || typeof value['@value'] !== 'string') {
    return 'a value object is the expanded form of a plain value; compact form writes the value itself'
  }
  if (value['@language'] === undefined && value['@direction'] === undefined) {
    return 'a value object without @language or @direction is written as the plain string in compact form'
  }
  return undefined
}
