// Checks an OpenAPI 3.1 document the way a consumer's tooling would: the official OpenAPI 3.1 JSON Schema with every
// $ref resolved (@seriousme/openapi-schema-validator, on ajv 2020), and every Schema Object in it against the JSON Schema
// 2020-12 meta-schema (the dialect of OpenAPI 3.1; the official document schema leaves Schema Objects unchecked).
import assert from 'node:assert/strict'
import Ajv2020Module from 'ajv/dist/2020.js'
import { Validator } from '@seriousme/openapi-schema-validator'

type Json = Record<string, unknown>

/** Fails with the validator's errors unless `document` is a valid OpenAPI 3.1 document. */
export async function assertValidOpenApi31(document: unknown): Promise<void> {
  const doc = structuredClone(document) as Json
  assert.match(String(doc.openapi), /^3\.1\.\d+$/)
  const result = await new Validator().validate(doc)
  assert.ok(result.valid, `not a valid OpenAPI 3.1 document: ${JSON.stringify(result.errors, null, 1)?.slice(0, 2000)}`)
  const meta = new Ajv2020Module.default({ strict: false })
  for (const { at, schema } of schemaObjects(document as Json)) {
    assert.ok(meta.validateSchema(schema as object), `${at} is not a JSON Schema 2020-12: ${meta.errorsText(meta.errors)}`)
  }
}

/** Every Schema Object of the document: components.schemas, parameters, media types (of bodies and answers), headers. */
export function schemaObjects(doc: Json): { at: string; schema: unknown }[] {
  const found: { at: string; schema: unknown }[] = []
  const components = (doc.components ?? {}) as { schemas?: Json }
  for (const [name, schema] of Object.entries(components.schemas ?? {})) found.push({ at: `#/components/schemas/${name}`, schema })
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Json>)) {
    for (const [method, operation] of Object.entries(item)) {
      const op = operation as Json
      const at = `${method.toUpperCase()} ${path}`
      for (const p of (op.parameters ?? []) as Json[]) found.push({ at: `${at} parameter ${String(p.name)}`, schema: p.schema })
      const bodies = [
        (op.requestBody as Json | undefined)?.content,
        ...Object.values((op.responses ?? {}) as Record<string, Json>).map((r) => r.content),
      ]
      for (const content of bodies)
        for (const [type, media] of Object.entries((content ?? {}) as Record<string, Json>))
          if (media.schema !== undefined) found.push({ at: `${at} ${type}`, schema: media.schema })
    }
  }
  return found
}
