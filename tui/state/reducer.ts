/** The TUI's reducer: pure, no Ink, no engine (tested in tui/test/reducer.test.ts). */
import { FEATURE_NAMES, isActive, type Candle, type EngineEvent, type LogLevel, type StreamInfo } from '../../core/index.js';
import type { CommandName } from '../keymap.js';
import { applyFormKey, applyFormText, setFormField } from './form.js';
import { appendLogs, nextLevel, visibleLogs } from './logs.js';
import { seriesKey, upsertCandle } from './series.js';
import { FORM_FIELDS, PANES, type FormField, type Action, type ConsoleLine, type DataState, type LogLine, type TuiState } from './types.js';

/** Inside the running monitor: what to do without internet. */
export const OFFLINE_HINT = 'add a demo stream (a, source demo)';

export function initialState(logLevel: LogLevel = 'info'): TuiState {
  return {
    data: { stats: null, streams: [], series: {}, logs: [], processor: null, offline: null },
    frozen: null,
    focus: 'streams',
    selectedId: null,
    timeframeIndex: 0,
    help: false,
    form: null,
    logFilter: { level: logLevel === 'debug' ? 'debug' : 'info', text: '', editing: false },
    logScroll: 0,
    featureScroll: 0,
    viewport: { featureRows: 1, logRows: 1 }, // until App reports the pane sizes
    quitting: false,
    flash: null,
    nextLogId: 1
  };
}

/** The data on screen: frozen while paused. */
export function viewData(state: TuiState): DataState {
  return state.frozen ?? state.data;
}

/** The selected run (`selectedId` is a run id: a restart's new run is another row). */
export function selectedStream(state: TuiState): StreamInfo | undefined {
  const { streams } = viewData(state);
  return streams.find((stream) => stream.runId === state.selectedId) ?? streams[0];
}

/** The bars on the chart: the selected run's, on the selected timeframe (a restart's new run starts empty). */
export function selectedCandles(state: TuiState): readonly Candle[] {
  const stream = selectedStream(state);
  const timeframe = selectedTimeframe(state);
  return (stream && timeframe && viewData(state).series[seriesKey(stream.runId, timeframe)]) || [];
}

export function selectedTimeframe(state: TuiState): string | undefined {
  const timeframes = selectedStream(state)?.request.timeframes ?? [];
  return timeframes[Math.min(state.timeframeIndex, timeframes.length - 1)];
}

export function reducer(state: TuiState, action: Action): TuiState {
  switch (action.type) {
    case 'engine':
      return applyEngine(state, action.events, action.streams, action.console);
    case 'log': {
      const line: LogLine = { id: state.nextLogId, time: new Date().toISOString(), level: action.level, origin: action.origin ?? 'tui', message: action.message };
      return { ...state, nextLogId: state.nextLogId + 1, data: { ...state.data, logs: appendLogs(state.data.logs, [line]) } };
    }
    case 'command':
      return applyCommand(state, action.command, action.arg);
    case 'form-open':
      return { ...state, help: false, form: { field: 'symbol', values: { from: '', to: '', file: '', speed: '10', ...action.defaults }, error: null } };
    case 'form-set':
      return state.form ? { ...state, form: setFormField(state.form, action.field, action.value) } : state;
    case 'form-field-errors':
      return state.form ? { ...state, form: { ...state.form, fieldErrors: action.errors, field: firstErrorField(action.errors) ?? state.form.field } } : state;
    case 'form-text':
      return state.form ? { ...state, form: applyFormText(state.form, action.text) } : state;
    case 'form-key':
      return state.form ? { ...state, form: applyFormKey(state.form, action.key) } : state;
    case 'form-error':
      return state.form ? { ...state, form: { ...state.form, error: action.error } } : state;
    case 'form-close':
      return { ...state, form: null };
    case 'filter-text':
      return { ...state, logScroll: 0, logFilter: { ...state.logFilter, text: state.logFilter.text + action.text } };
    case 'filter-key': {
      const filter = state.logFilter;
      if (action.key === 'backspace') return { ...state, logFilter: { ...filter, text: filter.text.slice(0, -1) } };
      if (action.key === 'enter') return { ...state, logFilter: { ...filter, editing: false } };
      if (action.key === 'escape') return { ...state, logFilter: { ...filter, text: '', editing: false } };
      return state;
    }
    case 'select':
      return { ...state, selectedId: action.id };
    case 'viewport': {
      const viewport = { featureRows: action.featureRows, logRows: action.logRows };
      return { ...state, viewport, featureScroll: clamp(state.featureScroll, 0, featureScrollMax(viewport)), logScroll: clamp(state.logScroll, 0, logScrollMax(state, viewport)) };
    }
    case 'flash':
      return { ...state, flash: action.message };
    case 'quitting':
      return { ...state, quitting: true, help: false, form: null, flash: 'stopping the streams and the processor…' };
  }
}

