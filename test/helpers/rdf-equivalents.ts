// Re-expresses a signed JSON-LD document in JSON shapes a JSON-LD processor reads as the same RDF dataset (issue 5 items 1, 2).
// A Data Integrity proof signs the dataset, not the JSON, so every such shape still carries a valid proof. Candidates are
// made blindly (full IRIs as keys, value objects, "@id"/"@type" for id/type, arrays added or removed, aliases in inline
// or nested contexts, a node split in two, key order, allow-listed contexts repeated) at every depth, the proof's members
// included; only those whose canonical N-Quads (RDFC-1.0, without the proofs) and whose proof options' canonical
// N-Quads equal the original's are kept, so each kept variant is RDF-equivalent by construction, not by assumption.
import { isDeepStrictEqual } from 'node:util'
import jsonld from 'jsonld'
import { offlineDocumentLoader } from '../../core/credentials/document-loader.ts'
import { isPlainObject } from '../../core/json.ts'

export type Json = Record<string, unknown>
type Path = readonly (string | number)[]

export interface RdfVariant {
  /** What was rewritten, and where, e.g. `iri-key+value-object /validUntil`. */
  readonly label: string
  /**
   * The rewrite is one a conforming issuer may produce and a verifier must accept (key order, a single value for a
   * one-element array, an allow-listed context repeated); every other variant is a shape the bank's compact-form rule
   * refuses.
   */
  readonly conforming: boolean
  readonly document: Json
}

export interface RdfEquivalents {
  /** Candidates generated (after removing duplicates). */
  readonly candidates: number
  /** The RDF-equivalent ones, in generation order. */
  readonly variants: RdfVariant[]
}

type Coercion = { kind: 'id' } | { kind: 'typed'; datatype: string } | { kind: 'plain' } | { kind: 'language' }

interface TermInfo {
  readonly iri: string
  readonly coercion: Coercion
}

/** A JSON object the JSON-LD processor reads as a node, with what its contexts make of each of its keys. */
interface NodeInfo {
  readonly path: Path
  readonly terms: ReadonlyMap<string, TermInfo>
  /** The expanded IRIs of its `type` values, in order, when known. */
  readonly types: readonly string[]
}

export interface RdfEquivalentsOptions {
  /** Context URLs that may be added at the root (the bundled ones); default: those the document names. */
  readonly allowedContexts?: readonly string[]
  /**
   * Sampling, for documents with many nodes: candidates whose JSON pointer `focus` accepts are all tried; of the
   * others, one in `sampleEvery` (in generation order, so every kind of rewrite still occurs). Default: all.
   */
  readonly focus?: (pointer: string) => boolean
  readonly sampleEvery?: number
}

interface Candidate {
  /** Kind of rewrite, then the JSON pointer of the node or member rewritten (none for whole-document rewrites). */
  readonly label: string
  readonly conforming: boolean
  readonly apply: (doc: Json) => void
}

const MARKER = 'urn:x-rdf-equivalents:'
const LOADER = offlineDocumentLoader

/** The RDF-equivalent re-expressions of `document` (a signed credential or presentation), see {@link RdfEquivalentsOptions}. */
export async function rdfEquivalents(document: Json, opts: RdfEquivalentsOptions = {}): Promise<RdfEquivalents> {
  const original = await canonicalForm(document)
  if (original === undefined) throw new Error('the original document cannot be canonicalized')
  const nodes = await analyse(document)
  const rootContexts = contextUrls(document['@context'])
  const all = [...candidatesFor(nodes, rootContexts, opts.allowedContexts ?? rootContexts), ...combined(nodes)]
  const every = opts.sampleEvery ?? 1
  let outside = 0
  const candidates = all.filter((c) => {
    const where = pointerOf(c.label)
    return where === undefined || (opts.focus?.(where) ?? true) || outside++ % every === 0
  })
  const seen = new Set<string>([JSON.stringify(document)])
  const variants: RdfVariant[] = []
  let generated = 0
  for (const candidate of candidates) {
    const variant = structuredClone(document)
    try {
      candidate.apply(variant)
    } catch {
      continue // the rewrite does not apply to this shape (a path an earlier rename moved)
    }
    const key = JSON.stringify(variant)
    if (seen.has(key)) continue
    seen.add(key)
    generated++
    const form = await canonicalForm(variant, original, document)
    if (form !== undefined && form.document === original.document && isDeepStrictEqual(form.proofs, original.proofs)) {
      variants.push({ label: candidate.label, conforming: candidate.conforming, document: variant })
    }
  }
  return { candidates: generated, variants }
}

