// The JIT's own paths for per-packet programs against the interpreter: repeated test runs looped inside
// wasm (against the test run's JS loop), and hash-map lookups probed inline in the map's arena index
// (against the runtime's lookup): return values, data, contexts and map contents (in order) compared after
// every test run, over random operations on maps with 3-, 4-, 13- and 64-byte keys, with deletes, full
// maps, tables that grow, keys of equal hash, and an LRU map that stays on the runtime's path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { assemble } from '../../src/asm/index.ts';
import { ExecutionError, type ExecutionEnvironment, type PreparedProgram } from '../../src/engines/engine.ts';
import { createJit } from '../../src/engines/jit/index.ts';
import { openObjectFile } from '../../src/object/index.ts';
import { windowsPlatform } from '../../src/platform/index.ts';
import { seededRandom } from '../../src/object/mutate.ts';
import { Arena } from '../../src/runtime/arena.ts';
import { HashMap, hashKey, INDEX_BUCKETS } from '../../src/runtime/maps/hash.ts';
import { Runtime, type RuntimeTestRunInput } from '../../src/runtime/runtime.ts';
import { relocateMaps, testRun, type Runnable } from '../../src/runtime/test-run.ts';
import { compileTestProgram } from '../support/compile.ts';
import { repoRoot } from '../support/paths.ts';
import { programsDir } from '../runtime/support.ts';

const hashInline = join(repoRoot, 'test', 'engines', 'programs', 'hash_inline.c');

/** One way of running an object's programs, on its own runtime and maps. */
interface Driver {
  readonly name: string;
  readonly runtime: Runtime;
  readonly mapIds: readonly number[];
  run(program: string, input: RuntimeTestRunInput): unknown[];
  /** Lookups of plain hash maps and arrays that went through the runtime (not compiled inline). */
  hashLookupsInJs: number;
}

const outcome = (run: () => { returnValue: bigint; dataOut: Uint8Array; contextOut: Uint8Array }): unknown[] => {
  try {
    const r = run();
    return [r.returnValue, [...r.dataOut], [...r.contextOut]];
  } catch (error) {
    return [(error as Error).message.replace(/^program \d+ \(\w+\): /, '')];
  }
};

/** The interpreter or the JIT as the runtime runs them (the JIT: loop inside wasm, inline lookups). */
async function loaded(path: string, execution: 'jit' | 'interpret'): Promise<Driver> {
  const runtime = new Runtime({ cpuCount: 1 });
  const { mapIds } = await runtime.loadObject(path, { execution });
  const id = (name: string) => runtime.programs().find((p) => p.name === name)!.id;
  return { name: execution, runtime, mapIds, hashLookupsInJs: 0, run: (program, input) => outcome(() => runtime.testRun(id(program), input)) };
}

/** The JIT prepared by hand with one path or the other: the test run's JS loop or the wasm loop, lookups inline or through JS. */
async function handMade(path: string, loop: 'js' | 'wasm', lookups: 'inline' | 'js'): Promise<Driver> {
  const runtime = new Runtime({ cpuCount: 1 });
  const { mapIds, programIds } = await runtime.loadObject(path, { execution: 'interpret' });
  const object = await openObjectFile(path);
  const prepared = new Map<string, PreparedProgram>();
  const driver: Driver = {
    name: `jit (${loop} loop, ${lookups} lookups)`,
    runtime,
    mapIds,
    hashLookupsInJs: 0,
    run: (name, input) => {
      const program = prepared.get(name)!;
      const runnable: Runnable = loop === 'wasm' ? program : { run: (context) => program.run(context) };
      const type = runtime.platform.programTypeByName(runtime.programs().find((p) => p.name === name)!.type)!;
      return outcome(() => testRun(runnable, runtime.arena, type, input));
    },
  };
  for (const [index, program] of object.programs.entries()) {
    const base = runtime.environment(programIds[index]!);
    const environment: ExecutionEnvironment = {
      ...base,
      mapLookup: (handle, key) => {
        if (runtime.maps().some((m) => (m.type === 'hash' || m.type === 'array') && runtime.mapHandle(m.id) === handle)) driver.hashLookupsInJs++;
        return base.mapLookup!(handle, key);
      },
    };
    if (lookups === 'js') delete environment.inlineMap;
    const instructions = relocateMaps(program.instructions, (i) => runtime.mapHandle(mapIds[i]!), (i, offset) => runtime.mapValueAddress(mapIds[i]!, offset));
    prepared.set(program.name, createJit({ checked: false }).prepare({ name: program.name, instructions }, environment));
  }
  return driver;
}

