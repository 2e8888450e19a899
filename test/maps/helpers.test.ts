import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble } from '../../src/asm/index.ts';
import { ExecutionError, type Engine } from '../../src/engines/engine.ts';
import { createInterpreter } from '../../src/engines/interpreter/interpreter.ts';
import { createJit } from '../../src/engines/jit/index.ts';
import { windowsPlatform } from '../../src/platform/index.ts';
import { Arena } from '../../src/runtime/arena.ts';
import { formatTrace, generalHelper, implementedHelperIds, type HelperHost } from '../../src/runtime/helpers.ts';
import { createMap, type BpfMap, type QueueMap, type RingBufferMap } from '../../src/runtime/maps/index.ts';

/** A host with maps at handle addresses, a trace log, and fixed identity values. */
function host() {
  const arena = new Arena();
  const maps = new Map<number, BpfMap>();
  const lines: string[] = [];
  const h: HelperHost & { lines: string[]; add(type: number, keySize: number, valueSize: number, maxEntries: number): [number, BpfMap] } = {
    arena,
    lines,
    mapAt: (address) => maps.get(address),
    cpu: () => 0,
    pidTgid: () => (4242n << 32n) | 7n,
    logonId: () => 99n,
    isAdmin: () => true,
    processStartKey: () => 1n,
    threadCreateTime: () => 2n,
    trace: (line) => void lines.push(line),
    tailCall: () => -22,
    contextData: () => undefined,
    add(type, keySize, valueSize, maxEntries) {
      const map = createMap(windowsPlatform, { name: `m${maps.size}`, type, keySize, valueSize, maxEntries }, { arena, cpuCount: 1, currentCpu: () => 0 });
      const handle = arena.alloc(8);
      maps.set(handle, map);
      return [handle, map];
    },
  };
  return h;
}

const engines: [string, () => Engine][] = [['interpreter', () => createInterpreter()], ['jit', () => createJit()]];

function run(engine: Engine, h: ReturnType<typeof host>, source: string, context = 0n): bigint {
  return engine.prepare({ name: 't', instructions: assemble(source) }, { arena: h.arena, helper: (id) => generalHelper(id, h) }).run(context);
}

test('every general helper of the platform has an implementation, and nothing else does', () => {
  assert.deepEqual(implementedHelperIds(), [...windowsPlatform.helpers.keys()]);
});

