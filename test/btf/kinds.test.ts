import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Btf } from '../../src/btf/btf.ts';
import { formatBtfDump } from '../../src/btf/dump.ts';
import { ElfFile } from '../../src/elf/reader.ts';
import { openObjectFile } from '../../src/object/index.ts';
import { compileTestProgram } from '../support/compile.ts';
import { repoRoot } from '../support/paths.ts';
import { intData, KIND, RawBtf } from './raw-btf.ts';

const source = join(repoRoot, 'test', 'btf', 'testdata', 'kinds.c');

test('FLOAT, ENUM64, TYPE_TAG, DECL_TAG and bitfields print exactly as bpftool prints them', async () => {
  const path = await compileTestProgram(source);
  const elf = new ElfFile(new Uint8Array(readFileSync(path)));
  const btf = Btf.parse(elf.sectionData(elf.section('.BTF')!));
  const kinds = new Set(btf.types.filter((t) => t !== undefined).map((t) => t!.kind));
  for (const kind of ['FLOAT', 'TYPE_TAG', 'DECL_TAG'] as const) assert.ok(kinds.has(kind), `clang emitted no ${kind}`);
  assert.equal(formatBtfDump(btf), execFileSync('bpftool', ['btf', 'dump', 'file', path], { encoding: 'utf8' }));
});

test('ENUM64, signed and unsigned, prints as bpftool prints it (clang 19 emits 64-bit enums as ENUM)', () => {
  const raw = new RawBtf();
  raw.type(KIND.ENUM64, 'e', 2, 8, [raw.name('A'), 0x9abcdef0, 0x12345678, raw.name('B'), 1, 0]);
  raw.type(KIND.ENUM64, 's', 1, 8, [raw.name('C'), 0xfffffffe, 0xffffffff], true);
  const blob = raw.build();
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

test('INT encodings bpftool cannot name print as UNKN, as bpftool prints them', () => {
  const raw = new RawBtf();
  raw.type(KIND.INT, 'signed_char', 0, 1, [intData(8, 3)]);
  raw.type(KIND.INT, 'bool_signed', 0, 1, [intData(8, 5)]);
  raw.type(KIND.INT, 'plain', 0, 4, [intData(32, 0)]);
  const path = join(mkdtempSync(join(tmpdir(), 'btf-')), 'encodings.btf');
  writeFileSync(path, raw.build());
  assert.equal(formatBtfDump(Btf.parse(raw.build())), execFileSync('bpftool', ['btf', 'dump', 'file', path], { encoding: 'utf8' }));
});

test('BTF.ext carries CO-RE relocation records and func info for the program', async () => {
  const object = await openObjectFile(await compileTestProgram(source));
  assert.ok(object.btfExt!.coreRelocations.length > 0);
  assert.ok(object.btfExt!.coreRelocations.every((r) => r.section === 'sample_ext' && /^0(:\d+)*$/.test(r.accessString)));
  assert.equal(object.programs[0]!.functions[0]!.typeId !== undefined, true);
  assert.equal(object.maps[0]!.valueSize, 48);
});

test('BTF of every example and object test program prints exactly as bpftool prints it', async () => {
  const sources = [
    ...readdirSync(join(repoRoot, 'examples')).filter((f) => f.endsWith('.c')).map((f) => join(repoRoot, 'examples', f)),
    ...['values.c'].map((f) => join(repoRoot, 'test', 'btf', 'testdata', f)),
    ...['features.c', 'legacy_inner.c'].map((f) => join(repoRoot, 'test', 'object', 'testdata', f)),
  ];
  for (const source of sources) {
    const path = await compileTestProgram(source);
    const elf = new ElfFile(new Uint8Array(readFileSync(path)));
    assert.equal(formatBtfDump(Btf.parse(elf.sectionData(elf.section('.BTF')!))), execFileSync('bpftool', ['btf', 'dump', 'file', path], { encoding: 'utf8' }), source);
  }
});
