// Test runs with bpf_prog_test_run_opts semantics (spec §4.1): a context of the program type built in
// the arena from `contextIn`, the data (`dataIn`) placed where the context's data pointers say (for bind,
// the app id between app_id_start and app_id_end; for xdp, the packet, after 256 bytes of headroom), the
// program run `repeat` times, then the data and context copied back out. And the relocation that turns
// an object's map references into the addresses engines use.

import type { RepeatPointers } from '../engines/engine.ts';
import type { Instruction } from '../isa/instruction.ts';
import { PSEUDO_IMM64, PSEUDO_MAP_FD, PSEUDO_MAP_VALUE } from '../isa/opcodes.ts';
import type { ProgramTypeSpec } from '../platform/index.ts';
import type { Arena } from './arena.ts';

/** Largest data a test run accepts (an XDP frame's limit). */
export const MAX_TEST_DATA = 65535;
/** Most repetitions of one test run. */
export const MAX_TEST_REPEAT = 1_000_000;
/** Bytes before an XDP packet that bpf_xdp_adjust_head may grow it into (XDP_PACKET_HEADROOM). */
export const XDP_HEADROOM = 256;

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
  /** Room for the data out (bpf_prog_test_run_opts' data_size_out): longer data comes back cut, marked `dataTruncated`. */
  dataSizeOut?: number;
}

/** What a test run returns. */
export interface TestRunResult {
  returnValue: bigint;
  /** Average nanoseconds per run. */
  durationNs: number;
  /** The data after the run: for xdp the packet as the program left it (bpf_xdp_adjust_head moves its start). */
  dataOut: Uint8Array;
  contextOut: Uint8Array;
  /** True when the data out was longer than `dataSizeOut` and was cut. */
  dataTruncated?: boolean;
}

/** Something a test run can run: a prepared program, or the runtime's invocation of one (tail calls included). */
export interface Runnable {
  run(context: bigint): bigint;
  /**
   * All `count` runs in one call, the data pointers put back before each (JIT code loops inside wasm):
   * r0 of the last run, or undefined when it cannot, and the test run loops over `run` instead.
   */
  runRepeated?(context: number, pointers: RepeatPointers, count: number): bigint | undefined;
}

const describeInput = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `${typeof value} ${String(value).slice(0, 20)}`);

/** Checks a test run's input against the program type; throws TestRunError before anything is allocated. */
export function checkTestRunInput(type: ProgramTypeSpec, input: TestRunInput): { repeat: number; contextIn: Uint8Array; dataIn: Uint8Array } {
  const repeat = input.repeat ?? 1;
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > MAX_TEST_REPEAT) throw new TestRunError(`repeat must be 1-${MAX_TEST_REPEAT}, not ${repeat}`);
  // Embedders call this from JavaScript: anything but bytes is named, never taken for a length.
  if (input.contextIn !== undefined && !(input.contextIn instanceof Uint8Array)) throw new TestRunError(`ctx_in must be bytes (a Uint8Array), not ${describeInput(input.contextIn)}`);
  if (input.dataIn !== undefined && !(input.dataIn instanceof Uint8Array)) throw new TestRunError(`data_in must be bytes (a Uint8Array), not ${describeInput(input.dataIn)}`);
  const contextIn = input.contextIn ?? new Uint8Array(type.contextSize);
  if (contextIn.length !== type.contextSize) {
    throw new TestRunError(`a ${type.name} context is ${type.contextSize} bytes; ctx_in has ${contextIn.length}`);
  }
  const dataIn = input.dataIn ?? new Uint8Array(0);
  if (dataIn.length > MAX_TEST_DATA) throw new TestRunError(`data_in is ${dataIn.length} bytes; at most ${MAX_TEST_DATA} are accepted`);
  if (dataIn.length > 0 && type.dataOffset < 0) throw new TestRunError(`${type.name} programs take no data (their context has no data pointers)`);
  if (input.dataSizeOut !== undefined && (!Number.isInteger(input.dataSizeOut) || input.dataSizeOut < 0 || input.dataSizeOut > MAX_TEST_DATA + XDP_HEADROOM)) {
    throw new TestRunError(`data_size_out must be 0-${MAX_TEST_DATA + XDP_HEADROOM}, not ${input.dataSizeOut}`);
  }
  return { repeat, contextIn, dataIn };
}

