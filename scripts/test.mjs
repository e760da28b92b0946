#!/usr/bin/env node
// `npm test`: the TypeScript tests (node:test, on the build in dist/) and the Python tests (pytest).
// `npm run test:faults` (--faults): the fault, fuzz and load tests instead: faults-*.test.js and
// python/tests/faults.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
// Runs write their local candle store (SQLite) under a temporary folder, not the checkout.
process.env.TICKBRIDGE_STORE_DIR ??= mkdtempSync(join(tmpdir(), 'tickbridge-store-'));

const faults = process.argv.includes('--faults');
const isFaultTest = (file) => basename(file).startsWith('faults-');
// Every *.test.js the build put under dist/core/test, dist/tui/test and dist/extension/test.
const files = ['core', 'tui', 'extension'].flatMap((face) => {
  const dir = join(root, 'dist', face, 'test');
  return existsSync(dir) ? readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.test.js')).map((f) => join(dir, f)) : [];
}).filter((file) => isFaultTest(file) === faults);

const node = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=240000', ...files], { cwd: root, stdio: 'inherit' });
const pytestArgs = faults ? ['tests/faults'] : ['--ignore=tests/faults'];
const python = spawnSync(join(root, 'python/.venv/bin/python'), ['-m', 'pytest', '-q', ...pytestArgs], { cwd: join(root, 'python'), stdio: 'inherit' });

const failed = [node.status !== 0 && 'TypeScript', python.status !== 0 && 'Python'].filter(Boolean);
if (failed.length) console.error(`\nFAILED: ${failed.join(' and ')} tests`);
process.exit(failed.length ? 1 : 0);