function applyEngine(state: TuiState, events: readonly EngineEvent[], snapshot: readonly StreamInfo[] | undefined, stray: readonly ConsoleLine[] = []): TuiState {
  let { stats, streams, series, processor, offline } = state.data;
  let flash = state.flash;
  const logs: LogLine[] = [];
  let nextLogId = state.nextLogId;
  let seriesCopied = false;
  for (const event of events) {
    switch (event.type) {
      case 'stats':
        stats = event.stats;
        break;
      case 'stream': {
        const before = streams.find((stream) => stream.id === event.stream.id);
        if (event.stream.status === 'failed' && before?.status !== 'failed') {
          // a refused or failed start is an error in the status line and in the logs
          const what = event.stream.failure?.usage ? 'refused' : 'failed';
          flash = `error: ${event.stream.id} ${what}: ${event.stream.failure?.message ?? event.stream.detail}`;
          logs.push({ id: nextLogId++, time: new Date().toISOString(), level: 'error', origin: 'tui', message: `${event.stream.id} ${what}: ${event.stream.failure?.message ?? event.stream.detail}` });
        }
        streams = upsertStream(streams, event.stream);
        if (event.stream.request.source === 'live') {
          if (event.stream.status === 'reconnecting' && event.stream.link === 'connected') offline ??= offlineNotice(event.stream.id, event.stream.request.exchange);
          else if (offline?.streamId === event.stream.id && (event.stream.messages > 0 || !isActive(event.stream.status))) offline = null;
        }
        break;
      }
      case 'candle': {
        if (!seriesCopied) {
          series = { ...series };
          seriesCopied = true;
        }
        const key = seriesKey(event.runId, event.candle.timeframe);
        (series as Record<string, DataState['series'][string]>)[key] = upsertCandle(series[key], event.candle);
        break;
      }
      case 'log':
        logs.push({ id: nextLogId++, ...event.entry });
        if (event.entry.level === 'warning' && event.entry.message.includes('cannot be reached')) {
          const found = /^(\S+):\s*(\S+) cannot be reached/.exec(event.entry.message);
          if (found) offline = offlineNotice(found[1]!, found[2]!);
        }
        break;
      case 'processor':
        processor = { status: event.status, detail: event.detail };
        break;
      case 'tick':
        break; // the terminal shows candles, not raw ticks
      case 'cleared': {
        const gone = new Set(event.runIds);
        streams = streams.filter((stream) => !gone.has(stream.runId));
        series = Object.fromEntries(Object.entries(series).filter(([key]) => !gone.has(key.slice(0, key.lastIndexOf('|')))));
        seriesCopied = true;
        break;
      }
    }
  }
  for (const line of stray) logs.push({ id: nextLogId++, time: new Date().toISOString(), level: line.level, origin: 'console', message: line.message });
  if (snapshot) streams = mergeSnapshot(streams, snapshot);
  const data: DataState = { stats, streams, series, processor, offline, logs: appendLogs(state.data.logs, logs) };
  return { ...state, nextLogId, data, flash };
}

