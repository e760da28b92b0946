/** The add-stream form: text fields edited in place, the source chosen with ←/→ or space. */
import { FORM_FIELDS, SOURCE_CHOICES, type AddForm, type FormField, type SourceChoice, type TextKey } from './types.js';

/** The fields a source asks for: replay a range and a speed, file a path and a speed. */
export function formFields(source: SourceChoice): FormField[] {
  const extra: FormField[] = source === 'replay' ? ['from', 'to', 'speed'] : source === 'file' ? ['file', 'speed'] : [];
  return FORM_FIELDS.filter((field) => FORM_FIELDS.indexOf(field) <= FORM_FIELDS.indexOf('source') || extra.includes(field));
}

export function applyFormText(form: AddForm, text: string): AddForm {
  if (form.field === 'source') {
    return text === ' ' ? cycleSource(form, 1) : form;
  }
  const printable = text.replace(/[\r\n\t]/g, '');
  if (printable === '') return form;
  return edited(form, form.values[form.field] + printable);
}

/** The field's new text; its inline error goes (it is checked again at start). */
function edited(form: AddForm, value: string): AddForm {
  if (form.field === 'source') return form;
  const { [form.field]: _gone, ...fieldErrors } = form.fieldErrors ?? {};
  return { ...form, error: null, fieldErrors, values: { ...form.values, [form.field]: value } };
}

export function setFormField(form: AddForm, field: Exclude<FormField, 'source'>, value: string): AddForm {
  return edited({ ...form, field }, value);
}

export function applyFormKey(form: AddForm, key: TextKey): AddForm {
  switch (key) {
    case 'backspace':
      if (form.field === 'source') return form;
      return edited(form, form.values[form.field].slice(0, -1));
    case 'clear':
      return edited(form, '');
    case 'next':
    case 'prev':
      return { ...form, field: moveField(form.field, key === 'next' ? 1 : -1, formFields(form.values.source)) };
    case 'left':
    case 'right':
      return form.field === 'source' ? cycleSource(form, key === 'right' ? 1 : -1) : form;
    default:
      return form;
  }
}

function moveField(field: FormField, step: number, fields: FormField[]): FormField {
  const index = (fields.indexOf(field) + step + fields.length) % fields.length;
  return fields[index] as FormField;
}

function cycleSource(form: AddForm, step: number): AddForm {
  const index = (SOURCE_CHOICES.indexOf(form.values.source) + step + SOURCE_CHOICES.length) % SOURCE_CHOICES.length;
  return { ...form, error: null, fieldErrors: {}, values: { ...form.values, source: SOURCE_CHOICES[index] ?? 'live' } };
}
