#!/usr/bin/env node
// `npm run lint`: eslint (typescript-eslint, type-aware) over the TypeScript and the scripts, ruff
// over the Python, mypy --strict over the processor package and a looser mypy over its tests. Any
// finding, warning included, fails. The Python checkers run while eslint does (eslint is the long one).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const python = join(root, 'python');
const venvBin = join(python, '.venv', 'bin');

// The tests' profile: every call and assignment checked against the package's types, but test
// functions and fixtures may go unannotated, and reaching into an Optional the scenario has just
// set up (a process's stdout, a close frame, a redis reply) fails the test, not the type check.
const MYPY_TESTS = [
  '--cache-dir=.mypy_cache/tests',
  '--follow-imports=silent',
  '--allow-untyped-defs',
  '--allow-incomplete-defs',
  '--allow-untyped-calls',
  '--allow-any-generics',
  '--no-warn-return-any',
  '--disable-error-code=union-attr',
  '--disable-error-code=index'
];

/** Runs a checker, its output kept until it ends so the reports do not interleave. */
function check(name, command, args, cwd) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => resolve({ name, ok: false, output: `${error.message}\n`, seconds: 0 }));
    child.on('close', (code) => resolve({ name, ok: code === 0, output, seconds: (Date.now() - started) / 1000 }));
  });
}

const pythonChecks = (async () => [
  await check('ruff', join(venvBin, 'ruff'), ['check', '--no-cache', '.'], python),
  await check('mypy', join(venvBin, 'mypy'), [], python),
  await check('mypy tests', join(venvBin, 'mypy'), ['tests', ...MYPY_TESTS], python)
])();
const eslint = check('eslint', process.execPath, [join(root, 'node_modules/eslint/bin/eslint.js'), '--max-warnings', '0', '.'], root);
const results = [await eslint, ...(await pythonChecks)];

for (const { name, ok, output, seconds } of results) {
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${name} (${seconds.toFixed(1)} s)\n`);
  if (!ok || output.trim()) process.stdout.write(output.replace(/^/gm, '  ').trimEnd() + '\n');
}
const failed = results.filter((r) => !r.ok).map((r) => r.name);
if (failed.length) console.error(`\nlint FAILED: ${failed.join(', ')}`);
process.exit(failed.length ? 1 : 0);
