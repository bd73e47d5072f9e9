// Recognises a pasted or uploaded credential (JWT, enveloped JSON, Data Integrity JSON) and summarises it for display.
// Browser-safe and pure: nothing here verifies anything — the verifier service does that. Decoding is for display only.
/* global atob, TextDecoder */

/** Largest input accepted, in characters (a credential with an embedded image stays well below). */
export const MAX_INPUT_CHARS = 1_000_000

const JWT_PATTERN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
const ENVELOPE_PREFIX = 'data:application/vc+jwt,'
const LANGUAGE_TAG = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/

/**
 * Parses text into a wallet record, or says why it cannot.
 * @param {string} text
 * @returns {{ ok: true, record: import('./parse-credential.d.ts').WalletRecord } | { ok: false, error: import('./parse-credential.d.ts').ParseErrorCode }}
 */
export function parseCredential(text) {
  if (typeof text !== 'string') return fail('unrecognized_format')
  if (text.length > MAX_INPUT_CHARS) return fail('too_large')
  const input = text.trim()
  if (input === '') return fail('empty_input')
  if (input.startsWith('{')) return parseJson(input)
  if (input.startsWith('[')) return fail('not_a_credential')
  // A pasted envelope id (data:application/vc+jwt,<jwt>) is as good as the bare JWT.
  return parseJwt(input.startsWith(ENVELOPE_PREFIX) ? input.slice(ENVELOPE_PREFIX.length) : input)
}

/**
 * Rebuilds the displayable document of a stored record (records keep only what was given to us).
 * @param {{ kind: 'jwt' | 'json', raw: unknown }} record
 */
export function documentOf(record) {
  const parsed = record.kind === 'jwt' ? parseJwt(String(record.raw)) : parseJson(JSON.stringify(record.raw))
  return parsed.ok ? parsed.record.document : null
}

function fail(error) {
  return { ok: false, error }
}

function parseJson(input) {
  let value
  try {
    value = JSON.parse(input)
  } catch {
    return fail('invalid_json')
  }
  if (!isObject(value)) return fail('not_a_credential')
  const types = typesOf(value)
  if (types.includes('EnvelopedVerifiableCredential')) {
    if (typeof value.id !== 'string' || !value.id.startsWith(ENVELOPE_PREFIX)) return fail('unsupported_envelope')
    return parseJwt(value.id.slice(ENVELOPE_PREFIX.length))
  }
  if (types.includes('VerifiablePresentation')) return fail('not_a_credential')
  if (!types.includes('VerifiableCredential') || value['@context'] === undefined) return fail('not_a_credential')
  const proofs = Array.isArray(value.proof) ? value.proof : value.proof === undefined ? [] : [value.proof]
  if (proofs.length === 0 || !proofs.every((p) => isObject(p) && typeof p.type === 'string')) return fail('unsigned_credential')
  // A JSON wrapper around a JWT (Veramo's JwtProof2020): only the signed JWT counts, the outer JSON may be altered.
  const jwtProof = proofs.find((p) => p.type === 'JwtProof2020' && typeof p.jwt === 'string')
  if (jwtProof) return parseJwt(jwtProof.jwt)
  const format = proofs.some((p) => p.type === 'DataIntegrityProof') ? 'data-integrity' : 'linked-data-proof'
  const key = typeof value.id === 'string' && value.id !== '' ? value.id : JSON.stringify(value)
  return { ok: true, record: { key, kind: 'json', format, raw: value, document: value } }
}

function parseJwt(token) {
  if (!JWT_PATTERN.test(token)) return fail(token.split('.').length === 3 ? 'invalid_jwt' : 'unrecognized_format')
  const [headerPart, payloadPart] = token.split('.')
  const header = decodeJsonSegment(headerPart)
  const payload = decodeJsonSegment(payloadPart)
  if (!isObject(header) || !isObject(payload) || typeof header.alg !== 'string') return fail('invalid_jwt')
  if (header.alg.toLowerCase() === 'none') return fail('unsigned_credential')
  const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : ''
  if (typ === 'vp+jwt' || typ === 'vp+ld+json+jwt' || isObject(payload.vp)) return fail('not_a_credential')
  let document
  let format
  if (isObject(payload.vc)) {
    format = 'vc1-jwt'
    document = vc11Document(payload)
  } else if (typesOf(payload).includes('VerifiableCredential')) {
    format = 'vc+jwt'
    document = payload
  } else {
    return fail('not_a_credential')
  }
  const key = typeof document.id === 'string' && document.id !== '' ? document.id : token
  return { ok: true, record: { key, kind: 'jwt', format, raw: token, document } }
}

