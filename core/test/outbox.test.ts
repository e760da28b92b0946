import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Outbox } from '../src/bridge/outbox.js';

const batchSeqs = (frame: string | undefined) => {
  const parsed = JSON.parse(frame ?? 'null') as { seq: number; msgs: { n: number }[] };
  return { seq: parsed.seq, ns: parsed.msgs.map((m) => m.n) };
};

test('batches are numbered consecutively and capped by count', () => {
  const box = new Outbox();
  for (let n = 1; n <= 5; n++) box.push(`{"n":${n}}`);
  assert.deepEqual(batchSeqs(box.takeBatch(2, 1e6)), { seq: 1, ns: [1, 2] });
  assert.deepEqual(batchSeqs(box.takeBatch(2, 1e6)), { seq: 3, ns: [3, 4] });
  assert.deepEqual(batchSeqs(box.takeBatch(2, 1e6)), { seq: 5, ns: [5] });
  assert.equal(box.takeBatch(2, 1e6), undefined);
  assert.equal(box.inFlight, 5);
});

test('a byte cap splits batches, but a single large message still goes', () => {
  const box = new Outbox();
  box.push('{"n":1,"pad":"' + 'x'.repeat(100) + '"}');
  box.push('{"n":2}');
  assert.deepEqual(batchSeqs(box.takeBatch(100, 10)).ns, [1]);
  assert.deepEqual(batchSeqs(box.takeBatch(100, 10)).ns, [2]);
});

test('acks are cumulative and a rewind resends exactly the unacknowledged messages', () => {
  const box = new Outbox();
  for (let n = 1; n <= 10_000; n++) box.push(`{"n":${n}}`);
  while (box.takeBatch(100, 1e6)) {
    /* send everything */
  }
  box.ack(9_000);
  box.ack(8_000); // stale ack changes nothing
  assert.equal(box.lastAcked, 9_000);
  assert.equal(box.inFlight, 1_000);
  box.rewind();
  const first = batchSeqs(box.takeBatch(100, 1e6));
  assert.equal(first.seq, 9_001);
  assert.equal(first.ns[0], 9_001);
  assert.equal(box.nextSeq, 10_001);
});
