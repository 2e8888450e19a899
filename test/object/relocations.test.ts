import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ElfFile } from '../../src/elf/reader.ts';
import { ObjectError, openObject } from '../../src/object/index.ts';
import { compileTestProgram } from '../support/compile.ts';
import { repoRoot } from '../support/paths.ts';

// The canonical example's `.relbind` holds the relocations of its two `lddw r1, proc_map`; each test
// below breaks one of them in a copy of the file and expects the loader to name the place.
const original = new Uint8Array(readFileSync(await compileTestProgram(join(repoRoot, 'examples', 'TraceConnections.c'))));
const elf = new ElfFile(original);
const relbind = elf.sections.find((s) => s.name === '.relbind')!;
const bind = elf.sections.find((s) => s.name === 'bind')!;
const firstRelocation = elf.relocations(relbind)[0]!;

/** A copy of the object with its first relocation entry patched (at +0 its offset, +8 its type, +12 its symbol index). */
function withRelocation(patch: (view: DataView, entry: number) => void): Uint8Array {
  const copy = original.slice();
  patch(new DataView(copy.buffer), relbind.offset);
  return copy;
}

function objectError(bytes: Uint8Array): ObjectError {
  try {
    openObject(bytes);
  } catch (error) {
    assert.ok(error instanceof ObjectError, `expected an ObjectError, got ${(error as Error).name}: ${(error as Error).message}`);
    return error;
  }
  assert.fail('the object opened');
}

test('the unbroken object opens, with both lddw slots referring to proc_map', () => {
  const program = openObject(original).programs[0]!;
  assert.deepEqual(program.mapReferences.map((r) => [r.mapIndex, r.kind]), [[0, 'map'], [0, 'map']]);
});

test('a relocation offset that is not on an instruction boundary is refused, naming the code section and the offset', () => {
  const error = objectError(withRelocation((v, at) => v.setBigUint64(at, BigInt(firstRelocation.offset + 3), true)));
  assert.match(error.message, /does not point at an instruction/);
  assert.deepEqual([error.section, error.offset], ['bind', firstRelocation.offset + 3]);
});

test('a relocation offset past the end of its section is refused', () => {
  const error = objectError(withRelocation((v, at) => v.setBigUint64(at, BigInt(bind.size), true)));
  assert.match(error.message, new RegExp(`relocation at 0x${bind.size.toString(16)} of bind \\(in \\.relbind\\) does not point at an instruction`));
});

test('a relocation naming a symbol index past the symbol table is refused', () => {
  const error = objectError(withRelocation((v, at) => v.setUint32(at + 12, 0xffff, true)));
  assert.match(error.message, /names symbol 65535, which does not exist \(section bind, offset 0x/);
});

test('a map relocation moved onto an instruction that is not an lddw is refused', () => {
  const error = objectError(withRelocation((v, at) => v.setBigUint64(at, BigInt(firstRelocation.offset + 8), true)));
  assert.match(error.message, /\(R_BPF_64_64\) is on opcode 0x0, not an lddw/);
  assert.equal(error.offset, firstRelocation.offset + 8);
});

test('an lddw relocation against a symbol that is not a map is refused', () => {
  const license = elf.symbols().findIndex((s) => s.name === 'LICENSE');
  const error = objectError(withRelocation((v, at) => v.setUint32(at + 12, license, true)));
  assert.match(error.message, /lddw refers to 'LICENSE\+0', which is not a map \(section bind, offset 0x/);
});

test('a relocation of a type code sections do not take is refused', () => {
  const error = objectError(withRelocation((v, at) => v.setUint32(at + 8, 3, true)));
  assert.match(error.message, /has type 3, which code sections do not take/);
});
