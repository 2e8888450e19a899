// The eBPF ISA conformance suite (bpf_conformance): reading its .data files and running each against an
// engine. A positive test passes when the program assembles, validates, runs and returns `-- result`
// (or fails as `-- error` says); a negative file passes when its test fails.

import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { assemble } from '../asm/index.ts';
import type { Engine, ExecutionEnvironment, HelperFunction } from '../engines/engine.ts';
import { decodeInstructions, type Instruction } from '../isa/instruction.ts';
import { validateProgram } from '../isa/validate.ts';
import { Arena } from '../runtime/arena.ts';

/** One conformance test file. */
export interface ConformanceCase {
  name: string;
  asm?: string;
  raw?: Uint8Array;
  mem?: Uint8Array;
  result?: bigint;
  error?: string;
  unknownDirective?: string;
}

/** Reads a .data file (directives matched by substring, in the suite's order of precedence). */
export function parseConformanceFile(path: string): ConformanceCase {
  const text = readFileSync(path, 'utf8');
  const test: ConformanceCase = { name: basename(path, '.data') };
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    if (line.includes('--')) {
      const directive = ['asm', 'result', 'mem', 'raw', 'no register offset', ' c', 'error'].find((d) => line.includes(d));
      if (!directive) {
        test.unknownDirective = line.trim();
        current = undefined;
        continue;
      }
      current = directive === 'no register offset' || directive === ' c' ? undefined : [];
      if (current) sections.set(directive, current);
      continue;
    }
    if (current) current.push(line);
  }
  const words = (key: string) => (sections.get(key) ?? []).map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean).join(' ').split(/\s+/).filter(Boolean);
  if (sections.has('asm')) test.asm = sections.get('asm')!.join('\n');
  if (sections.has('raw')) {
    const raw = words('raw');
    if (raw.every((w) => /^[0-9a-f]{2}$/i.test(w))) {
      test.raw = Uint8Array.from(raw.map((w) => parseInt(w, 16)));
    } else {
      const bytes = new Uint8Array(raw.length * 8);
      const view = new DataView(bytes.buffer);
      raw.forEach((w, i) => view.setBigUint64(i * 8, BigInt.asUintN(64, BigInt(w)), true));
      test.raw = bytes;
    }
  }
  if (sections.has('mem')) test.mem = Uint8Array.from(words('mem').map((w) => parseInt(w, 16)));
  if (sections.has('result')) test.result = BigInt.asUintN(64, BigInt(words('result')[0] ?? '0'));
  if (sections.has('error')) test.error = (sections.get('error') ?? []).join('\n').trim();
  return test;
}

/** The suite's test helper: id 5 returns its first argument. */
const TEST_HELPERS = new Map<number, HelperFunction>([[5, (r1) => r1]]);

/** Outcome of one case: passed, or why not. */
export interface ConformanceOutcome {
  name: string;
  passed: boolean;
  detail: string;
}

/** Runs one case against an engine. */
export function runConformanceCase(test: ConformanceCase, engine: Engine): ConformanceOutcome {
  const fail = (detail: string) => ({ name: test.name, passed: false, detail });
  if (test.unknownDirective) return fail(`unknown directive '${test.unknownDirective}'`);
  let instructions: Instruction[];
  try {
    if (test.raw) instructions = decodeInstructions(test.raw);
    else if (test.asm !== undefined) instructions = assemble(test.asm);
    else return fail('no program');
  } catch (error) {
    return test.error !== undefined ? { name: test.name, passed: true, detail: 'refused as expected' } : fail(`assembler: ${(error as Error).message}`);
  }
  const issues = validateProgram(instructions);
  if (issues.length > 0) {
    return test.error !== undefined ? { name: test.name, passed: true, detail: 'refused as expected' } : fail(`invalid: ${issues[0]!.pc}: ${issues[0]!.message}`);
  }
  const arena = new Arena();
  const environment: ExecutionEnvironment = { arena, helper: (id) => TEST_HELPERS.get(id) };
  let r1 = 0n, r2 = 0n;
  if (test.mem) {
    const address = arena.alloc(Math.max(test.mem.length, 1));
    arena.write(address, test.mem);
    r1 = BigInt(address);
    r2 = BigInt(test.mem.length);
  }
  try {
    const result = engine.prepare({ name: test.name, instructions }, environment).run(r1, { r2 });
    if (test.error !== undefined) return fail(`expected an error (${test.error}), returned 0x${result.toString(16)}`);
    if (test.result === undefined) return fail('no expected result');
    if (result !== test.result) return fail(`returned 0x${result.toString(16)}, expected 0x${test.result.toString(16)}`);
    return { name: test.name, passed: true, detail: 'ok' };
  } catch (error) {
    if (test.error !== undefined) return { name: test.name, passed: true, detail: `failed as expected: ${(error as Error).message}` };
    return fail(`${(error as Error).name}: ${(error as Error).message}`);
  }
}

/** Runs the whole suite: every positive test must pass and every negative file must fail. */
export function runConformanceSuite(directory: string, engine: Engine): { positive: ConformanceOutcome[]; negative: ConformanceOutcome[] } {
  const list = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.data')).sort().map((f) => join(dir, f));
  const positive = list(join(directory, 'tests')).map((f) => runConformanceCase(parseConformanceFile(f), engine));
  const negative = list(join(directory, 'negative')).map((f) => {
    // A negative file is handled as intended unless its program ran and matched: refusals count.
    const outcome = runConformanceCase(parseConformanceFile(f), engine);
    const ranAndMatched = outcome.passed && outcome.detail === 'ok';
    return { name: outcome.name, passed: !ranAndMatched, detail: ranAndMatched ? 'a negative test ran and passed' : outcome.detail };
  });
  return { positive, negative };
}
