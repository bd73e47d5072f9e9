// The credential_schema check, VC DM 2.0 §4.11 (Data Schemas): a credential that names a `credentialSchema` of type
// `JsonSchema` is valid against it. Only the bank's own schemas (CREDENTIAL_SCHEMA_IDS) are applied; any other is
// skipped as unknown and never fetched (SECURITY.md: nothing is fetched on a credential's word). A schema the `schema`
// check already applied as a profile the credential claims is not validated a second time.
import { isPlainObject } from '../../json.ts'
import { CREDENTIAL_SCHEMA_IDS, validateWithSchema, type CredentialSchemaId } from '../../credentials/schemas.ts'
import { fail, pass, skip, type CredentialCheck } from '../check.ts'

export type CredentialSchemaReason = 'no_credential_schema' | 'schema_unknown' | 'credential_schema_invalid'

const isKnown = (id: unknown): id is CredentialSchemaId => (CREDENTIAL_SCHEMA_IDS as readonly unknown[]).includes(id)

export const credentialSchema: CredentialCheck<CredentialSchemaReason> = {
  id: 'credential_schema',
  run({ secured }, { earlier }) {
    const declared = secured.credential.credentialSchema
    if (declared === undefined) return skip('no_credential_schema', 'the credential names no credentialSchema')
    const entries: readonly unknown[] = Array.isArray(declared) ? declared : [declared]
    const known = entries
      .filter((e): e is { id: CredentialSchemaId } => isPlainObject(e) && e.type === 'JsonSchema' && isKnown(e.id))
      .map((e) => e.id)
    const applied =
      earlier.get('schema')?.status === 'passed'
        ? (earlier.get('schema') as { details?: { schemas?: unknown } }).details?.schemas
        : undefined
    for (const id of known) {
      if (Array.isArray(applied) && applied.includes(id)) continue
      const issues = validateWithSchema(id, secured.credential)
      if (issues.length) return fail('credential_schema_invalid', `${id}: ${issues[0]!.path} ${issues[0]!.message}`, { schema: id, issues })
    }
    if (known.length < entries.length)
      return skip('schema_unknown', "the credential names a credentialSchema that is not one of the bank's JSON Schemas; it is not fetched")
    return pass({ schemas: known })
  },
}
