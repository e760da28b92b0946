/**
 * Preloaded with `node --import ./bench/trace-link.mjs` by the latency step, and so also into
 * every stream's worker thread (workers inherit the process's execArgv). In a worker it
 * subscribes to the link's diagnostics channels (core/src/bridge/diagnostics.ts):
 * - each trade queued on the link (`tickbridge:link:push`, right after tardis-dev normalized it),
 * - each candle update of the 15s bar received from the processor (`tickbridge:link:candle`),
 * and tells the main thread on a BroadcastChannel every FLUSH_MS (the times are taken at once;
 * posting them in groups keeps the tracing's own cost small):
 * `{ pushes: [[barStartUs, epochMs], …], candles: [[barStartUs, trades, epochMs], …] }`,
 * epochMs = timeOrigin + now (a clock both threads share). It also measures the worker's event
 * loop delay and GC pauses between a `reset` and a `report` from the main thread.
 */
import { subscribe } from 'node:diagnostics_channel';
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
import { BroadcastChannel, isMainThread } from 'node:worker_threads';
import { LINK_CANDLE_CHANNEL, LINK_PUSH_CHANNEL } from '../dist/core/src/bridge/diagnostics.js';

export const TRACE_CHANNEL = 'tickbridge-bench-trace';
const BAR_US = 15_000_000;
const FLUSH_MS = 50;
const now = () => performance.timeOrigin + performance.now();

/** GC pauses observed on this thread, by kind (PerformanceObserver 'gc'). */
export function gcMeter() {
  let pauses = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) pauses.push([entry.detail?.kind ?? entry.kind, entry.duration]);
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    reset: () => (pauses = []),
    summary(seconds) {
      const durations = pauses.map(([, d]) => d).sort((a, b) => a - b);
      const total = durations.reduce((sum, d) => sum + d, 0);
      // kinds: 1 minor (scavenge), 2 major (mark-compact), 4 incremental, 8 weak callbacks
      const major = pauses.filter(([kind]) => kind === 2).map(([, d]) => d);
      return {
        count: durations.length,
        shareOfTime: total / (seconds * 1000),
        maxMs: durations[durations.length - 1] ?? 0,
        p99Ms: durations[Math.max(0, Math.ceil(durations.length * 0.99) - 1)] ?? 0,
        major: { count: major.length, maxMs: Math.max(0, ...major) }
      };
    },
    stop: () => observer.disconnect()
  };
}

/** Event-loop delay (1 ms resolution) and GC of this thread, between reset and summary. */
export function loopMeter() {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const gc = gcMeter();
  let since = performance.now();
  delay.enable();
  return {
    reset() {
      delay.reset();
      gc.reset();
      since = performance.now();
    },
    summary() {
      const seconds = (performance.now() - since) / 1000;
      return { loopDelayP50Ms: delay.percentile(50) / 1e6, loopDelayP99Ms: delay.percentile(99) / 1e6, loopDelayMaxMs: delay.max / 1e6, gc: gc.summary(seconds) };
    },
    stop() {
      delay.disable();
      gc.stop();
    }
  };
}

if (!isMainThread) {
  const channel = new BroadcastChannel(TRACE_CHANNEL);
  channel.unref();
  const meter = loopMeter();
  channel.onmessage = ({ data }) => {
    if (data === 'reset') meter.reset();
    else if (data === 'report') {
      flush();
      channel.postMessage({ worker: meter.summary() });
    }
  };
  let pushes = [];
  let candles = [];
  const flush = () => {
    if (pushes.length === 0 && candles.length === 0) return;
    channel.postMessage({ pushes, candles });
    pushes = [];
    candles = [];
  };
  setInterval(flush, FLUSH_MS).unref();
  subscribe(LINK_PUSH_CHANNEL, ({ encoded }) => {
    if (!encoded.startsWith('{"type":"trade"')) return;
    const ts = Number(encoded.slice(encoded.lastIndexOf('"ts":') + 5, encoded.lastIndexOf(',"lts"')));
    pushes.push([ts - (ts % BAR_US), now()]);
  });
  subscribe(LINK_CANDLE_CHANNEL, ({ candle }) => {
    if (candle.timeframe !== '15s') return;
    candles.push([Date.parse(candle.start) * 1000, candle.trades, now()]);
  });
}