/** Every map's entries, in iteration order. */
function contents(driver: Driver): unknown[] {
  return driver.mapIds.map((id) => driver.runtime.entries(id, 100_000).map((e) => [[...e.key], [...e.value]]));
}

/** Sample context with uint32_data and uint16_data. */
function sample(u32: number, u16 = 0): Uint8Array {
  const ctx = new Uint8Array(32);
  new DataView(ctx.buffer).setUint32(16, u32, true);
  new DataView(ctx.buffer).setUint16(20, u16, true);
  return ctx;
}

test('inline map lookups and repeats inside wasm agree with the interpreter, maps compared after every run', async () => {
  const path = await compileTestProgram(hashInline);
  const drivers = [await loaded(path, 'interpret'), await loaded(path, 'jit'), await handMade(path, 'js', 'js'), await handMade(path, 'wasm', 'js'), await handMade(path, 'js', 'inline'), await handMade(path, 'wasm', 'inline')];
  const random = seededRandom(0x4a54);
  const byte = () => Math.floor(random() * 256);
  // Keys as the program builds them, so user-side operations meet the program's entries.
  const keyFor = (mapIndex: number): Uint8Array => {
    const key = new Uint8Array([4, 4, 3, 13, 64, 4, 4][mapIndex]!);
    if (mapIndex === 0 || mapIndex === 1 || mapIndex >= 5) new DataView(key.buffer).setUint32(0, byte() & [63, 31, 0, 0, 0, 15, 127][mapIndex]!, true);
    else if (mapIndex === 2) key.set([byte() & 7, byte() & 7, byte() & 1]);
    else {
      key[0] = byte() & (mapIndex === 3 ? 15 : 7);
      key[key.length - 1] = byte() & (mapIndex === 3 ? 3 : 7);
    }
    return key;
  };
  let runs = 0;
  for (let round = 0; round < 400; round++) {
    const dataIn = Uint8Array.from({ length: 1 + Math.floor(random() * 64) }, byte);
    const repeat = [1, 1, 2, 3, 17][Math.floor(random() * 5)]!;
    const results = drivers.map((d) => d.run('HashInline', { dataIn, repeat, contextIn: sample(0) }));
    for (const [i, d] of drivers.entries()) assert.deepEqual(results[i], results[0], `round ${round} (repeat ${repeat}): ${d.name} against the interpreter`);
    runs += repeat;
    // The user side changes the maps between runs, the same in each runtime.
    for (let n = Math.floor(random() * 4); n > 0; n--) {
      const mapIndex = Math.floor(random() * 7);
      const key = keyFor(mapIndex);
      const value = new Uint8Array(new BigUint64Array([BigInt(byte())]).buffer);
      const deleting = random() < 0.5;
      const outcomes = drivers.map((d) => {
        try {
          if (deleting) d.runtime.delete(d.mapIds[mapIndex]!, key);
          else d.runtime.update(d.mapIds[mapIndex]!, key, value, 0);
          return 'ok';
        } catch (error) {
          return (error as Error).message;
        }
      });
      for (const o of outcomes) assert.equal(o, outcomes[0]);
    }
    const expected = contents(drivers[0]!);
    for (const d of drivers) assert.deepEqual(contents(d), expected, `round ${round}: ${d.name}'s maps`);
  }
  assert.ok(runs > 1000);
  // The maps grew past their first index (8 buckets) and lookups hit.
  const sizes = drivers[0]!.mapIds.map((id) => drivers[0]!.runtime.map(id).size);
  assert.ok(sizes[0]! > 24 && sizes[2]! > 24 && sizes[3]! > 24 && sizes[4]! > 24, `sizes ${sizes}`);
  // Inline drivers never asked JS for a plain hash map or array; the others did.
  assert.deepEqual(drivers.slice(2).map((d) => d.hashLookupsInJs > 0), [true, true, false, false]);
});

