// A thread of SigningPool: keeps the bank's signing keys it was handed (by kid) and answers each chunk of payloads
// with their compact JWSs, in order. Messages: { key: { kid, privateKey } } | { id, kid, typ, payloads }.
import type { KeyObject } from 'node:crypto'
import { parentPort } from 'node:worker_threads'
import { compactJws, type JwsTyp } from './compact-jws.ts'

type Message =
  | { readonly key: { readonly kid: string; readonly privateKey: KeyObject } }
  | { readonly id: number; readonly kid: string; readonly typ: JwsTyp; readonly payloads: readonly object[] }

const port = parentPort!
const keys = new Map<string, KeyObject>()
port.on('message', (message: Message) => {
  if ('key' in message) {
    keys.set(message.key.kid, message.key.privateKey)
    return
  }
  try {
    const key = keys.get(message.kid)
    if (!key) throw new Error(`no signing key ${message.kid} was handed to this thread`)
    port.postMessage({ id: message.id, jws: message.payloads.map((p) => compactJws(p, message.kid, key, message.typ)) })
  } catch (err) {
    port.postMessage({ id: message.id, error: err instanceof Error ? err.message : String(err) })
  }
})
port.postMessage({ ready: true })
