// What an API client may ask the bank to sign through the generic issuing API (POST /credentials/issue).
// The bank's own use cases (recognition, certification reports, status lists, the demo) call
// CredentialIssuer.issue without this policy: they are the bank acting, not a client asking.
import { AppError } from '../../core/errors.ts'

const CREDIT_BANK_VOCAB = 'https://w3id.org/credit-bank/vocab#'
const STATUS_VOCAB = 'https://www.w3.org/ns/credentials/status#'

/** Types only the bank produces, by term and by the IRI the bundled contexts give them. */
const RESERVED_TYPES: ReadonlyMap<string, string> = new Map([
  ['CertificationReportCredential', `${CREDIT_BANK_VOCAB}CertificationReportCredential`],
  ['CertificationReport', `${CREDIT_BANK_VOCAB}CertificationReport`],
  ['BitstringStatusListCredential', `${STATUS_VOCAB}BitstringStatusListCredential`],
  ['BitstringStatusList', `${STATUS_VOCAB}BitstringStatusList`],
])

/**
 * Claims only the bank makes: recognition (认定) is the bank's act, recorded by its recognition flow; the report
 * terms only mean something inside the bank's certification reports.
 */
const RESERVED_CLAIMS: ReadonlyMap<string, string> = new Map(
  ['recognizingInstitution', 'reportNumber', 'coveredCredentials', 'creditTotals'].map((t) => [t, `${CREDIT_BANK_VOCAB}${t}`]),
)
const RESERVED_TYPE_IRIS = new Set(RESERVED_TYPES.values())
const RESERVED_CLAIM_IRIS = new Set(RESERVED_CLAIMS.values())

/**
 * Namespaces of `urn:credit-bank:` the bank keeps for itself (problem types, catalogue entries, demo data …):
 * no API client gets one of them.
 */
export const RESERVED_NAMESPACES: ReadonlySet<string> = new Set([
  'bank',
  'catalogue',
  'demo',
  'problem',
  'recognition',
  'report',
  'status',
  'admin',
])

/**
 * The `urn:credit-bank:<namespace>:` an API client may use for its credential ids: the client's name as stored,
 * NFKC-normalized, lower-cased, every run of characters other than a–z and 0–9 replaced by one `-` (at most 63
 * characters). A name with no such character (e.g. 江苏开放大学) gets the client's id instead. `clients create`
 * refuses a name whose namespace an active client already has, or one the bank keeps (RESERVED_NAMESPACES).
 */
export function clientNamespace(client: { readonly id: string; readonly name: string }): string {
  const slug = client.name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '')
  return slug || client.id.toLowerCase()
}

const UUID_URN = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const CREDIT_BANK_URN = /^urn:credit-bank:([^:]*):(.*)$/i
/** RFC 3986 pchar and `/`: what the rest of a credit-bank URN may hold. */
const URN_REST = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})+$/

export interface ClientIssuingPolicyOptions {
  /** The bank's public URL: its credentials, status lists and DID document live on its host; clients' ids never do. */
  readonly bankUrl: URL
}

export class ClientIssuingPolicy {
  private readonly bankHostname: string

  constructor(opts: ClientIssuingPolicyOptions) {
    this.bankHostname = opts.bankUrl.hostname
  }

  /**
   * Refuses what this client may not have the bank sign. Runs after the credential passed the bank's own checks
   * (so a malformed request learns first what is malformed), before a status slot is taken or anything signed.
   * `credential.id` is the id the credential will get (credential.id, options.credentialId or a new urn:uuid).
   */
  check(credential: Readonly<Record<string, unknown>>, client: { readonly id: string; readonly name: string }, at = ''): void {
    this.checkId(String(credential.id), client, `${at}/credential/id`)
    findReserved(credential, `${at}/credential`)
  }

  private checkId(id: string, client: { readonly id: string; readonly name: string }, path: string): void {
    if (UUID_URN.test(id)) return
    const own = clientNamespace(client)
    const urn = CREDIT_BANK_URN.exec(id)
    if (urn) {
      if (urn[1]!.toLowerCase() !== own) {
        throw new AppError(
          'reserved_credential_id',
          `urn:credit-bank:${urn[1]}: is not this API client's namespace; its ids are urn:credit-bank:${own}:…`,
          { issues: [{ path, message: `use urn:credit-bank:${own}:…, urn:uuid: or an https: URL` }] },
        )
      }
      if (!URN_REST.test(urn[2]!))
        throw invalidId(`the part after urn:credit-bank:${own}: must be URL characters (RFC 3986), not empty`, path)
      return
    }
    if (/^https:/i.test(id)) {
      let url: URL
      try {
        url = new URL(id)
      } catch {
        throw invalidId('credential id is not a valid https: URL', path)
      }
      if (url.username || url.password || !url.hostname) throw invalidId('an https: credential id has a host and no user or password', path)
      // The whole host, any port: the bank's status lists, DID document and credentials live there.
      if (url.hostname === this.bankHostname) {
        throw new AppError(
          'reserved_credential_id',
          `${url.hostname} is the bank's own host: its status lists and documents live there, API clients' credential ids do not`,
          { issues: [{ path, message: 'use an https: URL of your own, urn:uuid: or your urn:credit-bank: namespace' }] },
        )
      }
      return
    }
    throw invalidId(
      `a credential id is urn:uuid:<uuid>, an https: URL or urn:credit-bank:${own}:…; got ${JSON.stringify(id.slice(0, 40))}`,
      path,
    )
  }
}

const invalidId = (message: string, path: string) =>
  new AppError('invalid_credential_id', message, { issues: [{ path, message: 'urn:uuid:, https: or urn:credit-bank:<your namespace>:' }] })

/**
 * Walks the whole credential: a reserved type as the value of `type`/`@type`, a reserved claim as a key, or either
 * as its full IRI anywhere (key or value). The IRI forms matter: a Data Integrity proof signs the RDF, where
 * `{"https://w3id.org/credit-bank/vocab#recognizingInstitution": …}` is the same claim as the term.
 */
function findReserved(value: unknown, path: string): void {
  if (typeof value === 'string') {
    if (RESERVED_TYPE_IRIS.has(value)) throw reservedType(value, path)
    if (RESERVED_CLAIM_IRIS.has(value)) throw reservedClaim(value, path)
    return
  }
  if (value === null || typeof value !== 'object') return
  if (Array.isArray(value)) {
    value.forEach((v, i) => findReserved(v, `${path}/${i}`))
    return
  }
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const at = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`
    if (RESERVED_CLAIMS.has(key) || RESERVED_CLAIM_IRIS.has(key)) throw reservedClaim(key, at)
    if (RESERVED_TYPE_IRIS.has(key)) throw reservedType(key, at)
    if (key === 'type' || key === '@type') {
      for (const [i, t] of (Array.isArray(v) ? v : [v]).entries()) {
        if (typeof t === 'string' && RESERVED_TYPES.has(t)) throw reservedType(t, Array.isArray(v) ? `${at}/${i}` : at)
      }
    }
    findReserved(v, at)
  }
}

const reservedType = (type: string, path: string) =>
  new AppError(
    'reserved_credential_type',
    `${type} is produced only by the bank itself (certification reports, status lists); API clients cannot have it signed`,
    { issues: [{ path, message: 'a type only the bank issues' }] },
  )

const reservedClaim = (claim: string, path: string) =>
  new AppError(
    'reserved_claim',
    `${claim} is the bank's own claim (recognition and certification reports come from the bank's flows); API clients cannot have it signed`,
    { issues: [{ path, message: 'a claim only the bank makes' }] },
  )
