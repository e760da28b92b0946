/** Messages per second from a monotonically growing counter, sampled by the caller. */
export class RateMeter {
  private lastCount = 0;
  private lastTime = performance.now();
  rate = 0;

  sample(count: number, now = performance.now()): number {
    const seconds = (now - this.lastTime) / 1000;
    if (seconds > 0) this.rate = (count - this.lastCount) / seconds;
    this.lastCount = count;
    this.lastTime = now;
    return this.rate;
  }
}
