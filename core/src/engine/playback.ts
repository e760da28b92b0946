/** The replay controls of the engine API: pause, resume, speed and one-bar steps of a finite source. */
import { UsageError } from '../errors.js';
import { parseSpeed, type PlaybackState, type SourceSpec } from '../sources/index.js';
import type { PlaybackCommand } from '../sources/playback.js';
import { timeframeSeconds } from './timeframes.js';

export type PlaybackControl =
  | { readonly action: 'pause' }
  | { readonly action: 'resume' }
  /** `max`, or a multiple of real time (1, 10, 100 …), as --speed takes it. */
  | { readonly action: 'speed'; readonly speed: number | string }
  /** The messages up to the end of the current bar of the stream's shortest timeframe, then paused. */
  | { readonly action: 'step' };

/**
 * How far past the bar's end (exchange time) a step reads: the processor closes a bar only once
 * its symbol's messages are `--latenessMs` (default 250 ms) past its end.
 */
export const STEP_PAST_END_MS = 1_000;

/** The speeds the faces offer, in the order a key or button cycles through them. */
export const PLAYBACK_SPEEDS: readonly ('max' | number)[] = [1, 10, 100, 'max'];

/** The next speed of PLAYBACK_SPEEDS after `speed` (wrapping). */
export function nextSpeed(speed: 'max' | number): 'max' | number {
  const at = PLAYBACK_SPEEDS.indexOf(speed);
  return PLAYBACK_SPEEDS[(at + 1) % PLAYBACK_SPEEDS.length]!;
}

/** Where a checked control goes: the stream's worker, which applies it to the source's Playback. */
export type PlaybackSink = (command: PlaybackCommand) => void;

export function applyControl(id: string, request: SourceSpec & { timeframes: string[] }, source: { readonly playback?: PlaybackSink | undefined } | undefined, control: PlaybackControl, active: boolean): void {
  if (request.source === 'live' || request.source === 'demo') {
    throw new UsageError(`${id} is a ${request.source} stream: pause, speed and step apply to replay, file and csv streams only (live data cannot wait).`);
  }
  if (!active) throw new UsageError(`${id} has ended: there is nothing to ${control.action}.`);
  const playback = source?.playback;
  if (playback === undefined) throw new UsageError(`${id} is still opening its source: try again in a moment.`);
  if (control.action === 'speed') playback({ action: 'speed', speed: parseSpeed(control.speed) });
  else if (control.action === 'step') playback({ action: 'step', barMs: shortestBarMs(request.timeframes), pastEndMs: STEP_PAST_END_MS });
  else playback(control);
}

/** The playback state a command leads to, shown until the worker reports it applied. */
export function stateAfter(command: PlaybackCommand): Partial<PlaybackState> {
  if (command.action === 'speed') return { speed: command.speed };
  return { paused: command.action === 'pause', stepping: command.action === 'step' };
}

function shortestBarMs(timeframes: string[]): number {
  const seconds = timeframes.flatMap((timeframe) => {
    try {
      return [timeframeSeconds(timeframe)];
    } catch {
      return []; // not a time bar
    }
  });
  return (seconds.length > 0 ? Math.min(...seconds) : 60) * 1000;
}
