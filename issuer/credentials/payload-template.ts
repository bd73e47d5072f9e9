// The JSON text of many payloads of one shape, made from one skeleton: the bank's bulk credentials (an import's chunk
// of 2,000) share their structure and most of their content (the catalogue entry's achievement, the profiles)
// and differ in a few dozen leaf values. A signing thread then gets each payload as those values instead of an object
// graph to copy across threads and serialize again: the text is the skeleton's segments around each value's JSON.
//
// A template is compiled from the first two payloads of a shape: an object that is the same object in both is fixed
// text; every other object and array is walked, and its leaves are the values. A payload fills the template only if it
// has the same structure (the same keys, array lengths and leaf types, and the very same fixed objects); its text is
// then JSON.stringify's (the same members and values; a member order the template fixed). One that does not fit is
// signed from its object as before. A fixed object is rendered when the template is compiled, just before its batch is
// signed: the bank's builders never change a shared part once built (achievement-credential.ts, SharedParts).

/** A JSON leaf: what a template's hole holds. */
export type Leaf = string | number | boolean | null

/**
 * A payload as a template's values: the template's index (in the batch's `templates`) and the leaves in the order of
 * its holes. An array, so a signing thread can tell it from a payload object (a JWT payload is never an array).
 */
export type TemplatedPayload = [template: number, ...values: Leaf[]]

export interface PayloadTemplate {
  /** The JSON text around the holes: one more segment than holes. */
  readonly segments: readonly string[]
  /** The payload as template number `index`'s values, or undefined when it does not fit the template. */
  fill(payload: object, index: number): TemplatedPayload | undefined
}

type Fill = (value: unknown, out: TemplatedPayload) => boolean

/** An object JSON.stringify writes member by member, and whose members a template reads are all its own. */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false
  const proto = Object.getPrototypeOf(v) as unknown
  return (proto === Object.prototype || proto === null) && typeof (v as { toJSON?: unknown }).toJSON !== 'function'
}

/** Leaf types JSON.stringify writes as themselves (a number must be finite: NaN would become null). */
function leafType(v: unknown): string | undefined {
  if (v === null) return 'null'
  if (typeof v === 'string' || typeof v === 'boolean') return typeof v
  if (typeof v === 'number' && Number.isFinite(v)) return 'number'
  return undefined
}

/**
 * The template of `first`'s shape, learnt from `first` and `second` (objects shared by both are fixed text), or
 * undefined when `first` holds something a template does not render as JSON.stringify would (undefined members,
 * functions, non-plain objects).
 */
export function compileTemplate(first: object, second: object): PayloadTemplate | undefined {
  const segments: string[] = []
  let text = ''
  const compile = (a: unknown, b: unknown): Fill | undefined => {
    const type = leafType(a)
    if (type !== undefined) {
      segments.push(text)
      text = ''
      return (v, out) => {
        if (leafType(v) !== type) return false
        out.push(v as Leaf)
        return true
      }
    }
    if (Array.isArray(a)) {
      if (a === b) return fixed(a)
      const bs = Array.isArray(b) ? b : []
      const items: Fill[] = []
      text += '['
      for (const [i, item] of a.entries()) {
        if (i) text += ','
        const f = compile(item, bs[i])
        if (!f) return undefined
        items.push(f)
      }
      text += ']'
      return (v, out) => {
        if (!Array.isArray(v) || v.length !== items.length) return false
        for (let i = 0; i < items.length; i++) if (!items[i]!(v[i], out)) return false
        return true
      }
    }
    if (isPlainObject(a)) {
      if (a === b) return fixed(a)
      const bo = isPlainObject(b) ? b : {}
      const keys = Object.keys(a)
      const members: Fill[] = []
      text += '{'
      for (const [i, key] of keys.entries()) {
        text += `${i ? ',' : ''}${JSON.stringify(key)}:`
        const f = compile(a[key], bo[key])
        if (!f) return undefined
        members.push(f)
      }
      text += '}'
      return (v, out) => {
        if (!isPlainObject(v)) return false
        let own = 0
        for (const key in v) if (Object.hasOwn(v, key)) own++
        if (own !== keys.length) return false
        for (let i = 0; i < keys.length; i++) if (!members[i]!(v[keys[i]!], out)) return false
        return true
      }
    }
    return undefined
  }
  const fixed = (part: object): Fill | undefined => {
    const json = JSON.stringify(part) as string | undefined
    // A fixed part must render alone as it does inside the payload (no undefined member at its top).
    if (json === undefined) return undefined
    text += json
    return (v) => v === part
  }
  const root = compile(first, second)
  if (!root) return undefined
  segments.push(text)
  return {
    segments,
    fill: (payload, index) => {
      const out: TemplatedPayload = [index]
      return root(payload, out) ? out : undefined
    },
  }
}

/** A templated payload's JSON text: its template's segments around its leaves' JSON (the signing threads do the same). */
export function renderTemplate(segments: readonly string[], payload: TemplatedPayload): string {
  let text = segments[0]!
  for (let i = 1; i < segments.length; i++) text += JSON.stringify(payload[i]) + segments[i]!
  return text
}

/**
 * A batch's payloads with each shape's templated (`shapes[i]`: the shape of payload i; undefined: not templated), and
 * the templates' segments. A template is used only if it renders its first payload exactly as JSON.stringify does.
 */
export function templatePayloads(
  payloads: readonly object[],
  shapes: readonly (string | undefined)[],
): { payloads: (object | TemplatedPayload)[]; templates: (readonly string[])[] } {
  const templates: (readonly string[])[] = []
  const byShape = new Map<string, { template: PayloadTemplate; index: number } | null>()
  const out = payloads.map((payload, i) => {
    const shape = shapes[i]
    if (shape === undefined) return payload
    let t = byShape.get(shape)
    if (t === undefined) {
      const second = payloads.find((_, k) => k > i && shapes[k] === shape)
      const template = second && compileTemplate(payload, second)
      const first = template?.fill(payload, templates.length)
      t =
        template && first && renderTemplate(template.segments, first) === JSON.stringify(payload)
          ? { template, index: templates.push(template.segments) - 1 }
          : null
      byShape.set(shape, t)
    }
    return (t && t.template.fill(payload, t.index)) ?? payload
  })
  return { payloads: out, templates }
}
