import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { init } from 'tardis-dev';
import { UsageError } from '../src/errors.js';
import { openSource, parseDataTypes, toNativeSymbol } from '../src/sources/index.js';
import type { SourceSpec } from '../src/sources/index.js';
import { closeMatches } from '../src/sources/suggest.js';
import { fetchExchangeSymbols, resolveSymbols } from '../src/sources/symbols.js';
import { SPOT } from './sources-helpers.js';

const hooks = { warn: () => {} };
const usage = (pattern: RegExp) => (e: unknown) => e instanceof UsageError && pattern.test(e.message);
const base: SourceSpec = { source: 'file', exchange: 'binance', symbols: ['BTCUSDT'], dataTypes: ['trades'], file: SPOT, speed: 'max' };

describe('data types', () => {
  test('names, aliases, intervals, comma lists, duplicates', () => {
    assert.deepEqual(parseDataTypes(['trades,book_snapshot_5', 'book_snapshot_25', 'book_snapshot_5_100ms', 'derivative_ticker', 'liquidations', 'trade']), [
      { name: 'trades', kind: 'trades' },
      { name: 'book_snapshot_5', kind: 'book_snapshot', depth: 5, intervalMs: 0 },
      { name: 'book_snapshot_25', kind: 'book_snapshot', depth: 25, intervalMs: 0 },
      { name: 'book_snapshot_5_100ms', kind: 'book_snapshot', depth: 5, intervalMs: 100 },
      { name: 'derivative_ticker', kind: 'derivative_ticker' },
      { name: 'liquidations', kind: 'liquidations' }
    ]);
    assert.deepEqual(parseDataTypes(['book_snapshot_10_2s', 'book_snapshot_1_1m']).map((t) => (t.kind === 'book_snapshot' ? t.intervalMs : -1)), [2000, 60_000]);
  });

  test('unknown or malformed types list the accepted names', () => {
    assert.throws(() => parseDataTypes(['trades', 'quotes']), usage(/Unknown data type "quotes"\. Accepted: trades, book_snapshot_<depth>.*book_snapshot_5_100ms.*derivative_ticker, liquidations/));
    assert.throws(() => parseDataTypes(['book_snapshot']), usage(/Did you mean book_snapshot_5/));
    assert.throws(() => parseDataTypes(['trads']), usage(/Did you mean trades/));
    assert.throws(() => parseDataTypes(['book_snapshot_5_100us']), usage(/Unknown data type/));
    assert.throws(() => parseDataTypes(['book_snapshot_0']), usage(/depth must be 1\.\.1000/));
    assert.throws(() => parseDataTypes([' , ']), usage(/No data types given/));
  });

  test('a type nothing offers on the exchange: UsageError; unknown source and speed too', async () => {
    await assert.rejects(openSource({ ...base, dataTypes: ['liquidations', 'derivative_ticker'] }, hooks), usage(/None of the requested data types \(liquidations, derivative_ticker\) is available on binance/));
    await assert.rejects(openSource({ ...base, source: 'replai' as never }, hooks), usage(/Unknown source "replai"\. Accepted: live, replay, file, demo, csv\. Did you mean replay\?/));
    await assert.rejects(openSource({ ...base, speed: 0 }, hooks), usage(/Invalid speed "0".*max/));
    await assert.rejects(openSource({ ...base, symbols: [' '] }, hooks), usage(/No symbols given/));
  });
});

describe('exchanges', () => {
  test('unknown exchange -> close matches from tardis-dev EXCHANGES', async () => {
    await assert.rejects(openSource({ ...base, exchange: 'binanse' }, hooks), usage(/Unknown exchange "binanse"\. Did you mean binance/));
    await assert.rejects(openSource({ ...base, exchange: 'okx' }, hooks), usage(/Did you mean .*okex/));
    await assert.rejects(openSource({ ...base, exchange: 'binance-spot' }, hooks), usage(/Did you mean .*binance/));
    await assert.rejects(openSource({ ...base, exchange: 'zzzzzzzz' }, hooks), usage(/Known exchanges: bitmex, deribit/));
  });

  test('defunct exchanges are refused for live data', async () => {
    for (const exchange of ['ftx', 'ftx-us', 'binance-jersey', 'coinflex', 'serum', 'mango', 'binance-dex']) {
      await assert.rejects(openSource({ ...base, source: 'live', exchange }, hooks), usage(new RegExp(`"${exchange}" is defunct .*no live data`)));
    }
    await assert.rejects(openSource({ ...base, source: 'live', exchange: 'FTX' }, hooks), usage(/closed in November 2022/));
  });
});

