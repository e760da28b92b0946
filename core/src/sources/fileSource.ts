import type { Disconnect, Exchange, Mapper, MapperFactory, NormalizedData } from 'tardis-dev';
import { parseCaptureLine, readLines } from './captureFile.js';

export interface FileSourceOptions {
  readonly path: string;
  readonly exchange: string;
  /** Native ids, upper case: the output filter, as replayNormalized's. */
  readonly symbols: readonly string[];
  readonly normalizers: readonly MapperFactory<any, any>[];
  readonly warn: (message: string) => void;
}

/** Malformed lines reported one by one before a summary takes over. */
const MAX_LINE_WARNINGS = 10;

/** Exchanges whose tardis-dev mappers decide canHandle by the combined-stream name alone. */
const STREAM_ROUTED = new Set(['binance', 'binance-us', 'binance-futures', 'binance-delivery']);

/** Lines whose stream no mapper handles are skipped before JSON.parse (e.g. bookTicker: ~40% of a Binance capture). */
function streamFilter(exchange: string, normalizers: readonly MapperFactory<any, any>[]): ((stream: string) => boolean) | undefined {
  if (!STREAM_ROUTED.has(exchange)) return undefined;
  const probes = normalizers.map((normalizer) => normalizer(exchange as Exchange, new Date(0)));
  const decided = new Map<string, boolean>();
  return (stream) => {
    let wanted = decided.get(stream);
    if (wanted === undefined) {
      wanted = probes.some((mapper) => mapper.canHandle({ stream }));
      decided.set(stream, wanted);
    }
    return wanted;
  };
}

/**
 * Normalizes a capture file with tardis-dev's own mappers exactly as replayNormalized does
 * (handy.normalizeMessages): mappers are created from the first message's local timestamp, a message
 * goes to every mapper whose canHandle accepts it, an empty line is a disconnect that drops the
 * mappers (book changes restart at the next snapshot), output is filtered by symbol. Unlike
 * normalizeMessages, a malformed line or a mapper failing on one message is warned and skipped.
 * Binance REST depth snapshots recorded bare (`{"lastUpdateId":...}`) are wrapped the way Tardis
 * stores them: `{"stream":"<symbol>@depthSnapshot","generated":true,"data":...}`.
 */
export async function* fileMessages(options: FileSourceOptions): AsyncGenerator<NormalizedData | Disconnect> {
  const { path, exchange, normalizers, warn } = options;
  const symbols = new Set(options.symbols);
  const wrapSnapshots = exchange.startsWith('binance');
  const snapshotStream = options.symbols.length === 1 ? `${options.symbols[0]!.toLowerCase()}@depthSnapshot` : undefined;
  let mappers: Mapper<any, any>[] | undefined;
  let previous = new Date(0);
  let connected = false; // a message since the last disconnect (no disconnect twice in a row)
  let lineNumber = 0;
  let malformed = 0;
  let unattributedSnapshots = 0;
  const wanted = streamFilter(exchange, normalizers);

  const skip = (reason: string) => {
    malformed++;
    if (reason.length > 200) reason = `${reason.slice(0, 200)}…`;
    if (malformed <= MAX_LINE_WARNINGS) warn(`${path}:${lineNumber}: skipped malformed line: ${reason}.`);
    if (malformed === MAX_LINE_WARNINGS) warn(`${path}: further malformed lines are counted, not reported one by one.`);
  };

  for await (const lines of readLines(path)) {
    for (let line of lines) {
      lineNumber++;
      if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1); // CRLF
      if (line.length === 0) {
        if (connected) {
          connected = false;
          mappers = undefined;
          yield { type: 'disconnect', exchange: exchange as Exchange, localTimestamp: previous, symbols: [...symbols] };
        }
        continue;
      }
      const parsed = parseCaptureLine(line, wanted);
      if (typeof parsed === 'string') {
        skip(parsed);
        continue;
      }
      let message = parsed.message;
      previous = parsed.localTimestamp;
      connected = true;
      if (message === undefined) continue;
      if (wrapSnapshots && message.stream === undefined && message.lastUpdateId !== undefined) {
        if (snapshotStream === undefined) {
          if (unattributedSnapshots++ === 0) warn(`${path}:${lineNumber}: a bare depth snapshot names no symbol and several symbols were requested: such snapshots are skipped.`);
          continue;
        }
        message = { stream: snapshotStream, generated: true, data: message };
      }
      const localTimestamp = parsed.localTimestamp;
      if (mappers === undefined) mappers = normalizers.map((normalizer) => normalizer(exchange as Exchange, localTimestamp));
      for (const mapper of mappers) {
        if (!mapper.canHandle(message)) continue;
        try {
          const mapped = mapper.map(message, localTimestamp);
          if (mapped === undefined) continue;
          for (const normalized of mapped) {
            if (symbols.has(normalized.symbol)) yield normalized;
          }
        } catch (error) {
          skip(`tardis-dev could not map it (${(error as Error).message})`);
        }
      }
    }
  }
  if (malformed > MAX_LINE_WARNINGS) warn(`${path}: ${malformed} malformed lines skipped in total.`);
}