export function offlineNotice(streamId: string, exchange: string): NonNullable<DataState['offline']> {
  return { streamId, text: `${exchange} cannot be reached (offline?), retrying. Offline? ${OFFLINE_HINT}` };
}

/** The offline notice when it is about the selected stream. */
export function offlineText(state: TuiState): string | null {
  const offline = viewData(state).offline;
  return offline !== null && offline.streamId === selectedStream(state)?.id ? offline.text : null;
}

function featureScrollMax(viewport: TuiState['viewport']): number {
  return Math.max(0, FEATURE_NAMES.length - viewport.featureRows);
}

function logScrollMax(state: TuiState, viewport: TuiState['viewport']): number {
  return Math.max(0, visibleLogs(viewData(state).logs, state.logFilter).length - viewport.logRows);
}

function upsertStream(streams: readonly StreamInfo[], info: StreamInfo): readonly StreamInfo[] {
  const index = streams.findIndex((stream) => stream.runId === info.runId);
  if (index < 0) return [...streams, info];
  const next = streams.slice();
  next[index] = info;
  return next;
}

/** The engine's list is the truth; runs leave it only when cleared (a `cleared` event). */
function mergeSnapshot(streams: readonly StreamInfo[], snapshot: readonly StreamInfo[]): readonly StreamInfo[] {
  let next = streams;
  for (const info of snapshot) next = upsertStream(next, info);
  return next;
}

function applyCommand(state: TuiState, command: CommandName, arg?: number): TuiState {
  const view = viewData(state);
  switch (command) {
    case 'up':
    case 'down':
    case 'pageUp':
    case 'pageDown': {
      const step = (command === 'up' || command === 'pageUp' ? -1 : 1) * (command.startsWith('page') ? (arg ?? 5) : 1);
      if (state.focus === 'logs') return { ...state, logScroll: clamp(state.logScroll - step, 0, logScrollMax(state, state.viewport)) };
      if (state.focus === 'features') return { ...state, featureScroll: clamp(state.featureScroll + step, 0, featureScrollMax(state.viewport)) };
      if (view.streams.length === 0) return state;
      const current = Math.max(0, view.streams.findIndex((stream) => stream.runId === selectedStream(state)?.runId));
      const target = view.streams[clamp(current + step, 0, view.streams.length - 1)];
      return { ...state, selectedId: target?.runId ?? state.selectedId };
    }
    case 'focusNext':
    case 'focusPrev': {
      const index = PANES.indexOf(state.focus) + (command === 'focusNext' ? 1 : PANES.length - 1);
      return { ...state, focus: PANES[index % PANES.length] ?? 'streams' };
    }
    case 'timeframe':
    case 'prevTimeframe':
    case 'nextTimeframe': {
      const count = selectedStream(state)?.request.timeframes.length ?? 0;
      if (count === 0) return state;
      const current = Math.min(state.timeframeIndex, count - 1);
      const index = command === 'timeframe' ? (arg ?? 0) : current + (command === 'nextTimeframe' ? 1 : -1);
      if (index < 0 || index >= count) return state;
      return { ...state, timeframeIndex: index };
    }
    case 'togglePause':
      return state.frozen ? { ...state, frozen: null, flash: 'display resumed' } : { ...state, frozen: state.data, flash: 'display paused (streams keep running)' };
    case 'filterLogs':
      return { ...state, help: false, logFilter: { ...state.logFilter, editing: true } };
    case 'cycleLogLevel':
      return { ...state, logScroll: 0, logFilter: { ...state.logFilter, level: nextLevel(state.logFilter.level) } };
    case 'toggleHelp':
      return { ...state, help: !state.help };
    case 'close':
      return { ...state, help: false, form: null };
    default:
      // addStream, stopStream, restartStream, clearFinished and quit act on the engine: see app/useKeys.ts.
      return state;
  }
}

function firstErrorField(errors: Partial<Record<FormField, string>>): FormField | undefined {
  return FORM_FIELDS.find((field) => errors[field] !== undefined);
}

function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, value));
}
