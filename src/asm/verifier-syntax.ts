// The assembler for the verifier syntax: what `show disassembly` prints and what PREVAIL's test suite is
// written in (`r0 = *(u32 *)(r1 + 4)`, `if r1 s> r2 goto <out>`, `lock *(u64 *)(r10 - 8) += r1 fetch`,
// `r1 = map_fd 1`, `call 1`). Jump targets are labels (`<name>`, `<12>` for a pc) or `+N`/`-N`.

import type { Instruction } from '../isa/instruction.ts';
import { ATOMIC_CMPXCHG, ATOMIC_FETCH, ATOMIC_XCHG, CALL_HELPER, CALL_LOCAL, OPCODE_FORMS, PSEUDO_FUNC, PSEUDO_MAP_FD, PSEUDO_MAP_IDX, PSEUDO_MAP_IDX_VALUE, PSEUDO_MAP_VALUE, type AluOp, type JumpCond, type OpcodeForm } from '../isa/opcodes.ts';
import { AssemblerError } from './assembler.ts';

const ALU: Record<string, AluOp> = { '+': 'add', '-': 'sub', '*': 'mul', '/': 'div', 's/': 'sdiv', '%': 'mod', 's%': 'smod', '|': 'or', '&': 'and', '^': 'xor', '<<': 'lsh', '>>': 'rsh', 's>>': 'arsh', '>>>': 'arsh', '': 'mov' };
const JUMP: Record<string, JumpCond> = { '==': 'eq', '!=': 'ne', '>': 'gt', '>=': 'ge', '<': 'lt', '<=': 'le', 's>': 'sgt', 's>=': 'sge', 's<': 'slt', 's<=': 'sle', '&==': 'set' };
const ATOMIC: Record<string, number> = { '+': 0x00, '|': 0x40, '&': 0x50, '^': 0xa0 };
const SIZE: Record<string, number> = { '8': 1, '16': 2, '32': 4, '64': 8 };

function form(predicate: (f: OpcodeForm) => boolean, line: number, what: string): OpcodeForm {
  const found = OPCODE_FORMS.find(predicate);
  if (!found) throw new AssemblerError(line, `no instruction for ${what}`);
  return found;
}

function number(text: string, line: number): bigint {
  const m = /^(-?)(0x[0-9a-f]+|\d+)$/i.exec(text.trim());
  if (!m) throw new AssemblerError(line, `expected a number, found '${text}'`);
  const v = BigInt(m[2]!);
  return m[1] ? -v : v;
}

function imm32(text: string, line: number): number {
  const v = number(text, line);
  if (v < -0x80000000n || v > 0xffffffffn) throw new AssemblerError(line, `immediate ${v} does not fit in 32 bits`);
  return Number(BigInt.asIntN(32, v));
}

function register(text: string, line: number): { n: number; w: boolean } {
  const m = /^([rw])(\d+)$/.exec(text);
  if (!m || Number(m[2]) > 10) throw new AssemblerError(line, `expected a register r0-r10, found '${text}'`);
  return { n: Number(m[2]), w: m[1] === 'w' };
}

interface Pending {
  insns: Instruction[];
  target?: { label: string; field: 'offset' | 'imm' };
}

const MEM = String.raw`\*\(([us])(8|16|32|64) \*\)\((r\d+) ([+-]) (\d+)\)`;

