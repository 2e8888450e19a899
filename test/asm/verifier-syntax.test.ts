import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assembleVerifierSyntax, AssemblerError } from '../../src/asm/index.ts';
import { formatVerifierInstruction, instructionStarts } from '../../src/isa/disassemble.ts';
import { decodeInstructions, encodeInstructions } from '../../src/isa/instruction.ts';
import { windowsPlatform } from '../../src/platform/index.ts';
import { corpusCodeSections } from '../support/paths.ts';

test('the verifier syntax round-trips every corpus instruction, with and without helper names', () => {
  const naming = { helper: (id: number) => windowsPlatform.helpers.get(id) };
  let count = 0;
  for (const { path, section, bytes } of corpusCodeSections()) {
    const insns = decodeInstructions(bytes);
    for (const names of [undefined, naming]) {
      const text = [...instructionStarts(insns)].map((pc) => formatVerifierInstruction(insns, pc, names)).join('\n');
      assert.deepEqual(encodeInstructions(assembleVerifierSyntax(text)), bytes, `${path} ${section}`);
    }
    count += insns.length;
  }
  assert.ok(count > 400000);
});

test('PREVAIL-style programs with labels assemble', () => {
  const insns = assembleVerifierSyntax(['r0 = 0', '<loop>:', 'if r0 >= 4 goto <out>', 'r0 += 1', 'goto <loop>', '<out>:', 'exit'].join('\n'));
  assert.deepEqual(insns.map((i) => [i.opcode, i.offset]), [[0xb7, 0], [0x35, 2], [0x07, 0], [0x05, -3], [0x95, 0]]);
  const calls = assembleVerifierSyntax('call 1; bpf_map_lookup_elem\nlock *(u64 *)(r10 - 8) += r1 fetch\nr1 = *(u8 *)(r2 - 3)\nw1 s8= r2\nexit');
  assert.deepEqual(calls.map((i) => i.opcode), [0x85, 0xdb, 0x71, 0xbc, 0x95]);
});

test('errors name the line', () => {
  assert.throws(() => assembleVerifierSyntax('r0 = 0\nr0 = frob\nexit'), (e: unknown) => e instanceof AssemblerError && e.line === 2);
  assert.throws(() => assembleVerifierSyntax('goto <nowhere>\nexit'), /undefined label '<nowhere>'/);
  assert.throws(() => assembleVerifierSyntax('r11 = 1'), /expected a register/);
});
