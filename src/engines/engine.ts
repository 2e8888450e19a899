// What every execution engine (the interpreter, the WebAssembly JIT, a native module) offers the runtime,
// and what the runtime offers an engine: the arena, and helpers looked up by id. Engines execute a program
// that has already been validated, verified and relocated (map references resolved to arena addresses).

import type { Instruction } from '../isa/instruction.ts';
import type { Arena } from '../runtime/arena.ts';
import type { HashIndexLayout } from '../runtime/maps/hash.ts';

/**
 * A helper as an engine calls it: five 64-bit arguments (r1-r5), one 64-bit result (r0). Arguments
 * arrive as unsigned 64-bit values; the result is truncated to 64 bits by the engine.
 */
export type HelperFunction = (r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint, invocation: Invocation) => bigint;

/** Per-run state a helper may need: the context pointer and the tail call the program requested. */
export interface Invocation {
  /** Arena address of the context (r1 at entry). */
  context: number;
  /**
   * Set by the tail-call helper: the id of the program to run after this one returns (Windows semantics,
   * spec §6.3). Engines stop the running program as soon as helper 5 returns 0, as uBPF's unwind index and
   * bpf2c's `if (r0 == 0) return 0;` do; the runtime then runs this program with the same context.
   */
  tailCall?: number;
  /** Tail calls made so far in this invocation (at most 33). */
  tailCalls?: number;
}

/** The tail-call helper's id: when it returns 0 the calling program returns 0 at once. */
export const TAIL_CALL_HELPER = 5;

/** The runtime as an engine sees it. */
export interface ExecutionEnvironment {
  readonly arena: Arena;
  /** The helper with this id, or undefined when none exists (a runtime error at the call). */
  helper(id: number): HelperFunction | undefined;
  /**
   * A fast path for bpf_map_lookup_elem (helper 1) on plain numbers: the map's handle address and the
   * key's address in, the value's address (or 0) out. Engines use it, when present, for calls whose
   * arguments fit in 32 bits, instead of the generic BigInt helper call; it must behave exactly as helper 1.
   */
  mapLookup?(mapHandle: number, keyAddress: number): number;
  /**
   * How compiled code may look up the map with this handle itself, in place of helper 1, or undefined:
   * a hash map's arena index (src/runtime/maps/hash.ts says which maps qualify), or a plain array's values.
   */
  inlineMap?(mapHandle: number): InlineMap | undefined;
}

/** A map compiled code looks up inline: a hash map's arena index, or an array of data (value i at base + i * stride). */
export type InlineMap = ({ kind: 'hash' } & HashIndexLayout) | { kind: 'array'; base: number; stride: number; maxEntries: number };

/** A program ready to hand to an engine: validated, verified, relocated. */
export interface ExecutableProgram {
  readonly name: string;
  /** Slots, with lddw map references already replaced by arena addresses (src 0). */
  readonly instructions: readonly Instruction[];
}

/** A compiled or prepared program that can be run many times. */
export interface PreparedProgram {
  /** Runs the program once with r1 = `context` (an arena address, or any value for raw test programs) and returns r0. */
  run(context: bigint, options?: RunOptions): bigint;
  /**
   * Runs the program `count` times (at least 1) with r1 = `context` in one call, putting the context's
   * data pointers back before each run as a repeated test run does, and returns r0 of the last run. Engines
   * that cannot (the interpreter; JIT code that makes tail calls) leave it out and the caller loops.
   */
  runRepeated?(context: number, pointers: RepeatPointers, count: number, options?: RepeatOptions): bigint;
  /** Gives back what the program holds in the arena (its stack); it must not run afterwards. */
  dispose?(): void;
}

/** Where a repeated run puts the data pointers back: arena addresses of the 64-bit fields (0: none) and their values. */
export interface RepeatPointers {
  dataSlot: number;
  dataEndSlot: number;
  metaSlot: number;
  /** What data and data_meta are set to. */
  data: number;
  /** What data_end is set to. */
  end: number;
}

/** Options of a repeated run: the invocation, and where the number of runs completed is left (also after a fault). */
export interface RepeatOptions {
  invocation?: Invocation;
  progress?: { completed: number };
}

/** Extra entry registers, for raw programs such as the conformance suite's (r1 = memory, r2 = its length). */
export interface RunOptions {
  r2?: bigint;
  invocation?: Invocation;
}

/** An execution engine: turns a program into something runnable against an environment. */
export interface Engine {
  /** `interpreter`, `jit` or `native`. */
  readonly name: string;
  prepare(program: ExecutableProgram, environment: ExecutionEnvironment): PreparedProgram;
}

/** A fault while running a program that was not (or not correctly) verified: pc, instruction and reason. */
export class ExecutionError extends Error {
  readonly code: 'OUT_OF_BOUNDS' | 'CALL_DEPTH' | 'UNKNOWN_HELPER' | 'BAD_INSTRUCTION' | 'INSTRUCTION_LIMIT' | 'HELPER_FAILED';
  readonly pc: number;
  constructor(code: ExecutionError['code'], pc: number, message: string) {
    super(`pc ${pc}: ${message}`);
    this.name = 'ExecutionError';
    this.code = code;
    this.pc = pc;
  }
}
