// `credit-bank`: the operators' command line — start the system, manage API clients and keys, verify a credential.
import cluster from 'node:cluster'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { systemClock } from '../core/clock.ts'
import { loadConfig, type Config } from '../core/config.ts'
import { ConfigError } from '../core/errors.ts'
import { createLogger, type Logger } from '../core/log.ts'
import { verifyCredential } from '../core/verification/verify-credential.ts'
import { formatReport, languageFromEnv, parseLanguage } from './format-report.ts'
import { CLI_ACTOR, verifyAuditTrail } from '../issuer/audit/audit-trail.ts'
import { userJson } from '../issuer/accounts/accounts.ts'
import { ROLES, type Role as RoleName } from '../issuer/accounts/principal.ts'
import { openDataSource } from '../core/store/data-source.ts'
import { createApiClient, listApiClients, revokeApiClient, SCOPES, type ApiClientInfo } from '../issuer/clients/api-clients.ts'
import { createIssuerNode } from '../issuer/issuer-node.ts'
import { createVerifierContext } from '../verifier/verifier-node.ts'
import { seedDemo } from './demo.ts'
import { DEMO_IDENTITIES } from './demo-bank.ts'
import { importCommand, importTemplateCommand } from './import-command.ts'
import { startSystem, type Role } from './start-system.ts'

