// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
    // The one place ccxt may be imported (and tests, which drive it for real).
    files: ['src/adapters/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['src/machines/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['better-sqlite3', 'pg', 'kysely', 'ccxt', 'node:fs', 'fs'],
          patterns: ['../persistence/*', '../adapters/*', '../runtime/*'],
        },
      ],
    },
  },
);
