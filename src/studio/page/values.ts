// Bytes read and written through a BTF layout (src/studio/layout.ts): decoding for the tables, and the
// leaves of a layout (every scalar or text field, with its path) for editing field by field.

import type { Layout } from '../layout.ts';

export type { Layout, LayoutField } from '../layout.ts';

/** A decoded value, as JSON shows it (64-bit integers as decimal text when they pass 2^53). */
export type Value = number | string | boolean | null | Value[] | { [field: string]: Value };

export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Hex grouped by bytes, as `map dump` prints it. */
export function spacedHex(hex: string): string {
  return hex.replace(/(..)(?!$)/g, '$1 ');
}

function readUnsigned(bytes: Uint8Array, offset: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[offset + i] ?? 0);
  return v;
}

function writeUnsigned(bytes: Uint8Array, offset: number, size: number, value: bigint): void {
  let v = BigInt.asUintN(size * 8, value);
  for (let i = 0; i < size; i++) {
    bytes[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

const json = (v: bigint): number | string => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString());

function decodeText(bytes: Uint8Array, encoding: 'utf8' | 'utf16le'): string {
  if (encoding === 'utf16le') {
    let end = 0;
    while (end + 1 < bytes.length && (bytes[end] !== 0 || bytes[end + 1] !== 0)) end += 2;
    return new TextDecoder('utf-16le').decode(bytes.subarray(0, end));
  }
  // As the service's decoder: a char array whose every other byte is zero is UTF-16LE (Windows app ids).
  if (bytes.length >= 4 && bytes[1] === 0 && bytes[0] !== 0 && bytes[3] === 0) return decodeText(bytes, 'utf16le');
  const nul = bytes.indexOf(0);
  return new TextDecoder().decode(nul >= 0 ? bytes.subarray(0, nul) : bytes);
}

/** Decodes the bytes at `offset` through `layout`; null where the bytes run short. */
export function decode(layout: Layout, bytes: Uint8Array, offset = 0, bit?: { offset: number; size: number }): Value {
  if (bit) {
    const first = Math.floor(bit.offset / 8);
    const last = Math.floor((bit.offset + bit.size - 1) / 8);
    if (offset + last >= bytes.length) return null;
    const raw = BigInt.asUintN(bit.size, readUnsigned(bytes, offset + first, last - first + 1) >> BigInt(bit.offset % 8));
    const signed = (layout.kind === 'int' || layout.kind === 'enum') && layout.signed;
    return json(signed ? BigInt.asIntN(bit.size, raw) : raw);
  }
  if (offset + layout.size > bytes.length) return null;
  switch (layout.kind) {
    case 'int': {
      if (layout.bool) return bytes[offset] !== 0;
      const raw = readUnsigned(bytes, offset, layout.size);
      return json(layout.signed ? BigInt.asIntN(layout.size * 8, raw) : raw);
    }
    case 'enum': {
      const raw = readUnsigned(bytes, offset, layout.size);
      const value = layout.signed ? BigInt.asIntN(layout.size * 8, raw) : raw;
      const found = layout.values.find((v) => BigInt.asUintN(layout.size * 8, BigInt(v.value)) === raw);
      return found ? found.name : json(value);
    }
    case 'float': {
      const view = new DataView(bytes.buffer, bytes.byteOffset + offset, layout.size);
      return layout.size === 8 ? view.getFloat64(0, true) : view.getFloat32(0, true);
    }
    case 'pointer':
      return `0x${readUnsigned(bytes, offset, 8).toString(16)}`;
    case 'text':
      return decodeText(bytes.subarray(offset, offset + layout.size), layout.encoding);
    case 'array':
      return Array.from({ length: layout.length }, (_, i) => decode(layout.element, bytes, offset + i * layout.elementSize));
    case 'struct': {
      const out: { [field: string]: Value } = {};
      for (const f of layout.fields) out[f.name] = decode(f.layout, bytes, offset + f.offset, f.bitSize ? { offset: f.bitOffset!, size: f.bitSize } : undefined);
      return out;
    }
    case 'bytes':
      return spacedHex(toHex(bytes.subarray(offset, offset + layout.size)));
  }
}

/** A value as one line of text for a table cell. */
export function show(value: Value | undefined): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** One editable leaf of a layout: a path for its label, where it lives, and how it is typed. */
export interface Leaf {
  readonly path: string;
  readonly offset: number;
  readonly bit?: { offset: number; size: number };
  readonly layout: Layout;
}

const MAX_LEAVES = 512;

/** The leaves of a layout in order (arrays of scalars expanded element by element, up to 512 leaves). */
export function leaves(layout: Layout, path = '', offset = 0, out: Leaf[] = []): Leaf[] {
  if (out.length >= MAX_LEAVES) return out;
  if (layout.kind === 'struct') {
    for (const f of layout.fields) {
      const p = path ? `${path}.${f.name}` : f.name;
      if (f.bitSize) out.push({ path: p, offset, bit: { offset: f.bitOffset!, size: f.bitSize }, layout: f.layout });
      else leaves(f.layout, p, offset + f.offset, out);
    }
  } else if (layout.kind === 'array') {
    for (let i = 0; i < layout.length && out.length < MAX_LEAVES; i++) leaves(layout.element, `${path}[${i}]`, offset + i * layout.elementSize, out);
  } else {
    out.push({ path: path || '(value)', offset, layout });
  }
  return out;
}

/** The text an input shows for a leaf's current bytes. */
export function leafText(leaf: Leaf, bytes: Uint8Array): string {
  return show(decode(leaf.layout, bytes, leaf.offset, leaf.bit));
}

/** Parses an integer typed by the user (decimal, 0x hex, negative); throws with the field's name. */
function parseInteger(text: string, what: string): bigint {
  const t = text.trim();
  if (!/^-?(0x[0-9a-f]+|\d+)$/i.test(t)) throw new Error(`${what}: '${text}' is not an integer`);
  return t.startsWith('-') ? -BigInt(t.slice(1)) : BigInt(t);
}

/** Writes what the user typed for a leaf into `bytes`; throws an Error naming the field when it does not fit. */
export function writeLeaf(leaf: Leaf, bytes: Uint8Array, text: string): void {
  const l = leaf.layout;
  const at = leaf.offset;
  if (leaf.bit) {
    let v = l.kind === 'enum' ? enumValue(l, text, leaf.path) : parseInteger(text, leaf.path);
    const size = leaf.bit.size;
    checkRange(v, size, (l.kind === 'int' || l.kind === 'enum') && l.signed, leaf.path);
    v = BigInt.asUintN(size, v);
    const first = Math.floor(leaf.bit.offset / 8);
    const span = Math.floor((leaf.bit.offset + size - 1) / 8) - first + 1;
    const shift = BigInt(leaf.bit.offset % 8);
    const mask = ((1n << BigInt(size)) - 1n) << shift;
    const old = readUnsigned(bytes, at + first, span);
    writeUnsigned(bytes, at + first, span, (old & ~mask) | (v << shift));
    return;
  }
  switch (l.kind) {
    case 'int': {
      if (l.bool) {
        const t = text.trim().toLowerCase();
        if (!['true', 'false', '1', '0'].includes(t)) throw new Error(`${leaf.path}: '${text}' is not true or false`);
        bytes[at] = t === 'true' || t === '1' ? 1 : 0;
        return;
      }
      const v = parseInteger(text, leaf.path);
      checkRange(v, l.size * 8, l.signed, leaf.path);
      return writeUnsigned(bytes, at, l.size, v);
    }
    case 'enum': {
      const v = enumValue(l, text, leaf.path);
      checkRange(v, l.size * 8, l.signed, leaf.path);
      return writeUnsigned(bytes, at, l.size, v);
    }
    case 'float': {
      const n = Number(text);
      if (text.trim() === '' || Number.isNaN(n)) throw new Error(`${leaf.path}: '${text}' is not a number`);
      const view = new DataView(bytes.buffer, bytes.byteOffset + at, l.size);
      if (l.size === 8) view.setFloat64(0, n, true);
      else view.setFloat32(0, n, true);
      return;
    }
    case 'pointer':
      return writeUnsigned(bytes, at, 8, parseInteger(text, leaf.path));
    case 'text': {
      const encoded = l.encoding === 'utf16le' ? utf16(text) : new TextEncoder().encode(text);
      const terminator = l.encoding === 'utf16le' ? 2 : 1;
      if (encoded.length + terminator > l.size) throw new Error(`${leaf.path}: '${text}' takes ${encoded.length} bytes; the field holds ${l.size - terminator} and a terminator`);
      bytes.fill(0, at, at + l.size);
      bytes.set(encoded, at);
      return;
    }
    default: {
      const hex = text.replace(/\s+/g, '');
      if (!/^([0-9a-f]{2})*$/i.test(hex) || hex.length / 2 !== l.size) throw new Error(`${leaf.path}: needs ${l.size} bytes of hex`);
      bytes.set(fromHex(hex), at);
    }
  }
}

function utf16(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[i * 2] = c & 0xff;
    out[i * 2 + 1] = c >> 8;
  }
  return out;
}

function enumValue(l: Layout, text: string, path: string): bigint {
  if (l.kind === 'enum') {
    const named = l.values.find((v) => v.name === text.trim());
    if (named) return BigInt(named.value);
  }
  return parseInteger(text, path);
}

function checkRange(v: bigint, bits: number, signed: boolean, path: string): void {
  const min = signed ? -(1n << BigInt(bits - 1)) : 0n;
  const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  // Unsigned fields also take the negative of their signed reading (-1 for all ones), as C would.
  const lowest = signed ? min : -(1n << BigInt(bits - 1));
  if (v < lowest || v > max) throw new Error(`${path}: ${v} does not fit in ${bits} ${signed ? 'signed' : 'unsigned'} bits (${min} to ${max})`);
}

/** Bytes of a value typed as hex (spaces allowed); throws naming what when the length is wrong. */
export function parseHex(text: string, size: number, what: string): Uint8Array {
  const hex = text.replace(/\s+/g, '');
  if (!/^([0-9a-f]{2})*$/i.test(hex)) throw new Error(`${what}: '${text}' is not hex bytes`);
  if (hex.length / 2 !== size) throw new Error(`${what}: ${hex.length / 2} bytes given; it takes ${size}`);
  return fromHex(hex);
}

/** Size of one CPU's slot in a per-CPU value (values are 8-byte aligned per CPU). */
export function perCpuStride(valueSize: number): number {
  return (valueSize + 7) & ~7;
}
