// Map keys and values encoded through BTF from JavaScript values: the inverse of value.ts's decoder, so
// what `formatValue` shows can be written back. Structs take objects by field name (fields left out are
// zero, unknown ones are errors), integers take numbers, bigints or decimal/hex text and must fit their
// width, enums take a value's name or its number, `char` arrays take text (UTF-8; UTF-16LE for wchar),
// other arrays take lists (shorter lists leave zeros). Every error names the path of the part that is
// wrong (`value.name`), and nothing is written half: the bytes are only returned whole.

import type { Btf } from './btf.ts';
import { BTF_INT_SIGNED, type BtfType } from './types.ts';
import { textKind } from './value.ts';

/** What `encodeValue` takes: a decoded value, or bigints and byte arrays where they are natural. */
export type EncodableValue = number | bigint | string | boolean | null | undefined | Uint8Array | readonly EncodableValue[] | { readonly [field: string]: EncodableValue };

/** A JavaScript value that does not fit its BTF type; `path` names the part (`value.name[2]`). */
export class BtfEncodeError extends Error {
  readonly code = 'INVALID_VALUE';
  constructor(readonly path: string, message: string) {
    super(`${path}: ${message}`);
  }
}

const MAX_DEPTH = 32;

/** Writes `n` (already known to fit) as `size` little-endian bytes at `offset`, two's complement when negative. */
export function writeLittleEndian(bytes: Uint8Array, offset: number, size: number, n: bigint): void {
  let raw = BigInt.asUintN(size * 8, n);
  for (let i = 0; i < size; i++, raw >>= 8n) bytes[offset + i] = Number(raw & 0xffn);
}

/** Encodes `value` as BTF type `typeId` (`what` names it in errors: `key`, `value`). */
export function encodeValue(btf: Btf, typeId: number, value: EncodableValue, what = 'value'): Uint8Array {
  const bytes = new Uint8Array(btf.size(typeId));
  new Encoder(btf, bytes).encode(typeId, 0, value, what, 0);
  return bytes;
}

/** An integer from a number, a bigint or text (`"42"`, `"-1"`, `"0x2a"`); undefined when it is none. */
function integerOf(value: EncodableValue): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : undefined;
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (typeof value === 'string' && /^\s*-?(0x[0-9a-f]+|\d+)\s*$/i.test(value)) {
    const text = value.trim();
    return text.startsWith('-') ? -BigInt(text.slice(1)) : BigInt(text);
  }
  return undefined;
}

const show = (value: EncodableValue): string => {
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (typeof value === 'bigint') return `${value}n`;
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 40 ? `${text.slice(0, 37)}...` : text;
};

class Encoder {
  constructor(private readonly btf: Btf, private readonly bytes: Uint8Array) {}

