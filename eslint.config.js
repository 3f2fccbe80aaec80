import tseslint from 'typescript-eslint';

const pureStages = ['src/sstable/**', 'src/merge/**', 'src/export/**', 'src/schema/**'];

export default tseslint.config(
  { ignores: ['dist/**', 'dist-bench/**', 'node_modules/**', 'bin/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/ban-ts-comment': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    // The pure core never does I/O policy, logging or config (docs/house-style.md).
    files: pureStages,
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['pino', 'zod', 'fastify', 'js-yaml', 'execa', 'ssh2'].map((name) => ({ name, message: 'pure stage: no logging, config or I/O policy here' })),
        patterns: [{ group: ['**/config/**', '**/api/**', '**/tasks/**', '**/cli/**'], message: 'pure stage: keep the dependency direction' }],
      }],
      'no-restricted-globals': ['error', { name: 'process', message: 'pure stage: no process access' }],
      'no-console': 'error',
    },
  },
);
