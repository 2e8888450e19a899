// The JIT against the interpreter, program by program, comparing everything a program can change: its
// return value (or its fault), the memory after the run and the maps' contents. Here: the conformance
// suite (checked and unchecked JIT), and every C program of the project (examples, test programs,
// benchmark programs): loaded verified through Runtime.loadObject with execution=jit and =interpret, or,
// for the objects the verifier refuses, at the engine level under the interpreter and the checked JIT.
// Random verified programs are in differential-verified.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { assemble } from '../../src/asm/index.ts';
import { parseConformanceFile } from '../../src/conformance/suite.ts';
import type { Engine, ExecutionEnvironment, HelperFunction } from '../../src/engines/engine.ts';
import { createInterpreter } from '../../src/engines/interpreter/interpreter.ts';
import { createJit } from '../../src/engines/jit/index.ts';
import { decodeInstructions, type Instruction } from '../../src/isa/instruction.ts';
import { validateProgram } from '../../src/isa/validate.ts';
import { seededRandom } from '../../src/object/mutate.ts';
import { Arena } from '../../src/runtime/arena.ts';
import { PerfEventArrayMap, QueueMap, RingBufferMap } from '../../src/runtime/maps/index.ts';
import { Runtime, RuntimeError } from '../../src/runtime/runtime.ts';
import { testRun } from '../../src/runtime/test-run.ts';
import { compileTestProgram } from '../support/compile.ts';
import { loadAtEngineLevel, type EngineLoaded } from '../support/engine-load.ts';
import { repoRoot, sharedData } from '../support/paths.ts';
import { firstDifference, outcome } from './support.ts';

const ENGINES: [string, () => Engine][] = [
  ['interpreter', () => createInterpreter()],
  ['jit', () => createJit()],
  ['jit unchecked', () => createJit({ checked: false })],
];

test('conformance programs: the same r0 and the same memory under the interpreter and the JIT, checked and unchecked', () => {
  const directory = join(sharedData, 'conformance', 'tests');
  const helpers = new Map<number, HelperFunction>([[5, (r1) => r1]]);
  let compared = 0;
  for (const file of readdirSync(directory).filter((f) => f.endsWith('.data')).sort()) {
    const test = parseConformanceFile(join(directory, file));
    let instructions: Instruction[];
    try {
      instructions = test.raw ? decodeInstructions(test.raw) : assemble(test.asm ?? '');
    } catch {
      continue; // refused by the assembler: no program to run
    }
    if (validateProgram(instructions).length > 0) continue;
    const results = ENGINES.filter(([name]) => test.error === undefined || name !== 'jit unchecked').map(([name, make]) => {
      const arena = new Arena();
      const environment: ExecutionEnvironment = { arena, helper: (id) => helpers.get(id) };
      const memory = test.mem ? arena.alloc(Math.max(1, test.mem.length)) : 0;
      if (test.mem) arena.write(memory, test.mem);
      const prepared = make().prepare({ name: file, instructions }, environment);
      const r0 = outcome(() => prepared.run(BigInt(memory), { r2: BigInt(test.mem?.length ?? 0) }));
      return { name, r0, arena: arena.bytes };
    });
    const [reference, ...others] = results;
    for (const other of others) {
      assert.equal(other.r0, reference!.r0, `${file}: ${other.name}`);
      assert.equal(firstDifference(reference!.arena, other.arena), undefined, `${file}: ${other.name}'s memory differs`);
    }
    compared++;
  }
  assert.ok(compared >= 313, `compared only ${compared} conformance programs`);
});

// Every C program of the project that holds eBPF programs. Results that depend on the clock or on chance
// (bpf_get_prandom_u32, the clocks) are the helpers', not the engines': those three files are left out.
const C_PROGRAM_DIRECTORIES = ['examples', 'test/runtime/programs', 'test/verifier/programs', 'test/verifier/unsafe', 'test/hook/programs', 'test/native/programs', 'test/studio/programs', 'test/headers/programs', 'test/maps/programs'];
// The benchmarks' loops at the size the kernel's verifier accepts.
const BENCH_PROGRAMS = ['bench/programs/jit-loops.c', 'bench/programs/jit-xdp.c', 'bench/programs/runtime.c'];
const EXTRA_FLAGS: Record<string, string[]> = { 'jit-loops.c': ['-DN=10000ULL'] };
const NONDETERMINISTIC = new Set(['test/runtime/programs/helpers_random_cpu.c', 'test/runtime/programs/helpers_clocks.c', 'test/verifier/programs/loops.c']);
const ROUNDS = 60;
const LOOP_LIMIT = 100_000;

/** Whatever a map holds, keyless ones (queues, rings, perf arrays) drained in order. */
function mapContent(runtime: Runtime, id: number): unknown {
  const map = runtime.map(id);
  if (map instanceof PerfEventArrayMap) return map.consume().map((r) => [r.cpu, [...r.record]]);
  if (map instanceof RingBufferMap) return map.consume().map((r) => [...r]);
  if (map instanceof QueueMap) {
    const items: number[][] = [];
    while (map.size > 0) items.push([...map.pop()]);
    return items;
  }
  return runtime.entries(id, 100_000).map((e) => [[...e.key], [...e.value]]);
}

