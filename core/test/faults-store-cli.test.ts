// A store that cannot keep what it acknowledges ends the run: failed, exit 1, the reason on stderr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, NO_CAPTURES, SPOT_CAPTURE, collect } from './helpers/cli.js';
import { until } from './helpers/until.js';

test('a store folder deleted mid-run fails the stream with the reason and exit 1', { skip: NO_CAPTURES, timeout: 120_000 }, async () => {
  const storeDir = join(mkdtempSync(join(tmpdir(), 'tickbridge-store-gone-')), 'data');
  const child = spawn(process.execPath, [CLI, 'run', '--source', 'file', '--file', SPOT_CAPTURE, '--exchange', 'binance',
    '--symbol', 'BTCUSDT', '--timeframes', '15s', '--speed', '20', '--json', '--storeDir', storeDir]);
  const result = collect(child);
  // A closed candle on stdout was acknowledged, so it is in the store: the run is well under way.
  let closedSeen = false;
  child.stdout.on('data', (chunk: Buffer) => (closedSeen ||= chunk.includes('"closed":true')));
  await until(() => closedSeen && existsSync(join(storeDir, 'candles.sqlite')), 60_000);
  rmSync(storeDir, { recursive: true, force: true });
  const { code, lines, stderr } = await result;
  assert.equal(code, 1, stderr);
  const end = lines.at(-1);
  assert.equal(end?.type, 'end');
  assert.equal(end?.reason, 'failed');
  assert.match(stderr, /deleted or replaced while in use/);
});
