// Flat config. Workflow files get an extra rule set: no Node builtins or backends, so
// determinism is checked by the linter instead of hoped for.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

const nodeBuiltins = ['fs', 'path', 'child_process', 'http', 'https', 'net', 'os', 'crypto', 'worker_threads', 'process', 'timers'];

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.mlcd/**', 'examples/**/data/**', '*.js', 'test/fixtures/**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: __dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/require-await': 'off',
      // Tests edit parsed YAML specs freely.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: nodeBuiltins.flatMap((m) => [m, `node:${m}`]),
        patterns: [
          { group: ['**/backends/**', '**/serving/**', '**/cli/**', '**/data/**', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'workflows are deterministic orchestration: import only from src/core and activity types', allowTypeImports: true },
          { group: ['../activities/*', '../activities'], message: 'import activity types only (import type)', allowTypeImports: true },
        ],
      }],
      'no-restricted-globals': ['error', 'process', 'setTimeout', 'setInterval', 'fetch'],
    },
  },
);
