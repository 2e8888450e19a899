// Verification time: the canonical example, the project's largest C programs (examples, benchmark and
// test programs, by instruction count) and three loops, compiled by clang, each verified repeatedly; the
// median in ms.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileC } from '../src/build/clang.ts';
import { openObjectFile, type ObjectSpec, type ProgramSpec } from '../src/object/index.ts';
import { windowsPlatform } from '../src/platform/index.ts';
import { verifyProgram } from '../src/verifier/index.ts';
import { fixed, printTable, scratch } from './harness.ts';

const root = join(import.meta.dirname, '..');
const LARGEST = 4;
/** Flags some sources need: the JIT benchmark's loops take their trip count from the command line. */
const FLAGS: Record<string, string[]> = { 'bench/programs/jit-loops.c': ['-DN=1000000ULL'] };

/** Every eBPF C program of the project: examples/, bench/programs/, the unsafe suite, each programs/ under test/. */
function programSources(): string[] {
  const dirs = ['examples', 'bench/programs', 'test/verifier/unsafe'];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const sub = `${dir}/${entry.name}`;
      if (entry.name === 'programs') dirs.push(sub);
      else walk(sub);
    }
  };
  walk('test');
  return dirs.flatMap((dir) => readdirSync(join(root, dir)).filter((f) => f.endsWith('.c')).sort().map((f) => `${dir}/${f}`))
    // The gcc baselines of the other benchmarks are not eBPF programs.
    .filter((path) => readFileSync(join(root, path), 'utf8').includes('SEC('));
}

/**
 * Median wall-clock ms of verifying each row, timed round-robin (one run of every row per round, at least 3
 * rounds, more until ~2 s per row are spent, at most 51), so that no row pays alone for V8's tier-up or a
 * collection: timed one row after the other, HashLookups took 18x ArrayLookups' time for the same work
 * (418 instructions explored, identical states); interleaved, the two take the same time. A row whose
 * warm-up run takes over 5 s is timed by that run alone.
 */
function medianMs(rows: readonly { object: ObjectSpec; program: ProgramSpec }[]): { ms: number; runs: number }[] {
  const times = rows.map(() => [] as number[]);
  const slow = rows.map(({ object, program }) => {
    const first = performance.now();
    verifyProgram(object, program);
    return performance.now() - first;
  });
  let spent = 0;
  for (let round = 0; round < 51 && (round < 3 || spent < 2000 * rows.length); round++) {
    rows.forEach(({ object, program }, i) => {
      if (slow[i]! > 5000) return;
      const start = performance.now();
      verifyProgram(object, program);
      const t = performance.now() - start;
      times[i]!.push(t);
      spent += t;
    });
  }
  return times.map((t, i) => {
    if (slow[i]! > 5000) return { ms: slow[i]!, runs: 1 };
    t.sort((a, b) => a - b);
    return { ms: t[Math.floor(t.length / 2)]!, runs: t.length };
  });
}

export async function benchVerifier(): Promise<void> {
  const candidates: { label: string; object: ObjectSpec; program: ProgramSpec }[] = [];
  for (const path of programSources()) {
    let object: ObjectSpec;
    try {
      const { objectPath } = await compileC(join(root, path), { outPath: join(scratch, `verify-${path.replace(/\//g, '-').replace(/\.c$/, '.o')}`), extraFlags: FLAGS[path] ?? [] });
      object = await openObjectFile(objectPath);
    } catch (error) {
      console.log(`verifier bench: skipped ${path}: ${(error as Error).message.split('\n')[0]}`);
      continue;
    }
    // Programs whose section gives no program type (`.text` functions) are verified only as part of others.
    for (const program of object.programs.filter((p) => windowsPlatform.programTypeById(p.programType))) {
      candidates.push({ label: `${path} ${program.name}`, object, program });
    }
  }
  const canonical = candidates.find((c) => c.label === 'examples/TraceConnections.c TraceConnections')!;
  const largest = candidates.filter((c) => c !== canonical).sort((a, b) => b.program.instructions.length - a.program.instructions.length).slice(0, LARGEST);
  // And loops, which the verifier must prove bounded rather than unroll: 1,000,000 iterations, and 10 x 20.
  const loops = ['test/verifier/programs/loops.c MillionIterations', 'bench/programs/jit-loops.c mixed_loop', 'test/verifier/programs/loops.c Nested']
    .map((label) => candidates.find((c) => c.label === label)!)
    .filter((c) => !largest.includes(c));
  const timed = [canonical, ...largest, ...loops];
  const medians = medianMs(timed);
  const rows: (string | number)[][] = [];
  for (const [i, { label, object, program }] of timed.entries()) {
    const result = verifyProgram(object, program);
    const { ms, runs } = medians[i]!;
    rows.push([
      label,
      result.statistics.instructions,
      result.statistics.instructionsExplored,
      result.ok ? 'accepted' : `rejected at ${result.errors[0]!.pc}`,
      runs,
      fixed(ms, 3),
    ]);
  }
  printTable(
    'Verification (clang -O2 programs: the canonical example, the largest of examples/ and the test programs, three loops; median ms)',
    ['program', 'instructions', 'explored', 'verdict', 'runs', 'median ms'],
    rows,
  );
}
