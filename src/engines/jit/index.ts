// The JIT engine: compiles a program to WebAssembly once, instantiates it against the arena's memory and
// the runtime's helpers, and runs it (once, or N times in one call for a repeated test run). Lookups of
// the maps the environment says may be looked up inline (hash indexes, arrays) compile into the module. A program that cannot be compiled is refused
// with the pc and reason.

import { formatAssemblerInstruction } from '../../isa/disassemble.ts';
import { ProgramStack } from '../../runtime/arena.ts';
import { wideImmediate, type Instruction } from '../../isa/instruction.ts';
import { PSEUDO_IMM64 } from '../../isa/opcodes.ts';
import { ExecutionError, type Engine, type ExecutableProgram, type ExecutionEnvironment, type InlineMap, type Invocation, type PreparedProgram, type RepeatOptions, type RepeatPointers, type RunOptions } from '../engine.ts';
import { compileToWasm, FAULT_CALL_DEPTH, FAULT_INSTRUCTION_LIMIT, FAULT_OUT_OF_BOUNDS, type CompileOptions } from './compile.ts';

export { JitError } from './cfg.ts';
export { compileProgramsToWasm, compileToWasm } from './compile.ts';

type RunExport = (r1: bigint, r2: bigint, r10: bigint, base: bigint) => bigint;
type RepeatExport = (context: number, r10: number, base: number, dataSlot: number, endSlot: number, metaSlot: number, data: number, end: number, count: number) => bigint;

class CompiledProgram implements PreparedProgram {
  private readonly runExport: RunExport;
  private readonly stack: ProgramStack;
  /** r10 at entry and the stack's base, as the i64s the compiled code takes (made once, not per run). */
  private readonly stackTop: bigint;
  private readonly stackBase: bigint;
  private invocation: Invocation = { context: 0 };
  private readonly repeatExport: RepeatExport | undefined;
  private readonly doneExport: (() => number) | undefined;

  /** `code`: the compiled module and the export that runs this program (a native module holds several). */
  constructor(program: ExecutableProgram, environment: ExecutionEnvironment, code: { module: WebAssembly.Module; entry: string }) {
    const describe = (pc: number) => {
      try {
        return formatAssemblerInstruction(program.instructions, pc);
      } catch {
        return '(undecodable)';
      }
    };
    const helper = (id: number, pc: number, r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint): bigint => {
      const implementation = environment.helper(id);
      if (!implementation) throw new ExecutionError('UNKNOWN_HELPER', pc, `no helper with id ${id}: ${describe(pc)}`);
      let result: bigint;
      try {
        // No closure here: this runs on every helper call, and under tsx each closure made costs a naming call.
        result = implementation(BigInt.asUintN(64, r1), BigInt.asUintN(64, r2), BigInt.asUintN(64, r3), BigInt.asUintN(64, r4), BigInt.asUintN(64, r5), this.invocation);
      } catch (error) {
        if (error instanceof ExecutionError) throw error;
        throw new ExecutionError('HELPER_FAILED', pc, `helper ${id} failed: ${(error as Error).message}`);
      }
      return BigInt.asIntN(64, result);
    };
    const fault = (code: number, pc: number): never => {
      if (code === FAULT_CALL_DEPTH) throw new ExecutionError('CALL_DEPTH', pc, `call depth exceeds 8 frames: ${describe(pc)}`);
      if (code === FAULT_OUT_OF_BOUNDS) throw new ExecutionError('OUT_OF_BOUNDS', pc, `memory access outside the arena: ${describe(pc)}`);
      if (code === FAULT_INSTRUCTION_LIMIT) throw new ExecutionError('INSTRUCTION_LIMIT', pc, `loop limit reached: ${describe(pc)}`);
      throw new ExecutionError('BAD_INSTRUCTION', pc, `fault ${code}: ${describe(pc)}`);
    };
    const lookup = (mapHandle: number, keyAddress: number, pc: number): number => {
      if (!environment.mapLookup) return Number(helper(1, pc, BigInt(mapHandle >>> 0), BigInt(keyAddress >>> 0), 0n, 0n, 0n));
      try {
        return environment.mapLookup(mapHandle >>> 0, keyAddress >>> 0);
      } catch (error) {
        if (error instanceof ExecutionError) throw error;
        throw new ExecutionError('HELPER_FAILED', pc, `helper 1 failed: ${(error as Error).message}`);
      }
    };
    const instance = new WebAssembly.Instance(code.module, { env: { memory: environment.arena.memory, helper, fault, lookup } });
    this.runExport = instance.exports[code.entry] as RunExport;
    this.repeatExport = instance.exports[`${code.entry}_repeat`] as RepeatExport | undefined;
    this.doneExport = instance.exports[`${code.entry}_done`] as (() => number) | undefined;
    if (!this.repeatExport || !this.doneExport) this.runRepeated = undefined;
    this.stack = new ProgramStack(environment.arena);
    this.stackTop = BigInt(this.stack.frameTop(0));
    this.stackBase = BigInt(this.stack.base);
  }

