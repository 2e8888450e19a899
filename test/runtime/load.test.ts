// Loading objects: ids from one counter, verification before anything exists, all-or-nothing loads,
// reused maps, execution modes, and unloading that frees what nothing references.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Runtime, RuntimeError } from '../../src/runtime/runtime.ts';
import { compileTestProgram } from '../support/compile.ts';
import { load, programsDir, readU32, sample, u32 } from './support.ts';

const compile = (file: string) => compileTestProgram(join(programsDir, file));

test('maps, programs and links share one id counter; programs() records what show programs needs', async () => {
  const runtime = new Runtime({ cpuCount: 1 });
  const first = await runtime.loadObject(await compile('map_prog_array.c'));
  assert.deepEqual(first, { mapIds: [1, 2], programIds: [3, 4, 5] });
  assert.equal(runtime.newId(), 6, 'a link would take the next id');
  const second = await runtime.loadObject(await compile('map_hash.c'), { execution: 'interpret', name: 'hash.o' });
  assert.deepEqual(second, { mapIds: [7], programIds: [8] });
  const info = runtime.programs().find((p) => p.id === 8)!;
  assert.deepEqual(info, { id: 8, name: 'HashOps', section: 'sample_ext', type: 'sample', attachType: 'sample_ext', file: 'hash.o', mode: 'INTERPRET', mapIds: [7], runCount: 0, runTimeNs: 0 });
  runtime.testRun(8, { contextIn: sample({ u16: 1 }), repeat: 5 });
  const after = runtime.programs().find((p) => p.id === 8)!;
  assert.equal(after.runCount, 5);
  assert.ok(after.runTimeNs > 0);
  const mapId = (name: string) => runtime.maps().find((m) => m.name === name)!.id;
  const both = [mapId('runs'), mapId('programs')].sort((x, y) => x - y);
  assert.deepEqual(runtime.programs().filter((p) => p.file === 'map_prog_array.o').map((p) => [p.name, p.mode, p.mapIds]), [['Chain', 'JIT', both], ['Callee', 'JIT', [mapId('runs')]], ['Dispatch', 'JIT', both]]);
});

test('a program the verifier rejects fails the load with its first error, pc and source line, and nothing is created', async () => {
  const runtime = new Runtime({ cpuCount: 1 });
  const path = await compile('unsafe_null.c');
  await assert.rejects(runtime.loadObject(path), (e: unknown) => {
    assert.ok(e instanceof RuntimeError);
    assert.equal(e.code, 'NOT_VERIFIED');
    assert.match(e.message, /^unsafe_null\.o: Unchecked \(section sample_ext\) failed verification: pc \d+ \(.*unsafe_null\.c:19: return \(int64_t\)\*value;\): .*null/);
    return true;
  });
  assert.deepEqual([runtime.maps(), runtime.programs()], [[], []]);
  assert.equal(runtime.newId(), 1, 'no id was taken');
});

test('loading is all or nothing: a failure after the maps exist releases them and the programs', async () => {
  const runtime = new Runtime({ cpuCount: 1 });
  const before = runtime.arena.allocatedBytes;
  const clash = runtime.createMap({ type: 'hash', keySize: 4, valueSize: 4, maxEntries: 3, name: 'clash' });
  await assert.rejects(runtime.loadObject(await compile('map_prog_array.c'), { reuseMaps: new Map([['programs', clash]]) }), /map programs \(prog_array, key 4, value 4, 4 entries\) does not match the existing map 1 \(hash, key 4, value 4, 3 entries\)/);
  assert.deepEqual(runtime.maps().map((m) => m.id), [clash]);
  assert.deepEqual(runtime.programs(), []);
  runtime.release(clash);
  assert.equal(runtime.arena.allocatedBytes, before);
  await assert.rejects(runtime.loadObject(await compile('map_hash.c'), { programType: 'teapot' }), /unknown program type 'teapot'/);
  await assert.rejects(runtime.loadObject(new Uint8Array(readFileSync(await compile('map_hash.c'))).subarray(0, 100), { name: 'cut.o' }), (e: unknown) => e instanceof RuntimeError && e.code === 'OPEN_FAILED' && e.message.startsWith('cut.o: '));
});

