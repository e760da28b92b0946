/** Engine, processor and monitor logs: newest at the bottom, level and text filter, scrollable. */
import { Text } from 'ink';
import { memo } from 'react';
import type { LogLevel } from '../../core/index.js';
import { clock } from '../format.js';
import type { LogFilter, LogLine } from '../state/types.js';
import { useTone, type Tone } from '../theme.js';
import { Panel } from './Panel.js';

export interface LogsPaneProps {
  /** Already filtered. */
  readonly lines: readonly LogLine[];
  readonly filter: LogFilter;
  /** Lines scrolled up from the newest. */
  readonly scroll: number;
  readonly focused: boolean;
  readonly width: number;
  readonly height: number;
}

const LEVEL: Record<LogLevel, { text: string; tone: Tone }> = {
  debug: { text: 'DBG', tone: 'muted' },
  info: { text: 'INF', tone: 'accent' },
  warning: { text: 'WRN', tone: 'warn' },
  error: { text: 'ERR', tone: 'error' }
};

export const LogsPane = memo(function LogsPane({ lines, filter, scroll, focused, width, height }: LogsPaneProps) {
  const tone = useTone();
  const rows = Math.max(1, height - 2);
  const offset = Math.max(0, Math.min(scroll, lines.length - rows));
  const end = lines.length - offset;
  const shown = lines.slice(Math.max(0, end - rows), end);
  const parts = [`≥${filter.level}`];
  if (filter.text || filter.editing) parts.push(`/${filter.text}${filter.editing ? '▏' : ''}`);
  if (offset > 0) parts.push(`↑${offset}`);
  parts.push(`${lines.length} lines`);
  return (
    <Panel title="Logs" info={parts.join(' · ')} width={width} height={height} focused={focused}>
      {shown.length === 0 && <Text color={tone('muted')}> {filter.text ? `no log line matches "${filter.text}"` : 'no logs yet'}</Text>}
      {shown.map((line) => {
        const level = LEVEL[line.level];
        return (
          <Text key={line.id} wrap="truncate">
            <Text color={tone('muted')}>{clock(line.time)} </Text>
            <Text color={tone(level.tone)} bold={line.level === 'error' || line.level === 'warning'}>
              {level.text}
            </Text>
            <Text color={tone('muted')}> {line.origin.padEnd(9)} </Text>
            <Text color={line.level === 'error' ? tone('error') : undefined}>{line.message.replace(/\s+/g, ' ')}</Text>
          </Text>
        );
      })}
    </Panel>
  );
});
