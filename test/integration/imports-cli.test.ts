// `credit-bank import` as a real child process: kill -9 at a random row and run again ends with every valid row exactly
// once, the counts right, stored credentials verifying and no status slot used twice; --json's summary; the template;
// usage errors. SQLite, and the PostgreSQL of CB_TEST_DATABASE_URL when it is set.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { VC_JWT_DATA_URL_PREFIX, VC_V2_CONTEXT } from '../../core/credentials/types.ts'
import { parseResidentId } from '../../core/identity/resident-id.ts'
import { CredentialStore } from '../../issuer/credentials/credential-store.ts'
import {
  csvText,
  residentIdNumber,
  seedInstitution,
  validRow,
  type ImportFields,
  type SeededInstitution,
} from '../../fixtures/import-rows.ts'
import { BIN, runCli } from '../../fixtures/processes.ts'
import { startTestSystem, storedSlots, TEST_KMS_SECRET, verify, type TestSystem } from '../../fixtures/test-system.ts'

interface Summary {
  jobId: string
  state: string
  rows: number
  imported: number
  duplicates: number
  rejected: number
  toReview: number
  errorReport: string | null
  institutionOutcomes: number
}

describe('credit-bank import (child processes)', function () {
  this.timeout(300_000)
  let sys: TestSystem
  let inst: SeededInstitution
  let env: Record<string, string>

  before(async () => {
    sys = await startTestSystem()
    inst = await seedInstitution(sys.issuer, 'uni-k')
    env = {
      CB_DATA_DIR: sys.config.dataDir,
      CB_KMS_SECRET_KEY: TEST_KMS_SECRET,
      CB_PUBLIC_URL: sys.config.publicUrl.href,
      ...(process.env.CB_TEST_DATABASE_URL ? { CB_DATABASE_URL: process.env.CB_TEST_DATABASE_URL } : {}),
    }
  })
  after(() => sys?.close())

  it('when the import process is killed with SIGKILL at a random row and run again, then every valid row is there exactly once', async () => {
    // Enough rows that the job runs for seconds past the kill point, whatever the machine's speed: the poller below
    // must see the job still running when it kills (at 6,000 rows a fast run could finish between two polls).
    const N = 30_000
    const bad = new Set([10, 2500, 5999])
    const outOfScope = new Set([11, 4000])
    const rows: ImportFields[] = []
    for (let i = 0; i < N; i++)
      rows.push(validRow(100_000 + i, outOfScope.has(i) ? inst.outOfScopeCode : inst.courseCode, bad.has(i) ? { credits: '99' } : {}))
    const file = path.join(sys.config.dataDir, 'outcomes.csv')
    writeFileSync(file, csvText(rows, { bom: true }))

    // Kill it once it has committed at least `target` rows (a random place; the kill lands wherever the child is then).
    const target = 1000 + Math.floor(Math.random() * 3000)
    const child = spawn(process.execPath, [BIN, 'import', file, '--institution', inst.institutionId, '--json'], {
      env: { PATH: process.env.PATH ?? '', CB_LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)))
    let killedAt = -1
    for (let i = 0; i < 1200 && killedAt < 0; i++) {
      await new Promise((r) => setTimeout(r, 50))
      const [job] = (await sys.issuer.imports.list(inst.institutionId, undefined, 1)).items
      if (job && job.rowsDone >= target) {
        child.kill('SIGKILL')
        killedAt = job.rowsDone
      }
      if (child.exitCode !== null) break
    }
    assert.equal(await exited, 'SIGKILL', `the child was killed (at ${killedAt} rows committed, target ${target})`)
    const [stalled] = (await sys.issuer.imports.list(inst.institutionId, undefined, 1)).items
    assert.equal(stalled!.state, 'running')
    assert.ok(stalled!.rowsDone < N, 'killed before the end')

    // Run again: it resumes the same job (the dead process's lease is taken over at once) and ends exactly once.
    const rerun = await runCli(['import', file, '--institution', inst.institutionId, '--json'], env)
    assert.equal(rerun.code, 0, rerun.stderr)
    assert.match(rerun.stderr, new RegExp(`resuming import job ${stalled!.id}`))
    const summary = JSON.parse(rerun.stdout) as Summary
    assert.equal(summary.jobId, stalled!.id)
    const valid = N - bad.size
    assert.deepEqual(
      { ...summary, errorReport: summary.errorReport === null ? null : 'path' },
      {
        jobId: stalled!.id,
        state: 'done',
        rows: N,
        imported: valid - outOfScope.size,
        duplicates: 0,
        rejected: bad.size,
        toReview: outOfScope.size,
        errorReport: 'path',
        institutionOutcomes: valid,
      },
    )
    const report = readFileSync(summary.errorReport!, 'utf8')
    assert.equal(report.charCodeAt(0), 0xfeff)
    assert.deepEqual(
      report
        .slice(1)
        .trimEnd()
        .split('\r\n')
        .map((l) => l.split(',').slice(0, 3).join(',')),
      ['row,column,code', '12,credits,credits_exceed', '2502,credits,credits_exceed', '6001,credits,credits_exceed'],
    )

    // Every learner exactly once; every credential stored, distinct status slots; a sample verifies.
    const credentialIds: string[] = []
    for (let i = 0; i < N; i++) {
      if (bad.has(i)) continue
      const parsed = parseResidentId(residentIdNumber(100_000 + i), sys.clock)
      assert.ok(parsed.ok)
      const { items } = await sys.issuer.recognition.listForLearner(sys.issuer.personalData.idNumberHash(parsed.id), { limit: 5 })
      assert.equal(items.length, 1, `row ${i}`)
      if (!outOfScope.has(i)) credentialIds.push(items[0]!.credentialId!)
    }
    const slots = await storedSlots(sys, credentialIds)
    assert.equal(slots.length, credentialIds.length, 'every acknowledged credential is stored')
    assert.equal(new Set(slots.map((s) => s.slot)).size, credentialIds.length, 'no status slot used twice')
    // The child signed on the real clock: the verifier checks validity on it too.
    sys.clock.set(new Date())
    const sample = [credentialIds[0]!, credentialIds[killedAt - 1] ?? credentialIds[1]!, credentialIds.at(-1)!]
    for (const c of await new CredentialStore(sys.issuer.ds).findMany(sample)) {
      const vc = { '@context': [VC_V2_CONTEXT], id: `${VC_JWT_DATA_URL_PREFIX}${c.document}`, type: 'EnvelopedVerifiableCredential' }
      const res = await verify(sys, vc)
      assert.equal(res.body.verified, true, JSON.stringify(res.body.checks))
    }

    // The same file once more: a new job, every valid row a duplicate.
    const again = await runCli(['import', file, '--institution', inst.institutionId, '--json'], env)
    assert.equal(again.code, 0, again.stderr)
    const second = JSON.parse(again.stdout) as Summary
    assert.notEqual(second.jobId, stalled!.id)
    assert.deepEqual([second.rows, second.imported, second.duplicates, second.rejected, second.toReview], [N, 0, valid, bad.size, 0])
    assert.equal(second.institutionOutcomes, valid)
  })

  it('when asked for the template, then it prints the header and a valid row, which imports cleanly', async () => {
    const template = await runCli(['import', 'template', '--institution', inst.institutionId], env)
    assert.equal(template.code, 0, template.stderr)
    assert.match(template.stdout, /^record_key,id_number,name,course_code,credits,result,awarded_date,term,start_date,end_date\r\n/)
    const file = path.join(sys.config.dataDir, 'template.csv')
    writeFileSync(file, template.stdout)
    const run = await runCli(['import', file, '--institution', inst.institutionId], env)
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /imported 已认定\s+1\n/)
    assert.match(run.stdout, /rejected 被拒绝\s+0\n/)
  })

  it('when the command is wrong or the import cannot start, then it exits 2 or 1 with the reason', async () => {
    assert.equal((await runCli(['import', 'x.csv'], env)).code, 2, 'no --institution')
    assert.equal((await runCli(['import'], env)).code, 2)
    const missing = await runCli(['import', path.join(sys.config.dataDir, 'nope.csv'), '--institution', inst.institutionId], env)
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /cannot be read/)
    const header = path.join(sys.config.dataDir, 'bad-header.csv')
    writeFileSync(header, 'record_key,name\r\nk,n\r\n')
    const refused = await runCli(['import', header, '--institution', inst.institutionId], env)
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /missing column "id_number"/)
    const unknown = await runCli(['import', header, '--institution', 'no-such'], env)
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /no such institution/)
  })
})
