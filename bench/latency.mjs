/**
 * 4. Live latency: the engine (in this process) follows the demo exchange paced at --rate messages
 * per second; the processor runs with --partial-interval-ms 1 (open-bar updates throttled to one
 * per millisecond instead of 250 ms). For every trade, the latency is the time from the engine
 * handing it to its bridge link (BridgeLink.push in the stream's worker thread, right after
 * tardis-dev normalized it; traced by bench/trace-push.mjs) to the first candle update back in
 * the engine's main thread whose trade count covers it. Candle updates of the 15s
 * bar carry `trades`, the number of trades in the bar so far, so the k-th trade of a bar is
 * covered by the first update with trades >= k: no change to the engine or the protocol.
 * Also reports both processes' RSS after warm-up and at the end (the live path's memory).
 *
 *   node --import ./bench/trace-push.mjs bench/latency.mjs [--rate 10000] [--seconds 20] [--warmup 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Engine } from '../dist/core/index.js';
import { BroadcastChannel } from 'node:worker_threads';
import { TRACE_CHANNEL } from './trace-push.mjs';
import { DATA_TYPES, TIMEFRAMES, cpuSeconds, parseArgs, percentile, report, rssMb } from './lib.mjs';

const args = parseArgs(process.argv.slice(2));
const rate = Number(args.rate ?? 10_000);
const seconds = Number(args.seconds ?? 20);
const warmupMs = Number(args.warmup ?? 3) * 1000;
const now = () => performance.timeOrigin + performance.now();

/** Receive time (epoch ms) of each trade in the stream's worker, per 15s bar start (µs), in arrival order. */
const received = new Map();
const trace = new BroadcastChannel(TRACE_CHANNEL);
trace.onmessage = ({ data }) => {
  for (const [bar, t] of data) {
    let times = received.get(bar);
    if (times === undefined) received.set(bar, (times = []));
    times.push(t);
  }
};

const logDir = mkdtempSync(join(tmpdir(), 'tickbridge-bench-logs-'));
const engine = await Engine.start({
  processor: { launch: { host: '127.0.0.1', port: 0, logDir, args: ['--partial-interval-ms', '1'] } },
  logLevel: 'warning'
});
const processorPid = engine.processor.pid;
const covered = new Map();
const latencies = [];
let measureFrom = Infinity;
let updates = 0;
engine.subscribe((event) => {
  if (event.type !== 'candle' || event.candle.timeframe !== '15s') return;
  const at = now();
  updates++;
  const bar = Date.parse(event.candle.start) * 1000;
  const times = received.get(bar);
  if (times === undefined) return;
  const upTo = Math.min(event.candle.trades, times.length);
  for (let i = covered.get(bar) ?? 0; i < upTo; i++) {
    if (times[i] >= measureFrom) latencies.push(at - times[i]);
  }
  if (upTo > (covered.get(bar) ?? 0)) covered.set(bar, upTo);
});

const id = engine.startStream({
  source: 'demo', exchange: 'binance', symbols: ['BTCUSDT'], dataTypes: DATA_TYPES, speed: 'max', seed: 1,
  demoMessagesPerSecond: rate, timeframes: TIMEFRAMES, mode: 'candles'
});
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
await sleep(warmupMs);
measureFrom = now();
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
const messages0 = engine.streamInfo(id).messages;
const cpu0 = { engine: cpuSeconds(process.pid), processor: cpuSeconds(processorPid) };
const rss0 = { engine: rssMb(process.pid), processor: rssMb(processorPid) };
await sleep(seconds * 1000);
const rss = { engine: rssMb(process.pid), processor: rssMb(processorPid) };
const elapsed = (now() - measureFrom) / 1000;
loopDelay.disable();
const messages = engine.streamInfo(id).messages - messages0;
const cpu = { engine: cpuSeconds(process.pid) - cpu0.engine, processor: cpuSeconds(processorPid) - cpu0.processor };
const info = engine.streamInfo(id);
await engine.close();
trace.close();
rmSync(logDir, { recursive: true, force: true });
if (info.status !== 'running') throw new Error(`stream ${info.status}: ${info.detail}`);
latencies.sort((a, b) => a - b);
report({
  demoRate: rate,
  messagesPerSecond: messages / elapsed,
  trades: latencies.length,
  updates,
  p50Ms: percentile(latencies, 50),
  p99Ms: percentile(latencies, 99),
  maxMs: latencies[latencies.length - 1],
  /** RSS (MB) after warm-up and at the end: the live path's memory (the memory step reads a file). */
  rss: { messages, engineStart: rss0.engine, engineEnd: rss.engine, processorStart: rss0.processor, processorEnd: rss.processor },
  engineCpuShare: cpu.engine / elapsed,
  /** How late the engine's event loop ran a 1 ms timer: what the machine adds on its own. */
  loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
  loopDelayMaxMs: loopDelay.max / 1e6,
  processorCpuShare: cpu.processor / elapsed
});
