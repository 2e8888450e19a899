import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Btf } from '../../src/btf/btf.ts';
import { parseBtfExt } from '../../src/btf/ext.ts';
import { BtfError } from '../../src/btf/types.ts';
import { intData, KIND, RawBtf } from './raw-btf.ts';

/** Runs `fn`, expecting a BtfError; returns it. */
function btfError(fn: () => unknown): BtfError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof BtfError, `expected a BtfError, got ${(error as Error).name}: ${(error as Error).message}`);
    return error;
  }
  assert.fail('no error');
}

test('a section shorter than the BTF header is refused', () => {
  assert.match(btfError(() => Btf.parse(new Uint8Array(10))).message, /header needs 24 bytes, section has 10 \(section \.BTF, offset 0x0\)/);
});

test('a section whose type data runs past its end is refused', () => {
  const bytes = new RawBtf().build();
  new DataView(bytes.buffer).setUint32(12, 4096, true);
  assert.match(btfError(() => Btf.parse(bytes)).message, /type data \(4096 bytes at 24\) runs past the section/);
});

test('an unknown kind is named with the offset of its record', () => {
  const raw = new RawBtf();
  raw.type(KIND.INT, 'int', 0, 4, [intData(32, 1)]);
  raw.type(25, 'odd', 0, 0);
  const error = btfError(() => Btf.parse(raw.build()));
  assert.match(error.message, /type 2 has unknown kind 25/);
  assert.equal(error.offset, 24 + 16 + 4);
});

test('a truncated struct record is refused where it runs out', () => {
  const raw = new RawBtf();
  raw.type(KIND.INT, 'int', 0, 4, [intData(32, 1)]);
  raw.type(KIND.STRUCT, 's', 2, 8, [raw.name('a'), 1, 0]); // vlen 2, one member present
  assert.match(btfError(() => Btf.parse(raw.build())).message, /the members of type 2 runs past the type data \(section \.BTF, offset 0x/);
});

test("a name's string offset outside the string table names the record it was read from", () => {
  const raw = new RawBtf();
  raw.type(KIND.INT, 'int', 0, 4, [intData(32, 1)]);
  raw.raw(0xfffff, (KIND.PTR << 24) >>> 0, 1);
  const error = btfError(() => Btf.parse(raw.build()));
  assert.match(error.message, /string offset 1048575 for type 2 is outside the string table/);
  assert.equal(error.offset, 24 + 16);
});

test('a type id out of range is refused at parse time, naming the referring type', () => {
  const raw = new RawBtf();
  raw.type(KIND.PTR, '', 0, 99);
  assert.match(btfError(() => Btf.parse(raw.build())).message, /type 1 \(PTR ''\) refers to type 99, which does not exist \(section \.BTF, offset 0x18\)/);
});

test('a typedef loop is reported when resolved, not followed forever', () => {
  const raw = new RawBtf();
  raw.type(KIND.TYPEDEF, 'a', 0, 2);
  raw.type(KIND.TYPEDEF, 'b', 0, 1);
  const btf = Btf.parse(raw.build());
  assert.match(btfError(() => btf.size(1)).message, /type 1 does not resolve within 64 steps \(a loop of typedefs or modifiers\)/);
});

test('an array of itself is a loop when its size is asked', () => {
  const raw = new RawBtf();
  raw.type(KIND.INT, 'int', 0, 4, [intData(32, 1)]);
  raw.type(KIND.ARRAY, '', 0, 0, [2, 1, 4]);
  const btf = Btf.parse(raw.build());
  assert.match(btfError(() => btf.size(2)).message, /size of type 2 does not resolve \(a loop in the type graph\)/);
});

/** A .BTF.ext section with one line info record whose file name is at `fileOffset` in the string table. */
function lineInfoExt(btf: RawBtf, fileOffset: number, records = 1): Uint8Array {
  const section = btf.name('prog');
  const source = btf.name('return 0;');
  const lines = [16, section, records, 0, fileOffset, source, (7 << 10) | 3];
  const out = new Uint8Array(32 + lines.length * 4);
  const view = new DataView(out.buffer);
  view.setUint16(0, 0xeb9f, true);
  view.setUint8(2, 1);
  view.setUint32(4, 32, true);
  view.setUint32(16, 0, true); // line info offset
  view.setUint32(20, lines.length * 4, true);
  lines.forEach((w, i) => view.setUint32(32 + i * 4, w, true));
  return out;
}

test('line info carries the file, line, column and source text from the string table', () => {
  const raw = new RawBtf();
  const file = raw.name('prog.c');
  const ext = lineInfoExt(raw, file);
  const info = parseBtfExt(ext, Btf.parse(raw.build()));
  assert.deepEqual(info.lineInfo, [{ section: 'prog', instructionOffset: 0, file: 'prog.c', source: 'return 0;', line: 7, column: 3 }]);
});

test("a line info file name outside the string table names the .BTF.ext record's offset", () => {
  const raw = new RawBtf();
  const ext = lineInfoExt(raw, 0x7fff);
  const error = btfError(() => parseBtfExt(ext, Btf.parse(raw.build())));
  assert.match(error.message, /string offset 32767 for a line info file name is outside the string table \(\d+ bytes\) \(section \.BTF\.ext, offset 0x30\)/);
});

test('line info records that run past their block are refused', () => {
  const raw = new RawBtf();
  const ext = lineInfoExt(raw, raw.name('prog.c'), 3);
  assert.match(btfError(() => parseBtfExt(ext, Btf.parse(raw.build()))).message, /3 records of 16 bytes for section prog run past the block/);
});
