/**
 * The one protocol between the extension host and the monitor webview, imported by both sides.
 * Plain data only (it crosses postMessage); no imports from `vscode` or the DOM, and from core
 * only types (erased at build: the webview bundle carries none of the engine).
 */
import type { PlaybackControl, PlaybackState, StreamHealth } from '../../core/index.js';

export type LogLevelName = 'debug' | 'info' | 'warning' | 'error';

export interface Bar {
  /** Bar start, epoch seconds (lightweight-charts' UTCTimestamp). */
  readonly time: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly closed: boolean;
  readonly features: Readonly<Record<string, number | null>>;
}

export interface StreamView {
  /** The run's id (never reused within an engine): bars and counts are this run's only. */
  readonly id: string;
  /** The stream (`exchange:SYMBOL`), shared by the runs of a restart. */
  readonly stream: string;
  readonly label: string;
  /** live, demo, replay, file or csv */
  readonly source: string;
  readonly status: string;
  readonly detail: string;
  readonly active: boolean;
  readonly messages: number;
  readonly messagesPerSecond: number;
  readonly candles: number;
  readonly lastPrice: number | null;
  readonly timeframes: readonly string[];
  /** Pipeline health (docs/events.md, "health"). */
  readonly health: StreamHealth;
  /** replay, file and csv streams: the replay controls' state; null for live and demo. */
  readonly playback: PlaybackState | null;
}

/** A replay control the monitor's buttons send (Engine.controlStream; speeds are 'max' or a number > 0). */
export type ReplayControl = PlaybackControl;

export interface Totals {
  readonly running: number;
  readonly messagesPerSecond: number;
  readonly processor: string;
  /** The newest stream that is failed, stalled or reconnecting: `id status: detail`. */
  readonly attention?: { readonly status: string; readonly text: string } | null;
}

export interface LogLine {
  readonly time: string;
  readonly level: LogLevelName;
  readonly origin: string;
  readonly message: string;
}

/** Everything the monitor shows; sent whole after `ready` and when the selection changes. */
export interface MonitorSnapshot {
  readonly streams: readonly StreamView[];
  readonly totals: Totals;
  readonly selected: string | null;
  readonly timeframe: string;
  readonly timeframes: readonly string[];
  readonly bars: readonly Bar[];
  readonly logs: readonly LogLine[];
  readonly featureNames: readonly string[];
  /** Per feature: its unit and formula from docs/features.md, for the tooltips. */
  readonly featureTooltips: Readonly<Record<string, string>>;
  /** The replay speeds offered (the engine's PLAYBACK_SPEEDS). */
  readonly speeds: readonly ('max' | number)[];
}

export type HostToWebview =
  | { readonly type: 'snapshot'; readonly snapshot: MonitorSnapshot }
  | { readonly type: 'bar'; readonly streamId: string; readonly timeframe: string; readonly bar: Bar }
  | { readonly type: 'streams'; readonly streams: readonly StreamView[]; readonly totals: Totals }
  | { readonly type: 'logs'; readonly lines: readonly LogLine[] };

export type WebviewToHost =
  | { readonly type: 'ready'; readonly selected: string | null; readonly timeframe: string | null }
  | { readonly type: 'select'; readonly streamId: string }
  | { readonly type: 'timeframe'; readonly timeframe: string }
  | { readonly type: 'start' }
  | { readonly type: 'stop'; readonly streamId: string }
  | { readonly type: 'control'; readonly streamId: string; readonly control: ReplayControl };

/** What the webview persists with `setState` (survives hide/show and window reloads). */
export interface WebviewPersistedState {
  readonly selected: string | null;
  readonly timeframe: string | null;
  readonly logFilter: string;
}

const WEBVIEW_TYPES: ReadonlySet<string> = new Set(['ready', 'select', 'timeframe', 'start', 'stop', 'control']);

/** Narrows an untrusted postMessage payload to a `WebviewToHost` message. */
export function isWebviewMessage(value: unknown): value is WebviewToHost {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Record<string, unknown>;
  if (typeof message.type !== 'string' || !WEBVIEW_TYPES.has(message.type)) return false;
  switch (message.type) {
    case 'select':
    case 'stop':
      return typeof message.streamId === 'string';
    case 'timeframe':
      return typeof message.timeframe === 'string';
    case 'control':
      return typeof message.streamId === 'string' && isReplayControl(message.control);
    default:
      return true;
  }
}

export function isReplayControl(value: unknown): value is ReplayControl {
  if (typeof value !== 'object' || value === null) return false;
  const control = value as Record<string, unknown>;
  if (control.action === 'speed') return control.speed === 'max' || (typeof control.speed === 'number' && control.speed > 0);
  return control.action === 'pause' || control.action === 'resume' || control.action === 'step';
}
