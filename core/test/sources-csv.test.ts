// `--source csv`: Tardis CSV datasets (as tardis-dev's downloadDatasets writes them) generated here,
// plain and gzip, read into the same pipeline as the other sources.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { BookSnapshot, DerivativeTicker, Liquidation, Trade } from 'tardis-dev';
import type { Candle } from '../src/bridge/protocol.js';
import { UsageError } from '../src/errors.js';
import { openSource } from '../src/sources/index.js';
import type { SourceSpec } from '../src/sources/index.js';
import { assertClose } from './helpers/approx.js';
import { runCli } from './helpers/cli.js';
import { collect } from './sources-helpers.js';

const T0 = Date.parse('2024-08-08T00:00:00Z') * 1000; // µs
const EX = 'binance-futures';

interface Generated {
  dir: string;
  files: { trades: string; book: string; ticker: string; liquidations: string };
  trades: { us: number; price: number; amount: number; side: string }[];
}

/** Three minutes of BTCUSDT (and a few ETHUSDT rows that must be filtered out). */
function generate(): Generated {
  const dir = mkdtempSync(join(tmpdir(), 'tickbridge-csv-'));
  const trades: Generated['trades'] = [];
  const tradeRows = ['exchange,symbol,timestamp,local_timestamp,id,side,price,amount'];
  for (let i = 0; i < 180; i++) {
    const us = T0 + i * 1_000_000 + 123;
    const t = { us, price: 100 + ((i * 7) % 13) * 0.5, amount: 0.25 + (i % 4) * 0.5, side: i % 3 === 0 ? 'sell' : 'buy' };
    trades.push(t);
    tradeRows.push(`${EX},BTCUSDT,${us},${us + 1500},${1000 + i},${t.side},${t.price},${t.amount}`);
    if (i % 60 === 30) tradeRows.push(`${EX},ETHUSDT,${us},${us + 1500},${9000 + i},buy,3000,1`);
  }
  const bookHeader = ['exchange', 'symbol', 'timestamp', 'local_timestamp'];
  for (let l = 0; l < 25; l++) bookHeader.push(`asks[${l}].price`, `asks[${l}].amount`, `bids[${l}].price`, `bids[${l}].amount`);
  const bookRows = [bookHeader.join(',')];
  for (let i = 0; i < 90; i++) {
    const us = T0 + i * 2_000_000 + 500;
    const cells = [EX, 'BTCUSDT', String(us), String(us + 700)];
    for (let l = 0; l < 25; l++) cells.push(String(100.5 + l * 0.5), String(1 + l), String(99.5 - l * 0.5), String(2 + l + (i % 3)));
    bookRows.push(cells.join(','));
  }
  const tickerRows = ['exchange,symbol,timestamp,local_timestamp,funding_timestamp,funding_rate,predicted_funding_rate,open_interest,last_price,index_price,mark_price'];
  for (let i = 0; i < 36; i++) {
    const us = T0 + i * 5_000_000 + 10;
    tickerRows.push(`${EX},BTCUSDT,${us},${us + 300},${T0 + 8 * 3600e6},0.0001,,${80000 + i},100.5,100.25,${100.4 + i * 0.01}`);
  }
  const liqRows = ['exchange,symbol,timestamp,local_timestamp,id,side,price,amount', `${EX},BTCUSDT,${T0 + 20_000_000},${T0 + 20_000_900},,sell,99,2`, `${EX},BTCUSDT,${T0 + 80_000_000},${T0 + 80_000_900},,buy,101,1`];
  const files = {
    trades: join(dir, `${EX}_trades_2024-08-08_BTCUSDT.csv.gz`),
    book: join(dir, `${EX}_book_snapshot_25_2024-08-08_BTCUSDT.csv`),
    ticker: join(dir, `${EX}_derivative_ticker_2024-08-08_BTCUSDT.csv.gz`),
    liquidations: join(dir, `${EX}_liquidations_2024-08-08_BTCUSDT.csv`)
  };
  writeFileSync(files.trades, gzipSync(tradeRows.join('\n') + '\n'));
  writeFileSync(files.book, bookRows.join('\n') + '\n');
  writeFileSync(files.ticker, gzipSync(tickerRows.join('\n') + '\n'));
  writeFileSync(files.liquidations, liqRows.join('\r\n') + '\r\n');
  return { dir, files, trades };
}

const spec = (file: string, over: Partial<SourceSpec> = {}): SourceSpec => ({
  source: 'csv',
  exchange: EX,
  symbols: ['BTC-USDT'],
  dataTypes: ['trades', 'book_snapshot_5', 'derivative_ticker', 'liquidations'],
  speed: 'max',
  file,
  ...over
});
const micros = (d: Date) => d.valueOf() * 1000 + (d.μs ?? 0);

