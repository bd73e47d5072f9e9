// Which identity verifier a node gets from CB_IDENTITY_REGISTRY: the registry file read and hashed at start, a bad file
// stopping start-up with a message that never quotes a number, and no registry meaning 'unavailable' for everyone.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fixedClock } from '../../../core/clock.ts'
import { ConfigError } from '../../../core/errors.ts'
import { createPersonalDataProtector } from '../../../core/identity/personal-data.ts'
import { createLogger } from '../../../core/log.ts'
import { createIdentityVerifier, UnconfiguredIdentityVerifier } from '../../../issuer/accounts/identity-verifier-config.ts'
import { residentIdNumber, TEST_IDENTITIES, TEST_KMS_SECRET } from '../../../fixtures/test-system.ts'

describe('the identity verifier from CB_IDENTITY_REGISTRY', () => {
  const clock = fixedClock('2026-03-01T00:00:00Z')
  const protector = createPersonalDataProtector({ kmsSecretKey: TEST_KMS_SECRET })
  const lines: string[] = []
  const log = createLogger('debug', {}, (line) => lines.push(line))
  let dir: string
  const file = (name: string, content: string) => {
    const p = path.join(dir, name)
    writeFileSync(p, content)
    return p
  }
  const problemsOf = (identityRegistry: string): readonly string[] => {
    try {
      createIdentityVerifier({ identityRegistry }, { protector, clock, log })
    } catch (err) {
      assert.ok(err instanceof ConfigError)
      return err.problems
    }
    assert.fail('expected a ConfigError')
  }

  before(() => (dir = mkdtempSync(path.join(tmpdir(), 'identity-registry-'))))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('when a registry file is given, then its people verify, another name mismatches and an unknown number is unavailable', async () => {
    const [zhang, li] = TEST_IDENTITIES
    const verifier = createIdentityVerifier({ identityRegistry: file('ok.json', JSON.stringify([zhang, li])) }, { protector, clock, log })
    assert.equal(verifier.name, 'registry')
    assert.equal((await verifier.verify(zhang)).outcome, 'verified')
    assert.deepEqual(await verifier.verify({ name: li.name, idNumber: zhang.idNumber }), {
      outcome: 'mismatch',
      verifier: 'registry',
      reason: 'name_mismatch',
    })
    assert.deepEqual(await verifier.verify({ name: '无名', idNumber: residentIdNumber('32010219991231001') }), {
      outcome: 'unavailable',
      verifier: 'registry',
      reason: 'not_in_registry',
    })
    assert.ok(lines.some((l) => l.includes('identity registry loaded') && l.includes('"entries":2')))
    assert.ok(!lines.join('').includes(zhang.idNumber), 'the log never holds a number')
  })

  it('when no registry is configured, then every verification is unavailable (never a refusal) and a debug line says why', async () => {
    const verifier = createIdentityVerifier({ identityRegistry: null }, { protector, clock, log })
    assert.ok(verifier instanceof UnconfiguredIdentityVerifier)
    assert.deepEqual(await verifier.verify(), { outcome: 'unavailable', verifier: 'none', reason: 'no_identity_service_configured' })
    assert.ok(lines.some((l) => l.includes('"level":"debug"') && l.includes('CB_IDENTITY_REGISTRY is not set')))
  })

  it('when the registry file is missing, not JSON, not an array, has a bad entry or an invalid number, then start-up stops naming the problem, not the number', () => {
    assert.match(problemsOf(path.join(dir, 'missing.json'))[0]!, /^CB_IDENTITY_REGISTRY: cannot read .*missing\.json as JSON/)
    assert.match(problemsOf(file('bad.json', '[{'))[0]!, /cannot read .* as JSON/)
    assert.match(problemsOf(file('object.json', '{}'))[0]!, /must hold a JSON array of \{idNumber, name\}/)
    assert.deepEqual(problemsOf(file('entry.json', JSON.stringify([TEST_IDENTITIES[0], { idNumber: 1 }, { name: 'x' }]))), [
      `CB_IDENTITY_REGISTRY: entry 1 of ${path.join(dir, 'entry.json')} is not {idNumber: string, name: string}`,
      `CB_IDENTITY_REGISTRY: entry 2 of ${path.join(dir, 'entry.json')} is not {idNumber: string, name: string}`,
    ])
    const wrong = TEST_IDENTITIES[0].idNumber.slice(0, 17) + (TEST_IDENTITIES[0].idNumber[17] === '0' ? '1' : '0')
    const [problem] = problemsOf(file('checksum.json', JSON.stringify([{ idNumber: wrong, name: '张三' }])))
    assert.match(problem!, /entry 0: the check character of the resident identity number does not match/)
    assert.ok(!problem!.includes(wrong))
  })
})
