/** The add-stream form: text fields edited in place, the source chosen with ←/→ or space. */
import { FORM_FIELDS, SOURCE_CHOICES, type AddForm, type FormField, type TextKey } from './types.js';

export function applyFormText(form: AddForm, text: string): AddForm {
  if (form.field === 'source') {
    return text === ' ' ? cycleSource(form, 1) : form;
  }
  const printable = text.replace(/[\r\n\t]/g, '');
  if (printable === '') return form;
  return { ...form, error: null, values: { ...form.values, [form.field]: form.values[form.field] + printable } };
}

export function applyFormKey(form: AddForm, key: TextKey): AddForm {
  switch (key) {
    case 'backspace':
      if (form.field === 'source') return form;
      return { ...form, error: null, values: { ...form.values, [form.field]: form.values[form.field].slice(0, -1) } };
    case 'next':
    case 'prev':
      return { ...form, field: moveField(form.field, key === 'next' ? 1 : -1) };
    case 'left':
    case 'right':
      return form.field === 'source' ? cycleSource(form, key === 'right' ? 1 : -1) : form;
    default:
      return form;
  }
}

function moveField(field: FormField, step: number): FormField {
  const index = (FORM_FIELDS.indexOf(field) + step + FORM_FIELDS.length) % FORM_FIELDS.length;
  return FORM_FIELDS[index] as FormField;
}

function cycleSource(form: AddForm, step: number): AddForm {
  const index = (SOURCE_CHOICES.indexOf(form.values.source) + step + SOURCE_CHOICES.length) % SOURCE_CHOICES.length;
  return { ...form, error: null, values: { ...form.values, source: SOURCE_CHOICES[index] ?? 'live' } };
}
