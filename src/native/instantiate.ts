// Running a checked native module: the map addresses written into its code where the relocations say,
// the code compiled by the WebAssembly engine once, and one instance per program against the runtime's
// arena and helpers. Nothing here knows the Runtime: the caller creates the maps and says where they are.

import type { ExecutionEnvironment, PreparedProgram } from '../engines/engine.ts';
import { prepareCompiled } from '../engines/jit/index.ts';
import { NativeModuleError, paddedSleb64 } from './format.ts';
import type { NativeModule } from './module.ts';

/** Where a module's maps live and what its programs run against. */
export interface NativeTarget {
  /** The address a program holds for map `mapIndex` (of the module's maps). */
  mapHandle(mapIndex: number): number;
  /** The address of byte `offset` of array map `mapIndex`'s value (global variables). */
  mapValueAddress(mapIndex: number, offset: number): number;
  /** What program `programIndex` runs against. */
  environment(programIndex: number): ExecutionEnvironment;
}

/** The module's code with every map reference pointing at the target's maps. */
export function relocatedCode(module: NativeModule, target: Pick<NativeTarget, 'mapHandle' | 'mapValueAddress'>): Uint8Array<ArrayBuffer> {
  const code = module.bytes.slice(0, module.codeEnd);
  for (const r of module.relocations) {
    const address = r.kind === 'map' ? target.mapHandle(r.mapIndex) : target.mapValueAddress(r.mapIndex, r.offset);
    code.set(paddedSleb64(BigInt(address)), r.at);
  }
  return code;
}

/** Compiles the module's code relocated against the target's maps (once for all its programs). */
export function compileNative(module: NativeModule, target: Pick<NativeTarget, 'mapHandle' | 'mapValueAddress'>): WebAssembly.Module {
  try {
    return new WebAssembly.Module(relocatedCode(module, target));
  } catch (error) {
    throw new NativeModuleError('MALFORMED', `the module's code is not valid WebAssembly: ${(error as Error).message}`);
  }
}

/** Program `index` of the module, ready to run from the compiled code against `environment`. */
export function prepareNativeProgram(module: NativeModule, compiled: WebAssembly.Module, index: number, environment: ExecutionEnvironment): PreparedProgram {
  const program = module.programs[index]!;
  return prepareCompiled(compiled, program.export, { name: program.name, instructions: program.instructions }, environment);
}

/** Compiles the relocated code and prepares every program, in the module's program order. */
export function instantiateNative(module: NativeModule, target: NativeTarget): PreparedProgram[] {
  const compiled = compileNative(module, target);
  return module.programs.map((_, index) => prepareNativeProgram(module, compiled, index, target.environment(index)));
}
