// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

/** Modules that must never be reached from src/actors: actors speak typed messages and persistence ports only. */
const infrastructure = [
  'express', 'dgram', 'node:dgram', 'net', 'node:net', 'http', 'node:http', 'https', 'node:https',
  'better-sqlite3', 'mongodb', 'amqplib', 'tftp', 'dhcp', 'syslog-server',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'vendor/**', 'dist/**', 'data/**', 'coverage/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'import-x/no-cycle': 'error',
      'no-console': 'error',
    },
  },
  {
    files: ['src/actors/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: infrastructure.map((name) => ({ name, message: 'src/actors talks to the world through typed messages and persistence ports only.' })),
        patterns: [{ group: ['**/persistence/embedded/**', '**/persistence/mongo/**', '**/api/**', '**/protocols/**'], message: 'Actors depend on ports in src/persistence, never on adapters, the API or protocol servers.' }],
      }],
    },
  },
  {
    files: ['src/protocols/**/*.ts', 'src/api/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/persistence/embedded/**', '**/persistence/mongo/**'], message: 'Protocol servers and the API reach state through actors, not storage adapters.' }],
      }],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'src/cli.ts', 'bin/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
