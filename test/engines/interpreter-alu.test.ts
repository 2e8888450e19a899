// Every ALU and jump form of the opcode table against an independent model of RFC 9669 written with
// BigInt, on random operands and the edge values where implementations go wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpret } from '../../src/engines/interpreter/interpreter.ts';
import type { Instruction } from '../../src/isa/instruction.ts';
import { OPCODE_FORMS, type OpcodeForm } from '../../src/isa/opcodes.ts';
import { seededRandom } from '../../src/object/mutate.ts';
import { Arena } from '../../src/runtime/arena.ts';

const M64 = (1n << 64n) - 1n;
const u64 = (x: bigint) => x & M64;
const s64 = (x: bigint) => BigInt.asIntN(64, x);
const u32 = (x: bigint) => x & 0xffffffffn;
const s32 = (x: bigint) => BigInt.asIntN(32, x);

const EDGES = [0n, 1n, -1n, 2n, 31n, 32n, 63n, 64n, -0x80000000n, 0x7fffffffn, 0x80000000n, 0xffffffffn, -(1n << 63n), (1n << 63n) - 1n, 0x100000000n];

function model(form: OpcodeForm, a: bigint, b: bigint): bigint {
  const s = form.semantics;
  if (s.kind !== 'alu') throw new Error('not alu');
  if (s.is64) {
    const x = u64(a), y = u64(b);
    switch (s.op) {
      case 'add': return u64(x + y);
      case 'sub': return u64(x - y);
      case 'mul': return u64(x * y);
      case 'div': return y === 0n ? 0n : x / y;
      case 'sdiv': return y === 0n ? 0n : u64(s64(x) / s64(y));
      case 'mod': return y === 0n ? x : x % y;
      case 'smod': return y === 0n ? x : u64(s64(x) % s64(y));
      case 'or': return x | y;
      case 'and': return x & y;
      case 'xor': return x ^ y;
      case 'lsh': return u64(x << (y & 63n));
      case 'rsh': return x >> (y & 63n);
      case 'arsh': return u64(s64(x) >> (y & 63n));
      case 'neg': return u64(-x);
      case 'mov': return y;
      case 'movsx': return u64(BigInt.asIntN(s.extendFrom!, y));
    }
  }
  const x = u32(a), y = u32(b);
  switch (s.op) {
    case 'add': return u32(x + y);
    case 'sub': return u32(x - y);
    case 'mul': return u32(x * y);
    case 'div': return y === 0n ? 0n : x / y;
    case 'sdiv': return y === 0n ? 0n : u32(s32(x) / s32(y));
    case 'mod': return y === 0n ? x : x % y;
    case 'smod': return y === 0n ? x : u32(s32(x) % s32(y));
    case 'or': return x | y;
    case 'and': return x & y;
    case 'xor': return x ^ y;
    case 'lsh': return u32(x << (y & 31n));
    case 'rsh': return x >> (y & 31n);
    case 'arsh': return u32(s32(x) >> (y & 31n));
    case 'neg': return u32(-x);
    case 'mov': return y;
    case 'movsx': return u32(BigInt.asIntN(s.extendFrom!, y));
  }
}

function jumpModel(form: OpcodeForm, a: bigint, b: bigint): boolean {
  const s = form.semantics;
  if (s.kind !== 'jump') throw new Error('not a jump');
  const [x, y, sx, sy] = s.is64 ? [u64(a), u64(b), s64(a), s64(b)] : [u32(a), u32(b), s32(a), s32(b)];
  switch (s.cond) {
    case 'eq': return x === y;
    case 'ne': return x !== y;
    case 'gt': return x > y;
    case 'ge': return x >= y;
    case 'lt': return x < y;
    case 'le': return x <= y;
    case 'set': return (x & y) !== 0n;
    case 'sgt': return sx > sy;
    case 'sge': return sx >= sy;
    case 'slt': return sx < sy;
    case 'sle': return sx <= sy;
  }
}

