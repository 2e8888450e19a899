// Map keys and values decoded through BTF, for people: struct fields by name, integers in decimal,
// `char` arrays as text (UTF-16LE recognised, as Windows app ids are), enums by name, arrays as lists.
// The BTF comes from the user's object, so decoding is bounded: every read is checked against the bytes,
// and a type graph that would expand into too many values (self-nesting structs, huge arrays of empty
// structs) is refused instead of followed.

import type { Btf } from './btf.ts';
import { BTF_INT_CHAR, BTF_INT_SIGNED, BtfError, type BtfType } from './types.ts';

/** A decoded value: JSON-friendly (64-bit integers beyond 2^53 become decimal strings). */
export type DecodedValue = number | string | boolean | null | DecodedValue[] | { [field: string]: DecodedValue };

/** Nesting and size limits: beyond them the value is not decoded at all. */
const MAX_DEPTH = 32;
const MAX_NODES = 1 << 16;

/** Thrown inside the decoder when a limit is hit; formatValue turns it into `undefined`. */
class TooLarge extends Error {}

/** Text in a char array: UTF-16LE when every other byte is zero (Windows app ids), else UTF-8; up to the first NUL. */
export function decodeText(bytes: Uint8Array): string {
  const utf16 = bytes.length >= 4 && bytes[1] === 0 && bytes[0] !== 0 && bytes[3] === 0;
  if (utf16) return decodeUtf16(bytes);
  const nul = bytes.indexOf(0);
  return new TextDecoder().decode(nul >= 0 ? bytes.subarray(0, nul) : bytes);
}

function decodeUtf16(bytes: Uint8Array): string {
  let end = 0;
  while (end + 1 < bytes.length && (bytes[end] !== 0 || bytes[end + 1] !== 0)) end += 2;
  return new TextDecoder('utf-16le').decode(bytes.subarray(0, end));
}

/** Unsigned little-endian integer of `size` bytes at `offset`. */
function unsignedAt(bytes: Uint8Array, offset: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[offset + i]!);
  return v;
}

