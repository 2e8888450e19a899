// The verifier's analysis: abstract interpretation of every path of a program and of the functions it
// calls (each call analysed in its caller's context, with its own frame). Paths stay apart where they
// meet (path-sensitive, so a null check or a type that depends on a branch is kept) until a point has seen
// several different states; then they are joined. Loops are never unrolled: at a loop head the state is
// joined and widened until it is stable, and a counter per loop head, related to the loop's variables in
// the zone, must come out bounded (`Program terminates within N loop iterations`). A path stops at its
// first error, so one root cause gives one error.

import type { Instruction } from '../isa/instruction.ts';
import { validateProgram } from '../isa/validate.ts';
import type { Platform, ProgramTypeSpec } from '../platform/index.ts';
import { PathError } from './access.ts';
import { programShape, type Loop } from './cfg.ts';
import { entryStates, type EntryState } from './entry.ts';
import { printState } from './print.ts';
import { counterVar, negCounterVar, State, type Value } from './state.ts';
import { step, type MapDescriptor, type Program } from './transfer.ts';

export type { MapDescriptor } from './transfer.ts';
export type { EntryState, EntryRegister } from './entry.ts';

/** An error found on some path. */
export interface VerificationError {
  readonly pc: number;
  readonly message: string;
}

/** The verdict and what the analysis saw. */
export interface VerificationResult {
  readonly ok: boolean;
  readonly errors: readonly VerificationError[];
  readonly instructionsExplored: number;
  /** With `recordStates`: for each pc, the abstract state before it as printable lines (undefined: unreachable). */
  readonly states?: readonly (readonly string[] | undefined)[];
  /** When the program is accepted: the proven bound on loop iterations (0 without loops). */
  readonly loopBound?: number;
}

/** Options of `analyse`. */
export interface AnalysisOptions {
  /** Most instructions analysed before giving up (default 1,000,000). */
  budget?: number;
  /** Largest packet the program type may see (default 65535). */
  maxPacket?: number;
  /** Keep a printable state before each instruction in `VerificationResult.states`. */
  recordStates?: boolean;
  /** Most iterations a loop may be proven to run (default 16,777,216); more is refused. */
  maxLoopIterations?: number;
  /** Prove termination (default true). */
  checkTermination?: boolean;
  /** eBPF semantics: x/0 = 0 and x%0 = x (default true); false makes a possible division by zero an error. */
  allowDivisionByZero?: boolean;
  /** Byte-swap instructions as on a big-endian machine (default false). */
  bigEndian?: boolean;
  /** Start from these states instead of the program type's entry (each alternative is verified). */
  entryState?: EntryState | readonly EntryState[];
  /** Pcs of assumptions (PREVAIL's `assume`): a conditional jump to the next instruction that must be satisfiable. */
  assumes?: readonly number[];
  /**
   * Report a conditional jump one of whose sides no path takes (PREVAIL's "Code becomes unreachable"),
   * for running PREVAIL's test cases; default false.
   */
  deadBranchesAreErrors?: boolean;
  /** Require r0 to hold a number at the program's exit (default true). */
  checkExitValue?: boolean;
  /**
   * Pcs of exits that only end the analysis, with nothing checked (a PREVAIL test case that ends without an
   * exit instruction has one appended: PREVAIL checks nothing where such a program falls off its end).
   */
  harnessExits?: readonly number[];
  /** Check r0 at exit against the program type's return range (default true; PREVAIL's test cases have no range). */
  checkReturnRange?: boolean;
  /**
   * Allow the legacy packet loads (LD_ABS/LD_IND) in program types with packet data (default false: eBPF for
   * Windows' runtime has no such instructions; Linux's socket filters and PREVAIL's test platform do).
   */
  legacyPacketAccess?: boolean;
  /** Calls to functions the object does not define, by pc (the object's `externCalls`): the platform's builtins are verified. */
  externCalls?: ReadonlyMap<number, string>;
}