interface CanonicalForm {
  readonly document: string
  readonly proofs: readonly string[]
}

const canonize = (input: object): Promise<string> =>
  jsonld.canonize(input, { algorithm: 'RDFC-1.0', format: 'application/n-quads', documentLoader: LOADER, safe: true })

/**
 * What an eddsa-rdfc-2022 proof signs, as text: the document without `proof`, and each proof without `proofValue`
 * under the document's `@context`. Undefined when a JSON-LD processor refuses the document (safe mode).
 * Proof options unchanged from `base` (same proof, same context) reuse `reuse`'s canonical form.
 */
async function canonicalForm(document: Json, reuse?: CanonicalForm, base?: Json): Promise<CanonicalForm | undefined> {
  const { proof, ...unsecured } = document
  try {
    const text = await canonize(unsecured)
    if (reuse && base && isDeepStrictEqual(proof, base.proof) && isDeepStrictEqual(document['@context'], base['@context'])) {
      return { document: text, proofs: reuse.proofs }
    }
    const proofs: string[] = []
    for (const p of proof === undefined ? [] : Array.isArray(proof) ? proof : [proof]) {
      if (!isPlainObject(p)) return undefined
      const { proofValue: _value, ...options } = p
      proofs.push(await canonize({ ...options, '@context': document['@context'] }))
    }
    return { document: text, proofs }
  } catch {
    return undefined
  }
}

/**
 * For every node object of the document, what its contexts make of its keys. Each node is probed once: its members
 * (but `id`, `type`, `@context`) are replaced by marker IRIs, the document is expanded, and where each marker lands
 * gives the key's IRI and how its values are coerced ({"@id"}, a typed literal, a plain one).
 */
async function analyse(document: Json): Promise<NodeInfo[]> {
  const nodes: NodeInfo[] = []
  for (const path of nodePaths(document)) {
    const probe = structuredClone(document)
    const node = at(probe, path) as Json
    const markers = new Map<string, string>()
    for (const key of Object.keys(node)) {
      if (key === '@context' || key === 'id' || key === 'type' || key.startsWith('@')) continue
      const marker = `${MARKER}${markers.size}`
      markers.set(marker, key)
      node[key] = marker
    }
    const terms = new Map<string, TermInfo>()
    let types: string[] = []
    if (markers.size) {
      let expanded: unknown
      try {
        expanded = await jsonld.expand(probe, { documentLoader: LOADER, safe: false })
      } catch {
        continue
      }
      findMarkers(expanded, undefined, undefined, (marker, iri, valueObject, owner) => {
        const key = markers.get(marker)
        if (key === undefined) return
        terms.set(key, { iri, coercion: coercionOf(valueObject) })
        if (Array.isArray(owner['@type'])) types = owner['@type'].filter((t): t is string => typeof t === 'string')
      })
    }
    nodes.push({ path, terms, types })
  }
  return nodes
}

function coercionOf(valueObject: Json): Coercion {
  if ('@id' in valueObject) return { kind: 'id' }
  if (typeof valueObject['@type'] === 'string') return { kind: 'typed', datatype: valueObject['@type'] }
  if ('@language' in valueObject) return { kind: 'language' }
  return { kind: 'plain' }
}

/** Calls `found` for each marker value in expanded JSON-LD, with the property IRI it sits under and its node. */
function findMarkers(
  value: unknown,
  property: string | undefined,
  owner: Json | undefined,
  found: (marker: string, iri: string, valueObject: Json, owner: Json) => void,
): void {
  if (Array.isArray(value)) {
    for (const item of value) findMarkers(item, property, owner, found)
    return
  }
  if (!isPlainObject(value)) return
  const marker = typeof value['@id'] === 'string' ? value['@id'] : typeof value['@value'] === 'string' ? value['@value'] : undefined
  if (marker?.startsWith(MARKER) && property !== undefined && owner !== undefined && Object.keys(value).every((k) => k.startsWith('@'))) {
    found(marker, property, value, owner)
    return
  }
  for (const [key, child] of Object.entries(value)) {
    if (key === '@graph' || key === '@list' || key === '@set' || key === '@included') findMarkers(child, property, owner, found)
    else if (!key.startsWith('@')) findMarkers(child, key, value, found)
  }
}

