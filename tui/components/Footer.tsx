/** The bottom line: the filter prompt or key hints from the keymap, and the last command's outcome. */
import { Text } from 'ink';
import { KEYMAP } from '../keymap.js';
import { truncate } from '../format.js';
import { useTone } from '../theme.js';

export interface FooterProps {
  readonly flash: string | null;
  readonly filterEditing: boolean;
  readonly filterText: string;
  readonly width: number;
}

// Help and quit first: they must fit however narrow the terminal is.
const FIRST = new Set(['toggleHelp', 'quit']);
const HINTS = [...KEYMAP.filter((binding) => FIRST.has(binding.command)), ...KEYMAP.filter((binding) => !FIRST.has(binding.command))]
  .filter((binding) => binding.hint)
  .map((binding) => binding.hint as string);

export function Footer({ flash, filterEditing, filterText, width }: FooterProps) {
  const tone = useTone();
  if (filterEditing) {
    return (
      <Text wrap="truncate">
        <Text bold color={tone('accent')}>
          {' filter logs /'}
        </Text>
        <Text>{filterText}▏</Text>
        <Text color={tone('muted')}> Enter keep · Esc clear</Text>
      </Text>
    );
  }
  const flashText = flash ? ` ${truncate(flash, Math.max(10, Math.floor(width / 2)))} ` : '';
  const hints: string[] = [];
  let used = flashText.length + 1;
  for (const hint of HINTS) {
    if (used + hint.length + 2 > width) break;
    hints.push(hint);
    used += hint.length + 2;
  }
  return (
    <Text wrap="truncate">
      {hints.map((hint) => {
        const [key, ...rest] = hint.split(' ');
        return (
          <Text key={hint}>
            <Text bold color={tone('accent')}>{` ${key}`}</Text>
            <Text color={tone('muted')}>{` ${rest.join(' ')} `}</Text>
          </Text>
        );
      })}
      {flashText && (
        <Text inverse bold={flash?.startsWith('error:') ?? false} color={flash?.startsWith('error:') ? tone('error') : undefined}>
          {flashText}
        </Text>
      )}
    </Text>
  );
}
