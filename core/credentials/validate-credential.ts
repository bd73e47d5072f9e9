// Checks a credential against the W3C VC Data Model (2.0, or 1.1 for JWTs from outside) and the profiles it claims:
// Open Badges 3.0 for OB 3.0 types, the credit bank's own profile where its context or schema is named.
// Used by the issuer before signing and by the verifier after decoding. Browser-safe.
import type { Issue } from '../errors.ts'
import { isPlainObject } from '../json.ts'
import { escapePointer, isUrl, parseXsdDateTime } from '../json-schema.ts'
import { CREDENTIAL_SCHEMA_IDS, validateWithSchema, type CredentialSchemaId } from './schemas.ts'
import {
  ACHIEVEMENT_CREDENTIAL_SCHEMA_ID,
  BITSTRING_STATUS_LIST_CREDENTIAL_SCHEMA_ID,
  CERTIFICATION_REPORT_CREDENTIAL_SCHEMA_ID,
  CREDIT_BANK_CONTEXT,
  OB3_1EDTECH_ACHIEVEMENT_CREDENTIAL_SCHEMA,
  OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA_ID,
  VC_V1_CONTEXT,
  VC_V2_CONTEXT,
  type DataModel,
} from './types.ts'

export type { DataModel } from './types.ts'

/** A plain JSON object, as `JSON.parse` makes them. */
export type JsonObject = Record<string, unknown>

/** Records one issue; `path` is relative to the document being checked. */
export type AddIssue = (path: string, message: string) => void

const URL_MESSAGE = 'must be a single URL (an absolute URI with a scheme, e.g. https:, did:, urn:)'
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

/** Whether `doc` is a VC Data Model 2.0 document: its first `@context` item is the v2 context. */
export function isDataModelV2(doc: unknown): boolean {
  return isPlainObject(doc) && Array.isArray(doc['@context']) && doc['@context'][0] === VC_V2_CONTEXT
}

/**
 * Checks a credential. Model `v2` applies VCDM 2.0 (SECURITY.md B5 #34–#44) and then the JSON Schemas
 * of the profiles the credential claims, as {@link profilesFor} lists them; a credential that claims
 * none is held to the base model only. Model `v1` applies the VCDM 1.1 rules to a decoded
 * Veramo-style JWT (`vc` claim merged with `iss`, `sub`, `nbf`, `exp`, `jti`).
 *
 * Returns every problem found (empty array = valid). Never throws on bad input; never mutates it.
 *
 * @example
 * const issues = validateCredential(body.credential, { model: 'v2' })
 * if (issues.length > 0) throw new InvalidRequestError('credential is not valid', issues)
 */
export function validateCredential(credential: unknown, opts: { model: DataModel }): Issue[] {
  if (!isPlainObject(credential)) return [{ path: '', message: 'must be a JSON object (a credential)' }]
  return [...findUnsafeKeys(credential), ...collectCredentialIssues(credential, opts.model)]
}

/**
 * The checks of {@link validateCredential} without the whole-document scan for unsafe keys, so that
 * a presentation can run them on each embedded credential after scanning itself once.
 */
export function collectCredentialIssues(credential: JsonObject, model: DataModel): Issue[] {
  const base: Issue[] = []
  const add: AddIssue = (path, message) => base.push({ path, message })
  checkContext(credential, model, add)
  checkOptionalUrl(credential, 'id', add)
  checkType(credential, 'VerifiableCredential', add)
  checkIssuer(credential, model, add)
  checkSubjects(credential, add)
  checkValidity(credential, model, add)
  checkTypedResources(credential, add)
  checkProof(credential, add)
  if (model === 'v1') return base

  checkLanguageString(credential, 'name', '', add)
  checkLanguageString(credential, 'description', '', add)
  checkRelatedResources(credential, add)
  const schemaIds = profilesFor(credential, model)
  if (schemaIds.includes(CERTIFICATION_REPORT_CREDENTIAL_SCHEMA_ID)) checkReportDigests(credential, add)
  // The base rules say more precisely what is wrong; drop schema issues about the same values.
  const reported = new Set(base.map((i) => i.path))
  const fromSchemas = schemaIds
    .flatMap((id) => validateWithSchema(id, credential))
    .filter((issue) => !ancestorsOf(issue.path).some((p) => reported.has(p)))
  // A hostile document can produce an issue per array item: nobody reads past the first hundred.
  return [...base, ...dedupe(fromSchemas)].slice(0, MAX_ISSUES)
}

