/**
 * The one subscription to the engine: events are buffered and handed to the reducer in one
 * batch at most every `intervalMs`, together with a snapshot of the streams (their rates and
 * last prices change without events). 250 ms: at most 4 redraws a second however fast the
 * stream is, the pace at which the processor updates open bars; each redraw of a full screen
 * costs Ink a few milliseconds, so this keeps the monitor at a few percent of a core.
 */
import { useEffect } from 'react';
import type { EngineEvent, LogLevel, StreamInfo } from '../../core/index.js';
import type { EngineControl } from '../engineApi.js';
import type { ConsoleLine } from '../state/types.js';
import type { Dispatch } from './useStore.js';

/** Extra log lines (stray console output captured while the monitor runs). */
export interface LogFeed {
  subscribe(listener: (level: LogLevel, message: string) => void): () => void;
}

export const FLUSH_INTERVAL_MS = 250;

function fingerprint(streams: readonly StreamInfo[]): string {
  return streams.map((s) => `${s.runId}:${s.status}:${s.link}:${s.messages}:${s.lastPrice}:${s.messagesPerSecond}`).join('|');
}

export function useEngineFeed(engine: EngineControl, dispatch: Dispatch, logFeed?: LogFeed, intervalMs = FLUSH_INTERVAL_MS): void {
  useEffect(() => {
    let buffer: EngineEvent[] = [{ type: 'stats', stats: engine.stats() }];
    let last = '';
    const unsubscribe = engine.subscribe((event) => {
      buffer.push(event);
    });
    let extra: ConsoleLine[] = [];
    const unsubscribeLogs = logFeed?.subscribe((level, message) => {
      extra.push({ level, message });
    });
    const flush = () => {
      const streams = engine.listStreams();
      const print = fingerprint(streams);
      if (buffer.length === 0 && extra.length === 0 && print === last) return;
      last = print;
      const events = buffer;
      const console = extra;
      buffer = [];
      extra = [];
      dispatch({ type: 'engine', events, streams, ...(console.length > 0 && { console }) });
    };
    flush();
    const timer = setInterval(flush, intervalMs);
    return () => {
      clearInterval(timer);
      unsubscribe();
      unsubscribeLogs?.();
    };
  }, [engine, dispatch, logFeed, intervalMs]);
}
