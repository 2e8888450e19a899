// Every map type, driven by a C program loaded (so verified) through Runtime.loadObject and run through
// test runs, under both execution modes; the maps' contents afterwards are what each type's semantics demand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PerfEventArrayMap, RingBufferMap } from '../../src/runtime/maps/index.ts';
import { load, readU32, readU64, sample, signed, u32, u64 } from './support.ts';

const BPF_NOEXIST = 1;
const BPF_EXIST = 2;

for (const execution of ['jit', 'interpret'] as const) {
  test(`${execution}: hash: update honours BPF_NOEXIST and BPF_EXIST, a full map refuses new keys, delete and lookup-and-delete`, async () => {
    const t = await load('map_hash.c', { execution });
    const op = (u16: number, key: number, a = 0, b = 0) => signed(t.run('HashOps', { contextIn: sample({ u16, u32: key, a, b }) }).returnValue);
    assert.equal(op(0, 1, 10), 0);
    assert.equal(op(0, 1, 11, BPF_NOEXIST), -17, 'EEXIST');
    assert.equal(op(0, 2, 20, BPF_EXIST), -2, 'ENOENT');
    assert.equal(op(0, 2, 20), 0);
    assert.equal(op(0, 3, 30), 0);
    assert.equal(op(0, 4, 40), -7, 'E2BIG: 3 entries at most');
    assert.equal(op(0, 3, 33, BPF_EXIST), 0);
    assert.equal(op(1, 3), 33);
    assert.equal(op(2, 2), 0);
    assert.equal(op(2, 2), -2);
    assert.equal(op(3, 1), 10, 'lookup-and-delete gives the value');
    assert.equal(op(1, 1), -1, '...and the key is gone');
    assert.deepEqual(t.runtime.entries(t.map('table'), 10).map((e) => [readU32(e.key), readU64(e.value)]), [[3, 33n]]);
  });

  test(`${execution}: array: every index exists, values change in place, out of range and delete are refused`, async () => {
    const t = await load('map_array.c', { execution });
    const op = (u16: number, index: number, a = 0, b = 0) => signed(t.run('ArrayOps', { contextIn: sample({ u16, u32: index, a, b }) }).returnValue);
    assert.equal(op(1, 3), 0, 'a fresh array reads zero');
    assert.equal(op(0, 1, 5), 0);
    assert.equal(op(3, 1, 4), 0);
    assert.equal(op(1, 1), 9);
    assert.equal(op(0, 1, 1, BPF_NOEXIST), -17);
    assert.equal(op(0, 4, 1), -7, 'index 4 of 4 entries');
    assert.equal(op(1, 4), -1);
    assert.equal(op(2, 1), -22, 'array entries cannot be deleted');
    assert.deepEqual(t.runtime.entries(t.map('slots'), 10).map((e) => readU64(e.value)), [0n, 9n, 0n, 0n]);
  });

  for (const [file, name] of [['map_percpu_hash.c', 'percpu_hash'], ['map_percpu_array.c', 'percpu_array'], ['map_lru_percpu_hash.c', 'lru_percpu_hash']] as const) {
    test(`${execution}: ${name}: each CPU counts into its own value, and users see one value per CPU`, async () => {
      const t = await load(file, { execution, cpuCount: 3 });
      const count = (cpu: number, a: number) => t.run('Count', { contextIn: sample({ u32: 1, a }), cpu });
      for (const [cpu, a] of [[0, 1], [2, 10], [0, 2], [2, 20], [1, 100]] as const) count(cpu, a);
      const value = t.runtime.lookup(t.map('counts'), u32(1))!;
      assert.equal(value.length, 3 * 8, 'one 8-byte slot per CPU');
      assert.deepEqual([0, 1, 2].map((cpu) => readU64(value, cpu * 8)), [3n, 100n, 30n]);
    });
  }

  test(`${execution}: lru_hash: a full map evicts the least recently used key (a lookup counts as a use)`, async () => {
    const t = await load('map_lru_hash.c', { execution });
    const insert = (key: number) => t.run('Lru', { contextIn: sample({ u16: 0, u32: key }) });
    const use = (key: number) => signed(t.run('Lru', { contextIn: sample({ u16: 1, u32: key }) }).returnValue);
    insert(1);
    insert(2);
    insert(3);
    assert.equal(use(1), 10);
    insert(4); // evicts 2: 1 was used after it
    assert.equal(use(2), -1);
    insert(5); // evicts 3
    assert.deepEqual(t.runtime.entries(t.map('recent'), 10).map((e) => readU32(e.key)).sort(), [1, 4, 5]);
  });

  test(`${execution}: lpm_trie: a lookup finds the longest prefix that covers the address`, async () => {
    const t = await load('map_lpm_trie.c', { execution });
    const routes = t.map('routes');
    const prefix = (length: number, a: number, b: number, c: number, d: number) => Uint8Array.from([...u32(length), a, b, c, d]);
    t.runtime.update(routes, prefix(8, 10, 0, 0, 0), u32(1), 0);
    t.runtime.update(routes, prefix(16, 10, 1, 0, 0), u32(2), 0);
    t.runtime.update(routes, prefix(24, 10, 1, 2, 0), u32(3), 0);
    t.runtime.update(routes, prefix(0, 0, 0, 0, 0), u32(9), 0);
    const route = (a: number, b: number, c: number, d: number) => signed(t.run('Route', { contextIn: sample({ u32: readU32(Uint8Array.from([a, b, c, d])) }) }).returnValue);
    assert.equal(route(10, 1, 2, 3), 3);
    assert.equal(route(10, 1, 3, 3), 2);
    assert.equal(route(10, 200, 0, 1), 1);
    assert.equal(route(192, 168, 0, 1), 9, 'the default route');
  });

  for (const [file, order] of [['map_queue.c', 'FIFO'], ['map_stack.c', 'LIFO']] as const) {
    test(`${execution}: ${file.slice(4, -2)}: push, peek and pop are ${order}; a full map refuses, or with BPF_EXIST drops the oldest`, async () => {
      const t = await load(file, { execution });
      const op = (u16: number, a = 0, b = 0) => signed(t.run('Items', { contextIn: sample({ u16, a, b }) }).returnValue);
      for (const v of [1, 2, 3]) assert.equal(op(0, v), 0);
      assert.equal(op(0, 4), -7, 'full');
      assert.equal(op(0, 4, BPF_EXIST), 0, 'BPF_EXIST makes room by dropping the oldest (1)');
      const expected = order === 'FIFO' ? [2, 3, 4] : [4, 3, 2];
      assert.equal(op(2), expected[0], 'peek');
      assert.deepEqual([op(1), op(1), op(1), op(1)], [...expected, -1]);
    });
  }

  test(`${execution}: ringbuf: records come out in order with their lengths, and a full ring refuses`, async () => {
    const t = await load('map_ringbuf.c', { execution });
    const data = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
    const results = [3, 8, 1, 20, 16].map((length) => signed(t.run('Record', { contextIn: sample({ u32: length }), dataIn: data }).returnValue));
    // 64 bytes: records take 8 + length rounded up to 8: 16, 16, 16, then 32 does not fit; 24 does not either.
    assert.deepEqual(results, [0, 0, 0, -28, -28]);
    const ring = t.runtime.map(t.map('records'));
    assert.ok(ring instanceof RingBufferMap);
    assert.deepEqual(ring.consume().map((r) => [...r]), [[1, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8], [1]]);
    assert.equal(signed(t.run('Record', { contextIn: sample({ u32: 20 }), dataIn: data }).returnValue), 0, 'consumed records make room');
  });

  test(`${execution}: perf_event_array: records land in the running CPU's ring, with context data appended on request`, async () => {
    const t = await load('map_perf_event_array.c', { execution, cpuCount: 2 });
    const emit = (cpu: number, a: number, ctxBytes = 0) => signed(t.run('Emit', { contextIn: sample({ a, u32: ctxBytes }), dataIn: Uint8Array.from([9, 8, 7]), cpu }).returnValue);
    assert.equal(emit(0, 0x11), 0);
    assert.equal(emit(1, 0x22, 2), 0);
    assert.equal(signed(t.run('Emit', { contextIn: sample({ u16: 1, a: 0x33, b: 1 }), cpu: 0 }).returnValue), -22, 'another CPU\'s ring');
    const perf = t.runtime.map(t.map('events'));
    assert.ok(perf instanceof PerfEventArrayMap);
    assert.deepEqual(perf.consume().map((r) => [r.cpu, [...r.record]]), [[0, [0x11, 0, 0, 0]], [1, [0x22, 0, 0, 0, 9, 8]]]);
  });

  test(`${execution}: prog_array: tail calls chain to 33 after the first program and no further`, async () => {
    const t = await load('map_prog_array.c', { execution });
    const programs = t.map('programs');
    t.runtime.update(programs, u32(0), u32(t.program('Chain')), 0);
    const result = t.run('Chain', { contextIn: sample() });
    assert.equal(result.returnValue, 7n, 'the 34th program\'s tail call fails, so it returns 7 itself');
    assert.equal(readU32(t.runtime.lookup(t.map('runs'), u32(0))!), 34);
    assert.equal(t.runtime.programs().find((p) => p.name === 'Chain')!.runCount, 34);
  });

  test(`${execution}: prog_array: the callee runs after the caller returns, and a failed tail call lets the caller go on`, async () => {
    const t = await load('map_prog_array.c', { execution });
    const programs = t.map('programs');
    t.runtime.update(programs, u32(1), u32(t.program('Callee')), 0);
    assert.equal(t.run('Dispatch', { contextIn: sample({ u32: 1 }) }).returnValue, 42n);
    assert.equal(readU32(t.runtime.lookup(t.map('runs'), u32(1))!), 1, 'only the callee counted: Dispatch stopped at its tail call');
    assert.equal(signed(t.run('Dispatch', { contextIn: sample({ u32: 2 }) }).returnValue), 100 - 6, 'empty slot: -EBPF_INVALID_ARGUMENT');
    assert.equal(signed(t.run('Dispatch', { contextIn: sample({ u32: 9 }) }).returnValue), 100 - 6, 'beyond the array');
    assert.equal(readU32(t.runtime.lookup(t.map('runs'), u32(1))!), 5);
    assert.deepEqual([...t.runtime.lookup(programs, u32(1))!], [...u32(t.program('Callee'))], 'user-side reads give the program id');
  });

  test(`${execution}: array_of_maps: a program reaches the inner maps its object put in the outer one`, async () => {
    const t = await load('map_array_of_maps.c', { execution });
    assert.equal(t.run('AddToInner', { contextIn: sample({ u32: 1, a: 5 }) }).returnValue, 5n);
    assert.equal(t.run('AddToInner', { contextIn: sample({ u32: 1, a: 2 }) }).returnValue, 7n);
    assert.equal(readU64(t.runtime.lookup(t.map('second'), u32(0))!), 7n);
    assert.equal(readU64(t.runtime.lookup(t.map('first'), u32(0))!), 0n);
  });

  test(`${execution}: hash_of_maps: a program counts into the inner map a user stored`, async () => {
    const t = await load('map_hash_of_maps.c', { execution });
    t.runtime.update(t.map('tenants'), u32(4242), u32(t.map('tenant_a')), 0);
    assert.equal(signed(t.run('CountForTenant', { contextIn: sample({ u32: 4242, a: 80 }) }).returnValue), 0);
    assert.equal(signed(t.run('CountForTenant', { contextIn: sample({ u32: 4242, a: 80 }) }).returnValue), 2);
    assert.equal(signed(t.run('CountForTenant', { contextIn: sample({ u32: 1, a: 80 }) }).returnValue), -1);
    assert.equal(readU32(t.runtime.lookup(t.map('tenant_a'), u32(80))!), 2);
  });
}

