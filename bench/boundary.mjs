/**
 * The thread boundary, measured (docs/architecture.md, "Where a stream's link lives"): the
 * capture is read, normalized and encoded in a worker thread, which either hands every batch of
 * ~100 encoded messages to the main thread (which joins it into a bridge frame, as it would
 * before sending it) or keeps them (as when the worker owns its link). Reported: the main
 * thread's busy time per message (event-loop utilization), and the worker's rate.
 *
 *   node bench/boundary.mjs --file <capture> [--pairs 3]
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { CAPTURE_EXCHANGE, CAPTURE_SYMBOL } from './capture.mjs';
import { DATA_TYPES, parseArgs, report } from './lib.mjs';

const BATCH = 100;

if (!isMainThread) {
  const { openSource } = await import('../dist/core/src/sources/index.js');
  const { encodeMessage } = await import('../dist/core/src/bridge/encode.js');
  const source = await openSource(
    { source: 'file', exchange: CAPTURE_EXCHANGE, symbols: [CAPTURE_SYMBOL], dataTypes: DATA_TYPES, file: workerData.file, speed: 'max' },
    { warn: () => {} }
  );
  let batch = [];
  let messages = 0;
  let kept = 0;
  for await (const message of source.messages) {
    messages++;
    batch.push(encodeMessage(message));
    if (batch.length === BATCH) {
      if (workerData.hand) parentPort.postMessage(batch);
      else kept += batch.length;
      batch = [];
    }
  }
  if (workerData.hand && batch.length > 0) parentPort.postMessage(batch);
  parentPort.postMessage({ done: messages, kept });
} else {
  const args = parseArgs(process.argv.slice(2));
  const pairs = Number(args.pairs ?? 3);
  const run = (hand) =>
    new Promise((resolve, reject) => {
      const elu0 = performance.eventLoopUtilization();
      const started = performance.now();
      let bytes = 0;
      const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { file: args.file, hand } });
      worker.on('message', (message) => {
        if (Array.isArray(message)) {
          bytes += `{"type":"batch","seq":1,"msgs":[${message.join(',')}]}`.length;
          return;
        }
        const seconds = (performance.now() - started) / 1000;
        const elu = performance.eventLoopUtilization(elu0);
        void worker.terminate();
        resolve({ hand, messages: message.done, rate: message.done / seconds, mainBusyUsPerMsg: (elu.active * 1000) / message.done, bytes });
      });
      worker.on('error', reject);
    });
  const runs = [];
  for (let i = 0; i < pairs; i++) runs.push(await run(true), await run(false));
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const of = (hand, key) => runs.filter((r) => r.hand === hand).map((r) => r[key]);
  report({
    pairs,
    handFrames: { mainBusyUsPerMsg: median(of(true, 'mainBusyUsPerMsg')), rate: median(of(true, 'rate')) },
    ownLink: { mainBusyUsPerMsg: median(of(false, 'mainBusyUsPerMsg')), rate: median(of(false, 'rate')) },
    runs
  });
}
