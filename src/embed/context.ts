// Program contexts from and to JavaScript objects by field name, laid out by the platform description's
// field table (the same one the verifier and the hooks read): `{ uint32_data: 7 }` for a sample_ext
// program, `{ process_id: 42, operation: 0 }` for bind. The data pointer fields are not given: the data
// is passed beside the context and the runtime points them at it.

import { writeLittleEndian } from '../btf/encode.ts';
import { contextFields, type ContextField, type ProgramTypeSpec } from '../platform/index.ts';

/** A context field's value: an integer for 1-8 byte fields, bytes for wider ones (IPv6 addresses). */
export type ContextValue = number | bigint | Uint8Array;

/** A bad context: `field` names the field (or is empty for the context as a whole). */
export class ContextError extends Error {
  readonly code = 'INVALID_CONTEXT';
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

const isPointer = (f: ContextField) => f.pointer !== undefined;

/** A program type's number fields (all but the data pointers), worked out once per type (this runs per call). */
const numberFields = new WeakMap<ProgramTypeSpec, readonly ContextField[]>();
function numbersOf(type: ProgramTypeSpec): readonly ContextField[] {
  let numbers = numberFields.get(type);
  if (!numbers) numberFields.set(type, (numbers = type.fields.filter((f) => !isPointer(f))));
  return numbers;
}

/** The context bytes of `type` with `fields` set (by name; others zero). */
export function encodeContext(type: ProgramTypeSpec, fields: Readonly<Record<string, ContextValue>>): Uint8Array {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw new ContextError('', `a ${type.name} context is given by field name ({ ${numbersOf(type)[0]?.name ?? 'field'}: 1 }) or as its ${type.contextSize} bytes, not ${Array.isArray(fields) ? 'an array' : typeof fields}`);
  }
  const bytes = new Uint8Array(type.contextSize);
  const byName = contextFields(type);
  for (const name in fields) {
    const value = fields[name]!;
    const field = byName.get(name);
    if (!field) {
      const names = type.fields.filter((f) => !isPointer(f)).map((f) => f.name);
      throw new ContextError(name, `a ${type.name} context has no field ${name} (it has ${names.join(', ')})`);
    }
    if (isPointer(field)) throw new ContextError(name, `${name} is the context's ${field.pointer} pointer: pass the bytes it points to as \`data\`, the runtime sets the pointers`);
    if (value instanceof Uint8Array) {
      if (value.length !== field.size) throw new ContextError(name, `${name} is ${field.size} bytes; ${value.length} given`);
      bytes.set(value, field.offset);
      continue;
    }
    if (typeof value === 'number' && field.size <= 4 && Number.isInteger(value) && value >= -(2 ** (field.size * 8 - 1)) && value < 2 ** (field.size * 8)) {
      // The common case without BigInt: a small integer into a 1-4 byte field.
      let raw = value < 0 ? value + 2 ** (field.size * 8) : value;
      for (let i = 0; i < field.size; i++, raw = Math.floor(raw / 256)) bytes[field.offset + i] = raw & 0xff;
      continue;
    }
    const n = typeof value === 'bigint' ? value : typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : undefined;
    if (n === undefined) throw new ContextError(name, `${name} takes an integer${field.size > 8 ? ` or ${field.size} bytes` : ''}; ${typeof value === 'number' ? value : typeof value} given`);
    if (field.size > 8) throw new ContextError(name, `${name} is ${field.size} bytes: give a Uint8Array of ${field.size}`);
    const bits = BigInt(field.size * 8);
    if (n < -(1n << (bits - 1n)) || n >= 1n << bits) throw new ContextError(name, `${n} does not fit the ${field.size}-byte field ${name}`);
    writeLittleEndian(bytes, field.offset, field.size, n);
  }
  return bytes;
}

/** The fields of a context's bytes by name (pointer fields left out): numbers, bigints past 2^53, bytes for wide fields. */
export function decodeContext(type: ProgramTypeSpec, bytes: Uint8Array): Record<string, ContextValue> {
  if (bytes.length !== type.contextSize) throw new ContextError('', `a ${type.name} context is ${type.contextSize} bytes; ${bytes.length} given`);
  const out: Record<string, ContextValue> = {};
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const field of numbersOf(type)) {
    if (field.size > 8) {
      out[field.name] = bytes.slice(field.offset, field.offset + field.size);
      continue;
    }
    if (field.size === 1) out[field.name] = bytes[field.offset]!;
    else if (field.size === 2) out[field.name] = view.getUint16(field.offset, true);
    else if (field.size === 4) out[field.name] = view.getUint32(field.offset, true);
    else {
      let raw = 0n;
      for (let i = field.size - 1; i >= 0; i--) raw = (raw << 8n) | BigInt(bytes[field.offset + i]!);
      out[field.name] = raw <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(raw) : raw;
    }
  }
  return out;
}
