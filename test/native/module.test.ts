// What `ebpf native` writes: a valid WebAssembly module with one export per program, custom sections that
// give back the object's maps, programs, instructions, line info and BTF, the source hash and a signature;
// and code that, instantiated against a runtime, behaves exactly as the object loaded through the JIT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { buildNativeModule, NativeModuleError, nativeObject, readNativeModule, SECTION } from '../../src/native/index.ts';
import { readWasmSections } from '../../src/native/format.ts';
import { openObject } from '../../src/object/index.ts';
import { windowsPlatform } from '../../src/platform/index.ts';
import { testRun } from '../../src/runtime/test-run.ts';
import { loadAtEngineLevel } from '../support/engine-load.ts';
import { exampleObject, freshHome, runNative } from './support.ts';

const { key } = freshHome();
const bind = windowsPlatform.programTypeByName('bind')!;

function bindContext(pid: number, operation: number): Uint8Array {
  const context = new Uint8Array(56);
  const view = new DataView(context.buffer);
  view.setBigUint64(16, BigInt(pid), true);
  view.setUint32(44, operation, true);
  return context;
}

test('a native module is a valid WebAssembly module exporting each program, with its custom sections in order and the signature last', async () => {
  const { bytes } = await exampleObject('BindDispatch');
  const module = buildNativeModule(bytes, { name: 'BindDispatch.o', key }).bytes;
  assert.ok(WebAssembly.validate(module));
  const compiled = new WebAssembly.Module(module);
  assert.deepEqual(WebAssembly.Module.exports(compiled).map((e) => e.name), ['OnBind', 'OnUnbind', 'BindDispatch']);
  assert.deepEqual(WebAssembly.Module.imports(compiled).map((i) => `${i.module}.${i.name}`), ['env.memory', 'env.helper', 'env.fault', 'env.lookup']);
  const custom = readWasmSections(module).filter((s) => s.id === 0).map((s) => s.name);
  assert.deepEqual(custom, [SECTION.module, SECTION.maps, SECTION.programs, SECTION.relocations, SECTION.btf, SECTION.instructions, SECTION.lines, SECTION.hash, SECTION.signature]);
});

test('the module gives back the object: maps, programs, types, helper ids, instructions, line info, BTF', async () => {
  const { bytes } = await exampleObject('BindDispatch');
  const object = openObject(bytes, { name: 'BindDispatch.o' });
  const module = readNativeModule(buildNativeModule(bytes, { name: 'BindDispatch.o', key }).bytes);
  assert.equal(module.header.object, 'BindDispatch.o');
  assert.equal(module.header.license, object.license);
  assert.equal(module.header.checked, false);
  assert.deepEqual(module.maps, object.maps);
  assert.deepEqual(module.programs.map((p) => [p.name, p.section, p.programType, p.attachType, p.instructionCount]), object.programs.map((p) => [p.name, p.section, p.programType, p.attachType, p.instructions.length]));
  for (const [i, program] of module.programs.entries()) {
    assert.deepEqual(program.instructions, object.programs[i]!.instructions);
    assert.deepEqual(program.lineInfo, object.programs[i]!.lineInfo);
    assert.deepEqual(program.mapReferences, object.programs[i]!.mapReferences);
    assert.match(program.programInfoHash, /^[0-9a-f]{64}$/);
  }
  // OnBind looks up and updates a map; BindDispatch tail-calls.
  assert.deepEqual(module.programs.find((p) => p.name === 'BindDispatch')!.helpers, [5]);
  assert.ok(module.programs.find((p) => p.name === 'OnBind')!.helpers.includes(1));
  const asObject = nativeObject(module, 'BindDispatch.wasm');
  assert.deepEqual(asObject.btf!.types, object.btf!.types);
  assert.equal(Buffer.from(module.sourceHash!).toString('hex'), createHash('sha256').update(bytes).digest('hex'));
});