/** States kept per point before they are joined. */
const PATHS_PER_POINT = 8;
/** Beyond PATHS_PER_POINT, states of different kinds (see `kinds`) stay apart up to this many. */
const KINDS_PER_POINT = 32;

/**
 * What a join would lose outright: the kind of every register and spilled pointer. Two states with the
 * same kinds join into one that still types every register; states with different kinds (a register a map
 * value on one path and a stack pointer on another) are kept apart, as Linux never merges them.
 */
function kinds(state: State): string {
  let key = state.regs.map(kindOf).join(',');
  for (const f of state.stacks) for (const [slot, v] of f.slots) if (v.kind !== 'scalar') key += `;${slot}:${kindOf(v)}`;
  return key;
}

const kindOf = (v: Value) => (v.kind === 'mem' || v.kind === 'mem_or_null' ? `${v.kind}${v.map}` : v.kind);
/** The kinds of states stored at join points (never changed once stored), worked out once each. */
const storedKinds = new WeakMap<State, string>();
function kindsOfStored(state: State): string {
  let key = storedKinds.get(state);
  if (key === undefined) storedKinds.set(state, (key = kinds(state)));
  return key;
}
/** Widenings with thresholds at a loop head before bounds that still grow are dropped. */
const THRESHOLD_WIDENINGS = 40;

