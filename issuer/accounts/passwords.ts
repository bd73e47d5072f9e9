// Password hashing with scrypt (node:crypto, memory-hard): the hash names its own parameters, so raising the cost
// later leaves old hashes verifiable (and they are rehashed at the next sign-in).
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'
import type { Issue } from '../../core/errors.ts'

const KEY_BYTES = 32
const R = 8
const P = 1

function derive(password: string, salt: Buffer, cost: number): Promise<Buffer> {
  const N = 2 ** cost
  // scrypt needs 128·N·r bytes; node's default maxmem (32 MiB) is just too small for N = 2^15.
  const options: ScryptOptions = { N, r: R, p: P, maxmem: 256 * N * R }
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key))),
  )
}

/** `scrypt$<log2 N>$<r>$<p>$<salt b64url>$<key b64url>`; runs on libuv's thread pool, not the event loop. */
export async function hashPassword(password: string, cost: number): Promise<string> {
  const salt = randomBytes(16)
  const key = await derive(password, salt, cost)
  return ['scrypt', cost, R, P, salt.toString('base64url'), key.toString('base64url')].join('$')
}

/** Whether `password` matches `stored`; false (never a throw) for a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt' || parts[2] !== String(R) || parts[3] !== String(P)) return false
  const cost = Number(parts[1])
  if (!Number.isInteger(cost) || cost < 10 || cost > 20) return false
  const expected = Buffer.from(parts[5]!, 'base64url')
  const key = await derive(password, Buffer.from(parts[4]!, 'base64url'), cost)
  return expected.length === key.length && timingSafeEqual(expected, key)
}

/** The cost a stored hash was made with (to rehash weaker ones after a successful sign-in). */
export const hashCost = (stored: string): number => Number(stored.split('$')[1])

/**
 * Spent on sign-ins for unknown usernames, so that their timing matches a wrong password for a real account.
 * Made once per cost, lazily.
 */
const dummies = new Map<number, Promise<string>>()
export function dummyHash(cost: number): Promise<string> {
  let d = dummies.get(cost)
  if (!d) dummies.set(cost, (d = hashPassword(randomBytes(12).toString('base64url'), cost)))
  return d
}

/** Passwords people reach for first (NIST SP 800-63B: refuse known-bad passwords rather than impose composition rules). */
const COMMON = new Set([
  'password',
  'password1',
  'password123',
  '1234567890',
  '12345678910',
  'qwertyuiop',
  'qwerty123456',
  '1q2w3e4r5t',
  'iloveyou123',
  'abc1234567',
  'a123456789',
  '0123456789',
  '1111111111',
  '123123123123',
  'woaini1314',
  'woaini520',
  'admin12345',
  'administrator',
  'letmein123',
  'welcome123',
  'creditbank',
  'credit-bank',
])

export const PASSWORD_MIN = 10
export const PASSWORD_MAX = 128

/** What is wrong with a new password, as issues at `path` (empty when it is acceptable). */
export function passwordProblems(password: string, username: string, path = '/password'): Issue[] {
  const issues: Issue[] = []
  const length = [...password].length
  if (length < PASSWORD_MIN) issues.push({ path, message: `must be at least ${PASSWORD_MIN} characters (密码至少 ${PASSWORD_MIN} 个字符)` })
  if (length > PASSWORD_MAX) issues.push({ path, message: `must be at most ${PASSWORD_MAX} characters` })
  const lower = password.toLowerCase()
  if (COMMON.has(lower) || /^(.)\1+$/.test(password) || lower.includes(username.toLowerCase()))
    issues.push({ path, message: 'is too easy to guess: avoid common passwords, repeated characters and your username (密码过于简单)' })
  return issues
}
