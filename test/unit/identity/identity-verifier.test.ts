// Real-name verification through the built-in registry verifier: its three outcomes, and what it refuses to hold.
import assert from 'node:assert/strict'
import { fixedClock } from '../../../core/clock.ts'
import { RegistryIdentityVerifier, normalizePersonName, type IdentityVerifier } from '../../../core/identity/identity-verifier.ts'
import { createPersonalDataProtector } from '../../../core/identity/personal-data.ts'
import { mod11_2CheckCharacter, parseResidentId } from '../../../core/identity/resident-id.ts'

const clock = fixedClock('2026-06-15T12:00:00Z')
const complete = (base17: string): string => base17 + mod11_2CheckCharacter(base17)
const ZHANG = complete('32010219900307123')
const LI = complete('11010520010911456')
const UNKNOWN = complete('44030419850412789')

describe('identity verifier', () => {
  const pii = createPersonalDataProtector({ kmsSecretKey: 'ab'.repeat(32) })
  const verifier: IdentityVerifier = RegistryIdentityVerifier.fromEntries(
    [
      [ZHANG, '张三'],
      [LI.toLowerCase(), 'Li  Si '],
    ],
    { idNumberHash: (id) => pii.idNumberHash(id), clock },
  )

  it('when the name belongs to the number, then verified, with the parsed number', async () => {
    const r = await verifier.verify({ name: '张三', idNumber: ZHANG })
    assert.equal(r.outcome, 'verified')
    assert.equal(r.verifier, 'registry')
    assert.ok(r.outcome === 'verified' && r.id.reveal() === ZHANG)
    assert.equal((await verifier.verify({ name: ' Li Si', idNumber: LI })).outcome, 'verified', 'names compare normalized')
  })

  it('when the number belongs to someone else or is not a valid number, then mismatch with the reason', async () => {
    assert.deepEqual(await verifier.verify({ name: '李四', idNumber: ZHANG }), {
      outcome: 'mismatch',
      verifier: 'registry',
      reason: 'name_mismatch',
    })
    const typo = ZHANG.slice(0, 17) + (ZHANG[17] === '0' ? '1' : '0')
    assert.deepEqual(await verifier.verify({ name: '张三', idNumber: typo }), {
      outcome: 'mismatch',
      verifier: 'registry',
      reason: 'id_number_checksum',
    })
    assert.equal(((await verifier.verify({ name: '张三', idNumber: '3201' })) as { reason: string }).reason, 'id_number_format')
  })

  it('when the registry does not cover the number, then unavailable (it cannot tell), never mismatch', async () => {
    assert.deepEqual(await verifier.verify({ name: '王五', idNumber: UNKNOWN }), {
      outcome: 'unavailable',
      verifier: 'registry',
      reason: 'not_in_registry',
    })
  })

  it('when a registry is given as look-up hashes, then it verifies without holding any number; an invalid entry is refused unquoted', async () => {
    const parsed = parseResidentId(ZHANG, clock)
    assert.ok(parsed.ok)
    const registry = new Map([[pii.idNumberHash(parsed.id), '张三']])
    const byHash = new RegistryIdentityVerifier({ registry, idNumberHash: (id) => pii.idNumberHash(id), clock })
    assert.equal((await byHash.verify({ name: '张三', idNumber: ZHANG })).outcome, 'verified')
    assert.ok(![...registry.keys()].some((k) => k.includes(ZHANG)))
    const bad = ZHANG.slice(0, 17) + (ZHANG[17] === '0' ? '1' : '0')
    assert.throws(
      () => RegistryIdentityVerifier.fromEntries([[bad, '张三']], { idNumberHash: (id) => pii.idNumberHash(id), clock }),
      (err: unknown) => err instanceof TypeError && /check character/.test(err.message) && !err.message.includes(bad),
    )
  })

  it('when names are normalized, then NFKC, trimming and inner white space are all that change', () => {
    assert.equal(normalizePersonName('  Zhang   San\t'), 'Zhang San')
    assert.equal(normalizePersonName('ＺＨＡＮＧ'), 'ZHANG')
    assert.notEqual(normalizePersonName('张三'), normalizePersonName('张 三'))
  })
})
