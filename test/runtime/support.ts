// Loading the runtime's C test programs as a user would: compiled by clang, loaded (so verified) through
// Runtime.loadObject, run through Runtime.testRun.
import { join } from 'node:path';
import { Runtime, type LoadOptions, type RuntimeTestRunInput } from '../../src/runtime/runtime.ts';
import { compileTestProgram } from '../support/compile.ts';
import { repoRoot } from '../support/paths.ts';

/** The directory of the runtime's C test programs. */
export const programsDir = join(repoRoot, 'test', 'runtime', 'programs');

/** A loaded test object: its runtime, program ids and map ids by name, and the trace lines. */
export interface Loaded {
  runtime: Runtime;
  program: (name: string) => number;
  map: (name: string) => number;
  traces: string[];
  /** Runs program `name` with a sample context built from `fields` (or the raw input given). */
  run: (name: string, input?: RuntimeTestRunInput) => ReturnType<Runtime['testRun']>;
}

/** Compiles `programs/<file>` and loads it into a new runtime (2 CPUs unless told). */
export async function load(file: string, options: LoadOptions & { cpuCount?: number } = {}): Promise<Loaded> {
  const { cpuCount, ...loadOptions } = options;
  const runtime = new Runtime({ cpuCount: cpuCount ?? 2 });
  const traces: string[] = [];
  runtime.onTrace((_, line) => void traces.push(line));
  const path = await compileTestProgram(join(programsDir, file));
  await runtime.loadObject(path, loadOptions);
  const program = (name: string) => {
    const found = runtime.programs().find((p) => p.name === name);
    if (!found) throw new Error(`${file}: no program ${name}`);
    return found.id;
  };
  const map = (name: string) => {
    const found = runtime.maps().find((m) => m.name === name);
    if (!found) throw new Error(`${file}: no map ${name}`);
    return found.id;
  };
  return { runtime, program, map, traces, run: (name, input = {}) => runtime.testRun(program(name), input) };
}

/** A sample_program_context_t: uint32_data (16), uint16_data (20), helper_data_1 (24), helper_data_2 (28). */
export function sample(fields: { u32?: number; u16?: number; a?: number; b?: number } = {}): Uint8Array {
  const ctx = new Uint8Array(32);
  const view = new DataView(ctx.buffer);
  view.setUint32(16, fields.u32 ?? 0, true);
  view.setUint16(20, fields.u16 ?? 0, true);
  view.setUint32(24, fields.a ?? 0, true);
  view.setUint32(28, fields.b ?? 0, true);
  return ctx;
}

/** Little-endian u32 bytes. */
export const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
/** Little-endian u64 bytes. */
export const u64 = (n: bigint) => new Uint8Array(new BigUint64Array([n]).buffer);
/** The u32 or u64 at `offset` of `bytes`. */
export const readU32 = (bytes: Uint8Array, offset = 0) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(offset, true);
export const readU64 = (bytes: Uint8Array, offset = 0) => new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(offset, true);
/** A return value as a signed number. */
export const signed = (r: bigint) => Number(BigInt.asIntN(64, r));
