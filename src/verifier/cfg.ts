// The shape of a program as the analysis needs it: each instruction's form and successors, the functions
// (entry points of local calls), the points where paths meet, and the loops: their heads, bodies and
// exits (natural loops of the back edges a depth-first walk finds), and the constants the program compares
// with, which loop widening stops at.

import { lookupForm, type OpcodeForm } from '../isa/opcodes.ts';
import type { Instruction } from '../isa/instruction.ts';
import { branchTarget } from '../isa/validate.ts';

/** A loop: its head, the instructions of its body, and whether its counter may restart on entry. */
export interface Loop {
  readonly head: number;
  readonly body: ReadonlySet<number>;
  /** A back edge's source (for messages). */
  readonly latch: number;
  /** Conditional jumps in the body with a successor outside it. */
  readonly exits: readonly number[];
  /**
   * The head dominates its body (a natural loop): every entry passes the head, so its counter can start
   * over each time the loop is entered from outside. Otherwise the counter counts every visit ever.
   */
  readonly reducible: boolean;
}

/** What the analysis knows about the program's shape. */
export interface ProgramShape {
  readonly forms: readonly (OpcodeForm | undefined)[];
  /** Successors within a function (a local call's successor is its return point). */
  readonly successors: readonly (readonly number[])[];
  readonly functionEntries: ReadonlySet<number>;
  /** Where paths meet: states are stored and compared here. */
  readonly joinPoints: Uint8Array;
  readonly loops: ReadonlyMap<number, Loop>;
  /** Widening stops: the program's constants and their neighbours, ascending. */
  readonly thresholds: { readonly scalar: readonly bigint[]; readonly zone: readonly number[] };
}

/** Analyses the program's control flow (the program is structurally valid). */
export function programShape(insns: readonly Instruction[]): ProgramShape {
  const n = insns.length;
  const forms: (OpcodeForm | undefined)[] = new Array(n);
  const successors: number[][] = Array.from({ length: n }, () => []);
  const entries = new Set<number>([0]);
  const returnPoints = new Set<number>();
  const constants = new Set<bigint>([0n, 1n, 0xffn, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, (1n << 63n) - 1n]);
  for (let pc = 0; pc < n; pc++) {
    const form = lookupForm(insns[pc]!);
    forms[pc] = form;
    if (!form) continue;
    const s = form.semantics;
    const insn = insns[pc]!;
    // Loops stop at the constants they are compared with.
    if (s.kind === 'jump' && s.source === 'imm') constants.add(BigInt(s.is64 ? insn.imm : insn.imm >>> 0));
    if (s.kind === 'lddw') {
      if (pc + 2 < n) successors[pc]!.push(pc + 2);
      pc++;
      continue;
    }
    const next = pc + 1;
    const target = branchTarget(insn, form, pc);
    if (s.kind === 'exit') continue;
    if (s.kind === 'ja') successors[pc]!.push(target!);
    else if (s.kind === 'jump') successors[pc]!.push(next, target!);
    else if (s.kind === 'call' && s.target === 'local') {
      entries.add(target!);
      returnPoints.add(next);
      successors[pc]!.push(next);
    } else if (next < n) successors[pc]!.push(next);
  }
  const predecessors = new Uint16Array(n);
  for (const list of successors) for (const t of list) if (t < n) predecessors[t]!++;
  const joinPoints = new Uint8Array(n);
  for (let pc = 0; pc < n; pc++) if (predecessors[pc]! > 1 || returnPoints.has(pc)) joinPoints[pc] = 1;
  const loops = findLoops(successors, entries, n);
  for (const head of loops.keys()) joinPoints[head] = 1;
  const all = new Set<bigint>();
  for (const c of constants) for (const d of [-1n, 0n, 1n]) for (const v of [c + d, -(c + d)]) all.add(v);
  const scalar = [...all].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const zone = scalar.filter((v) => v > -(1n << 52n) && v < 1n << 52n).map(Number);
  return { forms, successors, functionEntries: entries, joinPoints, loops, thresholds: { scalar, zone } };
}

function findLoops(successors: readonly (readonly number[])[], entries: ReadonlySet<number>, n: number): Map<number, Loop> {
  const state = new Uint8Array(n); // 0 unvisited, 1 on the DFS stack, 2 done
  const backEdges: [number, number][] = [];
  for (const entry of entries) {
    if (state[entry]) continue;
    const stack: [number, number][] = [[entry, 0]];
    state[entry] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const [pc, i] = top;
      const succ = successors[pc]!;
      if (i < succ.length) {
        top[1]++;
        const t = succ[i]!;
        if (t >= n) continue;
        if (state[t] === 1) backEdges.push([pc, t]);
        else if (state[t] === 0) {
          state[t] = 1;
          stack.push([t, 0]);
        }
      } else {
        state[pc] = 2;
        stack.pop();
      }
    }
  }
  const predecessors: number[][] = Array.from({ length: n }, () => []);
  successors.forEach((list, pc) => list.forEach((t) => t < n && predecessors[t]!.push(pc)));
  const loops = new Map<number, Loop>();
  for (const [latch, head] of backEdges) {
    const body = new Set<number>([head, ...(loops.get(head)?.body ?? [])]);
    const work = [latch];
    let reducible = loops.get(head)?.reducible ?? true;
    while (work.length) {
      const pc = work.pop()!;
      if (body.has(pc)) continue;
      body.add(pc);
      if (entries.has(pc)) reducible = false;
      for (const p of predecessors[pc]!) work.push(p);
    }
    const exits = [...body].filter((pc) => successors[pc]!.length > 1 && successors[pc]!.some((t) => !body.has(t))).sort((a, b) => a - b);
    loops.set(head, { head, body, latch: loops.get(head)?.latch ?? latch, exits, reducible });
  }
  return loops;
}
