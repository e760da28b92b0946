/** `?`: every binding of the keymap, generated from the one table. */
import { Box, Text } from 'ink';
import { KEYMAP } from '../keymap.js';
import { truncate } from '../format.js';
import { useTone } from '../theme.js';
import { Panel } from './Panel.js';

export function HelpPane({ width, height }: { readonly width: number; readonly height: number }) {
  const tone = useTone();
  const rows = height - 4;
  const columns = KEYMAP.length > rows ? 2 : 1;
  const perColumn = Math.ceil(KEYMAP.length / columns);
  const columnWidth = Math.floor((width - 2) / columns);
  return (
    <Panel title="Keys" info="? or Esc closes" width={width} height={height} focused>
      <Box flexDirection="row">
        {Array.from({ length: columns }, (_, column) => (
          <Box key={column} flexDirection="column" width={columnWidth}>
            {KEYMAP.slice(column * perColumn, (column + 1) * perColumn).map((binding) => (
              <Text key={binding.command} wrap="truncate">
                <Text bold color={tone('accent')}>
                  {` ${binding.label.padEnd(6)}`}
                </Text>
                <Text>{truncate(binding.help, columnWidth - 8)}</Text>
              </Text>
            ))}
          </Box>
        ))}
      </Box>
      <Text> </Text>
      <Text color={tone('muted')} wrap="truncate">
        {' Add-stream form: Tab/↑↓ field · ←/→ or space source · Enter start · Esc cancel'}
      </Text>
    </Panel>
  );
}
