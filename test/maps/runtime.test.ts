import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runtime, RuntimeError } from '../../src/runtime/runtime.ts';
import { compileTestProgram } from '../support/compile.ts';
import { repoRoot } from '../support/paths.ts';

const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);

test('maps get ids from one counter, and their handles lead helpers back to them', () => {
  const runtime = new Runtime({ cpuCount: 2 });
  const a = runtime.createMap({ type: 'hash', keySize: 4, valueSize: 4, maxEntries: 8, name: 'a' });
  const b = runtime.createMap({ type: 2, keySize: 4, valueSize: 8, maxEntries: 1, name: 'b' });
  assert.deepEqual([a, b, runtime.newId()], [1, 2, 3]);
  assert.deepEqual(runtime.maps().map((m) => [m.id, m.type, m.name]), [[1, 'hash', 'a'], [2, 'array', 'b']]);
  runtime.update(a, u32(1), u32(5), 0);
  assert.deepEqual(runtime.entries(a, 10).map((e) => [...e.value]), [[5, 0, 0, 0]]);
});

test('bad map definitions and unknown ids are clear errors that create nothing', () => {
  const runtime = new Runtime({ cpuCount: 1 });
  assert.throws(() => runtime.createMap({ type: 'tree', keySize: 4, valueSize: 4, maxEntries: 1, name: 'x' }), /unknown map type 'tree'/);
  assert.throws(() => runtime.createMap({ type: 'array', keySize: 2, valueSize: 4, maxEntries: 1, name: 'x' }), /array keys must be 4 bytes/);
  assert.throws(() => runtime.createMap({ type: 'hash', keySize: 4, valueSize: 4, maxEntries: 1, name: 'bad name!' }), /map name/);
  assert.throws(() => runtime.lookup(42, u32(0)), (e: unknown) => e instanceof RuntimeError && e.code === 'NOT_FOUND');
  assert.deepEqual(runtime.maps(), []);
});

test('references keep a map alive; the last release frees it and its arena memory', () => {
  const runtime = new Runtime({ cpuCount: 1 });
  const before = runtime.arena.allocatedBytes;
  const id = runtime.createMap({ type: 'hash', keySize: 4, valueSize: 64, maxEntries: 16, name: 'm' });
  runtime.update(id, u32(1), new Uint8Array(64), 0);
  runtime.retain(id);
  runtime.release(id);
  assert.equal(runtime.maps().length, 1);
  runtime.release(id);
  assert.equal(runtime.maps().length, 0);
  assert.equal(runtime.arena.allocatedBytes, before);
});

test('loading verifies and prepares the canonical example; unloading frees it and its map', async () => {
  const runtime = new Runtime({ cpuCount: 1 });
  const before = runtime.arena.allocatedBytes;
  const object = await compileTestProgram(join(repoRoot, 'examples', 'TraceConnections.c'));
  const loaded = await runtime.loadObject(object);
  assert.deepEqual(loaded, { programIds: [2], mapIds: [1] });
  assert.deepEqual(runtime.programs().map((p) => [p.id, p.name, p.type, p.mode, p.mapIds]), [[2, 'TraceConnections', 'bind', 'JIT', [1]]]);
  runtime.release(1); // the load's reference on the map: the program still holds one
  assert.equal(runtime.maps().length, 1);
  runtime.release(2);
  assert.deepEqual([runtime.programs(), runtime.maps()], [[], []]);
  assert.equal(runtime.arena.allocatedBytes, before);
  const garbage = join(mkdtempSync(join(tmpdir(), 'rt-')), 'garbage.o');
  writeFileSync(garbage, 'nope');
  await assert.rejects(runtime.loadObject(garbage), (e: unknown) => e instanceof RuntimeError && e.code === 'OPEN_FAILED' && /garbage\.o: file is 4 bytes/.test(e.message));
});

test('map values decode through BTF: fields by name, UTF-16LE char arrays as text', async () => {
  const { openObjectFile } = await import('../../src/object/index.ts');
  const object = await openObjectFile(await compileTestProgram(join(repoRoot, 'examples', 'TraceConnections.c')));
  const spec = object.maps[0]!;
  const runtime = new Runtime({ cpuCount: 1 });
  const id = runtime.createMap({ type: spec.type, keySize: spec.keySize, valueSize: spec.valueSize, maxEntries: spec.maxEntries, name: spec.name, btf: object.btf!, keyTypeId: spec.keyTypeId!, valueTypeId: spec.valueTypeId! });
  const value = new Uint8Array(40);
  const view = new DataView(value.buffer);
  view.setUint32(0, 4242, true);
  value.set(new Uint8Array(Buffer.from('node.exe', 'utf16le')), 4);
  view.setUint32(36, 3, true);
  assert.deepEqual(runtime.decode(id, 'value', value), { id: 4242, name: 'node.exe', count: 3 });
  assert.equal(runtime.decode(id, 'key', u32(4242)), 4242);
  assert.equal(runtime.maps()[0]!.typed, true);
});

test('runtimes choose their program type names from attach types', () => {
  const runtime = new Runtime({ cpuCount: 1 });
  assert.equal(runtime.programTypeOfAttachType('cgroup/connect4'), 'sock_addr');
  assert.equal(runtime.programTypeOfAttachType('bind'), 'bind');
  assert.equal(runtime.programTypeOfAttachType('nope'), undefined);
});
