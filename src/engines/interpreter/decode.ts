// Pre-decoding for the interpreter: each instruction becomes one small operation number plus its fields
// in flat typed arrays, computed once from the opcode table's semantics, so the run loop is a single
// switch over dense integers.

import type { Instruction } from '../../isa/instruction.ts';
import { lookupForm, PSEUDO_IMM64, type AluOp, type JumpCond } from '../../isa/opcodes.ts';

// Operation numbers: ALU ops are BASE + (is64 ? 0 : 1) * 2 + (reg ? 1 : 0) laid out in blocks of four.
const ALU_ORDER: readonly AluOp[] = ['add', 'sub', 'mul', 'div', 'sdiv', 'or', 'and', 'lsh', 'rsh', 'neg', 'mod', 'smod', 'xor', 'mov', 'movsx', 'arsh'];
const JUMP_ORDER: readonly JumpCond[] = ['eq', 'gt', 'ge', 'set', 'ne', 'sgt', 'sge', 'lt', 'le', 'slt', 'sle'];

/** ALU operation number: 4 per operation (64/32 x imm/reg). */
export function aluOp(op: AluOp, is64: boolean, reg: boolean): number {
  return ALU_ORDER.indexOf(op) * 4 + (is64 ? 0 : 2) + (reg ? 1 : 0);
}
/** First number after the ALU block. */
const JUMP_BASE = ALU_ORDER.length * 4; // 64
/** Jump operation number: 4 per condition (64/32 x imm/reg). */
export function jumpOp(cond: JumpCond, is64: boolean, reg: boolean): number {
  return JUMP_BASE + JUMP_ORDER.indexOf(cond) * 4 + (is64 ? 0 : 2) + (reg ? 1 : 0);
}
const OTHER = JUMP_BASE + JUMP_ORDER.length * 4; // 108
export const OP_JA = OTHER;
export const OP_CALL = OTHER + 1;
export const OP_CALL_LOCAL = OTHER + 2;
export const OP_CALLX = OTHER + 3;
export const OP_EXIT = OTHER + 4;
export const OP_LDDW = OTHER + 5;
export const OP_LE16 = OTHER + 6;
export const OP_LE32 = OTHER + 7;
export const OP_LE64 = OTHER + 8;
export const OP_SWAP16 = OTHER + 9;
export const OP_SWAP32 = OTHER + 10;
export const OP_SWAP64 = OTHER + 11;
export const OP_LDX = OTHER + 12; // + log2(size): 12..15
export const OP_LDXS = OTHER + 16; // + log2(size): 16..18
export const OP_ST = OTHER + 20; // + log2(size)
export const OP_STX = OTHER + 24; // + log2(size)
export const OP_ATOMIC32 = OTHER + 28;
export const OP_ATOMIC64 = OTHER + 29;
export const OP_INVALID = OTHER + 30;

/** Atomic operation codes kept in `aux`. */
export const ATOMIC_ADD = 0, ATOMIC_OR = 1, ATOMIC_AND = 2, ATOMIC_XOR = 3, ATOMIC_XCHG = 4, ATOMIC_CMPXCHG = 5;

/** A decoded program: parallel arrays indexed by pc. */
export interface DecodedProgram {
  readonly op: Uint8Array;
  readonly dst: Uint8Array;
  readonly src: Uint8Array;
  readonly offset: Int32Array;
  /** imm (sign-extended to the op's needs), or for lddw the low word. */
  readonly imm: Int32Array;
  /** lddw high word; movsx width; atomic operation and fetch flag (bit 3). */
  readonly aux: Int32Array;
  /** Why an instruction is invalid (for OP_INVALID). */
  readonly invalid: Map<number, string>;
}

const log2 = (size: number) => (size === 1 ? 0 : size === 2 ? 1 : size === 4 ? 2 : 3);

/** Decodes a program for the interpreter. */
export function decodeForInterpreter(insns: readonly Instruction[]): DecodedProgram {
  const n = insns.length;
  const program: DecodedProgram = {
    op: new Uint8Array(n).fill(OP_INVALID),
    dst: new Uint8Array(n),
    src: new Uint8Array(n),
    offset: new Int32Array(n),
    imm: new Int32Array(n),
    aux: new Int32Array(n),
    invalid: new Map(),
  };
  for (let pc = 0; pc < n; pc++) {
    const insn = insns[pc]!;
    const form = lookupForm(insn);
    program.dst[pc] = insn.dst;
    program.src[pc] = insn.src;
    program.offset[pc] = insn.offset;
    program.imm[pc] = insn.imm;
    if (!form) {
      program.invalid.set(pc, `undefined instruction (opcode 0x${insn.opcode.toString(16)})`);
      continue;
    }
    const s = form.semantics;
    let op = OP_INVALID;
    switch (s.kind) {
      case 'alu':
        op = aluOp(s.op, s.is64, s.source === 'reg');
        if (s.op === 'movsx') program.aux[pc] = s.extendFrom!;
        break;
      case 'endian':
        if (s.op === 'le') op = s.width === 16 ? OP_LE16 : s.width === 32 ? OP_LE32 : OP_LE64;
        else op = s.width === 16 ? OP_SWAP16 : s.width === 32 ? OP_SWAP32 : OP_SWAP64;
        break;
      case 'jump':
        op = jumpOp(s.cond, s.is64, s.source === 'reg');
        break;
      case 'ja':
        op = OP_JA;
        program.offset[pc] = s.wide ? insn.imm : insn.offset;
        break;
      case 'call':
        op = s.target === 'helper' ? OP_CALL : s.target === 'local' ? OP_CALL_LOCAL : s.target === 'register' ? OP_CALLX : OP_INVALID;
        if (op === OP_INVALID) program.invalid.set(pc, 'call to a kernel function (kfunc) is not supported');
        break;
      case 'exit':
        op = OP_EXIT;
        break;
      case 'lddw':
        if (s.pseudo === PSEUDO_IMM64) {
          op = OP_LDDW;
          program.aux[pc] = insns[pc + 1]?.imm ?? 0;
        } else {
          program.invalid.set(pc, `lddw with pseudo source ${s.pseudo} was not resolved by the loader`);
        }
        break;
      case 'load':
        op = (s.signed ? OP_LDXS : OP_LDX) + log2(s.size);
        break;
      case 'store':
        op = (s.source === 'imm' ? OP_ST : OP_STX) + log2(s.size);
        break;
      case 'atomic': {
        op = s.size === 8 ? OP_ATOMIC64 : OP_ATOMIC32;
        const code = { add: ATOMIC_ADD, or: ATOMIC_OR, and: ATOMIC_AND, xor: ATOMIC_XOR, xchg: ATOMIC_XCHG, cmpxchg: ATOMIC_CMPXCHG }[s.op];
        program.aux[pc] = code | (s.fetch ? 8 : 0);
        break;
      }
      case 'packet-load':
        program.invalid.set(pc, 'legacy packet access (ld_abs/ld_ind) is not supported on this platform');
        break;
    }
    program.op[pc] = op;
  }
  return program;
}
