// tardis-dev normalized messages → wire messages: exact shape and microseconds kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BookSnapshot, DerivativeTicker, Disconnect, Liquidation, Trade } from 'tardis-dev';
import { encodeMessage, epochMicros } from '../src/bridge/encode.js';
import { MarketMsg } from '../src/bridge/protocol.js';

function at(iso: string, micros: number): Date {
  const date = new Date(iso);
  date.μs = micros;
  return date;
}

const ts = at('2024-08-08T23:55:01.123Z', 456);
const local = at('2024-08-08T23:55:01.200Z', 0);

test('epochMicros keeps the microseconds tardis-dev stores beside the Date', () => {
  assert.equal(epochMicros(ts), Date.parse('2024-08-08T23:55:01.123Z') * 1000 + 456);
});

test('every kind of message encodes to a valid protocol message', () => {
  const trade: Trade = { type: 'trade', symbol: 'BTCUSDT', exchange: 'binance', id: '1', price: 61234.5, amount: 0.01, side: 'sell', timestamp: ts, localTimestamp: local };
  const book: BookSnapshot = {
    type: 'book_snapshot', symbol: 'BTCUSDT', exchange: 'binance', name: 'book_snapshot_5_0ms', depth: 5, interval: 0,
    bids: [{ price: 1, amount: 2 }, undefined as never], asks: [{ price: 1.5, amount: 3 }], timestamp: ts, localTimestamp: local
  };
  const ticker: DerivativeTicker = {
    type: 'derivative_ticker', symbol: 'BTCUSDT', exchange: 'binance-futures', lastPrice: undefined, openInterest: 10, fundingRate: 0.0001,
    fundingTimestamp: undefined, predictedFundingRate: undefined, indexPrice: 100, markPrice: NaN, timestamp: ts, localTimestamp: local
  };
  const liquidation: Liquidation = { type: 'liquidation', symbol: 'BTCUSDT', exchange: 'binance-futures', id: undefined, price: 2, amount: 3, side: 'buy', timestamp: ts, localTimestamp: local };
  const disconnect: Disconnect = { type: 'disconnect', exchange: 'binance', localTimestamp: local, symbols: undefined };

  const decoded = [trade, book, ticker, liquidation, disconnect].map((m) => MarketMsg.parse(JSON.parse(encodeMessage(m))));
  assert.deepEqual(decoded[0], { type: 'trade', symbol: 'BTCUSDT', price: 61234.5, amount: 0.01, side: 'sell', ts: epochMicros(ts), lts: epochMicros(local) });
  assert.deepEqual(decoded[1], { type: 'book_snapshot', symbol: 'BTCUSDT', name: 'book_snapshot_5_0ms', depth: 5, bids: [[1, 2]], asks: [[1.5, 3]], ts: epochMicros(ts), lts: epochMicros(local) });
  assert.deepEqual(decoded[2], {
    type: 'derivative_ticker', symbol: 'BTCUSDT', last_price: null, open_interest: 10, funding_rate: 0.0001, index_price: 100, mark_price: null, ts: epochMicros(ts), lts: epochMicros(local)
  });
  assert.deepEqual(decoded[3], { type: 'liquidation', symbol: 'BTCUSDT', price: 2, amount: 3, side: 'buy', ts: epochMicros(ts), lts: epochMicros(local) });
  assert.deepEqual(decoded[4], { type: 'disconnect', ts: epochMicros(local) });
});
