// Catalogue search, the same on SQLite and PostgreSQL: an entry's names are cut into tokens stored in an indexed table
// (cb_catalogue_token), and a query is cut the same way; an entry matches when it holds every token of the query.
//   - Chinese (any CJK run): each character and each pair of consecutive characters, so any two consecutive characters
//     of a name find it; a longer run in the query is all its bigrams plus a check that the run itself is in the name.
//   - Latin letters and digits: each word lowercased, indexed by every prefix (up to MAX_WORD), so a query word finds a
//     name with a word starting with it, case-insensitively.
// Equality lookups on one primary-key index answer both; no LIKE over the whole table (a LIKE only re-checks the rows
// the tokens already chose, for CJK runs of three characters or more).

/** Longer words are indexed and searched by their first MAX_WORD characters. */
export const MAX_WORD = 32

const CJK_RUN = /[\p{Script=Han}\u3005\u3007]+/gu
const WORD = /[\p{L}\p{N}]+/gu

const isCjk = (s: string): boolean => /\p{Script=Han}/u.test(s)

/** The tokens stored for an entry's names. */
export function indexTokens(...names: readonly string[]): string[] {
  const tokens = new Set<string>()
  for (const name of names) {
    for (const run of name.normalize('NFKC').match(CJK_RUN) ?? []) {
      const chars = [...run]
      chars.forEach((c, i) => {
        tokens.add(c)
        if (i + 1 < chars.length) tokens.add(c + chars[i + 1])
      })
    }
    for (const word of latinWords(name)) {
      const chars = [...word].slice(0, MAX_WORD)
      for (let n = 1; n <= chars.length; n++) tokens.add(`w:${chars.slice(0, n).join('')}`)
    }
  }
  return [...tokens]
}

export interface SearchQuery {
  /** Every one must be among the entry's tokens. */
  readonly tokens: readonly string[]
  /** CJK runs of three characters or more: the name must contain each (bigrams alone could match them out of order). */
  readonly runs: readonly string[]
}

/** The query `q` cut into tokens; empty tokens when it holds no letter, digit or CJK character. */
export function queryTokens(q: string): SearchQuery {
  const text = q.normalize('NFKC')
  const tokens = new Set<string>()
  const runs: string[] = []
  for (const run of text.match(CJK_RUN) ?? []) {
    const chars = [...run]
    if (chars.length === 1) tokens.add(run)
    for (let i = 0; i + 1 < chars.length; i++) tokens.add(chars[i]! + chars[i + 1]!)
    if (chars.length > 2) runs.push(run)
  }
  for (const word of latinWords(text)) tokens.add(`w:${[...word].slice(0, MAX_WORD).join('')}`)
  return { tokens: [...tokens], runs }
}

/** Lowercased words of letters and digits outside CJK runs. */
function latinWords(text: string): string[] {
  return (text.normalize('NFKC').replace(CJK_RUN, ' ').match(WORD) ?? []).filter((w) => !isCjk(w)).map((w) => w.toLowerCase())
}
