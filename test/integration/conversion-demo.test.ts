// The demo's conversion data (bin/demo-bank.ts seedConversion, run by `npm start`): three rules, Li Hua's approved
// conversion with its signed credential, one rule she meets and one she nearly meets in her advice; seeding again adds
// nothing.
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { DEMO_IDENTITIES, DEMO_INSTITUTION } from '../../bin/demo-bank.ts'
import { seedDemo } from '../../bin/demo.ts'
import { signIn } from '../../fixtures/accounts.ts'
import { startTestSystem, verify, type TestSystem } from '../../fixtures/test-system.ts'
import type { Advice, ApplicationView } from '../../issuer/conversion/conversion.ts'

describe('demo data: conversion (bin/demo-bank.ts)', function () {
  this.timeout(120_000)
  let sys: TestSystem
  before(async () => {
    const registry = path.join(mkdtempSync(path.join(tmpdir(), 'demo-registry-')), 'registry.json')
    writeFileSync(registry, JSON.stringify(DEMO_IDENTITIES))
    sys = await startTestSystem({ CB_IDENTITY_REGISTRY: registry })
  })
  after(() => sys.close())

  it('when the demo is seeded twice, then Li Hua has one approved conversion whose credential verifies, and her advice shows a met and a nearly met rule', async () => {
    const urls = { issuer: sys.issuerUrl, verifier: sys.verifierUrl, wallet: 'http://localhost:1/' }
    await seedDemo(sys.issuer, urls)
    const info = await seedDemo(sys.issuer, urls)
    const rules = await sys.issuer.conversion.listRules({ limit: 100 })
    assert.deepEqual(rules.items.map((r) => r.definition.target.code).sort(), ['CS305', 'CS310', 'MATH-IT'])
    const jsouRules = await sys.issuer.conversion.listRules({ targetInstitutionId: DEMO_INSTITUTION, limit: 100 })
    assert.equal(jsouRules.items.length, 2)

    const li = await signIn(sys, info.accounts.learner!.username, info.accounts.learner!.password)
    const mine = await li.get<{ items: (ApplicationView & { verifiableCredential: Record<string, unknown> })[] }>(
      '/me/conversion-applications',
    )
    assert.deepEqual(
      mine.body.items.map((a) => [a.target.code, a.state, a.credits]),
      [['CS305', 'approved', 3]],
    )
    const report = await verify(sys, mine.body.items[0]!.verifiableCredential)
    assert.equal(report.body.verified, true, JSON.stringify(report.body.checks))

    const advice = await li.get<Advice>('/me/conversion-advice')
    assert.deepEqual(
      advice.body.met.map((m) => m.target.code),
      ['MATH-IT'],
    )
    assert.deepEqual(
      advice.body.nearlyMet.map((m) => [m.target.code, m.missing.map((x) => (x.kind === 'outcome' ? x.source.code : x.kind))]),
      [['CS310', ['PY-MOOC']]],
    )
  })
})
