import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/**', 'dist-demo/**', 'node_modules/**', 'docs/api/**', 'tests/e2e/artifacts/**', '.gpu1/**', '.gpu2/**', '.gl/**'] /* device-run bundles (../shared/tools/gpu-browser) */ },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      // Browser code (src/devtools, demo, e2e page functions) and Node code (bench, tests, scripts) share this config.
      globals: { ...globals.browser, ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['three', 'three/*', 'lil-gui', '../three/*', '../jobs/*', '../devtools/*'] }],
      'no-restricted-globals': ['error', 'window', 'document', 'requestAnimationFrame'],
    },
  },
)
