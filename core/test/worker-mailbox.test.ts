// The worker posts the candle updates of one event-loop turn as one message, and never lets a
// later message (a status, the end) overtake a candle queued before it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Candle } from '../src/bridge/protocol.js';
import { Mailbox } from '../src/sources/worker/mailbox.js';
import type { FromWorker } from '../src/sources/worker/protocol.js';

const fixture = Candle.parse(JSON.parse(readFileSync(new URL('../../../docs/protocol-fixtures/candle.json', import.meta.url), 'utf8')));
const candle = (trades: number): Candle => ({ ...fixture, trades });
const tradesOf = (message: FromWorker) => (message.type === 'candles' ? message.candles.map((c) => c.trades) : message.type);

test("one turn's candle updates cross as one message, in order", async () => {
  const sent: FromWorker[] = [];
  const mailbox = new Mailbox((message) => sent.push(message));
  mailbox.candle(candle(1));
  mailbox.candle(candle(2));
  mailbox.candle(candle(3));
  assert.deepEqual(sent, [], 'nothing crosses before the turn ends');
  await nextTurn();
  assert.deepEqual(sent.map(tradesOf), [[1, 2, 3]]);
});

test('a message posted after candles follows them, and later candles follow it', async () => {
  const sent: FromWorker[] = [];
  const mailbox = new Mailbox((message) => sent.push(message));
  mailbox.candle(candle(1));
  mailbox.post({ type: 'link-status', status: 'closed', detail: 'stream stopped' });
  mailbox.candle(candle(2));
  mailbox.post({ type: 'source-up' });
  await nextTurn();
  assert.deepEqual(sent.map(tradesOf), [[1], 'link-status', [2], 'source-up']);
});
