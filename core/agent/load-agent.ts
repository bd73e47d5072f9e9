// Interprets agent.yml: Veramo's $require/$args/$ref/$env wiring, plus $inject for objects built in code
// (the DataSource chosen by the config, secrets read by loadConfig). About what @veramo/cli does, without its 65 deps.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parse } from 'yaml'

/** Only these modules may be instantiated from agent.yml: a config file must not be a way to load arbitrary code. */
const ALLOWED_MODULES = [/^@veramo\//, /^did-resolver$/, /^\.\/core\//]

export class AgentConfigError extends Error {
  constructor(pointer: string, message: string, options?: { cause?: unknown }) {
    super(`agent.yml ${pointer}: ${message}`, options)
    this.name = 'AgentConfigError'
  }
}

export interface AgentConfig {
  /** Builds (once) and returns the object at a JSON pointer, e.g. '/agent'. */
  get<T>(pointer: string): Promise<T>
}

export function loadAgentConfig(
  file: string,
  inject: Readonly<Record<string, unknown>>,
  env: NodeJS.ProcessEnv = process.env,
): AgentConfig {
  const root = path.dirname(path.resolve(file))
  const doc = parse(readFileSync(file, 'utf8')) as unknown
  const built = new Map<string, Promise<unknown>>()

  const at = (pointer: string): unknown => {
    let node = doc
    for (const part of pointer.split('/').slice(1)) {
      if (node === null || typeof node !== 'object' || !(part in node)) throw new AgentConfigError(pointer, 'no such entry')
      node = (node as Record<string, unknown>)[part]
    }
    return node
  }

  const build = async (node: unknown, pointer: string): Promise<unknown> => {
    if (Array.isArray(node)) return Promise.all(node.map((n, i) => build(n, `${pointer}/${i}`)))
    if (node === null || typeof node !== 'object') return node
    const obj = node as Record<string, unknown>
    if ('$ref' in obj) return get(String(obj.$ref))
    if ('$env' in obj) {
      const value = env[String(obj.$env)]
      if (value === undefined) throw new AgentConfigError(pointer, `environment variable ${String(obj.$env)} is not set`)
      return value
    }
    if ('$inject' in obj) {
      const name = String(obj.$inject)
      if (!(name in inject)) throw new AgentConfigError(pointer, `nothing injected under "${name}"`)
      return inject[name]
    }
    if ('$require' in obj) return instantiate(obj, pointer)
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(obj)) out[k] = await build(v, `${pointer}/${k}`)
    return out
  }

  const instantiate = async (obj: Record<string, unknown>, pointer: string): Promise<unknown> => {
    const [specifier, exportName = 'default'] = String(obj.$require).split('#')
    if (!ALLOWED_MODULES.some((re) => re.test(specifier)))
      throw new AgentConfigError(pointer, `module "${specifier}" is not in the allow-list`)
    try {
      const mod = (await import(specifier.startsWith('./') ? pathToFileURL(path.join(root, specifier)).href : specifier)) as Record<
        string,
        unknown
      >
      const target = mod[exportName]
      if (typeof target !== 'function') throw new TypeError(`"${exportName}" is not exported by ${specifier}`)
      const args = (await build(obj.$args ?? [], `${pointer}/$args`)) as unknown[]
      // Classes are constructed; plain factory functions are called.
      return /^class\s/.test(Function.prototype.toString.call(target))
        ? new (target as new (...a: unknown[]) => unknown)(...args)
        : (target as (...a: unknown[]) => unknown)(...args)
    } catch (err) {
      if (err instanceof AgentConfigError) throw err
      throw new AgentConfigError(pointer, `could not create ${String(obj.$require)}: ${(err as Error).message}`, { cause: err })
    }
  }

  const get = <T>(pointer: string): Promise<T> => {
    let p = built.get(pointer)
    if (!p) {
      p = Promise.resolve().then(() => build(at(pointer), pointer))
      built.set(pointer, p)
    }
    return p as Promise<T>
  }

  return { get }
}
