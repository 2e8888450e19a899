// Test runs with bpf_prog_test_run_opts semantics (spec §4.1): a context of the program type built in
// the arena from `contextIn`, the data (`dataIn`) placed where the context's data pointers say (for bind,
// the app id between app_id_start and app_id_end; for xdp, the packet), the program run `repeat` times,
// then the data and context copied back out. And the relocation that turns an object's map references
// into the addresses engines use.

import type { PreparedProgram } from '../engines/engine.ts';
import type { Instruction } from '../isa/instruction.ts';
import { PSEUDO_IMM64, PSEUDO_MAP_FD, PSEUDO_MAP_VALUE } from '../isa/opcodes.ts';
import type { ProgramTypeSpec } from '../platform/index.ts';
import type { Arena } from './arena.ts';

/** Largest data a test run accepts (an XDP frame's limit). */
export const MAX_TEST_DATA = 65535;
/** Most repetitions of one test run. */
export const MAX_TEST_REPEAT = 1_000_000;

/** A test run that cannot start: what is wrong with its input. */
export class TestRunError extends Error {
  readonly code = 'TEST_RUN_INPUT';
}

/** Input of a test run. */
export interface TestRunInput {
  /** The context bytes: exactly the program type's context size, or absent for zeros. */
  contextIn?: Uint8Array;
  dataIn?: Uint8Array;
  repeat?: number;
}

/** What a test run returns. */
export interface TestRunResult {
  returnValue: bigint;
  /** Average nanoseconds per run. */
  durationNs: number;
  dataOut: Uint8Array;
  contextOut: Uint8Array;
}

/** Runs a prepared program as bpf_prog_test_run does. Bad input changes nothing and throws TestRunError. */
export function testRun(prepared: PreparedProgram, arena: Arena, type: ProgramTypeSpec, input: TestRunInput): TestRunResult {
  const repeat = input.repeat ?? 1;
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > MAX_TEST_REPEAT) throw new TestRunError(`repeat must be 1-${MAX_TEST_REPEAT}, not ${repeat}`);
  const contextIn = input.contextIn ?? new Uint8Array(type.contextSize);
  if (contextIn.length !== type.contextSize) {
    throw new TestRunError(`a ${type.name} context is ${type.contextSize} bytes; ctx_in has ${contextIn.length}`);
  }
  const dataIn = input.dataIn ?? new Uint8Array(0);
  if (dataIn.length > MAX_TEST_DATA) throw new TestRunError(`data_in is ${dataIn.length} bytes; at most ${MAX_TEST_DATA} are accepted`);
  if (dataIn.length > 0 && type.dataOffset < 0) throw new TestRunError(`${type.name} programs take no data (their context has no data pointers)`);

  const context = arena.alloc(type.contextSize);
  const data = arena.alloc(Math.max(dataIn.length, 1));
  try {
    arena.write(context, contextIn);
    arena.write(data, dataIn);
    const placePointers = () => {
      if (type.dataOffset >= 0) arena.view.setBigUint64(context + type.dataOffset, BigInt(data), true);
      if (type.dataEndOffset >= 0) arena.view.setBigUint64(context + type.dataEndOffset, BigInt(data + dataIn.length), true);
      if (type.metaOffset >= 0) arena.view.setBigUint64(context + type.metaOffset, BigInt(data), true);
    };
    let returnValue = 0n;
    const start = process.hrtime.bigint();
    for (let i = 0; i < repeat; i++) {
      placePointers();
      returnValue = prepared.run(BigInt(context));
    }
    const durationNs = Number(process.hrtime.bigint() - start) / repeat;
    const contextOut = arena.read(context, type.contextSize);
    // Arena addresses mean nothing outside: the pointer fields come back as zero.
    for (const offset of [type.dataOffset, type.dataEndOffset, type.metaOffset]) if (offset >= 0) contextOut.fill(0, offset, offset + 8);
    return { returnValue, durationNs, dataOut: arena.read(data, dataIn.length), contextOut };
  } finally {
    arena.free(context);
    arena.free(data);
  }
}

/**
 * Replaces an object's map references (lddw src 1: map index; src 2: map index and offset) by the
 * addresses engines use: the map's handle, or the address inside an array map's value.
 */
export function relocateMaps(instructions: readonly Instruction[], handleOf: (mapIndex: number) => number, valueAddressOf: (mapIndex: number, offset: number) => number): Instruction[] {
  const out = instructions.slice();
  for (let pc = 0; pc < out.length; pc++) {
    const insn = out[pc]!;
    if (insn.opcode !== 0x18) continue;
    if (insn.src === PSEUDO_MAP_FD || insn.src === PSEUDO_MAP_VALUE) {
      const address = insn.src === PSEUDO_MAP_FD ? handleOf(insn.imm) : valueAddressOf(insn.imm, out[pc + 1]!.imm);
      out[pc] = { ...insn, src: PSEUDO_IMM64, imm: address | 0 };
      out[pc + 1] = { ...out[pc + 1]!, imm: Math.floor(address / 2 ** 32) };
    }
    pc++;
  }
  return out;
}
