/** How the CLI prints engine events: readable lines for people, one JSON object per line for scripts. */
import type { Candle } from '../bridge/protocol.js';
import type { EngineEvent, EngineStats } from '../engine/types.js';
import type { LogEntry } from '../logs/logger.js';

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number) => (text: string) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : text);
const green = paint(32);
const red = paint(31);
const dim = paint(2);
const yellow = paint(33);

function fixed(value: number | null | undefined, digits: number): string {
  return value === null || value === undefined ? '-' : value.toFixed(digits);
}

export function formatCandle(streamId: string, candle: Candle): string {
  const up = candle.close >= candle.open;
  const tag = candle.closed ? '' : candle.final ? ' (final, open)' : ' (open)';
  const f = candle.features;
  return [
    dim(candle.start.slice(11, 19)),
    streamId.padEnd(18),
    candle.timeframe.padStart(4),
    (up ? green : red)(`O ${candle.open} H ${candle.high} L ${candle.low} C ${candle.close}`),
    `V ${fixed(candle.volume, 4)} n=${candle.trades}`,
    dim(`spread ${fixed(f.spread_bps, 2)}bps obi ${fixed(f.obi_5, 2)} ofi ${fixed(f.ofi, 2)} vol ${fixed(f.realized_vol, 6)}`),
    candle.gap ? yellow('gap') : ''
  ].join('  ') + tag;
}

export function formatStats(stats: EngineStats): string {
  const p = stats.processor;
  const s = stats.skipped;
  const skipped = s && s.duplicates + s.malformed + s.oversized > 0 ? `  skipped: ${s.duplicates} duplicate, ${s.malformed} malformed, ${s.oversized} oversized` : '';
  const store = p.stats?.store;
  const storeNote = store && store.status !== 'ok' ? `  store ${store.status}: ${store.reason}` : '';
  return dim(
    `${stats.uptimeS.toFixed(0)}s  ${stats.messagesPerSecond.toFixed(0)} msg/s  messages ${stats.messages}  trades ${stats.trades}  candles ${stats.candles}  processor ${p.status}${p.restarts ? ` (${p.restarts} restarts)` : ''}${skipped}${storeNote}`
  );
}

export function formatLog(entry: LogEntry): string {
  const color = entry.level === 'error' ? red : entry.level === 'warning' ? yellow : dim;
  return color(`[${entry.origin}] ${entry.level}: ${entry.message}`);
}

/** One line of `run --json` (docs/events.md), or undefined for events it does not print. */
export function jsonLine(event: EngineEvent, closedOnly: boolean): string | undefined {
  switch (event.type) {
    case 'candle':
      if (closedOnly && !event.candle.closed && !event.candle.final) return undefined;
      return JSON.stringify({ ...event.candle, stream: event.streamId, ...(event.history && { history: true }), ...(event.afterGap && { after_gap: true }) });
    case 'tick':
      return JSON.stringify({ ...event.tick, stream: event.streamId });
    case 'stats':
      return JSON.stringify({ type: 'stats', ...event.stats });
    case 'stream':
      return JSON.stringify({ type: 'stream', id: event.stream.id, status: event.stream.status, detail: event.stream.detail });
    default:
      return undefined;
  }
}
