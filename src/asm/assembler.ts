// The assembler for the conformance suite's syntax (uBPF's): `mov32 %r0, 0`, `ldxh %r0, [%r1+2]`,
// `jne %r0, %r1, label`, `lock fetch add [%r10-8], %r1`, `call local f`, `call 5`, `call %r2`,
// `lddw %r0, 0x123`, labels `name:`. Mnemonics and operand shapes come from the opcode table; errors
// name the line.

import type { Instruction } from '../isa/instruction.ts';
import { CALL_HELPER, CALL_KFUNC, CALL_LOCAL, OPCODE_FORMS, type OpcodeForm } from '../isa/opcodes.ts';

/** An assembly error: the line (1-based) and what is wrong with it. */
export class AssemblerError extends Error {
  readonly code = 'ASSEMBLER';
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'AssemblerError';
    this.line = line;
  }
}

// Other spellings the suite uses: RFC 9669 calls the unconditional byte swaps SWAP16/32/64.
const ALIASES: Record<string, string> = { swap16: 'bswap16', swap32: 'bswap32', swap64: 'bswap64' };

const BY_MNEMONIC = new Map<string, OpcodeForm[]>();
for (const form of OPCODE_FORMS) {
  const list = BY_MNEMONIC.get(form.mnemonic) ?? [];
  list.push(form);
  BY_MNEMONIC.set(form.mnemonic, list);
}

type Operand =
  | { kind: 'reg'; reg: number }
  | { kind: 'imm'; value: bigint; hex: boolean }
  | { kind: 'mem'; reg: number; offset: number }
  | { kind: 'label'; name: string };

function parseNumber(text: string): { value: bigint; hex: boolean } | undefined {
  const m = /^([+-]?)(0x[0-9a-f]+|\d+)$/i.exec(text);
  if (!m) return undefined;
  const value = BigInt(m[2]!);
  return { value: m[1] === '-' ? -value : value, hex: m[2]!.toLowerCase().startsWith('0x') };
}

function parseOperand(text: string, line: number): Operand {
  const t = text.trim();
  const reg = /^%r(\d+)$/.exec(t);
  if (reg) {
    const n = Number(reg[1]);
    if (n > 10) throw new AssemblerError(line, `Invalid register %r${n}`);
    return { kind: 'reg', reg: n };
  }
  const mem = /^\[\s*%r(\d+)\s*(?:([+-])\s*(0x[0-9a-f]+|\d+))?\s*\]$/i.exec(t);
  if (mem) {
    const n = Number(mem[1]);
    if (n > 10) throw new AssemblerError(line, `Invalid register %r${n}`);
    const offset = mem[3] ? Number(BigInt(mem[3])) * (mem[2] === '-' ? -1 : 1) : 0;
    if (offset < -32768 || offset > 32767) throw new AssemblerError(line, `offset ${offset} does not fit in 16 bits`);
    return { kind: 'mem', reg: n, offset };
  }
  const number = parseNumber(t);
  if (number !== undefined) return { kind: 'imm', ...number };
  if (/^[A-Za-z_.][\w.]*$/.test(t)) return { kind: 'label', name: t };
  throw new AssemblerError(line, `cannot read operand '${t}'`);
}

/** A 32-bit immediate: decimal must fit a signed 32-bit field, hexadecimal its 32 bits as written. */
function imm32(operand: { value: bigint; hex: boolean }, line: number): number {
  const { value, hex } = operand;
  const max = hex ? 0xffffffffn : 0x7fffffffn;
  if (value < -0x80000000n || value > max) throw new AssemblerError(line, `immediate ${hex ? `0x${value.toString(16)}` : value} does not fit in 32 bits`);
  return Number(BigInt.asIntN(32, value));
}

function offset16(value: bigint, line: number): number {
  if (value < -32768n || value > 32767n) throw new AssemblerError(line, `offset ${value} does not fit in 16 bits`);
  return Number(value);
}

interface Pending {
  line: number;
  form: OpcodeForm;
  insn: { opcode: number; dst: number; src: number; offset: number; imm: number };
  target?: { label: string; field: 'offset' | 'imm' };
  high?: number;
}

