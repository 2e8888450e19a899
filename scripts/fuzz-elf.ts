// `npm run fuzz:elf -- --seconds N [--seed S]`: mutates the corpus objects for as long as asked and
// checks that every mutated file opens (and its BTF prints and its map types decode) or is refused with a
// typed error, within a second. Any other outcome is saved under fuzz-findings/ with the error, and the
// run exits non-zero.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fuzzOutcome } from '../src/object/fuzz-target.ts';
import { mutate, seededRandom } from '../src/object/mutate.ts';
import { corpusObjects, repoRoot } from '../test/support/paths.ts';

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} needs a non-negative number`);
  return value;
}

const seconds = argument('seconds', 60);
const seed = argument('seed', Date.now() % 0xffffffff);
const sources = corpusObjects().map((path) => ({ path, bytes: new Uint8Array(readFileSync(path)) }));
const random = seededRandom(seed);
const findings = join(repoRoot, 'fuzz-findings');
const deadline = Date.now() + seconds * 1000;
let runs = 0;
let problems = 0;
let opened = 0;
let slowest = 0;
console.log(`fuzz:elf: seed ${seed}, ${sources.length} seed objects, ${seconds} s`);
while (Date.now() < deadline) {
  const source = sources[Math.floor(random() * sources.length)]!;
  const { kind, bytes } = mutate(source.bytes, random);
  const started = performance.now();
  let problem: string | undefined;
  try {
    if (fuzzOutcome(bytes).kind === 'opened') opened++;
  } catch (error) {
    problem = `untyped ${(error as Error).name}: ${(error as Error).stack}`;
  }
  const elapsed = performance.now() - started;
  slowest = Math.max(slowest, elapsed);
  if (!problem && elapsed > 1000) problem = `took ${elapsed.toFixed(0)} ms`;
  runs++;
  if (problem) {
    problems++;
    mkdirSync(findings, { recursive: true });
    const name = join(findings, `elf-${seed}-${runs}.o`);
    writeFileSync(name, bytes);
    writeFileSync(`${name}.txt`, `source: ${source.path}\nmutation: ${kind}\n${problem}\n`);
    console.log(`finding: ${name}: ${problem.split('\n')[0]}`);
  }
}
console.log(`fuzz:elf: ${runs} files (${opened} opened, ${runs - opened - problems} refused), ${problems} findings, slowest ${slowest.toFixed(1)} ms`);
process.exitCode = problems > 0 ? 1 : 0;
