// agent.yml interpretation: $require allow-list, $inject, $ref, $env, clear errors.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { AgentConfigError, loadAgentConfig } from '../../../core/agent/load-agent.ts'

describe('loadAgentConfig', () => {
  let dir: string
  const write = (yaml: string) => {
    const file = path.join(dir, 'agent.yml')
    writeFileSync(file, yaml)
    return file
  }
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'cb-agent-'))))
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('when a pointer uses $inject, $env and $ref, then each resolves and objects are built once', async () => {
    const cfg = loadAgentConfig(
      write('a:\n  x: { $inject: db }\n  y: { $env: CB_TEST_X }\nb: { $ref: /a }\n'),
      { db: 'the-db' },
      { CB_TEST_X: 'from-env' },
    )
    const a = await cfg.get<{ x: string; y: string }>('/a')
    assert.deepEqual(a, { x: 'the-db', y: 'from-env' })
    assert.equal(await cfg.get('/b'), a)
  })

  it('when $require names a module outside the allow-list, then it refuses with the pointer', async () => {
    const cfg = loadAgentConfig(write('evil:\n  $require: node:child_process#execSync\n  $args: [id]\n'), {})
    await assert.rejects(
      cfg.get('/evil'),
      (err: Error) => err instanceof AgentConfigError && /\/evil/.test(err.message) && /allow-list/.test(err.message),
    )
  })

  it('when an environment variable or an injection is missing, then the error names it', async () => {
    const cfg = loadAgentConfig(write('a: { $env: CB_MISSING }\nb: { $inject: nothing }\n'), {}, {})
    await assert.rejects(cfg.get('/a'), /CB_MISSING is not set/)
    await assert.rejects(cfg.get('/b'), /nothing injected under "nothing"/)
  })
})
