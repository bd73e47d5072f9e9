// WorkerCanonicalizer (issue 5 item 4): the same bytes as the inline canonicalizer, a deadline that replaces the
// worker, a bounded queue, close() answering everything it holds, and an idle pool that never keeps a process alive.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { computeVerifyData, inlineCanonicalizer, WorkerCanonicalizer, type VerifyDataResult } from '../../../core/proofs/canonicalizer.ts'
import { buildAchievementCredential, buildPresentation } from '../../../fixtures/builders.ts'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const proofOptions = (extra: Record<string, unknown> = {}) => ({
  type: 'DataIntegrityProof',
  cryptosuite: 'eddsa-rdfc-2022',
  verificationMethod: 'did:web:bank.example#key-1',
  proofPurpose: 'assertionMethod',
  created: '2026-03-01T08:00:00Z',
  ...extra,
})

/** A VC 2.0 credential of `items` blank nodes (the examples context's @vocab): ~460 ms to canonicalize at 3,000. */
function expensiveDocument(items: number): Record<string, unknown> {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2', 'https://www.w3.org/ns/credentials/examples/v2'],
    type: ['VerifiableCredential', 'ExampleBulkCredential'],
    issuer: 'did:web:bank.example',
    validFrom: '2026-01-01T00:00:00Z',
    credentialSubject: { id: 'did:example:learner', item: Array.from({ length: items }, (_, i) => ({ name: `item ${i}` })) },
  }
}

const bytesOf = (r: VerifyDataResult): string[] => {
  assert.ok(r.ok, JSON.stringify(r))
  return r.verifyData.map((d) => Buffer.from(d).toString('hex'))
}

describe('WorkerCanonicalizer', function () {
  this.timeout(30_000)
  const pools: WorkerCanonicalizer[] = []
  const pool = (opts: Partial<ConstructorParameters<typeof WorkerCanonicalizer>[0]> = {}) => {
    const p = new WorkerCanonicalizer({ workers: 1, timeoutMs: 10_000, maxQueue: 16, ...opts })
    pools.push(p)
    return p
  }
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()))
  })

  it('when a credential, a co-signed credential and a presentation proof are canonicalized in a worker, then the bytes are those of the inline canonicalizer', async () => {
    const p = pool()
    const credential = buildAchievementCredential('did:web:bank.example')
    const presentation = buildPresentation('did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', [])
    const cases: [object, object[]][] = [
      [credential, [proofOptions()]],
      [
        credential,
        [proofOptions(), proofOptions({ verificationMethod: 'did:web:partner.example#key-2', created: '2026-03-02T08:00:00Z' })],
      ],
      [presentation, [proofOptions({ proofPurpose: 'authentication', challenge: 'c-1', domain: 'https://employer.example' })]],
    ]
    for (const [document, proofs] of cases) {
      const inWorker = bytesOf(await p.verifyData(document, proofs))
      assert.deepEqual(inWorker, bytesOf(await inlineCanonicalizer.verifyData(document, proofs)))
      assert.equal(inWorker.length, proofs.length)
    }
  })

  it('when a document cannot be canonicalized, then the worker answers the same stable code as inline and keeps working', async () => {
    const p = pool()
    const unknown = {
      ...buildAchievementCredential('did:web:bank.example'),
      '@context': ['https://www.w3.org/ns/credentials/v2', 'https://evil.example/ctx'],
    }
    const undefinedTerm = { ...buildAchievementCredential('did:web:bank.example'), notATerm: 1 }
    for (const document of [unknown, undefinedTerm]) {
      const inWorker = await p.verifyData(document, [proofOptions()])
      const inline = await computeVerifyData(document, [proofOptions()])
      assert.equal(inWorker.ok, false)
      assert.deepEqual(inWorker, inline)
    }
    assert.ok((await p.verifyData(buildAchievementCredential('did:web:bank.example'), [proofOptions()])).ok)
  })

  it('when a document passes the deadline, then it fails with canonicalization_timeout, a job queued behind it still runs, and a later one gets a fresh worker', async () => {
    const p = pool({ timeoutMs: 300 })
    const small = buildAchievementCredential('did:web:bank.example')
    const expected = bytesOf(await computeVerifyData(small, [proofOptions()]))
    // Warm: the deadline counts from when a worker takes the job, not from the worker's start.
    bytesOf(await p.verifyData(small, [proofOptions()]))
    const [slow, queued] = await Promise.all([
      p.verifyData(expensiveDocument(9000), [proofOptions()]),
      p.verifyData(small, [proofOptions()]),
    ])
    assert.deepEqual(slow, { ok: false, code: 'canonicalization_timeout', message: 'the document took longer than 300 ms to canonicalize' })
    assert.deepEqual(bytesOf(queued), expected, 'the job waiting behind it ran on the replacement worker')
    assert.deepEqual(bytesOf(await p.verifyData(small, [proofOptions()])), expected)
  })

  it('when more documents wait than maxQueue allows, then the extra ones are refused at once with verifier_busy', async () => {
    const p = pool({ maxQueue: 1 })
    await p.verifyData({}, [])
    const heavy = expensiveDocument(1500)
    const results = await Promise.all([1, 2, 3, 4].map(() => p.verifyData(heavy, [proofOptions()])))
    // One runs, one waits, the other two are refused.
    assert.deepEqual(
      results.map((r) => (r.ok ? 'ok' : r.code)),
      ['ok', 'ok', 'verifier_busy', 'verifier_busy'],
    )
  })

  it('when the pool is closed, then the running and the waiting jobs are answered at once (verifier_busy), and so are later calls', async () => {
    const p = pool()
    await p.verifyData({}, [])
    const heavy = expensiveDocument(9000)
    const pending = [p.verifyData(heavy, [proofOptions()]), p.verifyData(heavy, [proofOptions()]), p.verifyData(heavy, [proofOptions()])]
    await new Promise((r) => setTimeout(r, 50))
    const started = Date.now()
    await p.close()
    const results = await Promise.all(pending)
    assert.ok(Date.now() - started < 1000, `close took ${Date.now() - started} ms to answer its jobs`)
    assert.deepEqual(
      results.map((r) => (r.ok ? 'ok' : r.code)),
      ['verifier_busy', 'verifier_busy', 'verifier_busy'],
    )
    const later = await p.verifyData({}, [])
    assert.equal(later.ok ? 'ok' : later.code, 'verifier_busy')
  })

  it('when a process has used the pool and left it idle without closing it, then the process still exits on its own', async () => {
    const script = [
      `import { WorkerCanonicalizer } from ${JSON.stringify(path.join(ROOT, 'core/proofs/canonicalizer.ts'))}`,
      'const p = new WorkerCanonicalizer({ workers: 2, timeoutMs: 10000, maxQueue: 4 })',
      "const r = await p.verifyData({ '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'] }, [])",
      "console.log(r.ok ? 'done' : 'failed')",
    ].join('\n')
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('exit', (c, s) => resolve([c, s])),
    )
    clearTimeout(killer)
    assert.equal(signal, null, `the process did not exit by itself within 15 s: ${out}`)
    assert.equal(code, 0, out)
    assert.equal(out.trim(), 'done')
  })
})
