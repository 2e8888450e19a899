// Shared pieces of the benchmarks: timing, compiling the C baselines, and a table printer.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A scratch directory for compiled benchmark programs. */
export const scratch = mkdtempSync(join(tmpdir(), 'ebpf-bench-'));

/** Best of `rounds` timings of `fn`, in nanoseconds (the minimum is the least disturbed run). */
export function bestOf(rounds: number, fn: () => void): number {
  let best = Infinity;
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint();
    fn();
    best = Math.min(best, Number(process.hrtime.bigint() - start));
  }
  return best;
}

/** Compiles a C benchmark with gcc -O2 and returns the executable's path. */
export function gccBuild(source: string, name: string): string {
  const out = join(scratch, name);
  execFileSync('gcc', ['-O2', '-o', out, source]);
  return out;
}

/** Runs a native baseline that prints its own nanoseconds; best of `rounds`. */
export function nativeNs(executable: string, args: string[], rounds = 5): number {
  let best = Infinity;
  for (let i = 0; i < rounds; i++) best = Math.min(best, Number(execFileSync(executable, args, { encoding: 'utf8' }).trim()));
  return best;
}

/** Prints rows as an aligned table. */
export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  console.log(`\n${title}`);
  for (const [i, row] of cells.entries()) {
    console.log(row.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

/** Formats a number with a fixed number of decimals. */
export const fixed = (n: number, digits = 1) => n.toFixed(digits);
