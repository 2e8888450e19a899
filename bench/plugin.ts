// Plug-ins: the cost of `loadPlugin` (clang, verification, JIT) and of one `plugin.run` of
// examples/RequestFilter.c on a request path, against the same filter written in JavaScript (the
// reference measured in the same run: what the application would pay without the safety of verification)
// and against the runtime's raw test run (what the plug-in API adds: contexts and results by field name).
import { join } from 'node:path';
import { loadPlugin } from '../src/embed/index.ts';
import { bestOf, fixed, printTable } from './harness.ts';

const RUNS = 20_000;
const PATHS = ['/index.html', '/admin/users', '/static/app.js', '/.git/config', '/api/v1/items?page=2'];
const RULES = [{ prefix: '/admin', length: 6 }, { prefix: '/.git', length: 5 }, { prefix: '/internal/', length: 10 }];

export async function benchPlugin(): Promise<void> {
  const source = join(import.meta.dirname, '..', 'examples', 'RequestFilter.c');
  const rows: (string | number)[][] = [];
  let load = Infinity;
  for (let i = 0; i < 3; i++) {
    const start = process.hrtime.bigint();
    const p = await loadPlugin(source);
    load = Math.min(load, Number(process.hrtime.bigint() - start));
    p.close();
  }
  for (const execution of ['jit', 'interpret'] as const) {
    const filter = await loadPlugin(source, { execution });
    RULES.forEach((rule, i) => filter.map('blocked').set(i, rule));
    const encoded = PATHS.map((p) => new TextEncoder().encode(p));
    const context = new Uint8Array(32);
    const id = filter.runtime.programs()[0]!.id;
    let sink = 0;
    const api = bestOf(5, () => {
      for (let i = 0; i < RUNS; i++) sink += filter.run({ data: PATHS[i % PATHS.length]!, context: { uint32_data: i } }).value;
    }) / RUNS;
    const raw = bestOf(5, () => {
      for (let i = 0; i < RUNS; i++) sink += Number(filter.runtime.testRun(id, { dataIn: encoded[i % PATHS.length]!, contextIn: context }).returnValue);
    }) / RUNS;
    rows.push([`RequestFilter, ${execution}`, fixed(api), fixed(raw), '']);
    filter.close();
    if (sink < 0) console.log(sink);
  }
  // The same filter in JavaScript, with its counters: the cost of the logic without a sandbox.
  const stats = [0, 0];
  const js = (path: string) => {
    for (const rule of RULES) if (path.startsWith(rule.prefix)) return (stats[1]++, 1);
    stats[0]++;
    return 0;
  };
  let sink = 0;
  const reference = bestOf(5, () => {
    for (let i = 0; i < RUNS; i++) sink += js(PATHS[i % PATHS.length]!);
  }) / RUNS;
  rows.push(['same filter in JavaScript', '', '', fixed(reference, 2)]);
  if (sink < 0) console.log(sink);
  printTable(`Plug-ins (bench/plugin.ts): ns per request, best of 5 x ${RUNS}; loadPlugin (clang + verify + JIT) ${fixed(load / 1e6)} ms`,
    ['program', 'plugin.run ns', 'runtime.testRun ns', 'JavaScript ns'], rows);
}