test('a reused map (as for a pinned one) is shared between loads, and survives the first unload', async () => {
  const runtime = new Runtime({ cpuCount: 1 });
  const a = await runtime.loadObject(await compile('map_hash.c'));
  const table = a.mapIds[0]!;
  const b = await runtime.loadObject(await compile('map_hash.c'), { pinnedMap: (name) => (name === 'table' ? table : undefined), reuseMaps: new Map([['table', table]]) });
  assert.deepEqual(b.mapIds, [table]);
  runtime.testRun(a.programIds[0]!, { contextIn: sample({ u16: 0, u32: 7, a: 70 }) });
  assert.equal(runtime.testRun(b.programIds[0]!, { contextIn: sample({ u16: 1, u32: 7 }) }).returnValue, 70n, 'the second object sees the first one\'s writes');
  for (const id of [...a.programIds, ...a.mapIds]) runtime.release(id);
  assert.deepEqual(runtime.maps().map((m) => m.id), [table]);
  for (const id of [...b.programIds, ...b.mapIds]) runtime.release(id);
  assert.deepEqual([runtime.maps(), runtime.programs()], [[], []]);
});

test('a LIBBPF_PIN_BY_NAME map reuses the map pinned under its name, and only such a map does', async () => {
  const runtime = new Runtime({ cpuCount: 1 });
  const path = await compile('map_pinned.c');
  const first = await runtime.loadObject(path);
  const pins = new Map([['shared_counter', first.mapIds[0]!], ['table', 999]]);
  const second = await runtime.loadObject(path, { pinnedMap: (name) => pins.get(name) });
  assert.deepEqual(second.mapIds, first.mapIds);
  assert.equal(runtime.testRun(first.programIds[0]!, { contextIn: sample() }).returnValue, 1n);
  assert.equal(runtime.testRun(second.programIds[0]!, { contextIn: sample() }).returnValue, 2n, 'one counter for both');
  const unpinned = await runtime.loadObject(await compile('map_hash.c'), { pinnedMap: (name) => pins.get(name) });
  assert.notEqual(unpinned.mapIds[0], 999, 'map_hash.c\'s table is not pinned by name: a new map');
});

test('program type overrides: type= verifies and runs every program as the type named, by type or attach name', async () => {
  const runtime = new Runtime({ cpuCount: 1 });
  // As netevent_monitor (a 24-byte context), the sample program's reads at 24 and 28 are outside the context: refused.
  await assert.rejects(runtime.loadObject(await compile('helpers_csum.c'), { programType: 'netevent_monitor' }), (e: unknown) => e instanceof RuntimeError && e.code === 'NOT_VERIFIED' && /failed verification: pc \d+ /.test(e.message));
  const loaded = await runtime.loadObject(await compile('helpers_csum.c'), { programType: 'sample_ext' });
  assert.equal(runtime.programs().find((p) => p.id === loaded.programIds[0])!.type, 'sample');
});

test('unloading a program releases its maps and empties the program-array slots that held it', async () => {
  const t = await load('map_prog_array.c');
  const { runtime } = t;
  const callee = t.program('Callee');
  runtime.update(t.map('programs'), u32(1), u32(callee), 0);
  runtime.release(callee);
  assert.deepEqual([...runtime.lookup(t.map('programs'), u32(1))!], [0, 0, 0, 0]);
  assert.equal(t.run('Dispatch', { contextIn: sample({ u32: 1 }) }).returnValue, 100n - 6n, 'the slot is empty now');
  assert.throws(() => runtime.testRun(callee), (e: unknown) => e instanceof RuntimeError && e.code === 'NOT_FOUND');
  void readU32;
});

test('global variables become .data, .rodata and .bss maps, and .rodata is frozen after load', async () => {
  const t = await load('globals.c');
  assert.equal(t.run('Globals', { contextIn: sample({ u32: 9 }) }).returnValue, 8n);
  assert.equal(t.run('Globals', { contextIn: sample({ u32: 10 }) }).returnValue, 11n);
  const rodata = t.runtime.maps().find((m) => m.name.endsWith('.rodata'))!;
  assert.throws(() => t.runtime.update(rodata.id, u32(0), u32(100), 0), /is read-only \(frozen after load\)/);
});
