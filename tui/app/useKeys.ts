/**
 * Keys → named commands (keymap.ts). Commands that only change the view go to the reducer;
 * add, stop, restart and quit act on the engine here. The form and the filter prompt take the
 * keys while they are open.
 */
import { useInput } from 'ink';
import type { MutableRefObject } from 'react';
import { isActive, nextSpeed, type PlaybackControl, type StreamInfo, type StreamRequest } from '../../core/index.js';
import type { EngineControl } from '../engineApi.js';
import { commandFor, keyName, type ResolvedCommand } from '../keymap.js';
import { selectedStream } from '../state/reducer.js';
import { SOURCE_CHOICES, type SourceChoice, type TextKey, type TuiState } from '../state/types.js';
import type { Dispatch } from './useStore.js';

export interface KeyContext {
  readonly engine: EngineControl;
  readonly dispatch: Dispatch;
  readonly state: MutableRefObject<TuiState>;
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

export function runCommand(context: KeyContext, resolved: ResolvedCommand): void {
  const { engine, dispatch, state } = context;
  const current = state.current;
  // The engine is the truth: a stream just added is selected before its first event arrives.
  const stream = engine.listStreams().find((info) => info.id === current.selectedId) ?? selectedStream(current);
  const active = stream !== undefined && isActive(stream.status);
  switch (resolved.command) {
    case 'addStream': {
      const base = stream?.request ?? context.baseRequest;
      const source = (SOURCE_CHOICES as readonly string[]).includes(base.source) ? (base.source as SourceChoice) : 'live';
      dispatch({ type: 'form-open', defaults: { exchange: base.exchange, symbol: '', dataTypes: base.dataTypes.join(','), source } });
      return;
    }
    case 'stopStream':
      if (!stream) return dispatch({ type: 'flash', message: 'no stream selected' });
      if (!active) return dispatch({ type: 'flash', message: `${stream.id} is already ${stream.status}` });
      dispatch({ type: 'flash', message: `stopping ${stream.id}…` });
      engine.stopStream(stream.id).then(
        () => dispatch({ type: 'flash', message: `${stream.id} stopped` }),
        (error: unknown) => dispatch({ type: 'log', level: 'error', message: `stop ${stream.id}: ${errorMessage(error)}` })
      );
      return;
    case 'restartStream':
      if (!stream) return dispatch({ type: 'flash', message: 'no stream selected' });
      dispatch({ type: 'flash', message: `restarting ${stream.id}…` });
      engine.restartStream(stream.id).then(
        (id) => {
          if (id === stream.id) dispatch({ type: 'series-clear', id }); // the old run's bars (its final bar too) go
          dispatch({ type: 'select', id });
          dispatch({ type: 'flash', message: `${id} restarted` });
        },
        (error: unknown) => dispatch({ type: 'log', level: 'error', message: `restart ${stream.id}: ${errorMessage(error)}` })
      );
      return;
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
    engine.controlStream(stream.id, control);
  } catch (error) {
    dispatch({ type: 'flash', message: errorMessage(error) });
    return;
  }
  const said = { pause: 'paused', resume: 'resumed', step: 'stepping one bar', speed: `speed ${speedLabel(control.action === 'speed' ? control.speed : 'max')}` };
  dispatch({ type: 'flash', message: `${stream.id} ${said[control.action]}` });
}

export function speedLabel(speed: 'max' | number | string): string {
  return speed === 'max' ? 'max' : `${speed}×`;
}

export function submitForm(context: KeyContext): void {
  const { engine, dispatch, state } = context;
  const form = state.current.form;
  if (!form) return;
  const symbol = form.values.symbol.trim();
  if (!symbol) return dispatch({ type: 'form-error', error: 'type a symbol, e.g. ETHUSDT or ETH-USDT' });
  const base = selectedStream(state.current)?.request ?? context.baseRequest;
  const request: StreamRequest = {
    ...base,
    source: form.values.source as SourceChoice,
    exchange: form.values.exchange.trim() || base.exchange,
    symbols: symbol.split(',').map((s) => s.trim()).filter(Boolean),
    dataTypes: form.values.dataTypes.split(',').map((s) => s.trim()).filter(Boolean)
  };
  try {
    const id = engine.startStream(request);
    dispatch({ type: 'form-close' });
    dispatch({ type: 'select', id });
    dispatch({ type: 'flash', message: `started ${id}` });
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

const CONTROL_CHARS: Record<string, string> = { '\r': 'enter', '\n': 'enter', '\t': 'tab', '\u007f': 'backspace', '\b': 'backspace' };

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
