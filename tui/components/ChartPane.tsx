/** The candle chart of the selected stream and timeframe; the open bar (last) updates live. */
import type { Candle, StreamStatus } from '../../core/index.js';
import { timeframeSeconds } from '../../core/index.js';
import { renderChart } from '../chart/candles.js';
import { decimalsOf, price as formatPrice } from '../format.js';
import { useTheme } from '../theme.js';
import { Line } from './Line.js';
import { Panel } from './Panel.js';

export interface ChartPaneProps {
  readonly streamId: string | undefined;
  readonly timeframe: string | undefined;
  readonly timeframes: readonly string[];
  readonly candles: readonly Candle[];
  /** The stream's status and its reason: shown on an empty chart when it is not simply waiting. */
  readonly status?: { readonly status: StreamStatus; readonly detail: string } | undefined;
  readonly focused: boolean;
  readonly width: number;
  readonly height: number;
}

const WAITING: readonly StreamStatus[] = ['starting', 'running'];

export function ChartPane({ streamId, timeframe, timeframes, candles, status, focused, width, height }: ChartPaneProps) {
  const theme = useTheme();
  const last = candles[candles.length - 1];
  const tabs = timeframes.map((tf) => (tf === timeframe ? `[${tf}]` : tf)).join(' ');
  const title = streamId ? `${streamId} · ${timeframe ?? '—'}` : 'Chart';
  const state = last ? (last.closed ? 'closed' : last.final ? 'final' : '·open') : '';
  // Prices and the volume at the instrument's precision, as the recent bars show it.
  const recent = candles.slice(-50);
  const priceDecimals = decimalsOf(recent.flatMap((c) => [c.open, c.high, c.low, c.close]));
  const price = (value: number) => formatPrice(value, priceDecimals);
  const volume = last ? formatPrice(last.volume, decimalsOf(recent.map((c) => c.volume))).replace(/,/g, '') : '';
  // The last bar's figures, as many as fit: the close first to go last.
  const ohlc = last
    ? ([
        `O ${price(last.open)}  H ${price(last.high)}  L ${price(last.low)}  C ${price(last.close)}  V ${volume}  ${state}`,
        `O ${price(last.open)}  H ${price(last.high)}  L ${price(last.low)}  C ${price(last.close)} ${state}`,
        `H ${price(last.high)}  L ${price(last.low)}  C ${price(last.close)} ${state}`,
        `C ${price(last.close)} ${state}`
      ].find((text) => text.length < width - 3) ?? `C ${price(last.close)}`)
    : 'no bar yet';
  const lines = renderChart(candles, {
    width: width - 2,
    height: height - 3,
    color: theme.color,
    timeframeSeconds: timeframe ? timeframeSeconds(timeframe) : 60,
    ...(status && !WAITING.includes(status.status) && {
      emptyMessage: { text: `${status.status}: ${status.detail}`, tone: status.status === 'failed' ? ('error' as const) : ('warn' as const) }
    })
  });
  return (
    <Panel title={title} info={tabs} width={width} height={height} focused={focused}>
      {lines.map((segments, index) => (
        <Line key={index} segments={segments} />
      ))}
      <Line segments={[{ text: ` ${ohlc}`, tone: last && !last.closed ? undefined : 'muted' }]} />
    </Panel>
  );
}
