// core/ is the engine: it must never depend on a face (VS Code, Ink, React).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PACKAGE_ROOT } from '../src/paths.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'test' ? [] : sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

test('core/ imports neither vscode, ink nor react', () => {
  const forbidden = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"](vscode|ink|react|ink-[^'"]*|react-[^'"]*)['"/]/;
  const offenders = sources(join(PACKAGE_ROOT, 'core'))
    .filter((file) => forbidden.test(readFileSync(file, 'utf8')))
    .map((file) => relative(PACKAGE_ROOT, file));
  assert.deepEqual(offenders, []);
});