/** Paths of every JSON object that is a node (not a value object, not inside `@context`). */
function nodePaths(document: Json): Path[] {
  const paths: Path[] = []
  const walk = (value: unknown, path: Path): void => {
    if (Array.isArray(value)) return value.forEach((item, i) => walk(item, [...path, i]))
    if (!isPlainObject(value) || '@value' in value) return
    paths.push(path)
    for (const [key, child] of Object.entries(value)) if (key !== '@context') walk(child, [...path, key])
  }
  walk(document, [])
  return paths
}

function* candidatesFor(
  nodes: readonly NodeInfo[],
  rootContexts: readonly string[],
  allowedContexts: readonly string[],
): Generator<Candidate> {
  for (const node of nodes) {
    const { path } = node
    const where = pointer(path)
    yield { label: `reversed-keys ${where}`, conforming: true, apply: (doc) => reorder(at(doc, path) as Json, (keys) => keys.reverse()) }
    yield* memberCandidates(node)
    // An allow-listed context repeated on a nested node, or added at the root.
    if (path.length) {
      for (const url of rootContexts)
        yield {
          label: `nested-context ${url} ${where}`,
          conforming: false,
          apply: (doc) => prepend(at(doc, path) as Json, '@context', url),
        }
    } else {
      for (const url of allowedContexts) {
        yield {
          label: `context-appended ${url}`,
          conforming: true,
          apply: (doc) => void (doc['@context'] = [...contextUrls(doc['@context']), url]),
        }
      }
    }
  }
}

function* memberCandidates(node: NodeInfo): Generator<Candidate> {
  const { path } = node
  for (const [key, term] of node.terms) {
    const where = pointer([...path, key])
    const get = (doc: Json) => at(doc, path) as Json
    yield { label: `iri-key ${where}`, conforming: false, apply: (doc) => rename(get(doc), key, term.iri) }
    if (term.coercion.kind !== 'language') {
      yield {
        label: `value-object ${where}`,
        conforming: false,
        apply: (doc) => void (get(doc)[key] = valueObjects(get(doc)[key], term.coercion)),
      }
      yield {
        label: `iri-key+value-object ${where}`,
        conforming: false,
        apply: (doc) => {
          get(doc)[key] = valueObjects(get(doc)[key], term.coercion)
          rename(get(doc), key, term.iri)
        },
      }
    }
    const alias = `hidden${key.charAt(0).toUpperCase()}${key.slice(1)}`
    const definition = aliasDefinition(term)
    yield {
      label: `alias-in-root-context ${where}`,
      conforming: false,
      apply: (doc) => {
        doc['@context'] = [...asArray(doc['@context']), { [alias]: definition }]
        rename(get(doc), key, alias)
      },
    }
    if (path.length) {
      yield {
        label: `alias-in-nested-context ${where}`,
        conforming: false,
        apply: (doc) => {
          prepend(get(doc), '@context', { [alias]: definition })
          rename(get(doc), key, alias)
        },
      }
    }
  }
  yield* structuralCandidates(node)
}

/** Rewrites that need no term information: id/type as keywords, type values as IRIs, arrays, split nodes. */
function* structuralCandidates(node: NodeInfo): Generator<Candidate> {
  const { path } = node
  const get = (doc: Json) => at(doc, path) as Json
  const where = pointer(path)
  yield { label: `@id-for-id ${where}`, conforming: false, apply: (doc) => rename(get(doc), 'id', '@id', true) }
  yield { label: `@type-for-type ${where}`, conforming: false, apply: (doc) => rename(get(doc), 'type', '@type', true) }
  if (node.types.length) {
    yield {
      label: `type-values-as-iris ${where}`,
      conforming: false,
      apply: (doc) => {
        const values = asArray(get(doc).type)
        if (values.length !== node.types.length) throw new Error('types moved')
        get(doc).type = Array.isArray(get(doc).type) ? [...node.types] : node.types[0]
      },
    }
  }
  for (const key of ['id', 'type', ...node.terms.keys()]) {
    const member = pointer([...path, key])
    // A single value where the context allows an array is what conforming issuers write; an array for a single value is not.
    yield {
      label: `array-unwrapped ${member}`,
      conforming: true,
      apply: (doc) => {
        const value = get(doc)[key]
        if (!Array.isArray(value) || value.length !== 1) throw new Error('not a one-element array')
        get(doc)[key] = value[0]
      },
    }
    yield {
      label: `array-wrapped ${member}`,
      conforming: false,
      apply: (doc) => {
        const value = get(doc)[key]
        if (value === undefined || Array.isArray(value)) throw new Error('not a single value')
        get(doc)[key] = [value]
      },
    }
    // The same node written as two objects with one id: the dataset is the union, so it is unchanged.
    yield {
      label: `node-split ${member}`,
      conforming: false,
      apply: (doc) => {
        const value = get(doc)[key]
        const items = asArray(value)
        const i = items.findIndex((item) => isPlainObject(item) && typeof item.id === 'string' && Object.keys(item).length > 2)
        if (i < 0) throw new Error('no node with an id to split')
        const { id, ...members } = items[i] as Json
        const entries = Object.entries(members)
        const half = Math.ceil(entries.length / 2)
        items.splice(i, 1, { id, ...Object.fromEntries(entries.slice(0, half)) }, { id, ...Object.fromEntries(entries.slice(half)) })
        get(doc)[key] = items
      },
    }
    yield {
      label: `duplicated ${member}`,
      conforming: false,
      apply: (doc) => {
        const items = asArray(get(doc)[key])
        if (!items.length) throw new Error('nothing to duplicate')
        get(doc)[key] = [...items, structuredClone(items[items.length - 1])]
      },
    }
  }
}

