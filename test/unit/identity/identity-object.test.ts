// Open Badges 3.0 hashed IdentityObject: sha256$ of identifier + salt, a fresh salt each time, valid against the bank's schema.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { fixedClock } from '../../../core/clock.ts'
import { hashedIdentityObject, identityObjectMatches, residentIdIdentityObject } from '../../../core/identity/identity-object.ts'
import { parseResidentId } from '../../../core/identity/resident-id.ts'
import { TEST_ISSUER_DID, buildAchievementCredential } from '../../../fixtures/builders.ts'
import { validateCredential } from '../../../core/credentials/validate-credential.ts'

const ID_NUMBER = '11010519491231002X'

describe('hashed IdentityObject (Open Badges 3.0)', () => {
  it('when an identifier is hashed with a given salt, then identityHash is sha256$ of identifier + salt', () => {
    const o = hashedIdentityObject('learner@example.cn', 'emailAddress', 'c2FsdA')
    const hex = createHash('sha256').update('learner@example.cnc2FsdA').digest('hex')
    assert.deepEqual(o, {
      type: 'IdentityObject',
      hashed: true,
      identityHash: `sha256$${hex}`,
      identityType: 'emailAddress',
      salt: 'c2FsdA',
    })
  })

  it('when a resident identity number is hashed, then each object has a fresh salt, hides the number, and matches only it', () => {
    const parsed = parseResidentId(ID_NUMBER.toLowerCase(), fixedClock('2026-06-15T00:00:00Z'))
    assert.ok(parsed.ok)
    const a = residentIdIdentityObject(parsed.id)
    const b = residentIdIdentityObject(parsed.id)
    assert.equal(a.identityType, 'nationalIdentityNumber')
    assert.match(a.salt, /^[A-Za-z0-9_-]{22}$/)
    assert.notEqual(a.salt, b.salt)
    assert.notEqual(a.identityHash, b.identityHash)
    assert.ok(!JSON.stringify(a).includes(ID_NUMBER))
    assert.ok(identityObjectMatches(a, ID_NUMBER) && identityObjectMatches(b, ID_NUMBER))
    assert.ok(!identityObjectMatches(a, '110105194912310029'))
    assert.ok(!identityObjectMatches({ ...a, hashed: false as true }, ID_NUMBER))
    assert.ok(!identityObjectMatches({ ...a, identityHash: a.identityHash.replace('sha256$', 'sha512$') }, ID_NUMBER))
  })

  it('when many objects are made (salts come from a pooled random buffer, refilled every 256), then every salt is new', () => {
    const salts = Array.from({ length: 1000 }, () => hashedIdentityObject('x', 'nationalIdentityNumber').salt)
    assert.equal(new Set(salts).size, salts.length)
    for (const salt of salts) assert.match(salt, /^[A-Za-z0-9_-]{22}$/)
  })

  it("when it names the learner in a credit-bank AchievementCredential, then the bank's profile accepts it", () => {
    const parsed = parseResidentId(ID_NUMBER, fixedClock('2026-06-15T00:00:00Z'))
    assert.ok(parsed.ok)
    const credential = buildAchievementCredential(TEST_ISSUER_DID, { id: 'urn:uuid:7f1c2a4e-0b7d-4a55-9f2e-3c1d5e6f7a8b' })
    const withIdentifier = (identifier: unknown) => ({
      ...credential,
      credentialSubject: { ...credential.credentialSubject, identifier: [identifier] },
    })
    assert.deepEqual(validateCredential(withIdentifier(residentIdIdentityObject(parsed.id)), { model: 'v2' }), [])
    const clear = { ...residentIdIdentityObject(parsed.id), identityHash: ID_NUMBER }
    assert.notDeepEqual(
      validateCredential(withIdentifier(clear), { model: 'v2' }),
      [],
      'the profile is applied: a number in the clear is refused',
    )
  })
})
