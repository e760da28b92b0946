/** A bordered pane with its title in the top border; focused panes get a heavy, coloured border. */
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { truncate } from '../format.js';
import { useTone } from '../theme.js';

export interface PanelProps {
  readonly title: string;
  /** Text at the right end of the top border. */
  readonly info?: string;
  readonly width: number;
  readonly height: number;
  readonly focused?: boolean;
  readonly children?: ReactNode;
}

export function Panel({ title, info, width, height, focused = false, children }: PanelProps) {
  const tone = useTone();
  const border = focused ? tone('accent') : tone('muted');
  const [left, line, right] = focused ? ['┏━', '━', '━┓'] : ['╭─', '─', '─╮'];
  const room = Math.max(0, width - 4);
  const titleText = truncate(` ${title} `, room);
  const infoText = info ? truncate(` ${info} `, Math.max(0, room - titleText.length - 1)) : '';
  const fill = Math.max(0, room - titleText.length - infoText.length);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text wrap="truncate">
        <Text color={border}>{left}</Text>
        <Text bold color={focused ? tone('accent') : undefined}>
          {titleText}
        </Text>
        <Text color={border}>{line.repeat(fill)}</Text>
        <Text color={tone('muted')}>{infoText}</Text>
        <Text color={border}>{right}</Text>
      </Text>
      {/* Keyed by focus: Ink applies only changed style props, and a new borderStyle alone would
          bring back the top border that borderTop={false} removed. */}
      <Box
        key={focused ? 'focused' : 'plain'}
        flexDirection="column"
        borderStyle={focused ? 'bold' : 'round'}
        borderTop={false}
        borderColor={border}
        width={width}
        height={height - 1}
        paddingX={0}
      >
        {children}
      </Box>
    </Box>
  );
}
