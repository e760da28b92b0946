/**
 * 2. Pipeline, and 5. memory: the capture at --speed max through the engine (in this process),
 * the bridge and a supervised processor (candles on four timeframes + all features), until the
 * stream is finished: the processor acknowledged `end`, so every candle it caused is back in the
 * engine. With --streams N the capture is streamed N times, one stream after the other, through
 * the same engine and processor (5 × 1M = the 5M messages of the memory figure); the pipeline
 * figure is the median stream. With --sample-ms, both processes' RSS is sampled throughout.
 *
 * With --concurrent N, N streams of the capture run at once instead (each in its own worker
 * thread): the figure is their aggregate rate, all messages over the time until the last ends.
 *
 * --batch N sets the bridge's most messages per frame (default: the engine's, 100), for experiments.
 *
 *   node bench/pipeline.mjs --file <capture> [--streams 1] [--concurrent N] [--data-types trades] [--sample-ms 250] [--batch N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../dist/core/index.js';
import { CAPTURE_EXCHANGE, CAPTURE_SYMBOL } from './capture.mjs';
import { DATA_TYPES, TIMEFRAMES, cpuSeconds, parseArgs, report, rssMb } from './lib.mjs';

const args = parseArgs(process.argv.slice(2));
const streams = Number(args.streams ?? 1);
const concurrent = args.concurrent === undefined ? 0 : Number(args.concurrent);
const dataTypes = args['data-types'] ? [args['data-types']] : DATA_TYPES;
const sampleMs = args['sample-ms'] === undefined ? 0 : Number(args['sample-ms']);
const logDir = mkdtempSync(join(tmpdir(), 'tickbridge-bench-logs-'));
const tuning = args.batch === undefined ? {} : { maxBatchMessages: Number(args.batch) };
const engine = await Engine.start({ processor: { launch: { host: '127.0.0.1', port: 0, logDir } }, logLevel: 'warning', tuning });
const processorPid = engine.processor.pid;
let closedCandles = 0;
let updates = 0;
engine.subscribe((event) => {
  if (event.type !== 'candle') return;
  if (event.candle.closed) closedCandles++;
  else updates++;
});

let done = 0; // messages of the streams already finished
let current; // the running stream's id
let streamNumber = 0; // of the running stream, from 0
const samples = [];
const sample = () => {
  const running = current === undefined ? 0 : (engine.streamInfo(current).status === 'running' ? engine.streamInfo(current).messages : 0);
  samples.push({ stream: current === undefined ? undefined : streamNumber, messages: done + running, engine: rssMb(process.pid), processor: rssMb(processorPid) });
};
const timer = sampleMs > 0 ? setInterval(sample, sampleMs) : undefined;

const request = {
  source: 'file', exchange: CAPTURE_EXCHANGE, symbols: [CAPTURE_SYMBOL], dataTypes, file: args.file, speed: 'max', timeframes: TIMEFRAMES, mode: 'candles'
};
if (concurrent > 0) {
  const cpu0 = cpuSeconds(process.pid);
  const started = performance.now();
  const ids = Array.from({ length: concurrent }, () => engine.startStream(request));
  const infos = await Promise.all(ids.map((id) => engine.whenDone(id)));
  const seconds = (performance.now() - started) / 1000;
  for (const info of infos) if (info.status !== 'finished') throw new Error(`stream ${info.status}: ${info.detail}`);
  const messages = infos.reduce((sum, info) => sum + info.messages, 0);
  await engine.close();
  rmSync(logDir, { recursive: true, force: true });
  report({ concurrent, messages, seconds, rate: messages / seconds, engineCpuUsPerMsg: ((cpuSeconds(process.pid) - cpu0) / messages) * 1e6 });
  process.exit(0);
}

const runs = [];
for (let n = 0; n < streams; n++) {
  const candles0 = closedCandles;
  const cpu0 = { engine: cpuSeconds(process.pid), processor: cpuSeconds(processorPid) };
  const started = performance.now();
  streamNumber = n;
  current = engine.startStream(request);
  const info = await engine.whenDone(current);
  const seconds = (performance.now() - started) / 1000;
  if (info.status !== 'finished') throw new Error(`stream ${info.status}: ${info.detail}`);
  const cpu = { engine: cpuSeconds(process.pid) - cpu0.engine, processor: cpuSeconds(processorPid) - cpu0.processor };
  done += info.messages;
  current = undefined;
  runs.push({
    messages: info.messages,
    seconds,
    rate: info.messages / seconds,
    closedCandles: closedCandles - candles0,
    engineCpuUsPerMsg: (cpu.engine / info.messages) * 1e6,
    processorCpuUsPerMsg: (cpu.processor / info.messages) * 1e6
  });
}
if (timer) {
  clearInterval(timer);
  sample();
}
await engine.close();
rmSync(logDir, { recursive: true, force: true });
const median = [...runs].sort((a, b) => a.rate - b.rate)[Math.floor(runs.length / 2)];
report({ ...median, streams: runs, totalMessages: done, updates, ...(sampleMs > 0 && { samples }) });