const USAGE = `credit-bank — 学分银行 credit bank for lifelong education

Usage:
  credit-bank start [--demo]                 start issuer, verifier and wallet (--demo: seed demo data, print URLs and a token)
  credit-bank serve issuer|verifier|wallet   start one service (CB_WORKERS processes share its port)
  credit-bank clients create --name NAME --scopes ${SCOPES.join(',')} [--institution ID] [--json]
                                             create an API client; its token is printed once
  credit-bank clients list [--json]          list API clients: id, name, id namespace, scopes, created, last used, revoked
  credit-bank clients revoke ID              revoke a client's token (refused at once by every running instance)
  credit-bank users create --username NAME --role ${ROLES.join('|')} [--name DISPLAY NAME] [--institution ID]
                             [--password-stdin] [--json]
                                             create an account (the first admin, or any other); without --password-stdin
                                             an initial password is made and printed once
  credit-bank keys rotate                    add a new signing key to the bank's DID (old credentials keep verifying)
  credit-bank keys list                      list the bank's published keys
  credit-bank verify FILE|- [--json|--human] [--lang zh|en]
                                             verify a credential (JWT or JSON); exit 0 only if verified. On a terminal
                                             it prints a readable summary (language from LC_ALL/LANG, or --lang);
                                             --json, or output to a pipe or file, prints the report as JSON
  credit-bank audit verify [--json]          check the audit trail's hash chain: OK with the number of entries, or the
                                             first broken entry (seq, why) and exit 1
  credit-bank import FILE --institution ID [--json] [--errors PATH]
                                             import an institution's outcomes (CSV UTF-8 or .jsonl JSON Lines); a
                                             progress bar on a terminal; --json: one summary object at the end. Run
                                             again over the same file to resume an interrupted import. Exit 0 when
                                             done (rejected rows are in the error report), 1 when it failed
  credit-bank import template --institution ID
                                             print the CSV header and one valid example row for its catalogue
  credit-bank migrate                        run database migrations and exit

In this checkout run it as \`npm run cb -- <command>\` or \`npx tsx bin/credit-bank.ts <command>\` (\`npx credit-bank\`
works only where the package is installed). Configuration comes from CB_* environment variables (see README.md).`

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      demo: { type: 'boolean' },
      name: { type: 'string' },
      scopes: { type: 'string' },
      institution: { type: 'string' },
      username: { type: 'string' },
      role: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      json: { type: 'boolean' },
      human: { type: 'boolean' },
      lang: { type: 'string' },
      errors: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  const [command, sub] = positionals
  if (values.help || !command || command === 'help') {
    process.stdout.write(USAGE + '\n')
    return command || values.help ? 0 : 2
  }
  const config = command === 'start' && values.demo ? demoConfig(loadConfig()) : loadConfig()
  const log = createLogger(config.logLevel)

  switch (command) {
    case 'start':
    case 'serve': {
      const roles: Role[] = command === 'start' ? ['issuer', 'verifier', 'wallet'] : [sub as Role]
      if (command === 'serve' && !['issuer', 'verifier', 'wallet'].includes(sub ?? ''))
        return usage('serve needs issuer, verifier or wallet')
      if (command === 'serve' && config.workers > 1 && cluster.isPrimary) return superviseWorkers(config.workers, log)
      const system = await startSystem(config, roles)
      const stop = (signal: string) => {
        log.info('shutting down', { signal })
        void system.close().then(() => process.exit(0))
      }
      process.once('SIGTERM', () => stop('SIGTERM'))
      process.once('SIGINT', () => stop('SIGINT'))
      if (values.demo && system.issuer) {
        const demo = await seedDemo(system.issuer, {
          issuer: system.urls.issuer!,
          verifier: system.urls.verifier!,
          wallet: system.urls.wallet!,
        })
        process.stdout.write(
          [
            '',
            '学分银行 Credit bank is running / 已启动',
            `  issuer (the bank / 学分银行)      ${system.urls.issuer}   ${system.issuer.identity.did}`,
            `  DID document                     ${new URL('.well-known/did.json', system.urls.issuer).href}`,
            `  verifier (employers / 用人单位)   ${system.urls.verifier}`,
            `  wallet (learners / 学习者)        ${system.urls.wallet}`,
            `  demo API token                   ${demo.apiToken}   (scopes credentials:issue, credentials:status)`,
            `  API description / 接口文档        ${new URL('docs/', system.urls.issuer).href}`,
            `  demo accounts / 演示账户 (sign in: POST /session; institution ${demo.institutionId})`,
            ...Object.entries(demo.accounts).map(([key, a]) => `    ${key.padEnd(11)} ${a.username.padEnd(15)} ${a.password}`),
            ...(demo.sampleReport
              ? [
                  `  sample report / 认证报告样例      ${demo.sampleReport.number}`,
                  `    lookup ${demo.sampleReport.lookupUrl}`,
                  `    PDF    ${demo.sampleReport.pdfUrl}`,
                ]
              : []),
            `  demo data and curl commands      ${demo.file}`,
            '',
          ].join('\n') + '\n',
        )
      } else {
        log.info('started', system.urls)
      }
      return new Promise<number>(() => undefined) // runs until a signal
    }
    case 'clients': {
      const clientId = positionals[2]
      if (sub === 'create' && (!values.name || !values.scopes)) return usage('clients create --name NAME --scopes SCOPES')
      if (sub === 'revoke' && (!clientId || positionals.length > 3)) return usage('clients revoke ID (the id `clients list` shows)')
      if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') return usage('clients create | clients list | clients revoke ID')
      const node = await createIssuerNode(config, { clock: systemClock, log })
      try {
        if (sub === 'create') {
          if (values.institution !== undefined && !(await node.alliance.exists(values.institution))) {
            process.stderr.write(`no institution ${values.institution}; GET /institutions lists them\n`)
            return 1
          }
          const client = await createApiClient(node.ds, systemClock, {
            name: values.name!,
            scopes: values.scopes!.split(',').map((s) => s.trim()),
            ...(values.institution !== undefined ? { institutionId: values.institution } : {}),
          })
          process.stdout.write(
            values.json
              ? JSON.stringify(client) + '\n'
              : `client ${client.id} (${client.name}) scopes ${client.scopes.join(',')} ids urn:credit-bank:${client.namespace}:…\ntoken (shown once): ${client.token}\n`,
          )
        } else if (sub === 'list') {
          const clients = await listApiClients(node.ds)
          process.stdout.write(values.json ? JSON.stringify(clients) + '\n' : formatClients(clients))
        } else {
          // Authentication reads the database on every request: every running instance refuses the token from now on.
          if (!(await revokeApiClient(node.ds, systemClock, clientId!))) {
            process.stderr.write(`no API client ${clientId}; \`credit-bank clients list\` shows the ids\n`)
            return 1
          }
          process.stdout.write(`client ${clientId} revoked; its token is refused from now on\n`)
        }
      } finally {
        await node.close()
      }
      return 0
    }
    case 'users': {
      if (sub !== 'create' || !values.username || !values.role)
        return usage(`users create --username NAME --role ${ROLES.join('|')} [--name DISPLAY NAME] [--institution ID] [--password-stdin]`)
      if (!ROLES.includes(values.role as RoleName)) return usage(`--role must be one of ${ROLES.join(', ')}`)
      const password = values['password-stdin'] ? (await readStdin()).replace(/\r?\n$/, '') : undefined
      const node = await createIssuerNode(config, { clock: systemClock, log })
      try {
        const { user, initialPassword } = await node.accounts.createUser(
          {
            username: values.username,
            role: values.role as RoleName,
            displayName: values.name ?? values.username,
            ...(values.institution !== undefined ? { institutionId: values.institution } : {}),
            ...(password !== undefined ? { password } : {}),
          },
          CLI_ACTOR,
        )
        process.stdout.write(
          values.json
            ? JSON.stringify({ ...userJson(user), ...(initialPassword ? { initialPassword } : {}) }) + '\n'
            : `account ${user.id} (${user.username}, ${user.role}${user.institutionId ? ` of ${user.institutionId}` : ''}) created\n` +
                (initialPassword ? `initial password (shown once): ${initialPassword}\n` : ''),
        )
      } finally {
        await node.close()
      }
      return 0
    }
    case 'keys': {
      if (sub !== 'rotate' && sub !== 'list') return usage('keys rotate | keys list')
      const node = await createIssuerNode(config, { clock: systemClock, log })
      try {
        if (sub === 'rotate') process.stdout.write(`new signing key: ${await node.identity.rotate()}\n`)
        for (const k of await node.identity.keys()) process.stdout.write(`${k.kid}  created ${k.createdAt}\n`)
      } finally {
        await node.close()
      }
      return 0
    }
    case 'verify': {
      if (!sub) return usage('verify FILE|-')
      if (values.json && values.human) return usage('verify takes --json or --human, not both')
      const lang = values.lang === undefined ? languageFromEnv(process.env) : parseLanguage(values.lang)
      if (!lang) return usage('--lang must be zh or en')
      const text = readFileSync(sub === '-' ? 0 : sub, 'utf8').trim()
      let input: unknown = text
      if (text.startsWith('{')) {
        try {
          input = JSON.parse(text)
        } catch {
          process.stderr.write('the input is neither a JWT nor valid JSON\n')
          return 2
        }
      }
      const body = input as { verifiableCredential?: unknown }
      const report = await verifyCredential(
        typeof body === 'object' && body && 'verifiableCredential' in body ? body.verifiableCredential : input,
        createVerifierContext(config, systemClock),
      )
      // A person at a terminal reads the summary; scripts (--json, or output to a pipe or file) keep the JSON report.
      const human = values.human === true || (values.json !== true && process.stdout.isTTY === true)
      process.stdout.write(human ? formatReport(report, lang) : JSON.stringify(report, null, 2) + '\n')
      return report.verified ? 0 : 1
    }
    case 'audit': {
      if (sub !== 'verify' || positionals.length > 2) return usage('audit verify [--json]')
      const ds = await openDataSource(config.issuerDb, 'issuer')
      try {
        const result = await verifyAuditTrail(ds)
        process.stdout.write(
          values.json
            ? JSON.stringify(result) + '\n'
            : result.ok
              ? `审计链完好 / audit trail OK: ${result.count} entries\n`
              : `审计链已损坏 / audit trail BROKEN at entry ${result.seq}: ${result.reason} (${result.message}); ${result.count} entries before it are intact\n`,
        )
        return result.ok ? 0 : 1
      } finally {
        await ds.destroy()
      }
    }
    case 'import': {
      if (!sub || positionals.length > 2 || !values.institution)
        return usage('import FILE --institution ID [--json] [--errors PATH] | import template --institution ID')
      if (sub === 'template') return importTemplateCommand(config, log, values.institution)
      return importCommand(config, log, {
        file: sub,
        institution: values.institution,
        json: values.json === true,
        ...(values.errors ? { errors: values.errors } : {}),
      })
    }
    case 'migrate': {
      const node = await createIssuerNode(config, { clock: systemClock, log })
      await node.close()
      process.stdout.write('migrations applied\n')
      return 0
    }
    default:
      return usage(`unknown command: ${command}`)
  }
}

