// GB 11643 resident identity numbers: the MOD 11-2 check character, every refusal code, normalization and masking.
import assert from 'node:assert/strict'
import { inspect } from 'node:util'
import { fixedClock } from '../../../core/clock.ts'
import { ERROR_STATUS } from '../../../core/errors.ts'
import {
  PROVINCE_CODES,
  RESIDENT_ID_MESSAGES,
  maskIdNumber,
  mod11_2CheckCharacter,
  parseResidentId,
  residentIdError,
  type ResidentIdErrorCode,
} from '../../../core/identity/resident-id.ts'

const clock = fixedClock('2026-06-15T12:00:00Z')

/** The check character by the standard's own formulation: weights 2^(17-i) mod 11 over positions i = 0..16. */
function checkByWeights(base17: string): string {
  const sum = [...base17].reduce((acc, d, i) => acc + Number(d) * (2 ** (17 - i) % 11), 0)
  return '10X98765432'[sum % 11]
}
const complete = (base17: string): string => base17 + checkByWeights(base17)

const codeOf = (input: string): ResidentIdErrorCode | 'ok' => {
  const r = parseResidentId(input, clock)
  return r.ok ? 'ok' : r.code
}

describe('resident identity numbers (GB 11643)', () => {
  it('when the published MOD 11-2 examples are checked, then the check characters match (ORCID iDs, GB 11643 example)', () => {
    // ORCID iDs use ISO/IEC 7064 MOD 11-2 over 15 digits: 0000-0002-1825-0097, 0000-0002-1694-233X, 0000-0003-1415-9269.
    assert.equal(mod11_2CheckCharacter('000000021825009'), '7')
    assert.equal(mod11_2CheckCharacter('000000021694233'), 'X')
    assert.equal(mod11_2CheckCharacter('000000031415926'), '9')
    // The example number of GB 11643-1999: 11010519491231002X.
    assert.equal(mod11_2CheckCharacter('11010519491231002'), 'X')
    assert.equal(codeOf('11010519491231002X'), 'ok')
  })

  it("when check characters are computed by the standard's weights on made-up bases, then the recurrence agrees and each number is valid", () => {
    const bases = ['32010219900307123', '44030420000229456', '65010119000101001', '82000020260615999', '71000019991231000']
    for (let i = 0; i < 200; i++) bases.push('3201' + String(i % 100).padStart(2, '0') + '19850412' + String(i).padStart(3, '0'))
    const seen = new Set<string>()
    for (const base of bases) {
      assert.equal(mod11_2CheckCharacter(base), checkByWeights(base), base)
      seen.add(checkByWeights(base))
      assert.equal(codeOf(complete(base)), 'ok', base)
    }
    assert.ok(seen.size >= 10, 'the bases exercise (nearly) every check character, X included')
    assert.ok(seen.has('X'))
  })

  it('when a number is valid, then it is normalized (x, full-width digits, white space) and gives its region and birth date', () => {
    const number = complete('32010219900307123')
    const lower = number.slice(0, 17) + number[17].toLowerCase()
    const fullWidth = [...number].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join('')
    for (const input of [number, lower, ` ${number}\t`, fullWidth]) {
      const r = parseResidentId(input, clock)
      assert.ok(r.ok, JSON.stringify(input))
      assert.equal(r.id.reveal(), number)
      assert.equal(r.id.provinceCode, '32')
      assert.equal(r.id.birthDate, '1990-03-07')
    }
    const x = parseResidentId('11010519491231002x', clock)
    assert.ok(x.ok)
    assert.equal(x.id.reveal(), '11010519491231002X')
  })

  it('when the form is wrong, then id_number_format', () => {
    const valid = complete('32010219900307123')
    for (const input of [
      '',
      valid.slice(0, 17),
      valid + '1',
      'A' + valid.slice(1),
      valid.slice(0, 17) + 'Y',
      '3201021990030712X4',
      '1'.repeat(100),
    ]) {
      assert.equal(codeOf(input), 'id_number_format', input)
    }
    assert.equal(codeOf(undefined as unknown as string), 'id_number_format')
  })

  it('when one character is mistyped or two are swapped, then id_number_checksum', () => {
    const valid = complete('32010219900307123')
    const wrongCheck = valid.slice(0, 17) + (valid[17] === '0' ? '1' : '0')
    assert.equal(codeOf(wrongCheck), 'id_number_checksum')
    const typo = valid.slice(0, 15) + ((Number(valid[15]) + 1) % 10) + valid.slice(16)
    assert.equal(codeOf(typo), 'id_number_checksum')
    const swapped = valid.slice(0, 14) + valid[15] + valid[14] + valid.slice(16)
    assert.notEqual(swapped, valid)
    assert.equal(codeOf(swapped), 'id_number_checksum')
  })

  it('when the first two digits are not a province-level code in use, then id_number_region (with a correct check character)', () => {
    for (const region of ['00', '10', '16', '20', '24', '30', '38', '40', '47', '49', '55', '60', '66', '70', '72', '80', '84', '91', '99'])
      assert.equal(codeOf(complete(region + '010219900307123')), 'id_number_region', region)
    for (const region of PROVINCE_CODES) assert.equal(codeOf(complete(region + '010219900307123')), 'ok', region)
    assert.equal(PROVINCE_CODES.size, 35)
  })

  it('when the birth date is not a real date, before 1900 or after today (China time), then id_number_birth_date', () => {
    const at = (date: string) => codeOf(complete('320102' + date + '123'))
    for (const date of ['18991231', '19000229', '19901301', '19900001', '19900100', '19900431', '20230229', '20260616', '30000101'])
      assert.equal(at(date), 'id_number_birth_date', date)
    for (const date of ['19000101', '20000229', '20240229', '19991231', '20260615']) assert.equal(at(date), 'ok', date)
    // 2026-06-15T17:00Z is already 2026-06-16 in China Standard Time (UTC+8).
    const late = fixedClock('2026-06-15T17:00:00Z')
    assert.ok(parseResidentId(complete('32010220260616123'), late).ok)
    assert.equal(codeOf(complete('32010220260616123')), 'id_number_birth_date')
  })

  it('when a number is refused, then the AppError is a 400 with its code, both languages and the field, never the number', () => {
    for (const code of Object.keys(RESIDENT_ID_MESSAGES) as ResidentIdErrorCode[]) {
      const err = residentIdError(code, '/learner/idNumber')
      assert.equal(err.code, code)
      assert.equal(err.status, 400)
      assert.equal(ERROR_STATUS[code], 400)
      assert.match(err.message, /[\u4e00-\u9fff]/)
      assert.match(err.message, /resident identity number/)
      assert.deepEqual(err.issues?.[0]?.path, '/learner/idNumber')
    }
  })

  it('when a number is masked, then only its first 4 and last 4 characters show, in every form a ResidentId can take', () => {
    assert.equal(maskIdNumber('32010219900307123X'), '3201**********123X')
    assert.equal(maskIdNumber('3201021990'), '**********')
    assert.equal(maskIdNumber(''), '')
    const number = complete('32010219900307123')
    const r = parseResidentId(number, clock)
    assert.ok(r.ok)
    const masked = '3201**********' + number.slice(14)
    assert.equal(r.id.masked, masked)
    assert.equal(String(r.id), masked)
    assert.equal(`${r.id}`, masked)
    assert.equal(JSON.stringify({ idNumber: r.id }), JSON.stringify({ idNumber: masked }))
    assert.equal(inspect(r), `{ ok: true, id: ResidentId(${masked}) }`)
    assert.ok(!JSON.stringify(r).includes(number))
  })
})