/** Verifies one program of a program type against a platform. */
export function analyse(instructions: readonly Instruction[], type: ProgramTypeSpec, platform: Platform, maps: readonly MapDescriptor[], options: AnalysisOptions = {}): VerificationResult {
  const structural = validateProgram(instructions);
  if (structural.length > 0) return { ok: false, errors: structural.map((i) => ({ pc: i.pc, message: i.message })), instructionsExplored: 0 };
  const shape = programShape(instructions);
  const maxPacket = options.maxPacket ?? 65535;
  // Inner map templates get indexes after the object's maps, so that a map taken out of a map of maps is a map.
  const all = [...maps];
  const innerOf = new Map<number, number>();
  for (let i = 0; i < all.length; i++) {
    const inner = all[i]!.inner;
    if (inner) innerOf.set(i, all.push(inner) - 1);
  }
  const p: Program = {
    insns: instructions, shape, type, platform, maps: all, objectMaps: maps.length, innerOf, maxPacket,
    allowDivisionByZero: options.allowDivisionByZero ?? true,
    bigEndian: options.bigEndian ?? false,
    assumes: new Set(options.assumes ?? []),
    checkReturnRange: options.checkReturnRange ?? true,
    checkExitValue: options.checkExitValue ?? true,
    harnessExits: new Set(options.harnessExits ?? []),
    legacyPacketAccess: options.legacyPacketAccess ?? platform.legacyPacketAccess ?? false,
    externCalls: options.externCalls ?? new Map(),
    mapClass: maps.map((m) => maps.findIndex((o) => sameDescriptor(o, m))),
  };
  const checkTermination = options.checkTermination ?? true;
  const maxIterations = options.maxLoopIterations ?? 1 << 24;
  const budget = options.budget ?? 1_000_000;
  const errors = new Map<number, string>();
  const addError = (pc: number, message: string) => {
    if (!errors.has(pc)) errors.set(pc, message);
  };

  const starts = options.entryState ? entryStates(options.entryState, maps, maxPacket) : [State.entry(maxPacket)];
  const queue = new PcQueue();
  for (const s of starts) {
    for (const head of shape.loops.keys()) {
      s.zone.assignInterval(counterVar(head), 0, 0);
      s.zone.assignInterval(negCounterVar(head), 0, 0);
    }
    queue.push(0, s, -1);
  }
  const stored = new Map<string, State[]>();
  const heads = new Map<string, { state: State; widenings: number }>();
  const loopBounds = new Map<number, number>();
  const recorded = options.recordStates ? new Map<number, State>() : undefined;
  const assumeReached = new Set<number>();
  const assumePassed = new Set<number>();
  /** For each conditional jump reached: bit 1 the fall-through side taken, bit 2 the jump side taken. */
  const sides = new Map<number, number>();
  let explored = 0;

  while (queue.size > 0 && errors.size < 20) {
    let { pc, state, from } = queue.pop()!;
    if (++explored > budget) {
      addError(pc, `the analysis gave up after ${budget} instructions (too many paths); simplify the program`);
      break;
    }
    if (shape.joinPoints[pc]) {
      const key = `${state.calls.map((c) => c.returnPc).join(',')}@${pc}`;
      const loop = shape.loops.get(pc);
      if (loop) {
        if (checkTermination && loop.reducible && !(from >= 0 && loop.body.has(from))) {
          state.zone.assignInterval(counterVar(pc), 0, 0);
          state.zone.assignInterval(negCounterVar(pc), 0, 0);
        }
        const h = heads.get(key);
        if (h && state.leq(h.state)) continue;
        if (h) {
          h.state = h.state.join(state, h.widenings++ < THRESHOLD_WIDENINGS ? shape.thresholds : { scalar: [], zone: [] });
          state = h.state.clone();
          if (!state.tightenFromZone()) continue;
        } else heads.set(key, { state: state.clone(), widenings: 0 });
        if (checkTermination) {
          const c = counterVar(pc);
          const nc = negCounterVar(pc);
          state.zone.assignOffset(c, c, 1, 1);
          state.zone.assignOffset(nc, nc, -1, -1);
          const bound = Math.min(state.zone.upper(c), -state.zone.lower(nc));
          if (bound > maxIterations) {
            // Reported at the loop's exit test: the condition that lacks a bound.
            addError(loop.exits.includes(loop.latch) ? loop.latch : loop.exits[0] ?? pc, nonTermination(instructions, loop, bound, maxIterations));
            continue;
          }
          loopBounds.set(pc, Math.max(loopBounds.get(pc) ?? 0, bound));
        }
      } else {
        const list = stored.get(key);
        if (list?.some((s) => state.leq(s))) continue;
        if (!list) stored.set(key, [state.clone()]);
        else if (list.length < PATHS_PER_POINT) list.push(state.clone());
        else {
          // Too many different paths meet here: join those of the same kinds (precision for speed); all of
          // them once even the kinds are too many.
          const own = kinds(state);
          const same = list.filter((s) => kindsOfStored(s) === own);
          if (same.length === 0 && list.length < KINDS_PER_POINT) list.push(state.clone());
          else {
            const group = same.length > 0 ? same : list;
            state = group.reduce((a, b) => a.join(b), state);
            stored.set(key, [...list.filter((s) => !group.includes(s)), state.clone()]);
          }
        }
      }
    }
    if (recorded) {
      const seen = recorded.get(pc);
      if (!seen) recorded.set(pc, state.clone());
      else if (seen.depth === state.depth) recorded.set(pc, seen.join(state));
    }
    let next;
    try {
      next = step(p, pc, state);
    } catch (error) {
      if (!(error instanceof PathError)) throw error;
      addError(pc, error.message);
      continue;
    }
    if (p.assumes.has(pc)) {
      assumeReached.add(pc);
      if (next.length > 0) assumePassed.add(pc);
    }
    if (options.deadBranchesAreErrors && shape.forms[pc]!.semantics.kind === 'jump' && !p.assumes.has(pc)) {
      const [fallPc, jumpPc] = shape.successors[pc]!;
      let bits = sides.get(pc) ?? 0;
      for (const n of next) bits |= fallPc === jumpPc ? 3 : n.pc === fallPc ? 1 : 2;
      sides.set(pc, bits);
    }
    const isReturn = shape.forms[pc]!.semantics.kind === 'exit';
    for (const n of next) {
      if (n.pc >= instructions.length) {
        // Only a path that runs on past the last instruction gets here: the program must end with exit or a jump.
        if (isReturn) addError(n.pc - 1, `the local call at pc ${n.pc - 1} is the program's last instruction: returning from it runs past the end of the program`);
        else addError(pc, `execution falls through past the end of the program after pc ${pc}: the last instruction of a path must be exit or a jump`);
        continue;
      }
      queue.push(n.pc, n.state, isReturn ? n.pc - 1 : pc);
    }
  }
  for (const pc of assumeReached) if (!assumePassed.has(pc)) addError(pc, 'code becomes unreachable: the assumption never holds');
  for (const [pc, bits] of sides) {
    if (bits !== 3 && errors.size === 0) addError(pc, `code becomes unreachable: the jump is ${bits === 1 ? 'never' : 'always'} taken`);
  }
  const list = [...errors].map(([pc, message]) => ({ pc, message })).sort((a, b) => a.pc - b.pc);
  const ok = list.length === 0;
  const result: VerificationResult = { ok, errors: list, instructionsExplored: explored };
  const states = recorded ? Array.from({ length: instructions.length }, (_, pc) => (recorded.has(pc) ? printState(recorded.get(pc)!) : undefined)) : undefined;
  return {
    ...result,
    ...(states ? { states } : {}),
    ...(ok ? { loopBound: totalIterations(shape.loops, loopBounds) } : {}),
  };
}