/** VC Data Model 1.1 JWT: the registered claims stand for credential properties (VC 1.1 §6.3.1). */
function vc11Document(payload) {
  const doc = { ...payload.vc }
  if (doc.id === undefined && typeof payload.jti === 'string') doc.id = payload.jti
  if (doc.issuer === undefined && typeof payload.iss === 'string') doc.issuer = payload.iss
  if (doc.issuanceDate === undefined && typeof payload.nbf === 'number') doc.issuanceDate = secondsToIso(payload.nbf)
  if (doc.expirationDate === undefined && typeof payload.exp === 'number') doc.expirationDate = secondsToIso(payload.exp)
  if (typeof payload.sub === 'string' && isObject(doc.credentialSubject) && doc.credentialSubject.id === undefined) {
    doc.credentialSubject = { ...doc.credentialSubject, id: payload.sub }
  }
  return doc
}

function secondsToIso(seconds) {
  const date = new Date(seconds * 1000)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}

function decodeJsonSegment(segment) {
  // Length 4n+1 is never valid base64url (RFC 4648 §5); atob would reject it anyway, say so explicitly.
  if (segment.length % 4 === 1) return undefined
  try {
    const binary = atob(segment.replace(/-/g, '+').replace(/_/g, '/'))
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0))
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    return undefined
  }
}

function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function typesOf(doc) {
  if (typeof doc.type === 'string') return [doc.type]
  return Array.isArray(doc.type) ? doc.type.filter((t) => typeof t === 'string') : []
}

/**
 * Picks the fields a card shows. Values stay as found (strings, numbers) except language maps, which
 * are resolved to `lang`; absent fields are undefined. Credit-bank extensions are looked up under a
 * few names because they live in our own JSON-LD context (frameworkLevel, category, reportNumber…).
 * @param {Record<string, unknown>} doc
 * @param {string} lang  e.g. 'zh-CN' or 'en'
 * @returns {import('./parse-credential.d.ts').CredentialSummary}
 */
export function summarize(doc, lang) {
  const types = typesOf(doc)
  const subject = first(doc.credentialSubject) ?? {}
  const achievement = first(subject.achievement) ?? {}
  const issuer = doc.issuer
  const report = types.includes('CertificationReportCredential')
  return {
    types,
    report,
    name: text(doc.name, lang) ?? text(achievement.name, lang),
    achievementName: report ? undefined : text(achievement.name, lang),
    credits: numberOrText(subject.creditsEarned),
    frameworkLevel: levelText(pick([subject, achievement], ['frameworkLevel', 'cb:frameworkLevel', 'level']), lang),
    category: text(pick([subject, achievement], ['category', 'cb:category', 'outcomeCategory']), lang),
    issuerName: isObject(issuer) ? text(issuer.name, lang) : undefined,
    issuerId: typeof issuer === 'string' ? issuer : isObject(issuer) && typeof issuer.id === 'string' ? issuer.id : undefined,
    learner: text(subject.name, lang) ?? (typeof subject.id === 'string' ? subject.id : undefined),
    validFrom: text(doc.validFrom ?? doc.issuanceDate, lang),
    validUntil: text(doc.validUntil ?? doc.expirationDate, lang),
    reportNumber: report ? text(pick([subject, doc], ['reportNumber', 'cb:reportNumber']), lang) : undefined,
    totalCredits: report ? numberOrText(pick([subject, doc], ['totalCredits', 'cb:totalCredits', 'creditsEarned'])) : undefined,
  }
}

function first(value) {
  const item = Array.isArray(value) ? value[0] : value
  return isObject(item) ? item : undefined
}

function pick(objects, names) {
  for (const obj of objects) for (const name of names) if (obj[name] !== undefined && obj[name] !== null) return obj[name]
  return undefined
}

/** A string, a number, a language map ({ "zh-CN": …, en: … }) or JSON-LD value objects ([{ "@value", "@language" }]). */
function text(value, lang) {
  if (typeof value === 'string') return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  const base = lang.split('-')[0]
  if (Array.isArray(value)) {
    const values = value.filter((v) => isObject(v) && typeof v['@value'] === 'string')
    const match =
      values.find((v) => v['@language'] === lang) ?? values.find((v) => String(v['@language']).split('-')[0] === base) ?? values[0]
    return match ? match['@value'] : undefined
  }
  if (isObject(value)) {
    if (typeof value['@value'] === 'string') return value['@value']
    const keys = Object.keys(value).filter((k) => LANGUAGE_TAG.test(k) && k !== 'id' && typeof value[k] === 'string')
    const keyMatch = keys.find((k) => k === lang) ?? keys.find((k) => k.split('-')[0] === base) ?? keys[0]
    return keyMatch === undefined ? undefined : value[keyMatch]
  }
  return undefined
}

/** A level may be a number, a name, or an object such as { id, level, name }. */
function levelText(value, lang) {
  if (isObject(value)) return text(value.name, lang) ?? text(value.level, lang) ?? text(value, lang) ?? text(value.id, lang)
  return text(value, lang)
}

function numberOrText(value) {
  if (typeof value === 'number' && Number.isFinite(value)) return value
  return typeof value === 'string' && value.trim() !== '' ? value : undefined
}