// ---- shared with validate-presentation.ts -------------------------------------------------------

/** Re-exported for the modules that validate with this one; the definition lives in core/json.ts. */
export { isPlainObject }

/**
 * Finds prototype-pollution keys (`__proto__`, `constructor`, `prototype`) and non-JSON values
 * anywhere in the document (SECURITY.md #52). Iterative, so deep nesting cannot overflow the stack.
 */
export function findUnsafeKeys(root: unknown): Issue[] {
  const issues: Issue[] = []
  const seen = new Set<object>()
  const stack: [unknown, string][] = [[root, '']]
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [value, path] = next
    if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') {
      issues.push({ path, message: 'must be JSON data (a string, number, boolean, null, array or object)' })
      continue
    }
    if (typeof value !== 'object' || value === null || seen.has(value)) continue
    seen.add(value)
    if (!Array.isArray(value) && !isPlainObject(value)) {
      issues.push({ path, message: 'must be a plain JSON object' })
      continue
    }
    for (const key of Object.keys(value)) {
      const childPath = `${path}/${escapePointer(key)}`
      if (UNSAFE_KEYS.has(key)) issues.push({ path: childPath, message: `the key "${key}" is not allowed (prototype pollution)` })
      stack.push([(value as JsonObject)[key], childPath])
    }
  }
  return issues.reverse()
}

/** `@context`: an array whose first item is the base context of `model`, then URLs or objects; no other base context. */
export function checkContext(doc: JsonObject, model: DataModel, add: AddIssue): void {
  const base = model === 'v2' ? VC_V2_CONTEXT : VC_V1_CONTEXT
  const other = model === 'v2' ? VC_V1_CONTEXT : VC_V2_CONTEXT
  const expected = `an array whose first item is ${base}`
  const context = doc['@context']
  if (context === undefined) return add('/@context', `is required: expected ${expected}`)
  if (!Array.isArray(context) || context.length === 0) return add('/@context', `must be ${expected}`)
  if (context[0] !== base) {
    const hint = context[0] === other ? ` (the document follows the VC ${model === 'v2' ? '1.1' : '2.0'} data model)` : ''
    add('/@context/0', `must be ${base}${hint}`)
  }
  context.forEach((item: unknown, i) => {
    if (i === 0) return
    if (item === other) add(`/@context/${i}`, `must not mix the VC 1.1 and 2.0 base contexts`)
    else if (typeof item === 'string' ? !isUrl(item) : !isPlainObject(item))
      add(`/@context/${i}`, 'must be a context URL or a context object')
  })
}

/** `type`: an array of non-empty strings that includes `required`. */
export function checkType(doc: JsonObject, required: string, add: AddIssue): void {
  const type = doc.type
  const expected = `an array of strings including "${required}"`
  if (type === undefined) return add('/type', `is required: expected ${expected}`)
  if (!Array.isArray(type)) return add('/type', `must be ${expected}`)
  type.forEach((item: unknown, i) => {
    if (typeof item !== 'string' || item === '') add(`/type/${i}`, 'must be a non-empty string')
  })
  if (!type.includes(required)) add('/type', `must include "${required}"`)
}

/** An optional property that, when present, is a single URL. */
export function checkOptionalUrl(doc: JsonObject, key: string, add: AddIssue, path = ''): void {
  if (doc[key] !== undefined && !isUrl(doc[key])) add(`${path}/${key}`, URL_MESSAGE)
}

/** `holder` or `issuer`: a URL, or an object whose `id` is a URL (VCDM 2.0 §4.7). */
export function checkUrlOrObjectWithId(doc: JsonObject, key: string, add: AddIssue): JsonObject | undefined {
  const value = doc[key]
  if (typeof value === 'string') {
    if (!isUrl(value)) add(`/${key}`, URL_MESSAGE)
    return undefined
  }
  if (!isPlainObject(value)) {
    add(`/${key}`, 'must be a URL or an object whose id is a URL')
    return undefined
  }
  if (value.id === undefined) add(`/${key}/id`, 'is required: expected a URL')
  else checkOptionalUrl(value, 'id', add, `/${key}`)
  return value
}

/** `proof`: an object or a non-empty array of objects, each with a `type`. Proof values are the verifier's business. */
export function checkProof(doc: JsonObject, add: AddIssue): void {
  forEachObject(doc, 'proof', add, (proof, path) => checkTypeValue(proof.type, `${path}/type`, add))
}