/** Maps a helper cannot tell apart: same type, sizes, read-only flag and inner map. */
function sameDescriptor(a: MapDescriptor, b: MapDescriptor): boolean {
  if (a.type !== b.type || a.keySize !== b.keySize || a.valueSize !== b.valueSize || !a.readOnly !== !b.readOnly) return false;
  return a.inner === undefined || b.inner === undefined ? a.inner === b.inner : sameDescriptor(a.inner, b.inner);
}

function nonTermination(insns: readonly Instruction[], loop: Loop, bound: number, max: number): string {
  const exit = loop.exits[0];
  const test = exit === undefined ? 'it has no exit' : `its exit test at pc ${exit} compares r${insns[exit]!.dst}${(insns[exit]!.opcode & 0x08) ? ` with r${insns[exit]!.src}` : ` with ${insns[exit]!.imm}`}`;
  const what = bound === Infinity ? 'no bound on its iterations could be proven' : `no bound within the limit of ${max} iterations could be proven`;
  if (exit === undefined) return `the loop at pc ${loop.head} (back from pc ${loop.latch}) never ends: no condition leaves it`;
  return `the loop at pc ${loop.head} (back from pc ${loop.latch}) is not proven to terminate: ${what}; ${test}: give it a constant bound`;
}

/** All loop iterations: each loop's bound times the bounds of the loops around it. */
function totalIterations(loops: ReadonlyMap<number, Loop>, bounds: ReadonlyMap<number, number>): number {
  let total = 0;
  for (const [head, bound] of bounds) {
    let n = bound;
    for (const [outer, loop] of loops) if (outer !== head && loop.body.has(head)) n *= bounds.get(outer) ?? 1;
    total += n;
  }
  return total;
}

/** Work ordered by pc: a loop's body is finished before what follows the loop. */
class PcQueue {
  private items: { pc: number; state: State; from: number; seq: number }[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  clear(): void {
    this.items = [];
  }

  push(pc: number, state: State, from: number): void {
    const items = this.items;
    items.push({ pc, state, from, seq: this.seq++ });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): { pc: number; state: State; from: number } | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && this.less(items[l]!, items[m]!)) m = l;
        if (r < items.length && this.less(items[r]!, items[m]!)) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m]!, items[i]!];
        i = m;
      }
    }
    return top;
  }

  private less(a: { pc: number; seq: number }, b: { pc: number; seq: number }): boolean {
    return a.pc < b.pc || (a.pc === b.pc && a.seq > b.seq);
  }
}