function parseLine(text: string, line: number): Pending {
  const insn = (f: OpcodeForm, fields: Partial<Instruction>): Instruction => ({ opcode: f.opcode, dst: 0, src: 0, offset: 0, imm: 0, ...(f.select ? { [f.select.field]: f.select.value } : {}), ...fields });
  let m: RegExpExecArray | null;
  if (text === 'exit') return { insns: [insn(form((f) => f.semantics.kind === 'exit', line, 'exit'), {})] };
  if ((m = /^goto (.+)$/.exec(text))) {
    return { insns: [insn(form((f) => f.semantics.kind === 'ja' && !f.semantics.wide, line, 'goto'), {})], target: { label: m[1]!, field: 'offset' } };
  }
  if ((m = /^if ([rw]\d+) (w?)(s?[<>]=?|==|!=|&==) ([rw]\d+|-?(?:0x[0-9a-f]+|\d+)) goto (.+)$/i.exec(text))) {
    const left = register(m[1]!, line);
    const is64 = !left.w && m[2] !== 'w';
    const cond = JUMP[m[3]!];
    if (!cond) throw new AssemblerError(line, `unknown comparison '${m[3]}'`);
    const fromReg = /^[rw]/.test(m[4]!);
    const f = form((x) => x.semantics.kind === 'jump' && x.semantics.cond === cond && x.semantics.is64 === is64 && x.semantics.source === (fromReg ? 'reg' : 'imm'), line, text);
    return { insns: [insn(f, { dst: left.n, ...(fromReg ? { src: register(m[4]!, line).n } : { imm: imm32(m[4]!, line) }) })], target: { label: m[5]!, field: 'offset' } };
  }
  if ((m = /^call <(.+)>$/.exec(text))) {
    return { insns: [insn(form((f) => f.semantics.kind === 'call' && f.select?.value === CALL_LOCAL, line, 'call'), {})], target: { label: `<${m[1]}>`, field: 'imm' } };
  }
  if ((m = /^callx (r\d+)$/.exec(text))) return { insns: [insn(form((f) => f.semantics.kind === 'call' && f.semantics.target === 'register', line, 'callx'), { dst: register(m[1]!, line).n })] };
  if ((m = /^(?:call (-?\d+)|r0 = [\w]+:(\d+)\(.*\))(?:\s*;.*)?$/.exec(text))) {
    return { insns: [insn(form((f) => f.semantics.kind === 'call' && f.select?.value === CALL_HELPER, line, 'call'), { imm: Number(m[1] ?? m[2]) })] };
  }
  if ((m = new RegExp(`^lock ${MEM} (x|cx|[+|&^])= (r\\d+)( fetch)?$`).exec(text))) {
    const size = SIZE[m[2]!]!;
    const op = m[6]!;
    const code = op === 'x' ? ATOMIC_XCHG : op === 'cx' ? ATOMIC_CMPXCHG : ATOMIC[op]! | (m[8] ? ATOMIC_FETCH : 0);
    const f = form((x) => x.semantics.kind === 'atomic' && x.semantics.size === size && x.select?.value === code, line, text);
    return { insns: [insn(f, { dst: register(m[3]!, line).n, offset: Number(m[5]) * (m[4] === '-' ? -1 : 1), src: register(m[7]!, line).n })] };
  }
  if ((m = new RegExp(`^${MEM} = (r\\d+|-?(?:0x[0-9a-f]+|\\d+))$`, 'i').exec(text))) {
    const size = SIZE[m[2]!]!;
    const fromReg = m[6]!.startsWith('r');
    const f = form((x) => x.semantics.kind === 'store' && x.semantics.size === size && x.semantics.source === (fromReg ? 'reg' : 'imm'), line, text);
    return { insns: [insn(f, { dst: register(m[3]!, line).n, offset: Number(m[5]) * (m[4] === '-' ? -1 : 1), ...(fromReg ? { src: register(m[6]!, line).n } : { imm: imm32(m[6]!, line) }) })] };
  }
  if ((m = new RegExp(`^(r\\d+) = ${MEM}$`).exec(text))) {
    const size = SIZE[m[3]!]!;
    const signed = m[2] === 's';
    const f = form((x) => x.semantics.kind === 'load' && x.semantics.size === size && x.semantics.signed === signed, line, text);
    return { insns: [insn(f, { dst: register(m[1]!, line).n, src: register(m[4]!, line).n, offset: Number(m[6]) * (m[5] === '-' ? -1 : 1) })] };
  }
  if ((m = /^(r\d+) = map_by_idx\((\d+)\)$/.exec(text))) return lddw(register(m[1]!, line).n, PSEUDO_MAP_IDX, Number(m[2]), 0, line);
  if ((m = /^(r\d+) = mva\(map_by_idx\((\d+)\)\) \+ (\d+)$/.exec(text))) return lddw(register(m[1]!, line).n, PSEUDO_MAP_IDX_VALUE, Number(m[2]), Number(m[3]), line);
  if ((m = /^(r\d+) = (-?(?:0x[0-9a-f]+|\d+)) ?ll$/i.exec(text))) {
    const value = BigInt.asUintN(64, number(m[2]!, line));
    return lddw(register(m[1]!, line).n, 0, Number(BigInt.asIntN(32, value)), Number(BigInt.asIntN(32, value >> 32n)), line);
  }
  if ((m = /^(r\d+) = map_fd (\d+)$/.exec(text))) return lddw(register(m[1]!, line).n, PSEUDO_MAP_FD, Number(m[2]) - 1, 0, line);
  if ((m = /^(r\d+) = map_val\((\d+)\) \+ (\d+)$/.exec(text))) return lddw(register(m[1]!, line).n, PSEUDO_MAP_VALUE, Number(m[2]) - 1, Number(m[3]), line);
  if ((m = /^(r\d+) = code_addr\((.+)\)$/.exec(text))) {
    const p = lddw(register(m[1]!, line).n, PSEUDO_FUNC, 0, 0, line);
    return { ...p, target: { label: `<${m[2]}>`, field: 'imm' } };
  }
  if ((m = /^([rw]\d+) = -([rw]\d+)$/.exec(text))) {
    const dst = register(m[1]!, line);
    return { insns: [insn(form((f) => f.semantics.kind === 'alu' && f.semantics.op === 'neg' && f.semantics.is64 === !dst.w, line, 'neg'), { dst: dst.n })] };
  }
  if ((m = /^call_btf (-?\d+)$/.exec(text))) return { insns: [insn(form((f) => f.semantics.kind === 'call' && f.semantics.target === 'kfunc', line, 'call_btf'), { imm: Number(m[1]) })] };
  if ((m = /^r0 = \*\(u(8|16|32) \*\)skb\[(?:(r\d+)(?: \+ )?)?(-?\d+)?\]$/.exec(text))) {
    const size = SIZE[m[1]!]!;
    const f = form((x) => x.semantics.kind === 'packet-load' && x.semantics.size === size && x.semantics.mode === (m![2] ? 'ind' : 'abs'), line, text);
    return { insns: [insn(f, { ...(m[2] ? { src: register(m[2], line).n } : {}), imm: Number(m[3] ?? 0) })] };
  }
  if ((m = /^(r\d+) = (be|le|swap)(16|32|64) \1$/.exec(text))) {
    const op = m[2] === 'swap' ? 'bswap' : m[2];
    const width = Number(m[3]);
    const f = form((x) => x.semantics.kind === 'endian' && x.semantics.op === op && x.semantics.width === width, line, text);
    return { insns: [insn(f, { dst: register(m[1]!, line).n })] };
  }
  if ((m = /^([rw]\d+) s(8|16|32)= ([rw]\d+)$/.exec(text))) {
    const dst = register(m[1]!, line);
    const from = Number(m[2]);
    const f = form((x) => x.semantics.kind === 'alu' && x.semantics.op === 'movsx' && x.semantics.is64 === !dst.w && x.semantics.extendFrom === from, line, text);
    return { insns: [insn(f, { dst: dst.n, src: register(m[3]!, line).n })] };
  }
  if ((m = /^([rw]\d+) (s\/|s%|s>>|>>>|<<|>>|[-+*\/%|&^]|)= ([rw]\d+|-?(?:0x[0-9a-f]+|\d+))$/i.exec(text))) {
    const dst = register(m[1]!, line);
    const op = ALU[m[2]!]!;
    const fromReg = /^[rw]/.test(m[3]!);
    const f = form((x) => x.semantics.kind === 'alu' && x.semantics.op === op && x.semantics.is64 === !dst.w && x.semantics.source === (fromReg ? 'reg' : 'imm'), line, text);
    return { insns: [insn(f, { dst: dst.n, ...(fromReg ? { src: register(m[3]!, line).n } : { imm: imm32(m[3]!, line) }) })] };
  }
  throw new AssemblerError(line, `cannot read '${text}'`);
}

