#!/usr/bin/env node
// `npm run lint`: eslint (typescript-eslint, type-aware) over the TypeScript and the scripts, ruff
// over the Python, and mypy --strict over the processor package. Any finding, warning included,
// fails. The Python checkers run while eslint does (2 cores: eslint is the long one).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const python = join(root, 'python');
const venvBin = join(python, '.venv', 'bin');

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
  await check('mypy', join(venvBin, 'mypy'), [], python)
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
