/** Latest value of every feature with a sparkline of recent closed bars; scrolls when it does not fit. */
import { Box, Text } from 'ink';
import { memo } from 'react';
import { FEATURE_NAMES, featureDocs, type Candle, type FeatureName } from '../../core/index.js';
import { sparkline } from '../chart/sparkline.js';
import { fitNumber, padEnd, truncate } from '../format.js';
import { useTone, type Tone } from '../theme.js';
import { Panel } from './Panel.js';

export const FEATURE_LABELS: Record<FeatureName, string> = {
  spread_bps: 'spread bps',
  mid: 'mid',
  weighted_mid: 'weighted mid',
  obi_5: 'OBI 5',
  ofi: 'OFI',
  realized_vol: 'realized vol',
  signed_volume: 'signed vol',
  trade_imbalance: 'trade imbal',
  trade_intensity: 'trades/s',
  funding_rate: 'funding',
  mark_price: 'mark',
  index_price: 'index',
  open_interest: 'open int',
  basis_bps: 'basis bps',
  open_interest_change: 'OI change',
  liq_buy_notional: 'liq buy',
  liq_sell_notional: 'liq sell',
  liq_imbalance: 'liq imbal'
};

/** Features whose sign means something (buying vs selling pressure). */
const SIGNED = new Set<FeatureName>(['obi_5', 'ofi', 'signed_volume', 'trade_imbalance', 'basis_bps', 'open_interest_change', 'liq_imbalance']);

export interface FeaturesPaneProps {
  readonly candles: readonly Candle[];
  readonly scroll: number;
  readonly focused: boolean;
  readonly width: number;
  readonly height: number;
}

export const FeaturesPane = memo(function FeaturesPane({ candles, scroll, focused, width, height }: FeaturesPaneProps) {
  const tone = useTone();
  const inner = width - 2;
  // focused: the last line defines the first feature shown (unit and formula, from docs/features.md)
  const detail = focused && height - 2 >= 6;
  const rows = Math.max(1, height - 2 - (detail ? 2 : 0));
  const latest = candles[candles.length - 1];
  const closed = candles.filter((candle) => candle.closed);
  const first = Math.max(0, Math.min(scroll, FEATURE_NAMES.length - rows));
  const shown = FEATURE_NAMES.slice(first, first + rows);
  const labelWidth = 12;
  const valueWidth = 9;
  const sparkWidth = Math.max(0, inner - labelWidth - valueWidth - 3);
  const more = FEATURE_NAMES.length - first - shown.length;
  const info = more > 0 || first > 0 ? `${first + 1}–${first + shown.length}/${FEATURE_NAMES.length}` : `${closed.length} bar${closed.length === 1 ? "" : "s"}`;
  return (
    <Panel title="Features" info={info} width={width} height={height} focused={focused}>
      {shown.map((name) => {
        const value = latest?.features[name] ?? null;
        const valueTone: Tone | undefined = value === null ? 'muted' : SIGNED.has(name) && value !== 0 ? (value > 0 ? 'up' : 'down') : undefined;
        const history = closed.map((candle) => candle.features[name] ?? null);
        return (
          <Text key={name} wrap="truncate">
            <Text color={tone('muted')}>{padEnd(FEATURE_LABELS[name], labelWidth)} </Text>
            <Text color={tone(valueTone)} bold={value !== null}>
              {fitNumber(value, valueWidth).padStart(valueWidth)}
            </Text>
            <Text> </Text>
            <Text color={tone('accent')}>{sparkWidth > 0 ? sparkline(history, sparkWidth) : ''}</Text>
          </Text>
        );
      })}
      {detail && shown[0] && (
        <Box height={2}>
          <Text wrap="wrap" color={tone('accent')}>
            {truncate(definition(shown[0]), 2 * inner)}
          </Text>
        </Box>
      )}
    </Panel>
  );
});

/** `spread_bps: basis points (1 bp = 0.01%) · 10⁴ · (ask1 − bid1) / mid` */
function definition(name: FeatureName): string {
  const doc = featureDocs()[name];
  return doc ? `▲ ${name}: ${doc.unit} · ${doc.formula}` : `▲ ${name}`;
}
