// Interpreter throughput: a counting loop and a clang-compiled loop of mixed arithmetic, in millions of
// eBPF instructions per second, against the same loop compiled by gcc -O2 as native code.
import { join } from 'node:path';
import { assemble } from '../src/asm/index.ts';
import { compileC } from '../src/build/clang.ts';
import { createInterpreter } from '../src/engines/interpreter/interpreter.ts';
import { openObjectFile } from '../src/object/index.ts';
import { Arena } from '../src/runtime/arena.ts';
import { bestOf, fixed, gccBuild, nativeNs, printTable, scratch } from './harness.ts';

const ITERATIONS = 1_000_000;

export async function benchInterpreter(): Promise<void> {
  const arena = new Arena();
  const environment = { arena, helper: () => undefined };
  const interpreter = createInterpreter();
  const rows: (string | number)[][] = [];

  // Counting loop: 3 instructions an iteration.
  const counting = interpreter.prepare({ name: 'count', instructions: assemble(`mov %r0, 0\nlddw %r1, ${ITERATIONS}\nloop:\nadd %r0, 1\nsub %r1, 1\njne %r1, 0, loop\nexit`) }, environment);
  counting.run(0n);
  const countNs = bestOf(5, () => counting.run(0n));
  const countInstructions = counting.instructionCount;
  const countNative = nativeNs(gccBuild(join(import.meta.dirname, 'programs', 'count.c'), 'count'), [String(ITERATIONS)]);
  rows.push(['counting loop', countInstructions, fixed(countNs / 1e6, 2), fixed(countInstructions / (countNs / 1e3)), fixed(countInstructions / (countNative / 1e3)), fixed(countNs / countNative)]);

  // Mixed arithmetic, compiled by clang for eBPF and by gcc for the machine.
  const source = join(import.meta.dirname, 'programs', 'mixed.c');
  const { objectPath } = await compileC(source, { outPath: join(scratch, 'mixed.o') });
  const program = (await openObjectFile(objectPath)).programs[0]!;
  const mixed = interpreter.prepare({ name: program.name, instructions: program.instructions }, environment);
  const context = arena.alloc(32);
  arena.view.setUint32(context + 16, ITERATIONS, true);
  arena.view.setUint32(context + 24, 7, true);
  mixed.run(BigInt(context));
  const mixedNs = bestOf(5, () => mixed.run(BigInt(context)));
  const mixedInstructions = mixed.instructionCount;
  const mixedNative = nativeNs(gccBuild(source, 'mixed'), [String(ITERATIONS), '7']);
  rows.push(['mixed arithmetic (clang -O2)', mixedInstructions, fixed(mixedNs / 1e6, 2), fixed(mixedInstructions / (mixedNs / 1e3)), fixed(mixedInstructions / (mixedNative / 1e3)), fixed(mixedNs / mixedNative)]);

  printTable(
    `Interpreter, ${ITERATIONS.toLocaleString('en')} iterations (best of 5; native = gcc -O2 of the same loop, timed in-process)`,
    ['program', 'eBPF insns', 'ms', 'interp M insn/s', 'native M insn/s', 'interp/native time'],
    rows,
  );
}
