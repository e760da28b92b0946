import { compute } from 'tardis-dev';
import type { Disconnect, NormalizedData } from 'tardis-dev';
import type { DataTypePlan } from './dataTypes.js';
import type { Playback } from './playback.js';
import { TradeIds } from './duplicates.js';
import { newReport } from './types.js';
import type { OpenedSource, SourceMessage, SourceReport } from './types.js';

/** How long close() waits for tardis-dev to wind down (a live feed only notices at its next message). */
const CLOSE_WAIT_MS = 2000;

export interface PipelineOptions {
  /** Normalized tardis-dev messages, book_change included when snapshots are requested. */
  readonly raw: AsyncIterableIterator<NormalizedData | Disconnect>;
  readonly plan: DataTypePlan;
  readonly symbols: string[];
  readonly live: boolean;
  /** Race each read against close (sources whose reads can block: live, demo, replay downloads). */
  readonly raceClose: boolean;
  /** Replay: drop messages outside [from, to) (ms), end at `to`. */
  readonly range?: { readonly from: number; readonly to: number };
  /** Finite sources: pacing and the replay controls (pause, speed, step). */
  readonly playback?: Playback;
  readonly mapError?: (error: unknown) => unknown;
  /** Counts and outcome; the file and csv sources fill in what they see while reading. */
  readonly report?: SourceReport;
  /**
   * Finite sources: why nothing came, when the source ends without a single message of the
   * requested kinds and symbols (e.g. naming the symbols that are in the data).
   */
  readonly describeEmpty?: () => string;
  /** Runs on close, concurrently with draining the pipeline (e.g. stopping the demo exchange). */
  readonly onClose?: () => Promise<void>;
  /** Runs last on close. */
  readonly afterClose?: () => void;
}

/**
 * raw -> compute(book snapshots) -> one stage that keeps the requested kinds, applies the replay
 * range and pacing, and ends promptly on close.
 */
export function buildSource(o: PipelineOptions): OpenedSource {
  const aborter = new AbortController();
  const messages = o.plan.computables.length > 0 ? compute(o.raw, ...o.plan.computables) : o.raw;
  const report = o.report ?? newReport();
  const stream = deliver(messages as AsyncIterableIterator<SourceMessage | NormalizedData>, o, report, aborter.signal);
  let closing: Promise<void> | undefined;
  return {
    messages: stream,
    symbols: o.symbols,
    live: o.live,
    finite: !o.live,
    ...(o.playback && { playback: o.playback }),
    report,
    close() {
      closing ??= (async () => {
        aborter.abort();
        await Promise.all([stream.return(undefined), o.onClose?.()]);
        o.afterClose?.();
      })();
      return closing;
    }
  };
}

async function* deliver(
  messages: AsyncIterableIterator<SourceMessage | NormalizedData>,
  o: PipelineOptions,
  report: SourceReport,
  signal: AbortSignal
): AsyncGenerator<SourceMessage, void, undefined> {
  const types = o.plan.messageTypes;
  const tradeIds = new TradeIds();
  let delivered = 0; // market messages (not disconnects)
  const { range, playback, mapError } = o;
  // With raceClose, each read waits for whichever comes first, the message or close. Not with
  // Promise.race against one long-lived `closed` promise: every race would leave a reaction on it,
  // keeping every message read alive until close (~850 bytes per message).
  let wake: ((result: IteratorResult<never>) => void) | undefined;
  if (o.raceClose) signal.addEventListener('abort', () => wake?.({ done: true, value: undefined }), { once: true });
  const read = (): Promise<IteratorResult<SourceMessage | NormalizedData>> => {
    const next = messages.next();
    if (!o.raceClose) return next;
    return new Promise((resolve, reject) => {
      wake = resolve;
      next.then(resolve, reject);
    });
  };
  try {
    while (!signal.aborted) {
      let next: IteratorResult<SourceMessage | NormalizedData>;
      try {
        next = await read();
        wake = undefined;
      } catch (error) {
        throw mapError === undefined ? error : mapError(error);
      }
      if (next.done === true) {
        if (!o.live && delivered === 0) report.failure ??= o.describeEmpty?.() ?? `The source ended without any message for ${o.symbols.join(', ')}.`;
        return;
      }
      const message = next.value as SourceMessage;
      if (message.type !== 'disconnect' && !types.has(message.type)) continue;
      if (range !== undefined) {
        const t = message.localTimestamp.valueOf();
        if (t < range.from) continue;
        if (t >= range.to) {
          if (delivered === 0) report.failure ??= o.describeEmpty?.() ?? `No message for ${o.symbols.join(', ')} in the requested range.`;
          return;
        }
      }
      if (message.type === 'trade' && message.id !== undefined && tradeIds.seen(message.symbol, message.id)) {
        report.duplicates++;
        continue;
      }
      if (message.type !== 'disconnect') delivered++;
      if (playback !== undefined) {
        const local = message.localTimestamp.valueOf();
        const gate = playback.gate(local, message.type === 'disconnect' ? local : message.timestamp.valueOf(), signal);
        if (gate !== true && !(await gate)) return;
      }
      yield message;
    }
  } finally {
    // a pending read (live) makes return() wait for the next message: bound the wait
    const finished = messages.return?.(undefined);
    if (finished !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([finished.catch(() => {}), new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS).unref()))]);
      clearTimeout(timer);
    }
  }
}
