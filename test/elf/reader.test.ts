import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ElfError, ElfFile, SHT_REL } from '../../src/elf/reader.ts';
import { corpusObjects } from '../support/paths.ts';

/** Every eighth corpus object: enough variety (old and new clang, Linux and Windows layouts) to compare. */
const sample = corpusObjects().filter((_, i) => i % 8 === 0);
const firstObject = new Uint8Array(readFileSync(sample[0]!));

function readelf(flag: string, path: string): string {
  return execFileSync('readelf', [flag, '-W', path], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** A copy of `bytes` with `patch` applied to a DataView of it. */
function patched(bytes: Uint8Array, patch: (view: DataView) => void): Uint8Array {
  const copy = bytes.slice();
  patch(new DataView(copy.buffer));
  return copy;
}

function elfError(bytes: Uint8Array): ElfError {
  try {
    new ElfFile(bytes);
  } catch (error) {
    assert.ok(error instanceof ElfError, `expected an ElfError, got ${(error as Error).name}: ${(error as Error).message}`);
    return error;
  }
  assert.fail('the file was accepted');
}

test('section names, types, offsets and sizes match readelf for a sample of the corpus', () => {
  let compared = 0;
  for (const path of sample) {
    const elf = new ElfFile(new Uint8Array(readFileSync(path)));
    const rows = readelf('-S', path).split('\n').flatMap((line) => {
      const m = /^\s*\[\s*(\d+)\]\s+(\S+)\s+\S+\s+[0-9a-f]{16}\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(line);
      return m && m[1] !== '0' ? [[Number(m[1]), m[2], parseInt(m[3]!, 16), parseInt(m[4]!, 16)]] : [];
    });
    assert.deepEqual(elf.sections.slice(1).map((s) => [s.index, s.name, s.offset, s.size]), rows, path);
    compared += rows.length;
  }
  assert.ok(compared > 200, `only ${compared} sections compared`);
});

test('symbol and relocation counts match readelf for a sample of the corpus', () => {
  for (const path of sample) {
    const elf = new ElfFile(new Uint8Array(readFileSync(path)));
    const symbols = /Symbol table '\.symtab' contains (\d+) entries/.exec(readelf('-s', path));
    assert.equal(elf.symbols().length, Number(symbols?.[1] ?? 0), path);
    const expected = [...readelf('-r', path).matchAll(/Relocation section '([^']+)' at offset 0x[0-9a-f]+ contains (\d+) entr/g)].map((m) => [m[1], Number(m[2])]);
    const ours = elf.relocationSections().map(({ section }) => [section.name, elf.relocations(section).length]);
    assert.deepEqual(ours, expected, path);
  }
});

test('a big-endian file is refused as such', () => {
  assert.match(elfError(patched(firstObject, (v) => v.setUint8(5, 2))).message, /not a little-endian ELF file .*big-endian/);
});

test('a 32-bit ELF file is refused', () => {
  assert.match(elfError(patched(firstObject, (v) => v.setUint8(4, 1))).message, /not a 64-bit ELF file \(offset 0x4\)/);
});

test('an ELF file for another machine is refused with its e_machine', () => {
  assert.match(elfError(patched(firstObject, (v) => v.setUint16(18, 62, true))).message, /ELF machine is 62, not BPF \(247\) \(offset 0x12\)/);
});

test('a file shorter than the ELF header is refused', () => {
  assert.match(elfError(firstObject.subarray(0, 40)).message, /40 bytes, too short for an ELF header/);
});

test('a section whose data runs past the end of the file is named by index and header offset', () => {
  const shoff = Number(new DataView(firstObject.buffer, firstObject.byteOffset).getBigUint64(40, true));
  const error = elfError(patched(firstObject, (v) => v.setBigUint64(shoff + 64 * 2 + 32, 0x7fffffffn, true)));
  assert.match(error.message, /section data \(0x7fffffff bytes at 0x[0-9a-f]+\) runs past the end of the file/);
  assert.equal(error.section, '#2');
  assert.equal(error.offset, shoff + 64 * 2 + 24);
});

test('a section header table past the end of the file is refused', () => {
  assert.match(elfError(patched(firstObject, (v) => v.setBigUint64(40, BigInt(firstObject.length), true))).message, /section header table .* runs past the end of the file/);
});

test("a section name's string offset outside .shstrtab names the section header it was read from", () => {
  const shoff = Number(new DataView(firstObject.buffer, firstObject.byteOffset).getBigUint64(40, true));
  const error = elfError(patched(firstObject, (v) => v.setUint32(shoff + 64 * 3, 0xfffff, true)));
  assert.match(error.message, /string offset 1048575 is outside string table \.shstrtab .*the name of section #3/);
  assert.deepEqual([error.section, error.offset], ['#3', shoff + 64 * 3]);
});

test("a symbol name's string offset outside .strtab names the symbol table entry", () => {
  const elf = new ElfFile(firstObject);
  const symtab = elf.sections.find((s) => s.type === 2)!;
  const entry = symtab.offset + 24 * 2;
  const broken = new ElfFile(patched(firstObject, (v) => v.setUint32(entry, 0x7fffffff, true)));
  assert.throws(() => broken.symbols(), (error: unknown) => error instanceof ElfError && error.section === '.symtab' && error.offset === entry && /the name of symbol 2/.test(error.message));
});

test('a relocation section applying to a section that does not exist is refused', () => {
  const elf = new ElfFile(firstObject);
  const rel = elf.sections.find((s) => s.type === SHT_REL)!;
  const shoff = Number(new DataView(firstObject.buffer, firstObject.byteOffset).getBigUint64(40, true));
  const broken = new ElfFile(patched(firstObject, (v) => v.setUint32(shoff + 64 * rel.index + 44, 999, true)));
  assert.throws(() => broken.relocationSections(), new RegExp(`applies to section index 999, which does not exist \\(section ${rel.name.replace('.', '\\.')}`));
});