/**
 * Runs a program as bpf_prog_test_run does. Bad input changes nothing and throws TestRunError.
 * `hook.packet` is set to the packet buffer's bounds (for bpf_xdp_adjust_head) before the first run.
 * (No closures here: under tsx every closure created costs a name definition, and this runs per event.)
 */
export function testRun(program: Runnable, arena: Arena, type: ProgramTypeSpec, input: TestRunInput, hook?: { packet?: { start: number; end: number } }): TestRunResult {
  const { repeat, contextIn, dataIn } = checkTestRunInput(type, input);
  const headroom = type.name === 'xdp' ? XDP_HEADROOM : 0;
  const context = arena.alloc(type.contextSize);
  const buffer = arena.alloc(Math.max(headroom + dataIn.length, 1));
  const data = buffer + headroom;
  try {
    arena.write(context, contextIn);
    arena.write(data, dataIn);
    if (hook) hook.packet = { start: buffer, end: data + dataIn.length };
    // The data pointers are put back before every run (bpf_xdp_adjust_head moves them). Arena addresses
    // fit in 32 bits, so each pointer is two u32 stores, with no BigInt on the way.
    const end = data + dataIn.length;
    const { dataOffset, dataEndOffset, metaOffset } = type;
    const pointers: RepeatPointers = {
      dataSlot: dataOffset >= 0 ? context + dataOffset : 0,
      dataEndSlot: dataEndOffset >= 0 ? context + dataEndOffset : 0,
      metaSlot: metaOffset >= 0 ? context + metaOffset : 0,
      data,
      end,
    };
    const start = process.hrtime.bigint();
    let returnValue = program.runRepeated?.(context, pointers, repeat);
    if (returnValue === undefined) {
      const contextArgument = BigInt(context);
      for (let i = 0; i < repeat; i++) {
        const view = arena.view;
        if (dataOffset >= 0) setPointer(view, context + dataOffset, data);
        if (dataEndOffset >= 0) setPointer(view, context + dataEndOffset, end);
        if (metaOffset >= 0) setPointer(view, context + metaOffset, data);
        returnValue = program.run(contextArgument);
      }
    }
    const durationNs = Number(process.hrtime.bigint() - start) / repeat;
    // The data the context's pointers delimit after the run (xdp may have moved its start).
    let outStart = data;
    let outEnd = end;
    if (dataOffset >= 0 && dataEndOffset >= 0) {
      const view = arena.view;
      const s = view.getUint32(context + dataOffset + 4, true) === 0 ? view.getUint32(context + dataOffset, true) : -1;
      const e = view.getUint32(context + dataEndOffset + 4, true) === 0 ? view.getUint32(context + dataEndOffset, true) : -1;
      if (s >= buffer && s <= e && e <= end) [outStart, outEnd] = [s, e];
    }
    let dataOut = arena.read(outStart, outEnd - outStart);
    const dataTruncated = input.dataSizeOut !== undefined && dataOut.length > input.dataSizeOut;
    if (dataTruncated) dataOut = dataOut.slice(0, input.dataSizeOut);
    const contextOut = arena.read(context, type.contextSize);
    // Arena addresses mean nothing outside: the pointer fields come back as zero.
    if (dataOffset >= 0) contextOut.fill(0, dataOffset, dataOffset + 8);
    if (dataEndOffset >= 0) contextOut.fill(0, dataEndOffset, dataEndOffset + 8);
    if (metaOffset >= 0) contextOut.fill(0, metaOffset, metaOffset + 8);
    return { returnValue: returnValue ?? 0n, durationNs, dataOut, contextOut, ...(dataTruncated ? { dataTruncated } : {}) };
  } finally {
    arena.free(context);
    arena.free(buffer);
  }
}

/** A 64-bit pointer field holding an arena address (which fits in 32 bits). */
function setPointer(view: DataView, at: number, address: number): void {
  view.setUint32(at, address, true);
  view.setUint32(at + 4, 0, true);
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
