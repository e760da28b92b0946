import type { DemoExchange } from './index.js';

/**
 * Closes the demo exchange once nothing of tardis-dev talks to it any more. Its open-interest
 * poller (derivative tickers) only stops after a poll is answered once the stream has ended, so
 * with it the exchange answers two more polls (≤ 6 s, in the background) before it closes;
 * closing at once leaves the poller retrying forever and the process alive.
 */
export async function retireDemo(demo: DemoExchange, polled: boolean): Promise<void> {
  const target = demo.requestCount('openInterest') + 2;
  const deadline = Date.now() + 7_000;
  while (polled && demo.requestCount('openInterest') < target && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await demo.close();
}
