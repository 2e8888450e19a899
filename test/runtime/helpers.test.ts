// Every helper family, called by C programs loaded (so verified) through Runtime.loadObject and run
// through test runs: map operations and tail calls are in map-types.test.ts, push/pop/peek with the
// queue and stack, ringbuf and perf_event_output with their maps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load, readU32, sample, signed, u32 } from './support.ts';

for (const execution of ['jit', 'interpret'] as const) {
  test(`${execution}: bpf_get_prandom_u32 gives varying 32-bit values; bpf_get_smp_processor_id the run's CPU`, async () => {
    const t = await load('helpers_random_cpu.c', { execution, cpuCount: 4 });
    const values = Array.from({ length: 64 }, () => t.run('RandomOrCpu', { contextIn: sample({ u16: 0 }) }).returnValue);
    assert.ok(values.every((v) => v >= 0n && v < 2n ** 32n));
    assert.ok(new Set(values).size > 48, `only ${new Set(values).size} distinct values in 64`);
    assert.deepEqual([0, 1, 2, 3].map((cpu) => t.run('RandomOrCpu', { contextIn: sample({ u16: 1 }), cpu }).returnValue), [0n, 1n, 2n, 3n]);
  });

  test(`${execution}: the four clocks agree with each other and never go back`, async () => {
    const t = await load('helpers_clocks.c', { execution });
    t.run('ReadClocks', { contextIn: sample({ u32: 0 }) });
    t.run('ReadClocks', { contextIn: sample({ u32: 1 }) });
    const [first, second] = t.runtime.entries(t.map('readings'), 2).map((e) => t.runtime.decode(t.map('readings'), 'value', e.value) as Record<string, number>);
    for (const c of [first!, second!]) {
      assert.ok(c.boot_ns! > 0 && c.boot_ns! <= c.ns!, 'boot ns read first');
      assert.ok(Math.floor(c.ns! / 1e6) <= c.ms! && c.boot_ms! <= c.ms!, 'milliseconds read after nanoseconds');
    }
    for (const field of ['boot_ns', 'ns', 'boot_ms', 'ms']) assert.ok(second![field]! >= first![field]!, `${field} went back`);
  });

  test(`${execution}: bpf_csum_diff is the one's-complement sum of the new words and the old words' complements`, async () => {
    const t = await load('helpers_csum.c', { execution });
    const model = (from: number[], to: number[], seed: number) => {
      let sum = BigInt(seed);
      for (const w of from) sum += BigInt(~w >>> 0);
      for (const w of to) sum += BigInt(w >>> 0);
      while (sum >> 32n) sum = (sum & 0xffffffffn) + (sum >> 32n);
      return sum;
    };
    for (const [a, b, seed] of [[0, 0, 0], [0xffffffff, 1, 0], [0x12345678, 0x9abcdef0, 0xffff], [7, 0xfffffff0, 0xfffffffe]] as const) {
      const r = t.run('ChecksumDiff', { contextIn: sample({ u32: a, a: b, b: seed }) }).returnValue;
      assert.equal(BigInt.asUintN(32, r), model([a, 0x01020304], [b, 0x0a0b0c0d], seed), `${a} -> ${b}, seed ${seed}`);
    }
  });

  test(`${execution}: bpf_printk with zero to three arguments writes formatted trace lines`, async () => {
    const t = await load('helpers_printk.c', { execution });
    t.run('Print', { contextIn: sample({ u32: -5 >>> 0, a: 7, b: 255 }) });
    assert.deepEqual(t.traces, ['hello', 'one -5', 'two 7 0xff', 'three 1 -2 z']);
  });

  test(`${execution}: the identity helpers: pid_tgid, logon id, admin, process start key, thread creation time`, async () => {
    const t = await load('helpers_identity.c', { execution });
    assert.equal(t.run('Identify', { contextIn: new Uint8Array(56) }).returnValue, 0n);
    const who = t.runtime.decode(t.map('who'), 'value', t.runtime.lookup(t.map('who'), u32(0))!) as Record<string, number | string>;
    assert.equal(BigInt(who.pid_tgid!) >> 32n, BigInt(process.pid));
    assert.equal(who.is_admin, process.getuid?.() === 0 ? 1 : 0);
    assert.equal(who.process_start_key, process.pid);
    assert.equal(who.logon_id, 0, 'a test run has no logon session');
    assert.equal(who.thread_create_time, 0);
  });

  test(`${execution}: the memcpy_s family and the string helpers, with their error returns`, async () => {
    const t = await load('helpers_memory.c', { execution });
    assert.equal(t.run('Memory', { contextIn: sample() }).returnValue, 0n);
    const raw = t.runtime.lookup(t.map('out'), u32(0))!;
    const m = t.runtime.decode(t.map('out'), 'value', raw) as { results: number[]; copied: string; moved: string; joined: string };
    assert.deepEqual(m.results, [0, -22, -1, 0, 0, 0, 0, 0, -34, 8]);
    assert.equal(m.copied, 'abcd');
    assert.equal(m.moved, 'abcdefg');
    assert.equal(m.joined, 'node.exe', 'a concatenation that does not fit changes nothing');
    assert.deepEqual([...raw.subarray(108, 112)], [0x5a, 0x5a, 0x5a, 0x5a]);
  });

  test(`${execution}: bpf_xdp_adjust_head grows the packet into its headroom, shrinks it, and refuses to leave the buffer`, async () => {
    const t = await load('hook_xdp.c', { execution });
    const frame = Uint8Array.from({ length: 20 }, (_, i) => i + 1);
    const xdp = (delta: number) => {
      const ctx = new Uint8Array(32);
      new DataView(ctx.buffer).setInt32(24, delta, true);
      return t.run('AdjustHead', { contextIn: ctx, dataIn: frame });
    };
    const grown = xdp(-4);
    assert.equal(grown.returnValue, 1n);
    assert.deepEqual([...grown.dataOut], [0xab, 0xab, 0xab, 0xab, ...frame]);
    assert.deepEqual([...xdp(2).dataOut], [...frame.subarray(2)]);
    for (const delta of [-257, 21]) {
      const refused = xdp(delta);
      assert.deepEqual([refused.returnValue, [...refused.dataOut]], [2n, [...frame]], `delta ${delta}`);
    }
    assert.deepEqual([...xdp(-256).dataOut.subarray(0, 4)], [0xab, 0xab, 0xab, 0xab], 'the whole 256-byte headroom');
  });

  test(`${execution}: sock_addr: the network context comes in, the redirect context and the new port go out`, async () => {
    const t = await load('hook_sock_addr.c', { execution });
    const ctx = new Uint8Array(64);
    new DataView(ctx.buffer).setUint32(0, 2, true);
    new DataView(ctx.buffer).setUint16(40, 8080);
    const result = t.run('Redirect', { contextIn: ctx });
    assert.equal(result.returnValue, 2n, 'BPF_SOCK_ADDR_VERDICT_PROCEED_HARD');
    assert.equal(new DataView(result.contextOut.buffer).getUint16(40), 8081);
    assert.deepEqual([...(result.redirectContext ?? [])], [...Buffer.from('proxy\0')]);
    const stale = new Uint8Array(32);
    assert.equal(t.run('Redirect', { contextIn: ctx, networkContext: stale }).returnValue, 0n, 'a network context of another version: rejected');
  });

  test(`${execution}: sock_addr test runs also take the whole bpf_sock_addr_test_context_t, network context included`, async () => {
    const t = await load('hook_sock_addr.c', { execution });
    const whole = (networkVersion: number, headerVersion = 1) => {
      const ctx = new Uint8Array(120);
      const view = new DataView(ctx.buffer);
      view.setUint16(0, headerVersion, true);
      view.setBigUint64(8, 120n, true);
      view.setBigUint64(16, 120n, true);
      view.setUint32(24, 2, true); // family
      view.setUint16(24 + 40, 8080); // user_port, network order
      view.setUint32(88, networkVersion, true);
      return ctx;
    };
    const result = t.run('Redirect', { contextIn: whole(1) });
    assert.equal(result.returnValue, 2n);
    assert.equal(result.contextOut.length, 120, 'the context comes back in the shape it came in');
    assert.equal(new DataView(result.contextOut.buffer).getUint16(24 + 40), 8081);
    assert.equal(t.run('Redirect', { contextIn: whole(7) }).returnValue, 0n, 'the network context given is the one the program reads');
    assert.throws(() => t.run('Redirect', { contextIn: whole(1, 3) }), /needs the header \{version 1, size 120, total size 120\}; ctx_in has \{version 3, size 120, total size 120\}/);
  });

  test(`${execution}: sockops flow ids follow the connection; process image paths; the sample extension's helpers`, async () => {
    const t = await load('hook_others.c', { execution });
    const sockops = (port: number) => {
      const ctx = new Uint8Array(64);
      new DataView(ctx.buffer).setUint32(44, port, true);
      return t.run('FlowId', { contextIn: ctx }).returnValue;
    };
    const [a, b, c] = [sockops(80), sockops(443), sockops(80)];
    assert.ok(a > 0n && a !== b && a === c);
    const path = new Uint8Array(Buffer.from('C:\\node.exe', 'utf16le'));
    assert.equal(t.run('ImagePath', { contextIn: new Uint8Array(56), imagePath: path }).returnValue, BigInt(path.length));
    assert.deepEqual([...t.runtime.lookup(t.map('image'), u32(0))!.subarray(0, path.length)], [...path]);
    assert.equal(signed(t.run('ImagePath', { contextIn: new Uint8Array(56), imagePath: new Uint8Array(80) }).returnValue), -28, 'too long for the buffer');
    const helper = (u16: number) => signed(t.run('SampleHelpers', { contextIn: sample({ u16, a: 11, b: 30 }) }).returnValue);
    assert.deepEqual([helper(0), helper(1), helper(2), helper(3), helper(4)], [6, 6, 11, 35, 0]);
    void readU32;
  });
}