test('keys of equal hash are told apart by the inline probe, also past a deleted bucket', async () => {
  // Two 13-byte keys with the same 32-bit hash (found by search: the birthday bound makes it quick; keys
  // that differ in one 4-byte word never collide: Murmur3 mixes each word bijectively, so two words vary).
  const seen = new Map<number, number>();
  const keyOf = (n: number) => {
    const key = new Uint8Array(13);
    new DataView(key.buffer).setUint32(0, n & 0xffff, true);
    new DataView(key.buffer).setUint32(4, n >>> 16, true);
    key[12] = 1;
    return key;
  };
  let pair: [number, number] | undefined;
  for (let n = 0; !pair; n++) {
    const h = hashKey(keyOf(n), 0, 13);
    const other = seen.get(h);
    if (other !== undefined) pair = [other, n];
    else seen.set(h, n);
  }
  const path = await compileTestProgram(hashInline);
  const drivers = [await loaded(path, 'interpret'), await loaded(path, 'jit'), await handMade(path, 'wasm', 'inline')];
  const u64 = (n: number) => new Uint8Array(new BigUint64Array([BigInt(n)]).buffer);
  const [a, b] = pair;
  assert.equal(hashKey(keyOf(a), 0, 13), hashKey(keyOf(b), 0, 13));
  const look = (d: Driver, key: number) => d.run('LookupThirteen', { dataIn: keyOf(key) })[0];
  for (const d of drivers) {
    d.runtime.update(d.mapIds[3]!, keyOf(a), u64(1111), 0);
    d.runtime.update(d.mapIds[3]!, keyOf(b), u64(2222), 0);
    assert.deepEqual([look(d, a), look(d, b), look(d, a + 1)], [1111n, 2222n, BigInt.asUintN(64, -1n)], d.name);
    d.runtime.delete(d.mapIds[3]!, keyOf(a));
    assert.deepEqual([look(d, a), look(d, b)], [BigInt.asUintN(64, -1n), 2222n], `${d.name} after the delete`);
    d.runtime.update(d.mapIds[3]!, keyOf(a), u64(3333), 0);
    assert.deepEqual([look(d, a), look(d, b)], [3333n, 2222n], `${d.name} after the key came back`);
  }
});

test('the JS side of a hash map keeps its index in step: lookups by address, growth, deletes, LRU eviction, full arena', () => {
  const random = seededRandom(0x1d3);
  for (const [typeName, keySize, maxEntries] of [['hash', 1, 300], ['hash', 3, 500], ['hash', 4, 2000], ['hash', 13, 700], ['hash', 64, 200], ['hash', 65, 100], ['lru_hash', 4, 50], ['percpu_hash', 6, 300]] as const) {
    const runtime = new Runtime({ cpuCount: 2 });
    const id = runtime.createMap({ type: typeName, name: 'm', keySize, valueSize: 8, maxEntries });
    const map = runtime.map(id) as HashMap;
    const model = new Map<string, Uint8Array>();
    const keyAddress = runtime.arena.alloc(keySize);
    const values = 2 ** Math.min(8, keySize * 8);
    for (let step = 0; step < 3000; step++) {
      const key = Uint8Array.from({ length: keySize }, (_, i) => (i === 0 ? Math.floor(random() * Math.min(values, 256)) : i === keySize - 1 && keySize > 1 ? Math.floor(random() * 4) : 0));
      const k = key.join(',');
      if (random() < 0.6) {
        const value = Uint8Array.from({ length: map.userValueSize }, () => Math.floor(random() * 256));
        try {
          map.update(key, value);
          if (typeName === 'lru_hash' && !model.has(k) && model.size >= maxEntries) model.delete(model.keys().next().value!);
          if (typeName === 'lru_hash') model.delete(k); // an update moves an LRU entry to the back; others keep their place
          model.set(k, value);
        } catch (error) {
          assert.ok(model.size >= maxEntries && !model.has(k), `${typeName}/${keySize}: ${(error as Error).message}`);
        }
      } else if (model.has(k)) {
        map.delete(key);
        model.delete(k);
      } else assert.throws(() => map.delete(key), /not found/);
      // Program side (the arena index) and user side (the JS map) agree on a probed key.
      runtime.arena.write(keyAddress, key);
      const address = map.lookupAddress(keyAddress);
      if (typeName === 'lru_hash' && model.has(k)) {
        const value = model.get(k)!;
        model.delete(k);
        model.set(k, value);
      }
      assert.equal(address === 0, !model.has(k), `${typeName}/${keySize} step ${step}`);
      if (address !== 0 && typeName !== 'percpu_hash') assert.deepEqual(runtime.arena.read(address, 8), model.get(k));
    }
    assert.deepEqual([...map.entries()].map(([key, value]) => [key.join(','), [...value]]), [...model].map(([key, value]) => [key, [...value]]), `${typeName}/${keySize}: entries in order`);
    for (const k of model.keys()) {
      runtime.arena.write(keyAddress, Uint8Array.from(k.split(',').map(Number)));
      assert.notEqual(map.lookupAddress(keyAddress), 0);
    }
  }
  // Only plain hash maps of data with keys of at most 64 bytes are probed inline.
  const runtime = new Runtime({ cpuCount: 2 });
  const layout = (type: string, keySize: number) => (runtime.map(runtime.createMap({ type, name: 'x', keySize, valueSize: 8, maxEntries: 4 })) as HashMap).inlineLayout() !== undefined;
  assert.deepEqual([layout('hash', 4), layout('hash', 64), layout('hash', 65), layout('lru_hash', 4), layout('percpu_hash', 4), layout('lru_percpu_hash', 4)], [true, true, false, false, false, false]);
  // An arena that cannot grow refuses the entry that needs more room and changes nothing.
  const arena = new Arena({ initialPages: 1, maximumPages: 64 });
  const definition = (name: string) => ({ name, type: windowsPlatform.mapTypeById(1)!, keySize: 4, valueSize: 4096, maxEntries: 1_000_000 });
  const before = arena.allocatedBytes;
  const full = new HashMap(definition('big'), { arena, cpuCount: 1, currentCpu: () => 0 });
  let inserted = 0;
  try {
    for (; inserted < 1_000_000; inserted++) full.update(new Uint8Array(new Uint32Array([inserted]).buffer), new Uint8Array(4096));
    assert.fail('the arena never ran out');
  } catch (error) {
    assert.match((error as Error).message, /out of memory/);
  }
  assert.equal(full.size, inserted);
  const key = arena.alloc(4);
  for (const k of [0, inserted - 1, inserted]) {
    arena.write(key, new Uint8Array(new Uint32Array([k]).buffer));
    assert.equal(full.lookupAddress(key) !== 0, k < inserted);
  }
  // Disposing gives every block back, the index included.
  arena.free(key);
  full.dispose();
  assert.equal(arena.allocatedBytes, before);
});

