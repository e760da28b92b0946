/** One line of tone segments (chart rows, log lines), cut at the pane's edge. */
import { Text } from 'ink';
import type { Segment } from '../theme.js';
import { useTone } from '../theme.js';

export function Line({ segments }: { readonly segments: readonly Segment[] }) {
  const tone = useTone();
  return (
    <Text wrap="truncate">
      {segments.map((segment, index) => (
        <Text key={index} color={tone(segment.tone)} bold={segment.bold ?? false} inverse={segment.inverse ?? false}>
          {segment.text}
        </Text>
      ))}
    </Text>
  );
}
