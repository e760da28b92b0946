/**
 * 6. Live latency: the engine (in this process) follows the demo exchange paced at --rate messages
 * per second; the processor runs with --partialIntervalMs 1 (open-bar updates throttled to one
 * per millisecond instead of 250 ms). For every trade, the latency is the time from the engine
 * handing it to its bridge link (in the stream's worker thread, right after tardis-dev normalized
 * it) to the first candle update back in the engine's main thread whose trade count covers it.
 * Candle updates of the 15s bar carry `trades`, the number of trades in the bar so far, so the
 * k-th trade of a bar is covered by the first update with trades >= k: no change to the engine
 * or the protocol. The worker's side is traced through the link's diagnostics channels
 * (bench/trace-link.mjs, preloaded), which also split the latency into the link's round trip
 * (push → candle back in the worker) and the hand-over to the main thread (postMessage).
 *
 * With --tui the terminal monitor (tui/, Ink) is attached to the engine in this process, as
 * `tickbridge tui` runs it: it renders the same App at 120×40 into a terminal that discards
 * its output. Also reported: both threads' event-loop delay and GC pauses, both processes' RSS.
 *
 *   node --import ./bench/trace-link.mjs bench/latency.mjs [--rate 10000] [--seconds 20] [--warmup 3] [--tui]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { PassThrough, Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import { Engine } from '../dist/core/index.js';
import { TRACE_CHANNEL, loopMeter } from './trace-link.mjs';
import { DATA_TYPES, TIMEFRAMES, cpuSeconds, loadAverage, parseArgs, percentile, report, rssMb, schedShares, schedstat } from './lib.mjs';

const args = parseArgs(process.argv.slice(2));
const rate = Number(args.rate ?? 10_000);
const seconds = Number(args.seconds ?? 20);
const warmupMs = Number(args.warmup ?? 3) * 1000;
const withTui = args.tui === true;
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Push times (epoch ms) of the trades in the stream's worker, per 15s bar start (µs), in push order. */
const pushed = new Map();
/** Arrival times of the 15s updates in the worker and in the main thread: [barStartUs, trades, epochMs]. */
const inWorker = [];
const inMain = [];
let workerLoop;
const trace = new BroadcastChannel(TRACE_CHANNEL);
trace.onmessage = ({ data }) => {
  if (data.worker) {
    workerLoop = data.worker;
    return;
  }
  for (const [bar, t] of data.pushes) {
    let times = pushed.get(bar);
    if (times === undefined) pushed.set(bar, (times = []));
    times.push(t);
  }
  inWorker.push(...data.candles);
};

const logDir = mkdtempSync(join(tmpdir(), 'tickbridge-bench-logs-'));
const engine = await Engine.start({
  processor: { launch: { host: '127.0.0.1', port: 0, logDir, args: ['--partialIntervalMs', '1'] } },
  logLevel: 'warning'
});
const processorPid = engine.processor.pid;
let measureFrom = Infinity;
let measureTo = Infinity;
engine.subscribe((event) => {
  if (event.type === 'candle' && event.candle.timeframe === '15s') inMain.push([Date.parse(event.candle.start) * 1000, event.candle.trades, now()]);
});

const request = {
  source: 'demo', exchange: 'binance', symbols: ['BTCUSDT'], dataTypes: DATA_TYPES, speed: 'max', seed: 1,
  demoMessagesPerSecond: rate, timeframes: TIMEFRAMES, mode: 'candles'
};
const unmountTui = withTui ? await attachTui(engine, request) : () => {};
const id = engine.startStream(request);
// the warm-up counts from the moment the stream runs (a loaded machine takes seconds to get there)
for (let waited = 0; ; waited += 50) {
  const { status, detail } = engine.streamInfo(id);
  if (status === 'running') break;
  if (status !== 'starting' || waited > 60_000) throw new Error(`stream ${status}: ${detail}`);
  await sleep(50);
}
await sleep(warmupMs);
measureFrom = now();
const mainLoop = loopMeter();
trace.postMessage('reset');
const messages0 = engine.streamInfo(id).messages;
const cpu0 = { engine: cpuSeconds(process.pid), processor: cpuSeconds(processorPid) };
const rss0 = { engine: rssMb(process.pid), processor: rssMb(processorPid) };
const sched0 = { engine: schedstat(process.pid), processor: schedstat(processorPid) };
await sleep(seconds * 1000);
const rss = { engine: rssMb(process.pid), processor: rssMb(processorPid) };
const sched1 = { engine: schedstat(process.pid), processor: schedstat(processorPid) };
measureTo = now();
const elapsed = (measureTo - measureFrom) / 1000;
const main = mainLoop.summary();
mainLoop.stop();
trace.postMessage('report');
const messages = engine.streamInfo(id).messages - messages0;
const cpu = { engine: cpuSeconds(process.pid) - cpu0.engine, processor: cpuSeconds(processorPid) - cpu0.processor };
const info = engine.streamInfo(id);
for (let waited = 0; workerLoop === undefined && waited < 2000; waited += 20) await sleep(20);
unmountTui();
await engine.close();
trace.close();
rmSync(logDir, { recursive: true, force: true });
if (info.status !== 'running') throw new Error(`stream ${info.status}: ${info.detail}`);

