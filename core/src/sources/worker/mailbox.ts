/**
 * The worker's side of the boundary: posts to the engine in order, with the candle updates
 * that arrive in one turn of the worker's event loop (the frames of one socket read) sent as one
 * `candles` message: ~2,000 updates a second at 10k messages/s (1 ms partials) would otherwise
 * be as many events for the main thread, which also runs the faces. The structured clone of
 * each update remains (docs/benchmarks.md, row 6).
 */
import type { Candle } from '../../bridge/protocol.js';
import type { FromWorker } from './protocol.js';

export class Mailbox {
  private candles: Candle[] = [];

  constructor(private readonly send: (message: FromWorker) => void) {}

  /** Queues a candle update; it is posted at the end of this turn, or before the next other message. */
  candle(candle: Candle): void {
    if (this.candles.length === 0) setImmediate(() => this.flush());
    this.candles.push(candle);
  }

  /** Posts a message after the candle updates queued before it. */
  post(message: FromWorker): void {
    this.flush();
    this.send(message);
  }

  private flush(): void {
    if (this.candles.length === 0) return;
    const candles = this.candles;
    this.candles = [];
    this.send({ type: 'candles', candles });
  }
}
