// The JSON-LD contexts we bundle, by URL: the only documents the offline document loader serves.
import { readFileSync } from 'node:fs'
import { contexts as credentialsContexts } from '@digitalbazaar/credentials-context'

/** W3C VC Data Model 2.0 base context (defines DataIntegrityProof, BitstringStatusListEntry). */
export const VC_V2_CONTEXT_URL = 'https://www.w3.org/ns/credentials/v2'
/** W3C VC Data Model 1.1 base context, for credentials from outside that still use it. */
export const VC_V1_CONTEXT_URL = 'https://www.w3.org/2018/credentials/v1'
/** 1EdTech Open Badges 3.0 context (vocabulary `https://purl.imsglobal.org/spec/vc/ob/vocab.html#`). */
export const OB3_CONTEXT_URL = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'
/** Our context: credit-bank terms under `https://w3id.org/credit-bank/vocab#`. */
export const CREDIT_BANK_CONTEXT_URL = 'https://w3id.org/credit-bank/v1'

function readVendored(fileName: string): object {
  const url = new URL(`../../schemas/contexts/${fileName}`, import.meta.url)
  return JSON.parse(readFileSync(url, 'utf8')) as object
}

function fromCredentialsContext(url: string): object {
  const document = credentialsContexts.get(url)
  if (document === undefined) throw new Error(`@digitalbazaar/credentials-context has no ${url}`)
  // Our own copy: freezing must not reach into the package's shared object.
  return structuredClone(document)
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}

/**
 * Bundled contexts, URL → context document (deeply frozen). Frozen so that no caller can change what
 * every later signature and verification canonicalizes against. The "undefined terms" context of
 * credentials-context is deliberately absent: it maps every unknown term to a catch-all vocabulary and
 * would defeat JSON-LD safe mode (SECURITY.md #42).
 */
export const CONTEXTS: ReadonlyMap<string, object> = new Map<string, object>(
  (
    [
      [VC_V2_CONTEXT_URL, fromCredentialsContext(VC_V2_CONTEXT_URL)],
      [VC_V1_CONTEXT_URL, fromCredentialsContext(VC_V1_CONTEXT_URL)],
      [OB3_CONTEXT_URL, readVendored('ob-v3p0-context-3.0.3.jsonld')],
      [CREDIT_BANK_CONTEXT_URL, readVendored('credit-bank-v1.jsonld')],
    ] as const
  ).map(([url, document]) => [url, deepFreeze(document)]),
)
