// Loading a native module into a Runtime (eBPF for Windows' native load): the module's signature, its
// signer's trust and its program-info hashes checked against the runtime's platform, then its maps
// created as an object's are, the code relocated and instantiated, and the programs added with mode
// NATIVE. No verification at load: the module was verified when it was built. All or nothing.

import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { createOrReuse, type LoadOptions, type LoadResult } from '../runtime/loader.ts';
import { RuntimeError, type Runtime } from '../runtime/runtime.ts';
import { hasWasmMagic, NativeModuleError } from './format.ts';
import { compileNative, prepareNativeProgram } from './instantiate.ts';
import { checkNativeModule, nativeObject, type SigningPolicy } from './module.ts';

/** Whether a load source is a native module: a `.wasm` path, or bytes that begin as WebAssembly. */
export function isNativeSource(source: string | Uint8Array): boolean {
  return typeof source === 'string' ? source.endsWith('.wasm') : hasWasmMagic(source);
}

/** Loads a native module into `runtime` under `policy` (see Runtime.loadObject for the options). */
export async function loadNativeModule(runtime: Runtime, source: string | Uint8Array, policy: SigningPolicy, options: LoadOptions = {}): Promise<LoadResult> {
  const file = options.name ?? (typeof source === 'string' ? basename(source) : 'module');
  if (options.execution === 'interpret') throw new RuntimeError('INVALID_ARGUMENT', `${file}: a native module runs its compiled code (mode NATIVE); execution=interpret applies to object files`);
  if (options.programType !== undefined) throw new RuntimeError('INVALID_ARGUMENT', `${file}: a native module's program types were fixed when it was built (ebpf native --type); type= applies to object files`);
  let bytes: Uint8Array;
  try {
    bytes = typeof source === 'string' ? new Uint8Array(await readFile(source)) : source;
  } catch (error) {
    throw new RuntimeError('OPEN_FAILED', `${file}: ${(error as Error).message}`);
  }
  let module;
  try {
    module = checkNativeModule(bytes, policy, runtime.platform);
  } catch (error) {
    if (error instanceof NativeModuleError) throw new RuntimeError('LOAD_FAILED', `${file}: ${error.message}`);
    throw error;
  }
  const object = nativeObject(module, file);
  const mapIds: number[] = [];
  const programIds: number[] = [];
  try {
    for (const spec of object.maps) mapIds.push(createOrReuse(runtime, object, spec, options, file));
    const compiled = compileNative(module, {
      mapHandle: (i) => runtime.mapHandle(mapIds[i]!),
      mapValueAddress: (i, offset) => runtime.mapValueAddress(mapIds[i]!, offset),
    });
    module.programs.forEach((program, index) => {
      const type = runtime.platform.programTypeById(program.programType)!;
      const attachType = runtime.platform.attachTypeById(program.attachType || type.defaultAttachType)?.name ?? type.name;
      programIds.push(runtime.addProgram(
        { name: program.name, section: program.section, file, type, attachType, mode: 'NATIVE', mapIds: [...new Set(program.mapReferences.map((r) => mapIds[r.mapIndex]!))].sort((a, b) => a - b) },
        (id) => prepareNativeProgram(module, compiled, index, runtime.environment(id)),
      ));
    });
    object.maps.forEach((spec, index) => {
      for (const initial of spec.initialValues ?? []) {
        const value = initial.kind === 'program' ? programIds[object.programs.findIndex((p) => p.name === initial.name)] : mapIds[object.maps.findIndex((m) => m.name === initial.name)];
        if (value === undefined) throw new RuntimeError('LOAD_FAILED', `${file}: map ${spec.name}[${initial.index}] names ${initial.kind} ${initial.name}, which the module does not define`);
        runtime.update(mapIds[index]!, new Uint8Array(new Uint32Array([initial.index]).buffer), new Uint8Array(new Uint32Array([value]).buffer), 0);
      }
      if (spec.readOnly) runtime.freeze(mapIds[index]!);
    });
  } catch (error) {
    for (const id of [...programIds].reverse()) runtime.release(id);
    for (const id of [...mapIds].reverse()) runtime.release(id);
    if (error instanceof RuntimeError) throw error;
    throw new RuntimeError('LOAD_FAILED', `${file}: ${(error as Error).message}`);
  }
  return { programIds, mapIds };
}
