/**
 * The engine's side of one stream's worker thread: starts it on the real entry file (the tsc
 * build's main.js, or streamWorker.cjs beside the VS Code bundle), types both directions, and
 * terminates it once the stream has ended.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker, WorkerOutcome, WorkerProgress, WorkerStart } from './protocol.js';

/** The worker entry: beside the bundle (extension/build.mjs) or beside this module (tsc). */
export function workerEntry(): string {
  const bundled = fileURLToPath(new URL('./streamWorker.cjs', import.meta.url));
  return existsSync(bundled) ? bundled : fileURLToPath(new URL('./main.js', import.meta.url));
}

export interface StreamWorker {
  send(message: ToWorker): void;
  /** Resolves with the outcome once the worker has ended (a crash is a failed outcome). */
  readonly ended: Promise<{ outcome: WorkerOutcome; progress: WorkerProgress | null }>;
}

/** Starts a stream's worker; `receive` gets every message but `ended`, which resolves `ended`. */
export function startStreamWorker(start: WorkerStart, receive: (message: Exclude<FromWorker, { type: 'ended' }>) => void, entry = workerEntry()): StreamWorker {
  const worker = new Worker(entry, { workerData: start });
  let settled = false;
  const ended = new Promise<{ outcome: WorkerOutcome; progress: WorkerProgress | null }>((resolve) => {
    const finish = (outcome: WorkerOutcome, progress: WorkerProgress | null) => {
      if (settled) return;
      settled = true;
      resolve({ outcome, progress });
      void worker.terminate();
    };
    worker.on('message', (message: FromWorker) => {
      if (settled) return;
      if (message.type === 'ended') finish(message.outcome, message.progress);
      else receive(message);
    });
    worker.on('error', (error) => finish({ kind: 'failed', message: `the stream's worker failed: ${error.message}`, usage: false }, null));
    worker.on('exit', (code) => finish({ kind: 'failed', message: `the stream's worker exited (code ${code}) before the stream ended`, usage: false }, null));
  });
  return {
    send: (message) => {
      if (!settled) worker.postMessage(message);
    },
    ended
  };
}
