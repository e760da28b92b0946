/**
 * The selected stream's pipeline health in one line (docs/events.md, "health"): playback, lag
 * p50/p99, bridge window fill, backpressure pauses, reconnects, gaps, late and skipped messages,
 * messages/s; the warning, when there is one, first and in the warning tone.
 */
import { Text } from 'ink';
import { memo } from 'react';
import type { StreamInfo } from '../../core/index.js';
import { compact } from '../format.js';
import { useTone, type Segment } from '../theme.js';

const WARNINGS = { stalled: 'STALLED', lagging: 'LAGGING', backpressure: 'BACKPRESSURE', reconnecting: 'RECONNECTING' } as const;

function ms(value: number | null): string {
  if (value === null) return '—';
  return Math.abs(value) >= 1000 ? `${(value / 1000).toFixed(1)}s` : `${Math.round(value)}ms`;
}

/** The line as text runs (pure: tested without Ink). */
export function healthSegments(stream: StreamInfo | undefined): Segment[] {
  if (!stream) return [{ text: 'health —', tone: 'muted' }];
  const h = stream.health;
  const segments: Segment[] = [];
  if (h.warning) segments.push({ text: ` ${WARNINGS[h.warning]} `, tone: h.warning === 'stalled' ? 'error' : 'warn', inverse: true, bold: true }, { text: ' ' });
  if (stream.playback) {
    const { paused, stepping, speed } = stream.playback;
    const state = stepping ? '▸| step' : paused ? '❚❚ paused' : '▶';
    segments.push({ text: `${state} ${speed === 'max' ? 'max' : `${speed}×`}`, tone: paused ? 'warn' : 'accent', bold: true }, { text: ' │ ', tone: 'muted' });
  }
  const lagTone = h.warning === 'lagging' ? 'warn' : undefined;
  const fillTone = h.warning === 'backpressure' ? 'warn' : undefined;
  const pairs: [string, string, Segment['tone']?][] = [
    ['lag p50 ', ms(h.lagP50Ms), lagTone],
    [' p99 ', ms(h.lagP99Ms), lagTone],
    [' │ window ', `${Math.round(h.windowFill * 100)}%`, fillTone],
    [' bp ', compact(h.backpressurePauses)],
    [' │ reconn ', compact(h.reconnects), h.reconnects > 0 ? 'warn' : undefined],
    [' gaps ', compact(h.gaps), h.gaps > 0 ? 'warn' : undefined],
    [' late ', h.late === null ? '—' : compact(h.late), (h.late ?? 0) > 0 ? 'warn' : undefined],
    [' skip ', compact(h.skipped), h.skipped > 0 ? 'warn' : undefined],
    [' │ ', `${compact(h.messagesPerSecond)} msg/s`]
  ];
  for (const [label, value, tone] of pairs) segments.push({ text: label, tone: 'muted' }, { text: value, ...(tone && { tone }) });
  return segments;
}

export const HealthLine = memo(function HealthLine({ stream }: { readonly stream: StreamInfo | undefined }) {
  const tone = useTone();
  return (
    <Text wrap="truncate">
      {healthSegments(stream).map((segment, index) => (
        <Text key={index} color={tone(segment.tone)} bold={segment.bold ?? false} inverse={segment.inverse ?? false}>
          {segment.text}
        </Text>
      ))}
    </Text>
  );
});
