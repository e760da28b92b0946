/**
 * What a stream's link publishes on `node:diagnostics_channel`, for benchmarks and profiling
 * tools (bench/trace-link.mjs). Publishing costs a flag check while nobody subscribes. Channels
 * belong to one thread: a subscriber sees the links of its own thread, and a stream's link
 * lives in the stream's worker (docs/architecture.md), so a subscriber must run there (e.g.
 * preloaded with `node --import`, which workers inherit).
 */
import { channel } from 'node:diagnostics_channel';
import type { Candle } from './protocol.js';

/** `{ encoded }`: one encoded market message queued on the link (right after it was normalized). */
export const LINK_PUSH_CHANNEL = 'tickbridge:link:push';
/** `{ candle }`: one candle update received from the processor, before it is handed on. */
export const LINK_CANDLE_CHANNEL = 'tickbridge:link:candle';

export interface LinkPushEvent {
  readonly encoded: string;
}
export interface LinkCandleEvent {
  readonly candle: Candle;
}

export const linkPush = channel(LINK_PUSH_CHANNEL);
export const linkCandle = channel(LINK_CANDLE_CHANNEL);
