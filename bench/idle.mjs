/**
 * Memory per idle stream: the engine (in this process) with a supervised processor runs 1, then
 * 2 … N demo streams of one message per second each (each stream has its own worker thread with
 * its own tardis-dev and demo exchange); the engine's RSS is read once each new stream is
 * running and has settled. The figure is the growth per extra stream: (RSS with N − RSS with 1) ÷ (N − 1).
 *
 *   node bench/idle.mjs [--streams 4] [--settle-ms 3000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../dist/core/index.js';
import { parseArgs, report, rssMb } from './lib.mjs';

const args = parseArgs(process.argv.slice(2));
const streams = Number(args.streams ?? 4);
const settleMs = Number(args['settle-ms'] ?? 3000);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const logDir = mkdtempSync(join(tmpdir(), 'tickbridge-bench-logs-'));
const engine = await Engine.start({ processor: { launch: { host: '127.0.0.1', port: 0, logDir } }, logLevel: 'warning' });
const rss = [];
for (let n = 1; n <= streams; n++) {
  const id = engine.startStream({
    source: 'demo', exchange: 'binance', symbols: ['BTCUSDT'], dataTypes: ['trades'], speed: 'max', seed: n, demoMessagesPerSecond: 1, timeframes: ['1m'], mode: 'candles'
  });
  const started = Date.now();
  while (engine.streamInfo(id).status !== 'running') {
    if (Date.now() - started > 30_000) throw new Error(`stream ${n} did not start`);
    await sleep(100);
  }
  await sleep(settleMs);
  globalThis.gc?.();
  rss.push(rssMb(process.pid));
}
await engine.close();
rmSync(logDir, { recursive: true, force: true });
report({ streams, rssMb: rss, perExtraStreamMb: (rss[rss.length - 1] - rss[0]) / (streams - 1) });
