// `tickbridge tui` without a terminal: says what to use instead and exits 2.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { PACKAGE_ROOT } from '../../core/index.js';

const CLI = join(PACKAGE_ROOT, 'dist/cli/main.js');

test('without a TTY the monitor points to `tickbridge run --json` and exits 2', () => {
  const result = spawnSync(process.execPath, [CLI, 'tui', '--source', 'demo'], { input: '', encoding: 'utf8', timeout: 30_000 });
  assert.equal(result.status, 2, result.stderr);
  assert.match(result.stderr, /needs an interactive terminal.*tickbridge run --json/);
  assert.equal(result.stdout, '');
});

test('tui takes the stream flags and rejects wrong ones like the other commands', () => {
  const result = spawnSync(process.execPath, [CLI, 'tui', '--source', 'nowhere'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /nowhere/);
  const help = spawnSync(process.execPath, [CLI, 'tui', '--help'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(help.status, 0);
  for (const flag of ['--symbol', '--exchange', '--source', '--dataTypes', '--timeframes', '--demoRate']) assert.match(help.stdout, new RegExp(flag));
});
