// The JSON-LD contexts we bundle, by URL: the only documents the offline document loader serves.
import { deepFreeze } from '../json.ts'
import { readFileSync } from 'node:fs'
import { contexts as credentialsContexts } from '@digitalbazaar/credentials-context'
import { CREDIT_BANK_CONTEXT, OB3_CONTEXT, VC_EXAMPLES_V2_CONTEXT, VC_V1_CONTEXT, VC_V2_CONTEXT } from './types.ts'

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

/**
 * Bundled contexts, URL → context document (deeply frozen). Frozen so that no caller can change what
 * every later signature and verification canonicalizes against. The "undefined terms" context of
 * credentials-context is deliberately absent: it maps every unknown term to a catch-all vocabulary and
 * would defeat JSON-LD safe mode (SECURITY.md #42).
 */
export const CONTEXTS: ReadonlyMap<string, object> = new Map<string, object>(
  (
    [
      [VC_V2_CONTEXT, fromCredentialsContext(VC_V2_CONTEXT)],
      [VC_V1_CONTEXT, fromCredentialsContext(VC_V1_CONTEXT)],
      [OB3_CONTEXT, readVendored('ob-v3p0-context-3.0.3.jsonld')],
      [CREDIT_BANK_CONTEXT, readVendored('credit-bank-v1.jsonld')],
      [VC_EXAMPLES_V2_CONTEXT, readVendored('credentials-examples-v2.jsonld')],
    ] as const
  ).map(([url, document]) => [url, deepFreeze(document)]),
)