  encode(typeId: number, offset: number, value: EncodableValue, path: string, depth: number): void {
    if (depth > MAX_DEPTH) throw new BtfEncodeError(path, `nested more than ${MAX_DEPTH} deep`);
    const t = this.btf.resolve(typeId);
    if (!t) throw new BtfEncodeError(path, 'has type void and holds nothing');
    if (value === undefined || value === null) return; // zero
    if (value instanceof Uint8Array) {
      const size = this.btf.size(typeId);
      if (value.length !== size) throw new BtfEncodeError(path, `${value.length} bytes given for a ${size}-byte ${t.kind.toLowerCase()}`);
      this.bytes.set(value, offset);
      return;
    }
    switch (t.kind) {
      case 'INT': return this.integer(t, offset, value, path, this.declaredName(typeId, t.name));
      case 'ENUM':
      case 'ENUM64': {
        const named = typeof value === 'string' ? t.values.find((v) => v.name === value) : undefined;
        const n = named ? named.value : integerOf(value);
        if (n === undefined) throw new BtfEncodeError(path, `${show(value)} is not a value of enum ${t.name || '(anonymous)'} (${t.values.map((v) => v.name).slice(0, 8).join(', ')}${t.values.length > 8 ? ', ...' : ''})`);
        this.store(offset, t.size, n, t.signed, path, `enum ${t.name || '(anonymous)'}`);
        return;
      }
      case 'FLOAT': {
        if (typeof value !== 'number') throw new BtfEncodeError(path, `${show(value)} is not a number`);
        const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + offset, t.size);
        if (t.size === 8) view.setFloat64(0, value, true);
        else if (t.size === 4) view.setFloat32(0, value, true);
        else throw new BtfEncodeError(path, `${t.size}-byte floats are not supported`);
        return;
      }
      case 'PTR': {
        const n = integerOf(value);
        if (n === undefined) throw new BtfEncodeError(path, `${show(value)} is not an address`);
        this.store(offset, 8, n, false, path, 'pointer');
        return;
      }
      case 'ARRAY': return this.array(t, offset, value, path, depth);
      case 'STRUCT':
      case 'UNION': return this.struct(t, offset, value, path, depth);
      default:
        throw new BtfEncodeError(path, `a ${t.kind} cannot hold a value`);
    }
  }

  /** The name a type is declared by (`uint32_t`, not the `unsigned int` it resolves to), past const and volatile. */
  private declaredName(typeId: number, fallback: string): string {
    let id = typeId;
    for (let step = 0; step < MAX_DEPTH; step++) {
      const t = this.btf.type(id);
      if (!t) break;
      if (t.kind === 'CONST' || t.kind === 'VOLATILE' || t.kind === 'RESTRICT' || t.kind === 'TYPE_TAG') { id = t.type; continue; }
      return t.name || fallback;
    }
    return fallback;
  }

  private integer(t: Extract<BtfType, { kind: 'INT' }>, offset: number, value: EncodableValue, path: string, name: string): void {
    const n = integerOf(value);
    if (n === undefined) throw new BtfEncodeError(path, `${show(value)} is not an integer (${name})`);
    const signed = (t.encoding & BTF_INT_SIGNED) !== 0;
    if (t.bits > 0 && t.bits < t.size * 8) {
      this.checkRange(n, t.bits, signed, path, name);
      const shifted = BigInt.asUintN(t.bits, n) << BigInt(t.bitOffset);
      this.store(offset, t.size, shifted, false, path, name);
      return;
    }
    this.store(offset, t.size, n, signed, path, name);
  }

  private checkRange(n: bigint, bits: number, signed: boolean, path: string, name: string): void {
    const min = signed ? -(1n << BigInt(bits - 1)) : 0n;
    const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
    if (n < min || n > max) throw new BtfEncodeError(path, `${n} does not fit ${name} (${min} to ${max})`);
  }

  /** Stores `n` little-endian in `size` bytes, after checking it fits. */
  private store(offset: number, size: number, n: bigint, signed: boolean, path: string, name: string): void {
    if (size < 1 || size > 16) throw new BtfEncodeError(path, `${size}-byte integers are not supported`);
    this.checkRange(n, size * 8, signed, path, name);
    writeLittleEndian(this.bytes, offset, size, n);
  }

  private array(t: Extract<BtfType, { kind: 'ARRAY' }>, offset: number, value: EncodableValue, path: string, depth: number): void {
    const text = textKind(this.btf, t.type);
    if (typeof value === 'string' && text) {
      const encoded = text === 'utf16' ? utf16(value) : new TextEncoder().encode(value);
      const room = text === 'utf16' ? t.length * 2 : t.length;
      if (encoded.length > room) throw new BtfEncodeError(path, `text of ${encoded.length} bytes does not fit ${t.length} ${text === 'utf16' ? 'UTF-16 characters' : 'chars'}`);
      this.bytes.set(encoded, offset);
      return;
    }
    if (!Array.isArray(value)) throw new BtfEncodeError(path, `${show(value)} is not ${text ? 'text or ' : ''}a list (an array of ${t.length})`);
    const list = value as readonly EncodableValue[];
    if (list.length > t.length) throw new BtfEncodeError(path, `${list.length} elements do not fit an array of ${t.length}`);
    const elementSize = this.btf.size(t.type);
    list.forEach((element, i) => this.encode(t.type, offset + i * elementSize, element, `${path}[${i}]`, depth + 1));
  }

  private struct(t: Extract<BtfType, { kind: 'STRUCT' | 'UNION' }>, offset: number, value: EncodableValue, path: string, depth: number): void {
    if (typeof value !== 'object' || Array.isArray(value) || value === null || value instanceof Uint8Array) {
      throw new BtfEncodeError(path, `${show(value)} is not an object with the fields of ${t.kind.toLowerCase()} ${t.name || '(anonymous)'}`);
    }
    const fields = value as { readonly [field: string]: EncodableValue };
    const names = t.members.map((m, i) => m.name || `(anon ${i})`);
    for (const key of Object.keys(fields)) {
      if (!names.includes(key)) throw new BtfEncodeError(`${path}.${key}`, `${t.kind.toLowerCase()} ${t.name || '(anonymous)'} has no field ${key} (it has ${names.join(', ')})`);
    }
    t.members.forEach((m, i) => {
      const field = fields[names[i]!];
      if (field === undefined) return;
      const where = `${path}.${names[i]}`;
      if (m.bitfieldSize > 0) return this.bitfield(m.type, offset * 8 + m.bitOffset, m.bitfieldSize, field, where);
      if (m.bitOffset % 8 !== 0) throw new BtfEncodeError(where, 'is not byte aligned');
      this.encode(m.type, offset + m.bitOffset / 8, field, where, depth + 1);
    });
  }

  private bitfield(typeId: number, bit: number, width: number, value: EncodableValue, path: string): void {
    const n = integerOf(value);
    if (n === undefined) throw new BtfEncodeError(path, `${show(value)} is not an integer`);
    const t = this.btf.resolve(typeId);
    const signed = (t?.kind === 'INT' && (t.encoding & BTF_INT_SIGNED) !== 0) || ((t?.kind === 'ENUM' || t?.kind === 'ENUM64') && t.signed);
    this.checkRange(n, width, signed, path, `a ${width}-bit field`);
    const bits = BigInt.asUintN(width, n);
    for (let i = 0; i < width; i++) {
      const at = bit + i;
      const byte = Math.floor(at / 8);
      const mask = 1 << (at % 8);
      if ((bits >> BigInt(i)) & 1n) this.bytes[byte] = this.bytes[byte]! | mask;
      else this.bytes[byte] = this.bytes[byte]! & ~mask;
    }
  }
}

function utf16(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[2 * i] = c & 0xff;
    out[2 * i + 1] = c >> 8;
  }
  return out;
}