/** Assembles conformance-syntax source into instruction slots. */
export function assemble(source: string): Instruction[] {
  const labels = new Map<string, number>();
  const pending: Pending[] = [];
  let pc = 0;
  source.split('\n').forEach((raw, index) => {
    const line = index + 1;
    let text = raw.replace(/(#|\/\/|;).*$/, '').trim();
    const label = /^([A-Za-z_.][\w.]*):\s*(.*)$/.exec(text);
    if (label) {
      if (labels.has(label[1]!)) throw new AssemblerError(line, `label '${label[1]}' defined twice`);
      labels.set(label[1]!, pc);
      text = label[2]!.trim();
    }
    if (!text) return;
    const item = parseLine(text, line);
    pending.push(item);
    pc += item.form.slots;
  });
  const out: Instruction[] = [];
  const pcs: number[] = [];
  let at = 0;
  for (const item of pending) {
    pcs.push(at);
    at += item.form.slots;
  }
  pending.forEach((item, i) => {
    const insn = { ...item.insn };
    if (item.target) {
      // `exit` names the program's last instruction when no label of that name exists (uBPF's convention).
      const target = labels.get(item.target.label) ?? (item.target.label === 'exit' ? pcs[pcs.length - 1] : undefined);
      if (target === undefined) throw new AssemblerError(item.line, `undefined label '${item.target.label}'`);
      const relative = target - pcs[i]! - 1;
      if (item.target.field === 'offset') insn.offset = offset16(BigInt(relative), item.line);
      else insn.imm = relative;
    }
    out.push(insn);
    if (item.form.slots === 2) out.push({ opcode: 0, dst: 0, src: 0, offset: 0, imm: item.high ?? 0 });
  });
  return out;
}

function parseLine(text: string, line: number): Pending {
  const words = text.split(/\s+/);
  let mnemonic = words.shift()!.toLowerCase();
  mnemonic = ALIASES[mnemonic] ?? mnemonic;
  if (mnemonic === 'lock') {
    if (words[0]?.toLowerCase() === 'fetch') mnemonic += ' ' + words.shift()!.toLowerCase();
    if (words.length === 0) throw new AssemblerError(line, 'Invalid number of operands for lock');
    mnemonic += ' ' + words.shift()!.toLowerCase();
  }
  const rest = words.join(' ');
  const operands = rest ? splitOperands(rest).map((o) => parseOperand(o, line)) : [];
  if (mnemonic === 'call') return parseCall(operands, line);
  const forms = BY_MNEMONIC.get(mnemonic);
  if (!forms) throw new AssemblerError(line, `Invalid mnemonic '${mnemonic}'`);
  const insn = { opcode: 0, dst: 0, src: 0, offset: 0, imm: 0 };
  const choose = (predicate: (f: OpcodeForm) => boolean) => {
    const form = forms.find(predicate);
    if (!form) throw new AssemblerError(line, `Invalid operands for ${mnemonic}`);
    insn.opcode = form.opcode;
    if (form.select) insn[form.select.field] = form.select.value;
    return form;
  };
  const expect = (count: number) => {
    if (operands.length !== count) throw new AssemblerError(line, `Invalid number of operands for ${mnemonic.startsWith('lock') ? 'lock' : mnemonic}: expected ${count}, found ${operands.length}`);
  };
  const reg = (o: Operand | undefined) => {
    if (o?.kind !== 'reg') throw new AssemblerError(line, `${mnemonic} expects a register here`);
    return o.reg;
  };
  const mem = (o: Operand | undefined) => {
    if (o?.kind !== 'mem') throw new AssemblerError(line, `${mnemonic} expects a memory operand [%rN+offset] here`);
    return o;
  };
  const s = forms[0]!.semantics;
  switch (s.kind) {
    case 'alu': {
      if (s.op === 'neg') {
        expect(1);
        const form = choose(() => true);
        insn.dst = reg(operands[0]);
        return { line, form, insn };
      }
      expect(2);
      insn.dst = reg(operands[0]);
      const b = operands[1]!;
      if (b.kind === 'reg') {
        const form = choose((f) => f.semantics.kind === 'alu' && f.semantics.source === 'reg');
        insn.src = b.reg;
        return { line, form, insn };
      }
      if (b.kind !== 'imm') throw new AssemblerError(line, `${mnemonic} expects a register or an immediate`);
      const form = choose((f) => f.semantics.kind === 'alu' && f.semantics.source === 'imm');
      insn.imm = imm32(b, line);
      return { line, form, insn };
    }
    case 'endian': {
      expect(1);
      const form = choose(() => true);
      insn.dst = reg(operands[0]);
      return { line, form, insn };
    }
    case 'jump': {
      expect(3);
      insn.dst = reg(operands[0]);
      const b = operands[1]!;
      const form = b.kind === 'reg'
        ? choose((f) => f.semantics.kind === 'jump' && f.semantics.source === 'reg')
        : choose((f) => f.semantics.kind === 'jump' && f.semantics.source === 'imm');
      if (b.kind === 'reg') insn.src = b.reg;
      else if (b.kind === 'imm') insn.imm = imm32(b, line);
      else throw new AssemblerError(line, `${mnemonic} expects a register or an immediate to compare with`);
      return target(line, form, insn, operands[2]!, 'offset');
    }
    case 'ja': {
      expect(1);
      const form = choose(() => true);
      return target(line, form, insn, operands[0]!, s.wide ? 'imm' : 'offset');
    }
    case 'exit':
      expect(0);
      return { line, form: choose(() => true), insn };
    case 'lddw': {
      if (operands.length !== 2 && operands.length !== 3) throw new AssemblerError(line, `Invalid number of operands for lddw: expected 2, found ${operands.length}`);
      const pseudo = operands[2]?.kind === 'imm' ? Number(operands[2].value) : 0;
      const form = choose((f) => f.select?.value === pseudo);
      insn.dst = reg(operands[0]);
      const value = operands[1];
      if (value?.kind !== 'imm') throw new AssemblerError(line, 'lddw expects a 64-bit immediate');
      const bits = BigInt.asUintN(64, value.value);
      insn.imm = Number(BigInt.asIntN(32, bits));
      return { line, form, insn, high: Number(BigInt.asIntN(32, bits >> 32n)) };
    }
    case 'load': {
      expect(2);
      const form = choose(() => true);
      insn.dst = reg(operands[0]);
      const m = mem(operands[1]);
      insn.src = m.reg;
      insn.offset = m.offset;
      return { line, form, insn };
    }
    case 'store': {
      expect(2);
      const m = mem(operands[0]);
      const form = choose(() => true);
      insn.dst = m.reg;
      insn.offset = m.offset;
      const v = operands[1]!;
      if (s.source === 'reg') insn.src = reg(v);
      else if (v.kind === 'imm') insn.imm = imm32(v, line);
      else throw new AssemblerError(line, `${mnemonic} expects an immediate`);
      return { line, form, insn };
    }
    case 'atomic': {
      if (operands.length !== 2) throw new AssemblerError(line, 'Invalid number of operands for lock');
      const m = mem(operands[0]);
      const form = choose(() => true);
      insn.dst = m.reg;
      insn.offset = m.offset;
      insn.src = reg(operands[1]);
      return { line, form, insn };
    }
    case 'packet-load': {
      const form = choose(() => true);
      if (s.mode === 'abs') {
        expect(1);
        if (operands[0]?.kind !== 'imm') throw new AssemblerError(line, `${mnemonic} expects an offset`);
        insn.imm = imm32(operands[0], line);
      } else {
        expect(2);
        insn.src = reg(operands[0]);
        if (operands[1]?.kind !== 'imm') throw new AssemblerError(line, `${mnemonic} expects an offset`);
        insn.imm = imm32(operands[1], line);
      }
      return { line, form, insn };
    }
    default:
      throw new AssemblerError(line, `Invalid mnemonic '${mnemonic}'`);
  }
}

function target(line: number, form: OpcodeForm, insn: Pending['insn'], operand: Operand, field: 'offset' | 'imm'): Pending {
  if (operand.kind === 'label') return { line, form, insn, target: { label: operand.name, field } };
  if (operand.kind !== 'imm') throw new AssemblerError(line, 'a jump needs a label or a +/- offset');
  if (field === 'offset') insn.offset = offset16(operand.value, line);
  else insn.imm = imm32(operand, line);
  return { line, form, insn };
}

function parseCall(operands: Operand[], line: number): Pending {
  const insn = { opcode: 0x85, dst: 0, src: CALL_HELPER, offset: 0, imm: 0 };
  const forms = BY_MNEMONIC.get('call')!;
  const form = (src: number) => forms.find((f) => f.select?.value === src)!;
  const [first, second] = operands;
  if (operands.length === 1 && first!.kind === 'imm') {
    insn.imm = imm32(first!, line);
    return { line, form: form(CALL_HELPER), insn };
  }
  if (operands.length === 1 && first!.kind === 'reg') {
    const callx = BY_MNEMONIC.get('callx')![0]!;
    return { line, form: callx, insn: { opcode: callx.opcode, dst: first!.reg, src: 0, offset: 0, imm: 0 } };
  }
  if (operands.length === 2 && first!.kind === 'label' && first!.name === 'local') {
    insn.src = CALL_LOCAL;
    return target(line, form(CALL_LOCAL), insn, second!, 'imm');
  }
  if (operands.length === 2 && first!.kind === 'label' && first!.name === 'kfunc' && second!.kind === 'imm') {
    insn.src = CALL_KFUNC;
    insn.imm = imm32(second!, line);
    return { line, form: form(CALL_KFUNC), insn };
  }
  throw new AssemblerError(line, 'call expects a helper id, a register, `local <label>` or `kfunc <id>`');
}

function splitOperands(text: string): string[] {
  // `call local f` has no comma; bracketed memory operands never contain commas.
  if (!text.includes(',')) return text.split(/\s+/).filter(Boolean);
  return text.split(',').map((s) => s.trim());
}
