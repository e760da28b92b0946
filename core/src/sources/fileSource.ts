import { normalizeBookChanges } from 'tardis-dev';
import type { Disconnect, Exchange, NormalizedData } from 'tardis-dev';
import { type CaptureMessage, IncompleteCapture, MAX_LINE_LENGTH, OversizedLine, checkCaptureFile, parseCaptureLine, readLines } from './captureFile.js';
import { planDataTypes } from './dataTypes.js';
import type { DataTypePlan, Normalizer, ParsedDataType } from './dataTypes.js';
import { RecentKeys, UpdateIds } from './duplicates.js';
import { resolveExchange } from './exchanges.js';
import { guessExchanges } from './guessExchange.js';
import type { Playback } from './playback.js';
import { buildSource } from './pipeline.js';
import { resolveSymbols } from './symbols.js';
import { newReport } from './types.js';
import type { OpenedSource, SourceHooks, SourceReport, SourceSpec } from './types.js';

export interface FileSourceOptions {
  readonly path: string;
  readonly exchange: string;
  /** Native ids, upper case: the output filter, as replayNormalized's. */
  readonly symbols: readonly string[];
  readonly normalizers: readonly Normalizer[];
  readonly warn: (message: string) => void;
}

/** Malformed lines reported one by one before a summary takes over. */
const MAX_LINE_WARNINGS = 10;

/** Exchanges whose tardis-dev mappers decide canHandle by the combined-stream name alone. */
const STREAM_ROUTED = new Set(['binance', 'binance-us', 'binance-futures', 'binance-delivery']);

