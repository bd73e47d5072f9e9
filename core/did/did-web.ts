// did:web resolution (did:web method spec §3.2): strict syntax first, then one hardened fetch, then document checks.
import { FetchError, isLocalhostName, safeFetch } from '../net/safe-fetch.ts'
import type { SafeFetchResponse } from '../net/safe-fetch.ts'
import { didWebDocumentUrl, didWebHost, didWebScheme } from './did-web-url.ts'
import { DidResolutionError } from './types.ts'
import type { DidDocument } from './types.ts'
import { isPlainObject } from '../json.ts'

/** How did:web documents are fetched. */
export interface DidWebOptions {
  /** Development only: `did:web:localhost%3A<port>` (and `*.localhost`) may be resolved, to loopback, over plain http. */
  allowInsecureLocalhost: boolean
  /** The deployment's configured origins: a localhost did:web at one of them uses its scheme (see {@link didWebScheme}). */
  knownOrigins?: readonly URL[]
  timeoutMs: number
  maxBytes: number
}

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/
/** RFC 3986 unreserved characters, less '~' (not a DID idchar). */
const PATH_SEGMENT = /^[A-Za-z0-9._-]+$/
const ACCEPT = 'application/did+json, application/did+ld+json, application/json;q=0.9'

/**
 * Refuses, before any network I/O, every did:web that is not `did:web:<dns-name>[%3A<port>](:<segment>)*`
 * (SECURITY.md #31; the spec's "MUST NOT include IP addresses"): IP literals in any form, userinfo,
 * percent-encoded delimiters (`%40 %2F %23 %3F`), port 0 or > 65535, dot and empty segments,
 * upper-case host names.
 * @throws DidResolutionError `invalid_did`
 */
export function assertDidWebSyntax(did: string): void {
  const invalid = (why: string): DidResolutionError => new DidResolutionError('invalid_did', `${why}: ${did}`)
  if (!did.startsWith('did:web:')) throw invalid('not a did:web DID')
  const [hostPart = '', ...segments] = did.slice('did:web:'.length).split(':')
  const match = /^([^%]*)(?:%3[aA]([0-9]+))?$/.exec(hostPart)
  if (!match) throw invalid('only a %3A port may be percent-encoded in a did:web host')
  const [, host = '', port] = match
  const labels = host.split('.')
  if (host.length > 253 || !labels.every((label) => DNS_LABEL.test(label))) throw invalid('did:web host is not a lower-case DNS name')
  // A numeric or 0x-hex last label makes URL parsers read the host as IPv4 (WHATWG "ends in a number").
  if (/^(?:[0-9]+|0x[0-9a-f]*)$/.test(labels.at(-1)!)) throw invalid('did:web host must not be an IP address')
  if (port !== undefined && !(/^[1-9][0-9]{0,4}$/.test(port) && Number(port) <= 65535)) throw invalid('did:web port must be 1-65535')
  for (const segment of segments) {
    if (!PATH_SEGMENT.test(segment) || segment === '.' || segment === '..')
      throw invalid('did:web path segment must be unreserved characters')
  }
}

/**
 * Fetches and checks a did:web document. 404/410 → `did_not_found`; timeout, network failure,
 * redirect, refused address or another non-2xx → `did_unreachable`; not a JSON object, too large
 * or malformed → `invalid_did_document`; `id` ≠ the DID → `did_document_id_mismatch`.
 * @throws DidResolutionError
 */
