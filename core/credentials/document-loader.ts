// A jsonld documentLoader that serves only the bundled contexts and never touches the network.
import { CONTEXTS } from './contexts.ts'

/** A document URL outside the bundled set was requested (SECURITY.md #42: contexts are never fetched). */
export class ContextNotAllowedError extends Error {
  readonly code = 'unknown_context'
  readonly url: string

  constructor(url: string) {
    super(`JSON-LD context ${JSON.stringify(url)} is not bundled; contexts are never fetched`)
    this.name = 'ContextNotAllowedError'
    this.url = url
  }
}

/**
 * jsonld documentLoader: serves bundled contexts only (exact URL match); any other URL throws
 * {@link ContextNotAllowedError} (never fetches). DID documents are not loaded through here.
 *
 * `tag: 'static'` tells jsonld.js the document never changes, so it keeps the processed context in its
 * shared cache across operations; without it every sign or verify re-processes all contexts (~10x slower).
 */
export async function offlineDocumentLoader(
  url: string,
): Promise<{ contextUrl: null; documentUrl: string; document: object; tag: 'static' }> {
  const document = CONTEXTS.get(url)
  if (document === undefined) throw new ContextNotAllowedError(url)
  return { contextUrl: null, documentUrl: url, document, tag: 'static' }
}
