// The JIT issue's per-packet programs: an XDP Ethernet/IPv4/UDP parse and a hash-map lookup-or-update per
// packet, as ns per run inside one test run of `repeat` runs (bpf_prog_test_run semantics, as `bpftool prog
// run ... repeat N` measures in the kernel: context and packet built once, data pointers put back before each
// run), against the interpreter and the kernel's JIT. The JIT columns take its paths one at a time: the
// test run's loop in JS (a JS -> wasm call per run), the loop inside wasm, and hash lookups probed inline.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileC } from '../src/build/clang.ts';
import type { Engine } from '../src/engines/engine.ts';
import { createInterpreter } from '../src/engines/interpreter/interpreter.ts';
import { createJit } from '../src/engines/jit/index.ts';
import { openObjectFile } from '../src/object/index.ts';
import { windowsPlatform } from '../src/platform/index.ts';
import { Runtime } from '../src/runtime/runtime.ts';
import { relocateMaps, testRun } from '../src/runtime/test-run.ts';
import { fixed, printTable, scratch } from './harness.ts';

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

/** How the JIT is driven in a column: the test run's loop in JS or inside wasm, lookups through JS or inline. */
interface JitMode {
  repeatInWasm: boolean;
  inlineLookups: boolean;
}

export async function benchJitPackets(): Promise<void> {
  const source = join(import.meta.dirname, 'programs', 'jit-xdp.c');
  const ours = await openObjectFile((await compileC(source, { outPath: join(scratch, 'xdp-ours.o') })).objectPath);
  const { objectPath: linux } = await compileC(source, { outPath: join(scratch, 'xdp-linux.o'), extraFlags: ['-DLINUX'] });
  const packetFile = join(scratch, 'udp64');
  writeFileSync(packetFile, udpFrame());
  const xdp = windowsPlatform.programTypeByName('xdp')!;
  const modes: (JitMode | 'interpreter')[] = ['interpreter', { repeatInWasm: false, inlineLookups: false }, { repeatInWasm: true, inlineLookups: false }, { repeatInWasm: true, inlineLookups: true }];
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  for (const name of ['parse_udp', 'count_flow']) {
    const row: (string | number)[] = [name];
    let best = Infinity;
    for (const mode of modes) {
      const runtime = new Runtime({ cpuCount: 1 });
      const spec = ours.maps[0]!;
      const mapId = runtime.createMap({ type: spec.type, keySize: spec.keySize, valueSize: spec.valueSize, maxEntries: spec.maxEntries, name: spec.name });
      const program = ours.programs.find((p) => p.name === name)!;
      const instructions = relocateMaps(program.instructions, () => runtime.mapHandle(mapId), (_, offset) => runtime.mapValueAddress(mapId, offset));
      const environment = runtime.environment(1);
      if (mode !== 'interpreter' && !mode.inlineLookups) delete environment.inlineMap;
      const engine: Engine = mode === 'interpreter' ? createInterpreter() : createJit({ checked: false });
      const prepared = engine.prepare({ name, instructions }, environment);
      // The test run's own loop (JS) when the mode says so: the program without its repeat entry.
      const runnable = mode !== 'interpreter' && !mode.repeatInWasm ? { run: (context: bigint) => prepared.run(context) } : prepared;
      const frame = { dataIn: udpFrame() };
      if (testRun(runnable, runtime.arena, xdp, frame).returnValue !== 2n) throw new Error(`${name} returned an unexpected verdict`);
      testRun(runnable, runtime.arena, xdp, { ...frame, repeat: RUNS }); // warm up: tier-up of the compiled code
      let ns = Infinity;
      for (let i = 0; i < 5; i++) ns = Math.min(ns, testRun(runnable, runtime.arena, xdp, { ...frame, repeat: RUNS }).durationNs);
      if (mode !== 'interpreter') best = Math.min(best, ns);
      row.push(fixed(ns, 1));
    }
    const kernel = kernelNs(linux, name, packetFile);
    row.push(typeof kernel === 'number' ? fixed(kernel, 0) : 'n/a');
    row.push(typeof kernel === 'number' ? fixed(best / kernel, 1) : 'n/a');
    if (typeof kernel === 'string') notes.push(`kernel ${name}: ${kernel}`);
    rows.push(row);
  }
  printTable(
    `Per-packet programs: ns per run inside one test run of repeat=${RUNS.toLocaleString('en')} (best of 5; JIT unchecked; kernel via bpftool prog run repeat)`,
    ['program', 'interpreter', 'jit, JS loop + JS lookup', 'jit, wasm loop + JS lookup', 'jit, wasm loop + inline lookup', 'kernel', 'jit / kernel'],
    rows,
  );
  for (const note of notes) console.log(note);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchJitPackets();
