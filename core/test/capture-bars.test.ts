// Every capture in ../shared/data, each symbol with trades alone and all its symbols together,
// through `tickbridge run --source file`: every bar with trades equals tardis-dev's own
// computeTradeBars for that symbol (OHLCV, buy/sell volume, trades, VWAP), for time, tick and
// volume bars. Trades the documented old-message rule sets aside (pushed on subscribe) are listed
// and left out of the reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Exchange, Trade, TradeBar } from 'tardis-dev';
import type { Candle } from '../src/bridge/protocol.js';
import { assertClose } from './helpers/approx.js';
import { SHARED_DATA, runCli } from './helpers/cli.js';
import { OLD_MESSAGE_MS, captureTrades, tradeBars, type BarKind } from './helpers/tradeBars.js';

// Time bars, then tick and volume bars (volumes in each venue's unit: BTC, contracts, coins).
const SHORT = ['1s', '5s', '15s', '3t', '100v'];
const LONG = ['15s', '1m', '500t'];
const CAPTURES: [file: string, exchange: Exchange, timeframes: string[]][] = [
  ['binance_spot_btcusdt_20240808.raw.gz', 'binance', [...LONG, '5v']],
  ['binance-futures_btcusdt_20240808.raw.gz', 'binance-futures', [...LONG, '20v']],
  ['binance-delivery_btcusd_perp_20240808.raw.gz', 'binance-delivery', [...LONG, '2000v']],
  ['bitmex_all_20210722.raw.gz', 'bitmex', SHORT],
  ['bybit_all-inverse_20210417.raw.gz', 'bybit', SHORT],
  ['coinbase_all_20210417.raw.gz', 'coinbase', SHORT],
  ['cryptofacilities_all_20210722.raw.gz', 'cryptofacilities', SHORT],
  ['huobi-dm-linear-swap_all_20220219.raw.gz', 'huobi-dm-linear-swap', SHORT],
  ['hyperliquid_btc_20250126.raw.gz', 'hyperliquid', SHORT]
];
const missing = CAPTURES.map(([file]) => join(SHARED_DATA, file)).filter((path) => !existsSync(path));
const SKIP = missing.length > 0 ? `real captures not found: ${missing.join(', ')}` : false;

/** A bar spec label → tardis-dev's kind and interval (ms, trades or base units). */
function specOf(label: string): [BarKind, number] {
  const unit = label.at(-1)!;
  const n = Number(label.slice(0, -1));
  if (unit === 's') return ['time', n * 1000];
  if (unit === 'm') return ['time', n * 60_000];
  if (unit === 't') return ['tick', n];
  if (unit === 'v') return ['volume', n];
  throw new Error(`no reference for bar spec ${label}`);
}

const FIELDS = [['open', 'open'], ['high', 'high'], ['low', 'low'], ['close', 'close'], ['volume', 'volume'], ['buy_volume', 'buyVolume'], ['sell_volume', 'sellVolume'], ['vwap', 'vwap']] as const;

const compared: Record<BarKind, number> = { time: 0, tick: 0, volume: 0 };

function compare(candles: Candle[], bars: TradeBar[], kind: BarKind, interval: number, what: string): void {
  compared[kind] += bars.length;
  const key = (ms: number) => new Date(ms).toISOString();
  const ours = new Map(candles.map((c) => [c.end, c]));
  assert.equal(candles.length, bars.length, `${what}: ${candles.length} bars with trades, tardis-dev has ${bars.length}: ours ${candles.map((c) => c.end).join(' ')}; theirs ${bars.map((b) => key(b.timestamp.valueOf())).join(' ')}`);
  for (const bar of bars) {
    const end = key(bar.timestamp.valueOf());
    const candle = kind === 'time' ? ours.get(end) : candles[bars.indexOf(bar)];
    assert.ok(candle, `${what}: no bar ending ${end}`);
    if (kind === 'time') assert.equal(Date.parse(candle.end) - Date.parse(candle.start), interval, `${what} ${end}: length`);
    assert.equal(candle.trades, bar.trades, `${what} ${end}: trades`);
    for (const [mine, theirs] of FIELDS) assertClose(candle[mine], bar[theirs], `${what} ${end}: ${mine}`);
  }
}

async function runAndCompare(path: string, exchange: Exchange, symbols: string[], timeframes: string[], trades: Map<string, Trade[]>, runStart: number, notes: string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tickbridge-bars-'));
  const result = await runCli(['run', '--source', 'file', '--file', path, '--exchange', exchange, '--symbol', symbols.join(','), '--timeframes', timeframes.join(','), '--json', '--closedOnly', '--logDir', dir, '--storeDir', dir]);
  const what = `${exchange} ${symbols.length > 1 ? `all ${symbols.length} symbols` : symbols[0]}`;
  assert.equal(result.code, 0, `${what}: ${result.stderr}`);
  assert.equal(result.lines.at(-1)?.reason, 'finished', `${what}: the run ends with the file`);
  const candles = result.lines.filter((line) => line.type === 'candle') as unknown as Candle[];
  for (const symbol of symbols) {
    const all = trades.get(symbol) ?? [];
    const old = all.filter((trade) => trade.timestamp.valueOf() < runStart - OLD_MESSAGE_MS);
    if (old.length > 0) notes.push(`${what}: ${symbol}: ${old.length} old trade(s) set aside: ${old.map((t) => t.timestamp.toISOString()).join(', ')}`);
    const kept = all.filter((trade) => !old.includes(trade));
    for (const label of timeframes) {
      const [kind, interval] = specOf(label);
      const withTrades = candles.filter((c) => c.symbol === symbol && c.timeframe === label && c.trades > 0 && (c.closed || kind === 'time'));
      compare(withTrades, tradeBars(kept, kind, interval), kind, interval, `${what} ${symbol} ${label}`);
    }
  }
}

test('every capture, each symbol alone and all together: bars equal tardis-dev computeTradeBars', { skip: SKIP, timeout: 600_000 }, async (t) => {
  const notes: string[] = [];
  const jobs: (() => Promise<void>)[] = [];
  for (const [file, exchange, timeframes] of CAPTURES) {
    const path = join(SHARED_DATA, file);
    const capture = await captureTrades(path, exchange);
    const traded = capture.symbols.filter((symbol) => capture.trades.has(symbol));
    const runStart = (symbols: string[]) => Math.min(...symbols.map((symbol) => capture.firstLocal.get(symbol)!));
    for (const symbol of traded) jobs.push(() => runAndCompare(path, exchange, [symbol], timeframes, capture.trades, runStart([symbol]), notes));
    if (capture.symbols.length > 1) jobs.push(() => runAndCompare(path, exchange, capture.symbols, timeframes, capture.trades, runStart(capture.symbols), notes));
  }
  const failures: string[] = [];
  const worker = async () => {
    for (let job = jobs.shift(); job; job = jobs.shift()) await job().catch((error: unknown) => failures.push((error as Error).message));
  };
  await Promise.all([worker(), worker()]);
  for (const note of notes) t.diagnostic(note);
  t.diagnostic(`bars compared: ${JSON.stringify(compared)}`);
  assert.deepEqual(failures, []);
  assert.ok(compared.time > 400 && compared.tick > 200 && compared.volume > 100, JSON.stringify(compared));
});
