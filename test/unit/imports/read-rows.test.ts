// The import file reader: RFC 4180 CSV (BOM, CRLF/LF/CR, quoted commas, quotes and line breaks) and JSON Lines, read in
// buffers of any size (a quote, a CRLF or a Chinese character cut between two reads), the line each row begins on, and
// the files it refuses.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { ImportFileError, readRows, type SourceRow } from '../../../issuer/imports/read-rows.ts'
import { IMPORT_COLUMNS, RecordKeySet } from '../../../issuer/imports/validate-row.ts'
import type { ImportFormat } from '../../../issuer/imports/import-store.ts'

const dir = mkdtempSync(path.join(tmpdir(), 'credit-bank-read-rows-'))
after(() => rmSync(dir, { recursive: true, force: true }))

let n = 0
async function rowsOf(content: string | Buffer, format: ImportFormat = 'csv', bufferBytes?: number): Promise<SourceRow[]> {
  const file = path.join(dir, `f${++n}.${format}`)
  writeFileSync(file, content)
  const rows: SourceRow[] = []
  for await (const batch of readRows(file, format, IMPORT_COLUMNS, bufferBytes ? { bufferBytes } : {})) rows.push(...batch.rows)
  return rows
}

const HEADER = 'record_key,id_number,name,course_code,credits,awarded_date,result'

describe('readRows (CSV)', () => {
  it('when fields are quoted, then commas, doubled quotes and line breaks inside them are kept, and each row has the line it begins on', async () => {
    const text = `\uFEFF${HEADER}\r\nk1,110,"Li, Lei",C1,2,2026-01-01,"say ""hi"""\r\nk2,110,"two\r\nlines",C1,2,2026-01-01,\nk3,110,x,C1,2,2026-01-01,last`
    const rows = await rowsOf(text)
    assert.deepEqual(
      rows.map((r) => [r.line, r.fields.record_key, r.fields.name, r.fields.result]),
      [
        [2, 'k1', 'Li, Lei', 'say "hi"'],
        [3, 'k2', 'two\r\nlines', ''],
        [5, 'k3', 'x', 'last'],
      ],
    )
  })

  it('when the file is read in buffers of any size, then the rows are the same (quotes, CRLF and UTF-8 cut between reads)', async () => {
    const lines = [HEADER]
    for (let i = 0; i < 60; i++)
      lines.push(`k${i},11010519900101001X,"张三, ""小张""\r\n第${i}行",课程${i},${i % 5},2026-01-0${(i % 9) + 1},"${'优'.repeat(i % 7)}"`)
    const text = '\uFEFF' + lines.join('\r\n') + '\r\n'
    const whole = await rowsOf(text)
    assert.equal(whole.length, 60)
    for (const size of [1, 2, 3, 5, 7, 64, 1000]) assert.deepEqual(await rowsOf(text, 'csv', size), whole, `buffers of ${size} bytes`)
  })

  it('when lines end in CR alone or rows are blank, then CR ends a row and blank lines are skipped', async () => {
    const rows = await rowsOf(`${HEADER}\rk1,1,n,c,1,2026-01-01,\r\r\nk2,1,n,c,1,2026-01-01,r\n`)
    assert.deepEqual(
      rows.map((r) => [r.line, r.fields.record_key]),
      [
        [2, 'k1'],
        [4, 'k2'],
      ],
    )
  })

  it('when a row has more or fewer fields than the header, then that row is malformed and the others are read', async () => {
    const rows = await rowsOf(`${HEADER}\nk1,1,n,c,1,2026-01-01,r,extra\nk2,1,n,c,1,2026-01-01,r\nk3,1\n`)
    assert.deepEqual(
      rows.map((r) => [r.line, r.malformed?.code ?? r.fields.record_key]),
      [
        [2, 'row_field_count'],
        [3, 'k2'],
        [4, 'row_field_count'],
      ],
    )
  })

  it('when the file cannot be an import, then it is refused with its reason', async () => {
    const refused = async (content: string | Buffer, code: string) => {
      await assert.rejects(rowsOf(content), (err: unknown) => err instanceof ImportFileError && err.code === code)
    }
    await refused('', 'import_header_invalid')
    await refused('record_key,name\n', 'import_header_invalid')
    await refused(`${HEADER},record_key\n`, 'import_header_invalid')
    await refused(`${HEADER},colour\n`, 'import_header_invalid')
    await refused(`${HEADER}\nk1,1,"never closed\n`, 'import_quote_unclosed')
    await refused(
      Buffer.concat([Buffer.from(`${HEADER}\nk1,1,`), Buffer.from([0xc3, 0x28]), Buffer.from(',c,1,2026-01-01,\n')]),
      'import_encoding',
    )
    await refused(`${HEADER}\nk1,1,"${'x'.repeat(70_000)}",c,1,2026-01-01,\n`, 'import_row_too_long')
  })
})

describe('readRows (JSON Lines)', () => {
  it('when lines are objects, then their members are the columns; other lines are malformed rows with their line', async () => {
    const text = [
      JSON.stringify({ record_key: 'j1', credits: 2.5, id_number: '1', result: null }),
      '',
      '[1,2]',
      '{"record_key": "j2", "colour": "red"}',
      '{"record_key": {"nested": 1}}',
      'not json',
      '  {"record_key": "j3"}  ',
    ].join('\n')
    const rows = await rowsOf(text, 'jsonl', 7)
    assert.deepEqual(
      rows.map((r) => [r.line, r.malformed ? `${r.malformed.code}:${r.malformed.column}` : r.fields]),
      [
        [1, { record_key: 'j1', credits: '2.5', id_number: '1' }],
        [3, 'row_not_object:'],
        [4, 'column_unknown:colour'],
        [5, 'value_type:record_key'],
        [6, 'row_not_json:'],
        [7, { record_key: 'j3' }],
      ],
    )
  })
})

describe('RecordKeySet', () => {
  it('when keys are added, then a key is reported seen only the second time, across growth of the table', () => {
    const set = new RecordKeySet()
    for (let i = 0; i < 50_000; i++) assert.equal(set.addSeen(`R${i}`), false)
    for (let i = 0; i < 50_000; i += 997) assert.equal(set.addSeen(`R${i}`), true)
    assert.equal(set.addSeen('R50000'), false)
    assert.equal(set.addSeen(''), false)
    assert.equal(set.addSeen(''), true)
  })
})
