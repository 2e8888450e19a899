// BTF.ext: per-section function info, line info (with the file name and the source line's text) and
// CO-RE relocation records. Instruction offsets are kept in bytes from the start of their section.

import type { Btf } from './btf.ts';
import { BtfError } from './types.ts';

const SECTION = '.BTF.ext';

/** A function's BTF type at an instruction offset. */
export interface FuncInfo {
  readonly section: string;
  readonly instructionOffset: number;
  readonly typeId: number;
}

/** The source position of the instruction at an offset. */
export interface LineInfo {
  readonly section: string;
  readonly instructionOffset: number;
  readonly file: string;
  /** The text of the source line, as clang recorded it. */
  readonly source: string;
  readonly line: number;
  readonly column: number;
}

/** A CO-RE relocation record (kept for inspection; there is no kernel BTF to apply it against). */
export interface CoreRelocation {
  readonly section: string;
  readonly instructionOffset: number;
  readonly typeId: number;
  readonly accessString: string;
  readonly kind: number;
}

/** Everything a .BTF.ext section holds. */
export interface BtfExt {
  readonly funcInfo: readonly FuncInfo[];
  readonly lineInfo: readonly LineInfo[];
  readonly coreRelocations: readonly CoreRelocation[];
}

/** Parses a .BTF.ext section against its .BTF (for the strings). */
export function parseBtfExt(bytes: Uint8Array, btf: Btf): BtfExt {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 24) throw new BtfError(`header needs 24 bytes, section has ${bytes.length}`, SECTION, 0);
  if (view.getUint16(0, true) !== 0xeb9f) throw new BtfError('bad magic number', SECTION, 0);
  const headerLength = view.getUint32(4, true);
  if (headerLength < 24 || headerLength > bytes.length) throw new BtfError(`header length ${headerLength} is invalid`, SECTION, 4);
  const part = (offsetField: number) => {
    if (offsetField + 8 > headerLength) return undefined;
    const start = headerLength + view.getUint32(offsetField, true);
    const length = view.getUint32(offsetField + 4, true);
    if (length === 0) return undefined;
    if (start + length > bytes.length) throw new BtfError(`info block (${length} bytes at ${start}) runs past the section (${bytes.length} bytes)`, SECTION, offsetField);
    return { start, end: start + length };
  };
  const records = (range: { start: number; end: number } | undefined, minimum: number, read: (section: string, at: number) => void) => {
    if (!range) return;
    let at = range.start;
    if (at + 4 > range.end) throw new BtfError('info block has no record size', SECTION, at);
    const recordSize = view.getUint32(at, true);
    if (recordSize < minimum) throw new BtfError(`record size ${recordSize} is smaller than ${minimum}`, SECTION, at);
    at += 4;
    while (at < range.end) {
      if (at + 8 > range.end) throw new BtfError('section header of an info block is truncated', SECTION, at);
      const section = btf.string(view.getUint32(at, true), 'a BTF.ext section name', { section: SECTION, offset: at });
      const count = view.getUint32(at + 4, true);
      at += 8;
      if (at + count * recordSize > range.end) throw new BtfError(`${count} records of ${recordSize} bytes for section ${section} run past the block`, SECTION, at);
      for (let i = 0; i < count; i++, at += recordSize) read(section, at);
    }
  };
  const funcInfo: FuncInfo[] = [];
  const lineInfo: LineInfo[] = [];
  const coreRelocations: CoreRelocation[] = [];
  records(part(8), 8, (section, at) => funcInfo.push({ section, instructionOffset: view.getUint32(at, true), typeId: view.getUint32(at + 4, true) }));
  records(part(16), 16, (section, at) => {
    const lineColumn = view.getUint32(at + 12, true);
    lineInfo.push({
      section,
      instructionOffset: view.getUint32(at, true),
      file: btf.string(view.getUint32(at + 4, true), 'a line info file name', { section: SECTION, offset: at + 4 }),
      source: btf.string(view.getUint32(at + 8, true), 'a line info source line', { section: SECTION, offset: at + 8 }),
      line: lineColumn >>> 10,
      column: lineColumn & 0x3ff,
    });
  });
  if (headerLength >= 32) {
    records(part(24), 16, (section, at) =>
      coreRelocations.push({
        section,
        instructionOffset: view.getUint32(at, true),
        typeId: view.getUint32(at + 4, true),
        accessString: btf.string(view.getUint32(at + 8, true), 'a CO-RE access string', { section: SECTION, offset: at + 8 }),
        kind: view.getUint32(at + 12, true),
      }),
    );
  }
  return { funcInfo, lineInfo, coreRelocations };
}
