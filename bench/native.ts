// Load time of a native module against the same object loaded with verification and the JIT, both into
// a fresh Runtime: the canonical example and the largest program (examples, benchmark and test programs)
// that verifies and builds as a native module.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { compileC } from '../src/build/clang.ts';
import { buildNativeModule, homeSigningKey } from '../src/native/index.ts';
import { openObject } from '../src/object/index.ts';
import { Runtime } from '../src/runtime/runtime.ts';
import { fixed, printTable, scratch } from './harness.ts';

const ROUNDS = 30;

/** Best of ROUNDS: a fresh runtime per load, so every load creates its maps and compiles its code. */
async function bestLoadMs(load: (runtime: Runtime) => Promise<unknown>): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < ROUNDS; i++) {
    const runtime = new Runtime({ cpuCount: 2, signingPolicy: () => ({ trustedKeys: [], testSigning: true }) });
    const start = process.hrtime.bigint();
    await load(runtime);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return best;
}

export async function benchNative(): Promise<void> {
  const key = homeSigningKey(join(scratch, 'native-home'));
  const root = join(import.meta.dirname, '..');
  const sources = [join(root, 'examples'), join(root, 'bench', 'programs'), ...readdirSync(join(root, 'test')).map((d) => join(root, 'test', d, 'programs'))]
    .filter((dir) => existsSync(dir))
    .flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.c')).sort().map((f) => join(dir, f)));
  const candidates: { name: string; object: Uint8Array; module: Uint8Array; instructions: number }[] = [];
  for (const source of sources) {
    const file = basename(source);
    let objectPath: string;
    try {
      ({ objectPath } = await compileC(source, { outPath: join(scratch, `native-${file.replace(/\.c$/, '.o')}`) }));
    } catch {
      continue; // test programs that need extra flags are not candidates
    }
    const object = new Uint8Array(readFileSync(objectPath));
    try {
      const module = buildNativeModule(object, { name: file, key }).bytes;
      candidates.push({ name: source.startsWith(join(root, 'examples')) ? file.replace(/\.c$/, '') : relative(root, source).replace(/\.c$/, ''), object, module, instructions: openObject(object).programs.reduce((n, p) => n + p.instructions.length, 0) });
    } catch {
      // Not every example needs to build natively to be measured; the two chosen below must.
    }
  }
  const canonical = candidates.find((c) => c.name === 'TraceConnections')!;
  const largest = candidates.filter((c) => c !== canonical).sort((a, b) => b.instructions - a.instructions)[0]!;
  const rows: (string | number)[][] = [];
  // One unmeasured load of each kind first, so neither side pays for V8 compiling the loaders.
  await bestLoadMs((runtime) => runtime.loadObject(canonical.object));
  await bestLoadMs((runtime) => runtime.loadNative(canonical.module));
  for (const c of [canonical, largest]) {
    const object = await bestLoadMs((runtime) => runtime.loadObject(c.object, { name: `${c.name}.o` }));
    const native = await bestLoadMs((runtime) => runtime.loadNative(c.module, { name: `${c.name}.wasm` }));
    rows.push([c.name, c.instructions, c.object.length, c.module.length, fixed(object, 2), fixed(native, 2), `${fixed(object / native, 1)}x`]);
  }
  printTable(
    `Native load (best of ${ROUNDS}, fresh runtime each): object = open + verify + create maps + JIT; native = check signature and program-info hashes + create maps + instantiate`,
    ['program', 'insns', 'object B', 'module B', 'object ms', 'native ms', 'native faster'],
    rows,
  );
}