/**
 * `serve` with CB_WORKERS > 1: the primary forks that many copies of this command, which share the port
 * (node:cluster); nothing is kept in a process (DESIGN.md), so any worker can answer any request. A worker
 * that dies is replaced; SIGTERM is passed on and the primary exits when every worker has finished.
 */
function superviseWorkers(count: number, log: Logger): Promise<number> {
  let stopping = false
  const fork = () =>
    cluster.fork().on('exit', (code, signal) => {
      if (stopping) return
      log.error('worker exited; starting another', { code, signal })
      setTimeout(fork, 1000)
    })
  for (let i = 0; i < count; i++) fork()
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      stopping = true
      log.info('shutting down', { signal, workers: count })
      const workers = Object.values(cluster.workers ?? {})
      let left = workers.length
      if (!left) resolve(0)
      for (const w of workers) {
        w?.once('exit', () => --left || resolve(0))
        w?.process.kill(signal)
      }
    }
    process.once('SIGTERM', () => stop('SIGTERM'))
    process.once('SIGINT', () => stop('SIGINT'))
  })
}

/** `clients list` for a person: one client per line, never a token or its hash. */
function formatClients(clients: readonly ApiClientInfo[]): string {
  if (!clients.length) return 'no API clients; create one with: credit-bank clients create --name NAME --scopes ...\n'
  const rows = [
    ['ID', 'NAME', 'NAMESPACE', 'SCOPES', 'CREATED', 'LAST USED', 'REVOKED'],
    ...clients.map((c) => [c.id, c.name, c.namespace, c.scopes.join(','), c.createdAt, c.lastUsedAt ?? 'never', c.revokedAt ?? '-']),
  ]
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n'
}

/**
 * `start --demo` without an identity service: the demo's fictional people become the identity registry
 * (<data>/demo-identity-registry.json), so that real-name verification works in the demo.
 */
function demoConfig(config: Readonly<Config>): Readonly<Config> {
  if (config.identityRegistry !== null) return config
  const file = path.join(config.dataDir, 'demo-identity-registry.json')
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
  writeFileSync(file, JSON.stringify(DEMO_IDENTITIES, null, 2) + '\n', { mode: 0o600 })
  return loadConfig({ ...process.env, CB_IDENTITY_REGISTRY: file })
}

/** All of standard input (a password piped in, so it is never in the shell history or the process list). */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function usage(problem: string): number {
  process.stderr.write(`${problem}\n\n${USAGE}\n`)
  return 2
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`)
    else process.stderr.write(`credit-bank: ${(err as Error).message}\n`)
    process.exit(err instanceof ConfigError ? 2 : 1)
  },
)
