// A stream's worker thread that crashes or exits before it reports an end fails its stream with
// the reason (docs/failure-modes.md), instead of leaving the stream running forever.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startStreamWorker } from '../src/sources/worker/host.js';
import type { WorkerStart } from '../src/sources/worker/protocol.js';

const START: WorkerStart = {
  streamId: 'binance:BTCUSDT',
  spec: { source: 'demo', exchange: 'binance', symbols: ['BTCUSDT'], dataTypes: ['trades'], speed: 'max', timeframes: ['1m'], mode: 'candles' },
  run: { run_id: 'test-run', source: 'demo', dataset: null },
  processorUrl: 'ws://127.0.0.1:1',
  token: null,
  tuning: {},
  forwardMessages: false
};

function entry(code: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tickbridge-worker-')), 'entry.mjs');
  writeFileSync(file, code);
  return file;
}

test('a worker that throws fails its stream with the error', async () => {
  const worker = startStreamWorker(START, () => {}, entry("throw new Error('out of cheese');"));
  const { outcome } = await worker.ended;
  assert.equal(outcome.kind, 'failed');
  assert.match(outcome.kind === 'failed' ? outcome.message : '', /the stream's worker failed: out of cheese/);
});

test('a worker that exits without an end fails its stream with the exit code', async () => {
  const worker = startStreamWorker(START, () => {}, entry('process.exit(3);'));
  const { outcome } = await worker.ended;
  assert.deepEqual(outcome, { kind: 'failed', message: "the stream's worker exited (code 3) before the stream ended", usage: false });
});
