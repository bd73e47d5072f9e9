// The holder_binding check, a verifier policy (VC DM 2.0 §7.1 and Appendix "Subject-Holder Relationships" leave it
// to the verifier): every subject of every credential in the presentation is the holder.
import { isPlainObject } from '../../json.ts'
import { fail, pass, skip, type PresentationCheck } from '../check.ts'

export type HolderBindingReason = 'no_credentials' | 'holder_missing' | 'subject_not_identified' | 'subject_not_holder'

export const holderBinding: PresentationCheck<HolderBindingReason> = {
  id: 'holder_binding',
  optional: {
    requested: ({ options, ctx }) => Boolean(options.holderBinding || ctx.requireHolderBinding),
    message: 'holder binding was not requested (options.holderBinding) nor required by this verifier',
  },
  async run({ holder, credentialReports }) {
    const reports = await credentialReports()
    if (!reports.length) return skip('no_credentials', 'the presentation carries no credentials')
    if (holder === undefined) return fail('holder_missing', 'holder binding needs a presentation that names its holder')
    for (const [i, r] of reports.entries()) {
      const s = r.document?.credentialSubject
      const subjects = Array.isArray(s) ? s : [s]
      if (!subjects.every((x) => isPlainObject(x) && typeof x.id === 'string')) {
        return fail('subject_not_identified', `credential ${i} does not name its subject by an id, so it cannot be bound to the holder`, {
          index: i,
        })
      }
      if (!subjects.every((x) => (x as { id: string }).id === holder)) {
        return fail('subject_not_holder', `credential ${i} is about someone other than the holder`, { index: i })
      }
    }
    return pass({ holder })
  },
}
