/**
 * Entry of one stream's worker thread (started by host.ts): its own tardis-dev module instance,
 * so `init` options and feed classes (the demo exchange's) belong to this stream alone.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Mailbox } from './mailbox.js';
import type { ToWorker, WorkerStart } from './protocol.js';
import { StreamPump } from './pump.js';

const port = parentPort;
if (port === null) throw new Error('core/src/sources/worker/main.js runs as a worker thread (see host.ts)');
const pump = new StreamPump(workerData as WorkerStart, new Mailbox((message) => port.postMessage(message)));
// the engine terminates the thread once `ended` arrives (a demo exchange may still be winding down)
port.on('message', (message: ToWorker) => pump.receive(message));
