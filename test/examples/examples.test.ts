// The example programs do what they say, under both engines, and the JIT agrees with the interpreter on
// return values, data, contexts and every map's contents over random inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../../src/object/mutate.ts';
import { testRun } from '../../src/runtime/test-run.ts';
import { PerfEventArrayMap } from '../../src/runtime/maps/perf.ts';
import { RingBufferMap } from '../../src/runtime/maps/ringbuf.ts';
import { QueueMap } from '../../src/runtime/maps/queue.ts';
import { compileTestProgram } from '../support/compile.ts';
import { loadAtEngineLevel, type EngineLoaded } from '../support/engine-load.ts';
import { repoRoot } from '../support/paths.ts';

const examples = join(repoRoot, 'examples');
const utf16 = (s: string) => new Uint8Array(Buffer.from(s, 'utf16le'));

function run(loaded: EngineLoaded, name: string, input: { contextIn?: Uint8Array; dataIn?: Uint8Array }) {
  const { prepared, type } = loaded.programs.get(name)!;
  return testRun(prepared, loaded.runtime.arena, type, input);
}

function bindContext(pid: number, operation: number): Uint8Array {
  const ctx = new Uint8Array(56);
  new DataView(ctx.buffer).setBigUint64(16, BigInt(pid), true);
  new DataView(ctx.buffer).setUint32(44, operation, true);
  return ctx;
}

function udpFrame(port: number): Uint8Array {
  const frame = new Uint8Array(14 + 20 + 8 + 4);
  const v = new DataView(frame.buffer);
  v.setUint16(12, 0x0800);
  frame[14] = 0x45; // IPv4, 5 words
  frame[14 + 9] = 17; // UDP
  v.setUint16(14 + 20 + 2, port);
  return frame;
}

const u64At = (bytes: Uint8Array, offset = 0) => new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(offset, true);

for (const engine of ['interpreter', 'jit', 'jit-unchecked'] as const) {
  const load = async (file: string) => loadAtEngineLevel(await compileTestProgram(join(examples, file)), engine);

  test(`${engine}: BlockApp denies blocked.js and permits everyone else`, async () => {
    const loaded = await load('BlockApp.c');
    assert.equal(run(loaded, 'BlockApp', { contextIn: bindContext(1, 0), dataIn: utf16('blocked.js') }).returnValue, 1n);
    assert.equal(run(loaded, 'BlockApp', { contextIn: bindContext(1, 0), dataIn: utf16('server.js') }).returnValue, 0n);
    assert.equal(run(loaded, 'BlockApp', { contextIn: bindContext(1, 2), dataIn: utf16('blocked.js') }).returnValue, 0n);
    assert.equal(u64At(loaded.runtime.lookup(loaded.maps.get('denied_count')!, new Uint8Array(4))!), 1n);
  });

  test(`${engine}: DropUdpPort drops UDP to port 9999, passes the rest, and counts`, async () => {
    const loaded = await load('DropUdpPort.c');
    assert.equal(run(loaded, 'DropUdpPort', { dataIn: udpFrame(9999) }).returnValue, 2n);
    assert.equal(run(loaded, 'DropUdpPort', { dataIn: udpFrame(53) }).returnValue, 1n);
    assert.equal(run(loaded, 'DropUdpPort', { dataIn: new Uint8Array(10) }).returnValue, 1n, 'too short for Ethernet: pass');
    const counts = loaded.runtime.entries(loaded.maps.get('verdicts')!, 4).map((e) => u64At(e.value));
    assert.deepEqual(counts, [0n, 2n, 1n, 0n]);
  });

  test(`${engine}: RedirectConnect rewrites port 8080 to 127.0.0.1:8081`, async () => {
    const loaded = await load('RedirectConnect.c');
    const ctx = new Uint8Array(64);
    const view = new DataView(ctx.buffer);
    view.setUint32(0, 2, true);
    view.setUint16(40, 8080); // network order
    const result = run(loaded, 'RedirectConnect', { contextIn: ctx });
    assert.equal(result.returnValue, 2n);
    const out = new DataView(result.contextOut.buffer);
    assert.equal(out.getUint16(40), 8081);
    assert.equal(out.getUint32(24), 0x7f000001);
    view.setUint16(40, 443);
    assert.equal(run(loaded, 'RedirectConnect', { contextIn: ctx }).returnValue, 1n);
  });

  test(`${engine}: CountConnections counts per callback`, async () => {
    const loaded = await load('CountConnections.c');
    for (const op of [0, 0, 1, 2, 7]) {
      const ctx = new Uint8Array(64);
      new DataView(ctx.buffer).setUint32(0, op, true);
      run(loaded, 'CountConnections', { contextIn: ctx });
    }
    const perCpu = loaded.runtime.entries(loaded.maps.get('connections')!, 3).map((e) => u64At(e.value, 0));
    assert.deepEqual(perCpu, [2n, 1n, 1n]);
  });

  test(`${engine}: DenySpawn refuses curl and traces every creation`, async () => {
    const loaded = await load('DenySpawn.c');
    const ctx = (pid: number) => {
      const c = new Uint8Array(56);
      new DataView(c.buffer).setBigUint64(16, BigInt(pid), true);
      return c;
    };
    assert.equal(run(loaded, 'DenySpawn', { contextIn: ctx(10), dataIn: utf16('curl http://x') }).returnValue, 1n);
    assert.equal(run(loaded, 'DenySpawn', { contextIn: ctx(11), dataIn: utf16('ls -l') }).returnValue, 0n);
    assert.deepEqual(loaded.traces, ['create pid 10', 'create pid 11']);
  });
}