/**
 * Trade → update latencies: the k-th trade of a bar is covered by the first update (in arrival
 * order) with trades >= k; only trades pushed within the measured seconds count.
 */
function coverLatencies(arrivals) {
  const covered = new Map();
  const latencies = [];
  for (const [bar, trades, at] of arrivals) {
    const times = pushed.get(bar);
    if (times === undefined) continue;
    const from = covered.get(bar) ?? 0;
    const upTo = Math.min(trades, times.length);
    for (let i = from; i < upTo; i++) if (times[i] >= measureFrom && times[i] <= measureTo) latencies.push(at - times[i]);
    if (upTo > from) covered.set(bar, upTo);
  }
  return latencies.sort((a, b) => a - b);
}
/** Worker → main thread (postMessage and the main thread's turn) of each update first seen in the worker after warm-up. */
function handoverTimes() {
  const firstInMain = new Map();
  for (const [bar, trades, at] of inMain) if (!firstInMain.has(`${bar}|${trades}`)) firstInMain.set(`${bar}|${trades}`, at);
  const seen = new Set();
  const times = [];
  for (const [bar, trades, t] of inWorker) {
    const key = `${bar}|${trades}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const at = firstInMain.get(key);
    if (t >= measureFrom && at !== undefined) times.push(at - t);
  }
  return times.sort((a, b) => a - b);
}
const distribution = (values) => ({ p50Ms: percentile(values, 50), p99Ms: percentile(values, 99), maxMs: values[values.length - 1] });
const latencies = coverLatencies(inMain);
report({
  tui: withTui,
  demoRate: rate,
  messagesPerSecond: messages / elapsed,
  trades: latencies.length,
  updates: inMain.length,
  ...distribution(latencies),
  /** The link's part: trade pushed → its update received back in the worker. */
  link: distribution(coverLatencies(inWorker)),
  /** Worker → main thread (postMessage and the main thread's turn) of the same update. */
  handover: distribution(handoverTimes()),
  /** RSS (MB) after warm-up and at the end: the live path's memory (the memory step reads a file). */
  rss: { messages, engineStart: rss0.engine, engineEnd: rss.engine, processorStart: rss0.processor, processorEnd: rss.processor },
  engineCpuShare: cpu.engine / elapsed,
  processorCpuShare: cpu.processor / elapsed,
  /**
   * Shares of the measured time each thread ran, and waited runnable for a CPU (the machine's
   * scheduling): engine main thread, its busiest other thread (the stream's worker), the processor.
   */
  scheduling: {
    ...(({ main, busiest }) => ({ main, worker: busiest }))(schedShares(process.pid, sched0.engine, sched1.engine, elapsed)),
    processor: schedShares(processorPid, sched0.processor, sched1.processor, elapsed).all
  },
  loadAverage: loadAverage(),
  /** How late each thread's event loop ran a 1 ms timer, and its GC pauses. */
  mainThread: main,
  workerThread: workerLoop ?? null
});

/** Renders the monitor's App into a 120×40 terminal that discards what it is sent, as `tickbridge tui` does. */
async function attachTui(engineApi, baseRequest) {
  process.env.NODE_ENV ??= 'production'; // before React loads, as tui/main.ts does
  const [{ render }, { createElement }, { App }] = await Promise.all([import('ink'), import('react'), import('../dist/tui/app/App.js')]);
  const stdout = Object.assign(new Writable({ write: (_chunk, _encoding, done) => done() }), { isTTY: true, columns: 120, rows: 40 });
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => stdin, ref: () => stdin, unref: () => stdin });
  const instance = render(createElement(App, { engine: engineApi, baseRequest, onQuit: () => {} }), {
    stdout, stdin, stderr: stdout, exitOnCtrlC: false, patchConsole: false, maxFps: 10
  });
  return () => instance.unmount();
}
