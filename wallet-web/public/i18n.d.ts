// Types of i18n.js, for the TypeScript tests that import it (the browser loads the .js as is).

export const LANGUAGES: readonly string[]
export const MESSAGES: Readonly<Record<string, Readonly<Record<string, string>>>>
export function t(lang: string, key: string, params?: Record<string, string | number>): string
export function has(lang: string, key: string): boolean
/** The wallet's wording of a check's reason in `lang`, else the verifier's message, else undefined. */
export function describeReason(lang: string, check: { reason?: unknown; message?: unknown; status?: unknown }): string | undefined
