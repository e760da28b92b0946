/** Three header lines: what is streaming from where, the processor link, uptime, rates and totals; the selected stream's health. */
import { Box, Text } from 'ink';
import { memo } from 'react';
import type { EngineStats, LinkStatus, ProcessorStatus, StreamInfo } from '../../core/index.js';
import { compact, uptime } from '../format.js';
import { HealthLine } from './HealthLine.js';
import { useTone, type Tone } from '../theme.js';

export interface HeaderProps {
  readonly stats: EngineStats | null;
  readonly stream: StreamInfo | undefined;
  readonly processor: ProcessorStatus | 'external' | undefined;
  readonly paused: boolean;
  readonly width: number;
}

const BADGES: Record<string, { text: string; tone: Tone }> = {
  live: { text: ' LIVE ', tone: 'ok' },
  demo: { text: ' DEMO EXCHANGE ', tone: 'warn' },
  replay: { text: ' REPLAY ', tone: 'accent' },
  file: { text: ' REPLAY · FILE ', tone: 'accent' }
};

function linkTone(status: LinkStatus | ProcessorStatus | 'external' | undefined): Tone {
  if (status === 'connected' || status === 'running' || status === 'external') return 'ok';
  if (status === 'closed' || status === 'stopped') return 'error';
  return 'warn';
}

export const Header = memo(function Header({ stats, stream, processor, paused, width }: HeaderProps) {
  const tone = useTone();
  const source = stream?.request.source;
  const badge = source ? BADGES[source] : undefined;
  const link = stream?.link;
  const where = stream ? `${stream.request.source} · ${stream.request.exchange}` : 'no stream';
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate">
        <Text bold inverse color={tone('accent')}>
          {' ◆ TICKBRIDGE '}
        </Text>
        <Text> </Text>
        {badge && (
          <Text bold inverse color={tone(badge.tone)}>
            {badge.text}
          </Text>
        )}
        {paused && (
          <Text bold inverse color={tone('warn')}>
            {' PAUSED '}
          </Text>
        )}
        <Text> source </Text>
        <Text bold>{where}</Text>
        <Text color={tone('muted')}> · up </Text>
        <Text>{uptime(stats?.uptimeS ?? 0)}</Text>
      </Text>
      <Text wrap="truncate">
        <Text color={tone('muted')}>proc </Text>
        <Text color={tone(linkTone(processor))}>● </Text>
        <Text>{processor ?? 'starting'}</Text>
        <Text color={tone('muted')}> link </Text>
        <Text color={tone(linkTone(link))}>● </Text>
        <Text>{link ?? '—'}</Text>
        <Text color={tone('muted')}> │ </Text>
        <Text bold>{compact(stats?.messagesPerSecond ?? 0)}</Text>
        <Text color={tone('muted')}> msg/s │ msgs </Text>
        <Text>{compact(stats?.messages ?? 0)}</Text>
        <Text color={tone('muted')}> trades </Text>
        <Text>{compact(stats?.trades ?? 0)}</Text>
        <Text color={tone('muted')}> candles </Text>
        <Text>{compact(stats?.candles ?? 0)}</Text>
      </Text>
      <HealthLine stream={stream} />
    </Box>
  );
});
