// Printing instructions, in two syntaxes derived from the opcode table:
// - the verifier syntax (PREVAIL's, which netsh `show disassembly` prints): `r0 = *(u32 *)(r1 + 4)`,
//   `if r1 > r2 goto +3 <12>`, `r0 = bpf_map_lookup_elem:1(map_fd r1, map_key r2)`;
// - the assembler syntax of the conformance suite (uBPF's): `ldxw %r0, [%r1+4]`, `jgt %r1, %r2, +3`.

import { wideImmediate, type Instruction } from './instruction.ts';
import { lookupForm, PSEUDO_FUNC, PSEUDO_MAP_FD, PSEUDO_MAP_IDX, PSEUDO_MAP_IDX_VALUE, PSEUDO_MAP_VALUE, type AluOp, type JumpCond } from './opcodes.ts';

/** A helper argument kind as the platform names it (`map`, `readable_mem`, `const_size`...). */
export type ArgKindLike = string;

/** What the verifier-syntax printer needs to name helpers and their arguments (from the platform). */
export interface HelperNaming {
  helper(id: number): { name: string; args: readonly ArgKindLike[] } | undefined;
}

const ALU_SYMBOL: Record<AluOp, string> = {
  add: '+', sub: '-', mul: '*', div: '/', sdiv: 's/', or: '|', and: '&', lsh: '<<', rsh: '>>', neg: '-', mod: '%', smod: 's%',
  xor: '^', mov: '', movsx: '', arsh: 's>>',
};
const JUMP_SYMBOL: Record<JumpCond, string> = {
  eq: '==', gt: '>', ge: '>=', set: '&==', ne: '!=', sgt: 's>', sge: 's>=', lt: '<', le: '<=', slt: 's<', sle: 's<=',
};
const SINGLE_ARG: Record<string, string> = {
  anything: 'uint64_t', ctx: 'ctx', map: 'map_fd', map_of_programs: 'map_fd_programs', map_key: 'map_key', map_value: 'map_value',
};
const PAIR_ARG: Record<string, string> = { readable_mem: 'mem', readable_mem_or_null: 'mem?', writable_mem: 'out' };

const sizeName = (size: number, signed = false) => `${signed ? 's' : 'u'}${size * 8}`;
const deref = (size: number, reg: number, offset: number, signed = false) =>
  `*(${sizeName(size, signed)} *)(r${reg} ${offset < 0 ? '-' : '+'} ${Math.abs(offset)})`;

function callArguments(args: readonly ArgKindLike[]): string {
  const parts: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const kind = args[i]!;
    const register = `r${i + 1}`;
    const pair = PAIR_ARG[kind];
    const next = args[i + 1];
    if (pair && (next === 'const_size' || next === 'const_size_or_zero')) {
      parts.push(`${pair} ${register}[r${i + 2}${next === 'const_size_or_zero' ? '?' : ''}], uint64_t r${i + 2}`);
      i++;
    } else if (kind !== 'dontcare') {
      parts.push(`${SINGLE_ARG[kind] ?? kind} ${register}`);
    }
  }
  return parts.join(', ');
}

