/**
 * 3. Seed-style baseline, engine side: the same capture through the same tardis-dev source, each
 * normalized message sent as its own frame (`JSON.stringify` of the tardis object) to
 * bench/seed_server.py, until its `done` after the last candle. Flow control is the socket's
 * own buffer (the sender waits when more than 1 MB is buffered).
 *
 *   node bench/seed.mjs --file <capture> [--data-types trades]
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import WebSocket from 'ws';
import { openSource } from '../dist/core/src/sources/index.js';
import { CAPTURE_EXCHANGE, CAPTURE_SYMBOL } from './capture.mjs';
import { BENCH_DIR, DATA_TYPES, TIMEFRAMES, VENV_PYTHON, cpuSeconds, parseArgs, report } from './lib.mjs';

const args = parseArgs(process.argv.slice(2));
const server = spawn(VENV_PYTHON, [join(BENCH_DIR, 'seed_server.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
const port = await new Promise((resolve, reject) => {
  createInterface({ input: server.stdout }).once('line', (line) => resolve(JSON.parse(line).port));
  server.once('exit', (code) => reject(new Error(`seed_server.py exited (${code})`)));
});
const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
await new Promise((resolve, reject) => {
  ws.once('open', resolve);
  ws.once('error', reject);
});
let closedCandles = 0;
let updates = 0;
const done = new Promise((resolve) => {
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    if (frame.type === 'done') resolve();
    else if (frame.closed) closedCandles++;
    else updates++;
  });
});

const cpu0 = { engine: cpuSeconds(process.pid), processor: cpuSeconds(server.pid) };
const started = performance.now();
ws.send(JSON.stringify({ type: 'hello', exchange: CAPTURE_EXCHANGE, timeframes: TIMEFRAMES }));
const source = await openSource(
  { source: 'file', exchange: CAPTURE_EXCHANGE, symbols: [CAPTURE_SYMBOL], dataTypes: args['data-types'] ? [args['data-types']] : DATA_TYPES, file: args.file, speed: 'max' },
  { warn: () => {} }
);
let messages = 0;
for await (const message of source.messages) {
  messages++;
  const text = JSON.stringify(message);
  if (ws.bufferedAmount > 1 << 20) await new Promise((resolve) => ws.send(text, resolve));
  else ws.send(text);
}
ws.send('{"type":"end"}');
await done;
const seconds = (performance.now() - started) / 1000;
const cpu = { engine: cpuSeconds(process.pid) - cpu0.engine, processor: cpuSeconds(server.pid) - cpu0.processor };
ws.close();
server.stdin.end();
report({
  messages,
  seconds,
  rate: messages / seconds,
  closedCandles,
  updates,
  engineCpuUsPerMsg: (cpu.engine / messages) * 1e6,
  processorCpuUsPerMsg: (cpu.processor / messages) * 1e6
});
