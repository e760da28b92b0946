// eslint for the whole tree (`npm run lint` runs it with --max-warnings 0): typescript-eslint's
// strict and stylistic type-aware sets on core/, tui/ and extension/ (one tsconfig.json), React's
// hook rules on tui/, and the untyped rules on the build, bench and setup scripts (*.mjs).
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'python/**', '.tmp/**', 'test-artifacts/**', 'logs/**', 'data/**', 'examples/**'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error', reportUnusedInlineConfigs: 'error' } },
  js.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [tseslint.configs.strictTypeChecked, tseslint.configs.stylisticTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname }
    },
    rules: {
      // node:test's test()/describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }]
      }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      // Numbers and booleans print plainly in messages; objects, nullish and any stay errors.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // `(x) => void call()` shorthand in callbacks is the house style for fire-and-forget.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true, ignoreVoidOperator: true, ignoreVoidReturningFunctions: true }],
      // `a || b` on strings is meant: an empty string falls back too.
      '@typescript-eslint/prefer-nullish-coalescing': ['error', { ignorePrimitives: { string: true } }],
      // Off: an async function that does not await still turns a throw into a rejection, which the
      // command guards and the async interfaces (and their test fakes) rely on.
      '@typescript-eslint/require-await': 'off',
      // Off: with noUncheckedIndexedAccess (tsconfig), `!` marks an index the code has checked
      // (regex groups, bounded loops); strict null checks stay on everywhere else.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // A caught value handed on (reject(error) in a catch) is passed as it came.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // `while (true)` with a break or return inside is the plain way to write a retry loop.
      '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: true }],
      // ws hands `message` data as Buffer (its default binaryType); String(data) decodes it.
      '@typescript-eslint/no-base-to-string': ['error', { ignoredTypeNames: ['RawData', 'Buffer'] }],
      // Off: it asks for `x!` where no-non-null-assertion (kept) forbids it; the two conflict.
      '@typescript-eslint/non-nullable-type-assertion-style': 'off',
      // Off: an empty arrow is the deliberate no-op (ignored rejection, silent logger, default callback).
      '@typescript-eslint/no-empty-function': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // A `let` that closures read before its one assignment (a server's handler) stays a `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }]
    }
  },
  {
    files: ['*/test/**/*.ts', '*/test/**/*.tsx'],
    rules: {
      // Tests read the CLI's and the processor's JSON lines as loose records; their assertions
      // check the shape, so `any` there fails a test rather than hiding a bug.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      // Failure messages print whatever value came, unknown included.
      '@typescript-eslint/restrict-template-expressions': 'off',
      // Tests guard at run time what the types promise (a missing line, an absent field).
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // Tests keep and compare the originals they patch (console.log, stderr.write) by identity.
      '@typescript-eslint/unbound-method': 'off'
    }
  },
  {
    files: ['core/src/sources/fileSource.ts', 'core/src/sources/captureFile.ts', 'core/src/sources/record.ts', 'core/src/sources/replay.ts'],
    rules: {
      // Raw exchange JSON read field by field and handed to tardis-dev, whose mappers and filter
      // helpers take and return `any`.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off'
    }
  },
  {
    files: ['extension/**/*.ts'],
    rules: {
      // VS Code types Disposable as a class yet takes any `{ dispose() }` (its API docs say so).
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off'
    }
  },
  {
    files: ['tui/**/*.ts', 'tui/**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: globals.node, ecmaVersion: 'latest', sourceType: 'module' },
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }]
    }
  }
);
