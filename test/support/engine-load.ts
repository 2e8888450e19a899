// Loads an example's programs at the engine level for tests: maps created in a Runtime, map references
// relocated, each program prepared by the chosen engine, with no verification (Runtime.loadObject does all
// of this after the verifier). Engine tests, including the checked JIT on raw programs, go through here,
// as the conformance runner goes to the engines directly.
import type { Engine, PreparedProgram } from '../../src/engines/engine.ts';
import { createInterpreter } from '../../src/engines/interpreter/interpreter.ts';
import { createJit } from '../../src/engines/jit/index.ts';
import { openObjectFile } from '../../src/object/index.ts';
import { windowsPlatform, type ProgramTypeSpec } from '../../src/platform/index.ts';
import { Runtime } from '../../src/runtime/runtime.ts';
import { relocateMaps } from '../../src/runtime/test-run.ts';

/** An object's programs and maps, ready to test-run. */
export interface EngineLoaded {
  runtime: Runtime;
  /** Map ids by map name. */
  maps: Map<string, number>;
  programs: Map<string, { prepared: PreparedProgram; type: ProgramTypeSpec }>;
  traces: string[];
}

/** The engines tests compare: the interpreter, the JIT as raw programs get it (checked), and as verified ones will (unchecked). */
export const ENGINES: Record<'interpreter' | 'jit' | 'jit-unchecked', () => Engine> = {
  interpreter: () => createInterpreter(),
  jit: () => createJit(),
  'jit-unchecked': () => createJit({ checked: false }),
};

export async function loadAtEngineLevel(objectPath: string, engine: keyof typeof ENGINES | (() => Engine)): Promise<EngineLoaded> {
  const object = await openObjectFile(objectPath);
  const runtime = new Runtime({ cpuCount: 2 });
  const traces: string[] = [];
  runtime.onTrace((_, line) => void traces.push(line));
  const ids = object.maps.map((spec) =>
    runtime.createMap({
      type: spec.type, keySize: spec.keySize, valueSize: spec.valueSize, maxEntries: spec.maxEntries, name: spec.name.replace(/^\./, 'dot'),
      ...(object.btf ? { btf: object.btf } : {}),
      ...(spec.keyTypeId !== undefined ? { keyTypeId: spec.keyTypeId } : {}),
      ...(spec.valueTypeId !== undefined ? { valueTypeId: spec.valueTypeId } : {}),
    }),
  );
  object.maps.forEach((spec, i) => {
    if (spec.data) runtime.update(ids[i]!, new Uint8Array(4), spec.data, 0);
  });
  const programs = new Map<string, { prepared: PreparedProgram; type: ProgramTypeSpec }>();
  for (const program of object.programs) {
    const type = windowsPlatform.programTypeById(windowsPlatform.sectionInfo(program.section)?.programType ?? -1);
    if (!type) throw new Error(`${program.section}: no program type`);
    const instructions = relocateMaps(program.instructions, (index) => runtime.mapHandle(ids[index]!), (index, offset) => runtime.mapValueAddress(ids[index]!, offset));
    const prepared = (typeof engine === 'function' ? engine : ENGINES[engine])().prepare({ name: program.name, instructions }, runtime.environment(1));
    programs.set(program.name, { prepared, type });
  }
  return { runtime, maps: new Map(object.maps.map((m, i) => [m.name, ids[i]!])), programs, traces };
}
