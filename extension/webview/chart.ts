/** The candlestick chart (lightweight-charts) with a volume histogram; the open bar updates in place. */
import { CandlestickSeries, createChart, CrosshairMode, HistogramSeries, type IChartApi, type ISeriesApi, type UTCTimestamp } from 'lightweight-charts';
import type { Bar } from '../shared/messages.js';
import { readTheme, type ChartTheme } from './theme.js';

export class CandleChart {
  private readonly chart: IChartApi;
  private readonly candles: ISeriesApi<'Candlestick'>;
  private readonly volume: ISeriesApi<'Histogram'>;
  private count = 0;
  private lastTime = -Infinity;
  private theme: ChartTheme = readTheme();

  constructor(private readonly container: HTMLElement) {
    this.chart = createChart(container, {
      autoSize: true,
      layout: { attributionLogo: false },
      timeScale: { timeVisible: true, secondsVisible: true, rightOffset: 6, barSpacing: 10 },
      rightPriceScale: { scaleMargins: { top: 0.08, bottom: 0.25 } },
      crosshair: { mode: CrosshairMode.Normal }
    });
    this.candles = this.chart.addSeries(CandlestickSeries, {});
    this.volume = this.chart.addSeries(HistogramSeries, { priceScaleId: 'volume', priceFormat: { type: 'volume' }, lastValueVisible: false, priceLineVisible: false });
    this.chart.priceScale('volume').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    this.applyTheme();
  }

  applyTheme(): void {
    const t = (this.theme = readTheme());
    this.chart.applyOptions({
      layout: { background: { color: t.background }, textColor: t.text, fontFamily: t.fontFamily, fontSize: t.fontSize },
      grid: { vertLines: { color: t.grid }, horzLines: { color: t.grid } },
      rightPriceScale: { borderColor: t.border },
      timeScale: { borderColor: t.border }
    });
    this.candles.applyOptions({ upColor: t.up, downColor: t.down, borderUpColor: t.up, borderDownColor: t.down, wickUpColor: t.up, wickDownColor: t.down });
  }

  /** Replaces all bars (a new stream or timeframe). */
  setBars(bars: readonly Bar[]): void {
    this.candles.setData(bars.map((bar) => ({ time: bar.time as UTCTimestamp, open: bar.open, high: bar.high, low: bar.low, close: bar.close })));
    this.volume.setData(bars.map((bar) => this.volumePoint(bar)));
    this.count = bars.length;
    this.lastTime = bars[bars.length - 1]?.time ?? -Infinity;
    this.publishCount();
    if (bars.length > 0) this.chart.timeScale().scrollToRealTime();
  }

  /** Adds a bar or updates the open one; bars older than the last are ignored (the chart cannot insert). */
  update(bar: Bar): void {
    if (bar.time < this.lastTime) return;
    if (bar.time > this.lastTime) this.count++;
    this.lastTime = bar.time;
    const time = bar.time as UTCTimestamp;
    this.candles.update({ time, open: bar.open, high: bar.high, low: bar.low, close: bar.close });
    this.volume.update(this.volumePoint(bar));
    this.publishCount();
  }

  private volumePoint(bar: Bar) {
    const color = bar.close >= bar.open ? this.theme.up : this.theme.down;
    return { time: bar.time as UTCTimestamp, value: bar.volume, color: translucent(color) };
  }

  /** The number of bars drawn, for tests and screen readers. */
  private publishCount(): void {
    this.container.dataset.candles = String(this.count);
    this.container.setAttribute('aria-label', `Candlestick chart, ${this.count} candles`);
  }
}

/** `#rrggbb` at ~45 % opacity; other colour forms as they are. */
function translucent(color: string): string {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color);
  if (!hex) return color;
  const full = hex[1]!.length === 3 ? Array.from(hex[1]!).map((c) => c + c).join('') : hex[1]!;
  return `#${full}73`;
}
