// The real-world corpus (../shared/data/ebpf-samples) verified under the Linux platform, timed against
// PREVAIL's own run on a machine like ours (prevail-results-here.tsv): total, median and slowest seconds
// per program. Each program is verified once (as PREVAIL's figures are one run each), objects opened
// beforehand. `npm run corpus` prints the verdicts too; this prints the timing table for `npm run bench`.
import { loadavg } from 'node:os';
import { corpusRows, prevailSeconds, runCorpus, type CorpusResult } from '../test/verifier/corpus/runner.ts';
import { fixed, printTable } from './harness.ts';

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Total, median and slowest seconds of ours (verification only, objects already open) and PREVAIL's. */
export function corpusTimings(results: readonly CorpusResult[]): (string | number)[][] {
  const ours = results.filter((r) => r.verdict !== 'load_error' && r.verdict !== 'not_found').map((r) => r.milliseconds / 1000);
  const theirs = prevailSeconds();
  const slowest = results.reduce((a, b) => (b.milliseconds > a.milliseconds ? b : a));
  const row = (who: string, xs: readonly number[], slow: string) => [who, xs.length, fixed(xs.reduce((a, b) => a + b, 0), 1), fixed(median(xs) * 1000, 1), fixed(Math.max(...xs), 2), slow];
  return [
    row('ebpf-for-node (linux platform)', ours, `${slowest.row.project}/${slowest.row.object} ${slowest.row.section}`),
    row('PREVAIL (prevail-results-here.tsv)', theirs, 'Cilium XDP programs'),
  ];
}

export async function benchCorpus(): Promise<CorpusResult[]> {
  const rows = corpusRows();
  // Warm-up: V8 compiles the verifier on the first programs; the timed run is the second.
  await runCorpus(rows.slice(0, 40));
  const started = performance.now();
  const results = await runCorpus(rows);
  const wall = (performance.now() - started) / 1000;
  printTable(
    `Corpus verification under the Linux platform (${results.length} programs, each verified once; wall ${fixed(wall, 1)} s with object opening; load average ${loadavg()[0]!.toFixed(2)} at the end)`,
    ['verifier', 'programs', 'total s', 'median ms', 'slowest s', 'slowest program'],
    corpusTimings(results),
  );
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) await benchCorpus();
