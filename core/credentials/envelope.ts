// VC Data Model 2.0 §4.13 enveloped credentials and presentations: { "@context", "id": data:<media type>,<token>, "type" }
// and nothing else. Anything beside the token would be unsigned claims a reader might take for signed ones. Browser-safe.
import type { Issue } from '../errors.ts'
import { isPlainObject } from '../json.ts'
import { VC_V2_CONTEXT } from './types.ts'

export const ENVELOPE_TYPES = {
  EnvelopedVerifiableCredential: 'data:application/vc+jwt,',
  EnvelopedVerifiablePresentation: 'data:application/vp+jwt,',
} as const
export type EnvelopeType = keyof typeof ENVELOPE_TYPES

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
const ENVELOPE_KEYS = new Set(['@context', 'id', 'type'])

/** Every way `item` departs from an envelope of `type` (empty: it is one); paths are relative to the envelope. */
export function envelopeIssues(item: unknown, type: EnvelopeType): Issue[] {
  if (!isPlainObject(item)) return [{ path: '', message: `an ${type} must be a JSON object` }]
  const issues: Issue[] = []
  const context = item['@context']
  if (!Array.isArray(context) || context[0] !== VC_V2_CONTEXT || !context.every((c) => typeof c === 'string')) {
    issues.push({ path: '/@context', message: `must be an array of context URLs whose first item is ${VC_V2_CONTEXT}` })
  }
  const types: unknown[] = Array.isArray(item.type) ? item.type : [item.type]
  if (!types.includes(type)) issues.push({ path: '/type', message: `must be "${type}"` })
  const prefix = ENVELOPE_TYPES[type]
  if (typeof item.id !== 'string' || !item.id.startsWith(prefix) || !COMPACT_JWS.test(item.id.slice(prefix.length))) {
    issues.push({ path: '/id', message: `must be a ${prefix}<compact JWT> URL` })
  }
  for (const key of Object.keys(item)) {
    if (!ENVELOPE_KEYS.has(key))
      issues.push({ path: `/${key}`, message: 'is not allowed on an envelope: only the enveloped token is signed' })
  }
  return issues
}
