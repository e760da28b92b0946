// The extension's data: the store in global storage (not the folder VS Code started in), the
// processor and the warm start pointed at it, and "Export Candles…" through the processor's
// Python: a real SQLite store in, a real Parquet file out (read back with pyarrow).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT, VENV_PYTHON } from '../../core/index.js';
import { exportCandles, storeSettings } from '../src/dataStore.js';
import { runProcess } from '../src/pythonEnv.js';
import { REQUEST } from './fakes.js';
import { writeStore } from './stores.js';

const manifest = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { contributes: { commands: { command: string; title: string }[] } };


test('the store lives in global storage; the processor and the warm start use it', () => {
  const storage = '/home/user/.config/Code/User/globalStorage/tickbridge.tickbridge';
  const settings = storeSettings(storage);
  assert.equal(settings.storeDir, join(storage, 'data'));
  assert.deepEqual(settings.processorArgs, ['--storeDir', join(storage, 'data')]);
  assert.equal(settings.warmup.storeDir, join(storage, 'data'));
});

test('Export Candles… and Reveal Data Folder are contributed commands', () => {
  const titles = new Map(manifest.contributes.commands.map((c) => [c.command, c.title]));
  assert.equal(titles.get('tickbridge.exportCandles'), 'Export Candles…');
  assert.equal(titles.get('tickbridge.revealDataFolder'), 'Reveal Data Folder');
});

test('exporting a stream writes its candles to Parquet; nothing to export says why', { skip: existsSync(VENV_PYTHON) ? false : 'python/.venv missing: npm run setup' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tickbridge-ext-export-'));
  const storeDir = join(dir, 'data');
  writeStore(storeDir, ['Run("d", source="demo")', 'Run("l", source="live", symbol="ETHUSDT")']);
  const target = join(dir, 'out', 'candles.parquet');
  const outcome = await exportCandles(runProcess, VENV_PYTHON, storeDir, { kind: 'stream', request: REQUEST }, target);
  assert.deepEqual(outcome, { ok: true, message: `8 candles written to ${target} (parquet)` });
  const read = execFileSync(VENV_PYTHON, ['-c', `import pyarrow.parquet as pq; t = pq.read_table(${JSON.stringify(target)}); print(t.num_rows, sorted(set(t.column("source").to_pylist())), t.schema.field("start").type)`]).toString().trim();
  assert.equal(read, "8 ['demo'] timestamp[ms, tz=UTC]");
  const all = await exportCandles(runProcess, VENV_PYTHON, storeDir, { kind: 'all' }, join(dir, 'all.csv'));
  assert.equal(all.ok, true, all.message);
  assert.equal(readFileSync(join(dir, 'all.csv'), 'utf8').trim().split('\n').length, 1 + 16);
  const none = await exportCandles(runProcess, VENV_PYTHON, storeDir, { kind: 'stream', request: { ...REQUEST, symbols: ['SOLUSDT'] } }, join(dir, 'none.csv'));
  assert.equal(none.ok, false);
  assert.match(none.message, /^no candles match; the store .* holds: binance BTCUSDT 15s demo \(4\)/);
  assert.equal(existsSync(join(dir, 'none.csv')), false);
});
