// did:web <-> URL mapping (did:web method spec §3.2), shared by the issuer (its own DID) and the resolver.

/** The did:web DID for a public origin (+ optional path): https://bank.example/jiangsu → did:web:bank.example:jiangsu */
export function didWebFromUrl(url: URL): string {
  const host = url.port ? `${url.hostname}%3A${url.port}` : url.hostname
  const path = url.pathname.split('/').filter(Boolean)
  return ['did:web', host, ...path.map(encodeURIComponent)].join(':')
}

/**
 * The URL of a did:web DID's document: root → /.well-known/did.json, path → /<path>/did.json.
 * Only percent-encoded ':' is decoded in the host (the spec's port form); anything else that
 * decodes to a delimiter is refused by the resolver's syntax check before this is called.
 */
export function didWebDocumentUrl(did: string, scheme: 'https' | 'http' = 'https'): URL {
  const [, , host, ...path] = did.split(':')
  if (!host) throw new TypeError(`not a did:web DID: ${did}`)
  const origin = `${scheme}://${host.replace(/%3A/i, ':')}`
  const pathname = path.length ? `/${path.map(decodeURIComponent).join('/')}/did.json` : '/.well-known/did.json'
  return new URL(pathname, origin)
}