/** Runs `check` on each object of a property that holds one object or a non-empty array of them. */
export function forEachObject(doc: JsonObject, key: string, add: AddIssue, check: (item: JsonObject, path: string) => void): void {
  const value = doc[key]
  if (value === undefined) return
  const expected = 'must be an object or a non-empty array of objects'
  if (Array.isArray(value)) {
    if (value.length === 0) add(`/${key}`, expected)
    value.forEach((item: unknown, i) => (isPlainObject(item) ? check(item, `/${key}/${i}`) : add(`/${key}/${i}`, 'must be an object')))
  } else if (isPlainObject(value)) check(value, `/${key}`)
  else add(`/${key}`, expected)
}

// ---- base data model ----------------------------------------------------------------------------

function checkIssuer(doc: JsonObject, model: DataModel, add: AddIssue): void {
  if (doc.issuer === undefined) return add('/issuer', 'is required: expected a URL or an object whose id is a URL')
  const profile = checkUrlOrObjectWithId(doc, 'issuer', add)
  if (profile && model === 'v2') {
    checkLanguageString(profile, 'name', '/issuer', add)
    checkLanguageString(profile, 'description', '/issuer', add)
  }
}

// VCDM 2.0 §4.8: one or more subjects, each an object with at least one claim (a lone `id` counts).
function checkSubjects(doc: JsonObject, add: AddIssue): void {
  const subjects = doc.credentialSubject
  const expected = 'an object with at least one claim, or a non-empty array of them'
  if (subjects === undefined) return add('/credentialSubject', `is required: expected ${expected}`)
  if (Array.isArray(subjects)) {
    if (subjects.length === 0) add('/credentialSubject', `must be ${expected}`)
    subjects.forEach((subject: unknown, i) => checkSubject(subject, `/credentialSubject/${i}`, add))
  } else checkSubject(subjects, '/credentialSubject', add)
}

function checkSubject(subject: unknown, path: string, add: AddIssue): void {
  if (!isPlainObject(subject)) return add(path, 'must be an object with at least one claim')
  if (Object.keys(subject).length === 0) return add(path, 'must contain at least one claim')
  checkOptionalUrl(subject, 'id', add, path)
}

// VCDM 2.0 §4.9: validFrom/validUntil are XSD dateTimeStamps; VCDM 1.1 §4.6/§4.7: issuanceDate/expirationDate are dateTimes.
function checkValidity(doc: JsonObject, model: DataModel, add: AddIssue): void {
  const [fromKey, untilKey] = model === 'v2' ? ['validFrom', 'validUntil'] : ['issuanceDate', 'expirationDate']
  const requireTimezone = model === 'v2'
  const expected = requireTimezone
    ? 'must be a date-time with a timezone (XSD dateTimeStamp), e.g. 2025-01-31T09:00:00Z'
    : 'must be an XSD date-time, e.g. 2025-01-31T09:00:00Z'
  const parse = (key: string): number | undefined => {
    if (doc[key] === undefined) return undefined
    const time = parseXsdDateTime(doc[key], requireTimezone)
    if (time === undefined) add(`/${key}`, expected)
    return time
  }
  const from = parse(fromKey)
  const until = parse(untilKey)
  if (model === 'v2' && from !== undefined && until !== undefined && until < from)
    add(`/${untilKey}`, `must not be earlier than ${fromKey}`)
}

// VCDM 2.0 §4.10–§5.x: these properties hold objects that each declare a `type`.
const TYPED_RESOURCES: readonly { key: string; idRequired: boolean; uniqueIds: boolean }[] = [
  { key: 'credentialStatus', idRequired: false, uniqueIds: true },
  { key: 'credentialSchema', idRequired: true, uniqueIds: false },
  { key: 'evidence', idRequired: false, uniqueIds: false },
  { key: 'termsOfUse', idRequired: false, uniqueIds: false },
  { key: 'refreshService', idRequired: false, uniqueIds: false },
  { key: 'renderMethod', idRequired: false, uniqueIds: false },
  { key: 'confidenceMethod', idRequired: false, uniqueIds: false },
]

function checkTypedResources(doc: JsonObject, add: AddIssue): void {
  for (const { key, idRequired, uniqueIds } of TYPED_RESOURCES) {
    const ids = new Set<string>()
    forEachObject(doc, key, add, (item, path) => {
      checkTypeValue(item.type, `${path}/type`, add)
      if (item.id === undefined) {
        if (idRequired) add(`${path}/id`, 'is required: expected a URL')
      } else if (!isUrl(item.id)) add(`${path}/id`, URL_MESSAGE)
      else if (uniqueIds && ids.has(item.id)) add(`${path}/id`, `must not repeat the id of another ${key} entry`)
      else ids.add(item.id)
    })
  }
}

