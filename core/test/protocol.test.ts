// The TypeScript protocol against the golden frames Python is tested with too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ClientFrame, ProcessorFrame, Subscribed, Tick, decodeProcessorFrame } from '../src/bridge/protocol.js';
import { PACKAGE_ROOT } from '../src/paths.js';

const fixtureDir = join(PACKAGE_ROOT, 'docs/protocol-fixtures');
const fixtures = readdirSync(fixtureDir).filter((name) => name.endsWith('.json'));

test('there are fixtures for every frame type', () => {
  const types = new Set(fixtures.map((name) => (JSON.parse(readFileSync(join(fixtureDir, name), 'utf8')) as { type: string }).type));
  for (const type of ['hello', 'batch', 'subscribe', 'welcome', 'ack', 'candle', 'stats', 'log', 'error', 'tick', 'subscribed']) {
    assert.ok(types.has(type), `no fixture for ${type}`);
  }
});

for (const name of fixtures) {
  test(`fixture ${name} decodes and re-encodes to the same JSON`, () => {
    const raw = JSON.parse(readFileSync(join(fixtureDir, name), 'utf8')) as { type: string };
    const isClient = ['hello', 'batch', 'subscribe'].includes(raw.type);
    const parsed = raw.type === 'tick' ? Tick.parse(raw) : raw.type === 'subscribed' ? Subscribed.parse(raw) : isClient ? ClientFrame.parse(raw) : ProcessorFrame.parse(raw);
    assert.deepEqual(JSON.parse(JSON.stringify(parsed)), raw);
  });
}

test('a processor frame of the wrong shape is refused with a message naming the field', () => {
  assert.throws(() => decodeProcessorFrame('{"type":"ack","seq":"x","state":{}}'), /seq/);
  assert.throws(() => decodeProcessorFrame('{"type":"nope"}'), /bad frame/);
  assert.throws(() => decodeProcessorFrame('not json'), /invalid JSON/);
});
