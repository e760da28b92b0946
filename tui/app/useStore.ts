/**
 * useReducer with the latest state readable at once: keys that arrive in one burst (a paste,
 * tmux send-keys) must each see the state the previous one produced, before React re-renders.
 */
import { useCallback, useRef, useState, type RefObject } from 'react';
import { initialState, reducer } from '../state/reducer.js';
import type { Action, TuiState } from '../state/types.js';
import type { LogLevel } from '../../core/index.js';

export type Dispatch = (action: Action) => void;

export function useStore(logLevel?: LogLevel): [TuiState, Dispatch, RefObject<TuiState>] {
  const [state, setState] = useState(() => initialState(logLevel));
  const ref = useRef(state);
  const dispatch = useCallback<Dispatch>((action) => {
    ref.current = reducer(ref.current, action);
    setState(ref.current);
  }, []);
  return [state, dispatch, ref];
}