test('--type applies one program type to every program: it is verified as that type, and the program-info hash covers it', async () => {
  const { bytes } = await exampleObject('TraceConnections');
  const bySection = readNativeModule(buildNativeModule(bytes, { key }).bytes).programs[0]!;
  const byType = readNativeModule(buildNativeModule(bytes, { key, type: 'bind' }).bytes).programs[0]!;
  assert.equal(byType.programType, bind.id);
  assert.equal(byType.programInfoHash, bySection.programInfoHash);
  // As a sample program its context is 32 bytes, so the read of operation (offset 44) is refused.
  assert.throws(() => buildNativeModule(bytes, { key, type: 'sample' }), (e: unknown) => e instanceof NativeModuleError && e.code === 'VERIFICATION_FAILED' && /type sample/.test(e.message));
  assert.throws(() => buildNativeModule(bytes, { key, type: 'nonsense' }), (e: unknown) => e instanceof NativeModuleError && /unknown program type 'nonsense' \(known: .*bind/.test(e.message));
});

test('an object the verifier refuses is not compiled: the error carries the verifier report', async () => {
  const { bytes } = await exampleObject(join(import.meta.dirname, 'programs', 'MissingNullCheck.c'));
  assert.throws(
    () => buildNativeModule(bytes, { name: 'MissingNullCheck.o', key }),
    (e: unknown) => e instanceof NativeModuleError && e.code === 'VERIFICATION_FAILED' && /Verification failed for MissingNullCheck \(section bind, type bind\)/.test(e.message) && /Verification report:/.test(e.message) && /1 errors/.test(e.message),
  );
});

test('the canonical example run from its native module counts binds exactly as the JIT-loaded object does', async () => {
  const { path, bytes } = await exampleObject('TraceConnections');
  const native = runNative(buildNativeModule(bytes, { name: 'TraceConnections.o', key }).bytes);
  const jit = await loadAtEngineLevel(path, 'jit-unchecked');
  const dataIn = new Uint8Array(Buffer.from('node.exe', 'utf16le'));
  const results = [native, { runtime: jit.runtime, maps: jit.maps, programs: new Map([...jit.programs].map(([n, p]) => [n, p.prepared])) }].map(({ runtime, maps, programs }) => {
    const program = programs.get('TraceConnections')!;
    const runs = [
      testRun(program, runtime.arena, bind, { contextIn: bindContext(4242, 0), dataIn, repeat: 3 }),
      testRun(program, runtime.arena, bind, { contextIn: bindContext(7, 2), dataIn }),
      testRun(program, runtime.arena, bind, { contextIn: bindContext(7, 0), dataIn: new Uint8Array(Buffer.from('a-very-long-application-name.exe', 'utf16le')) }),
    ].map((r) => ({ returnValue: r.returnValue, dataOut: [...r.dataOut], contextOut: [...r.contextOut] }));
    const mapId = maps.get('proc_map')!;
    return { runs, entries: runtime.entries(mapId, 100).map((e) => runtime.decode(mapId, 'value', e.value)) };
  });
  assert.deepEqual(results[0], results[1]);
  assert.deepEqual(results[0]!.entries, [{ id: 4242, name: 'node.exe', count: 3 }, { id: 7, name: 'a-very-long-appl', count: 1 }]);
});

test('global variables (.rodata) and packet programs run from native modules as from the JIT', async () => {
  for (const name of ['BlockApp', 'DropUdpPort']) {
    const { path, bytes } = await exampleObject(name);
    const native = runNative(buildNativeModule(bytes, { name: `${name}.o`, key }).bytes);
    const jit = await loadAtEngineLevel(path, 'jit-unchecked');
    const type = windowsPlatform.programTypeById(native.module.programs[0]!.programType)!;
    const inputs = type.name === 'xdp'
      ? [new Uint8Array(64), Uint8Array.from({ length: 60 }, (_, i) => (i === 12 ? 8 : i === 23 ? 17 : i === 36 ? 0 : i === 37 ? 53 : i))]
      : [new Uint8Array(Buffer.from('blocked.exe', 'utf16le')), new Uint8Array(Buffer.from('notepad.exe', 'utf16le'))];
    for (const dataIn of inputs) {
      const contextIn = type.name === 'bind' ? bindContext(1, 0) : undefined;
      const run = (r: { runtime: typeof native.runtime; program: (typeof native.programs extends Map<string, infer P> ? P : never) }) => {
        const out = testRun(r.program, r.runtime.arena, type, { dataIn, ...(contextIn ? { contextIn } : {}) });
        return { returnValue: out.returnValue, dataOut: [...out.dataOut] };
      };
      const programName = native.module.programs[0]!.name;
      assert.deepEqual(run({ runtime: native.runtime, program: native.programs.get(programName)! }), run({ runtime: jit.runtime, program: jit.programs.get(programName)!.prepared }), `${name}: ${[...dataIn].slice(0, 8)}`);
    }
    const mapsOf = (r: { runtime: typeof native.runtime; maps: Map<string, number> }) => [...r.maps.keys()].filter((n) => !n.startsWith('.')).map((n) => r.runtime.entries(r.maps.get(n)!, 100).map((e) => [[...e.key], [...e.value]]));
    assert.deepEqual(mapsOf(native), mapsOf(jit), name);
  }
});
