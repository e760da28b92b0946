import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readConfig } from '../src/config.js';
import { buildRequest, chooseStream, LAST_CHOICES_KEY, toAfter, type Memory, type PickItem, type StartUi, type StepInfo } from '../src/startFlow.js';
import { BACK } from '../src/stepUi.js';

/** A scripted UI: answers each question in order and records what was asked. */
function scriptedUi(answers: (string | string[] | undefined)[]) {
  const asked: { kind: string; title: string; items?: readonly PickItem[] }[] = [];
  const next = () => answers.shift();
  const ui: StartUi = {
    async pick(title, items, many) {
      asked.push({ kind: many ? 'many' : 'pick', title, items });
      const answer = next();
      return answer === undefined ? undefined : Array.isArray(answer) ? answer : [answer];
    },
    async input(title, value, validate) {
      asked.push({ kind: 'input', title });
      const answer = next();
      if (typeof answer === 'string') assert.equal(validate(answer), undefined, `answer "${answer}" to "${title}" is valid`);
      return typeof answer === 'string' ? answer : undefined;
    },
    async openFile(title) {
      asked.push({ kind: 'file', title });
      const answer = next();
      return typeof answer === 'string' ? answer : undefined;
    }
  };
  return { ui, asked };
}

function memory(initial: Record<string, unknown> = {}): Memory & { data: Record<string, unknown> } {
  const data = { ...initial };
  return { data, get: (key) => data[key], update: async (key, value) => void (data[key] = value) };
}

test('with tickbridge.defaultSource set, Start Stream asks nothing', async () => {
  const config = readConfig((key) => ({ defaultSource: 'demo', defaultExchange: 'binance-futures', defaultSymbol: 'ETHUSDT' })[key]);
  const { ui, asked } = scriptedUi([]);
  const choices = await chooseStream(config, ui, memory());
  assert.deepEqual(asked, []);
  assert.deepEqual(choices, { source: 'demo', exchange: 'binance-futures', symbol: 'ETHUSDT', dataTypes: config.defaultDataTypes });
});

test('asks source, exchange, symbol and data types, and remembers the answers', async () => {
  const config = readConfig(() => undefined);
  const mem = memory();
  const first = scriptedUi(['demo', 'binance', 'ETHUSDT', ['trades', 'book_snapshot_5']]);
  const choices = await chooseStream(config, first.ui, mem);
  assert.deepEqual(first.asked.map((q) => q.kind), ['pick', 'pick', 'pick', 'many']);
  assert.deepEqual(choices, { source: 'demo', exchange: 'binance', symbol: 'ETHUSDT', dataTypes: ['trades', 'book_snapshot_5'] });
  assert.deepEqual(mem.data[LAST_CHOICES_KEY], choices);

  // The next time, the last answers come first and the data types are pre-picked.
  const second = scriptedUi([undefined]);
  await chooseStream(config, second.ui, mem);
  const sources = second.asked[0]!.items!;
  assert.equal(sources[0]!.label, 'demo');
  assert.equal(sources[0]!.description, 'last used');
  const third = scriptedUi(['demo', 'binance', 'ETHUSDT', undefined]);
  await chooseStream(config, third.ui, mem);
  assert.equal(third.asked[2]!.items![0]!.label, 'ETHUSDT');
  assert.deepEqual(third.asked[3]!.items!.filter((i) => i.picked).map((i) => i.label), ['trades', 'book_snapshot_5']);
});

test('a cancelled question cancels the start and keeps the last answers', async () => {
  const mem = memory({ [LAST_CHOICES_KEY]: { source: 'live' } });
  const { ui } = scriptedUi(['live', 'binance', undefined]);
  assert.equal(await chooseStream(readConfig(() => undefined), ui, mem), undefined);
  assert.deepEqual(mem.data[LAST_CHOICES_KEY], { source: 'live' });
});

test('replay asks its range and a speed; other exchanges through "Other…"', async () => {
  const { ui, asked } = scriptedUi(['replay', 'Other…', 'deribit', 'BTC-PERPETUAL', ['trades'], '2024-08-01', '2024-08-01T01:00:00Z', '10×']);
  const choices = await chooseStream(readConfig(() => undefined), ui, memory());
  assert.deepEqual(choices, { source: 'replay', exchange: 'deribit', symbol: 'BTC-PERPETUAL', dataTypes: ['trades'], from: '2024-08-01', to: '2024-08-01T01:00:00Z', speed: 10 });
  assert.deepEqual(asked.map((q) => q.kind), ['pick', 'pick', 'input', 'input', 'many', 'input', 'input', 'pick']);
  assert.equal(buildRequest(choices, readConfig(() => undefined), undefined).speed, 10);
});