function checkTypeValue(type: unknown, path: string, add: AddIssue): void {
  if (type === undefined) return add(path, 'is required: expected a string or an array of strings')
  const valid =
    typeof type === 'string'
      ? type !== ''
      : Array.isArray(type) && type.length > 0 && type.every((t: unknown) => typeof t === 'string' && t !== '')
  if (!valid) add(path, 'must be a non-empty string or a non-empty array of them')
}

const LANGUAGE_TAG = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/
const LANGUAGE_KEYS = new Set(['@value', '@language', '@direction'])

// VCDM 2.0 §4.6 / §11.1: a string, a language value object, or a non-empty array of them.
// One issue per property, naming the first problem, so the schema's summary of the same value is not repeated.
function checkLanguageString(doc: JsonObject, key: string, parentPath: string, add: AddIssue): void {
  const value = doc[key]
  if (value === undefined || typeof value === 'string') return
  const values: readonly unknown[] = Array.isArray(value) ? value : [value]
  const problem = values.length === 0 ? 'the array is empty' : values.map(languageValueProblem).find((p) => p !== undefined)
  if (problem !== undefined)
    add(
      `${parentPath}/${key}`,
      `must be a string, a language value object {"@value", "@language"?, "@direction"?} or a non-empty array of them (${problem})`,
    )
}

