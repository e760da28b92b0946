/**
 * The one keymap: every key the monitor understands, as a named command. The help overlay and
 * the footer are generated from this table; useKeys.ts turns key presses into commands.
 */
export type CommandName =
  | 'up'
  | 'down'
  | 'pageUp'
  | 'pageDown'
  | 'focusNext'
  | 'focusPrev'
  | 'timeframe'
  | 'prevTimeframe'
  | 'nextTimeframe'
  | 'addStream'
  | 'stopStream'
  | 'restartStream'
  | 'clearFinished'
  | 'togglePause'
  | 'replayPause'
  | 'replaySpeed'
  | 'replayStep'
  | 'filterLogs'
  | 'cycleLogLevel'
  | 'toggleHelp'
  | 'close'
  | 'quit';

export interface Binding {
  readonly command: CommandName;
  /** Key names as `keyName` produces them. */
  readonly keys: readonly string[];
  /** How the keys are shown. */
  readonly label: string;
  readonly help: string;
  /** Short text for the footer; omitted bindings appear only in the help. */
  readonly hint?: string;
}

export const KEYMAP: readonly Binding[] = [
  { command: 'up', keys: ['up', 'k'], label: '↑ k', help: 'previous stream / scroll up' },
  { command: 'down', keys: ['down', 'j'], label: '↓ j', help: 'next stream / scroll down', hint: '↑↓ select' },
  { command: 'pageUp', keys: ['pageup'], label: 'PgUp', help: 'scroll a page up' },
  { command: 'pageDown', keys: ['pagedown'], label: 'PgDn', help: 'scroll a page down' },
  { command: 'focusNext', keys: ['tab'], label: 'Tab', help: 'focus the next pane', hint: 'Tab pane' },
  { command: 'focusPrev', keys: ['shift+tab'], label: 'S-Tab', help: 'focus the previous pane' },
  { command: 'timeframe', keys: ['1', '2', '3', '4'], label: '1–4', help: "timeframe: the stream's 1st–4th", hint: '1-4 tf' },
  { command: 'prevTimeframe', keys: ['['], label: '[', help: 'shorter timeframe' },
  { command: 'nextTimeframe', keys: [']'], label: ']', help: 'longer timeframe' },
  { command: 'addStream', keys: ['a'], label: 'a', help: 'add a stream (a small form)', hint: 'a add' },
  { command: 'stopStream', keys: ['x'], label: 'x', help: 'stop the selected stream', hint: 'x stop' },
  { command: 'restartStream', keys: ['r'], label: 'r', help: 'restart the selected stream', hint: 'r restart' },
  { command: 'clearFinished', keys: ['c'], label: 'c', help: 'clear the ended runs (finished, stopped, failed) from the list', hint: 'c clear' },
  { command: 'togglePause', keys: ['p'], label: 'p', help: 'pause / resume the display', hint: 'p pause' },
  { command: 'replayPause', keys: [' '], label: 'Space', help: 'replay/file: pause / resume the source', hint: '␣ play' },
  { command: 'replaySpeed', keys: ['s'], label: 's', help: 'replay/file: speed 1× → 10× → 100× → max', hint: 's speed' },
  { command: 'replayStep', keys: ['.'], label: '.', help: 'replay/file: step one bar (shortest timeframe), then pause', hint: '. step' },
  { command: 'filterLogs', keys: ['/'], label: '/', help: 'filter the logs by text', hint: '/ filter' },
  { command: 'cycleLogLevel', keys: ['l'], label: 'l', help: 'logs: cycle the minimum level' },
  { command: 'toggleHelp', keys: ['?'], label: '?', help: 'show / hide this help', hint: '? help' },
  { command: 'close', keys: ['escape'], label: 'Esc', help: 'close help, form or filter' },
  { command: 'quit', keys: ['q', 'ctrl+c'], label: 'q', help: 'quit (stops streams, processor)', hint: 'q quit' }
];

const BY_KEY = new Map<string, CommandName>(KEYMAP.flatMap((binding) => binding.keys.map((key) => [key, binding.command] as const)));

/** The subset of Ink's `Key` we read. */
export interface KeyFlags {
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  return?: boolean;
  escape?: boolean;
  ctrl?: boolean;
  shift?: boolean;
  tab?: boolean;
  backspace?: boolean;
  delete?: boolean;
}

/** One name per key press: `up`, `tab`, `shift+tab`, `ctrl+c`, `enter`, or the character typed. */
export function keyName(input: string, key: KeyFlags): string {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.tab) return key.shift ? 'shift+tab' : 'tab';
  if (key.return) return 'enter';
  if (key.escape) return 'escape';
  if (key.backspace || key.delete) return 'backspace';
  if (key.ctrl) return `ctrl+${input}`;
  return input;
}

export interface ResolvedCommand {
  readonly command: CommandName;
  /** For `timeframe`: 0-based index. */
  readonly arg?: number;
}

export function commandFor(name: string): ResolvedCommand | undefined {
  const command = BY_KEY.get(name);
  if (!command) return undefined;
  return command === 'timeframe' ? { command, arg: Number(name) - 1 } : { command };
}
