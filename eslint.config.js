// Layer rules after VS Code's: a runtime layer may not import a layer above it (see STYLE.md §1).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

/** src-shared is pure TypeScript: no Electron, no Node built-ins, no other layer. */
const sharedRestrictions = {
  patterns: [
    { group: ['electron', 'electron/*'], message: 'src-shared is pure: no electron imports.' },
    { group: ['node:*'], message: 'src-shared is pure: no node: imports.' },
    {
      group: ['fs', 'path', 'os', 'child_process', 'crypto', 'url', 'http', 'net', 'worker_threads', 'fs/*'],
      message: 'src-shared is pure: no Node built-ins.',
    },
    { group: ['**/src-main/**', '**/src-renderer/**'], message: 'src-shared may not import other layers.' },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'node_modules',
      'dist',
      'release',
      'test/e2e/screenshots',
      '.gpu',
      '.electron-native',
      'test/fixtures',
      'test/lint-fixtures',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src-shared/**/*.ts', 'test/lint-fixtures/src-shared/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', sharedRestrictions] },
  },
  {
    files: ['src-renderer/**/*.ts', 'src-renderer/**/*.svelte'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      // The renderer runs in a sandboxed page: it talks to main only through lib/api.ts.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', 'node:*'], message: 'The renderer has no Node or Electron access.' },
            { group: ['**/src-main/**'], message: 'The renderer may not import src-main.' },
            {
              group: ['**/src-shared/**'],
              allowTypeImports: true,
              message: 'The renderer imports only types from src-shared.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src-main/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/src-renderer/**'], message: 'src-main never imports the renderer.' }] },
      ],
    },
  },
  {
    // Models and adapters sit below training, inference, export, services and the CLI: they never import upwards.
    files: ['src-main/models/**/*.ts', 'src-main/adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/src-renderer/**'], message: 'src-main never imports the renderer.' },
            {
              group: ['**/training/**', '**/inference/**', '**/export/**', '**/services/**', '**/cli/**'],
              message: 'models/ and adapters/ are lower layers: move what they need down instead.',
            },
          ],
        },
      ],
    },
  },
  {
    // Architecture declarations are read by the main process and export: data only, no tf.js, no graph.
    files: ['src-main/models/architectures.ts', 'src-main/models/*/spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/src-renderer/**'], message: 'src-main never imports the renderer.' },
            { group: ['@tensorflow/*'], message: 'Declarations load no tf.js.', allowTypeImports: true },
            {
              group: ['**/graph.ts', '**/index.ts', '**/layers.ts', '**/registry.ts'],
              message: 'Declarations load no graph: import only other spec.ts files and base/spec.ts.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
);