describe('csv source', () => {
  const data = generate();

  test('reads every dataset (plain and gzip), merged in local timestamp order, as normalized messages', async () => {
    const warnings: string[] = [];
    const source = await openSource(spec(Object.values(data.files).join(',')), { warn: (m) => void warnings.push(m) });
    assert.equal(source.finite, true);
    assert.equal(source.live, false);
    const all = await collect(source.messages);
    await source.close();
    assert.deepEqual(warnings, []);
    const local = all.map((m) => micros(m.localTimestamp));
    assert.deepEqual(local, [...local].sort((a, b) => a - b), 'merged by local_timestamp');

    const trades = all.filter((m): m is Trade => m.type === 'trade');
    assert.equal(trades.length, 180, 'ETHUSDT rows filtered out');
    assert.deepEqual(
      { ...trades[1]!, timestamp: micros(trades[1]!.timestamp), localTimestamp: micros(trades[1]!.localTimestamp) },
      { type: 'trade', symbol: 'BTCUSDT', exchange: EX, id: '1001', side: 'buy', price: data.trades[1]!.price, amount: 0.75, timestamp: T0 + 1_000_123, localTimestamp: T0 + 1_001_623 }
    );
    const books = all.filter((m): m is BookSnapshot => m.type === 'book_snapshot');
    assert.equal(books.length, 90);
    assert.equal(books[0]!.name, 'book_snapshot_5');
    assert.equal(books[0]!.depth, 5);
    assert.deepEqual(books[0]!.asks, [100.5, 101, 101.5, 102, 102.5].map((price, l) => ({ price, amount: 1 + l })), 'cut to 5 levels of the 25');
    assert.deepEqual(books[0]!.bids[0], { price: 99.5, amount: 2 });
    const tickers = all.filter((m): m is DerivativeTicker => m.type === 'derivative_ticker');
    assert.equal(tickers.length, 36);
    assert.equal(tickers[2]!.fundingRate, 0.0001);
    assert.equal(tickers[2]!.openInterest, 80002);
    assert.equal(tickers[2]!.predictedFundingRate, undefined, 'empty cell = no value');
    assert.equal(tickers[2]!.markPrice, 100.42);
    const liquidations = all.filter((m): m is Liquidation => m.type === 'liquidation');
    assert.deepEqual(liquidations.map((l) => [l.side, l.price, l.amount, l.id]), [['sell', 99, 2, undefined], ['buy', 101, 1, undefined]]);
  });

  test('a folder is read whole; data types not requested are skipped with a warning', async () => {
    const warnings: string[] = [];
    const source = await openSource(spec(data.dir, { dataTypes: ['trades', 'book_snapshot_25'] }), { warn: (m) => void warnings.push(m) });
    const all = await collect(source.messages);
    await source.close();
    assert.deepEqual(new Set(all.map((m) => m.type)), new Set(['trade', 'book_snapshot']));
    assert.equal((all.find((m) => m.type === 'book_snapshot') as BookSnapshot).asks.length, 25);
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.ok(warnings.every((w) => w.includes('not among the requested data types')));
  });

  test('quoted cells are read as CSV: a comma inside quotes stays in its cell', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickbridge-csv-quoted-'));
    const file = join(dir, `${EX}_trades_2024-08-08_BTCUSDT.csv`);
    const rows = [
      'exchange,symbol,"timestamp",local_timestamp,id,side,price,amount',
      `${EX},"BTCUSDT",${T0 + 123},${T0 + 456},"7,1",buy,"100.5",0.25`,
      `${EX},BTCUSDT,${T0 + 1_000_123},${T0 + 1_000_456},"say ""hi""",sell,101,1`
    ];
    writeFileSync(file, rows.join('\n') + '\n');
    const warnings: string[] = [];
    const source = await openSource(spec(file, { dataTypes: ['trades'] }), { warn: (m) => void warnings.push(m) });
    const trades = (await collect(source.messages)) as Trade[];
    await source.close();
    assert.deepEqual(warnings, []);
    assert.deepEqual(trades.map((t) => [t.id, t.side, t.price, t.amount, micros(t.localTimestamp)]), [
      ['7,1', 'buy', 100.5, 0.25, T0 + 456],
      ['say "hi"', 'sell', 101, 1, T0 + 1_000_456]
    ]);
  });

  test('rows that are not one CSV line are counted (a stray quote, a quoted cell over two lines, a line over the cap); a cut gzip fails after its rows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickbridge-csv-bad-'));
    const row = (i: number, id: string | number = 2000 + i) => `${EX},BTCUSDT,${T0 + i * 1_000_000},${T0 + i * 1_000_000 + 10},${id},buy,100,1`;
    const rows = ['exchange,symbol,timestamp,local_timestamp,id,side,price,amount', row(0), `${EX},BTC"USDT,${T0},${T0},9,buy,100,1`, row(1, '"over'), 'two",buy,100,1', `${EX},${'x'.repeat(17 * 1024 * 1024)}`, row(2)];
    const file = join(dir, `${EX}_trades_2024-08-08_BTCUSDT.csv.gz`);
    const whole = gzipSync(rows.join('\n') + '\n' + Array.from({ length: 2000 }, (_, i) => row(3 + i)).join('\n') + '\n');
    writeFileSync(file, whole);
    const warnings: string[] = [];
    const source = await openSource(spec(file, { dataTypes: ['trades'] }), { warn: (m) => void warnings.push(m) });
    const trades = (await collect(source.messages)) as Trade[];
    await source.close();
    assert.deepEqual(trades.slice(0, 2).map((t) => t.id), ['2000', '2002']);
    assert.equal(trades.length, 2002);
    assert.deepEqual({ ...source.report }, { duplicates: 0, malformed: 3, oversized: 1, failure: undefined });
    assert.match(warnings.join('\n'), /:3: skipped row: not CSV \(Invalid Opening Quote/);
    assert.match(warnings.join('\n'), /:5: skipped row: a quoted cell runs over lines 4–5/);
    assert.match(warnings.join('\n'), /:6: skipped row: 17\.0 MiB long, over the 16 MiB line cap/);

    const cut = join(dir, `${EX}_trades_2024-08-09_BTCUSDT.csv.gz`);
    writeFileSync(cut, whole.subarray(0, whole.length - 200));
    const truncated = await openSource(spec(cut, { dataTypes: ['trades'] }), { warn: () => {} });
    const before = (await collect(truncated.messages)).length;
    await truncated.close();
    assert.ok(before > 1000, `${before} trades before the cut`);
    assert.match(truncated.report.failure ?? '', /ends mid-stream after line \d+: it is truncated/);
  });

  test('mistakes are usage errors', async () => {
    const usage = (pattern: RegExp) => (e: unknown) => e instanceof UsageError && pattern.test(e.message);
    await assert.rejects(openSource(spec(''), { warn: () => {} }), usage(/needs --file/));
    await assert.rejects(openSource(spec(join(data.dir, 'missing.csv')), { warn: () => {} }), usage(/does not exist/));
    const other = mkdtempSync(join(tmpdir(), 'tickbridge-csv-l2-'));
    const l2file = join(other, 'binance_incremental_book_L2_2024-08-08_BTCUSDT.csv');
    writeFileSync(l2file, 'exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount\n');
    await assert.rejects(openSource(spec(l2file), { warn: () => {} }), usage(/incremental_book_L2 is not supported/));
    const noName = join(other, 'levels.csv');
    writeFileSync(noName, 'exchange,symbol,timestamp,local_timestamp,bid_price,ask_price\n');
    await assert.rejects(openSource(spec(noName), { warn: () => {} }), usage(/unsupported dataset/));
    await assert.rejects(openSource(spec(data.files.trades, { dataTypes: ['liquidations'] }), { warn: () => {} }), usage(/None of the requested data types/));
  });

  test('end to end: closed candles and features from CSV files through the processor', { timeout: 120_000 }, async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tickbridge-csv-run-'));
    const result = await runCli([
      'run', '--source', 'csv', '--file', data.dir, '--exchange', EX, '--symbol', 'BTCUSDT', '--timeframes', '1m', '--json', '--closedOnly',
      '--logDir', tmp, '--storeDir', tmp
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.lines.at(-1)?.reason, 'finished');
    const closed = (result.lines.filter((l) => l.type === 'candle') as unknown as Candle[]).filter((c) => c.closed);
    assert.deepEqual(closed.map((c) => c.start), ['2024-08-08T00:00:00.000Z', '2024-08-08T00:01:00.000Z']);
    for (const [minute, candle] of closed.entries()) {
      const bar = data.trades.slice(minute * 60, minute * 60 + 60);
      assert.equal(candle.trades, 60);
      assertClose(candle.open, bar[0]!.price, 'open');
      assertClose(candle.close, bar.at(-1)!.price, 'close');
      assertClose(candle.high, Math.max(...bar.map((t) => t.price)), 'high');
      assertClose(candle.low, Math.min(...bar.map((t) => t.price)), 'low');
      assertClose(candle.volume, bar.reduce((s, t) => s + t.amount, 0), 'volume');
      assertClose(candle.buy_volume, bar.filter((t) => t.side === 'buy').reduce((s, t) => s + t.amount, 0), 'buy_volume');
      assertClose(candle.features.funding_rate, 0.0001, 'funding_rate');
      assert.ok(candle.features.spread_bps !== null && candle.features.obi_5 !== null, 'book features');
    }
    assertClose(closed[0]!.features.liq_sell_notional, 198, 'liquidation 2 @ 99');
    assertClose(closed[1]!.features.liq_buy_notional, 101, 'liquidation 1 @ 101');
  });
});