for (const [name, make] of engines) {
  test(`${name}: a program counts in a hash map through lookup and update, writing values in place`, () => {
    const h = host();
    const [handle, map] = h.add(1, 4, 8, 16);
    const program = [
      'mov %r1, 7', 'stxw [%r10-4], %r1',                       // key 7 on the stack
      `lddw %r1, ${handle}`, 'mov %r2, %r10', 'add %r2, -4', 'call 1',
      'jeq %r0, 0, insert',
      'ldxdw %r1, [%r0+0]', 'add %r1, 1', 'stxdw [%r0+0], %r1', 'mov %r0, 0', 'exit',
      'insert:', 'mov %r1, 1', 'stxdw [%r10-16], %r1',
      `lddw %r1, ${handle}`, 'mov %r2, %r10', 'add %r2, -4', 'mov %r3, %r10', 'add %r3, -16', 'mov %r4, 0', 'call 2', 'exit',
    ].join('\n');
    const engine = make();
    for (let i = 0; i < 3; i++) assert.equal(run(engine, h, program), 0n);
    const value = map.lookup(Uint8Array.of(7, 0, 0, 0))!;
    assert.equal(new DataView(value.buffer).getBigUint64(0, true), 3n);
  });

  test(`${name}: bpf_printk formats its arguments into the trace log`, () => {
    const h = host();
    const text = 'PID: %u (%d, 0x%llx)\n\0';
    const words = [...new TextEncoder().encode(text)];
    const stores = words.map((b, i) => `stb [%r10-${64 - i}], ${b}`);
    const program = [...stores, 'mov %r1, %r10', 'add %r1, -64', `mov %r2, ${words.length}`, 'mov %r3, 4242', 'mov %r4, -3', 'lddw %r5, 0xabc', 'call 15', 'exit'].join('\n');
    assert.equal(run(make(), h, program), BigInt('PID: 4242 (-3, 0xabc)\n'.length));
    assert.deepEqual(h.lines, ['PID: 4242 (-3, 0xabc)']);
  });

  test(`${name}: memcpy_s refuses a source larger than the destination, memset and strnlen work`, () => {
    const h = host();
    const program = [
      'stdw [%r10-8], 0x41424344', 'stdw [%r10-16], 0',
      'mov %r1, %r10', 'add %r1, -16', 'mov %r2, 4', 'mov %r3, %r10', 'add %r3, -8', 'mov %r4, 8', 'call 22', 'mov %r6, %r0',
      'mov %r1, %r10', 'add %r1, -16', 'mov %r2, 8', 'mov %r3, %r10', 'add %r3, -8', 'mov %r4, 4', 'call 22',
      'mov %r1, %r10', 'add %r1, -16', 'mov %r2, 8', 'call 29', 'mov %r7, %r0',
      'mov %r1, %r10', 'add %r1, -16', 'mov %r2, 2', 'mov %r3, 0x5a', 'call 24',
      'ldxdw %r0, [%r10-16]', 'lsh %r0, 16', 'or %r0, %r7', 'lsh %r0, 8', 'and %r6, 0xff', 'or %r0, %r6', 'exit',
    ].join('\n');
    // memcpy_s(dst 4 bytes, src 8 bytes) -> -EINVAL (0xea as a byte); strnlen("DCBA") = 4; memset 2 bytes of 0x5a
    assert.equal(run(make(), h, program), (0x41425a5an << 24n) | (4n << 8n) | 0xean);
  });

  test(`${name}: ring buffer output and queue push/pop from a program`, () => {
    const h = host();
    const [ringHandle, ring] = h.add(13, 0, 0, 64);
    const [queueHandle, queue] = h.add(10, 0, 4, 4);
    const program = [
      'stw [%r10-4], 0x11223344',
      `lddw %r1, ${ringHandle}`, 'mov %r2, %r10', 'add %r2, -4', 'mov %r3, 4', 'mov %r4, 0', 'call 11', 'mov %r6, %r0',
      `lddw %r1, ${queueHandle}`, 'mov %r2, %r10', 'add %r2, -4', 'mov %r3, 0', 'call 16',
      'stw [%r10-4], 0',
      `lddw %r1, ${queueHandle}`, 'mov %r2, %r10', 'add %r2, -4', 'call 17',
      'ldxw %r0, [%r10-4]', 'add %r0, %r6', 'exit',
    ].join('\n');
    assert.equal(run(make(), h, program), 0x11223344n);
    assert.deepEqual((ring as RingBufferMap).consume().map((r) => [...r]), [[0x44, 0x33, 0x22, 0x11]]);
    assert.equal((queue as QueueMap).size, 0);
  });

  test(`${name}: identity helpers return the event's values`, () => {
    const h = host();
    assert.equal(run(make(), h, 'call 19\nrsh %r0, 32\nexit'), 4242n);
    assert.equal(run(make(), h, 'call 21\nexit'), 1n);
  });

  test(`${name}: a helper handed memory outside the arena fails the call with the pc, nothing else`, () => {
    const h = host();
    assert.throws(
      () => run(make(), h, 'lddw %r1, 0x7fffffff0\nmov %r2, 8\nmov %r3, 1\ncall 24\nexit'),
      (e: unknown) => e instanceof ExecutionError && e.code === 'HELPER_FAILED' && /outside the program's memory/.test(e.message),
    );
  });
}

test('csum_diff folds 32-bit words with end-around carry, like the kernel', () => {
  const h = host();
  const a = h.arena.alloc(8);
  h.arena.write(a, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0));
  const csum = generalHelper(10, h)!;
  assert.equal(csum(0n, 0n, BigInt(a), 8n, 0n, { context: 0 }), 1n);
  assert.equal(csum(BigInt(a), 4n, 0n, 0n, 0n, { context: 0 }), 0n);
  assert.equal(csum(0n, 3n, 0n, 0n, 0n, { context: 0 }), -22n);
});

test('trace formats refuse what they cannot format', () => {
  assert.equal(formatTrace('%s', [1n]), undefined);
  assert.equal(formatTrace('%d %d', [1n]), undefined);
  assert.equal(formatTrace('100%% %x', [255n]), '100% ff');
});
