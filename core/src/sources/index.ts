import { UsageError } from '../errors.js';
import { openCsv } from './csvSource.js';
import { parseDataTypes, requireTrades } from './dataTypes.js';
import { openDemo } from './demoSource.js';
import { openFile } from './fileSource.js';
import { openLive } from './liveSource.js';
import { parseSpeed } from './pacing.js';
import { Playback } from './playback.js';
import { openReplaySource } from './replaySource.js';
import { didYouMean } from './suggest.js';
import { SOURCE_KINDS } from './types.js';
import type { OpenedSource, SourceHooks, SourceSpec } from './types.js';

export type { OpenedSource, SourceCounts, SourceHooks, SourceKind, SourceMessage, SourceReport, SourceSpec } from './types.js';
export type { DataType, ParsedDataType } from './dataTypes.js';
export { ACCEPTED_DATA_TYPES, parseDataTypes, requireTrades } from './dataTypes.js';
export { parseSpeed } from './pacing.js';
export { Playback, type PlaybackState, type Speed } from './playback.js';
export { toNativeSymbol } from './symbols.js';
export { DEFUNCT_EXCHANGES } from './exchanges.js';

/**
 * Opens a market data source: live (liveSource.ts), replay (replaySource.ts), file (fileSource.ts),
 * csv (csvSource.ts) or demo (demoSource.ts: the local demo exchange through the live path).
 * Every user mistake is a UsageError thrown here or by the opener, before any data flows.
 */
export async function openSource(spec: SourceSpec, hooks: SourceHooks): Promise<OpenedSource> {
  if (!SOURCE_KINDS.includes(spec.source)) {
    throw new UsageError(`Unknown source "${spec.source}". Accepted: ${SOURCE_KINDS.join(', ')}.${didYouMean(spec.source, SOURCE_KINDS)}`);
  }
  const speed = parseSpeed(spec.speed);
  const types = parseDataTypes(spec.dataTypes);
  if (spec.mode === 'candles') requireTrades(types);
  if (speed !== 'max' && (spec.source === 'live' || spec.source === 'demo')) {
    hooks.warn(`--speed ${speed} paces replay and file sources only; ${spec.source} data comes in real time.`);
  }
  if (spec.record !== undefined && spec.source !== 'live' && spec.source !== 'demo') {
    throw new UsageError(`--record records the live and demo sources (what the exchange sends); the ${spec.source} source is already a recording.`);
  }
  switch (spec.source) {
    case 'live':
      return openLive(spec, types, hooks);
    case 'demo':
      return openDemo(spec, types, hooks);
    case 'replay':
      return openReplaySource(spec, types, hooks, new Playback(speed, hooks.warn));
    case 'file':
      return openFile(spec, types, hooks, new Playback(speed, hooks.warn));
    case 'csv':
      return openCsv(spec, types, hooks, new Playback(speed, hooks.warn));
  }
}
