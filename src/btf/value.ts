// Map keys and values decoded through BTF, for people: struct fields by name, integers in decimal,
// `char` arrays as text (UTF-16LE recognised, as Windows app ids are), enums by name, arrays as lists.

import type { Btf } from './btf.ts';
import { BTF_INT_SIGNED, type BtfType } from './types.ts';

/** A decoded value: JSON-friendly (64-bit integers beyond 2^53 become decimal strings). */
export type DecodedValue = number | string | boolean | null | DecodedValue[] | { [field: string]: DecodedValue };

const MAX_DEPTH = 32;

function integer(view: DataView, offset: number, size: number, signed: boolean): number | string {
  switch (size) {
    case 1: return signed ? view.getInt8(offset) : view.getUint8(offset);
    case 2: return signed ? view.getInt16(offset, true) : view.getUint16(offset, true);
    case 4: return signed ? view.getInt32(offset, true) : view.getUint32(offset, true);
    case 8: {
      const v = signed ? view.getBigInt64(offset, true) : view.getBigUint64(offset, true);
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
    }
    default: {
      let v = 0n;
      for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(view.getUint8(offset + i));
      return v.toString();
    }
  }
}

/** Text in a char array: UTF-16LE when every other byte is zero (Windows app ids), else UTF-8; up to the first NUL. */
export function decodeText(bytes: Uint8Array): string {
  const utf16 = bytes.length >= 4 && bytes[1] === 0 && bytes[0] !== 0 && bytes[3] === 0;
  if (utf16) {
    let end = 0;
    while (end + 1 < bytes.length && (bytes[end] !== 0 || bytes[end + 1] !== 0)) end += 2;
    return new TextDecoder('utf-16le').decode(bytes.subarray(0, end));
  }
  const nul = bytes.indexOf(0);
  return new TextDecoder().decode(nul >= 0 ? bytes.subarray(0, nul) : bytes);
}

function isChar(t: BtfType | undefined): boolean {
  return t !== undefined && t.kind === 'INT' && t.size === 1 && (t.name === 'char' || t.name === 'signed char' || t.name === 'unsigned char');
}

function decode(btf: Btf, typeId: number, view: DataView, offset: number, depth: number): DecodedValue {
  if (depth > MAX_DEPTH) return null;
  const t = btf.resolve(typeId);
  if (!t) return null;
  switch (t.kind) {
    case 'INT':
      if (t.name === '_Bool') return view.getUint8(offset) !== 0;
      return integer(view, offset, t.size, (t.encoding & BTF_INT_SIGNED) !== 0);
    case 'ENUM':
    case 'ENUM64': {
      const raw = integer(view, offset, t.size, t.signed);
      const found = t.values.find((v) => v.value.toString() === String(raw));
      return found ? found.name : raw;
    }
    case 'PTR':
      return `0x${view.getBigUint64(offset, true).toString(16)}`;
    case 'FLOAT':
      return t.size === 8 ? view.getFloat64(offset, true) : view.getFloat32(offset, true);
    case 'ARRAY': {
      const element = btf.resolve(t.type);
      const size = btf.size(t.type);
      if (isChar(element)) return decodeText(new Uint8Array(view.buffer, view.byteOffset + offset, t.length));
      return Array.from({ length: t.length }, (_, i) => decode(btf, t.type, view, offset + i * size, depth + 1));
    }
    case 'STRUCT':
    case 'UNION': {
      const out: { [field: string]: DecodedValue } = {};
      t.members.forEach((m, i) => {
        const name = m.name || `(anon ${i})`;
        if (m.bitfieldSize > 0) {
          const bits = integer(view, offset + Math.floor(m.bitOffset / 64) * 8, 8, false);
          const word = BigInt(bits);
          out[name] = Number((word >> BigInt(m.bitOffset % 64)) & ((1n << BigInt(m.bitfieldSize)) - 1n));
        } else {
          out[name] = decode(btf, m.type, view, offset + m.bitOffset / 8, depth + 1);
        }
      });
      return out;
    }
    default:
      return null;
  }
}

/** Decodes `bytes` as BTF type `typeId`; undefined when the bytes are shorter than the type. */
export function formatValue(btf: Btf, typeId: number, bytes: Uint8Array): DecodedValue | undefined {
  if (bytes.length < btf.size(typeId)) return undefined;
  return decode(btf, typeId, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, 0);
}
