import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findRoot } from './helpers.js';

const root = findRoot(dirname(fileURLToPath(import.meta.url)));
const sources = (dir: string): string[] =>
  readdirSync(join(root, dir), { recursive: true })
    .map(String)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(dir, file));
const imports = (file: string): string[] => [...readFileSync(join(root, file), 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]!);
/** Imports that bring code (everything but `import type` / `export type`, which the build erases). */
const codeImports = (file: string): string[] => [...readFileSync(join(root, file), 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)\s(?!type\s)[^'"]*?from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]!);

test('the extension reaches core only through core/index.ts', () => {
  for (const file of [...sources('extension/src'), ...sources('extension/test')]) {
    for (const spec of imports(file)) {
      if (spec.includes('core/')) assert.match(spec, /^(\.\.\/)+core\/index\.js$/, `${file} imports ${spec}`);
    }
  }
});

test('the webview and the shared messages import neither vscode, node nor core (only core/index.ts types)', () => {
  for (const file of [...sources('extension/webview'), ...sources('extension/shared')]) {
    for (const spec of codeImports(file)) {
      assert.ok(spec.startsWith('.') || spec === 'lightweight-charts', `${file} imports ${spec}`);
      assert.ok(!spec.includes('core/') && !spec.includes('/src/'), `${file} imports ${spec}`);
    }
    for (const spec of imports(file).filter((spec) => spec.includes('core/'))) assert.match(spec, /^(\.\.\/)+core\/index\.js$/, `${file} imports ${spec}`);
  }
});
