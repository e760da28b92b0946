/**
 * Keys → named commands (keymap.ts). Commands that only change the view go to the reducer;
 * add, stop, restart and quit act on the engine here. The form and the filter prompt take the
 * keys while they are open.
 */
import { useInput } from 'ink';
import type { RefObject } from 'react';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fieldProblem, isActive, nextSpeed, parseSpeed, type PlaybackControl, type StreamInfo, type StreamRequest } from '../../core/index.js';
import { completePath } from './pathCompletion.js';
import type { EngineControl } from '../engineApi.js';
import { commandFor, keyName, type ResolvedCommand } from '../keymap.js';
import { selectedStream } from '../state/reducer.js';
import { SOURCE_CHOICES, type AddForm, type FormField, type SourceChoice, type TextKey, type TuiState } from '../state/types.js';
import type { Dispatch } from './useStore.js';

export interface KeyContext {
  readonly engine: EngineControl;
  readonly dispatch: Dispatch;
  readonly state: RefObject<TuiState>;
  /** Defaults for new streams (timeframes, mode, pacing …) when no stream is selected. */
  readonly baseRequest: StreamRequest;
  readonly onQuit: () => void;
}

const TEXT_KEYS: Record<string, TextKey> = {
  backspace: 'backspace',
  enter: 'enter',
  escape: 'escape',
  tab: 'next',
  down: 'next',
  'shift+tab': 'prev',
  up: 'prev',
  left: 'left',
  right: 'right'
};

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Selects a stream's newest run (the one just started or restarted). */
function selectLatestRun({ engine, dispatch }: KeyContext, streamId: string): void {
  const run = engine.listStreams().filter((info) => info.id === streamId).pop();
  if (run) dispatch({ type: 'select', id: run.runId });
}

export function runCommand(context: KeyContext, resolved: ResolvedCommand): void {
  const { engine, dispatch, state } = context;
  const current = state.current;
  // The engine is the truth: a stream just added is selected before its first event arrives.
  const stream = engine.listStreams().find((info) => info.runId === current.selectedId) ?? selectedStream(current);
  const active = stream !== undefined && isActive(stream.status);
  switch (resolved.command) {
    case 'addStream': {
      const base = stream?.request ?? context.baseRequest;
      const source = (SOURCE_CHOICES as readonly string[]).includes(base.source) ? (base.source as SourceChoice) : 'live';
      dispatch({
        type: 'form-open',
        defaults: { exchange: base.exchange, symbol: '', dataTypes: base.dataTypes.join(','), source, ...(base.file && { file: base.file }), ...(base.speed !== 'max' && { speed: String(base.speed) }) }
      });
      return;
    }
    case 'stopStream':
      if (!stream) return dispatch({ type: 'flash', message: 'no stream selected' });
      if (!active) return dispatch({ type: 'flash', message: `${stream.id} is already ${stream.status}` });
      dispatch({ type: 'flash', message: `stopping ${stream.id}…` });
      engine.stopStream(stream.runId).then(
        () => dispatch({ type: 'flash', message: `${stream.id} stopped` }),
        (error: unknown) => dispatch({ type: 'log', level: 'error', message: `stop ${stream.id}: ${errorMessage(error)}` })
      );
      return;
    case 'restartStream':
      if (!stream) return dispatch({ type: 'flash', message: 'no stream selected' });
      dispatch({ type: 'flash', message: `restarting ${stream.id}…` });
      engine.restartStream(stream.runId).then(
        (id) => {
          selectLatestRun(context, id);
          dispatch({ type: 'flash', message: `${id} restarted` });
        },
        (error: unknown) => dispatch({ type: 'log', level: 'error', message: `restart ${stream.id}: ${errorMessage(error)}` })
      );
      return;
    case 'clearFinished': {
      const cleared = engine.clearFinished();
      dispatch({ type: 'flash', message: cleared.length === 0 ? 'no ended run to clear' : `cleared ${cleared.length} ended run${cleared.length === 1 ? '' : 's'}` });
      return;
    }
    case 'replayPause':
    case 'replaySpeed':
    case 'replayStep':
      return controlReplay(context, stream, resolved.command);
    case 'quit':
      if (current.quitting) return;
      dispatch({ type: 'quitting' });
      context.onQuit();
      return;
    default:
      dispatch({ type: 'command', command: resolved.command, ...(resolved.arg !== undefined && { arg: resolved.arg }) });
  }
}

/** Space, s and `.`: the replay controls of the selected stream; the outcome in the status line. */
function controlReplay(context: KeyContext, stream: StreamInfo | undefined, command: 'replayPause' | 'replaySpeed' | 'replayStep'): void {
  const { engine, dispatch } = context;
  if (!stream) return dispatch({ type: 'flash', message: 'no stream selected' });
  const playback = stream.playback;
  const control: PlaybackControl =
    command === 'replayStep'
      ? { action: 'step' }
      : command === 'replaySpeed'
        ? { action: 'speed', speed: nextSpeed(playback?.speed ?? stream.request.speed) }
        : { action: playback?.paused ? 'resume' : 'pause' };
  try {
    engine.controlStream(stream.runId, control);
  } catch (error) {
    dispatch({ type: 'flash', message: errorMessage(error) });
    return;
  }
  const said = { pause: 'paused', resume: 'resumed', step: 'stepping one bar', speed: `speed ${speedLabel(control.action === 'speed' ? control.speed : 'max')}` };
  dispatch({ type: 'flash', message: `${stream.id} ${said[control.action]}` });
}

