/** `a`: the add-stream form: exchange, symbol, data types, source, and per source its range (replay), file (file) and speed; inline errors under their fields. */
import { Text } from 'ink';
import { formFields } from '../state/form.js';
import { SOURCE_CHOICES, type AddForm, type FormField } from '../state/types.js';
import { useTone } from '../theme.js';
import { Panel } from './Panel.js';

const LABELS: Record<FormField, string> = {
  exchange: 'exchange',
  symbol: 'symbol',
  dataTypes: 'data types',
  source: 'source',
  from: 'from (UTC)',
  to: 'to (UTC)',
  file: 'file',
  speed: 'speed'
};
const PLACEHOLDERS: Partial<Record<FormField, string>> = {
  from: '2024-08-01',
  to: '2024-08-01T01:00:00Z (exclusive)',
  file: 'path of a capture or Tardis CSV (Tab completes)',
  speed: '1, 10, 100 or max'
};

export function AddStreamForm({ form, width, height }: { readonly form: AddForm; readonly width: number; readonly height: number }) {
  const tone = useTone();
  return (
    <Panel title="Add stream" info="Enter start · Esc cancel" width={width} height={height} focused>
      {formFields(form.values.source).flatMap((field) => {
        const active = field === form.field;
        const problem = form.fieldErrors?.[field];
        const line = (
          <Text key={field} wrap="truncate">
            <Text color={problem ? tone('error') : active ? tone('accent') : tone('muted')} bold={active}>
              {`${active ? '▸' : ' '} ${LABELS[field].padEnd(11)}`}
            </Text>
            {field === 'source' ? (
              SOURCE_CHOICES.map((choice) => (
                <Text key={choice} inverse={choice === form.values.source} bold={choice === form.values.source}>
                  {` ${choice} `}
                </Text>
              ))
            ) : form.values[field] === '' && !active && PLACEHOLDERS[field] ? (
              <Text color={tone('muted')}>{PLACEHOLDERS[field]}</Text>
            ) : (
              <Text underline={active}>
                {tail(form.values[field], width - 17)}
                {active ? '▏' : ''}
              </Text>
            )}
          </Text>
        );
        return problem
          ? [
              line,
              <Text key={`${field}-error`} color={tone('error')} wrap="truncate">
                {`   ✗ ${problem}`}
              </Text>
            ]
          : [line];
      })}
      <Text> </Text>
      <Text color={tone('muted')} wrap="truncate">
        {' Tab/↑↓ next field · ←/→ or space: source · Ctrl-U clears · timeframes as the first stream'}
      </Text>
      {form.error && (
        <Text color={tone('error')} wrap="wrap">
          {` ✗ ${form.error}`}
        </Text>
      )}
    </Panel>
  );
}

/** A long value shows its end (where the cursor is), like a shell line. */
function tail(text: string, room: number): string {
  return text.length <= room || room < 2 ? text : `…${text.slice(text.length - room + 1)}`;
}
