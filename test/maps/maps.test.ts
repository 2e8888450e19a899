import { test } from 'node:test';
import assert from 'node:assert/strict';
import { windowsPlatform } from '../../src/platform/index.ts';
import { Arena } from '../../src/runtime/arena.ts';
import { BPF_EXIST, BPF_NOEXIST, createMap, MapError, type BpfMap, type QueueMap, type RingBufferMap, type PerfEventArrayMap } from '../../src/runtime/maps/index.ts';

const TYPES = { hash: 1, array: 2, prog_array: 3, percpu_hash: 4, percpu_array: 5, hash_of_maps: 6, array_of_maps: 7, lru_hash: 8, lpm_trie: 9, queue: 10, lru_percpu_hash: 11, stack: 12, ringbuf: 13, perf_event_array: 14 };

function setup(cpuCount = 2) {
  const arena = new Arena();
  let cpu = 0;
  const context = { arena, cpuCount, currentCpu: () => cpu };
  const make = (type: keyof typeof TYPES, keySize: number, valueSize: number, maxEntries: number) =>
    createMap(windowsPlatform, { name: type, type: TYPES[type], keySize, valueSize, maxEntries }, context);
  return { arena, make, setCpu: (n: number) => (cpu = n) };
}

const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const u64 = (n: bigint) => new Uint8Array(new BigUint64Array([n]).buffer);
const readU32 = (b: Uint8Array | undefined) => (b ? new DataView(b.buffer, b.byteOffset).getUint32(0, true) : undefined);
const errorCode = (code: string) => (e: unknown) => e instanceof MapError && e.code === code;

test('hash: insert, replace, delete, flags and a full map', () => {
  const { make } = setup();
  const map = make('hash', 4, 4, 2);
  map.update(u32(1), u32(10));
  map.update(u32(1), u32(11), BPF_EXIST);
  assert.equal(readU32(map.lookup(u32(1))), 11);
  assert.throws(() => map.update(u32(1), u32(12), BPF_NOEXIST), errorCode('KEY_EXISTS'));
  assert.throws(() => map.update(u32(2), u32(20), BPF_EXIST), errorCode('KEY_NOT_FOUND'));
  map.update(u32(2), u32(20));
  assert.throws(() => map.update(u32(3), u32(30)), errorCode('MAP_FULL'));
  map.delete(u32(1));
  assert.equal(map.lookup(u32(1)), undefined);
  assert.throws(() => map.delete(u32(1)), errorCode('KEY_NOT_FOUND'));
  assert.equal(map.size, 1);
});

