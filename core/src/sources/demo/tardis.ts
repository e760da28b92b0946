/**
 * Points tardis-dev's real Binance live feeds at a local exchange by registering subclasses
 * whose WebSocket and REST base URLs are local. Note: a `WSS_URL_BINANCE` /
 * `WSS_URL_BINANCE_FUTURES` environment variable still takes precedence inside tardis-dev.
 */
import { getRealTimeFeedFactory, setRealTimeFeedFactory } from 'tardis-dev';
import { BinanceFuturesRealTimeFeed, BinanceRealTimeFeed } from 'tardis-dev/dist/realtimefeeds/binance.js';

/** Base URLs of a demo exchange listening on `host:port`. */
export function demoUrls(port: number, host = '127.0.0.1') {
  return {
    spotWs: `ws://${host}:${port}/spot/stream?timeUnit=microsecond`,
    spotHttp: `http://${host}:${port}/api/v1`,
    futuresWs: `ws://${host}:${port}/futures/stream`,
    futuresHttp: `http://${host}:${port}/fapi/v1`,
  };
}

/**
 * Routes tardis-dev's `binance` and `binance-futures` live feeds to `port` (on `host`); returns the
 * undo. This changes tardis-dev's module-wide feed classes: the engine calls it only inside a
 * stream's own worker thread (docs/architecture.md), where no other stream can see it.
 */
export function routeTardisTo(port: number, host = '127.0.0.1'): () => void {
  const saved = { binance: getRealTimeFeedFactory('binance'), futures: getRealTimeFeedFactory('binance-futures') };
  const urls = demoUrls(port, host);

  class DemoSpotFeed extends BinanceRealTimeFeed {
    protected override wssURL = urls.spotWs;
    protected override httpURL = urls.spotHttp;
  }
  class DemoFuturesFeed extends BinanceFuturesRealTimeFeed {
    protected override wssURL = urls.futuresWs;
    protected override httpURL = urls.futuresHttp;
  }

  setRealTimeFeedFactory('binance', DemoSpotFeed);
  setRealTimeFeedFactory('binance-futures', DemoFuturesFeed);
  return () => {
    setRealTimeFeedFactory('binance', saved.binance);
    setRealTimeFeedFactory('binance-futures', saved.futures);
  };
}