/** Random test-run input for a program type: a context (small selectors likelier), a packet, a CPU. */
function randomInput(random: () => number, type: { contextSize: number; dataOffset: number }) {
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
  const contextIn = bytes(type.contextSize);
  if (random() < 0.8) contextIn.fill(0, 20, 52);
  return { contextIn, cpu: Math.floor(random() * 2), ...(type.dataOffset >= 0 ? { dataIn: bytes(Math.floor(random() * 96)) } : {}) };
}

const runResult = (run: () => { returnValue: bigint; dataOut: Uint8Array; contextOut: Uint8Array }): unknown[] => {
  try {
    const r = run();
    return [r.returnValue, [...r.dataOut], [...r.contextOut]];
  } catch (error) {
    const e = error as { code?: string; pc?: number; message: string };
    return [e.code === undefined ? e.message : `${e.code} at pc ${e.pc}`];
  }
};

test('every C program of the project: the same results, data, contexts and maps under the JIT and the interpreter', async () => {
  const files = [
    ...C_PROGRAM_DIRECTORIES.filter((d) => existsSync(join(repoRoot, d))).flatMap((d) => readdirSync(join(repoRoot, d)).filter((f) => f.endsWith('.c')).map((f) => join(d, f))),
    ...BENCH_PROGRAMS,
  ].filter((f) => !NONDETERMINISTIC.has(f));
  const random = seededRandom(0xc0de);
  const verified: string[] = [];
  const refused: string[] = [];
  let ran = 0;
  let failed = 0;
  const count = (result: unknown[]) => (result.length === 1 ? failed++ : ran++);
  for (const file of files) {
    const path = await compileTestProgram(join(repoRoot, file), EXTRA_FLAGS[file.split('/').pop()!] ?? []);
    const runtimes = { jit: new Runtime({ cpuCount: 2 }), interpret: new Runtime({ cpuCount: 2 }) };
    let refusal: RuntimeError | undefined;
    try {
      for (const [execution, runtime] of Object.entries(runtimes)) await runtime.loadObject(path, { execution: execution as 'jit' | 'interpret' });
    } catch (error) {
      if (!(error instanceof RuntimeError && error.code === 'NOT_VERIFIED')) throw error;
      refusal = error;
    }
    if (!refusal) {
      // Loaded verified, as the CLI and the service load them: the JIT runs unchecked.
      verified.push(file);
      for (const program of runtimes.jit.programs()) {
        const type = runtimes.jit.platform.programTypeByName(program.type)!;
        for (let round = 0; round < ROUNDS; round++) {
          const input = randomInput(random, type);
          const expected = runResult(() => runtimes.interpret.testRun(program.id, input));
          assert.deepEqual(runResult(() => runtimes.jit.testRun(program.id, input)), expected, `${file} ${program.name} round ${round}`);
          count(expected);
        }
      }
      assert.deepEqual(runtimes.jit.maps().map((m) => [m.name, mapContent(runtimes.jit, m.id)]), runtimes.interpret.maps().map((m) => [m.name, mapContent(runtimes.interpret, m.id)]), `${file}: maps`);
      continue;
    }
    // Refused by the verifier (on purpose: the unsafe programs; or one program of several): every program
    // still runs, unverified, under the interpreter and the checked JIT, and faults alike (an unbounded
    // loop stops at the same loop limit in both).
    refused.push(file);
    const [interpreted, compiled] = [await loadAtEngineLevel(path, () => createInterpreter({ loopLimit: LOOP_LIMIT })), await loadAtEngineLevel(path, () => createJit({ loopLimit: LOOP_LIMIT }))];
    const run = (loaded: EngineLoaded, name: string, input: ReturnType<typeof randomInput>) => {
      const { prepared, type } = loaded.programs.get(name)!;
      return runResult(() => testRun(prepared, loaded.runtime.arena, type, input));
    };
    for (const [name, { type }] of interpreted.programs) {
      for (let round = 0; round < ROUNDS; round++) {
        const input = randomInput(random, type);
        const expected = run(interpreted, name, input);
        assert.deepEqual(run(compiled, name, input), expected, `${file} ${name} (unverified) round ${round}`);
        count(expected);
      }
    }
    for (const [mapName, id] of interpreted.maps) assert.deepEqual(mapContent(compiled.runtime, compiled.maps.get(mapName)!), mapContent(interpreted.runtime, id), `${file}: map ${mapName}`);
  }
  console.log(`differential: ${files.length} C files, ${verified.length} loaded verified in both modes, ${refused.length} refused by the verifier and run unverified (interpreter, checked JIT); ${ran} runs agree, ${failed} faults agree`);
  assert.ok(verified.length >= 40 && refused.length >= 20, `verified ${verified.length}, refused ${refused.length}`);
  assert.ok(ran > 5 * failed, `${failed} of ${ran + failed} runs failed: the inputs do not exercise the programs`);
});
