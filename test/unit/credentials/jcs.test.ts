// RFC 8785 test vectors for the canonical JSON that Data Integrity credentials are digested over.
import assert from 'node:assert/strict'
import { canonicalJson } from '../../../core/credentials/jcs.ts'

describe('canonicalJson (RFC 8785)', () => {
  it('when given the RFC 8785 §3.2.2 example, then numbers, strings and literals serialize as the RFC prints them', () => {
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    )
    assert.equal(
      canonicalJson(input),
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    )
  })

  it('when member names need sorting, then they are ordered by UTF-16 code units (RFC 8785 §3.2.3)', () => {
    const input = JSON.parse(
      '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}',
    ) as Record<string, string>
    // Compared as text: parsing it back would let JavaScript put the integer-like name "1" first again.
    const order = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33']
    assert.equal(canonicalJson(input), `{${order.map((k) => `${JSON.stringify(k)}:${JSON.stringify(input[k])}`).join(',')}}`)
  })

  it('when the same credential is spaced or ordered differently, then its canonical form is the same', () => {
    const a = JSON.parse('{ "id": "urn:x", "type": ["VerifiableCredential"], "proof": { "b": 1, "a": [2, {"d": 0, "c": null}] } }')
    const b = JSON.parse('{"proof":{"a":[2,{"c":null,"d":0}],"b":1},"type":["VerifiableCredential"],"id":"urn:x"}')
    assert.equal(canonicalJson(a), canonicalJson(b))
    assert.equal(canonicalJson(a), '{"id":"urn:x","proof":{"a":[2,{"c":null,"d":0}],"b":1},"type":["VerifiableCredential"]}')
  })

  it('when every UTF-16 code unit is a string and a member name, then each is written as JSON.stringify writes it (escapes, lone surrogates)', () => {
    for (let unit = 0; unit <= 0xffff; unit++) {
      const c = String.fromCharCode(unit)
      assert.equal(canonicalJson(`a${c}b`), JSON.stringify(`a${c}b`))
      assert.equal(canonicalJson({ [c]: 1 }), `{${JSON.stringify(c)}:1}`)
    }
    assert.equal(canonicalJson(['\ud83d\ude00', '', { undef: undefined }]), '["\ud83d\ude00","",{}]')
  })

  it('when a value JSON cannot hold is given, then it throws rather than writing something unparseable', () => {
    for (const bad of [Number.NaN, Infinity, () => 1, 10n]) assert.throws(() => canonicalJson({ x: bad }), TypeError)
  })
})
