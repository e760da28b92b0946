/**
 * Start Stream's questions (source, exchange, symbol, data types, and the replay range or capture
 * file), remembering the last answers; none when `tickbridge.defaultSource` is set. The UI is
 * injected, so this runs in tests without `vscode`.
 */
import { fieldProblem, type StreamRequest } from '../../core/index.js';
import { SOURCES, type SourceName, type TickbridgeConfig } from './config.js';

export interface PickItem {
  readonly label: string;
  readonly description?: string;
  readonly picked?: boolean;
}

export interface StartUi {
  /** Resolves with the chosen labels (one unless `many`), or undefined when cancelled. */
  pick(title: string, items: readonly PickItem[], many: boolean): Promise<string[] | undefined>;
  input(title: string, value: string, validate: (value: string) => string | undefined): Promise<string | undefined>;
  openFile(title: string): Promise<string | undefined>;
}

export interface Memory {
  get(key: string): unknown;
  update(key: string, value: unknown): PromiseLike<void>;
}

export interface StartChoices {
  readonly source: SourceName;
  readonly exchange: string;
  readonly symbol: string;
  readonly dataTypes: readonly string[];
  readonly from?: string;
  readonly to?: string;
  readonly file?: string;
  /** replay and file: pacing, `max` or a multiple of real time. */
  readonly speed?: 'max' | number;
}

export const LAST_CHOICES_KEY = 'tickbridge.lastStart';
const OTHER = 'Other…';

const SOURCE_DESCRIPTIONS: Record<SourceName, string> = {
  demo: 'built-in demo exchange, offline',
  live: 'real-time exchange feed through tardis-dev',
  replay: 'historical data from Tardis.dev',
  file: 'a recorded capture file'
};
export const EXCHANGES: Record<SourceName, readonly string[]> = {
  demo: ['binance', 'binance-futures'],
  live: ['binance', 'binance-futures', 'bybit', 'deribit', 'okex', 'coinbase', 'kraken', 'bitmex'],
  replay: ['binance', 'binance-futures', 'bybit', 'deribit', 'okex', 'coinbase', 'kraken', 'bitmex'],
  file: ['binance', 'binance-futures']
};
const DEMO_SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
export const DATA_TYPES = ['trades', 'book_snapshot_5', 'book_snapshot_25', 'book_snapshot_5_100ms', 'derivative_ticker', 'liquidations'];

// The engine's own one-line messages (the CLI exits 2 with the same ones).
// In an input box there are no flags: "--from" reads "the start".
const inWords = (problem: string | undefined): string | undefined => problem?.replace(/^--from /, 'The start ').replace(/^--to /, 'The end ');
const FROM = (value: string): string | undefined => inWords(fieldProblem('from', value));
const TO = (value: string): string | undefined => inWords(fieldProblem('to', value));
const SYMBOL = (value: string): string | undefined => fieldProblem('symbol', value);
/** `to` as the engine checks it, and after `from`, said in plain words (not as flag names). */
export function toAfter(from: string, to: string): string | undefined {
  const problem = TO(to);
  if (problem !== undefined) return problem;
  return Date.parse(to) <= Date.parse(from) ? `The end (${to.trim()}) must be after the start (${from.trim()}).` : undefined;
}

const nonEmpty = (value: string): string | undefined => (value.trim() === '' ? 'a value is needed' : undefined);

/** Puts `first` (the last choice) at the top and marks it. */
function ordered(values: readonly string[], first: string | undefined, describe: (value: string) => string | undefined = () => undefined): PickItem[] {
  const sorted = first && values.includes(first) ? [first, ...values.filter((value) => value !== first)] : [...values];
  return sorted.map((label) => {
    const description = label === first ? 'last used' : describe(label);
    return description ? { label, description } : { label };
  });
}

function lastChoices(memory: Memory): Partial<StartChoices> {
  const value = memory.get(LAST_CHOICES_KEY);
  return typeof value === 'object' && value !== null ? (value as Partial<StartChoices>) : {};
}

/** The answers from the settings alone (when `defaultSource` is set), asking only what is missing. */
async function fromSettings(config: TickbridgeConfig, source: SourceName, ui: StartUi): Promise<StartChoices | undefined> {
  const base = { source, exchange: config.defaultExchange, symbol: config.defaultSymbol, dataTypes: config.defaultDataTypes };
  if (source === 'replay') {
    const from = config.replayFrom ?? (await ui.input('Replay from (ISO-8601, UTC)', '', FROM));
    if (from === undefined) return undefined;
    const to = config.replayTo ?? (await ui.input('Replay to (exclusive)', '', (value) => toAfter(from, value)));
    return to === undefined ? undefined : { ...base, from, to };
  }
  if (source === 'file') {
    const file = config.captureFile ?? (await ui.openFile('Recorded capture file'));
    return file === undefined ? undefined : { ...base, file };
  }
  return base;
}