const lddw = (dst: number, value: bigint): Instruction[] => {
  const v = u64(value);
  return [
    { opcode: 0x18, dst, src: 0, offset: 0, imm: Number(BigInt.asIntN(32, v)) },
    { opcode: 0, dst: 0, src: 0, offset: 0, imm: Number(BigInt.asIntN(32, v >> 32n)) },
  ];
};
const exit: Instruction = { opcode: 0x95, dst: 0, src: 0, offset: 0, imm: 0 };
const environment = { arena: new Arena(), helper: () => undefined };

function operands(random: () => number): bigint[] {
  const values = [...EDGES];
  for (let i = 0; i < 12; i++) values.push(s64(BigInt(Math.floor(random() * 2 ** 32)) << 32n | BigInt(Math.floor(random() * 2 ** 32))));
  for (let i = 0; i < 6; i++) values.push(BigInt(Math.floor(random() * 64) - 8));
  return values;
}

test('every ALU form agrees with a BigInt model of RFC 9669 on edge and random operands', () => {
  const random = seededRandom(9669);
  const values = operands(random);
  let checked = 0;
  for (const form of OPCODE_FORMS) {
    if (form.semantics.kind !== 'alu') continue;
    const reg = form.semantics.source === 'reg';
    for (const a of values) {
      for (const b of values) {
        const imm = Number(BigInt.asIntN(32, b));
        const operand = reg ? b : BigInt(imm);
        const insn: Instruction = { opcode: form.opcode, dst: 0, src: reg ? 1 : 0, offset: form.select?.field === 'offset' ? form.select.value : 0, imm: reg || !form.uses.imm ? 0 : imm };
        const program = [...lddw(0, a), ...lddw(1, b), insn, exit];
        const expected = model(form, a, form.semantics.is64 ? operand : operand);
        assert.equal(interpret(program, environment), expected, `${form.mnemonic} ${a} ${reg ? 'reg' : 'imm'} ${operand}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 10000);
});

test('every conditional jump form agrees with the model', () => {
  const random = seededRandom(42);
  const values = operands(random);
  for (const form of OPCODE_FORMS) {
    if (form.semantics.kind !== 'jump') continue;
    const reg = form.semantics.source === 'reg';
    for (const a of values) {
      for (const b of values) {
        const imm = Number(BigInt.asIntN(32, b));
        const operand = reg ? b : BigInt(imm);
        const program: Instruction[] = [
          ...lddw(1, a), ...lddw(2, b),
          { opcode: 0xb7, dst: 0, src: 0, offset: 0, imm: 0 },
          { opcode: form.opcode, dst: 1, src: reg ? 2 : 0, offset: 1, imm: reg ? 0 : imm },
          exit,
          { opcode: 0xb7, dst: 0, src: 0, offset: 0, imm: 1 },
          exit,
        ];
        assert.equal(interpret(program, environment), jumpModel(form, a, operand) ? 1n : 0n, `${form.mnemonic} ${a} ${operand}`);
      }
    }
  }
});

test('byte swaps follow the RFC: le zero-extends, be and bswap swap', () => {
  const value = 0x8877665544332211n;
  const cases: [number, number, bigint][] = [
    [0xd4, 16, 0x2211n], [0xd4, 32, 0x44332211n], [0xd4, 64, value],
    [0xdc, 16, 0x1122n], [0xdc, 32, 0x11223344n], [0xdc, 64, 0x1122334455667788n],
    [0xd7, 16, 0x1122n], [0xd7, 32, 0x11223344n], [0xd7, 64, 0x1122334455667788n],
  ];
  for (const [opcode, width, expected] of cases) {
    const program = [...lddw(0, value), { opcode, dst: 0, src: 0, offset: 0, imm: width }, exit];
    assert.equal(interpret(program, environment), expected, `opcode 0x${opcode.toString(16)} imm ${width}`);
  }
});
