// The failure slice of an error: the instructions whose results the failing instruction used, found by
// walking the control-flow graph backwards from it and following registers and fixed stack slots from
// each use to the definitions that may reach it. `show verification level=informational` prints it, as
// PREVAIL prints the instructions an error depends on.

import { lookupForm } from '../isa/opcodes.ts';
import { instructionStarts } from '../isa/disassemble.ts';
import type { Instruction } from '../isa/instruction.ts';
import { branchTarget } from '../isa/validate.ts';

/** What an instruction reads and writes: registers (`r0`..`r10`) and fixed stack slots (`fp-8`). */
interface Effects {
  readonly uses: readonly string[];
  readonly defs: readonly string[];
  /** A conditional jump: it does not define anything, but it narrows what it reads. */
  readonly test: boolean;
}

const reg = (n: number) => `r${n}`;
const slot = (offset: number, size: number) => Array.from({ length: size }, (_, i) => `fp${offset + i}`);
const ARGS = [1, 2, 3, 4, 5].map(reg);
const CALL_DEFS = [0, 1, 2, 3, 4, 5].map(reg);

function effects(insns: readonly Instruction[], pc: number): Effects {
  const insn = insns[pc]!;
  const form = lookupForm(insn);
  if (!form) return { uses: [], defs: [], test: false };
  const s = form.semantics;
  const none = { uses: [], defs: [], test: false };
  switch (s.kind) {
    case 'alu': {
      const uses = s.source === 'reg' ? [reg(insn.src)] : [];
      if (s.op !== 'mov' && s.op !== 'movsx') uses.push(reg(insn.dst));
      return { uses, defs: [reg(insn.dst)], test: false };
    }
    case 'endian':
      return { uses: [reg(insn.dst)], defs: [reg(insn.dst)], test: false };
    case 'lddw':
      return { uses: [], defs: [reg(insn.dst)], test: false };
    case 'load':
      return { uses: [reg(insn.src), ...(insn.src === 10 ? slot(insn.offset, s.size) : [])], defs: [reg(insn.dst)], test: false };
    case 'store':
      return {
        uses: [reg(insn.dst), ...(s.source === 'reg' ? [reg(insn.src)] : [])],
        defs: insn.dst === 10 ? slot(insn.offset, s.size) : [],
        test: false,
      };
    case 'atomic':
      return { uses: [reg(insn.dst), reg(insn.src), ...(s.op === 'cmpxchg' ? ['r0'] : [])], defs: [...(s.fetch ? [reg(insn.src)] : []), ...(s.op === 'cmpxchg' ? ['r0'] : [])], test: false };
    case 'jump':
      return { uses: [reg(insn.dst), ...(s.source === 'reg' ? [reg(insn.src)] : [])], defs: [], test: true };
    case 'call':
      return { uses: s.target === 'register' ? [reg(insn.dst), ...ARGS] : ARGS, defs: CALL_DEFS, test: false };
    case 'exit':
      return { uses: ['r0'], defs: [], test: false };
    case 'packet-load':
      return { uses: s.mode === 'ind' ? ['r6', reg(insn.src)] : ['r6'], defs: CALL_DEFS, test: false };
    case 'ja':
      return none;
  }
}

/** The pcs each instruction may be reached from. */
function predecessors(insns: readonly Instruction[]): Map<number, number[]> {
  const preds = new Map<number, number[]>();
  const edge = (from: number, to: number) => {
    if (to < 0 || to >= insns.length) return;
    const list = preds.get(to) ?? [];
    list.push(from);
    preds.set(to, list);
  };
  for (const pc of instructionStarts(insns)) {
    const form = lookupForm(insns[pc]!);
    if (!form) continue;
    const s = form.semantics;
    const next = pc + form.slots;
    if (s.kind === 'exit') continue;
    if (s.kind === 'ja') {
      edge(pc, branchTarget(insns[pc]!, form, pc)!);
      continue;
    }
    edge(pc, next);
    if (s.kind === 'jump') edge(pc, branchTarget(insns[pc]!, form, pc)!);
  }
  return preds;
}

/**
 * The pcs, in order, of the instructions that the instruction at `errorPc` depends on: the definitions
 * of the registers and fixed stack slots it reads (transitively), and the conditional jumps that test
 * any of them on the way. The failing instruction itself is included.
 */
export function failureSlice(insns: readonly Instruction[], errorPc: number): number[] {
  if (errorPc < 0 || errorPc >= insns.length || !lookupForm(insns[errorPc]!)) return [errorPc];
  const preds = predecessors(insns);
  const slice = new Set<number>([errorPc]);
  // needed[pc]: what is still looked for just after pc executes.
  const needed = new Map<number, Set<string>>();
  const work: number[] = [];
  const propagate = (pc: number, wanted: Iterable<string>) => {
    for (const p of preds.get(pc) ?? []) {
      const set = needed.get(p) ?? new Set<string>();
      let grew = false;
      for (const w of wanted) {
        if (!set.has(w)) {
          set.add(w);
          grew = true;
        }
      }
      if (grew || !needed.has(p)) {
        needed.set(p, set);
        work.push(p);
      }
    }
  };
  propagate(errorPc, effects(insns, errorPc).uses);
  while (work.length > 0) {
    const pc = work.pop()!;
    const wanted = needed.get(pc)!;
    const { uses, defs, test } = effects(insns, pc);
    const before = new Set(wanted);
    if (test) {
      if (uses.some((u) => wanted.has(u))) {
        slice.add(pc);
        for (const u of uses) before.add(u);
      }
    } else if (defs.some((d) => wanted.has(d))) {
      slice.add(pc);
      for (const d of defs) before.delete(d);
      for (const u of uses) before.add(u);
    }
    propagate(pc, before);
  }
  return [...slice].sort((a, b) => a - b);
}
