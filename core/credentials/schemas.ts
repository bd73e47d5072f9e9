// The credential JSON Schemas of schemas/ (data only), compiled once with the project's ajv (core/json-schema.ts). Browser-safe.
import type { ValidateFunction } from 'ajv/dist/2020.js'
import type { Issue } from '../errors.ts'
import { createAjv, toIssues, type Ajv } from '../json-schema.ts'
import {
  ACHIEVEMENT_CREDENTIAL_SCHEMA_ID,
  BITSTRING_STATUS_LIST_CREDENTIAL_SCHEMA_ID,
  CERTIFICATION_REPORT_CREDENTIAL_SCHEMA_ID,
  OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA_ID,
} from './types.ts'
import commonSchema from '../../schemas/common.v1.schema.json' with { type: 'json' }
import achievementCredentialSchema from '../../schemas/achievement-credential.v1.schema.json' with { type: 'json' }
import certificationReportCredentialSchema from '../../schemas/certification-report-credential.v1.schema.json' with { type: 'json' }
import bitstringStatusListCredentialSchema from '../../schemas/bitstring-status-list-credential.schema.json' with { type: 'json' }
import ob3AchievementCredentialSchema from '../../schemas/ob3-achievement-credential.schema.json' with { type: 'json' }

export {
  commonSchema,
  achievementCredentialSchema,
  certificationReportCredentialSchema,
  bitstringStatusListCredentialSchema,
  ob3AchievementCredentialSchema,
}

/** Schemas a credential can be checked against, by `$id`. */
export type CredentialSchemaId =
  | typeof OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA_ID
  | typeof ACHIEVEMENT_CREDENTIAL_SCHEMA_ID
  | typeof CERTIFICATION_REPORT_CREDENTIAL_SCHEMA_ID
  | typeof BITSTRING_STATUS_LIST_CREDENTIAL_SCHEMA_ID

/** Every schema `$id` we publish, for `credentialSchema` look-ups; also the order in which they are applied and reported. */
export const CREDENTIAL_SCHEMA_IDS: readonly CredentialSchemaId[] = [
  OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA_ID,
  ACHIEVEMENT_CREDENTIAL_SCHEMA_ID,
  CERTIFICATION_REPORT_CREDENTIAL_SCHEMA_ID,
  BITSTRING_STATUS_LIST_CREDENTIAL_SCHEMA_ID,
]

// ---- validators ----------------------------------------------------------------------------

let compiled: Ajv | undefined

// Compiled on first use: ajv code generation costs a few milliseconds we need not pay at import.
function ajv(): Ajv {
  if (compiled) return compiled
  const instance = createAjv()
  instance.addSchema([
    commonSchema,
    achievementCredentialSchema,
    certificationReportCredentialSchema,
    bitstringStatusListCredentialSchema,
    ob3AchievementCredentialSchema,
  ])
  compiled = instance
  return instance
}

function validator(schemaId: CredentialSchemaId): ValidateFunction {
  const fn = ajv().getSchema(schemaId)
  if (!fn) throw new Error(`schema ${schemaId} is not registered`)
  return fn
}

/**
 * Checks `document` against one of our schemas. Returns every problem (empty = valid), each with a
 * JSON pointer path; a failed alternative (`anyOf`, `contains`) is one issue, not one per branch.
 */
export function validateWithSchema(schemaId: CredentialSchemaId, document: unknown): Issue[] {
  const fn = validator(schemaId)
  if (fn(document)) return []
  // ajv collects every error (allErrors); a hostile document can make thousands — keep the first few hundred.
  return toIssues((fn.errors ?? []).slice(0, 300))
}
