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

const ALU_SYMBOLS = ['+', '-', '*', '/', 's/', '%', 's%', '|', '&', '^', '<<', '>>', 's>>', ''];
const JUMP_SYMBOLS = ['==', '!=', '>', '>=', '<', '<=', 's>', 's>=', 's<', 's<=', '&=='];

/**
 * A random XDP program in verifier syntax that the verifier is meant to accept (GENERATED_MAPS' layout: one
 * array map, map_fd 1, 36-byte values, 4 entries): every ALU form in 64 and 32 bits (division and modulo
 * by registers that may be 0, shifts by any amount the verifier allows), sign extensions, byte swaps,
 * stack loads and stores of every width, atomics on the stack and on map values, map lookups (keys in
 * range and out of it), packet reads behind correct bounds checks, forward branches, bounded loops and
 * local calls. `gotol` is not spelled by the verifier syntax: `wideJumps` lists the labels of plain gotos
 * a caller may rewrite to it. Registers and the stack are folded into the stack before the exit, so the
 * final memory holds every value the program computed.
 */
export function randomVerifiedProgram(random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const chance = (p: number) => random() < p;
  const imm = () => (chance(0.5) ? pick(INTERESTING) : Math.floor(random() * 2 ** 32) - 2 ** 31);
  const wide = () => `0x${Math.floor(random() * 2 ** 32).toString(16)}${Math.floor(random() * 2 ** 32).toString(16).padStart(8, '0')}`;
  const lines = ['r6 = r1', 'r7 = *(u64 *)(r6 + 0)', 'r8 = *(u64 *)(r6 + 8)'];
  const functions: string[] = [];
  let label = 0;
  // The verifier follows paths: a few branches and one loop per program keep its work small.
  let branches = 0;
  let loops = 0;
  // Scalars live in r0-r5 and r9; r6 is the context, r7 and r8 the packet's bounds. The stack's top 64
  // bytes are initialized here and stay so (stores only ever overwrite them).
  const scalars = [0, 1, 2, 3, 4, 5, 9];
  const initialize = (registers: number[]) => {
    for (const r of registers) lines.push(`r${r} = ${wide()} ll`);
  };
  initialize(scalars);
  for (let k = 8; k <= 64; k += 8) lines.push(`*(u64 *)(r10 - ${k}) = r${pick(scalars)}`);
  const width = () => pick([8, 16, 32, 64]);
  const slot = (bytes: number) => -(bytes + Math.floor(random() * (64 / bytes)) * bytes); // aligned, inside the top 64 bytes
  const alu = (pool: number[]) => {
    const op = pick(ALU_SYMBOLS);
    const w = chance(0.4) ? 'w' : 'r';
    const dst = pick(pool);
    const c = random();
    if (op === '<<' || op === '>>' || op === 's>>') {
      // Shift amounts: immediates in range, or a register masked to the width.
      if (c < 0.5) lines.push(`${w}${dst} ${op}= ${Math.floor(random() * (w === 'w' ? 32 : 64))}`);
      else {
        const amount = pick(pool.filter((r) => r !== dst));
        lines.push(`${w}${amount} &= ${w === 'w' ? 31 : 63}`, `${w}${dst} ${op}= ${w}${amount}`);
      }
    } else if (c < 0.08) lines.push(`${w}${dst} = -${w}${dst}`);
    else if (c < 0.15) lines.push(`${w}${dst} s${pick(w === 'w' ? [8, 16] : [8, 16, 32])}= ${w}${pick(pool)}`);
    else if (c < 0.55) lines.push(`${w}${dst} ${op}= ${w}${pick(pool)}`);
    else lines.push(`${w}${dst} ${op}= ${(op === '/' || op === 's/' || op === '%' || op === 's%') && chance(0.7) ? pick([1, 2, 3, 7, -1, -7, 255]) : imm()}`);
  };
  const statement = (pool: number[], depth: number, inLoop: boolean) => {
    const c = random();
    if (c < 0.36) alu(pool);
    else if (c < 0.42) lines.push(`r${pick(pool)} = ${pick(['be', 'le', 'swap'])}${pick([16, 32, 64])} r${'X'}`.replace(/r(\d) = (\w+) rX/, 'r$1 = $2 r$1'));
    else if (c < 0.52) {
      const bytes = width() / 8;
      const choice = random();
      if (choice < 0.4) lines.push(`*(u${bytes * 8} *)(r10 - ${-slot(bytes)}) = r${pick(pool)}`);
      else if (choice < 0.55) lines.push(`*(u${bytes * 8} *)(r10 - ${-slot(bytes)}) = ${imm()}`);
      else lines.push(`r${pick(pool)} = *(${chance(0.2) && bytes < 8 ? 's' : 'u'}${bytes * 8} *)(r10 - ${-slot(bytes)})`);
    } else if (c < 0.58) {
      const bytes = pick([4, 8]);
      const op = pick(['+', '|', '&', '^', 'x', 'cx']);
      const fetch = op !== 'x' && op !== 'cx' && chance(0.5) ? ' fetch' : '';
      const src = pick(pool.filter((r) => r !== 0));
      if (op === 'cx' && !pool.includes(0)) return;
      lines.push(`lock *(u${bytes * 8} *)(r10 - ${-slot(bytes)}) ${op}= r${src}${fetch}`);
    } else if (c < 0.66 && !inLoop) {
      // A map lookup (the key sometimes outside the array), a null check, then value accesses.
      const out = `<l${label++}>`;
      const key = pick(pool);
      lines.push(`r${key} &= ${chance(0.8) ? 3 : 7}`, `*(u32 *)(r10 - 72) = r${key}`, 'r2 = r10', 'r2 += -72', 'r1 = map_fd 1', 'call 1', `if r0 == 0 goto ${out}`);
      for (let i = 0, n = 1 + Math.floor(random() * 3); i < n; i++) {
        const bytes = pick([1, 2, 4, 8]);
        const at = Math.floor(random() * Math.floor(36 / bytes)) * bytes;
        const choice = random();
        if (choice < 0.4) lines.push(`r9 = *(u${bytes * 8} *)(r0 + ${at})`);
        else if (choice < 0.7) lines.push(`*(u${bytes * 8} *)(r0 + ${at}) = r9`);
        else if (bytes >= 4) lines.push(`lock *(u${bytes * 8} *)(r0 + ${at}) ${pick(['+', '|', '&', '^', 'x'])}= r9${chance(0.5) ? ' fetch' : ''}`);
      }
      lines.push(`${out}:`);
      lines.push('r0 = r9');
      initialize([1, 2, 3, 4, 5].filter((r) => pool.includes(r)));
    } else if (c < 0.72 && !inLoop) {
      // A packet read behind a correct bounds check.
      const out = `<l${label++}>`;
      const bytes = pick([1, 2, 4, 8]);
      const at = Math.floor(random() * 40);
      const target = pick(pool.filter((r) => r !== 3 || !pool.includes(3)));
      lines.push('r3 = r7', `r3 += ${at + bytes}`, `if r3 > r8 goto ${out}`, `r${target} = *(u${bytes * 8} *)(r7 + ${at})`, `${out}:`);
      if (pool.includes(3)) lines.push(`r3 = ${imm()}`);
    } else if (c < 0.86 && depth < 2 && !inLoop && branches < 5) {
      branches++;
      const out = `<l${label++}>`;
      const w = chance(0.4) ? 'w' : 'r';
      lines.push(`if ${w}${pick(pool)} ${pick(JUMP_SYMBOLS)} ${chance(0.5) ? `${w}${pick(pool)}` : imm()} goto ${out}`);
      for (let i = 0, n = 1 + Math.floor(random() * 3); i < n; i++) statement(pool, depth + 1, inLoop);
      if (chance(0.3)) {
        // An if/else: the then-branch jumps over the else-branch.
        const end = `<l${label++}>`;
        lines.push(`goto ${end}`, `${out}:`);
        for (let i = 0, n = 1 + Math.floor(random() * 2); i < n; i++) statement(pool, depth + 1, inLoop);
        lines.push(`${end}:`);
      } else lines.push(`${out}:`);
    } else if (c < 0.93 && !inLoop && depth < 1 && loops < 1) {
      loops++;
      // A bounded loop of straight-line code (branches inside would multiply the verifier's paths by the
      // iterations); r5 counts and the body leaves it alone.
      const head = `<l${label++}>`;
      lines.push('r5 = 0', `${head}:`);
      const body = pool.filter((r) => r !== 5);
      for (let i = 0, n = 1 + Math.floor(random() * 5); i < n; i++) statement(body, depth + 1, true);
      lines.push('r5 += 1', `if r5 < ${pick([2, 5, 17, 40])} goto ${head}`);
    } else if (!inLoop && depth === 0) {
      // A local call on r1-r5; it works on its own frame and returns a number.
      const fn = `<f${functions.length}>`;
      const body: string[] = [`${fn}:`, 'r0 = r1', '*(u64 *)(r10 - 8) = r2', '*(u64 *)(r10 - 16) = r3'];
      for (let i = 0, n = 1 + Math.floor(random() * 6); i < n; i++) {
        const [a, b] = [pick([0, 1, 2, 3, 4, 5]), pick([0, 1, 2, 3, 4, 5])];
        const op = pick(ALU_SYMBOLS);
        if (op === '<<' || op === '>>' || op === 's>>') body.push(`r${a} ${op}= ${Math.floor(random() * 64)}`);
        else if (chance(0.2)) body.push(`lock *(u64 *)(r10 - 8) += r${b === 0 ? 1 : b}`, `r${a} = *(u64 *)(r10 - ${pick([8, 16])})`);
        else body.push(`r${a} ${op}= r${b}`);
      }
      body.push('exit');
      functions.push(...body);
      lines.push(`call ${fn}`);
      initialize([1, 2, 3, 4, 5]);
    } else alu(pool);
  };
  for (let i = 0, n = 6 + Math.floor(random() * 14); i < n; i++) statement(scalars, 0, false);
  for (const [k, r] of scalars.entries()) lines.push(`*(u64 *)(r10 - ${80 + 8 * k}) = r${r}`);
  lines.push('r0 = 1', 'exit', ...functions);
  return lines.join('\n');
}
