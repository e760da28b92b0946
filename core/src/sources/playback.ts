import { UsageError } from '../errors.js';
import { createPacer, parseSpeed, pause, type Pacer } from './pacing.js';

export type Speed = 'max' | number;

/**
 * A replay control as plain data: what the engine sends to the stream's worker (checked there
 * first), which applies it to the source's Playback (`Playback.apply`).
 */
export type PlaybackCommand =
  | { readonly action: 'pause' }
  | { readonly action: 'resume' }
  | { readonly action: 'speed'; readonly speed: Speed }
  | { readonly action: 'step'; readonly barMs: number; readonly pastEndMs: number };

/** What a finite source's playback is doing; shown by every face. */
export interface PlaybackState {
  readonly paused: boolean;
  readonly speed: Speed;
  /** A step is running: messages flow until the next bar boundary, then the source pauses. */
  readonly stepping: boolean;
}

/**
 * The replay controls of a finite source (replay, file, csv), applied where the source yields its
 * messages: pausing stops reading the source (nothing is dropped, the bridge just gets nothing
 * more), a speed change re-anchors the pacing at the next message, and a step lets through the
 * messages up to the next bar boundary of a timeframe (by exchange time), then pauses again. Only
 * when messages flow is changed, never which messages or their order: candles are those of an
 * uninterrupted run.
 */
export class Playback {
  private speedValue: Speed;
  private pacer: Pacer | undefined;
  private paused = false;
  /** While stepping: the exchange time (ms) that ends the step, and the bar length. */
  private step: { barMs: number; pastEndMs: number; until: number | undefined } | undefined;
  private wake: (() => void) | undefined;
  private readonly listeners = new Set<(state: PlaybackState) => void>();

  constructor(
    speed: Speed,
    private readonly warn: (message: string) => void = () => {}
  ) {
    this.speedValue = speed;
    this.pacer = this.newPacer();
  }

  get state(): PlaybackState {
    return { paused: this.paused, speed: this.speedValue, stepping: this.step !== undefined };
  }

  onChange(listener: (state: PlaybackState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  pause(): void {
    this.step = undefined;
    this.set(true);
  }

  resume(): void {
    this.step = undefined;
    this.set(false);
  }

  /** Changes the pacing while the source runs; `value` as --speed takes it (max, 1, 10, 100 …). */
  setSpeed(value: number | string): void {
    this.speedValue = parseSpeed(value);
    this.pacer = this.newPacer();
    this.changed();
  }

  apply(command: PlaybackCommand): void {
    switch (command.action) {
      case 'pause':
        return this.pause();
      case 'resume':
        return this.resume();
      case 'speed':
        return this.setSpeed(command.speed);
      case 'step':
        return this.stepBar(command.barMs, command.pastEndMs);
    }
  }

  /**
   * Lets the messages of the current bar of `barMs` through, and those up to `pastEndMs` after its
   * end (the first one at or past that included, so the processor closes the bar despite its
   * lateness), then pauses.
   */
  stepBar(barMs: number, pastEndMs = 0): void {
    if (!(barMs > 0)) throw new UsageError(`A step needs a bar length in ms, got ${barMs}.`);
    this.step = { barMs, pastEndMs, until: undefined };
    this.paused = false;
    this.pacer = this.newPacer();
    this.changed();
  }

  /**
   * Called once per message before it is yielded, with its local and exchange timestamps (ms):
   * `true` at once when it may go, else a promise of whether it may (false: the source closed).
   */
  gate(localMs: number, exchangeMs: number, signal: AbortSignal): true | Promise<boolean> {
    if (this.step !== undefined) {
      // the bar is that of the first message of the step; the step ends after the first message past it
      this.step.until ??= Math.floor(exchangeMs / this.step.barMs) * this.step.barMs + this.step.barMs + this.step.pastEndMs;
      if (exchangeMs >= this.step.until) {
        this.step = undefined;
        this.paused = true;
        this.changed();
        return true;
      }
      return true;
    }
    if (this.paused) return this.waitResumed(signal).then((open) => open && this.gate(localMs, exchangeMs, signal));
    const wait = this.pacer?.(localMs) ?? 0;
    return wait > 0 ? this.sleep(wait, localMs, exchangeMs, signal) : true;
  }

  /** Sleeps the pacing wait, cut short by a pause or a speed change (then paced again). */
  private async sleep(ms: number, localMs: number, exchangeMs: number, signal: AbortSignal): Promise<boolean> {
    const changed = new AbortController();
    const stop = this.onChange(() => changed.abort());
    const abort = () => changed.abort();
    signal.addEventListener('abort', abort, { once: true });
    try {
      if (await pause(ms, changed.signal)) return true;
    } finally {
      stop();
      signal.removeEventListener('abort', abort);
    }
    if (signal.aborted) return false;
    return this.gate(localMs, exchangeMs, signal);
  }

  private waitResumed(signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve(false);
      const abort = () => finish(false);
      const finish = (open: boolean) => {
        signal.removeEventListener('abort', abort);
        this.wake = undefined;
        resolve(open);
      };
      signal.addEventListener('abort', abort, { once: true });
      this.wake = () => finish(true);
    });
  }

  private set(paused: boolean): void {
    if (!paused) this.pacer = this.newPacer(); // re-anchored: no catch-up burst after a pause
    this.paused = paused;
    this.changed();
  }

  private changed(): void {
    if (!this.paused) this.wake?.();
    const state = this.state;
    for (const listener of this.listeners) listener(state);
  }

  private newPacer(): Pacer | undefined {
    return this.speedValue === 'max' ? undefined : createPacer(this.speedValue, this.warn);
  }
}
