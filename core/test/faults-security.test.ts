// Nothing forged, no secret shown: a client without the engine's secret cannot change a stored
// row, and a Redis password is in no command line and no log line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { CLI, NO_CAPTURES, collect } from './helpers/cli.js';
import { candleRows, replayIntoStore } from './helpers/store.js';
import { until } from './helpers/until.js';

/** Connects as an engine for `binance:BTCUSDT` and, if welcomed, sends a trade at price 1.0 in
 * every stored bar; resolves with the processor's answer to the hello. */
function inject(url: string, token: string | null, startsMs: number[]): Promise<string> {
  const ws = new WebSocket(url);
  const trades = startsMs.map((ms) => ({ type: 'trade', symbol: 'BTCUSDT', price: 1.0, amount: 1000, side: 'buy', ts: ms * 1000 + 1 }));
  const hello = { type: 'hello', v: 1, stream_id: 'binance:BTCUSDT', exchange: 'binance', symbols: ['BTCUSDT'], timeframes: ['15s', '1m'], mode: 'candles', live: false, next_seq: 1, state: null, token };
  return new Promise((resolve, reject) => {
    let answer = '';
    ws.on('open', () => ws.send(JSON.stringify(hello)));
    ws.on('error', reject);
    ws.on('close', () => resolve(answer || 'closed'));
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { type: string; code?: string; seq?: number };
      if (!answer) answer = frame.type === 'error' ? String(frame.code) : frame.type;
      if (frame.type === 'welcome') ws.send(JSON.stringify({ type: 'batch', seq: 1, msgs: [...trades, { type: 'end' }] }));
      if (frame.type === 'ack' && frame.seq === trades.length + 1) ws.close();
    });
  });
}

test('a client without the engine secret cannot change a stored row', { skip: NO_CAPTURES, timeout: 120_000 }, async () => {
  const clean = await replayIntoStore();
  const expected = candleRows(clean.dir);
  const starts = [...new Set(expected.map((row) => Date.parse(String(row.start))))].sort((a, b) => a - b);
  const answers: string[] = [];
  const attacked = await replayIntoStore([], async (engine) => {
    const url = engine.stats().processor.url;
    for (const token of [null, 'a', 'guess-the-secret']) answers.push(await inject(url, token, starts));
  });
  assert.deepEqual(answers, ['unauthorized', 'unauthorized', 'unauthorized'], 'every injecting hello was refused');
  assert.deepEqual(candleRows(attacked.dir), expected, 'the store holds exactly the rows of a clean run');
});

async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('a Redis password is in no process command line and no log line', { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tickbridge-redis-secret-'));
  const password = 'redis-PASS-9c41e7';
  // Redis is unreachable: the processor logs the outage (with the URL) on both sides.
  const env = { ...process.env, REDIS_URL: `redis://:${password}@127.0.0.1:${await unusedPort()}/0` };
  const child = spawn(process.execPath, [CLI, 'run', '--source', 'demo', '--duration', '5s', '--json', '--timeframes', '1s', '--logDir', dir, '--storeDir', dir], { env });
  const result = collect(child);
  const commandLines: string[] = [];
  await until(() => {
    const ps = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout.split('\n');
    commandLines.push(...ps);
    return ps.some((line) => line.includes('market_data_tick_handler') && line.includes(dir));
  }, 30_000, () => 'the processor never appeared in ps');
  const { code, lines, stderr } = await result;
  assert.equal(code, 0, stderr);
  const leaks = commandLines.filter((line) => line.includes(password));
  assert.deepEqual(leaks, [], 'no command line holds the password');
  const logs = readdirSync(dir).filter((name) => name.endsWith('.log'));
  const text = logs.map((name) => readFileSync(join(dir, name), 'utf8')).join('\n');
  assert.match(text, /redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0 unreachable/, 'the outage was logged, redacted');
  assert.ok(!text.includes(password), 'the password is in no log');
  assert.ok(!JSON.stringify(lines).includes(password) && !stderr.includes(password), 'nor in the output');
});
