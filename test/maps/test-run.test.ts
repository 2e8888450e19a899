// The test-run function on its own, on the canonical example prepared at the engine level (as the
// conformance runner does); test/runtime/ covers loading through Runtime.loadObject and Runtime.testRun.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { windowsPlatform } from '../../src/platform/index.ts';
import { testRun, TestRunError } from '../../src/runtime/test-run.ts';
import { loadAtEngineLevel } from '../support/engine-load.ts';
import { compileTestProgram } from '../support/compile.ts';
import { repoRoot } from '../support/paths.ts';

const bind = windowsPlatform.programTypeByName('bind')!;

async function canonical(engine: 'interpreter' | 'jit') {
  const loaded = await loadAtEngineLevel(await compileTestProgram(join(repoRoot, 'examples', 'TraceConnections.c')), engine);
  return { runtime: loaded.runtime, mapId: loaded.maps.get('proc_map')!, prepared: loaded.programs.get('TraceConnections')!.prepared };
}

function bindContext(pid: number, operation: number): Uint8Array {
  const context = new Uint8Array(56);
  const view = new DataView(context.buffer);
  view.setBigUint64(16, BigInt(pid), true);
  view.setUint32(44, operation, true);
  return context;
}

for (const engine of ['interpreter', 'jit'] as const) {
  test(`${engine}: the canonical example counts binds per process: node.exe, pid 4242, 3 runs`, async () => {
    const { runtime, mapId, prepared } = await canonical(engine);
    const dataIn = new Uint8Array(Buffer.from('node.exe', 'utf16le'));
    const result = testRun(prepared, runtime.arena, bind, { contextIn: bindContext(4242, 0), dataIn, repeat: 3 });
    assert.equal(result.returnValue, 0n);
    assert.deepEqual([...result.dataOut], [...dataIn]);
    const [entry] = runtime.entries(mapId, 10);
    assert.deepEqual(runtime.decode(mapId, 'key', entry!.key), 4242);
    assert.deepEqual(runtime.decode(mapId, 'value', entry!.value), { id: 4242, name: 'node.exe', count: 3 });
  });

  test(`${engine}: unbind events are not counted, and a long app id is cut at the 32-byte name`, async () => {
    const { runtime, mapId, prepared } = await canonical(engine);
    testRun(prepared, runtime.arena, bind, { contextIn: bindContext(1, 2), dataIn: new Uint8Array(4) });
    assert.equal(runtime.entries(mapId, 10).length, 0);
    const long = new Uint8Array(Buffer.from('a-very-long-application-name.exe', 'utf16le'));
    testRun(prepared, runtime.arena, bind, { contextIn: bindContext(7, 0), dataIn: long });
    const value = runtime.decode(mapId, 'value', runtime.entries(mapId, 1)[0]!.value) as { name: string };
    assert.equal(value.name, 'a-very-long-appl');
  });
}

test('test-run input is checked before anything runs: context size, data size, repeat', async () => {
  const { runtime, prepared } = await canonical('interpreter');
  const before = runtime.arena.allocatedBytes;
  assert.throws(() => testRun(prepared, runtime.arena, bind, { contextIn: new Uint8Array(12) }), (e: unknown) => e instanceof TestRunError && /a bind context is 56 bytes; ctx_in has 12/.test(e.message));
  assert.throws(() => testRun(prepared, runtime.arena, bind, { dataIn: new Uint8Array(70000) }), /at most 65535 are accepted/);
  assert.throws(() => testRun(prepared, runtime.arena, bind, { repeat: 0 }), /repeat must be 1-1000000/);
  assert.throws(() => testRun(prepared, runtime.arena, windowsPlatform.programTypeByName('sockops')!, { dataIn: new Uint8Array(1), contextIn: new Uint8Array(64) }), /sockops programs take no data/);
  assert.equal(runtime.arena.allocatedBytes, before);
});
