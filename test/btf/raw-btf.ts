// Builds raw .BTF section bytes (header, type records, string table) for tests of kinds and hostile input
// that clang does not emit. bpftool reads such a blob directly (`bpftool btf dump file X`).

/** BTF kind numbers (btf.h). */
export const KIND = { INT: 1, PTR: 2, ARRAY: 3, STRUCT: 4, UNION: 5, ENUM: 6, FWD: 7, TYPEDEF: 8, VOLATILE: 9, CONST: 10, FUNC: 12, FUNC_PROTO: 13, VAR: 14, DATASEC: 15, ENUM64: 19 } as const;

/** Accumulates strings and type records; `build()` lays them out as a .BTF section. */
export class RawBtf {
  private readonly words: number[] = [];
  private strings = '\0';
  private count = 0;

  /** Adds a string to the string table and returns its offset. */
  name(text: string): number {
    const offset = new TextEncoder().encode(this.strings).length;
    this.strings += `${text}\0`;
    return offset;
  }

  /** Appends a type record (header words, then `extra` words) and returns its type id. */
  type(kind: number, name: string, vlen: number, sizeOrType: number, extra: number[] = [], kindFlag = false): number {
    this.words.push(name === '' ? 0 : this.name(name), ((kindFlag ? 1 << 31 : 0) | (kind << 24) | vlen) >>> 0, sizeOrType >>> 0, ...extra.map((w) => w >>> 0));
    return ++this.count;
  }

  /** Appends raw words (for truncated or malformed records). */
  raw(...words: number[]): void {
    this.words.push(...words.map((w) => w >>> 0));
  }

  /** The .BTF section bytes. */
  build(): Uint8Array {
    const types = new Uint8Array(new Uint32Array(this.words).buffer);
    const strings = new TextEncoder().encode(this.strings);
    const out = new Uint8Array(24 + types.length + strings.length);
    const view = new DataView(out.buffer);
    view.setUint16(0, 0xeb9f, true);
    view.setUint8(2, 1);
    view.setUint32(4, 24, true);
    view.setUint32(8, 0, true);
    view.setUint32(12, types.length, true);
    view.setUint32(16, types.length, true);
    view.setUint32(20, strings.length, true);
    out.set(types, 24);
    out.set(strings, 24 + types.length);
    return out;
  }
}

/** INT's extra word: encoding (1 signed, 2 char, 4 bool), bit offset and bit count. */
export function intData(bits: number, encoding = 0, bitOffset = 0): number {
  return (encoding << 24) | (bitOffset << 16) | bits;
}