test('maps of maps hold map ids: user updates check the inner shape, and an inner map lives while it is stored', async () => {
  // Loading needs the verifier's map-of-maps support; the outer map's user-side rules do not.
  const { Runtime } = await import('../../src/runtime/runtime.ts');
  const runtime = new Runtime({ cpuCount: 1 });
  const template = { type: 1, keySize: 4, valueSize: 4, maxEntries: 8 };
  const outer = runtime.createMap({ type: 'hash_of_maps', keySize: 4, valueSize: 4, maxEntries: 2, name: 'outer', innerTemplate: template });
  const inner = runtime.createMap({ type: 'hash', keySize: 4, valueSize: 4, maxEntries: 8, name: 'inner' });
  const wrong = runtime.createMap({ type: 'hash', keySize: 4, valueSize: 8, maxEntries: 8, name: 'wrong' });
  assert.throws(() => runtime.update(outer, u32(1), u32(wrong), 0), /map 3 \(hash, key 4, value 8, 8 entries\) does not match the inner map \(hash, key 4, value 4, 8 entries\)/);
  assert.throws(() => runtime.update(outer, u32(1), u32(99), 0), /no map with id 99/);
  runtime.update(outer, u32(1), u32(inner), 0);
  assert.deepEqual([...runtime.lookup(outer, u32(1))!], [...u32(inner)]);
  runtime.release(inner); // the creator's reference: the outer map still holds one
  assert.ok(runtime.maps().some((m) => m.id === inner));
  runtime.delete(outer, u32(1));
  assert.ok(!runtime.maps().some((m) => m.id === inner));
  void u64;
});
