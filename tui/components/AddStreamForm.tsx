/** `a`: the add-stream form (exchange, symbol, data types, source). */
import { Text } from 'ink';
import { FORM_FIELDS, SOURCE_CHOICES, type AddForm, type FormField } from '../state/types.js';
import { useTone } from '../theme.js';
import { Panel } from './Panel.js';

const LABELS: Record<FormField, string> = { exchange: 'exchange', symbol: 'symbol', dataTypes: 'data types', source: 'source' };

export function AddStreamForm({ form, width, height }: { readonly form: AddForm; readonly width: number; readonly height: number }) {
  const tone = useTone();
  return (
    <Panel title="Add stream" info="Enter start · Esc cancel" width={width} height={height} focused>
      {FORM_FIELDS.map((field) => {
        const active = field === form.field;
        return (
          <Text key={field} wrap="truncate">
            <Text color={active ? tone('accent') : tone('muted')} bold={active}>
              {`${active ? '▸' : ' '} ${LABELS[field].padEnd(11)}`}
            </Text>
            {field === 'source' ? (
              SOURCE_CHOICES.map((choice) => (
                <Text key={choice} inverse={choice === form.values.source} bold={choice === form.values.source}>
                  {` ${choice} `}
                </Text>
              ))
            ) : (
              <Text underline={active}>
                {form.values[field]}
                {active ? '▏' : ''}
              </Text>
            )}
          </Text>
        );
      })}
      <Text> </Text>
      <Text color={tone('muted')} wrap="truncate">
        {' Tab/↑↓ next field · ←/→ or space: source · timeframes and mode as the first stream'}
      </Text>
      {form.error && (
        <Text color={tone('error')} wrap="wrap">
          {` ${form.error}`}
        </Text>
      )}
    </Panel>
  );
}
