// Native modules for tests: built from the examples with a key in a temporary $EBPF_HOME, and run at the
// engine level (maps created in a Runtime, the module instantiated against them), as test/support's
// engine-load does for objects.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PreparedProgram } from '../../src/engines/engine.ts';
import { buildNativeModule, checkNativeModule, homeSigningKey, instantiateNative, nativeObject, type NativeModule, type SigningKey } from '../../src/native/index.ts';
import { windowsPlatform } from '../../src/platform/index.ts';
import { Runtime } from '../../src/runtime/runtime.ts';
import { compileTestProgram } from '../support/compile.ts';
import { repoRoot } from '../support/paths.ts';

/** A state directory with its signing key, made fresh. */
export function freshHome(): { home: string; key: SigningKey } {
  const home = mkdtempSync(join(tmpdir(), 'ebpf-native-home-'));
  return { home, key: homeSigningKey(home) };
}

/** Compiles an example (or a test program by path) and returns the object's path and bytes. */
export async function exampleObject(nameOrPath: string): Promise<{ path: string; bytes: Uint8Array }> {
  const source = nameOrPath.endsWith('.c') ? nameOrPath : join(repoRoot, 'examples', `${nameOrPath}.c`);
  const path = await compileTestProgram(source);
  return { path, bytes: new Uint8Array(readFileSync(path)) };
}

/** Builds a signed module from an example with `key`. */
export async function exampleModule(name: string, key: SigningKey): Promise<Uint8Array> {
  const { bytes } = await exampleObject(name);
  return buildNativeModule(bytes, { name: `${name}.o`, key }).bytes;
}

/** A checked module's maps created in a new Runtime and its programs instantiated against them. */
export function runNative(bytes: Uint8Array): { runtime: Runtime; module: NativeModule; maps: Map<string, number>; programs: Map<string, PreparedProgram> } {
  const module = checkNativeModule(bytes, { trustedKeys: [], testSigning: true }, windowsPlatform);
  const runtime = new Runtime({ cpuCount: 2 });
  const { btf } = nativeObject(module, 'module');
  const ids = module.maps.map((spec) =>
    runtime.createMap({
      type: spec.type, keySize: spec.keySize, valueSize: spec.valueSize, maxEntries: spec.maxEntries, name: spec.name.replace(/^\./, 'dot'),
      ...(btf ? { btf } : {}),
      ...(spec.keyTypeId !== undefined ? { keyTypeId: spec.keyTypeId } : {}),
      ...(spec.valueTypeId !== undefined ? { valueTypeId: spec.valueTypeId } : {}),
    }),
  );
  module.maps.forEach((spec, i) => {
    if (spec.data) runtime.update(ids[i]!, new Uint8Array(4), spec.data, 0);
  });
  const prepared = instantiateNative(module, {
    mapHandle: (i) => runtime.mapHandle(ids[i]!),
    mapValueAddress: (i, offset) => runtime.mapValueAddress(ids[i]!, offset),
    environment: () => runtime.environment(1),
  });
  return {
    runtime,
    module,
    maps: new Map(module.maps.map((m, i) => [m.name, ids[i]!])),
    programs: new Map(module.programs.map((p, i) => [p.name, prepared[i]!])),
  };
}