test('a write through a value pointer kept after its delete cannot hang lookups, and the next insert repairs the index', () => {
  const runtime = new Runtime({ cpuCount: 1 });
  // 256-byte values: the same arena size class as the 16-bucket index of 4-byte keys the map grows into.
  const id = runtime.createMap({ type: 'hash', name: 'm', keySize: 4, valueSize: 256, maxEntries: 100 });
  const map = runtime.map(id) as HashMap;
  const key = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
  const value = (n: number) => new Uint8Array(256).fill(n);
  for (let n = 0; n < 6; n++) map.update(key(n), value(n));
  const keyAddress = runtime.arena.alloc(4);
  runtime.arena.write(keyAddress, key(0));
  const stale = map.lookupAddress(keyAddress);
  map.delete(key(0));
  map.update(key(6), value(6)); // the index grows to 16 buckets, in the block the deleted value had
  assert.equal(runtime.arena.view.getUint32(map.inlineLayout()!.header + INDEX_BUCKETS, true), stale, 'the index took the freed block');
  runtime.arena.bytes.fill(0xff, stale, stale + 256); // the program's write through its stale pointer
  // Lookups end (whatever they find); the JIT's inline probe too.
  const lookup = createJit({ checked: false }).prepare({ name: 'l', instructions: assemble(`mov %r2, %r1\nlddw %r1, ${runtime.mapHandle(id)}\ncall 1\nexit`) }, runtime.environment(1));
  for (let n = 0; n < 8; n++) {
    runtime.arena.write(keyAddress, key(n));
    map.lookupAddress(keyAddress);
    lookup.run(BigInt(keyAddress));
  }
  // The user side never depended on the index; the next insert finds no free bucket and rebuilds it.
  assert.deepEqual([...map.entries()].map(([k]) => k[0]), [1, 2, 3, 4, 5, 6]);
  map.update(key(7), value(7));
  for (let n = 0; n < 8; n++) {
    runtime.arena.write(keyAddress, key(n));
    const expected = n === 0 ? 0 : map.lookupAddress(keyAddress);
    assert.equal(n === 0 ? expected : runtime.arena.bytes[expected], n === 0 ? 0 : n, `key ${n}`);
    assert.equal(Number(lookup.run(BigInt(keyAddress))), expected, `key ${n} inline`);
  }
});

