import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Btf } from '../../src/btf/btf.ts';
import { formatBtfDump } from '../../src/btf/dump.ts';
import { ElfFile } from '../../src/elf/reader.ts';
import { openObjectFile } from '../../src/object/index.ts';
import { compileTestProgram } from '../support/compile.ts';
import { repoRoot } from '../support/paths.ts';

const source = join(repoRoot, 'test', 'btf', 'testdata', 'kinds.c');

test('FLOAT, ENUM64, TYPE_TAG, DECL_TAG and bitfields print exactly as bpftool prints them', async () => {
  const path = await compileTestProgram(source);
  const elf = new ElfFile(new Uint8Array(readFileSync(path)));
  const btf = Btf.parse(elf.sectionData(elf.section('.BTF')!));
  const kinds = new Set(btf.types.filter((t) => t !== undefined).map((t) => t!.kind));
  for (const kind of ['FLOAT', 'TYPE_TAG', 'DECL_TAG'] as const) assert.ok(kinds.has(kind), `clang emitted no ${kind}`);
  assert.equal(formatBtfDump(btf), execFileSync('bpftool', ['btf', 'dump', 'file', path], { encoding: 'utf8' }));
});

/** A raw BTF blob (header, types, strings), which bpftool also reads directly. */
function rawBtf(types: number[], strings: string): Uint8Array {
  const typeBytes = new Uint8Array(new Uint32Array(types).buffer);
  const stringBytes = new TextEncoder().encode(strings);
  const header = new Uint8Array(24);
  const h = new DataView(header.buffer);
  h.setUint16(0, 0xeb9f, true); h.setUint8(2, 1); h.setUint32(4, 24, true);
  h.setUint32(8, 0, true); h.setUint32(12, typeBytes.length, true); h.setUint32(16, typeBytes.length, true); h.setUint32(20, stringBytes.length, true);
  return Uint8Array.from([...header, ...typeBytes, ...stringBytes]);
}

test('ENUM64, signed and unsigned, prints as bpftool prints it (clang 19 emits 64-bit enums as ENUM)', () => {
  // strings: 0 '', 1 'e', 3 'A', 5 'B', 7 's'
  const kind = (k: number, vlen: number, flag = 0) => ((flag << 31) | (k << 24) | vlen) >>> 0;
  const blob = rawBtf([
    1, kind(19, 2), 8, 3, 0x9abcdef0, 0x12345678, 5, 1, 0,
    7, kind(19, 1, 1), 8, 3, 0xfffffffe, 0xffffffff,
  ], '\0e\0A\0B\0s\0');
  const path = join(mkdtempSync(join(tmpdir(), 'btf-')), 'enum64.btf');
  writeFileSync(path, blob);
  const btf = Btf.parse(blob);
  const values = (id: number) => {
    const t = btf.type(id);
    return t?.kind === 'ENUM64' ? t.values.map((v) => v.value) : [];
  };
  assert.deepEqual(values(1), [0x123456789abcdef0n, 1n]);
  assert.deepEqual(values(2), [-2n]);
  assert.equal(formatBtfDump(btf), execFileSync('bpftool', ['btf', 'dump', 'file', path], { encoding: 'utf8' }));
});

test('BTF.ext carries CO-RE relocation records and func info for the program', async () => {
  const object = await openObjectFile(await compileTestProgram(source));
  assert.ok(object.btfExt!.coreRelocations.length > 0);
  assert.ok(object.btfExt!.coreRelocations.every((r) => r.section === 'sample_ext' && /^0(:\d+)*$/.test(r.accessString)));
  assert.equal(object.programs[0]!.functions[0]!.typeId !== undefined, true);
  assert.equal(object.maps[0]!.valueSize, 48);
});

test('a type loop in BTF is reported, not followed forever', () => {
  // Two typedefs naming each other: [1] TYPEDEF 'a' -> 2, [2] TYPEDEF 'b' -> 1.
  const strings = new TextEncoder().encode('\0a\0b\0');
  const types = new Uint8Array(24);
  const view = new DataView(types.buffer);
  view.setUint32(0, 1, true); view.setUint32(4, 8 << 24, true); view.setUint32(8, 2, true);
  view.setUint32(12, 3, true); view.setUint32(16, 8 << 24, true); view.setUint32(20, 1, true);
  const header = new Uint8Array(24);
  const h = new DataView(header.buffer);
  h.setUint16(0, 0xeb9f, true); h.setUint8(2, 1); h.setUint32(4, 24, true);
  h.setUint32(8, 0, true); h.setUint32(12, types.length, true); h.setUint32(16, types.length, true); h.setUint32(20, strings.length, true);
  const btf = Btf.parse(Uint8Array.from([...header, ...types, ...strings]));
  assert.throws(() => btf.size(1), /does not resolve .* \(a loop/);
});