function lddw(dst: number, src: number, low: number, high: number, line: number): Pending {
  const f = form((x) => x.semantics.kind === 'lddw' && x.select?.value === src, line, 'lddw');
  return { insns: [{ opcode: f.opcode, dst, src, offset: 0, imm: low }, { opcode: 0, dst: 0, src: 0, offset: 0, imm: high }] };
}

/** Options of assembleVerifierSyntax. */
export interface VerifierSyntaxOptions {
  /**
   * Accept PREVAIL's `assume COND` pseudo-instruction: it becomes `if COND goto +0` (a no-op that carries
   * the condition) and its pc is pushed here, for a verifier test runner to treat as an assumption.
   */
  assumes?: number[];
}

/**
 * Assembles verifier-syntax text. Labels stand on their own line as `<name>:`; `<N>` with a number
 * names pc N when no such label exists; `+N`/`-N` are relative.
 */
export function assembleVerifierSyntax(source: string, options: VerifierSyntaxOptions = {}): Instruction[] {
  const labels = new Map<string, number>();
  const pending: { line: number; pc: number; item: Pending }[] = [];
  let pc = 0;
  source.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const text = raw.replace(/^\s*\d+:\s*/, '').replace(/\s*(#|\/\/).*$/, '').trim();
    if (!text || text.startsWith(';')) return;
    const label = /^(<[^>]+>):$/.exec(text);
    if (label) {
      labels.set(label[1]!, pc);
      return;
    }
    // PREVAIL's tests also write `r5=r5` and `w1 = - w1`.
    let statement = text.replace(/\s*;.*$/, '').replace(/^([rw]\d+)\s*=\s*/, '$1 = ').replace(/= - /, '= -');
    if (options.assumes && statement.startsWith('assume ')) {
      options.assumes.push(pc);
      statement = `if ${statement.slice('assume '.length)} goto +0`;
    }
    const item = parseLine(statement, line);
    pending.push({ line, pc, item });
    pc += item.insns.length;
  });
  const out: Instruction[] = [];
  for (const { line, pc: at, item } of pending) {
    const [first, ...rest] = item.insns;
    let insn = first!;
    if (item.target) {
      const t = item.target.label;
      let target: number | undefined;
      if (/^[+-]?\d+(\s+<\d+>)?$/.test(t)) target = at + 1 + Number(t.split(/\s+/)[0]);
      else target = labels.get(t) ?? (/^<\d+>$/.test(t) ? Number(t.slice(1, -1)) : undefined);
      if (target === undefined) throw new AssemblerError(line, `undefined label '${t}'`);
      const relative = target - at - 1;
      if (item.target.field === 'offset' && (relative < -32768 || relative > 32767)) throw new AssemblerError(line, `jump of ${relative} does not fit in 16 bits`);
      insn = { ...insn, [item.target.field]: relative };
    }
    out.push(insn, ...rest);
  }
  return out;
}