export async function chooseStream(config: TickbridgeConfig, ui: StartUi, memory: Memory): Promise<StartChoices | undefined> {
  if (config.defaultSource) return fromSettings(config, config.defaultSource, ui);
  const last = lastChoices(memory);

  const [source] = (await ui.pick('Tickbridge: source', ordered(SOURCES, last.source, (s) => SOURCE_DESCRIPTIONS[s as SourceName]), false)) ?? [];
  if (!source) return undefined;
  const kind = source as SourceName;

  const exchanges = EXCHANGES[kind];
  const lastExchange = last.exchange ?? config.defaultExchange;
  const exchangeItems = [...ordered(exchanges, lastExchange), ...(kind === 'demo' ? [] : [{ label: OTHER, description: 'any Tardis exchange id' }])];
  let [exchange] = (await ui.pick('Tickbridge: exchange', exchangeItems, false)) ?? [];
  if (exchange === OTHER) exchange = await ui.input('Tardis exchange id', lastExchange, nonEmpty);
  if (!exchange) return undefined;

  const lastSymbol = last.symbol ?? config.defaultSymbol;
  let symbol: string | undefined;
  if (kind === 'demo') {
    [symbol] = (await ui.pick('Tickbridge: symbol', ordered(DEMO_SYMBOLS, lastSymbol), false)) ?? [];
  } else {
    symbol = await ui.input('Symbol (native id like BTCUSDT or BTC-PERPETUAL, or BASE-QUOTE)', lastSymbol, SYMBOL);
  }
  if (!symbol) return undefined;

  const chosenTypes = new Set(last.dataTypes ?? config.defaultDataTypes);
  const typeItems = DATA_TYPES.map((label) => ({ label, picked: chosenTypes.has(label) }));
  const dataTypes = await ui.pick('Tickbridge: data types', typeItems, true);
  if (!dataTypes || dataTypes.length === 0) return undefined;

  let extra: Pick<StartChoices, 'from' | 'to' | 'file'> = {};
  if (kind === 'replay') {
    const from = await ui.input('Replay from (ISO-8601, UTC)', last.from ?? config.replayFrom ?? '', FROM);
    if (from === undefined) return undefined;
    const to = await ui.input('Replay to (exclusive)', last.to ?? config.replayTo ?? '', (value) => toAfter(from, value));
    if (to === undefined) return undefined;
    extra = { from, to };
  } else if (kind === 'file') {
    const file = await ui.openFile('Recorded capture file');
    if (file === undefined) return undefined;
    extra = { file };
  }
  let speed: StartChoices['speed'];
  if (kind === 'replay' || kind === 'file') {
    const speeds = [
      { label: '1×', description: 'real time' },
      { label: '10×', description: 'ten times faster: a capture you can watch' },
      { label: '100×', description: 'a minute of data in 0.6 s' },
      { label: 'max', description: 'as fast as the processor takes it' }
    ];
    const [chosen] = (await ui.pick('Tickbridge: speed', speeds, false)) ?? [];
    if (!chosen) return undefined;
    speed = chosen === 'max' ? 'max' : Number(chosen.replace('×', ''));
  }
  const choices: StartChoices = { source: kind, exchange: exchange.trim(), symbol: symbol.trim(), dataTypes, ...extra, ...(speed !== undefined && { speed }) };
  await memory.update(LAST_CHOICES_KEY, choices);
  return choices;
}

/** The engine request for the answers; `apiKey` (from SecretStorage) only for replays. */
export function buildRequest(choices: StartChoices, config: TickbridgeConfig, apiKey: string | undefined): StreamRequest {
  return {
    source: choices.source,
    exchange: choices.exchange,
    symbols: [choices.symbol],
    dataTypes: [...choices.dataTypes],
    timeframes: [...config.timeframes],
    mode: 'candles',
    speed: choices.speed ?? 'max',
    ...(choices.from !== undefined && { from: choices.from }),
    ...(choices.to !== undefined && { to: choices.to }),
    ...(choices.file !== undefined && { file: choices.file }),
    ...(choices.source === 'replay' && apiKey ? { apiKey } : {}),
    ...(choices.source === 'demo' && config.demoRate !== null ? { demoMessagesPerSecond: config.demoRate } : {})
  };
}
