/**
 * Preloaded with `node --import ./bench/trace-push.mjs` by the latency step, and so also into
 * every stream's worker thread (workers inherit the process's execArgv): in a worker, records
 * when each trade is handed to the stream's bridge link (BridgeLink.push, right after tardis-dev
 * normalized it) and tells the main thread on a BroadcastChannel, one message per turn of the
 * worker's event loop: `[[barStartUs, epochMs], …]`, epochMs = timeOrigin + now (a clock both
 * threads share).
 */
import { BroadcastChannel, isMainThread } from 'node:worker_threads';

export const TRACE_CHANNEL = 'tickbridge-bench-trace';
const BAR_US = 15_000_000;

if (!isMainThread) {
  const { BridgeLink } = await import('../dist/core/src/bridge/link.js');
  const channel = new BroadcastChannel(TRACE_CHANNEL);
  channel.unref();
  let pending = [];
  const flush = () => {
    channel.postMessage(pending);
    pending = [];
  };
  const push = BridgeLink.prototype.push;
  BridgeLink.prototype.push = function (encoded) {
    if (encoded.startsWith('{"type":"trade"')) {
      const ts = Number(encoded.slice(encoded.lastIndexOf(':') + 1, -1));
      if (pending.length === 0) setImmediate(flush);
      pending.push([ts - (ts % BAR_US), performance.timeOrigin + performance.now()]);
    }
    return push.call(this, encoded);
  };
}
