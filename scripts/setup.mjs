#!/usr/bin/env node
// Idempotent setup used by `npm start` and `npm test`: Node dependencies, the TypeScript build,
// the VS Code extension's bundles, and the Python processor's virtual environment (python/.venv).
// Each step is skipped when what it depends on has not changed, so a second run takes well under
// a second.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const run = (cmd, args, options = {}) => execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], ...options });
const say = (text) => process.stderr.write(`setup: ${text}\n`);
const digest = (...files) => createHash('sha256').update(files.map((f) => readFileSync(join(root, f))).join('\0')).digest('hex');
/** The files' contents and names (a renamed or new file is a change). */
const treeDigest = (...files) => createHash('sha256').update(files.join('\0')).update(digest(...files)).digest('hex');
/** The files under the folders (repository paths), sorted. */
const filesUnder = (...dirs) =>
  dirs.flatMap((dir) => (existsSync(join(root, dir)) ? readdirSync(join(root, dir), { recursive: true }).map((f) => join(dir, String(f))) : []))
    .filter((f) => /\.(ts|tsx|css)$/.test(f))
    .sort();

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

// 2. TypeScript into dist/. tsc is incremental, but even a run with nothing to do loads the whole
// program (seconds): skipped when no source changed. The stamps live in what they stamp, so
// deleting dist/ rebuilds.
const locked = ['package-lock.json', 'tsconfig.json'];
step('dist/.tickbridge-tsc', treeDigest(...locked, ...filesUnder('cli', 'core', 'tui', 'extension')), () => {
  run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']);
});
// The VS Code extension's bundles (esbuild): dist/vscode, rebuilt when their sources changed.
const bundled = ['core/index.ts', ...filesUnder('core/src', 'extension/src', 'extension/shared', 'extension/webview')];
step('dist/vscode/.tickbridge-bundle', treeDigest(...locked, 'extension/build.mjs', ...bundled), () => {
  run(process.execPath, [join(root, 'extension/build.mjs')]);
});

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
