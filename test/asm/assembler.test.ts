import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble, AssemblerError } from '../../src/asm/index.ts';
import { formatAssemblerInstruction, instructionStarts } from '../../src/isa/disassemble.ts';
import { decodeInstructions, encodeInstructions } from '../../src/isa/instruction.ts';
import { corpusCodeSections } from '../support/paths.ts';

test('assembling the disassembly of every corpus instruction gives back the same bytes', () => {
  let count = 0;
  for (const { path, section, bytes } of corpusCodeSections()) {
    const insns = decodeInstructions(bytes);
    const text = [...instructionStarts(insns)].map((pc) => formatAssemblerInstruction(insns, pc)).join('\n');
    assert.deepEqual(encodeInstructions(assemble(text)), bytes, `${path} ${section}`);
    count += insns.length;
  }
  assert.ok(count > 400000);
});

test('labels, numeric offsets, local calls, callx and lddw assemble', () => {
  const insns = assemble(['mov32 %r0, 0', 'jne %r0, %r1, done', 'call local f', 'call %r2', 'lddw %r3, 0x1122334455667788', 'done:', 'exit', 'f:', 'exit'].join('\n'));
  assert.equal(insns[1]!.offset, 4);
  assert.equal(insns[2]!.src, 1);
  assert.equal(insns[2]!.imm, 4);
  assert.equal(insns[3]!.dst, 2);
  assert.equal(insns[4]!.imm, 0x55667788);
  assert.equal(insns[5]!.imm, 0x11223344);
});

test('errors name the line and what is wrong', () => {
  const error = (source: string) => {
    try {
      assemble(source);
    } catch (e) {
      assert.ok(e instanceof AssemblerError);
      return e.message;
    }
    assert.fail(`no error for ${source}`);
  };
  assert.match(error('exit\nldxq %r0, %r1'), /^line 2: Invalid mnemonic 'ldxq'/);
  assert.match(error('or %r0, %r50'), /Invalid register %r50/);
  assert.match(error('ja NOWHERE\nexit'), /line 1: undefined label 'NOWHERE'/);
  assert.match(error('mov32 %r0, 2147483648'), /does not fit in 32 bits/);
  assert.match(error('mov32 %r0, 0x100000000'), /does not fit in 32 bits/);
  assert.match(error('ldxb %r0, [%r1+0x10000]'), /does not fit in 16 bits/);
  assert.match(error('lddw %r0'), /Invalid number of operands for lddw/);
  assert.match(error('lock or [%r10-8]'), /Invalid number of operands for lock/);
  assert.match(error('lock'), /Invalid number of operands for lock/);
  assert.match(error('ldxb %r0, %r1'), /expects a memory operand/);
});