/** A bigint as a JSON number when it is exact, else as its decimal text. */
function jsonInteger(v: bigint): number | string {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

/**
 * How an array's elements read as text: plain `char` (also through a typedef named like char) is 8-bit
 * text, a `wchar`/`char16_t` typedef is UTF-16LE. `uint8_t` and friends stay lists of numbers: those are
 * bytes (addresses, hashes), not text.
 */
export function textKind(btf: Btf, elementId: number): 'text' | 'utf16' | undefined {
  let id = elementId;
  let named = '';
  for (let step = 0; step < MAX_DEPTH; step++) {
    const t = btf.type(id);
    if (!t) return undefined;
    if (t.kind === 'CONST' || t.kind === 'VOLATILE' || t.kind === 'RESTRICT' || t.kind === 'TYPE_TAG') { id = t.type; continue; }
    if (t.kind === 'TYPEDEF') { named ||= t.name; id = t.type; continue; }
    if (t.kind !== 'INT') return undefined;
    const name = (named || t.name).toLowerCase();
    if (t.size === 1 && (name === 'char' || name === 'signed char' || name === 'unsigned char' || (named !== '' && /char/.test(name)) || (named === '' && (t.encoding & BTF_INT_CHAR) !== 0))) return 'text';
    if (t.size === 2 && named !== '' && /wchar|char16/.test(name)) return 'utf16';
    return undefined;
  }
  return undefined;
}

class Decoder {
  private nodes = 0;
  constructor(private readonly btf: Btf, private readonly bytes: Uint8Array) {}

  /** The type at byte `offset`; null where the (hostile) type reaches past the bytes. */
  decode(typeId: number, offset: number, depth: number): DecodedValue {
    if (depth > MAX_DEPTH || ++this.nodes > MAX_NODES) throw new TooLarge();
    const t = this.btf.resolve(typeId);
    if (!t) return null;
    const size = t.kind === 'PTR' ? 8 : t.kind === 'ARRAY' || t.kind === 'VAR' ? 0 : 'size' in t ? t.size : 0;
    if (offset < 0 || offset + size > this.bytes.length) return null;
    switch (t.kind) {
      case 'INT': return this.integer(t, offset);
      case 'ENUM':
      case 'ENUM64': {
        if (t.size < 1 || t.size > 8) return null;
        const raw = unsignedAt(this.bytes, offset, t.size);
        const value = t.signed ? BigInt.asIntN(t.size * 8, raw) : raw;
        const found = t.values.find((v) => v.value === value || BigInt.asUintN(t.size * 8, v.value) === raw);
        return found ? found.name : jsonInteger(value);
      }
      case 'PTR':
        return `0x${unsignedAt(this.bytes, offset, 8).toString(16)}`;
      case 'FLOAT': {
        const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + offset, t.size);
        return t.size === 8 ? view.getFloat64(0, true) : t.size === 4 ? view.getFloat32(0, true) : null;
      }
      case 'ARRAY': return this.array(t, offset, depth);
      case 'STRUCT':
      case 'UNION': return this.struct(t, offset, depth);
      default:
        return null;
    }
  }

  private integer(t: Extract<BtfType, { kind: 'INT' }>, offset: number): DecodedValue {
    if (t.name === '_Bool' && t.size === 1) return this.bytes[offset] !== 0;
    if (t.size < 1 || t.size > 16) return null;
    let raw = unsignedAt(this.bytes, offset, t.size);
    const bits = t.bits > 0 && t.bits + t.bitOffset <= t.size * 8 ? t.bits : t.size * 8;
    raw = BigInt.asUintN(bits, raw >> BigInt(t.bits > 0 ? t.bitOffset : 0));
    return jsonInteger((t.encoding & BTF_INT_SIGNED) !== 0 ? BigInt.asIntN(bits, raw) : raw);
  }

  private array(t: Extract<BtfType, { kind: 'ARRAY' }>, offset: number, depth: number): DecodedValue {
    const elementSize = this.btf.size(t.type);
    if (offset + t.length * elementSize > this.bytes.length) return null;
    const text = textKind(this.btf, t.type);
    if (text === 'text') return decodeText(this.bytes.subarray(offset, offset + t.length));
    if (text === 'utf16') return decodeUtf16(this.bytes.subarray(offset, offset + t.length * 2));
    if (t.length > MAX_NODES) throw new TooLarge();
    const out: DecodedValue[] = [];
    for (let i = 0; i < t.length; i++) out.push(this.decode(t.type, offset + i * elementSize, depth + 1));
    return out;
  }

  private struct(t: Extract<BtfType, { kind: 'STRUCT' | 'UNION' }>, offset: number, depth: number): DecodedValue {
    const out: { [field: string]: DecodedValue } = {};
    t.members.forEach((m, i) => {
      const name = m.name || `(anon ${i})`;
      if (m.bitfieldSize > 0) out[name] = this.bitfield(m.type, offset * 8 + m.bitOffset, m.bitfieldSize);
      else out[name] = m.bitOffset % 8 === 0 ? this.decode(m.type, offset + m.bitOffset / 8, depth + 1) : null;
    });
    return out;
  }

  /** A bitfield: `width` bits starting `bit` bits into the bytes, signed when its integer type is. */
  private bitfield(typeId: number, bit: number, width: number): DecodedValue {
    const first = Math.floor(bit / 8);
    const last = Math.floor((bit + width - 1) / 8);
    if (last >= this.bytes.length) return null;
    const raw = BigInt.asUintN(width, unsignedAt(this.bytes, first, last - first + 1) >> BigInt(bit % 8));
    const t = this.btf.resolve(typeId);
    const signed = (t?.kind === 'INT' && (t.encoding & BTF_INT_SIGNED) !== 0) || ((t?.kind === 'ENUM' || t?.kind === 'ENUM64') && t.signed);
    return jsonInteger(signed ? BigInt.asIntN(width, raw) : raw);
  }
}

/**
 * Decodes `bytes` as BTF type `typeId`. Undefined when the bytes are shorter than the type, or when the
 * type cannot be shown (a loop, or more than 65,536 values): the caller then shows the bytes as they are.
 */
export function formatValue(btf: Btf, typeId: number, bytes: Uint8Array): DecodedValue | undefined {
  try {
    if (bytes.length < btf.size(typeId)) return undefined;
    return new Decoder(btf, bytes).decode(typeId, 0, 0);
  } catch (error) {
    if (error instanceof TooLarge || error instanceof BtfError) return undefined;
    throw error;
  }
}