test('the JIT agrees with the interpreter on every example over random inputs, maps included', async () => {
  const random = seededRandom(0xe8a);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
  let compared = 0;
  for (const file of readdirSync(examples).filter((f) => f.endsWith('.c'))) {
    const path = await compileTestProgram(join(examples, file));
    for (const jit of ['jit', 'jit-unchecked'] as const) {
      const [interpreted, compiled] = [await loadAtEngineLevel(path, 'interpreter'), await loadAtEngineLevel(path, jit)];
      for (const [name, { type }] of interpreted.programs) {
        for (let round = 0; round < 200; round++) {
          const contextIn = bytes(type.contextSize);
          if (random() < 0.7) contextIn.fill(0, 40, 52); // make BIND operations and ports likely
          const dataIn = type.dataOffset >= 0 ? (random() < 0.3 && type.name === 'xdp' ? udpFrame(random() < 0.5 ? 9999 : 53) : bytes(Math.floor(random() * 80))) : undefined;
          const input = { contextIn, ...(dataIn ? { dataIn } : {}) };
          const a = run(interpreted, name, input);
          const b = run(compiled, name, input);
          assert.deepEqual([b.returnValue, [...b.dataOut], [...b.contextOut]], [a.returnValue, [...a.dataOut], [...a.contextOut]], `${jit} ${file} ${name} round ${round}`);
          compared++;
        }
      }
      for (const mapName of interpreted.maps.keys()) {
        // Keyless maps (queue, stack, ringbuf, perf event array) have no entries to list: compare what
        // the programs produced into them instead, in order.
        const dump = (loaded: EngineLoaded): unknown[] => {
          const id = loaded.maps.get(mapName)!;
          const map = loaded.runtime.map(id);
          if (!map.definition.type.keyless) return loaded.runtime.entries(id, 10_000).map((e) => [[...e.key], [...e.value]]);
          if (map instanceof PerfEventArrayMap) return map.consume().map((r) => [r.cpu, [...r.record]]);
          if (map instanceof RingBufferMap) return map.consume().map((r) => [...r]);
          assert.ok(map instanceof QueueMap, `${mapName}: a keyless map of an unexpected kind`);
          const items: number[][] = [];
          while (map.size > 0) items.push([...map.pop()]);
          return items;
        };
        assert.deepEqual(dump(compiled), dump(interpreted), `${jit} ${file}: map ${mapName}`);
      }
    }
  }
  assert.ok(compared >= 2 * 7 * 200, `compared only ${compared} runs`);
});