/** Lines whose stream no mapper handles are skipped before JSON.parse (e.g. bookTicker: ~40% of a Binance capture). */
function streamFilter(exchange: string, normalizers: readonly Normalizer[]): ((stream: string) => boolean) | undefined {
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

/** Messages kept from the start of a capture to guess its exchange when nothing maps. */
const SAMPLE_SIZE = 200;

/** What a capture holds besides what was asked for: named when nothing matched the request. */
interface Seen {
  parsed: number;
  handled: number;
  otherSymbols: Set<string>;
  sample: unknown[];
}

/**
 * Normalizes a capture file with tardis-dev's own mappers exactly as replayNormalized does
 * (handy.normalizeMessages): mappers are created from the first message's local timestamp, a message
 * (any JSON object or array, e.g. Kraken's array messages) goes to every mapper whose canHandle
 * accepts it, an empty line is a disconnect that drops the mappers (book changes restart at the
 * next snapshot), output is filtered by symbol. Unlike normalizeMessages, faults are contained and
 * counted in `report`: a malformed line, a mapper failing on one message, a line over the length
 * cap are warned and skipped; an exact repeat of a recent line, or of a Binance depth update id,
 * is dropped; a gzip that ends mid-stream ends the messages and sets `report.failure`. Binance REST depth snapshots recorded bare
 * (`{"lastUpdateId":...}`) are wrapped the way Tardis stores them:
 * `{"stream":"<symbol>@depthSnapshot","generated":true,"data":...}`.
 */
export async function* fileMessages(options: FileSourceOptions, report: SourceReport, seen: Seen = newSeen()): AsyncGenerator<NormalizedData | Disconnect> {
  const { path, exchange, normalizers, warn } = options;
  const symbols = new Set(options.symbols);
  const wrapSnapshots = exchange.startsWith('binance');
  const requestedSnapshotStream = options.symbols.length === 1 ? `${options.symbols[0]!.toLowerCase()}@depthSnapshot` : undefined;
  let lastDepthSymbol: string | undefined; // of the last depth update line, e.g. btcusdt
  const books = normalizers.includes(normalizeBookChanges);
  // exact repeats: the same line (local time and message) again, or a Binance depth update
  // whose update id `u` was applied already (a re-applied old update would revert the book)
  const recent = new RecentKeys();
  const updateIds = new UpdateIds();
  const isDuplicate = (line: string, message: CaptureMessage): boolean => {
    if (recent.seen(line)) return true;
    if (!wrapSnapshots || Array.isArray(message)) return false;
    const { stream, data } = message;
    const u = (data as { u?: unknown } | null | undefined)?.u;
    return typeof u === 'number' && typeof stream === 'string' && stream.includes('@depth') && updateIds.stale(stream, u);
  };
  let mappers: ReturnType<Normalizer>[] | undefined;
  let previous = new Date(0);
  let connected = false; // a message since the last disconnect (no disconnect twice in a row)
  let lineNumber = 0;
  let warned = 0;
  let unattributedSnapshots = 0;
  let disconnects = 0;
  const wanted = streamFilter(exchange, normalizers);

  const lineWarning = (message: string) => {
    if (++warned <= MAX_LINE_WARNINGS) warn(`${path}:${lineNumber}: ${message}`);
    if (warned === MAX_LINE_WARNINGS) warn(`${path}: further skipped lines are counted, not reported one by one.`);
  };
  const skip = (reason: string) => {
    report.malformed++;
    lineWarning(`skipped malformed line: ${reason.length > 200 ? `${reason.slice(0, 200)}…` : reason}.`);
  };

  try {
    for await (const lines of readLines(path)) {
      for (const entry of lines) {
        lineNumber++;
        if (entry instanceof OversizedLine) {
          report.oversized++;
          lineWarning(`skipped a line of ${(entry.length / 1048576).toFixed(1)} MiB, over the ${MAX_LINE_LENGTH / 1048576} MiB line cap.`);
          continue;
        }
        let line = entry;
        if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1); // CRLF
        if (line.length === 0) {
          if (connected) {
            connected = false;
            mappers = undefined;
            if (books && disconnects++ === 0) {
              warn(`${path}:${lineNumber}: a disconnect (empty line): order book data resumes only at the next depth snapshot; until then book features are null and bars are flagged gap.`);
            }
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
        seen.parsed++;
        if (message === undefined) continue;
        if (seen.sample.length < SAMPLE_SIZE) seen.sample.push(message);
        const stream = wrapSnapshots && !Array.isArray(message) ? message.stream : undefined;
        if (typeof stream === 'string') {
          const depth = stream.indexOf('@depth');
          if (depth > 0) lastDepthSymbol = stream.slice(0, depth);
        }
        if (wrapSnapshots && !Array.isArray(message) && stream === undefined && message.lastUpdateId !== undefined) {
          // the snapshot of the symbol whose depth updates the capture has (not blindly the one requested)
          const snapshotStream = lastDepthSymbol !== undefined ? `${lastDepthSymbol}@depthSnapshot` : requestedSnapshotStream;
          if (snapshotStream === undefined) {
            if (unattributedSnapshots++ === 0) warn(`${path}:${lineNumber}: a bare depth snapshot names no symbol, no depth update came before it and several symbols were requested: such snapshots are skipped.`);
            continue;
          }
          message = { stream: snapshotStream, generated: true, data: message };
        }
        const localTimestamp = parsed.localTimestamp;
        mappers ??= normalizers.map((normalizer) => normalizer(exchange as Exchange, localTimestamp));
        let checked = false;
        for (const mapper of mappers) {
          try {
            if (!mapper.canHandle(message)) continue;
            if (!checked) {
              checked = true;
              seen.handled++;
              if (isDuplicate(line, message)) {
                report.duplicates++;
                break;
              }
            }
            const mapped = mapper.map(message, localTimestamp);
            if (mapped === undefined) continue;
            for (const normalized of mapped) {
              if (symbols.has(normalized.symbol)) yield normalized;
              else if (seen.otherSymbols.size < 50) seen.otherSymbols.add(normalized.symbol);
            }
          } catch (error) {
            skip(`tardis-dev could not map it (${(error as Error).message})`);
          }
        }
      }
    }
  } catch (error) {
    if (!(error instanceof IncompleteCapture)) throw error;
    report.failure = error.message; // what came before is delivered; the stream then fails with this

  }
  if (warned > MAX_LINE_WARNINGS) warn(`${path}: ${report.malformed} malformed and ${report.oversized} oversized lines skipped in total.`);
}

const newSeen = (): Seen => ({ parsed: 0, handled: 0, otherSymbols: new Set(), sample: [] });

/** The file source: fileMessages through the pipeline, failing the run when nothing matched. */
export function openFileSource(options: FileSourceOptions, plan: DataTypePlan, playback: Playback | undefined): OpenedSource {
  const report = newReport();
  const seen = newSeen();
  const { path, exchange, symbols } = options;
  const describeEmpty = (): string => {
    const asked = `${exchange} ${symbols.join(', ')} (${plan.active.map((t) => t.name).join(', ')})`;
    if (seen.parsed === 0) {
      return report.malformed > 0
        ? `No data: none of the ${report.malformed} lines of ${path} could be read (every line is malformed, see the warnings).`
        : `No data: ${path} has no messages.`;
    }
    if (seen.otherSymbols.size > 0) {
      return `No data for ${asked} in ${path}: its ${exchange} data is for ${[...seen.otherSymbols].slice(0, 10).join(', ')}. Pass one of those with --symbol.`;
    }
    if (seen.handled === 0) {
      const guesses = guessExchanges(seen.sample, exchange);
      if (guesses.length > 0) {
        return `No data for ${asked} in ${path}: tardis-dev's ${exchange} mappers read none of its messages; they read as ${guesses.slice(0, 4).join(', ')}. Pass one of those with --exchange.`;
      }
    }
    return `No data for ${asked} in ${path}: ${seen.parsed} messages read, none of them ${exchange} ${symbols.join(', ')} data of the requested types.`;
  };
  return buildSource({
    raw: fileMessages(options, report, seen),
    plan,
    symbols: [...symbols],
    live: false,
    raceClose: false,
    report,
    describeEmpty,
    ...(playback ? { playback } : {})
  });
}

/** `--source file`: a recorded capture (`<local timestamp> <message>` lines, plain or gzip). */
export async function openFile(spec: SourceSpec, types: ParsedDataType[], hooks: SourceHooks, playback: Playback): Promise<OpenedSource> {
  const path = await checkCaptureFile(spec.file);
  const exchange = resolveExchange(spec.exchange, 'file');
  const symbols = resolveSymbols(exchange, spec.symbols);
  const plan = planDataTypes(types, exchange, new Date(), hooks.warn);
  return openFileSource({ path, exchange, symbols, normalizers: plan.normalizers, warn: hooks.warn }, plan, playback);
}
