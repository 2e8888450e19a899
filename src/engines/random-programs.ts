// Random eBPF programs that always terminate and touch only their own stack, for differential testing
// of the engines: ALU mixes over every ALU form of the opcode table, stack stores and loads of every
// width, forward branches, bounded loops and local calls. Each program folds its stack into r0 at the
// end, so comparing r0 compares registers and memory.

import { OPCODE_FORMS } from '../isa/opcodes.ts';

const ALU_FORMS = OPCODE_FORMS.filter((f) => f.semantics.kind === 'alu');
const JUMP_FORMS = OPCODE_FORMS.filter((f) => f.semantics.kind === 'jump');
const ENDIAN_FORMS = OPCODE_FORMS.filter((f) => f.semantics.kind === 'endian');
const INTERESTING = [0, 1, -1, 2, 7, 31, 32, 63, 64, 0x7fffffff, -0x80000000, 255, 0xffff];

/** Generates one program (conformance assembler syntax) from a random source. */
export function randomProgram(random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const imm = () => (random() < 0.5 ? pick(INTERESTING) : Math.floor(random() * 2 ** 32) - 2 ** 31);
  const lines: string[] = [];
  let label = 0;
  for (let r = 0; r <= 9; r++) lines.push(`lddw %r${r}, 0x${Math.floor(random() * 2 ** 32).toString(16)}${Math.floor(random() * 2 ** 32).toString(16).padStart(8, '0')}`);
  // A subprogram may read only r1-r5 and what it wrote itself (r6-r9 and r0 are the caller's, which the
  // verifier forbids reading), so its operands come from r0-r5 once r0 is set on entry.
  const alu = (maxReg: number, sourceRegs = 10) => {
    const form = pick(ALU_FORMS);
    const s = form.semantics;
    const dst = Math.floor(random() * (maxReg + 1));
    if (s.kind !== 'alu') return;
    if (s.op === 'neg') lines.push(`${form.mnemonic} %r${dst}`);
    else if (s.source === 'reg') lines.push(`${form.mnemonic} %r${dst}, %r${Math.floor(random() * sourceRegs)}`);
    else lines.push(`${form.mnemonic} %r${dst}, ${imm()}`);
  };
  const stack = (maxReg: number) => {
    const width = pick(['b', 'h', 'w', 'dw']);
    const offset = -8 * (1 + Math.floor(random() * 32)) + (width === 'dw' ? 0 : Math.floor(random() * 4));
    const r = Math.floor(random() * (maxReg + 1));
    const choice = random();
    if (choice < 0.35) lines.push(`stx${width} [%r10${offset}], %r${r}`);
    else if (choice < 0.5) lines.push(`st${width} [%r10${offset}], ${imm()}`);
    else if (choice < 0.9) lines.push(`ldx${width} %r${r}, [%r10${offset}]`);
    else if (width !== 'dw') lines.push(`ldxs${width} %r${r}, [%r10${offset}]`);
  };
  const segment = (maxReg: number, depth: number) => {
    const choice = random();
    if (choice < 0.45) alu(maxReg);
    else if (choice < 0.65) stack(maxReg);
    else if (choice < 0.72) lines.push(`${pick(ENDIAN_FORMS).mnemonic} %r${Math.floor(random() * (maxReg + 1))}`);
    else if (choice < 0.85) {
      const form = pick(JUMP_FORMS);
      const target = `L${label++}`;
      const s = form.semantics;
      const operand = s.kind === 'jump' && s.source === 'reg' ? `%r${Math.floor(random() * 10)}` : String(imm());
      lines.push(`${form.mnemonic} %r${Math.floor(random() * 10)}, ${operand}, ${target}`);
      for (let i = 0, n = 1 + Math.floor(random() * 4); i < n; i++) segment(maxReg, depth + 1);
      lines.push(`${target}:`);
    } else if (choice < 0.93 && depth === 0) {
      const head = `L${label++}`;
      lines.push(`mov %r9, ${1 + Math.floor(random() * 20)}`, `${head}:`);
      for (let i = 0, n = 1 + Math.floor(random() * 6); i < n; i++) segment(8, depth + 1);
      lines.push('sub %r9, 1', `jne %r9, 0, ${head}`);
    } else {
      lines.push('call local sub');
    }
  };
  for (let i = 0, n = 10 + Math.floor(random() * 40); i < n; i++) segment(8, 0);
  // Fold the stack into r0.
  for (let k = 1; k <= 32; k++) lines.push(`ldxdw %r1, [%r10-${8 * k}]`, 'mul %r0, 31', 'xor %r0, %r1');
  lines.push('exit', 'sub:', 'mov %r0, %r1');
  for (let i = 0, n = 1 + Math.floor(random() * 8); i < n; i++) {
    if (random() < 0.7) alu(5, 6);
    else stack(5);
  }
  lines.push('exit');
  return lines.join('\n');
}