test('a repeated test run under the JIT loops inside wasm: pointers put back before each run, run counts, a fault stops it where the JS loop would', async () => {
  // bpf_xdp_adjust_head from reset pointers each time: repeat N leaves the data of one run.
  const path = await compileTestProgram(join(programsDir, 'hook_xdp.c'));
  const runtimes = { interpret: new Runtime({ cpuCount: 1 }), jit: new Runtime({ cpuCount: 1 }) };
  for (const [execution, runtime] of Object.entries(runtimes)) await runtime.loadObject(path, { execution: execution as 'jit' | 'interpret' });
  for (const delta of [-8, -4, 0, 6, 200]) {
    const contextIn = new Uint8Array(32);
    new DataView(contextIn.buffer).setInt32(24, delta, true);
    const dataIn = Uint8Array.from({ length: 40 }, (_, i) => i);
    const results = Object.values(runtimes).map((runtime) => [1, 3, 9].map((repeat) => outcome(() => runtime.testRun(runtime.programs()[0]!.id, { contextIn, dataIn, repeat }))));
    assert.deepEqual(results[1], results[0], `delta ${delta}`);
    assert.deepEqual(results[0]![2], results[0]![0], `delta ${delta}: repeat 9 = one run`);
  }
  for (const runtime of Object.values(runtimes)) assert.equal(runtime.programs()[0]!.runCount, 5 * 13);

  // A program that counts its runs in the context and calls a helper that does not exist on the third.
  const source = 'ldxw %r2, [%r1+16]\nadd %r2, 1\nstxw [%r1+16], %r2\njne %r2, 3, +1\ncall 99\nmov %r0, %r2\nexit';
  const arena = new Arena();
  const environment = { arena, helper: () => undefined };
  const context = arena.alloc(32);
  for (const checked of [true, false]) {
    arena.write(context, new Uint8Array(32));
    const program = createJit({ checked }).prepare({ name: 't', instructions: assemble(source) }, environment);
    const progress = { completed: -1 };
    const pointers = { dataSlot: context, dataEndSlot: context + 8, metaSlot: 0, data: 0x1234, end: 0x1240 };
    assert.throws(() => program.runRepeated!(context, pointers, 5, { progress }), (e: unknown) => e instanceof ExecutionError && e.code === 'UNKNOWN_HELPER' && e.pc === 4);
    assert.equal(progress.completed, 2);
    assert.deepEqual([arena.view.getBigUint64(context, true), arena.view.getBigUint64(context + 8, true)], [0x1234n, 0x1240n]);
    arena.view.setUint32(context + 16, 3, true);
    assert.equal(program.runRepeated!(context, pointers, 4, { progress }), 7n);
    assert.equal(progress.completed, 4);
  }
  // Programs that make tail calls keep the runtime's loop (their callees run from it).
  const tail = createJit({ checked: false }).prepare({ name: 't', instructions: assemble('mov %r3, 0\ncall 5\nmov %r0, 1\nexit') }, environment);
  assert.equal(tail.runRepeated, undefined);
});

test('a lookup whose map is loaded in another block tells the inline-probed maps apart at run time', () => {
  const runtime = new Runtime({ cpuCount: 1 });
  const maps = ['a', 'b', 'c'].map((name) => runtime.createMap({ type: name === 'c' ? 'lru_hash' : 'hash', name, keySize: 4, valueSize: 8, maxEntries: 16 }));
  maps.forEach((id, i) => runtime.update(id, new Uint8Array([7, 0, 0, 0]), new Uint8Array(new BigUint64Array([BigInt(100 + i)]).buffer), 0));
  const [a, b, c] = maps.map((id) => runtime.mapHandle(id));
  // r6 selects the map (0: a, 1: b, else c); the lddw and the call are in different blocks.
  const source = `mov %r6, %r1\nstw [%r10-4], 7\nlddw %r1, ${a}\njeq %r6, 0, +5\nlddw %r1, ${b}\njeq %r6, 1, +2\nlddw %r1, ${c}\nmov %r2, %r10\nadd %r2, -4\ncall 1\njeq %r0, 0, +2\nldxdw %r0, [%r0]\nexit\nmov %r0, -1\nexit`;
  const instructions = assemble(source);
  let inJs = 0;
  const base = runtime.environment(1);
  const environment: ExecutionEnvironment = { ...base, mapLookup: (handle, key) => (inJs++, base.mapLookup!(handle, key)) };
  const program = createJit({ checked: false }).prepare({ name: 'select', instructions }, environment);
  assert.deepEqual([0n, 1n, 2n].map((r1) => program.run(r1)), [100n, 101n, 102n]);
  assert.equal(inJs, 1, 'only the LRU map is looked up through the runtime');
});
