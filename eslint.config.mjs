import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ADAPTERS = ['messages', 'stores', 'terabox', 'config', 'doctor'];
const above = (names) => names.flatMap((n) => [`**/lib/${n}`, `**/lib/${n}/**`, `../${n}`, `../${n}/**`, `../../${n}`, `../../${n}/**`]);
const outer = ['**/functions/**', '**/local/**', '**/infra/**'];
/** One no-restricted-imports block per layer: what a folder must not import. */
function layerRules() {
  const layer = (folder, banned) => ({
    files: [`lib/${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: banned, message: `lib/${folder} must not import this layer (see eslint.config.mjs layers).` }] }],
    },
  });
  const top = (folder, banned) => ({
    files: [`${folder}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: banned, message: `${folder}/ must not import this (see eslint.config.mjs layers).` }] }] },
  });
  const cliAndLocal = ['**/lib/cli', '**/lib/cli/**', '**/local/**'];
  return [
    // lib/shared: mechanics any layer may use (retry, limiter, truncate, scrubber); it uses no other folder.
    layer('shared', [...above(['domain', 'contracts', 'app', ...ADAPTERS, 'format', 'cli']), ...outer]),
    layer('domain', [...above(['contracts', 'app', ...ADAPTERS, 'format', 'cli']), ...outer]),
    layer('contracts', [...above(['app', ...ADAPTERS, 'format', 'cli']), ...outer]),
    layer('app', [...above([...ADAPTERS, 'format', 'cli']), ...outer]),
    ...ADAPTERS.map((a) => layer(a, [...above(['format', 'cli']), ...outer])),
    layer('format', [...above(['cli']), ...outer]),
    layer('cli', outer),
    // The handlers compose lib/; the npm start run (local/) composes the handlers; neither is composed by them.
    top('functions', [...cliAndLocal, '**/infra/**']),
    top('infra', [...cliAndLocal, '**/functions/**']),
  ];
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'cdk.out/**', 'coverage/**', 'bench/results.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // lib/ is the product: no `any` escapes there.
    files: ['lib/**/*.ts', 'functions/**/*.ts', 'local/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'error' },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', process: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // Layers (issue #18): domain < contracts < app < adapters < format < cli; functions/, local/ compose.
  // test/unit/architecture/layers.test.ts checks these rules catch wrong-way imports.
  ...layerRules(),
);