test('bad sizes and flags are refused and change nothing', () => {
  const { make } = setup();
  const map = make('hash', 4, 8, 4);
  assert.throws(() => map.update(u32(1), u32(1)), errorCode('WRONG_SIZE'));
  assert.throws(() => map.update(new Uint8Array(3), u64(1n)), errorCode('WRONG_SIZE'));
  assert.throws(() => map.update(u32(1), u64(1n), 7), errorCode('INVALID_ARGUMENT'));
  assert.throws(() => map.lookup(new Uint8Array(5)), /key is 5 bytes, the map's keys are 4/);
  assert.equal(map.size, 0);
  assert.throws(() => make('array', 8, 4, 1), /array keys must be 4 bytes/);
  assert.throws(() => make('ringbuf', 0, 0, 1000), /power of two/);
  assert.throws(() => createMap(windowsPlatform, { name: 'x', type: 99, keySize: 4, valueSize: 4, maxEntries: 1 }, { arena: new Arena(), cpuCount: 1, currentCpu: () => 0 }), /map type 99 is not supported/);
});

test('iteration visits every key once, and next-key after an unknown key starts over', () => {
  const { make } = setup();
  const map = make('hash', 4, 4, 10);
  for (const k of [5, 3, 9]) map.update(u32(k), u32(k * 10));
  assert.deepEqual([...map.entries()].map(([k, v]) => [readU32(k), readU32(v)]), [[5, 50], [3, 30], [9, 90]]);
  assert.equal(readU32(map.nextKey(u32(77))), 5);
  assert.equal(map.nextKey(u32(9)), undefined);
});

test('array: every index exists, reads and writes in place, cannot be deleted', () => {
  const { make, arena } = setup();
  const map = make('array', 4, 4, 3) as BpfMap & { base: number; stride: number };
  assert.equal(readU32(map.lookup(u32(2))), 0);
  map.update(u32(2), u32(42));
  const keyAddress = arena.alloc(4);
  arena.write(keyAddress, u32(2));
  const valueAddress = map.lookupAddress(keyAddress);
  assert.equal(valueAddress, map.base + 2 * map.stride);
  assert.equal(arena.view.getUint32(valueAddress, true), 42);
  arena.view.setUint32(valueAddress, 43, true);
  assert.equal(readU32(map.lookup(u32(2))), 43);
  assert.equal(map.lookup(u32(3)), undefined);
  assert.throws(() => map.update(u32(3), u32(1)), errorCode('MAP_FULL'));
  assert.throws(() => map.update(u32(0), u32(1), BPF_NOEXIST), errorCode('KEY_EXISTS'));
  assert.throws(() => map.delete(u32(0)), errorCode('INVALID_ARGUMENT'));
});

test('LRU hash evicts the least recently used entry when full', () => {
  const { make, arena } = setup();
  const map = make('lru_hash', 4, 4, 2);
  map.update(u32(1), u32(1));
  map.update(u32(2), u32(2));
  const key = arena.alloc(4);
  arena.write(key, u32(1));
  assert.notEqual(map.lookupAddress(key), 0); // a program touches 1: now 2 is the oldest
  map.update(u32(3), u32(3));
  assert.deepEqual([...map.entries()].map(([k]) => readU32(k)).sort(), [1, 3]);
});

test('per-CPU maps keep one value per CPU, and programs see their CPU\'s', () => {
  const { make, arena, setCpu } = setup(3);
  for (const type of ['percpu_array', 'percpu_hash', 'lru_percpu_hash'] as const) {
    const map = make(type, 4, 4, 4);
    assert.equal(map.userValueSize, 24);
    const perCpu = new Uint8Array(24);
    new DataView(perCpu.buffer).setUint32(8, 7, true); // CPU 1's value
    map.update(u32(0), perCpu);
    const key = arena.alloc(4);
    arena.write(key, u32(0));
    setCpu(1);
    assert.equal(arena.view.getUint32(map.lookupAddress(key), true), 7, type);
    setCpu(2);
    assert.equal(arena.view.getUint32(map.lookupAddress(key), true), 0, type);
    setCpu(0);
  }
});

test('LPM trie returns the longest matching prefix', () => {
  const { make } = setup();
  const map = make('lpm_trie', 8, 4, 10);
  const key = (bits: number, a: number, b: number, c: number, d: number) => Uint8Array.from([...u32(bits), a, b, c, d]);
  map.update(key(8, 10, 0, 0, 0), u32(8));
  map.update(key(16, 10, 1, 0, 0), u32(16));
  map.update(key(24, 10, 1, 2, 99), u32(24)); // data beyond the prefix is ignored
  assert.equal(readU32(map.lookup(key(32, 10, 1, 2, 3))), 24);
  assert.equal(readU32(map.lookup(key(32, 10, 1, 9, 9))), 16);
  assert.equal(readU32(map.lookup(key(32, 10, 9, 9, 9))), 8);
  assert.equal(map.lookup(key(32, 11, 0, 0, 0)), undefined);
  assert.equal(readU32(map.lookup(key(12, 10, 1, 2, 3))), 8, 'a lookup never matches past its own prefix length');
  assert.throws(() => map.update(key(33, 1, 2, 3, 4), u32(1)), /prefix length 33 is longer/);
  map.delete(key(24, 10, 1, 2, 0));
  assert.equal(readU32(map.lookup(key(32, 10, 1, 2, 3))), 16);
});

test('queue is FIFO, stack is LIFO, and BPF_EXIST overwrites the oldest when full', () => {
  const { make } = setup();
  const queue = make('queue', 0, 4, 2) as QueueMap;
  const stack = make('stack', 0, 4, 2) as QueueMap;
  for (const map of [queue, stack]) {
    map.push(u32(1));
    map.push(u32(2));
    assert.throws(() => map.push(u32(3)), errorCode('MAP_FULL'));
  }
  assert.deepEqual([readU32(queue.pop()), readU32(queue.pop())], [1, 2]);
  assert.deepEqual([readU32(stack.pop()), readU32(stack.pop())], [2, 1]);
  assert.throws(() => queue.pop(), errorCode('KEY_NOT_FOUND'));
  queue.push(u32(1));
  queue.push(u32(2));
  queue.push(u32(3), BPF_EXIST);
  assert.deepEqual([readU32(queue.peek()), queue.size], [2, 2]);
});

test('ring buffer records come out in order with their lengths, padded to 8 bytes, until full', () => {
  const { make } = setup();
  const ring = make('ringbuf', 0, 0, 64) as RingBufferMap;
  assert.equal(ring.output(Uint8Array.from([1, 2, 3])), 0);
  assert.equal(ring.output(new Uint8Array(20).fill(9)), 0);
  assert.equal(ring.free, 64 - 16 - 32);
  assert.equal(ring.output(new Uint8Array(20)), -28, 'no room: -ENOSPC');
  const records = ring.consume();
  assert.deepEqual(records.map((r) => r.length), [3, 20]);
  assert.deepEqual([...records[0]!], [1, 2, 3]);
  // Wrapping around the end of the ring.
  for (let i = 0; i < 10; i++) {
    assert.equal(ring.output(Uint8Array.from([i, i, i, i, i])), 0);
    assert.deepEqual([...ring.consume()[0]!], [i, i, i, i, i]);
  }
});

test('perf event array keeps a ring per CPU', () => {
  const { make } = setup(2);
  const perf = make('perf_event_array', 4, 4, 64) as PerfEventArrayMap;
  assert.equal(perf.output(1, Uint8Array.from([7])), 0);
  assert.equal(perf.output(5, Uint8Array.from([7])), -22);
  assert.deepEqual(perf.consume().map((r) => [r.cpu, [...r.record]]), [[1, [7]]]);
});

test('arrays of programs and maps hold 4-byte ids, and deleting clears a slot', () => {
  const { make } = setup();
  for (const type of ['prog_array', 'array_of_maps'] as const) {
    const map = make(type, 4, 4, 4);
    map.update(u32(1), u32(12));
    assert.equal(readU32(map.lookup(u32(1))), 12);
    map.delete(u32(1));
    assert.equal(readU32(map.lookup(u32(1))), 0);
    assert.throws(() => make(type, 4, 8, 4), /values are 4-byte ids/);
  }
});

test('disposing a map gives its memory back to the arena', () => {
  const { make, arena } = setup();
  const before = arena.allocatedBytes;
  const map = make('hash', 4, 64, 100);
  for (let i = 0; i < 50; i++) map.update(u32(i), new Uint8Array(64));
  assert.ok(arena.allocatedBytes > before);
  map.dispose();
  assert.equal(arena.allocatedBytes, before);
});
