// Loading an object into a Runtime (libbpf's bpf_object__load with eBPF for Windows' rules): every
// program verified first, then the maps created (or reused), `.data`/`.rodata`/`.bss` filled (`.rodata`
// frozen), map references relocated to arena addresses, each program prepared by its engine, program
// arrays and maps of maps given their initial values. All or nothing: a failure releases what was made.

import { basename } from 'node:path';
import type { Engine } from '../engines/engine.ts';
import { createInterpreter } from '../engines/interpreter/interpreter.ts';
import { createJit, JitError } from '../engines/jit/index.ts';
import { openObject, openObjectFile, type MapSpec, type ObjectSpec } from '../object/index.ts';
import type { ProgramTypeSpec } from '../platform/index.ts';
import { verifyProgram, type ProgramVerification } from '../verifier/index.ts';
import { RuntimeError, type Runtime } from './runtime.ts';
import { relocateMaps } from './test-run.ts';

/** Options of Runtime.loadObject. */
export interface LoadOptions {
  /**
   * Verify and run every program as this type instead of the one its section gives: a program type name
   * (`xdp`, `bind`) or a section-like attach type name (`cgroup/connect4`).
   */
  programType?: string;
  /** `jit` (the default, as on Windows for object files) or `interpret`. */
  execution?: 'jit' | 'interpret';
  /** The object's name in listings (default: the file's base name). */
  name?: string;
  /** Maps of the object, by name, to replace with existing maps (ids), as libbpf reuses pinned maps. */
  reuseMaps?: ReadonlyMap<string, number>;
  /** LIBBPF_PIN_BY_NAME maps: the id of a map already pinned under the map's name, when there is one. */
  pinnedMap?: (name: string) => number | undefined;
}

/** What a load made: ids that each hold one reference the caller owns. */
export interface LoadResult {
  programIds: number[];
  /** The object's maps in its order (reused maps included, with a reference taken for the caller). */
  mapIds: number[];
}

/** The engine for an execution mode. Verified programs run the JIT unchecked: the verifier proved every access. */
function engineFor(execution: 'jit' | 'interpret'): Engine {
  return execution === 'jit' ? createJit({ checked: false }) : createInterpreter();
}

/** A verifier's rejection as one line: the first error with its pc and source line. */
export function describeRejection(verification: ProgramVerification): string {
  const first = verification.errors[0];
  if (!first) return 'the verifier rejected it';
  const where = first.line ? ` (${first.line.file}:${first.line.line}: ${first.line.source.trim()})` : '';
  const more = verification.errors.length > 1 ? ` (and ${verification.errors.length - 1} more)` : '';
  return `pc ${first.pc}${where}: ${first.message}${more}`;
}

function resolveType(runtime: Runtime, name: string): ProgramTypeSpec {
  const direct = runtime.platform.programTypeByName(name);
  if (direct) return direct;
  const viaAttach = runtime.programTypeOfAttachType(name) ?? runtime.platform.programTypeById(runtime.platform.sectionInfo(name)?.programType ?? -1)?.name;
  const type = viaAttach === undefined ? undefined : runtime.platform.programTypeByName(viaAttach);
  if (!type) throw new RuntimeError('INVALID_ARGUMENT', `unknown program type '${name}' (known: ${runtime.platform.programTypes.map((t) => t.name).join(', ')})`);
  return type;
}

function sameShape(a: { type: number; keySize: number; valueSize: number; maxEntries: number }, b: { type: number; keySize: number; valueSize: number; maxEntries: number }): boolean {
  return a.type === b.type && a.keySize === b.keySize && a.valueSize === b.valueSize && a.maxEntries === b.maxEntries;
}

