#!/usr/bin/env node
// Idempotent setup used by `npm start` and `npm test`: Node dependencies, the TypeScript build
// and the Python processor's virtual environment (python/.venv). Each step is skipped when
// what it depends on has not changed, so a second run takes about a second.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const run = (cmd, args, options = {}) => execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], ...options });
const say = (text) => process.stderr.write(`setup: ${text}\n`);
const digest = (...files) => createHash('sha256').update(files.map((f) => readFileSync(join(root, f))).join('\0')).digest('hex');

function step(stampFile, hash, action) {
  const stamp = join(root, stampFile);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return;
  action();
  writeFileSync(stamp, hash);
}

// 1. Node dependencies, exactly as locked.
step('node_modules/.tickbridge-deps', digest('package.json', 'package-lock.json'), () => {
  say('installing Node dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
});

// 2. TypeScript (incremental: quick when nothing changed).
run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']);
// The VS Code extension's bundles (esbuild, about a second): dist/vscode.
run(process.execPath, [join(root, 'extension/build.mjs')]);

// 3. The processor's virtual environment.
const venvPython = join(root, 'python/.venv/bin/python');
if (!existsSync(venvPython)) {
  const bootstrap = process.env.TICKBRIDGE_BOOTSTRAP_PYTHON ?? 'python3';
  say(`creating python/.venv with ${bootstrap}`);
  try {
    run(bootstrap, ['-c', 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"']);
    run(bootstrap, ['-m', 'venv', join(root, 'python/.venv')]);
  } catch {
    say('could not create the Python environment: install Python 3.11+ with venv (Debian: apt-get install python3-venv) or set TICKBRIDGE_BOOTSTRAP_PYTHON');
    process.exit(1);
  }
}
step('python/.venv/.tickbridge-deps', digest('python/pyproject.toml'), () => {
  say('installing the Python processor into python/.venv');
  run(venvPython, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-e', `${join(root, 'python')}[test]`]);
});
