// Lint configuration: typescript-eslint's recommended rules, and the layering that keeps the architecture true.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

/** `group` patterns of what a layer may not import, and why (README "Architecture"). */
const forbid = (groups, message) => ({
  'no-restricted-imports': ['error', { patterns: groups.map((group) => ({ group: [group, `${group}/**`], message })) }],
})
const APPS = ['**/issuer', '**/verifier', '**/wallet-web', '**/bin', '**/bench']

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'wallet-web/vendor/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // core/ is what issuer and verifier share: no express, no HTTP layer, no application, no tests.
  {
    files: ['core/**/*.ts'],
    rules: forbid(
      ['express', '**/http', ...APPS, '**/test'],
      'core/ never imports express, http/ or an application (issuer, verifier, wallet, bin, bench) or tests',
    ),
  },
  // http/ is express glue for every service: it may use core/, never an application.
  { files: ['http/**/*.ts'], rules: forbid([...APPS, '**/test'], 'http/ is shared by every service and imports no application') },
  // The issuer and the verifier never import each other: the verifier learns everything from public endpoints.
  {
    files: ['issuer/**/*.ts'],
    rules: forbid(
      ['**/verifier', '**/wallet-web', '**/bin', '**/bench', '**/test'],
      'the issuer imports neither the verifier nor the wallet (the verifier reads only its public endpoints)',
    ),
  },
  {
    files: ['verifier/**/*.ts'],
    rules: forbid(
      ['**/issuer', '**/wallet-web', '**/bin', '**/bench', '**/test'],
      'the verifier never imports the issuer: it learns everything from public endpoints',
    ),
  },
  // bench/ measures the product as shipped: it shares fixtures with the tests through fixtures/, not by importing test/.
  { files: ['bench/**/*.ts'], rules: forbid(['**/test'], 'bench/ does not import test/: shared fixtures live in fixtures/') },
  // schemas/ is data (JSON Schemas, JSON-LD contexts): code that compiles or checks it lives in core/.
  {
    files: ['schemas/**/*.{ts,js,mjs,cjs}'],
    rules: { 'no-restricted-syntax': ['error', { selector: 'Program', message: 'schemas/ holds data only; put code in core/' }] },
  },
)
