/**
 * A profiling aid, preloaded with `node --import ./bench/heap-probe.mjs` (workers inherit it):
 * every thread samples its V8 heap (v8.getHeapStatistics and the heap spaces) every
 * HEAP_PROBE_MS (default 1000) and posts it on a BroadcastChannel; `heapSamples()` in the main
 * thread returns what was collected, per thread, and with HEAP_PROBE_OUT=<file> the main thread
 * writes them there as JSON lines when the process exits. With HEAP_PROBE_SNAPSHOT_MS a worker also
 * writes a heap snapshot (into the current folder) at that interval, for DevTools' comparison view.
 */
import { getHeapSnapshot, getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { createWriteStream, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { BroadcastChannel, isMainThread, threadId } from 'node:worker_threads';

const CHANNEL = 'tickbridge-bench-heap';
const everyMs = Number(process.env.HEAP_PROBE_MS ?? 1000);
const snapshotMs = Number(process.env.HEAP_PROBE_SNAPSHOT_MS ?? 0);
const mb = (bytes) => Math.round((bytes / 1048576) * 10) / 10;

function sample() {
  const heap = getHeapStatistics();
  const spaces = Object.fromEntries(getHeapSpaceStatistics().map((space) => [space.space_name, mb(space.space_used_size)]));
  return { thread: threadId, at: Math.round(performance.timeOrigin + performance.now()), used: mb(heap.used_heap_size), total: mb(heap.total_heap_size), external: mb(heap.external_memory), malloced: mb(heap.malloced_memory), spaces };
}

const channel = new BroadcastChannel(CHANNEL);
channel.unref();
const samples = [];
if (isMainThread) channel.onmessage = ({ data }) => samples.push(data);
const record = () => (isMainThread ? samples.push({ ...sample(), rss: mb(process.memoryUsage.rss()) }) : channel.postMessage(sample()));
setInterval(record, everyMs).unref();
if (isMainThread && process.env.HEAP_PROBE_OUT) {
  process.on('exit', () => writeFileSync(process.env.HEAP_PROBE_OUT, samples.map((s) => JSON.stringify(s)).join('\n') + '\n'));
}
if (!isMainThread && snapshotMs > 0) {
  let n = 0;
  setInterval(() => void pipeline(getHeapSnapshot(), createWriteStream(`heap-${threadId}-${n++}.heapsnapshot`)), snapshotMs).unref();
}

/** Every sample so far (main thread: with the process's RSS), oldest first. */
export function heapSamples() {
  return samples;
}
