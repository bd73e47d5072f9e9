// Checks a presentation against the W3C VC Data Model (2.0, or 1.1 for Veramo VP JWTs) and each credential it carries.
// Browser-safe.
import type { Issue } from '../errors.ts'
import {
  checkContext,
  checkOptionalUrl,
  checkProof,
  checkType,
  checkUrlOrObjectWithId,
  collectCredentialIssues,
  findUnsafeKeys,
  type AddIssue,
  type JsonObject,
} from './validate-credential.ts'
import { type DataModel } from './types.ts'
import { envelopeIssues } from './envelope.ts'
import { asArray, isPlainObject } from '../json.ts'

const ENVELOPED_CREDENTIAL = 'EnvelopedVerifiableCredential' as const
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

/**
 * Checks a presentation: `@context`, `type` (with VerifiablePresentation), `id`, `holder`, `proof`,
 * and every item of `verifiableCredential` (SECURITY.md #23).
 *
 * Model `v2`: each item is an object, either an embedded credential (checked like
 * {@link validateCredential}, paths prefixed with `/verifiableCredential/<i>`) or an
 * `EnvelopedVerifiableCredential` whose `id` is a `data:application/vc+jwt,<JWT>` URL. A bare
 * string, number or URL is an issue. Model `v1` (the `vp` claim of a Veramo VP JWT): items may also
 * be compact JWT strings.
 *
 * Returns every problem found (empty array = valid). Never throws on bad input; never mutates it.
 * Signatures, challenges and holder binding are the verifier's checks, not this function's.
 */
export function validatePresentation(presentation: unknown, opts: { model: DataModel }): Issue[] {
  if (!isPlainObject(presentation)) return [{ path: '', message: 'must be a JSON object (a presentation)' }]
  const issues = findUnsafeKeys(presentation)
  const add: AddIssue = (path, message) => issues.push({ path, message })
  checkContext(presentation, opts.model, add)
  checkOptionalUrl(presentation, 'id', add)
  checkType(presentation, 'VerifiablePresentation', add)
  if (presentation.holder !== undefined) checkUrlOrObjectWithId(presentation, 'holder', add)
  checkProof(presentation, add)
  checkCredentials(presentation, opts.model, issues)
  return issues
}

function checkCredentials(presentation: JsonObject, model: DataModel, issues: Issue[]): void {
  const value = presentation.verifiableCredential
  if (value === undefined) return
  const items: readonly unknown[] = Array.isArray(value) ? value : [value]
  items.forEach((item, i) => {
    const path = Array.isArray(value) ? `/verifiableCredential/${i}` : '/verifiableCredential'
    const add: AddIssue = (p, message) => issues.push({ path: `${path}${p}`, message })
    if (typeof item === 'string' && model === 'v1') {
      if (!COMPACT_JWS.test(item)) add('', 'must be a compact JWT (header.payload.signature) or a credential object')
    } else if (!isPlainObject(item)) {
      add('', 'must be a credential object (embedded, or an EnvelopedVerifiableCredential); a bare string, number or URL is not allowed')
    } else if (model === 'v2' && isEnvelope(item)) {
      for (const issue of envelopeIssues(item, ENVELOPED_CREDENTIAL)) add(issue.path, issue.message)
    } else {
      for (const issue of collectCredentialIssues(item, model)) add(issue.path, issue.message)
    }
  })
}

// An item that says it is enveloped, or whose id is a data: URL (it can only be an envelope then).
function isEnvelope(item: JsonObject): boolean {
  return asArray(item.type).includes(ENVELOPED_CREDENTIAL) || (typeof item.id === 'string' && item.id.startsWith('data:'))
}