/** One instruction in the verifier syntax; `pc` and the slots are needed for jumps and lddw. */
export function formatVerifierInstruction(insns: readonly Instruction[], pc: number, naming?: HelperNaming): string {
  const insn = insns[pc]!;
  const form = lookupForm(insn);
  if (!form) return `Undefined{${insn.opcode}}`;
  const s = form.semantics;
  const r = (n: number, is64 = true) => `${is64 ? 'r' : 'w'}${n}`;
  switch (s.kind) {
    case 'alu': {
      const operand = s.source === 'reg' ? r(insn.src) : String(insn.imm);
      if (s.op === 'neg') return `${r(insn.dst, s.is64)} = -${r(insn.dst, s.is64)}`;
      if (s.op === 'movsx') return `${r(insn.dst, s.is64)} s${s.extendFrom}= ${r(insn.src)}`;
      return `${r(insn.dst, s.is64)} ${ALU_SYMBOL[s.op]}= ${operand}`;
    }
    case 'endian':
      return `${r(insn.dst)} = ${s.op === 'bswap' ? 'swap' : s.op}${s.width} ${r(insn.dst)}`;
    case 'jump': {
      const offset = insn.offset;
      const operand = s.source === 'reg' ? r(insn.src) : String(insn.imm);
      return `if ${r(insn.dst)} ${s.is64 ? '' : 'w'}${JUMP_SYMBOL[s.cond]} ${operand} goto ${offset > 0 ? '+' : ''}${offset} <${pc + 1 + offset}>`;
    }
    case 'ja': {
      const offset = s.wide ? insn.imm : insn.offset;
      return `goto ${offset > 0 ? '+' : ''}${offset} <${pc + 1 + offset}>`;
    }
    case 'call':
      if (s.target === 'local') return `call <${pc + 1 + insn.imm}>`;
      if (s.target === 'register') return `callx ${r(insn.dst)}`;
      if (s.target === 'kfunc') return `call_btf ${insn.imm}`;
      {
        const helper = naming?.helper(insn.imm);
        return helper ? `r0 = ${helper.name}:${insn.imm}(${callArguments(helper.args)})` : `call ${insn.imm}`;
      }
    case 'exit':
      return 'exit';
    case 'lddw':
      if (s.pseudo === PSEUDO_MAP_FD) return `${r(insn.dst)} = map_fd ${insn.imm + 1}`;
      if (s.pseudo === PSEUDO_MAP_VALUE) return `${r(insn.dst)} = map_val(${insn.imm + 1}) + ${insns[pc + 1]?.imm ?? 0}`;
      if (s.pseudo === PSEUDO_FUNC) return `${r(insn.dst)} = code_addr(${pc + 1 + insn.imm})`;
      if (s.pseudo === PSEUDO_MAP_IDX) return `${r(insn.dst)} = map_by_idx(${insn.imm})`;
      if (s.pseudo === PSEUDO_MAP_IDX_VALUE) return `${r(insn.dst)} = mva(map_by_idx(${insn.imm})) + ${insns[pc + 1]?.imm ?? 0}`;
      return `${r(insn.dst)} = ${BigInt.asIntN(64, wideImmediate(insns, pc))} ll`;
    case 'load':
      return `${r(insn.dst)} = ${deref(s.size, insn.src, insn.offset, s.signed)}`;
    case 'store':
      return `${deref(s.size, insn.dst, insn.offset)} = ${s.source === 'reg' ? r(insn.src) : insn.imm}`;
    case 'atomic': {
      const op = s.op === 'xchg' ? 'x' : s.op === 'cmpxchg' ? 'cx' : { add: '+', or: '|', and: '&', xor: '^' }[s.op];
      const fetch = s.fetch && s.op !== 'xchg' && s.op !== 'cmpxchg' ? ' fetch' : '';
      return `lock ${deref(s.size, insn.dst, insn.offset)} ${op}= ${r(insn.src)}${fetch}`;
    }
    case 'packet-load': {
      const inside = s.mode === 'ind' ? `r${insn.src}${insn.imm !== 0 ? ` + ${insn.imm}` : ''}` : String(insn.imm);
      return `r0 = *(${sizeName(s.size)} *)skb[${inside}]`;
    }
  }
}

const signed = (n: number) => (n < 0 ? `-${-n}` : `+${n}`);
const hex = (n: bigint) => `0x${BigInt.asUintN(64, n).toString(16)}`;

/** One instruction in the conformance suite's assembler syntax (round-trips through the assembler). */
export function formatAssemblerInstruction(insns: readonly Instruction[], pc: number): string {
  const insn = insns[pc]!;
  const form = lookupForm(insn);
  if (!form) return `.raw 0x${insn.opcode.toString(16)}`;
  const s = form.semantics;
  const m = form.mnemonic;
  switch (s.kind) {
    case 'alu':
      if (s.op === 'neg') return `${m} %r${insn.dst}`;
      return `${m} %r${insn.dst}, ${s.source === 'reg' ? `%r${insn.src}` : insn.imm}`;
    case 'endian':
      return `${m} %r${insn.dst}`;
    case 'jump':
      return `${m} %r${insn.dst}, ${s.source === 'reg' ? `%r${insn.src}` : insn.imm}, ${signed(insn.offset)}`;
    case 'ja':
      return `${m} ${signed(s.wide ? insn.imm : insn.offset)}`;
    case 'call':
      if (s.target === 'local') return `call local ${signed(insn.imm)}`;
      if (s.target === 'register') return `call %r${insn.dst}`;
      if (s.target === 'kfunc') return `call kfunc ${insn.imm}`;
      return `call ${insn.imm}`;
    case 'exit':
      return 'exit';
    case 'lddw':
      if (s.pseudo === 0) return `lddw %r${insn.dst}, ${hex(wideImmediate(insns, pc))}`;
      return `lddw %r${insn.dst}, ${hex(wideImmediate(insns, pc))}, ${s.pseudo}`;
    case 'load':
      return `${m} %r${insn.dst}, [%r${insn.src}${signed(insn.offset)}]`;
    case 'store':
      return `${m} [%r${insn.dst}${signed(insn.offset)}], ${s.source === 'reg' ? `%r${insn.src}` : insn.imm}`;
    case 'atomic':
      return `${m} [%r${insn.dst}${signed(insn.offset)}], %r${insn.src}`;
    case 'packet-load':
      return s.mode === 'abs' ? `${m} ${insn.imm}` : `${m} %r${insn.src}, ${insn.imm}`;
  }
}

/** Whether slot `pc` is the second half of an lddw (printers skip it). */
export function isSecondSlot(insns: readonly Instruction[], pc: number): boolean {
  for (let i = 0; i < pc; ) {
    const form = lookupForm(insns[i]!);
    const width = form?.slots ?? 1;
    if (i + width > pc) return i !== pc;
    i += width;
  }
  return false;
}

/** Iterates the pcs that start instructions (lddw second slots skipped). */
export function* instructionStarts(insns: readonly Instruction[]): Generator<number> {
  for (let pc = 0; pc < insns.length; ) {
    yield pc;
    pc += lookupForm(insns[pc]!)?.slots ?? 1;
  }
}