  dispose(): void {
    this.stack.release();
  }

  runRepeated?(context: number, pointers: RepeatPointers, count: number, options: RepeatOptions = {}): bigint {
    this.invocation = options.invocation ?? { context };
    const { dataSlot, dataEndSlot, metaSlot, data, end } = pointers;
    try {
      const r0 = this.repeatExport!(context, Number(this.stackTop), Number(this.stackBase), dataSlot, dataEndSlot, metaSlot, data, end, Math.max(1, count));
      if (options.progress) options.progress.completed = Math.max(1, count);
      return BigInt.asUintN(64, r0);
    } catch (error) {
      if (options.progress) options.progress.completed = this.doneExport!();
      if (error instanceof WebAssembly.RuntimeError) throw new ExecutionError('OUT_OF_BOUNDS', -1, `the compiled program trapped: ${error.message}`);
      throw error;
    }
  }

  run(context: bigint, options: RunOptions = {}): bigint {
    this.invocation = options.invocation ?? { context: Number(BigInt.asUintN(32, context)) };
    try {
      const r0 = this.runExport(BigInt.asIntN(64, context), options.r2 === undefined ? 0n : BigInt.asIntN(64, options.r2), this.stackTop, this.stackBase);
      return BigInt.asUintN(64, r0);
    } catch (error) {
      if (error instanceof WebAssembly.RuntimeError) throw new ExecutionError('OUT_OF_BOUNDS', -1, `the compiled program trapped: ${error.message}`);
      throw error;
    }
  }
}

/** The JIT engine. `checked` (the default until programs arrive verified) bounds-checks every access. */
export function createJit(options: Partial<CompileOptions> = {}): Engine {
  const compileOptions: CompileOptions = { checked: options.checked ?? true, ...(options.loopLimit !== undefined ? { loopLimit: options.loopLimit } : {}) };
  return {
    name: 'jit',
    prepare: (program, environment) => {
      const inlineMaps = compileOptions.checked ? undefined : inlineMapsOf(program.instructions, environment);
      const options: CompileOptions = { ...compileOptions, repeatEntry: true, ...(inlineMaps ? { inlineMaps } : {}) };
      return new CompiledProgram(program, environment, { module: new WebAssembly.Module(compileToWasm(program.instructions, options)), entry: 'run' });
    },
  };
}

/** The maps, among the constants the program's lddw load, whose lookups may compile inline. */
function inlineMapsOf(instructions: readonly Instruction[], environment: ExecutionEnvironment): Map<number, InlineMap> | undefined {
  if (!environment.inlineMap) return undefined;
  const found = new Map<number, InlineMap>();
  for (let pc = 0; pc + 1 < instructions.length; pc++) {
    const insn = instructions[pc]!;
    if (insn.opcode !== 0x18) continue;
    if (insn.src === PSEUDO_IMM64) {
      const value = wideImmediate(instructions, pc);
      if (value > 0n && value < 0x1_0000_0000n && !found.has(Number(value))) {
        const layout = environment.inlineMap(Number(value));
        if (layout) found.set(Number(value), layout);
      }
    }
    pc++;
  }
  return found.size > 0 ? found : undefined;
}

/**
 * Runs a program already compiled by `compileProgramsToWasm` (a native module's code): `entry` is its
 * export, `program.instructions` are only used to describe faults.
 */
export function prepareCompiled(module: WebAssembly.Module, entry: string, program: ExecutableProgram, environment: ExecutionEnvironment): PreparedProgram {
  if (!WebAssembly.Module.exports(module).some((e) => e.name === entry && e.kind === 'function')) {
    throw new ExecutionError('BAD_INSTRUCTION', -1, `the compiled module exports no function '${entry}'`);
  }
  return new CompiledProgram(program, environment, { module, entry });
}