/** A few rewrites at once, deepest nodes first so that a renamed parent does not move a child's path. */
function* combined(nodes: readonly NodeInfo[]): Generator<Candidate> {
  const deepestFirst = [...nodes].sort((a, b) => b.path.length - a.path.length)
  const everywhere = (label: string, rewrite: (node: Json, info: NodeInfo) => void): Candidate => ({
    label,
    conforming: false,
    apply: (doc) => {
      for (const info of deepestFirst) rewrite(at(doc, info.path) as Json, info)
    },
  })
  yield everywhere('everything-as-iri-keys-and-value-objects', (node, info) => {
    for (const [key, term] of info.terms) {
      if (term.coercion.kind !== 'language') node[key] = valueObjects(node[key], term.coercion)
      rename(node, key, term.iri)
    }
    rename(node, 'id', '@id', true)
    rename(node, 'type', '@type', true)
  })
  yield everywhere('everything-keywords-for-id-and-type', (node) => {
    rename(node, 'id', '@id', true)
    rename(node, 'type', '@type', true)
  })
  yield everywhere('everything-reversed-keys', (node) => reorder(node, (keys) => keys.reverse()))
}

function valueObjects(value: unknown, coercion: Coercion): unknown {
  if (Array.isArray(value)) return value.map((v) => valueObjects(v, coercion))
  if (value === null || typeof value === 'object') return value
  if (coercion.kind === 'id') return { '@id': value }
  if (coercion.kind === 'typed') return { '@value': value, '@type': coercion.datatype }
  return { '@value': value }
}

function aliasDefinition(term: TermInfo): unknown {
  if (term.coercion.kind === 'id') return { '@id': term.iri, '@type': '@id' }
  if (term.coercion.kind === 'typed') return { '@id': term.iri, '@type': term.coercion.datatype }
  return term.iri
}

/** Renames `from` to `to` keeping the member's position; throws when absent unless `optional`. */
function rename(node: Json, from: string, to: string, optional = false): void {
  if (!(from in node)) {
    if (optional) return
    throw new Error(`no member ${from}`)
  }
  reorder(
    node,
    (keys) => keys,
    (key) => (key === from ? to : key),
  )
}

function reorder(node: Json, order: (keys: string[]) => string[], name: (key: string) => string = (k) => k): void {
  const entries = order(Object.keys(node)).map((key) => [name(key), node[key]] as const)
  for (const key of Object.keys(node)) delete node[key]
  for (const [key, value] of entries) node[key] = value
}

function prepend(node: Json, key: string, value: unknown): void {
  const entries = Object.entries(node)
  for (const k of Object.keys(node)) delete node[k]
  node[key] = value
  for (const [k, v] of entries) if (k !== key) node[k] = v
}

function at(doc: unknown, path: Path): unknown {
  let value = doc
  for (const step of path) {
    if (value === null || typeof value !== 'object') throw new Error(`no value at ${pointer(path)}`)
    value = (value as Record<string | number, unknown>)[step]
  }
  if (value === undefined) throw new Error(`no value at ${pointer(path)}`)
  return value
}

function asArray(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? [...value] : [value]
}

function contextUrls(context: unknown): string[] {
  return asArray(context).filter((c): c is string => typeof c === 'string')
}

function pointerOf(label: string): string | undefined {
  const last = label.slice(label.lastIndexOf(' ') + 1)
  return last.startsWith('/') ? last : undefined
}

function pointer(path: Path): string {
  return path.map((p) => `/${String(p)}`).join('') || '/'
}
