// Nothing lost in the store: kill -9 of the processor at full speed leaves the local store with
// exactly the rows of an undisturbed run (acks never run ahead of what the store holds).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_CAPTURES } from './helpers/cli.js';
import { candleRows, replayIntoStore } from './helpers/store.js';

test('three kill -9 of the processor at --speed max leave the store equal to a clean run', { skip: NO_CAPTURES, timeout: 240_000 }, async () => {
  const clean = await replayIntoStore([]);
  assert.equal(clean.info.status, 'finished', clean.info.detail);
  const expected = candleRows(clean.dir);
  assert.ok(expected.length >= 29, `only ${expected.length} rows in the clean store`);

  const crashed = await replayIntoStore([3, 9, 15]);
  assert.equal(crashed.info.status, 'finished', crashed.info.detail);
  assert.equal(crashed.restarts, 3, 'the processor was killed and restarted three times');
  const got = candleRows(crashed.dir);
  const key = (row: Record<string, unknown>) => `${String(row.timeframe)} ${String(row.start)}`;
  assert.deepEqual(got.map(key), expected.map(key), 'the same candles in the store: none lost, none twice');
  assert.deepEqual(got, expected, 'the same prices, volumes and features in the store');
});
