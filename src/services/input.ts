/**
 * The shape of a call's input: an object that holds only the fields the call knows, at every
 * depth (nested objects and the objects in lists included). A misspelt option or an extra field
 * is a VALIDATION error naming it (`links[2].href`), never silently dropped. Field values are
 * checked by the rules of src/formats.ts; this module only knows which fields exist.
 */
import { ValidationError } from '../errors.js';
import { describeValue } from '../formats.js';

/**
 * Which fields an input may hold: `true` for a value field, a nested shape for an object field,
 * `[shape]` for a list of objects of that shape.
 */
export type InputShape = { readonly [field: string]: FieldShape };
export type FieldShape = true | InputShape | readonly [InputShape];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function assertObject(value: unknown, field: string): asserts value is Record<string, unknown> {
  if (!isPlainObject(value)) throw new ValidationError(`${field} must be an object; got ${describeValue(value)}`, { field });
}

function rejectUnknown(value: Record<string, unknown>, shape: InputShape, path: string, call: string): void {
  const allowed = Object.keys(shape);
  for (const key of Object.keys(value)) {
    const field = path ? `${path}.${key}` : key;
    if (!Object.hasOwn(shape, key)) {
      throw new ValidationError(`${call}: unknown field ${field}; allowed${path ? ` in ${path}` : ''}: ${allowed.join(', ')}`, { field });
    }
    const inner = shape[key]!;
    const child = value[key];
    if (inner === true) continue;
    // Values of the wrong type are left to the field's own check, which names the rule.
    if (Array.isArray(inner)) {
      if (Array.isArray(child)) child.forEach((item, i) => isPlainObject(item) && rejectUnknown(item, inner[0] as InputShape, `${field}[${i}]`, call));
    } else if (isPlainObject(child)) {
      rejectUnknown(child, inner as InputShape, field, call);
    }
  }
}

/**
 * Asserts that `input` is an object holding only fields of `shape`, at every depth. `call`
 * names the method in the message (e.g. "tasks.create"); `field` names a nested part checked
 * on its own (e.g. "template.tasks[2]"), default: the whole input.
 */
export function checkInput(input: unknown, shape: InputShape, call: string, field?: string): asserts input is Record<string, unknown> {
  assertObject(input, field ?? 'input');
  rejectUnknown(input, shape, field ?? '', call);
}
