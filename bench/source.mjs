/**
 * 1. Source ceiling: tardis-dev normalizing the capture alone (the file source at --speed max,
 * every message pulled and dropped), in this process.
 *
 *   node bench/source.mjs --file <capture> [--data-types trades]
 */
import { openSource } from '../dist/core/src/sources/index.js';
import { CAPTURE_EXCHANGE, CAPTURE_SYMBOL } from './capture.mjs';
import { DATA_TYPES, cpuSeconds, parseArgs, report } from './lib.mjs';

const args = parseArgs(process.argv.slice(2));
const cpu0 = cpuSeconds(process.pid);
const started = performance.now();
const source = await openSource(
  { source: 'file', exchange: CAPTURE_EXCHANGE, symbols: [CAPTURE_SYMBOL], dataTypes: args['data-types'] ? [args['data-types']] : DATA_TYPES, file: args.file, speed: 'max' },
  { warn: () => {} }
);
let messages = 0;
for await (const message of source.messages) {
  if (message.type !== undefined) messages++;
}
const seconds = (performance.now() - started) / 1000;
report({ messages, seconds, rate: messages / seconds, cpuUsPerMsg: ((cpuSeconds(process.pid) - cpu0) / messages) * 1e6 });
