// The engine against the contract (python/market_data_tick_handler/contract/*.json, also loaded
// by the processor): a status, source, data type, feature, default or limit changed on one side
// only fails here (python/tests/test_contract.py is the processor's half).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addStreamFlags } from '../src/cli/options.js';
import { FEATURE_NAMES, Hello, MarketMsg } from '../src/bridge/protocol.js';
import { FRAME_MAX_BYTES, LOG_FILES, PLAUSIBILITY, RATE } from '../src/contract/limits.js';
import { DATA_TYPES, SOURCE_KINDS, STREAM_STATUSES, VOCABULARY_FEATURE_NAMES, isActive, type SourceKind, type StreamStatus } from '../src/contract/vocabulary.js';
import { RateMeter } from '../src/engine/rate.js';
import { DEFAULT_TIMEFRAMES, parseTimeframes } from '../src/engine/timeframes.js';
import { Logger } from '../src/logs/logger.js';
import { PACKAGE_ROOT, PYTHON_DIR } from '../src/paths.js';
import { parseDataTypes, planDataTypes } from '../src/sources/dataTypes.js';
import { until } from './helpers/until.js';

const contract = (name: string) => JSON.parse(readFileSync(join(PYTHON_DIR, 'market_data_tick_handler', 'contract', name), 'utf8')) as Record<string, any>;

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

// Every source of the engine's type.
const ENGINE_SOURCES: Record<SourceKind, true> = { live: true, replay: true, file: true, demo: true, csv: true };

test('the sources are the vocabulary\'s: the CLI offers them and the hello carries each', () => {
  assert.deepEqual([...SOURCE_KINDS].sort(), Object.keys(ENGINE_SOURCES).sort());
  const source = addStreamFlags(new Command()).options.find((option) => option.long === '--source');
  assert.deepEqual(source?.argChoices, [...SOURCE_KINDS]);
  const hello = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'docs/protocol-fixtures/hello.json'), 'utf8')) as Record<string, unknown>;
  for (const name of SOURCE_KINDS) assert.ok(Hello.safeParse({ ...hello, source: name }).success, name);
  assert.equal(Hello.safeParse({ ...hello, source: 'bogus' }).success, false);
});

test('the default timeframes are the contract\'s, valid, and the CLI\'s default', () => {
  assert.deepEqual(DEFAULT_TIMEFRAMES, contract('bar_specs.json').default);
  assert.deepEqual(parseTimeframes(DEFAULT_TIMEFRAMES), [...DEFAULT_TIMEFRAMES]);
  const flag = addStreamFlags(new Command()).options.find((option) => option.long === '--timeframes');
  assert.deepEqual(flag?.defaultValue, [...DEFAULT_TIMEFRAMES]);
  assert.equal(flag?.defaultValueDescription, DEFAULT_TIMEFRAMES.join(','));
});

test('market messages out of the plausibility bounds are refused, as the processor refuses them', () => {
  const { plausibility } = contract('limits.json');
  assert.deepEqual(PLAUSIBILITY, { maxPrice: plausibility.max_price, maxAmount: plausibility.max_amount, maxEpochMicros: plausibility.max_epoch_micros });
  for (const message of plausibility.invalid_examples) assert.equal(MarketMsg.safeParse(message).success, false, JSON.stringify(message));
  for (const message of plausibility.valid_examples) assert.ok(MarketMsg.safeParse(message).success, JSON.stringify(message));
});

test('messages per second follow the contract\'s definition and worked examples', () => {
  const meter = new RateMeter(0);
  for (const { at_ms, count, rate } of RATE.examples) assert.equal(meter.sample(count, at_ms), rate, `at ${at_ms} ms, count ${count}`);
  assert.equal(RATE.sampleIntervalMs, contract('limits.json').rate.sample_interval_ms);
});

test('the engine log is named and rotated as the contract says', async () => {
  assert.equal(FRAME_MAX_BYTES, contract('limits.json').frame_max_bytes);
  const dir = mkdtempSync(join(tmpdir(), 'tickbridge-rotation-'));
  const logger = new Logger(dir);
  const line = 'x'.repeat(64 * 1024);
  const lines = Math.ceil(LOG_FILES.maxBytes / line.length) + 1;
  for (let i = 0; i < lines; i++) logger.info(line);
  const rotated = join(dir, `${LOG_FILES.engine}.1`);
  await until(() => existsSync(rotated));
  await logger.close();
  const size = statSync(rotated).size;
  assert.ok(Math.abs(size - LOG_FILES.maxBytes) < line.length + 100, `${LOG_FILES.engine}.1 is ${size} bytes`);
  assert.ok(existsSync(join(dir, LOG_FILES.engine)));
});
