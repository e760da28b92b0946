// The engine against the contract's vocabulary (python/market_data_tick_handler/contract/
// vocabulary.json, also loaded by the processor): a status, data type or feature added on one
// side only fails here (python/tests/test_contract.py is the processor's half).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FEATURE_NAMES } from '../src/bridge/protocol.js';
import { DATA_TYPES, STREAM_STATUSES, VOCABULARY_FEATURE_NAMES, isActive, type StreamStatus } from '../src/contract/vocabulary.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { parseDataTypes, planDataTypes } from '../src/sources/dataTypes.js';

// Every status of the engine's type, and whether a stream in it is still going.
const ENGINE_STATUSES: Record<StreamStatus, boolean> = {
  starting: true,
  running: true,
  reconnecting: true,
  stalled: true,
  finished: false,
  failed: false,
  stopped: false
};

test('the stream statuses are the vocabulary\'s, in lifecycle order, with the same active ones', () => {
  assert.deepEqual(STREAM_STATUSES.map((entry) => entry.name), Object.keys(ENGINE_STATUSES));
  for (const [status, active] of Object.entries(ENGINE_STATUSES)) assert.equal(isActive(status as StreamStatus), active, status);
  assert.ok(STREAM_STATUSES.every((entry) => entry.meaning.length > 10), 'each status has a plain-language meaning');
});

test('the features of the wire protocol are the vocabulary\'s, in order', () => {
  assert.deepEqual([...FEATURE_NAMES], VOCABULARY_FEATURE_NAMES);
});

test('each vocabulary data type is accepted and yields the wire message it names', () => {
  for (const entry of DATA_TYPES) {
    const plan = planDataTypes(parseDataTypes([entry.example]), 'binance-futures', new Date('2024-08-08'), () => {});
    assert.deepEqual([...plan.messageTypes], [entry.message], entry.name);
  }
});

test('the built engine and the extension bundle carry the vocabulary', () => {
  const source = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'python/market_data_tick_handler/contract/vocabulary.json'), 'utf8')) as unknown;
  const built = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'dist/python/market_data_tick_handler/contract/vocabulary.json'), 'utf8')) as unknown;
  assert.deepEqual(built, source);
  const bundle = join(PACKAGE_ROOT, 'dist/vscode/extension.cjs');
  if (existsSync(bundle)) assert.ok(readFileSync(bundle, 'utf8').includes(STREAM_STATUSES[3]!.meaning), 'the extension bundle inlines the vocabulary');
});
