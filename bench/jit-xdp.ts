// The JIT issue's per-packet programs: an XDP Ethernet/IPv4/UDP parse and a hash-map lookup-or-update per
// packet, as ns per invocation with the context and packet prepared once (as `bpftool prog run ... repeat N`
// does in the kernel), against the interpreter and the kernel's JIT.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileC } from '../src/build/clang.ts';
import type { Engine } from '../src/engines/engine.ts';
import { createInterpreter } from '../src/engines/interpreter/interpreter.ts';
import { createJit } from '../src/engines/jit/index.ts';
import { openObjectFile } from '../src/object/index.ts';
import { Runtime } from '../src/runtime/runtime.ts';
import { relocateMaps } from '../src/runtime/test-run.ts';
import { bestOf, fixed, printTable, scratch } from './harness.ts';

const RUNS = 200_000;

function udpFrame(): Uint8Array {
  const frame = new Uint8Array(64);
  const view = new DataView(frame.buffer);
  view.setUint16(12, 0x0800);
  frame[14] = 0x45;
  frame[23] = 17;
  frame.set([10, 0, 0, 7], 26);
  view.setUint16(36, 53);
  return frame;
}

function kernelNs(objectPath: string, program: string, packet: string): number | string {
  const pinDir = `/sys/fs/bpf/ebpf-for-node-xdp-${process.pid}`;
  try {
    execFileSync('bpftool', ['prog', 'loadall', objectPath, pinDir], { stdio: 'pipe' });
    const out = execFileSync('bpftool', ['prog', 'run', 'pinned', `${pinDir}/${program}`, 'data_in', packet, 'repeat', String(RUNS)], { encoding: 'utf8' });
    return Number(/duration \(average\): (\d+)ns/.exec(out)?.[1] ?? NaN);
  } catch (error) {
    const e = error as { stderr?: Buffer; message: string };
    return `not available here: ${(e.stderr?.toString() || e.message).trim().split('\n').pop()}`;
  } finally {
    try {
      execFileSync('rm', ['-rf', pinDir]);
    } catch {
      // nothing pinned
    }
  }
}

export async function benchJitPackets(): Promise<void> {
  const source = join(import.meta.dirname, 'programs', 'jit-xdp.c');
  const ours = await openObjectFile((await compileC(source, { outPath: join(scratch, 'xdp-ours.o') })).objectPath);
  const { objectPath: linux } = await compileC(source, { outPath: join(scratch, 'xdp-linux.o'), extraFlags: ['-DLINUX'] });
  const packetFile = join(scratch, 'udp64');
  writeFileSync(packetFile, udpFrame());
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  for (const name of ['parse_udp', 'count_flow']) {
    const row: (string | number)[] = [name];
    const times: number[] = [];
    for (const engine of [createInterpreter(), createJit({ checked: false })] as Engine[]) {
      const runtime = new Runtime({ cpuCount: 1 });
      const spec = ours.maps[0]!;
      const mapId = runtime.createMap({ type: spec.type, keySize: spec.keySize, valueSize: spec.valueSize, maxEntries: spec.maxEntries, name: spec.name });
      const program = ours.programs.find((p) => p.name === name)!;
      const instructions = relocateMaps(program.instructions, () => runtime.mapHandle(mapId), (_, offset) => runtime.mapValueAddress(mapId, offset));
      const prepared = engine.prepare({ name, instructions }, runtime.environment(1));
      const packet = runtime.arena.alloc(64);
      runtime.arena.write(packet, udpFrame());
      const context = runtime.arena.alloc(32);
      runtime.arena.view.setBigUint64(context, BigInt(packet), true);
      runtime.arena.view.setBigUint64(context + 8, BigInt(packet + 64), true);
      const ctx = BigInt(context);
      if (prepared.run(ctx) !== 2n) throw new Error(`${name} returned an unexpected verdict`);
      const ns = bestOf(5, () => {
        for (let i = 0; i < RUNS; i++) prepared.run(ctx);
      }) / RUNS;
      times.push(ns);
      row.push(fixed(ns, 1));
    }
    const kernel = kernelNs(linux, name, packetFile);
    row.push(typeof kernel === 'number' ? fixed(kernel, 0) : 'n/a');
    row.push(typeof kernel === 'number' ? fixed(times[1]! / kernel, 1) : 'n/a');
    if (typeof kernel === 'string') notes.push(`kernel ${name}: ${kernel}`);
    rows.push(row);
  }
  printTable(`Per-packet programs: ns per invocation (best of 5 x ${RUNS.toLocaleString('en')}; JIT unchecked; kernel via bpftool prog run repeat)`, ['program', 'interpreter ns', 'jit ns', 'kernel ns', 'jit / kernel'], rows);
  for (const note of notes) console.log(note);
}
