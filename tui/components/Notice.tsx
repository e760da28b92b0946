/** A one-line warning under the header (the exchange cannot be reached …). */
import { Text } from 'ink';
import { useTone } from '../theme.js';

export function Notice({ text }: { readonly text: string }) {
  const tone = useTone();
  return (
    <Text wrap="truncate" bold color={tone('warn')}>
      {` ⚠ ${text}`}
    </Text>
  );
}
