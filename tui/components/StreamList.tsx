/** The streams pane: two lines per stream (id and status; rate and last price), the selected one marked. */
import { Box, Text } from 'ink';
import { memo } from 'react';
import { isActive, type StreamInfo, type StreamStatus } from '../../core/index.js';
import { compact, padEnd, price } from '../format.js';
import { STREAM_LINES } from '../layout.js';
import { useTone, type Tone } from '../theme.js';
import { Panel } from './Panel.js';

export interface StreamListProps {
  readonly streams: readonly StreamInfo[];
  readonly selectedId: string | undefined;
  readonly focused: boolean;
  readonly width: number;
  readonly height: number;
}

/** The colour of each status (its name is the text). */
const STATUS_TONE: Record<StreamStatus, Tone> = {
  starting: 'warn',
  running: 'ok',
  reconnecting: 'warn',
  stalled: 'warn',
  finished: 'muted',
  stopped: 'muted',
  failed: 'error'
};

export const StreamList = memo(function StreamList({ streams, selectedId, focused, width, height }: StreamListProps) {
  const tone = useTone();
  const inner = width - 2;
  const capacity = Math.max(1, Math.floor((height - 2) / STREAM_LINES));
  const selectedIndex = Math.max(0, streams.findIndex((stream) => stream.runId === selectedId));
  const first = Math.max(0, Math.min(selectedIndex - capacity + 1, streams.length - capacity));
  const shown = streams.slice(first, first + capacity);
  const active = streams.filter((stream) => isActive(stream.status)).length;
  return (
    <Panel title="Streams" info={`${active}/${streams.length}`} width={width} height={height} focused={focused}>
      {streams.length === 0 && <Text color={tone('muted')}> starting…</Text>}
      {shown.map((stream) => {
        const selected = stream.runId === selectedId;
        const statusTone = STATUS_TONE[stream.status];
        const statusText = stream.status;
        return (
          <Box key={stream.runId} flexDirection="column">
            <Text wrap="truncate" inverse={selected && focused} bold={selected}>
              <Text color={selected ? tone('accent') : undefined}>{selected ? '▸ ' : '  '}</Text>
              {padEnd(stream.id, Math.max(4, inner - 2 - statusText.length - 3))}
              <Text color={tone(statusTone)}> ● {statusText}</Text>
            </Text>
            <Text wrap="truncate" color={tone(stream.status === 'running' ? 'muted' : statusTone)}>
              {'    '}
              {padEnd(stream.status === 'running' ? `${compact(stream.messagesPerSecond)} msg/s` : stream.detail, Math.max(0, inner - 4 - 14))}
              <Text bold color={selected ? undefined : tone('muted')}>
                {price(stream.lastPrice).padStart(14)}
              </Text>
            </Text>
          </Box>
        );
      })}
    </Panel>
  );
});
