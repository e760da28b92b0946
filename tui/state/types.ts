/** The TUI's state and the actions that change it (see reducer.ts). */
import type { Candle, EngineEvent, EngineStats, LogLevel, ProcessorStatus, SourceKind, StreamInfo } from '../../core/index.js';
import type { CommandName } from '../keymap.js';

export type Pane = 'streams' | 'chart' | 'features' | 'logs';
export const PANES: readonly Pane[] = ['streams', 'chart', 'features', 'logs'];

export interface LogLine {
  readonly id: number;
  readonly time: string;
  readonly level: LogLevel;
  /** engine, processor, or tui (the monitor's own messages and stray console output). */
  readonly origin: string;
  readonly message: string;
}

/** What the engine told us; frozen as a whole while the display is paused. */
export interface DataState {
  readonly stats: EngineStats | null;
  readonly streams: readonly StreamInfo[];
  /** Candles by `seriesKey(run, timeframe)`, oldest first, the open bar last: a run's own bars only. */
  readonly series: Readonly<Record<string, readonly Candle[]>>;
  readonly logs: readonly LogLine[];
  readonly processor: { readonly status: ProcessorStatus; readonly detail: string } | null;
  /** Set while a live exchange cannot be reached: which stream, and what to say (shown with that stream selected). */
  readonly offline: { readonly streamId: string; readonly text: string } | null;
}

/** The sources the add-stream form cycles through, in its order. */
export const SOURCE_CHOICES = ['live', 'demo', 'replay', 'file'] as const satisfies readonly SourceKind[];
export type SourceChoice = (typeof SOURCE_CHOICES)[number];
/** Every field of the add-stream form, in Tab order; `formFields` picks those of a source. */
export const FORM_FIELDS = ['exchange', 'symbol', 'dataTypes', 'source', 'from', 'to', 'file', 'speed'] as const;
export type FormField = (typeof FORM_FIELDS)[number];
export type TextField = Exclude<FormField, 'source'>;

export interface AddForm {
  readonly field: FormField;
  readonly values: Readonly<Record<TextField, string>> & { readonly source: SourceChoice };
  /** A problem of the whole request (the engine's refusal). */
  readonly error: string | null;
  /** Inline problems, one per field, found before start. */
  readonly fieldErrors?: Partial<Record<FormField, string>>;
}

export interface LogFilter {
  readonly level: LogLevel;
  readonly text: string;
  /** The `/` prompt is open and takes the keys. */
  readonly editing: boolean;
}

export interface TuiState {
  readonly data: DataState;
  /** The data shown while paused. */
  readonly frozen: DataState | null;
  readonly focus: Pane;
  /** The selected run's id. */
  readonly selectedId: string | null;
  readonly timeframeIndex: number;
  readonly help: boolean;
  readonly form: AddForm | null;
  readonly logFilter: LogFilter;
  /** Lines scrolled up from the newest log line. */
  readonly logScroll: number;
  readonly featureScroll: number;
  /** Rows the features and logs panes show (App reports them): the scroll offsets stop at their ends. */
  readonly viewport: { readonly featureRows: number; readonly logRows: number };
  readonly quitting: boolean;
  /** A short message in the footer (the last command's outcome). */
  readonly flash: string | null;
  readonly nextLogId: number;
}

/** Stray console/stderr output captured while the monitor runs. */
export interface ConsoleLine {
  readonly level: LogLevel;
  readonly message: string;
}

export type TextKey = 'backspace' | 'enter' | 'escape' | 'next' | 'prev' | 'left' | 'right' | 'clear';

export type Action =
  | { readonly type: 'engine'; readonly events: readonly EngineEvent[]; readonly streams?: readonly StreamInfo[]; readonly console?: readonly ConsoleLine[] }
  | { readonly type: 'command'; readonly command: CommandName; readonly arg?: number }
  | { readonly type: 'log'; readonly level: LogLevel; readonly message: string; readonly origin?: string }
  | { readonly type: 'form-open'; readonly defaults: Pick<AddForm['values'], 'exchange' | 'symbol' | 'dataTypes' | 'source'> & Partial<AddForm['values']> }
  | { readonly type: 'form-set'; readonly field: TextField; readonly value: string }
  | { readonly type: 'form-field-errors'; readonly errors: Partial<Record<FormField, string>> }
  | { readonly type: 'form-text'; readonly text: string }
  | { readonly type: 'form-key'; readonly key: TextKey }
  | { readonly type: 'form-error'; readonly error: string }
  | { readonly type: 'form-close' }
  | { readonly type: 'filter-text'; readonly text: string }
  | { readonly type: 'filter-key'; readonly key: TextKey }
  | { readonly type: 'select'; readonly id: string }
  | { readonly type: 'viewport'; readonly featureRows: number; readonly logRows: number }
  /** A stream is restarted under the same id: its old bars (the final one too) go. */
  | { readonly type: 'flash'; readonly message: string | null }
  | { readonly type: 'quitting' };
