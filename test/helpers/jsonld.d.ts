// Types for the few jsonld.js (a dependency of @digitalbazaar/data-integrity) calls the tests make.
declare module 'jsonld' {
  type DocumentLoader = (url: string) => Promise<{ contextUrl: null; documentUrl: string; document: object }>
  interface ProcessingOptions {
    documentLoader?: DocumentLoader
    safe?: boolean
  }
  const jsonld: {
    expand(input: object, options?: ProcessingOptions): Promise<unknown[]>
    canonize(input: object, options?: ProcessingOptions & { algorithm?: 'RDFC-1.0'; format?: 'application/n-quads' }): Promise<string>
  }
  export default jsonld
}
