// The runtime's costs as a user meets them: one test-run invocation (Runtime.testRun, context built in
// the arena and copied back) of a trivial program and of the canonical example, and map lookups per
// second from a verified program, hash against array, under both execution modes.
import { join } from 'node:path';
import { compileC } from '../src/build/clang.ts';
import { Runtime } from '../src/runtime/runtime.ts';
import { fixed, printTable, scratch } from './harness.ts';

const REPEAT = 200_000;
const CALLS = 20_000;

function sampleContext(u32: number): Uint8Array {
  const ctx = new Uint8Array(32);
  new DataView(ctx.buffer).setUint32(16, u32, true);
  return ctx;
}

/** Average ns per run inside one test run of `repeat` runs (best of 5 test runs). */
function perRun(runtime: Runtime, id: number, input: Parameters<Runtime['testRun']>[1], repeat: number): number {
  let best = Infinity;
  for (let i = 0; i < 5; i++) best = Math.min(best, runtime.testRun(id, { ...input, repeat }).durationNs);
  return best;
}

/** Wall ns per Runtime.testRun call with repeat 1: input checks, context, data and result copies included (best of 5). */
function perCall(runtime: Runtime, id: number, input: Parameters<Runtime['testRun']>[1]): number {
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < CALLS; i++) runtime.testRun(id, input);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / CALLS);
  }
  return best;
}

export async function benchRuntime(): Promise<void> {
  const programs = (await compileC(join(import.meta.dirname, 'programs', 'runtime.c'), { outPath: join(scratch, 'runtime.o') })).objectPath;
  const canonical = (await compileC(join(import.meta.dirname, '..', 'examples', 'TraceConnections.c'), { outPath: join(scratch, 'TraceConnections.o') })).objectPath;
  const bind = new Uint8Array(56);
  new DataView(bind.buffer).setBigUint64(16, 4242n, true);
  const appId = new Uint8Array(Buffer.from('node.exe', 'utf16le'));

  const runs: (string | number)[][] = [];
  const lookups: (string | number)[][] = [];
  for (const execution of ['jit', 'interpret'] as const) {
    const runtime = new Runtime({ cpuCount: 1 });
    await runtime.loadObject(programs, { execution });
    await runtime.loadObject(canonical, { execution });
    const id = (name: string) => runtime.programs().find((p) => p.name === name)!.id;
    const trivial = { contextIn: sampleContext(0) };
    const traced = { contextIn: bind, dataIn: appId };
    for (const [name, program, input] of [['trivial (return 0)', 'Trivial', trivial], ['canonical (TraceConnections)', 'TraceConnections', traced]] as const) {
      perRun(runtime, id(program), input, 10_000); // warm up: tier-up of the compiled code
      runs.push([name, execution, fixed(perRun(runtime, id(program), input, REPEAT)), fixed(perCall(runtime, id(program), input), 0)]);
    }
    const mapId = (name: string) => runtime.maps().find((m) => m.name === name)!.id;
    for (let key = 0; key < 1024; key++) {
      const k = new Uint8Array(new Uint32Array([key]).buffer);
      const v = new Uint8Array(new BigUint64Array([BigInt(key)]).buffer);
      runtime.update(mapId('hash'), k, v, 0);
      runtime.update(mapId('array'), k, v, 0);
    }
    for (const [name, program] of [['hash', 'HashLookups'], ['array', 'ArrayLookups']] as const) {
      perRun(runtime, id(program), { contextIn: sampleContext(7) }, 10_000);
      const ns = perRun(runtime, id(program), { contextIn: sampleContext(7) }, REPEAT);
      lookups.push([name, execution, fixed(ns), fixed((16 / ns) * 1e3, 1)]);
    }
  }
  printTable(
    `Test runs through Runtime.testRun (loaded and verified; per run: average inside one test run of ${REPEAT.toLocaleString('en')}; per call: repeat=1, ${CALLS.toLocaleString('en')} calls; best of 5)`,
    ['program', 'execution', 'ns per run', 'ns per testRun call'],
    runs,
  );
  printTable('Map lookups from a program (16 bpf_map_lookup_elem a run, 1,024 keys present)', ['map', 'execution', 'ns per run', 'M lookups/s'], lookups);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchRuntime();
