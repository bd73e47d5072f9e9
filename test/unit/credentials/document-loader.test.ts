// Tests for the offline JSON-LD document loader and the bundled contexts it serves.
import assert from 'node:assert/strict'
import { CONTEXTS } from '../../../core/credentials/contexts.ts'
import { CREDIT_BANK_CONTEXT, OB3_CONTEXT, VC_V1_CONTEXT, VC_V2_CONTEXT } from '../../../core/credentials/types.ts'
import { ContextNotAllowedError, offlineDocumentLoader } from '../../../core/credentials/document-loader.ts'

type ContextDocument = { '@context': Record<string, unknown> }

describe('offlineDocumentLoader', () => {
  const realFetch = globalThis.fetch
  let fetchCalls = 0

  beforeEach(() => {
    fetchCalls = 0
    globalThis.fetch = async () => {
      fetchCalls++
      throw new Error('network is not allowed in this test')
    }
  })
  afterEach(() => {
    globalThis.fetch = realFetch
  })

  it('when asked for each bundled context, then returns it as a JSON-LD remote document', async () => {
    for (const url of [VC_V2_CONTEXT, VC_V1_CONTEXT, OB3_CONTEXT, CREDIT_BANK_CONTEXT]) {
      const remote = await offlineDocumentLoader(url)
      assert.equal(remote.contextUrl, null)
      assert.equal(remote.documentUrl, url)
      assert.equal(remote.document, CONTEXTS.get(url))
      assert.equal(typeof (remote.document as ContextDocument)['@context'], 'object')
    }
  })

  it('when asked for an unknown URL, then throws unknown_context without touching the network', async () => {
    await assert.rejects(offlineDocumentLoader('https://example.com/contexts/evil.jsonld'), (err: unknown) => {
      assert.ok(err instanceof ContextNotAllowedError)
      assert.equal(err.code, 'unknown_context')
      assert.equal(err.url, 'https://example.com/contexts/evil.jsonld')
      return true
    })
    assert.equal(fetchCalls, 0)
  })

  it('when a URL differs only by a trailing slash or fragment, then it is not served', async () => {
    for (const url of [`${VC_V2_CONTEXT}/`, `${CREDIT_BANK_CONTEXT}#x`, 'http://www.w3.org/ns/credentials/v2']) {
      await assert.rejects(offlineDocumentLoader(url), { code: 'unknown_context' })
    }
  })

  it('when the undefined-terms catch-all context is asked for, then it is refused (it would defeat safe mode)', async () => {
    await assert.rejects(offlineDocumentLoader('https://www.w3.org/ns/credentials/undefined-terms/v2'), {
      code: 'unknown_context',
    })
  })

  it('when a caller tries to change a bundled context, then the change is refused', () => {
    const ctx = (CONTEXTS.get(CREDIT_BANK_CONTEXT) as ContextDocument)['@context']
    assert.throws(() => {
      ctx.frameworkLevel = 'https://evil.example/level'
    }, TypeError)
    assert.ok(Object.isFrozen(CONTEXTS.get(VC_V2_CONTEXT)))
  })
})

describe('bundled contexts', () => {
  it('when reading the OB 3.0 context, then it is the 1EdTech vocabulary with AchievementCredential', () => {
    const ctx = (CONTEXTS.get(OB3_CONTEXT) as ContextDocument)['@context']
    assert.equal(ctx['@protected'], true)
    assert.deepEqual(ctx.AchievementCredential, { '@id': 'OpenBadgeCredential' })
    assert.deepEqual(ctx.Profile && (ctx.Profile as { '@id': string })['@id'], 'https://purl.imsglobal.org/spec/vc/ob/vocab.html#Profile')
  })

  it('when reading the credit-bank context, then it is protected and its terms live under our vocabulary', () => {
    const ctx = (CONTEXTS.get(CREDIT_BANK_CONTEXT) as ContextDocument)['@context']
    assert.equal(ctx['@protected'], true)
    for (const term of ['frameworkLevel', 'outcomeCategory', 'recognizingInstitution', 'region', 'CertificationReport']) {
      const id = (ctx[term] as { '@id': string })['@id']
      assert.ok(id.startsWith('https://w3id.org/credit-bank/vocab#'), `${term} → ${id}`)
    }
    assert.equal((ctx.frameworkLevel as { '@type': string })['@type'], 'http://www.w3.org/2001/XMLSchema#integer')
  })
})
