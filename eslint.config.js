// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Database drivers: imported in src/persistence only. */
const STORAGE = ['better-sqlite3', 'pg', 'kysely'];

/** Forbids the listed packages and import paths in `files`. */
function layer(files, paths, patterns) {
  return [{ files: [files], rules: { 'no-restricted-imports': ['error', { paths, patterns }] } }];
}

export default tseslint.config(
  { ignores: ['node_modules', 'data', 'coverage', 'test-artifacts', 'dist'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'ccxt', message: 'ccxt is only imported in src/adapters' }] },
      ],
    },
  },
  {
    // The engine's per-event code and the embedded paper venue.
    files: [
      'src/runtime/**/*.ts',
      'src/machines/**/*.ts',
      'src/engine/**/*.ts',
      'src/persistence/**/*.ts',
      'src/adapters/paper/**/*.ts',
    ],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          // Node 20's V8 gives each such object a hidden class of its own (see src/domain/extend.ts).
          selector: "ObjectExpression[properties.length>1][properties.0.type='SpreadElement']",
          message:
            'A literal that starts with a spread and adds properties makes a new V8 hidden class per object on Node 20: use extend() from src/domain/extend.ts, name the fields, or put the spread last.',
        },
      ],
    },
  },
  {
    // The one place ccxt may be imported (and tests, which drive it for real).
    files: ['src/adapters/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  // The layers (README "Layout"): an import against them is a bug.
  ...layer('src/domain/**/*.ts', STORAGE.concat('ccxt'), ['../*']),
  ...layer('src/machines/**/*.ts', STORAGE.concat('ccxt', 'node:fs', 'fs'), [
    '../persistence/*',
    '../adapters/*',
    '../runtime/*',
    '../engine/*',
  ]),
  ...layer('src/runtime/**/*.ts', STORAGE.concat('ccxt'), ['../engine/*', '../adapters/*', '../cli/*']),
  ...layer('src/engine/**/*.ts', STORAGE.concat('ccxt'), [
    '../adapters/*',
    '../cli/*',
    '../persistence/venues/*',
  ]),
  ...layer('src/adapters/**/*.ts', STORAGE, ['**/engine/*', '**/runtime/*', '**/cli/*', '**/strategy/*']),
  ...layer(
    'src/persistence/**/*.ts',
    ['ccxt'],
    ['**/adapters/**', '**/engine/*', '**/runtime/*', '**/cli/*'],
  ),
);