/** Loads an object into `runtime` (see Runtime.loadObject). */
export async function loadObject(runtime: Runtime, source: string | Uint8Array, options: LoadOptions = {}): Promise<LoadResult> {
  const file = options.name ?? (typeof source === 'string' ? basename(source) : 'object');
  const execution = options.execution ?? 'jit';
  if (execution !== 'jit' && execution !== 'interpret') throw new RuntimeError('INVALID_ARGUMENT', `execution must be jit or interpret, not '${String(execution)}'`);
  let object: ObjectSpec;
  try {
    object = typeof source === 'string' ? await openObjectFile(source, { platform: runtime.platform }) : openObject(source, { name: file, platform: runtime.platform });
  } catch (error) {
    throw new RuntimeError('OPEN_FAILED', `${file}: ${(error as Error).message}`);
  }
  const forced = options.programType === undefined ? undefined : resolveType(runtime, options.programType);

  // Verification first: nothing is created for an object with a program the verifier refuses.
  const types = object.programs.map((program) => {
    const type = forced ?? runtime.platform.programTypeById(program.programType);
    if (!type) throw new RuntimeError('LOAD_FAILED', `${file}: ${program.name} (section ${program.section}): the section name gives no program type; load it with a program type (type=bind, xdp, ...)`);
    let verification: ProgramVerification;
    try {
      verification = verifyProgram(object, program, { platform: runtime.platform, programType: type });
    } catch (error) {
      // A verifier that cannot finish has not accepted the program: refuse it, saying what happened.
      throw new RuntimeError('NOT_VERIFIED', `${file}: ${program.name} (section ${program.section}) could not be verified: ${(error as Error).message}`);
    }
    if (!verification.ok) throw new RuntimeError('NOT_VERIFIED', `${file}: ${program.name} (section ${program.section}) failed verification: ${describeRejection(verification)}`);
    return type;
  });

  const mapIds: number[] = [];
  const programIds: number[] = [];
  try {
    for (const spec of object.maps) mapIds.push(createOrReuse(runtime, object, spec, options, file));
    object.programs.forEach((program, index) => {
      const type = types[index]!;
      const instructions = relocateMaps(program.instructions, (i) => runtime.mapHandle(mapIds[i]!), (i, offset) => runtime.mapValueAddress(mapIds[i]!, offset));
      const attachType = runtime.platform.attachTypeById(forced ? type.defaultAttachType : program.attachType || type.defaultAttachType)?.name ?? type.name;
      const used = [...new Set(program.mapReferences.map((r) => mapIds[r.mapIndex]!))].sort((a, b) => a - b);
      try {
        programIds.push(runtime.addProgram(
          { name: program.name, section: program.section, file, type, attachType, mode: execution === 'jit' ? 'JIT' : 'INTERPRET', mapIds: used },
          (id) => engineFor(execution).prepare({ name: program.name, instructions }, runtime.environment(id)),
        ));
      } catch (error) {
        if (error instanceof JitError) throw new RuntimeError('LOAD_FAILED', `${file}: ${program.name} (section ${program.section}) could not be compiled: ${error.message}`);
        throw error;
      }
    });
    object.maps.forEach((spec, index) => {
      for (const initial of spec.initialValues ?? []) {
        const target = initial.kind === 'program' ? programIds[object.programs.findIndex((p) => p.name === initial.name)] : mapIds[object.maps.findIndex((m) => m.name === initial.name)];
        if (target === undefined) throw new RuntimeError('LOAD_FAILED', `${file}: map ${spec.name}[${initial.index}] names ${initial.kind} ${initial.name}, which the object does not define`);
        runtime.update(mapIds[index]!, new Uint8Array(new Uint32Array([initial.index]).buffer), new Uint8Array(new Uint32Array([target]).buffer), 0);
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

/** The id of the map `spec` becomes: an existing one (reused or pinned by name, shape checked) or a new one. */
export function createOrReuse(runtime: Runtime, object: ObjectSpec, spec: MapSpec, options: LoadOptions, file: string): number {
  const existing = options.reuseMaps?.get(spec.name) ?? (spec.pinning === 1 ? options.pinnedMap?.(spec.name) : undefined);
  if (existing !== undefined) {
    const info = runtime.maps().find((m) => m.id === existing);
    const type = info && runtime.platform.mapTypes.find((t) => t.displayName === info.type);
    if (!info || !type) throw new RuntimeError('LOAD_FAILED', `${file}: map ${spec.name} should reuse map ${existing}, which does not exist`);
    if (!sameShape({ type: type.id, keySize: info.keySize, valueSize: info.valueSize, maxEntries: info.maxEntries }, spec)) {
      throw new RuntimeError('LOAD_FAILED', `${file}: map ${spec.name} (${runtime.platform.mapTypeById(spec.type)?.displayName}, key ${spec.keySize}, value ${spec.valueSize}, ${spec.maxEntries} entries) does not match the existing map ${existing} (${info.type}, key ${info.keySize}, value ${info.valueSize}, ${info.maxEntries} entries)`);
    }
    runtime.retain(existing);
    return existing;
  }
  const id = runtime.createMap({
    type: spec.type, keySize: spec.keySize, valueSize: spec.valueSize, maxEntries: spec.maxEntries, name: spec.name, flags: spec.flags,
    ...(object.btf ? { btf: object.btf } : {}),
    ...(spec.keyTypeId !== undefined ? { keyTypeId: spec.keyTypeId } : {}),
    ...(spec.valueTypeId !== undefined ? { valueTypeId: spec.valueTypeId } : {}),
    ...(spec.innerMap ? { innerTemplate: { type: spec.innerMap.type, keySize: spec.innerMap.keySize, valueSize: spec.innerMap.valueSize, maxEntries: spec.innerMap.maxEntries } } : {}),
  });
  try {
    if (spec.data && spec.data.length > 0) runtime.update(id, new Uint8Array(4), padTo(spec.data, spec.valueSize), 0);
  } catch (error) {
    runtime.release(id);
    throw error;
  }
  return id;
}

function padTo(bytes: Uint8Array, size: number): Uint8Array {
  if (bytes.length === size) return bytes;
  const out = new Uint8Array(size);
  out.set(bytes.subarray(0, size));
  return out;
}
