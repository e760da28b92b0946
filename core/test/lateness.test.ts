// The allowed lateness (`--latenessMs`, docs/features.md, Time model) on the Bybit capture: a
// 4,836-contract BTCUSD trade stamped 16:43:32.971 arrives 47 ms after a book update stamped
// 16:43:33.018. With the default it counts in its own 1s bar; with no lateness it is late:
// dropped and counted in run --json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Candle } from '../src/bridge/protocol.js';
import { SHARED_DATA, runCli } from './helpers/cli.js';

const BYBIT = join(SHARED_DATA, 'bybit_all-inverse_20210417.raw.gz');

async function run(extra: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'tickbridge-lateness-'));
  const result = await runCli(['run', '--source', 'file', '--file', BYBIT, '--exchange', 'bybit', '--symbol', 'BTCUSD', '--timeframes', '1s', '--json', '--closedOnly', '--logDir', dir, '--storeDir', dir, ...extra]);
  assert.equal(result.code, 0, result.stderr);
  const bar = (result.lines as unknown as Candle[]).find((c) => c.type === 'candle' && c.start === '2021-04-17T16:43:32.000Z');
  const end = result.lines.at(-1) as { stats: { processor: { stats: { streams: Record<string, { late: number }> } } } };
  return { volume: bar?.volume, late: end.stats.processor.stats.streams['bybit:BTCUSD']!.late };
}

test('a trade 47 ms behind its symbol counts in its bar with the default lateness, and is late without', { skip: existsSync(BYBIT) ? false : `no ${BYBIT}` }, async () => {
  const [byDefault, none] = await Promise.all([run([]), run(['--latenessMs', '0'])]);
  assert.deepEqual(byDefault, { volume: 4889, late: 0 });
  assert.equal(none.volume, 53);
  assert.ok(none.late >= 1, 'the late trade is counted in run --json');
});

test('--latenessMs that is not a whole number of milliseconds: exit code 2, one line', async () => {
  const result = await runCli(['run', '--source', 'demo', '--latenessMs', '-5', '--logDir', mkdtempSync(join(tmpdir(), 'tickbridge-lateness-'))]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--latenessMs must be a whole number of milliseconds >= 0, got "-5"/);
});
