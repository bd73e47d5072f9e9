// An identity number never appears in a thrown error's message or in a log line written through core/log.ts.
import assert from 'node:assert/strict'
import { fixedClock } from '../../../core/clock.ts'
import { createLogger, errorFields } from '../../../core/log.ts'
import { RegistryIdentityVerifier } from '../../../core/identity/identity-verifier.ts'
import { ID_NUMBER_PURPOSE, createPersonalDataProtector } from '../../../core/identity/personal-data.ts'
import { mod11_2CheckCharacter, parseResidentId, residentIdError } from '../../../core/identity/resident-id.ts'

const clock = fixedClock('2026-06-15T12:00:00Z')
const complete = (base17: string): string => base17 + mod11_2CheckCharacter(base17)
const VALID = complete('32010219900307123')
/** One number per refusal, each a near miss of a real-looking number. */
const REFUSED = {
  id_number_format: VALID.slice(0, 17) + 'Y',
  id_number_checksum: VALID.slice(0, 17) + (VALID[17] === '0' ? '1' : '0'),
  id_number_region: complete('99010219900307123'),
  id_number_birth_date: complete('32010220300307123'),
}

describe('identity numbers never leak', () => {
  const pii = createPersonalDataProtector({ kmsSecretKey: 'ab'.repeat(32) })
  const lines: string[] = []
  const log = createLogger('debug', { service: 'test' }, (line) => lines.push(line))
  const numbers = [VALID, ...Object.values(REFUSED)]
  const assertNoNumber = (text: string) => {
    for (const n of numbers) {
      assert.ok(!text.includes(n), `${text} contains a number`)
      assert.ok(!text.includes(n.slice(4, 14)), `${text} contains a number's middle digits`)
    }
  }

  beforeEach(() => (lines.length = 0))

  it('when a number is refused, then neither the result, nor the AppError, nor its log line quotes it', () => {
    for (const [code, input] of Object.entries(REFUSED)) {
      const r = parseResidentId(input, clock)
      assert.ok(!r.ok)
      assert.equal(r.code, code)
      const err = residentIdError(r.code)
      assertNoNumber(JSON.stringify(r) + err.message + JSON.stringify(err.issues))
      log.warn('identity number refused', { code: r.code, ...errorFields(err) })
    }
    assert.equal(lines.length, 4)
    for (const line of lines) assertNoNumber(line)
  })

  it('when a parsed number, a verification result or an envelope is logged, then the line shows the masked number only', async () => {
    const parsed = parseResidentId(VALID, clock)
    assert.ok(parsed.ok)
    const verifier = RegistryIdentityVerifier.fromEntries([[VALID, '张三']], { idNumberHash: (id) => pii.idNumberHash(id), clock })
    const verification = await verifier.verify({ name: '张三', idNumber: VALID })
    log.info('real-name verification', { idNumber: parsed.id, verification })
    log.child({ learner: parsed.id }).info('stored', { envelope: pii.encryptIdNumber(parsed.id), lookup: pii.idNumberHash(parsed.id) })
    assert.equal(lines.length, 2)
    for (const line of lines) assertNoNumber(line)
    assert.match(lines[0], /"idNumber":"3201\*{10}/)
    assert.match(lines[1], /"learner":"3201\*{10}/)
  })

  it('when decryption fails or an entry is refused, then the thrown message names no number', () => {
    const envelope = pii.encrypt(VALID, ID_NUMBER_PURPOSE)
    const thrown: unknown[] = []
    for (const attempt of [
      () => pii.decrypt(envelope, 'another_purpose'),
      () => pii.decrypt(VALID, ID_NUMBER_PURPOSE),
      () =>
        RegistryIdentityVerifier.fromEntries([[REFUSED.id_number_checksum, '张三']], { idNumberHash: (id) => pii.idNumberHash(id), clock }),
    ]) {
      try {
        attempt()
      } catch (err) {
        thrown.push(err)
      }
    }
    assert.equal(thrown.length, 3)
    for (const err of thrown) {
      assertNoNumber((err as Error).message)
      log.error('failed', errorFields(err))
    }
    for (const line of lines) assertNoNumber(line)
  })
})