describe('symbols', () => {
  test('the BTC-USDT form maps to native ids', () => {
    const cases: [string, string, string][] = [
      ['binance', 'BTC-USDT', 'BTCUSDT'],
      ['binance', 'btc/usdt', 'BTCUSDT'],
      ['binance-futures', 'btcusdt', 'BTCUSDT'],
      ['binance-delivery', 'btcusd_perp', 'BTCUSD_PERP'],
      ['bybit', 'BTC-USDT', 'BTCUSDT'],
      ['deribit', 'btc-perpetual', 'BTC-PERPETUAL'],
      ['coinbase', 'BTC/USD', 'BTC-USD'],
      ['okex-swap', 'BTC-USDT-SWAP', 'BTC-USDT-SWAP'],
      ['kraken', 'XBT-USD', 'XBT/USD'],
      ['gate-io', 'btc-usdt', 'BTC_USDT'],
      ['cryptofacilities', 'PI_XBTUSD', 'PI_XBTUSD']
    ];
    for (const [exchange, input, native] of cases) assert.equal(toNativeSymbol(exchange, input), native, `${exchange} ${input}`);
  });

  test('unknown symbol against a known list -> close matches', () => {
    assert.deepEqual(resolveSymbols('binance', ['BTC-USDT', 'btcusdt', 'ethusdt'], ['BTCUSDT', 'ETHUSDT']), ['BTCUSDT', 'ETHUSDT']);
    assert.throws(() => resolveSymbols('binance', ['BTCUSTD'], ['BTCUSDT', 'ETHUSDT']), usage(/Unknown symbol "BTCUSTD" on binance\. Did you mean BTCUSDT\?/));
    assert.throws(() => resolveSymbols('binance', ['DOGEUSDT'], ['BTCUSDT', 'ETHUSDT']), usage(/Available: BTCUSDT, ETHUSDT/));
    assert.deepEqual(closeMatches('BTCUSTD', ['btcusdt', 'ethusdt', 'BTCUSDC']), ['btcusdt', 'BTCUSDC']);
  });

  describe('live symbol check against a local Tardis API', () => {
    let api: Server;
    let silent: Server;
    let endpoint: string;
    let silentEndpoint: string;
    before(async () => {
      api = createServer((req, res) => {
        res.setHeader('content-type', 'application/json');
        if (req.url === '/v1/exchanges/binance') res.end(JSON.stringify({ id: 'binance', availableSymbols: [{ id: 'btcusdt' }, { id: 'ethusdt' }, { id: 'btcusdc' }] }));
        else res.writeHead(404).end('{}');
      });
      silent = createServer(() => {}); // accepts, never answers
      await Promise.all([api, silent].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
      endpoint = `http://127.0.0.1:${(api.address() as AddressInfo).port}/v1`;
      silentEndpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/v1`;
    });
    after(async () => {
      silent.closeAllConnections();
      await Promise.all([api, silent].map((s) => new Promise((resolve) => s.close(resolve))));
      init();
    });

    const live = (over: Partial<SourceSpec>): SourceSpec => ({ ...base, source: 'live', file: undefined, endpoint, ...over });

    test('unknown symbol -> UsageError with close matches; known ones open', async () => {
      await assert.rejects(openSource(live({ symbols: ['BTCUSTD'] }), hooks), usage(/Unknown symbol "BTCUSTD" on binance\. Did you mean BTCUSDT/));
      const warnings: string[] = [];
      const source = await openSource(live({ symbols: ['btc-usdt', 'ETHUSDT'] }), { warn: (m) => void warnings.push(m) });
      assert.deepEqual(source.symbols, ['BTCUSDT', 'ETHUSDT']);
      assert.equal(source.live, true);
      assert.equal(source.finite, false);
      assert.deepEqual(warnings, []);
      await source.close(); // never iterated: nothing connected
    });

    test('an unreachable or silent API: one warning, no validation, quickly', async () => {
      for (const unreachable of ['https://127.0.0.1:1/v1', silentEndpoint]) {
        const warnings: string[] = [];
        const started = Date.now();
        const source = await openSource(live({ endpoint: unreachable, symbols: ['NOSUCHSYMBOL'] }), { warn: (m) => void warnings.push(m) });
        assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
        assert.equal(warnings.length, 1);
        assert.match(warnings[0]!, /Could not fetch the binance symbol list from Tardis .*NOSUCHSYMBOL not validated/);
        await source.close();
      }
      init({ endpoint: silentEndpoint });
      const started = Date.now();
      assert.ok((await fetchExchangeSymbols('binance', 200)) instanceof Error);
      assert.ok(Date.now() - started < 1000);
    });
  });
});
