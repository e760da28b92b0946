/**
 * Warm start: a starting live or demo stream first shows the closed candles the local store kept
 * for the same venue, symbols, source kind and timeframes (the last `depth`), marked `history`,
 * so a restart does not begin with an empty chart. The store is read by the processor's Python
 * (`python -m tickbridge warm`), its one reader. Live candles that arrive meanwhile wait, so
 * the faces get the bars in time order; a stored bar at or after the first live bar of its
 * timeframe is left out (nothing is shown twice); the first live bar after a pause is marked
 * `afterGap`.
 */
import { execFile } from 'node:child_process';
import { Candle } from '../bridge/protocol.js';
import { VENV_PYTHON } from '../paths.js';
import type { StreamRequest } from './types.js';

export interface WarmupOptions {
  /** The local store folder (`--storeDir`). */
  storeDir: string;
  /** How far back from the newest stored bar: `2h`, `90m`, `1d`. */
  depth: string;
  /** The processor's Python (default: TICKBRIDGE_PYTHON, else python/.venv). */
  python?: string;
  /** Live candles wait at most this long for the store (then it is skipped). */
  timeoutMs?: number;
}

export interface CandleMarks {
  readonly history?: true;
  readonly afterGap?: true;
}

/** The stored closed candles for `request`, oldest first (by end). */
export function loadStoredCandles(options: WarmupOptions, request: StreamRequest): Promise<Candle[]> {
  const python = options.python ?? process.env.TICKBRIDGE_PYTHON ?? VENV_PYTHON;
  const args = ['-m', 'tickbridge', 'warm', '--storeDir', options.storeDir, '--exchange', request.exchange,
    '--symbol', request.symbols.join(','), '--timeframes', request.timeframes.join(','), '--source', request.source, '--depth', options.depth];
  return new Promise((resolve, reject) => {
    execFile(python, args, { maxBuffer: 512 * 1024 * 1024, timeout: options.timeoutMs ?? 15_000 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(stderr.trim().split('\n').pop() || error.message));
        return;
      }
      try {
        resolve(stdout.split('\n').filter((line) => line.length > 0).map((line) => Candle.parse(JSON.parse(line))));
      } catch (parseError) {
        reject(parseError);
      }
    });
  });
}

const keyOf = (candle: Candle): string => `${candle.symbol}|${candle.timeframe}`;

/** Orders one stream's candles: the stored ones first, then the live ones (held meanwhile). */
export class WarmStart {
  private held: Candle[] | null = [];
  private readonly storedEnd = new Map<string, string>();
  private readonly firstLiveStart = new Map<string, string>();

  constructor(private readonly emit: (candle: Candle, marks: CandleMarks) => void) {}

  /** Starts loading; `onError` is told why the store could not be read (the stream goes on). */
  begin(load: Promise<Candle[]>, onError: (error: Error) => void): void {
    load.then(
      (stored) => this.release(stored),
      (error: unknown) => {
        onError(error as Error);
        this.release([]);
      }
    );
  }

  live(candle: Candle): void {
    if (this.held) this.held.push(candle);
    else this.forward(candle);
  }

  private release(stored: Candle[]): void {
    const held = this.held ?? [];
    this.held = null;
    const firstHeld = new Map<string, string>();
    for (const candle of held) {
      const first = firstHeld.get(keyOf(candle));
      if (first === undefined || candle.start < first) firstHeld.set(keyOf(candle), candle.start);
    }
    for (const candle of stored) {
      const first = firstHeld.get(keyOf(candle));
      if (first !== undefined && candle.start >= first) continue;
      this.emit(candle, { history: true });
      this.storedEnd.set(keyOf(candle), candle.end);
    }
    for (const candle of held) this.forward(candle);
  }

  private forward(candle: Candle): void {
    const key = keyOf(candle);
    let first = this.firstLiveStart.get(key);
    if (first === undefined) {
      first = candle.start;
      this.firstLiveStart.set(key, first);
    }
    const storedEnd = this.storedEnd.get(key);
    const afterGap = storedEnd !== undefined && candle.start === first && candle.start > storedEnd;
    this.emit(candle, afterGap ? { afterGap: true } : {});
  }
}