export function speedLabel(speed: number | string): string {
  return speed === 'max' ? 'max' : `${speed}×`;
}

/** The form's values checked field by field, as the engine checks them; undefined when all are fine. */
export function formProblems(values: AddForm['values']): Partial<Record<FormField, string>> | undefined {
  const problems: Partial<Record<FormField, string>> = {};
  const check = (field: FormField, problem: () => string | undefined) => {
    const found = problem();
    if (found !== undefined) problems[field] = found;
  };
  check('symbol', () => fieldProblem('symbol', values.symbol));
  check('dataTypes', () => fieldProblem('dataTypes', values.dataTypes));
  if (values.source === 'replay') {
    check('from', () => (values.from.trim() === '' ? 'type the first time of the replay, e.g. 2024-08-01' : fieldProblem('from', values.from.trim())));
    check('to', () => (values.to.trim() === '' ? 'type the end of the replay (exclusive), e.g. 2024-08-01T01:00:00Z' : fieldProblem('to', values.to.trim())));
    if (!problems.from && !problems.to && Date.parse(values.to.trim()) <= Date.parse(values.from.trim())) problems.to = `to (${values.to.trim()}) must be after from (${values.from.trim()})`;
  }
  if (values.source === 'file') {
    check('file', () => {
      const path = values.file.trim();
      if (path === '') return 'type the path of a capture or Tardis CSV file (Tab completes)';
      return existsSync(path) ? undefined : `no file at ${resolve(path)}`;
    });
  }
  if (values.source === 'replay' || values.source === 'file') {
    check('speed', () => {
      try {
        parseSpeed(values.speed.trim());
        return undefined;
      } catch (error) {
        return errorMessage(error);
      }
    });
  }
  return Object.keys(problems).length > 0 ? problems : undefined;
}

export function submitForm(context: KeyContext): void {
  const { engine, dispatch, state } = context;
  const form = state.current.form;
  if (!form) return;
  const { values } = form;
  const problems = formProblems(values);
  if (problems) return dispatch({ type: 'form-field-errors', errors: problems });
  const base = selectedStream(state.current)?.request ?? context.baseRequest;
  const { from: _from, to: _to, file: _file, ...rest } = base;
  const request: StreamRequest = {
    ...rest,
    source: values.source,
    exchange: values.exchange.trim() || base.exchange,
    symbols: values.symbol.split(',').map((s) => s.trim()).filter(Boolean),
    dataTypes: values.dataTypes.split(',').map((s) => s.trim()).filter(Boolean),
    speed: values.source === 'replay' || values.source === 'file' ? parseSpeed(values.speed.trim()) : 'max',
    ...(values.source === 'replay' && { from: values.from.trim(), to: values.to.trim() }),
    ...(values.source === 'file' && { file: values.file.trim() })
  };
  try {
    const id = engine.startStream(request);
    dispatch({ type: 'form-close' });
    selectLatestRun(context, id);
    // not "started": the source may still refuse it (then the status line and the logs say so)
    dispatch({ type: 'flash', message: `starting ${id}…` });
  } catch (error) {
    dispatch({ type: 'form-error', error: errorMessage(error) });
  }
}

/** Handles one key press; exported for tests without Ink. */
export function handleKey(context: KeyContext, input: string, name: string): void {
  const { dispatch, state } = context;
  const current = state.current;
  if (current.quitting) return;
  if (name === 'ctrl+c') return runCommand(context, { command: 'quit' });
  if (current.form) {
    if (name === 'enter') return submitForm(context);
    if (name === 'ctrl+u') return dispatch({ type: 'form-key', key: 'clear' });
    if (name === 'tab' && current.form.field === 'file') {
      const completed = completePath(current.form.values.file);
      if (completed !== current.form.values.file) return dispatch({ type: 'form-set', field: 'file', value: completed });
    }
    if (name === 'escape') return dispatch({ type: 'form-close' });
    const key = TEXT_KEYS[name];
    if (key) return dispatch({ type: 'form-key', key });
    if (input && !name.startsWith('ctrl+')) dispatch({ type: 'form-text', text: input });
    return;
  }
  if (current.logFilter.editing) {
    const key = TEXT_KEYS[name];
    if (key) return dispatch({ type: 'filter-key', key });
    if (input && !name.startsWith('ctrl+')) dispatch({ type: 'filter-text', text: input });
    return;
  }
  const resolved = commandFor(name);
  if (resolved) runCommand(context, resolved);
}

const CONTROL_CHARS: Record<string, string> = { '\r': 'enter', '\n': 'enter', '\t': 'tab', '\u007f': 'backspace', '\b': 'backspace', '\u0015': 'ctrl+u' };

export function useKeys(context: KeyContext): void {
  useInput((input, key) => {
    const special = key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.pageUp || key.pageDown || key.tab || key.return || key.backspace || key.delete || key.escape;
    if (special || key.ctrl || input.length === 0) {
      handleKey(context, input, keyName(input, key));
      return;
    }
    // Esc followed quickly by a key arrives as meta+key: handle both.
    if (key.meta) handleKey(context, '', 'escape');
    // A burst of typed or pasted characters: one key each.
    for (const char of input) handleKey(context, char, CONTROL_CHARS[char] ?? char);
  });
}
