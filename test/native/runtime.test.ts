// Native modules through the Runtime's own API (what the service, the Studio and library users call):
// loadObject recognises a module, its programs run as NATIVE with the same results as the JIT-loaded
// object, program arrays are filled so tail calls work, and every refusal leaves the runtime empty.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildNativeModule } from '../../src/native/index.ts';
import { Runtime, RuntimeError } from '../../src/runtime/runtime.ts';
import { exampleObject, freshHome } from './support.ts';

const { key } = freshHome();
const testSigning = () => ({ trustedKeys: [], testSigning: true });

function bindContext(pid: number, operation: number): Uint8Array {
  const context = new Uint8Array(56);
  const view = new DataView(context.buffer);
  view.setBigUint64(16, BigInt(pid), true);
  view.setUint32(44, operation, true);
  return context;
}

test('Runtime.loadObject on a module loads it as NATIVE; its tail-call dispatch counts and forgets binds as the JIT-loaded object does', async () => {
  const { bytes } = await exampleObject('BindDispatch');
  const module = buildNativeModule(bytes, { name: 'BindDispatch.o', key }).bytes;
  const outcomes = [];
  for (const source of [module, bytes]) {
    const runtime = new Runtime({ cpuCount: 2, signingPolicy: testSigning });
    const { programIds, mapIds } = await runtime.loadObject(source, { name: source === module ? 'BindDispatch.wasm' : 'BindDispatch.o' });
    const programs = runtime.programs();
    assert.deepEqual(programs.map((p) => p.mode), source === module ? ['NATIVE', 'NATIVE', 'NATIVE'] : ['JIT', 'JIT', 'JIT']);
    const dispatch = programIds[programs.findIndex((p) => p.name === 'BindDispatch')]!;
    const counts = mapIds[0]!;
    const seen: unknown[] = [];
    for (const [pid, operation] of [[10, 0], [10, 0], [11, 0], [10, 2], [11, 0]] as const) {
      runtime.testRun(dispatch, { contextIn: bindContext(pid, operation), dataIn: new Uint8Array(4) });
      seen.push(runtime.entries(counts, 10).map((e) => [Buffer.from(e.key).readBigUInt64LE(), Buffer.from(e.value).readBigUInt64LE()]));
    }
    outcomes.push(seen);
  }
  assert.deepEqual(outcomes[0], outcomes[1]);
  assert.deepEqual(outcomes[0]!.at(-1), [[11n, 2n]]);
});

test('a runtime without a signing policy trusts nobody: the module is refused and nothing is created', async () => {
  const { bytes } = await exampleObject('TraceConnections');
  const module = buildNativeModule(bytes, { key }).bytes;
  const runtime = new Runtime({ cpuCount: 2 });
  await assert.rejects(runtime.loadObject(module), (e: unknown) => e instanceof RuntimeError && e.code === 'LOAD_FAILED' && /which is not trusted/.test(e.message));
  const trusting = new Runtime({ cpuCount: 2, signingPolicy: () => ({ trustedKeys: [key.publicKey], testSigning: false }) });
  assert.equal((await trusting.loadObject(module)).programIds.length, 1);
  assert.deepEqual([runtime.programs(), runtime.maps()], [[], []]);
});

test('options that only apply to objects are refused for a module, and a damaged module leaves nothing behind', async () => {
  const { bytes } = await exampleObject('TraceConnections');
  const module = buildNativeModule(bytes, { key }).bytes;
  const runtime = new Runtime({ cpuCount: 2, signingPolicy: testSigning });
  await assert.rejects(runtime.loadObject(module, { execution: 'interpret' }), /execution=interpret applies to object files/);
  await assert.rejects(runtime.loadObject(module, { programType: 'xdp' }), /type= applies to object files/);
  const damaged = module.slice();
  damaged[200] = damaged[200]! ^ 0x04;
  await assert.rejects(runtime.loadObject(damaged), (e: unknown) => e instanceof RuntimeError && e.code === 'LOAD_FAILED');
  await assert.rejects(runtime.loadObject('/nonexistent/x.wasm'), (e: unknown) => e instanceof RuntimeError && e.code === 'OPEN_FAILED');
  assert.deepEqual([runtime.programs(), runtime.maps()], [[], []]);
});
