// A map key's or value's BTF type as a layout the page can read and write bytes with: every field's byte
// offset, size and how to show it (integer, enum by name, text with its encoding, float, pointer), nested
// structs and arrays kept as a tree. The page decodes the entries it shows and encodes what the user
// types field by field from this one description. Text and enum rules are the BTF value decoder's
// (src/btf/value.ts); the graph comes from the user's object, so depth is bounded.

import type { Btf } from '../btf/btf.ts';
import { BTF_INT_SIGNED, BtfError } from '../btf/types.ts';
import { textKind } from '../btf/value.ts';

/** One field of a struct or union. Bitfields carry their bit position inside the struct. */
export interface LayoutField {
  readonly name: string;
  /** Byte offset inside the enclosing struct (for bitfields: of the struct itself). */
  readonly offset: number;
  readonly bitOffset?: number;
  readonly bitSize?: number;
  readonly layout: Layout;
}

/** How the bytes of a type read. `typeName` is the C name when it has one (`struct proc_entry`, `uint32_t`). */
export type Layout =
  | { kind: 'int'; typeName: string; size: number; signed: boolean; bool: boolean }
  | { kind: 'enum'; typeName: string; size: number; signed: boolean; values: readonly { name: string; value: string }[] }
  | { kind: 'float'; typeName: string; size: number }
  | { kind: 'pointer'; typeName: string; size: number }
  | { kind: 'text'; typeName: string; size: number; encoding: 'utf8' | 'utf16le' }
  | { kind: 'array'; typeName: string; size: number; length: number; elementSize: number; element: Layout }
  | { kind: 'struct'; typeName: string; size: number; union: boolean; fields: readonly LayoutField[] }
  | { kind: 'bytes'; typeName: string; size: number };

const MAX_DEPTH = 24;

/** The name a type is written with in C, following typedefs first (the typedef's name wins). */
function cName(btf: Btf, id: number): string {
  const t = btf.type(id);
  if (!t) return 'void';
  if (t.kind === 'TYPEDEF') return t.name;
  if (t.kind === 'CONST' || t.kind === 'VOLATILE' || t.kind === 'RESTRICT' || t.kind === 'TYPE_TAG') return cName(btf, t.type);
  if (t.kind === 'STRUCT' || t.kind === 'UNION') return `${t.kind.toLowerCase()} ${t.name || '(anonymous)'}`;
  if (t.kind === 'ENUM' || t.kind === 'ENUM64') return `enum ${t.name || '(anonymous)'}`;
  if (t.kind === 'ARRAY') return `${cName(btf, t.type)}[${t.length}]`;
  if (t.kind === 'PTR') return `${cName(btf, t.type)} *`;
  return t.name;
}

function build(btf: Btf, id: number, depth: number): Layout {
  const typeName = cName(btf, id);
  const size = btf.size(id);
  if (depth > MAX_DEPTH) return { kind: 'bytes', typeName, size };
  const t = btf.resolve(id);
  if (!t) return { kind: 'bytes', typeName, size };
  switch (t.kind) {
    case 'INT':
      // Bitfield-style INTs (bits narrower than the size) are rare in map types; their bytes show as they are.
      if (t.bits !== 0 && t.bits !== t.size * 8) return { kind: 'bytes', typeName, size };
      return { kind: 'int', typeName, size: t.size, signed: (t.encoding & BTF_INT_SIGNED) !== 0, bool: t.name === '_Bool' && t.size === 1 };
    case 'ENUM':
    case 'ENUM64':
      return { kind: 'enum', typeName, size: t.size, signed: t.signed, values: t.values.map((v) => ({ name: v.name, value: v.value.toString() })) };
    case 'FLOAT':
      return t.size === 4 || t.size === 8 ? { kind: 'float', typeName, size: t.size } : { kind: 'bytes', typeName, size };
    case 'PTR':
      return { kind: 'pointer', typeName, size: 8 };
    case 'ARRAY': {
      const text = textKind(btf, t.type);
      if (text === 'text') return { kind: 'text', typeName, size, encoding: 'utf8' };
      if (text === 'utf16') return { kind: 'text', typeName, size, encoding: 'utf16le' };
      return { kind: 'array', typeName, size, length: t.length, elementSize: btf.size(t.type), element: build(btf, t.type, depth + 1) };
    }
    case 'STRUCT':
    case 'UNION':
      return {
        kind: 'struct', typeName, size: t.size, union: t.kind === 'UNION',
        fields: t.members.map((m, i): LayoutField => {
          const name = m.name || `(anon ${i})`;
          if (m.bitfieldSize > 0) return { name, offset: 0, bitOffset: m.bitOffset, bitSize: m.bitfieldSize, layout: build(btf, m.type, depth + 1) };
          if (m.bitOffset % 8 !== 0) return { name, offset: Math.floor(m.bitOffset / 8), layout: { kind: 'bytes', typeName: cName(btf, m.type), size: 0 } };
          return { name, offset: m.bitOffset / 8, layout: build(btf, m.type, depth + 1) };
        }),
      };
    default:
      return { kind: 'bytes', typeName, size };
  }
}

/** The layout of BTF type `typeId`, or undefined when the BTF cannot describe it (broken or looping types). */
export function layoutOf(btf: Btf, typeId: number): Layout | undefined {
  try {
    return build(btf, typeId, 0);
  } catch (error) {
    if (error instanceof BtfError) return undefined;
    throw error;
  }
}
