/** What the .vsix carries: `vsce ls` (the file list `vsce package` uses) after `npm run package`'s staging. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { findRoot } from './helpers.js';

const root = findRoot(dirname(fileURLToPath(import.meta.url)));

test('the .vsix holds the bundles, tardis-dev with its dependencies and the processor, and no tests or sources', { timeout: 240_000 }, async () => {
  const ls = spawnSync(process.execPath, [join(root, 'extension', 'package.mjs'), '--list'], { cwd: root, encoding: 'utf8', timeout: 230_000 });
  assert.equal(ls.status, 0, ls.stderr);
  const files = new Set(ls.stdout.split('\n').map((line) => line.trim()).filter(Boolean));

  for (const file of ['package.json', 'README.md', 'LICENSE', 'dist/vscode/extension.cjs', 'dist/vscode/streamWorker.cjs', 'dist/vscode/webview/main.js', 'dist/vscode/webview/main.css', 'extension/media/tickbridge.svg', 'docs/features.md', 'dist/vscode/node_modules/tardis-dev/dist/worker.js', 'python/pyproject.toml', 'python/market_data_tick_handler/__main__.py', 'python/tickbridge/__init__.py', 'python/market_data_tick_handler/readers/export.py', 'python/market_data_tick_handler/contract/vocabulary.json']) {
    assert.ok(files.has(file), `${file} is in the .vsix`);
  }
  const { tardisClosure } = (await import(pathToFileURL(join(root, 'extension', 'package.mjs')).href)) as { tardisClosure: () => string[] };
  const closure = tardisClosure();
  for (const pkg of closure) {
    const main = (JSON.parse(readFileSync(join(root, pkg, 'package.json'), 'utf8')) as { main?: string }).main ?? 'index.js';
    const entry = join('dist/vscode', pkg, main).replaceAll('\\', '/').replace(/\/$/, '');
    assert.ok([entry, `${entry}.js`, `${entry}/index.js`].some((f) => files.has(f)), `${pkg} (needed by tardis-dev) with its entry point ${main} is in the .vsix`);
  }
  for (const file of files) {
    if (file === 'docs/features.md') continue; // the feature tooltips read it
    assert.doesNotMatch(file, /^(core|tui|extension\/(src|test|webview|shared)|scripts|docs|node_modules|dist\/(core|tui|extension))\//, `${file} does not belong in the .vsix`);
    assert.doesNotMatch(file, /(^|\/)(tests?|__pycache__|\.venv|\.pytest_cache)\/|\.egg-info\/|\.map$/, `${file} does not belong in the .vsix`);
    assert.ok(!file.endsWith('.ts'), `${file}: no TypeScript in the .vsix`);
  }
});
