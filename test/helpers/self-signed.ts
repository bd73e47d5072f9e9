// A self-signed TLS certificate for `localhost`, made with node:crypto alone (an Ed25519 X.509 v3 certificate written
// as DER by hand), so https tests need neither openssl on the machine nor a certificate package.
import { generateKeyPairSync, sign } from 'node:crypto'

const tlv = (tag: number, content: Buffer): Buffer => {
  const n = content.length
  const length = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff])
  return Buffer.concat([Buffer.from([tag]), length, content])
}
const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items))
const oid = (bytes: number[]): Buffer => tlv(0x06, Buffer.from(bytes))
const ED25519 = oid([0x2b, 0x65, 0x70]) // 1.3.101.112
const COMMON_NAME = oid([0x55, 0x04, 0x03]) // 2.5.4.3
const SUBJECT_ALT_NAME = oid([0x55, 0x1d, 0x11]) // 2.5.29.17
const BASIC_CONSTRAINTS = oid([0x55, 0x1d, 0x13]) // 2.5.29.19
const TRUE = tlv(0x01, Buffer.from([0xff]))

/** RFC 5280 UTCTime, YYMMDDHHMMSSZ. */
const utcTime = (d: Date): Buffer => tlv(0x17, Buffer.from(d.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z'))

/**
 * A key and a self-signed certificate (PEM) for `dnsName`, valid from a day before to a day after the real time
 * (TLS checks the wall clock, not a test's injected clock). It is its own CA: trust it with `ca` or NODE_EXTRA_CA_CERTS.
 */
export function selfSignedCertificate(dnsName = 'localhost'): { key: string; cert: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const name = seq(tlv(0x31, seq(COMMON_NAME, tlv(0x0c, Buffer.from(dnsName)))))
  const now = Date.now()
  const extensions = tlv(
    0xa3,
    seq(seq(SUBJECT_ALT_NAME, tlv(0x04, seq(tlv(0x82, Buffer.from(dnsName))))), seq(BASIC_CONSTRAINTS, TRUE, tlv(0x04, seq(TRUE)))),
  )
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))), // v3
    tlv(0x02, Buffer.from([0x01, ...Array.from({ length: 8 }, () => Math.floor(Math.random() * 256))])), // positive serial
    seq(ED25519),
    name,
    seq(utcTime(new Date(now - 86_400_000)), utcTime(new Date(now + 86_400_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    extensions,
  )
  const der = seq(tbs, seq(ED25519), tlv(0x03, Buffer.concat([Buffer.from([0]), sign(null, tbs, privateKey)])))
  const cert = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`
  return { key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), cert }
}
