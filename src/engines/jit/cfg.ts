// The control-flow graph of one eBPF function (entry pc to the exits reachable without following calls),
// its reverse postorder and dominators, for rebuilding structured WebAssembly control flow.

import type { Instruction } from '../../isa/instruction.ts';
import { lookupForm } from '../../isa/opcodes.ts';
import { branchTarget } from '../../isa/validate.ts';

/** A basic block: [start, end) pcs and its successors (for a conditional: [taken, fallthrough]). */
export interface Block {
  readonly start: number;
  readonly end: number;
  readonly successors: number[];
  /** The last instruction decides where control goes (jump, ja, exit); otherwise it falls through. */
  readonly terminator: 'jump' | 'ja' | 'exit' | 'fallthrough';
}

/** A function's graph: blocks by start pc, reverse postorder, immediate dominators. */
export interface FunctionGraph {
  readonly entry: number;
  readonly blocks: Map<number, Block>;
  readonly rpo: number[];
  readonly rpoIndex: Map<number, number>;
  readonly idom: Map<number, number>;
}

/** Thrown for control flow that cannot be compiled (irreducible, or falling off the end). */
export class JitError extends Error {
  readonly code: 'IRREDUCIBLE' | 'FALLS_OFF_END' | 'UNSUPPORTED';
  readonly pc: number;
  constructor(code: JitError['code'], pc: number, message: string) {
    super(`pc ${pc}: ${message}`);
    this.name = 'JitError';
    this.code = code;
    this.pc = pc;
  }
}

/** Builds the graph of the function starting at `entry`. */
export function buildGraph(insns: readonly Instruction[], entry: number): FunctionGraph {
  // Discover reachable instructions and leaders.
  const leaders = new Set<number>([entry]);
  const seen = new Set<number>();
  const work = [entry];
  while (work.length > 0) {
    let pc = work.pop()!;
    while (!seen.has(pc)) {
      if (pc >= insns.length) throw new JitError('FALLS_OFF_END', pc - 1, 'control falls off the end of the program');
      seen.add(pc);
      const insn = insns[pc]!;
      const form = lookupForm(insn)!;
      const s = form.semantics;
      const next = pc + form.slots;
      if (s.kind === 'exit') break;
      if (s.kind === 'ja' || s.kind === 'jump') {
        const target = branchTarget(insn, form, pc)!;
        leaders.add(target);
        work.push(target);
        if (s.kind === 'ja') break;
        leaders.add(next);
      }
      pc = next;
    }
  }
  const sorted = [...seen].sort((a, b) => a - b);
  const blocks = new Map<number, Block>();
  let i = 0;
  while (i < sorted.length) {
    const start = sorted[i]!;
    let pc = start;
    for (;;) {
      const insn = insns[pc]!;
      const form = lookupForm(insn)!;
      const s = form.semantics;
      const next = pc + form.slots;
      if (s.kind === 'exit') {
        blocks.set(start, { start, end: next, successors: [], terminator: 'exit' });
        break;
      }
      if (s.kind === 'ja') {
        blocks.set(start, { start, end: next, successors: [branchTarget(insn, form, pc)!], terminator: 'ja' });
        break;
      }
      if (s.kind === 'jump') {
        blocks.set(start, { start, end: next, successors: [branchTarget(insn, form, pc)!, next], terminator: 'jump' });
        break;
      }
      if (leaders.has(next)) {
        blocks.set(start, { start, end: next, successors: [next], terminator: 'fallthrough' });
        break;
      }
      pc = next;
    }
    const end = blocks.get(start)!.end;
    while (i < sorted.length && sorted[i]! < end) i++;
  }

  // Reverse postorder by iterative DFS.
  const post: number[] = [];
  const visited = new Set<number>();
  const stack: { node: number; next: number }[] = [{ node: entry, next: 0 }];
  visited.add(entry);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const successors = blocks.get(top.node)!.successors;
    if (top.next < successors.length) {
      const s = successors[top.next++]!;
      if (!visited.has(s)) {
        visited.add(s);
        stack.push({ node: s, next: 0 });
      }
    } else {
      post.push(top.node);
      stack.pop();
    }
  }
  const rpo = post.reverse();
  const rpoIndex = new Map(rpo.map((b, k) => [b, k]));

  // Immediate dominators (Cooper, Harvey, Kennedy).
  const predecessors = new Map<number, number[]>(rpo.map((b) => [b, []]));
  for (const b of rpo) for (const s of blocks.get(b)!.successors) predecessors.get(s)!.push(b);
  const idom = new Map<number, number>([[entry, entry]]);
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (rpoIndex.get(a)! > rpoIndex.get(b)!) a = idom.get(a)!;
      while (rpoIndex.get(b)! > rpoIndex.get(a)!) b = idom.get(b)!;
    }
    return a;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const b of rpo) {
      if (b === entry) continue;
      let candidate: number | undefined;
      for (const p of predecessors.get(b)!) if (idom.has(p)) candidate = candidate === undefined ? p : intersect(p, candidate);
      if (candidate !== undefined && idom.get(b) !== candidate) {
        idom.set(b, candidate);
        changed = true;
      }
    }
  }
  // Reducible: every back edge goes to a block that dominates its source.
  const dominates = (a: number, b: number) => {
    for (let x = b; ; x = idom.get(x)!) {
      if (x === a) return true;
      if (x === entry) return false;
    }
  };
  for (const b of rpo) {
    for (const s of blocks.get(b)!.successors) {
      if (rpoIndex.get(s)! <= rpoIndex.get(b)! && !dominates(s, b)) {
        throw new JitError('IRREDUCIBLE', blocks.get(b)!.end - 1, `the jump to ${s} enters a loop other than through its head (irreducible control flow)`);
      }
    }
  }
  return { entry, blocks, rpo, rpoIndex, idom };
}
