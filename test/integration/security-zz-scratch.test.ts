import { buildAchievementCredential } from '../helpers/builders.ts'
import { check, issue, jwtOf, startTestSystem, verify } from '../helpers/test-system.ts'
describe('scratch', () => {
  it('rotation immediate', async () => {
    const sys = await startTestSystem()
    const a = await issue(sys, buildAchievementCredential(sys.did))
    console.log(check((await verify(sys, a.body.verifiableCredential)).body, 'proof'))
    await sys.issuer.identity.rotate()
    const b = await issue(sys, buildAchievementCredential(sys.did))
    console.log('new immediately:', check((await verify(sys, b.body.verifiableCredential)).body, 'proof'))
    await sys.close()
  })
})
