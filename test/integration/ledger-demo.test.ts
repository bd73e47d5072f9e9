// The demo's credit ledger (issue 8 item 5): the expert committee's per-institution cap holds one of Li Hua's outcomes
// back, shown with the rule, and seeding again adds no second rule.
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { seedDemo } from '../../bin/demo.ts'
import { DEMO_IDENTITIES, DEMO_LEDGER_CAP } from '../../bin/demo-bank.ts'
import { signIn } from '../../fixtures/accounts.ts'
import { startTestSystem, type TestSystem } from '../../fixtures/test-system.ts'

describe('demo data: the credit ledger’s cap (bin/demo-bank.ts)', function () {
  let sys: TestSystem
  before(async () => {
    const registry = path.join(mkdtempSync(path.join(tmpdir(), 'demo-registry-')), 'registry.json')
    writeFileSync(registry, JSON.stringify(DEMO_IDENTITIES))
    sys = await startTestSystem({ CB_IDENTITY_REGISTRY: registry })
  })
  after(() => sys.close())

  it('when the demo is seeded (twice), then the demo learner’s ledger holds back Data Structures with the demo cap, and one such rule exists', async function () {
    this.timeout(120_000)
    const urls = { issuer: sys.issuerUrl, verifier: sys.verifierUrl, wallet: 'http://localhost:1/' }
    await seedDemo(sys.issuer, urls)
    const { accounts } = await seedDemo(sys.issuer, urls)
    const caps = (await sys.issuer.ledger.listRules()).filter((r) => r.nameEn === DEMO_LEDGER_CAP.name.en)
    assert.equal(caps.length, 1)
    const learner = await signIn(sys, accounts.learner!.username, accounts.learner!.password)
    const res = await learner.get<{
      entries: { id: string; code: string | null; institutionId: string | null; credits: number }[]
      heldBack: { entry: { code: string | null; institutionId: string | null; credits: number }; rule: { id: string; name: unknown } }[]
    }>('/me/ledger')
    assert.equal(res.status, 200, res.text)
    const held = res.body.heldBack.filter((h) => h.rule.id === caps[0]!.id)
    assert.deepEqual(
      held.map((h) => [h.entry.code, h.entry.institutionId, h.entry.credits, h.rule.name]),
      [['CS201', 'jsou', 4, DEMO_LEDGER_CAP.name]],
    )
    const jsou = res.body.entries.filter((e) => e.institutionId === 'jsou')
    assert.ok(jsou.reduce((s, e) => s + e.credits, 0) <= DEMO_LEDGER_CAP.parameters.maxCredits)
    assert.ok(res.body.entries.length >= 3)
  })
})