test('a replay end before its start is refused in plain words, before launch', () => {
  assert.equal(toAfter('2024-08-02', '2024-08-01'), 'The end (2024-08-01) must be after the start (2024-08-02).');
  assert.equal(toAfter('2024-08-01', '2024-08-01T01:00:00Z'), undefined);
  assert.match(toAfter('2024-08-01', 'yesterday') ?? '', /^The end "yesterday" is not a valid date: use ISO-8601 UTC/, 'no flag names in an input box');
});

test('buildRequest: timeframes from settings, API key only for replays, demo rate only for demo', () => {
  const config = readConfig((key) => ({ timeframes: ['15s', '1m'], demoRate: 40 })[key]);
  const demo = buildRequest({ source: 'demo', exchange: 'binance', symbol: 'BTCUSDT', dataTypes: ['trades'] }, config, 'secret-key');
  assert.deepEqual(demo, { source: 'demo', exchange: 'binance', symbols: ['BTCUSDT'], dataTypes: ['trades'], timeframes: ['15s', '1m'], mode: 'candles', speed: 'max', demoMessagesPerSecond: 40 });
  const replay = buildRequest({ source: 'replay', exchange: 'deribit', symbol: 'BTC-PERPETUAL', dataTypes: ['trades'], from: 'a', to: 'b' }, config, 'secret-key');
  assert.equal(replay.apiKey, 'secret-key');
  assert.equal(replay.from, 'a');
  assert.equal('demoMessagesPerSecond' in replay, false);
  assert.equal('apiKey' in buildRequest({ source: 'live', exchange: 'binance', symbol: 'X', dataTypes: ['trades'] }, config, 'k'), false);
});

test('input boxes show the engine\'s own one-line messages inline (the CLI exits 2 with the same)', async () => {
  const config = readConfig(() => undefined);
  const seen: Record<string, string | undefined> = {};
  const ui: StartUi = {
    async pick(title) {
      return title.endsWith('source') ? ['replay'] : title.endsWith('exchange') ? ['binance'] : ['trades'];
    },
    async input(title, _value, validate) {
      const bad = title.startsWith('Symbol') ? ' ' : 'yesterday';
      seen[title] = validate(bad);
      return title.startsWith('Symbol') ? 'BTCUSDT' : title.startsWith('Replay from') ? '2024-08-01' : '2024-08-02';
    },
    async openFile() {
      return undefined;
    }
  };
  await chooseStream(config, ui, memory());
  // the engine's message, its flag name in words (an input box has no flags)
  assert.equal(seen['Replay from (ISO-8601, UTC)'], 'The start "yesterday" is not a valid date: use ISO-8601 UTC, e.g. 2024-08-01 or 2024-08-01T12:30:00Z.');
  assert.equal(seen['Replay to (exclusive)'], 'The end "yesterday" is not a valid date: use ISO-8601 UTC, e.g. 2024-08-01 or 2024-08-01T12:30:00Z.');
  assert.match(seen['Symbol (native id like BTCUSDT or BTC-PERPETUAL, or BASE-QUOTE)'] ?? '', /type a symbol/);
});

test('Start Stream is one multi-step input: "Step n/N" per source, Back returns a step and keeps the others', async () => {
  const script: (string | string[] | typeof BACK)[] = ['replay', 'binance', 'BTCUSDT', ['trades'], '2024-08-02', BACK, '2024-08-01', '2024-08-01T01:00:00Z', BACK, '2024-08-01T02:00:00Z', '1×'];
  const shown: string[] = [];
  const answer = (title: string, at?: StepInfo) => {
    shown.push(`${at?.step}/${at?.steps} ${title.replace(/ \(.*/, '')}`);
    return script.shift();
  };
  const ui: StartUi = {
    pick: async (title, _items, _many, at) => {
      const a = answer(title, at);
      return a === BACK ? BACK : a === undefined ? undefined : Array.isArray(a) ? a : [a];
    },
    input: async (title, _value, validate, at) => {
      const a = answer(title, at);
      if (typeof a === 'string') assert.equal(validate(a), undefined, `${a} for ${title}`);
      return a as string | typeof BACK | undefined;
    },
    openFile: async () => undefined
  };
  const choices = await chooseStream(readConfig(() => undefined), ui, memory());
  assert.deepEqual(choices, { source: 'replay', exchange: 'binance', symbol: 'BTCUSDT', dataTypes: ['trades'], from: '2024-08-01', to: '2024-08-01T02:00:00Z', speed: 1 });
  assert.deepEqual(shown, [
    '1/4 Tickbridge: source', // the count grows once the source says what it needs
    '2/7 Tickbridge: exchange',
    '3/7 Symbol',
    '4/7 Tickbridge: data types',
    '5/7 Replay from',
    '6/7 Replay to', // Back
    '5/7 Replay from',
    '6/7 Replay to',
    '7/7 Tickbridge: speed', // Back
    '6/7 Replay to',
    '7/7 Tickbridge: speed'
  ]);
});
