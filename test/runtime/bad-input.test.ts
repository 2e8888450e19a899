// Bad input to every user-side map operation and to test runs: a clear error naming what and where,
// and nothing changed (map contents, arena memory, run counts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { RuntimeError } from '../../src/runtime/runtime.ts';
import { compileTestProgram } from '../support/compile.ts';
import { load, programsDir, sample, u32, u64 } from './support.ts';

const refused = (code: RuntimeError['code'], pattern: RegExp) => (e: unknown) => e instanceof RuntimeError && e.code === code && pattern.test(e.message);

test('user-side map operations refuse unknown ids, wrong sizes and bad flags, and change nothing', async () => {
  const t = await load('map_hash.c');
  const { runtime } = t;
  const table = t.map('table');
  runtime.update(table, u32(1), u64(10n), 0);
  const snapshot = () => JSON.stringify({ entries: runtime.entries(table, 10).map((e) => [[...e.key], [...e.value]]), arena: runtime.arena.allocatedBytes });
  const before = snapshot();
  const unknown = refused('NOT_FOUND', /no map with id 999/);
  assert.throws(() => runtime.lookup(999, u32(1)), unknown);
  assert.throws(() => runtime.update(999, u32(1), u64(1n), 0), unknown);
  assert.throws(() => runtime.delete(999, u32(1)), unknown);
  assert.throws(() => runtime.nextKey(999, undefined), unknown);
  assert.throws(() => runtime.lookupAndDelete(999, u32(1)), unknown);
  assert.throws(() => runtime.lookupBatch(999, undefined, 4), unknown);
  assert.throws(() => runtime.entries(999, 4), unknown);
  const keySize = refused('INVALID_ARGUMENT', /map table: key is 2 bytes, the map's keys are 4/);
  assert.throws(() => runtime.lookup(table, new Uint8Array(2)), keySize);
  assert.throws(() => runtime.update(table, new Uint8Array(2), u64(1n), 0), keySize);
  assert.throws(() => runtime.delete(table, new Uint8Array(2)), keySize);
  assert.throws(() => runtime.nextKey(table, new Uint8Array(2)), keySize);
  assert.throws(() => runtime.lookupAndDelete(table, new Uint8Array(2)), keySize);
  assert.throws(() => runtime.update(table, u32(2), new Uint8Array(3), 0), refused('INVALID_ARGUMENT', /map table: value is 3 bytes, the map's values are 8/));
  assert.throws(() => runtime.update(table, u32(2), u64(1n), 7), refused('INVALID_ARGUMENT', /invalid update flags 7/));
  assert.throws(() => runtime.update(table, u32(1), u64(1n), 1), refused('INVALID_ARGUMENT', /key already exists \(BPF_NOEXIST\)/));
  assert.throws(() => runtime.update(table, u32(5), u64(1n), 2), refused('NOT_FOUND', /key not found \(BPF_EXIST\)/));
  assert.throws(() => runtime.delete(table, u32(5)), refused('NOT_FOUND', /map table: key not found/));
  assert.throws(() => runtime.lookupAndDelete(table, u32(5)), refused('NOT_FOUND', /map table: key not found/));
  assert.throws(() => runtime.lookupBatch(table, undefined, 0), refused('INVALID_ARGUMENT', /batch count must be a positive integer/));
  assert.equal(snapshot(), before);
  runtime.update(table, u32(2), u64(20n), 0);
  runtime.update(table, u32(3), u64(30n), 0);
  assert.throws(() => runtime.update(table, u32(4), u64(40n), 0), refused('INVALID_ARGUMENT', /map table: full \(3 entries\)/));
  const batch = runtime.lookupBatch(table, undefined, 2);
  assert.equal(batch.entries.length, 2);
  assert.equal(runtime.lookupBatch(table, batch.next, 2).entries.length, 1);
});

test('program arrays take only live programs of one type; frozen maps take nothing', async () => {
  const t = await load('map_prog_array.c');
  const { runtime } = t;
  const programs = t.map('programs');
  assert.throws(() => runtime.update(programs, u32(0), u32(999), 0), refused('NOT_FOUND', /map programs: no program with id 999/));
  assert.throws(() => runtime.update(programs, u32(0), u64(1n), 0), refused('INVALID_ARGUMENT', /values are 4-byte program ids; got 8 bytes/));
  assert.throws(() => runtime.update(programs, u32(9), u32(t.program('Chain')), 0), refused('INVALID_ARGUMENT', /index 9 is outside the array/));
  const other = await runtime.loadObject(await compileTestProgram(join(programsDir, 'helpers_identity.c')));
  runtime.update(programs, u32(0), u32(t.program('Chain')), 0);
  assert.throws(() => runtime.update(programs, u32(1), u32(other.programIds[0]!), 0), refused('INVALID_ARGUMENT', /map programs holds sample programs; program \d+ is bind/));
  assert.deepEqual([...runtime.lookup(programs, u32(1))!], [0, 0, 0, 0]);
  runtime.freeze(t.map('runs'));
  assert.throws(() => runtime.update(t.map('runs'), u32(0), u32(1), 0), refused('INVALID_ARGUMENT', /map runs is read-only/));
  assert.throws(() => runtime.delete(t.map('runs'), u32(0)), refused('INVALID_ARGUMENT', /map runs is read-only/));
});

test('test runs refuse unknown programs, wrong contexts, oversized data, bad repeat and CPU, before anything runs', async () => {
  const t = await load('map_hash.c', { cpuCount: 2 });
  const { runtime } = t;
  const id = t.program('HashOps');
  const before = { arena: runtime.arena.allocatedBytes, entries: runtime.entries(t.map('table'), 10).length };
  const input = (extra: object) => ({ contextIn: sample({ u16: 0, u32: 1, a: 5 }), ...extra });
  assert.throws(() => runtime.testRun(77, input({})), refused('NOT_FOUND', /no program with id 77/));
  assert.throws(() => runtime.testRun(id, { contextIn: new Uint8Array(8) }), refused('INVALID_ARGUMENT', /program \d+ \(HashOps\): a sample context is 32 bytes; ctx_in has 8/));
  assert.throws(() => runtime.testRun(id, { contextIn: new Uint8Array(40) }), refused('INVALID_ARGUMENT', /a sample context is 32 bytes; ctx_in has 40/));
  assert.throws(() => runtime.testRun(id, input({ dataIn: new Uint8Array(65536) })), refused('INVALID_ARGUMENT', /data_in is 65536 bytes; at most 65535 are accepted/));
  for (const repeat of [0, -1, 1.5, 1_000_001]) assert.throws(() => runtime.testRun(id, input({ repeat })), refused('INVALID_ARGUMENT', /repeat must be 1-1000000/));
  assert.throws(() => runtime.testRun(id, input({ cpu: 2 })), refused('INVALID_ARGUMENT', /cpu 2 is not one of this runtime's 2 CPUs \(0-1\)/));
  assert.throws(() => runtime.testRun(id, input({ dataSizeOut: -1 })), refused('INVALID_ARGUMENT', /data_size_out must be/));
  assert.deepEqual({ arena: runtime.arena.allocatedBytes, entries: runtime.entries(t.map('table'), 10).length }, before);
  assert.equal(runtime.programs().find((p) => p.id === id)!.runCount, 0);
  const sockops = await load('hook_others.c');
  assert.throws(() => sockops.run('FlowId', { contextIn: new Uint8Array(64), dataIn: new Uint8Array(4) }), refused('INVALID_ARGUMENT', /sockops programs take no data/));
});

test('data out longer than data_size_out comes back cut, and says so', async () => {
  const t = await load('hook_xdp.c');
  const ctx = new Uint8Array(32);
  new DataView(ctx.buffer).setInt32(24, -4, true);
  const result = t.run('AdjustHead', { contextIn: ctx, dataIn: new Uint8Array(10), dataSizeOut: 12 });
  assert.deepEqual([result.dataOut.length, result.dataTruncated], [12, true]);
});