function languageValueProblem(value: unknown): string | undefined {
  if (!isPlainObject(value))
    return `${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`} is not a language value object`
  if (typeof value['@value'] !== 'string') return '"@value" must be a string'
  const language = value['@language']
  if (language !== undefined && !(typeof language === 'string' && LANGUAGE_TAG.test(language)))
    return '"@language" must be a BCP 47 tag such as zh-CN'
  const direction = value['@direction']
  if (direction !== undefined && direction !== 'ltr' && direction !== 'rtl') return '"@direction" must be "ltr" or "rtl"'
  const extra = Object.keys(value).find((k) => !LANGUAGE_KEYS.has(k))
  return extra === undefined ? undefined : `"${extra}" is not allowed`
}

const DIGEST_SRI = /^sha(256|384|512)-[A-Za-z0-9+/]+={0,2}$/
const DIGEST_MULTIBASE = /^(u[A-Za-z0-9_-]+|z[1-9A-HJ-NP-Za-km-z]+)$/

// VCDM 2.0 §5.3: each related resource has a unique URL id and a digest. Comparing the digest with
// the resource itself needs the resource, so it is the verifier's job, not this function's.
function checkRelatedResources(doc: JsonObject, add: AddIssue): void {
  const ids = new Set<string>()
  forEachObject(doc, 'relatedResource', add, (item, path) => {
    if (item.id === undefined) add(`${path}/id`, 'is required: expected a URL')
    else if (!isUrl(item.id)) add(`${path}/id`, URL_MESSAGE)
    else if (ids.has(item.id)) add(`${path}/id`, 'must not repeat the id of another relatedResource entry')
    else ids.add(item.id)
    if (item.digestSRI === undefined && item.digestMultibase === undefined) add(path, 'must have a digestSRI or a digestMultibase')
    if (item.digestSRI !== undefined && !(typeof item.digestSRI === 'string' && DIGEST_SRI.test(item.digestSRI)))
      add(`${path}/digestSRI`, 'must be sha256-, sha384- or sha512- followed by base64')
    if (item.digestMultibase !== undefined && !(typeof item.digestMultibase === 'string' && DIGEST_MULTIBASE.test(item.digestMultibase)))
      add(`${path}/digestMultibase`, 'must be a multibase string (u… base64url or z… base58btc)')
    if (item.mediaType !== undefined && typeof item.mediaType !== 'string') add(`${path}/mediaType`, 'must be a string')
  })
}

// ---- profiles -----------------------------------------------------------------------------------

/** The types Open Badges 3.0 defines for an awarded achievement (AchievementCredential and its alias). */
const OB3_CREDENTIAL_TYPES: readonly string[] = ['AchievementCredential', 'OpenBadgeCredential']

/** `credentialSchema` ids we know, to the schema we apply for them: ours, and 1EdTech's for OB 3.0. */
const DECLARED_SCHEMAS: ReadonlyMap<unknown, CredentialSchemaId> = new Map<unknown, CredentialSchemaId>([
  ...CREDENTIAL_SCHEMA_IDS.map((id) => [id, id] as const),
  [OB3_1EDTECH_ACHIEVEMENT_CREDENTIAL_SCHEMA, OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA_ID],
])

/**
 * The JSON Schemas {@link validateCredential} applies to a credential beyond the VC Data Model, in
 * {@link CREDENTIAL_SCHEMA_IDS} order: a credential is judged by the profiles it claims (DESIGN.md).
 * - Open Badges 3.0 ({@link OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA_ID}) for an `AchievementCredential` or
 *   `OpenBadgeCredential`, whoever issued it;
 * - the credit bank's profile ({@link ACHIEVEMENT_CREDENTIAL_SCHEMA_ID}) only for such a credential that
 *   uses the credit-bank context ({@link CREDIT_BANK_CONTEXT}), so the bank's own credentials get both;
 * - the certification-report and status-list schemas by type;
 * - and any schema named by `credentialSchema` (ours, or 1EdTech's OB 3.0 schema id), whatever the type.
 *
 * Model `v1` (VC 1.1 JWTs from outside) gets none: only the 1.1 data model is checked.
 *
 * @example
 * profilesFor(otherIssuersBadge, 'v2') // ['https://w3id.org/credit-bank/schemas/ob3-achievement-credential.json']
 */
export function profilesFor(credential: unknown, model: DataModel): CredentialSchemaId[] {
  if (model === 'v1' || !isPlainObject(credential)) return []
  const types: readonly unknown[] = Array.isArray(credential.type) ? credential.type : []
  const contexts: readonly unknown[] = Array.isArray(credential['@context']) ? credential['@context'] : []
  const ids = new Set<CredentialSchemaId>()
  if (types.some((t) => OB3_CREDENTIAL_TYPES.includes(t as string))) {
    ids.add(OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA_ID)
    if (contexts.includes(CREDIT_BANK_CONTEXT)) ids.add(ACHIEVEMENT_CREDENTIAL_SCHEMA_ID)
  }
  if (types.includes('CertificationReportCredential')) ids.add(CERTIFICATION_REPORT_CREDENTIAL_SCHEMA_ID)
  if (types.includes('BitstringStatusListCredential')) ids.add(BITSTRING_STATUS_LIST_CREDENTIAL_SCHEMA_ID)
  const declared: readonly unknown[] = Array.isArray(credential.credentialSchema)
    ? credential.credentialSchema
    : [credential.credentialSchema]
  for (const schema of declared) {
    const known = isPlainObject(schema) ? DECLARED_SCHEMAS.get(schema.id) : undefined
    if (known) ids.add(known)
  }
  return CREDENTIAL_SCHEMA_IDS.filter((id) => ids.has(id))
}

// A report must pin every credential it covers, so a verifier can tell that none was swapped.
function checkReportDigests(doc: JsonObject, add: AddIssue): void {
  const subject = doc.credentialSubject
  const covered = isPlainObject(subject) ? subject.coveredCredentials : undefined
  if (!Array.isArray(covered)) return
  const resources = Array.isArray(doc.relatedResource) ? (doc.relatedResource as unknown[]) : [doc.relatedResource]
  const pinned = new Set(
    resources
      .filter((r): r is JsonObject => isPlainObject(r) && typeof r.id === 'string' && typeof r.digestSRI === 'string')
      .map((r) => r.id),
  )
  const seen = new Set<unknown>()
  covered.forEach((entry: unknown, i) => {
    if (!isPlainObject(entry) || typeof entry.id !== 'string') return
    const path = `/credentialSubject/coveredCredentials/${i}/id`
    if (seen.has(entry.id)) add(path, 'must not repeat another covered credential')
    else if (!pinned.has(entry.id)) add(path, 'has no relatedResource entry with this id and a digestSRI')
    seen.add(entry.id)
  })
}

function dedupe(issues: readonly Issue[]): Issue[] {
  const seen = new Set<string>()
  return issues.filter((issue) => {
    const key = `${issue.path}\n${issue.message}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

const MAX_ISSUES = 100

/** '/a/b/c' → ['/a/b/c', '/a/b', '/a', ''] — set lookups instead of comparing every pair of paths. */
function ancestorsOf(path: string): string[] {
  const out = [path]
  for (let i = path.lastIndexOf('/'); i >= 0; i = path.lastIndexOf('/', i - 1)) {
    out.push(path.slice(0, i))
    if (i === 0) break
  }
  return out
}
