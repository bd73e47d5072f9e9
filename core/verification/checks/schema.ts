// The schema check: VC DM 2.0 §4 (or 1.1 for JWTs from outside), and the profiles a credential claims (DESIGN.md:
// Open Badges 3.0 for OB 3.0 types, the bank's profile where its context or schema is named); VC DM 2.0 §4.12 for
// presentations.
import { profilesFor, validateCredential } from '../../credentials/validate-credential.ts'
import { validatePresentation } from '../../credentials/validate-presentation.ts'
import { fail, pass, type CredentialCheck, type PresentationCheck } from '../check.ts'

export type SchemaReason = 'schema_invalid'

export const credentialSchemaValidity: CredentialCheck<SchemaReason> = {
  id: 'schema',
  run({ secured }) {
    const issues = validateCredential(secured.credential, { model: secured.model })
    const schemas = profilesFor(secured.credential, secured.model)
    return issues.length
      ? fail('schema_invalid', `${issues.length} problem(s): ${issues[0]!.path} ${issues[0]!.message}`, { issues, schemas })
      : pass({ schemas })
  },
}

export const presentationSchemaValidity: PresentationCheck<SchemaReason> = {
  id: 'schema',
  run({ presentation, model }) {
    const issues = validatePresentation(presentation, { model })
    return issues.length ? fail('schema_invalid', `${issues[0]!.path} ${issues[0]!.message}`, { issues }) : pass()
  },
}
