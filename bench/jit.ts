// The JIT against the interpreter, gcc -O2 native code of the same loops, and the Linux kernel's own JIT
// (bpftool prog load + prog run) where this machine allows it; plus invocation and compile costs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assemble } from '../src/asm/index.ts';
import { compileC } from '../src/build/clang.ts';
import type { Engine, PreparedProgram } from '../src/engines/engine.ts';
import { createInterpreter } from '../src/engines/interpreter/interpreter.ts';
import { compileToWasm, createJit } from '../src/engines/jit/index.ts';
import { openObjectFile } from '../src/object/index.ts';
import { Arena } from '../src/runtime/arena.ts';
import { bestOf, fixed, gccBuild, nativeNs, printTable, scratch } from './harness.ts';

const KERNEL_N = 10_000;
const OUR_N = 1_000_000;

async function loops(n: number) {
  const { objectPath } = await compileC(join(import.meta.dirname, 'programs', 'jit-loops.c'), { outPath: join(scratch, `jit-loops-${n}.o`), extraFlags: [`-DN=${n}ULL`] });
  return { objectPath, object: await openObjectFile(objectPath) };
}

/** The kernel JIT's average ns per run, or the reason it could not be measured here. */
function kernelRun(objectPath: string, program: string): number | string {
  try {
    mkdirSync('/sys/fs/bpf', { recursive: true });
    try {
      execFileSync('mount', ['-t', 'bpf', 'bpf', '/sys/fs/bpf'], { stdio: 'ignore' });
    } catch {
      // already mounted, or not allowed: the load below says which
    }
    const pinDir = `/sys/fs/bpf/ebpf-for-node-bench-${process.pid}`;
    execFileSync('bpftool', ['prog', 'loadall', objectPath, pinDir], { stdio: 'pipe' });
    const packet = join(scratch, 'packet64');
    writeFileSync(packet, new Uint8Array(64));
    const output = execFileSync('bpftool', ['prog', 'run', 'pinned', `${pinDir}/${program}`, 'data_in', packet, 'repeat', '2000'], { encoding: 'utf8' });
    execFileSync('rm', ['-rf', pinDir]);
    const match = /duration \(average\): (\d+)ns/.exec(output);
    return match ? Number(match[1]) : `unexpected bpftool output: ${output.trim()}`;
  } catch (error) {
    const e = error as { stderr?: Buffer; message: string };
    return `not available here: ${(e.stderr?.toString() || e.message).trim().split('\n').pop()}`;
  }
}

function perRun(prepared: PreparedProgram, context: bigint, runs: number): number {
  return bestOf(5, () => {
    for (let i = 0; i < runs; i++) prepared.run(context);
  }) / runs;
}

export async function benchJit(): Promise<void> {
  const arena = new Arena();
  const environment = { arena, helper: () => undefined };
  const context = BigInt(arena.alloc(32));
  const engines: [string, Engine][] = [['interpreter', createInterpreter()], ['jit', createJit()], ['jit (unchecked)', createJit({ checked: false })]];
  const kernel = await loops(KERNEL_N);
  const ours = await loops(OUR_N);
  const interpreter = createInterpreter();
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  for (const [name, native] of [['count_loop', 'count'], ['mixed_loop', 'mixed']] as const) {
    const insnsSmall = interpreter.prepare(kernel.object.programs.find((p) => p.name === name)!, environment);
    insnsSmall.run(context);
    const dynamicSmall = insnsSmall.instructionCount;
    const kernelNs = kernelRun(kernel.objectPath, name);
    const row: (string | number)[] = [`${name} x${KERNEL_N}`];
    for (const [, engine] of engines) row.push(fixed(perRun(engine.prepare(kernel.object.programs.find((p) => p.name === name)!, environment), context, 20) / 1000, 1));
    row.push(typeof kernelNs === 'number' ? fixed(kernelNs / 1000, 1) : 'n/a');
    if (typeof kernelNs === 'string') notes.push(`kernel ${name}: ${kernelNs}`);
    const jitNs = perRun(engines[2]![1].prepare(kernel.object.programs.find((p) => p.name === name)!, environment), context, 20);
    row.push(typeof kernelNs === 'number' ? fixed(jitNs / kernelNs, 2) : 'n/a');
    row.push(fixed(dynamicSmall / jitNs, 2));
    rows.push(row);

    const program = ours.object.programs.find((p) => p.name === name)!;
    const counted = interpreter.prepare(program, environment);
    counted.run(context);
    const dynamic = counted.instructionCount;
    const big: (string | number)[] = [`${name} x${OUR_N}`];
    const times = engines.map(([, engine]) => perRun(engine.prepare(program, environment), context, 1));
    for (const t of times) big.push(fixed(t / 1000, 1));
    const nativeTime = nativeNs(gccBuild(join(import.meta.dirname, 'programs', `${native}.c`), native), native === 'count' ? [String(OUR_N)] : [String(OUR_N), '7']);
    big.push(`gcc ${fixed(nativeTime / 1000, 1)}`, `${fixed(times[2]! / nativeTime, 2)} x gcc`, fixed(dynamic / times[2]!, 2));
    rows.push(big);
  }
  printTable(
    'JIT: microseconds per run (best of 5); kernel = Linux JIT via bpftool prog run repeat 2000',
    ['program', 'interpreter us', 'jit us', 'jit unchecked us', 'kernel / gcc us', 'unchecked vs ref', 'unchecked G insn/s'],
    rows,
  );
  for (const note of notes) console.log(note);

  // Invocation cost of a trivial program, and compile time of the canonical example.
  const trivial = createJit({ checked: false }).prepare({ name: 'trivial', instructions: assemble('mov %r0, 1\nexit') }, environment);
  const runs = 200_000;
  const trivialNs = perRun(trivial, context, runs);
  const { objectPath } = await compileC(join(import.meta.dirname, '..', 'examples', 'TraceConnections.c'), { outPath: join(scratch, 'TraceConnections.o') });
  const canonical = (await openObjectFile(objectPath)).programs[0]!;
  // Map references resolved to a stand-in address, as the runtime will do.
  const resolved = canonical.instructions.map((insn) => (insn.opcode === 0x18 && insn.src !== 0 ? { ...insn, src: 0, imm: 0x10000 } : insn));
  const compileUs = bestOf(20, () => compileToWasm(resolved, { checked: false })) / 1000;
  const instantiateUs = bestOf(20, () => createJit({ checked: false }).prepare({ name: 'c', instructions: resolved }, environment)) / 1000;
  printTable('JIT: fixed costs', ['what', 'value'], [
    ['trivial program invocation (mov r0, 1; exit), ns', fixed(trivialNs, 1)],
    [`canonical example: eBPF to wasm bytes (${canonical.instructions.length} insns), us`, fixed(compileUs, 1)],
    ['canonical example: bytes + V8 compile + instantiate, us', fixed(instantiateUs, 1)],
  ]);
}
