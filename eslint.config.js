import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const pureRestrictions = {
  patterns: [
    { group: ['node:*'], message: 'domain/ and evolve files stay pure: no Node built-ins' },
    {
      group: ['better-sqlite3', 'kafkajs', 'mongodb', 'cassandra-driver', '@eventstore/*'],
      message: 'no drivers in pure code',
    },
    {
      group: ['**/src/**', '**/schema/**'],
      message: 'pure code does not import the runtime or the GraphQL layer',
    },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.ci/**',
      'data/**',
      'bin/**',
      'spark-jobs/**',
      'coverage/**',
      'eslint.config.js',
      'scripts/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-unnecessary-condition': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Plain JavaScript (a test stand-in for a worker thread) is linted without type information.
    ...tseslint.configs.disableTypeChecked,
    files: ['**/*.mjs'],
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly' },
    },
  },
  {
    files: ['domain/**/*.ts', 'projections/**/evolve*.ts', 'projections/*/evolve.ts'],
    rules: { 'no-restricted-imports': ['error', pureRestrictions] },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
);