export async function resolveDidWeb(did: string, opts: DidWebOptions): Promise<DidDocument> {
  assertDidWebSyntax(did)
  const host = didWebHost(did)
  if (isLocalhostName(host.replace(/:\d+$/, '')) && !opts.allowInsecureLocalhost)
    throw new DidResolutionError('invalid_did', `loopback did:web is allowed only in development: ${did}`)
  const url = didWebDocumentUrl(did, didWebScheme(host, opts))

  let response: SafeFetchResponse
  try {
    response = await safeFetch(url, {
      timeoutMs: opts.timeoutMs,
      maxBytes: opts.maxBytes,
      allowInsecureLocalhost: opts.allowInsecureLocalhost,
      accept: ACCEPT,
    })
  } catch (e) {
    if (!(e instanceof FetchError)) throw e
    if (e.code === 'too_large')
      throw new DidResolutionError('invalid_did_document', `DID document of ${did} is larger than ${opts.maxBytes} bytes`, { cause: e })
    throw new DidResolutionError('did_unreachable', `DID document of ${did} could not be fetched (${e.code})`, { cause: e })
  }
  if (response.status === 404 || response.status === 410)
    throw new DidResolutionError('did_not_found', `${did} has no DID document (HTTP ${response.status})`)
  if (response.status < 200 || response.status > 299)
    throw new DidResolutionError('did_unreachable', `DID document of ${did} answered HTTP ${response.status}`)

  let document: unknown
  try {
    document = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(response.body))
  } catch (e) {
    throw new DidResolutionError('invalid_did_document', `DID document of ${did} is not UTF-8 JSON`, { cause: e })
  }
  assertDidDocument(document, did)
  return document
}

const RELATIONSHIPS = ['authentication', 'assertionMethod', 'keyAgreement', 'capabilityInvocation', 'capabilityDelegation'] as const

/**
 * Checks the parts of a DID document the bank relies on (DID Core §5): a JSON object whose `id` is
 * `did`, well-formed verification methods (embedded or in `verificationMethod`, ids unique),
 * relationships as arrays of references or methods, `controller` a string or strings.
 * @throws DidResolutionError `invalid_did_document` or `did_document_id_mismatch`
 */
export function assertDidDocument(value: unknown, did: string): asserts value is DidDocument {
  const invalid = (why: string): DidResolutionError => new DidResolutionError('invalid_did_document', `DID document of ${did}: ${why}`)
  if (!isPlainObject(value)) throw invalid('not a JSON object')
  if (typeof value.id !== 'string') throw invalid('id is not a string')
  if (value.id !== did) throw new DidResolutionError('did_document_id_mismatch', `DID document id ${value.id} is not ${did}`)
  if (value.controller !== undefined && typeof value.controller !== 'string' && !isStringArray(value.controller)) {
    throw invalid('controller is not a string or an array of strings')
  }

  const seen = new Set<string>()
  const checkMethod = (vm: unknown, path: string): void => {
    if (!isPlainObject(vm)) throw invalid(`${path} is not an object`)
    for (const member of ['id', 'type', 'controller'] as const) {
      if (typeof vm[member] !== 'string' || vm[member] === '') throw invalid(`${path}.${member} is not a non-empty string`)
    }
    if (vm.publicKeyJwk !== undefined && !isPlainObject(vm.publicKeyJwk)) throw invalid(`${path}.publicKeyJwk is not an object`)
    for (const member of ['publicKeyMultibase', 'publicKeyBase58'] as const) {
      if (vm[member] !== undefined && typeof vm[member] !== 'string') throw invalid(`${path}.${member} is not a string`)
    }
    const id = vm.id as string
    const absolute = id.startsWith('#') ? `${did}${id}` : id
    if (seen.has(absolute)) throw invalid(`${path}.id ${id} is defined twice`)
    seen.add(absolute)
  }

  if (value.verificationMethod !== undefined) {
    if (!Array.isArray(value.verificationMethod)) throw invalid('verificationMethod is not an array')
    value.verificationMethod.forEach((vm, i) => checkMethod(vm, `verificationMethod[${i}]`))
  }
  for (const relationship of RELATIONSHIPS) {
    const entries = value[relationship]
    if (entries === undefined) continue
    if (!Array.isArray(entries)) throw invalid(`${relationship} is not an array`)
    entries.forEach((entry, i) => {
      if (typeof entry === 'string') {
        if (entry === '') throw invalid(`${relationship}[${i}] is empty`)
      } else {
        checkMethod(entry, `${relationship}[${i}]`)
      }
    })
  }
  if (value.service !== undefined) {
    if (!Array.isArray(value.service) || !value.service.every((s) => isPlainObject(s) && typeof s.id === 'string')) {
      throw invalid('service is not an array of objects with an id')
    }
  }
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string')
}
