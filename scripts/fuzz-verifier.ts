// `npm run fuzz:verifier -- [--seconds N] [--seed S] [--out DIR]`: the verifier's soundness under fuzzing.
// Programs come from two generators that favour pointers, bounds checks, map lookups, loops and local calls
// (this file's, over xdp and bind, and the soundness test's, test/verifier/generate.ts), and from
// instruction-level mutations of real programs (the examples, the unsafe suite, the ebpf-samples corpus).
// Each is verified; each accepted one runs in the interpreter's checked mode, where every load and store
// must land inside an object the program may touch (its stack, its context, the packet, a map value it was
// handed). A fault of an accepted program, or a verifier crash, is a counterexample: it is saved to --out
// (default fuzz-findings/) as assembly text with the seed, and the run exits non-zero.
// `fuzzVerifier` is also what the short fuzz in `npm test` runs.

import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { assembleVerifierSyntax } from '../src/asm/index.ts';
import { compileC } from '../src/build/clang.ts';
import { createInterpreter } from '../src/engines/interpreter/interpreter.ts';
import { formatAssemblerInstruction, formatVerifierInstruction, instructionStarts } from '../src/isa/disassemble.ts';
import { CALL_LOCAL, lookupForm } from '../src/isa/opcodes.ts';
import type { Instruction } from '../src/isa/instruction.ts';
import { openObjectFile, type MapSpec, type ObjectSpec, type ProgramSpec } from '../src/object/index.ts';
import { seededRandom } from '../src/object/mutate.ts';
import { windowsPlatform, type ProgramTypeSpec } from '../src/platform/index.ts';
import { STACK_FRAME_SIZE, STACK_SIZE } from '../src/runtime/arena.ts';
import { Runtime } from '../src/runtime/runtime.ts';
import { relocateMaps } from '../src/runtime/test-run.ts';
import { verifyProgram } from '../src/verifier/index.ts';
import { generateProgram } from '../test/verifier/generate.ts';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const platform = windowsPlatform;
const xdp = platform.programTypeByName('xdp')!;
const bind = platform.programTypeByName('bind')!;

/** One program to try: its instructions, the object whose maps it refers to, and where it came from. */
export interface Candidate {
  readonly instructions: readonly Instruction[];
  readonly maps: readonly MapSpec[];
  readonly type: ProgramTypeSpec;
  readonly origin: string;
}

/** A counterexample: accepted and faulted, or the verifier itself crashed. */
export interface Finding {
  readonly origin: string;
  readonly type: string;
  readonly problem: string;
  readonly file?: string;
}

/** What a fuzz run saw. */
export interface FuzzReport {
  readonly seed: number;
  readonly programs: number;
  readonly accepted: number;
  /** Accepted programs that ran to completion in checked mode. */
  readonly ranClean: number;
  /** Accepted programs not run: their maps could not be created here (maps of maps without a template). */
  readonly notRun: number;
  readonly findings: readonly Finding[];
  readonly seconds: number;
  /** Programs and accepted counts by source (generated, mutated). */
  readonly bySource: Readonly<Record<string, { programs: number; accepted: number }>>;
}

/** Options of `fuzzVerifier`. */
export interface FuzzOptions {
  readonly seed: number;
  /** Stop after this many seconds... */
  readonly seconds?: number;
  /** ...or after this many programs (whichever comes first). */
  readonly programs?: number;
  /** Where counterexamples are written (none written when undefined). */
  readonly out?: string;
  /** C files compiled as mutation seeds (default: examples/ and test/verifier/unsafe/). */
  readonly sources?: readonly string[];
  /** Objects opened as mutation seeds as they are (default: none). */
  readonly objects?: readonly string[];
  readonly log?: (line: string) => void;
}

// ---------------------------------------------------------------------------------------------------
// The generator: verifier-syntax text built from pieces that are usually, but not always, safe.

const arrayMap: MapSpec = { name: 'values', type: 2, keySize: 4, valueSize: 36, maxEntries: 4, flags: 0, pinning: 0, source: '.maps', section: '.maps' };
const hashMap: MapSpec = { name: 'table', type: 1, keySize: 8, valueSize: 16, maxEntries: 8, flags: 0, pinning: 0, source: '.maps', section: '.maps' };

function generate(random: () => number): Candidate {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const chance = (p: number) => random() < p;
  const type = chance(0.6) ? xdp : bind;
  const width = () => pick([8, 16, 32, 64]);
  const off = () => pick([0, 1, 2, 4, 7, 8, 12, 14, 15, 16, 24, 31, 32, 35, 36, 40, 48, 56, 60, 64]);
  const lines = ['r6 = r1', 'r7 = *(u64 *)(r6 + 0)', 'r8 = *(u64 *)(r6 + 8)', 'r9 = 0', '*(u64 *)(r10 - 8) = r9', '*(u64 *)(r10 - 16) = r9'];
  const stored = [8, 16];
  let label = 0;
  const next = () => `<l${label++}>`;
  for (let i = 0, n = 2 + Math.floor(random() * 7); i < n; i++) {
    const c = random();
    if (c < 0.12) {
      // A stack store, sometimes outside the frame.
      const at = chance(0.92) ? pick([24, 32, 40, 64, 128, 512]) : pick([513, 520, 1, 0]);
      lines.push(at === 0 ? '*(u64 *)(r10 + 0) = r9' : `*(u64 *)(r10 - ${at}) = r9`);
      stored.push(at);
    } else if (c < 0.2) {
      const at = chance(0.85) ? pick(stored) : pick([48, 100, 200]);
      lines.push(`r1 = *(u${width()} *)(r10 - ${at})`);
    } else if (c < 0.4) {
      // A packet read behind a bounds check that is usually, not always, long enough.
      const k = off();
      const l = next();
      const cond = pick(['>', '>', '>=', '<']);
      const size = pick([1, 2, 4, 8]);
      const at = chance(0.85) ? Math.max(0, k - size - Math.floor(random() * 4)) : off();
      lines.push('r2 = r7', `r2 += ${k}`, `if r2 ${cond} r8 goto ${l}`, `r0 = *(u${size * 8} *)(r7 + ${at})`, `${l}:`);
    } else if (c < 0.46) {
      // A variable packet offset, masked or not.
      const l = next();
      lines.push('r3 = *(u8 *)(r6 + 24)', chance(0.8) ? `r3 &= ${pick([7, 15, 63])}` : 'r3 += 1', 'r2 = r7', 'r2 += r3', 'r4 = r2', `r4 += ${pick([1, 2, 4, 8])}`, `if r4 > r8 goto ${l}`, `r0 = *(u${pick([8, 16, 32])} *)(r2 + 0)`, `${l}:`);
    } else if (c < 0.5) {
      lines.push(`r0 = *(u${width()} *)(r7 + ${off()})`);
    } else if (c < 0.58) {
      // A context read: usually a whole field, sometimes anywhere.
      const field = pick(type.fields);
      lines.push(chance(0.85) ? `r1 = *(u${Math.min(8, field.size) * 8} *)(r6 + ${field.offset})` : `r1 = *(u${width()} *)(r6 + ${off()})`);
    } else if (c < 0.62) {
      const writable = type.fields.filter((f) => f.writable);
      const field = writable.length > 0 && chance(0.6) ? pick(writable) : pick(type.fields);
      lines.push(`*(u${Math.min(8, field.size) * 8} *)(r6 + ${field.offset}) = r9`);
    } else if (c < 0.8) {
      // A map lookup, usually null-checked, then an access inside or past the value.
      const l = next();
      const hash = chance(0.3);
      lines.push(hash ? '*(u64 *)(r10 - 24) = r9' : '*(u32 *)(r10 - 4) = r9', 'r2 = r10', `r2 += ${hash ? -24 : -4}`, `r1 = map_fd ${hash ? 2 : 1}`, 'call 1');
      if (chance(0.88)) lines.push(`if r0 == 0 goto ${l}`);
      const size = pick([1, 2, 4, 8]);
      const valueSize = hash ? hashMap.valueSize : arrayMap.valueSize;
      const at = chance(0.85) ? Math.floor(random() * (valueSize - size + 1)) : off();
      if (chance(0.3)) lines.push(`*(u${size * 8} *)(r0 + ${at}) = r9`);
      else lines.push(`r1 = *(u${size * 8} *)(r0 + ${at})`);
      lines.push(`${l}:`);
    } else if (c < 0.86) {
      // A loop: constant trip count, from the context (capped or not), or with a body that walks the packet.
      const top = next();
      const bound = pick(['const', 'const', 'masked', 'ctx']);
      if (bound === 'const') lines.push(`r5 = ${pick([1, 3, 10, 100])}`);
      else if (bound === 'masked') lines.push('r5 = *(u8 *)(r6 + 24)', `r5 &= ${pick([3, 15])}`, 'r5 += 1');
      else lines.push('r5 = *(u32 *)(r6 + 24)');
      lines.push(`${top}:`, 'r9 += 1', chance(0.5) ? 'r1 = *(u64 *)(r10 - 8)' : 'r1 = r9', 'r5 += -1', `if r5 ${chance(0.9) ? '!=' : 's>'} 0 goto ${top}`);
    } else if (c < 0.93) {
      // memcpy into the stack with a size from the packet's length, capped or not.
      const l = next();
      lines.push('r4 = r8', 'r4 -= r7', chance(0.8) ? `if r4 > ${pick([8, 16, 24])} goto ${l}` : 'r4 += 0', 'r1 = r10', 'r1 += -48', 'r2 = 48', 'r3 = r7', 'r2 = r4', 'r2 += 0', `if r4 == 0 goto ${l}`, 'call 22', `${l}:`);
    } else {
      lines.push(`r9 = ${pick([0, 1, 3, 100, -1])}`);
    }
  }
  lines.push(`r0 = ${type === xdp ? pick([1, 2, 1]) : pick([0, 1])}`, 'exit');
  return { instructions: assembleVerifierSyntax(lines.join('\n')), maps: [arrayMap, hashMap], type, origin: 'generated' };
}

/** A program from the soundness test's generator (xdp, one 36-byte array map; local calls that take pointers). */
function generateWithCalls(random: () => number): Candidate {
  return { instructions: assembleVerifierSyntax(generateProgram(random)), maps: [arrayMap], type: xdp, origin: 'generated (soundness generator)' };
}

// ---------------------------------------------------------------------------------------------------
// Mutations of real programs, one instruction field at a time.

function mutateProgram(instructions: readonly Instruction[], random: () => number): { instructions: Instruction[]; kind: string } {
  const out = instructions.map((i) => ({ ...i }));
  const starts = [...instructionStarts(out)];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const kinds = ['offset', 'immediate', 'register', 'size', 'drop', 'condition', 'swap'] as const;
  const kind = pick(kinds);
  for (let attempt = 0; attempt < 20; attempt++) {
    const pc = pick(starts);
    const insn = out[pc]!;
    const s = lookupForm(insn)?.semantics;
    if (!s || s.kind === 'lddw') continue;
    switch (kind) {
      case 'offset':
        if (s.kind !== 'load' && s.kind !== 'store' && s.kind !== 'atomic') continue;
        out[pc] = { ...insn, offset: insn.offset + pick([-16, -8, -4, -1, 1, 4, 8, 16, 64]) };
        return { instructions: out, kind };
      case 'immediate':
        if (!((s.kind === 'alu' || s.kind === 'jump') && s.source === 'imm') && s.kind !== 'store') continue;
        out[pc] = { ...insn, imm: pick([insn.imm + 1, insn.imm - 1, insn.imm * 2, 0, 255, 4096, -1]) | 0 };
        return { instructions: out, kind };
      case 'register':
        if (s.kind === 'call' || s.kind === 'exit' || s.kind === 'ja') continue;
        out[pc] = random() < 0.5 ? { ...insn, src: Math.floor(random() * 11) } : { ...insn, dst: Math.floor(random() * 10) };
        return { instructions: out, kind };
      case 'size': {
        if (s.kind !== 'load' && s.kind !== 'store') continue;
        const sizeBits = pick([0x00, 0x08, 0x10, 0x18]);
        out[pc] = { ...insn, opcode: (insn.opcode & ~0x18) | sizeBits };
        return { instructions: out, kind };
      }
      case 'drop':
        // The instruction becomes `goto +0`: a bounds check, a null check or an initialisation disappears.
        if (s.kind === 'exit') continue;
        out[pc] = { opcode: 0x05, dst: 0, src: 0, offset: 0, imm: 0 };
        return { instructions: out, kind };
      case 'condition': {
        if (s.kind !== 'jump') continue;
        out[pc] = { ...insn, opcode: (insn.opcode & 0x0f) | pick([0x10, 0x20, 0x30, 0x50, 0xa0, 0xb0, 0x60, 0xc0]) };
        return { instructions: out, kind };
      }
      case 'swap': {
        const next = pc + 1;
        const other = out[next];
        const t = other && lookupForm(other)?.semantics;
        if (!t || t.kind === 'lddw' || s.kind === 'jump' || s.kind === 'ja' || t.kind === 'jump' || t.kind === 'ja') continue;
        out[pc] = other!;
        out[next] = insn;
        return { instructions: out, kind };
      }
    }
  }
  return { instructions: out, kind: 'none' };
}

// ---------------------------------------------------------------------------------------------------
// Checked execution of an accepted program.

type Region = readonly [number, number];

/** Runs `candidate` once in checked mode: `fault` says what went wrong, `skipped` why it could not run. */
export function runChecked(candidate: Candidate, random: () => number): { fault?: string; skipped?: string } {
  const runtime = new Runtime({ cpuCount: 1, platform });
  const regions: Region[] = [];
  const ids: number[] = [];
  for (const m of candidate.maps) {
    try {
      ids.push(runtime.createMap({ type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, name: m.name || 'map', flags: m.flags }));
    } catch (error) {
      return { skipped: `map ${m.name}: ${(error as Error).message}` };
    }
  }
  ids.forEach((id, index) => {
    const map = runtime.map(id);
    const valueSize = candidate.maps[index]!.valueSize;
    // Whatever address a lookup hands the program, the program may touch that value and nothing past it.
    const lookup = map.lookupAddress.bind(map);
    map.lookupAddress = (key: number) => {
      const address = lookup(key);
      if (address !== 0 && map.definition.type.valueKind === 'data') regions.push([address, address + valueSize]);
      return address;
    };
  });
  const type = candidate.type;
  const context = runtime.arena.alloc(type.contextSize);
  for (let i = 0; i < type.contextSize; i++) runtime.arena.view.setUint8(context + i, Math.floor(random() * 256));
  regions.push([context, context + type.contextSize]);
  if (type.dataOffset >= 0) {
    const length = Math.floor(random() * 96);
    const packet = runtime.arena.alloc(Math.max(1, length));
    for (let i = 0; i < length; i++) runtime.arena.view.setUint8(packet + i, Math.floor(random() * 256));
    runtime.arena.view.setBigUint64(context + type.dataOffset, BigInt(packet), true);
    runtime.arena.view.setBigUint64(context + type.dataEndOffset, BigInt(packet + length), true);
    if (type.metaOffset >= 0) runtime.arena.view.setBigUint64(context + type.metaOffset, BigInt(packet), true);
    regions.push([packet, packet + length]);
  }
  const hasLocalCalls = candidate.instructions.some((i) => lookupForm(i)?.semantics.kind === 'call' && i.src === CALL_LOCAL);
  let stack: Region = [0, 0];
  const check = (address: number, size: number, write: boolean, pc: number) => {
    const inside = (r: Region) => address >= r[0] && address + size <= r[1];
    if (!inside(stack) && !regions.some(inside)) {
      throw new Error(`pc ${pc}: ${write ? 'write' : 'read'} of ${size} bytes at 0x${address.toString(16)} is outside every object the program may touch`);
    }
  };
  const instructions = relocateMaps(candidate.instructions, (i) => runtime.mapHandle(ids[i]!), (i, offset) => {
    const address = runtime.mapValueAddress(ids[i]!, offset);
    regions.push([address - offset, address - offset + candidate.maps[i]!.valueSize]);
    return address;
  });
  const prepared = createInterpreter({ memoryCheck: check, loopLimit: 5_000_000 }).prepare({ name: 'fuzz', instructions }, runtime.environment(1));
  stack = [prepared.stackTop - (hasLocalCalls ? STACK_SIZE : STACK_FRAME_SIZE), prepared.stackTop];
  try {
    prepared.run(BigInt(context));
    return {};
  } catch (error) {
    const e = error as { code?: string; message: string };
    return { fault: `${e.code ? `${e.code}: ` : ''}${e.message}` };
  }
}

// ---------------------------------------------------------------------------------------------------

function listing(instructions: readonly Instruction[], type: ProgramTypeSpec): string {
  const naming = { helper: (id: number) => platform.helper(type, id) };
  let text = '';
  for (const pc of instructionStarts(instructions)) {
    text += `${formatAssemblerInstruction(instructions, pc).padEnd(36)} ; ${String(pc).padStart(4)}: ${formatVerifierInstruction(instructions, pc, naming)}\n`;
  }
  return text;
}

async function seedPrograms(options: FuzzOptions): Promise<Candidate[]> {
  const out: Candidate[] = [];
  const add = (object: ObjectSpec, origin: string) => {
    for (const p of object.programs) {
      const type = platform.programTypeById(p.programType) ?? xdp;
      if (p.instructions.length > 2000) continue;
      out.push({ instructions: p.instructions, maps: object.maps, type, origin: `${origin} ${p.section}/${p.name}` });
    }
  };
  const sources = options.sources ?? [
    ...readdirSync(join(repoRoot, 'examples')).filter((f) => f.endsWith('.c')).map((f) => join(repoRoot, 'examples', f)),
    ...readdirSync(join(repoRoot, 'test', 'verifier', 'unsafe')).filter((f) => f.endsWith('.c')).map((f) => join(repoRoot, 'test', 'verifier', 'unsafe', f)),
  ];
  const scratch = join(repoRoot, '.tmp', 'fuzz-verifier');
  mkdirSync(scratch, { recursive: true });
  for (const source of sources) {
    const { objectPath } = await compileC(source, { outPath: join(scratch, source.replace(/.*\//, '').replace(/\.c$/, '.o')) });
    add(await openObjectFile(objectPath), source.replace(`${repoRoot}/`, ''));
  }
  for (const path of options.objects ?? []) {
    try {
      add(await openObjectFile(path), path);
    } catch {
      // An object this platform cannot open is no seed.
    }
  }
  return out;
}

/** Runs the fuzzer until the time or program budget is spent. */
export async function fuzzVerifier(options: FuzzOptions): Promise<FuzzReport> {
  const log = options.log ?? (() => {});
  const random = seededRandom(options.seed);
  const seeds = await seedPrograms(options);
  const started = performance.now();
  const deadline = options.seconds !== undefined ? started + options.seconds * 1000 : Infinity;
  const limit = options.programs ?? Infinity;
  const findings: Finding[] = [];
  const bySource: Record<string, { programs: number; accepted: number }> = { generated: { programs: 0, accepted: 0 }, mutated: { programs: 0, accepted: 0 } };
  let programs = 0;
  let accepted = 0;
  let ranClean = 0;
  let notRun = 0;
  while (programs < limit && performance.now() < deadline) {
    programs++;
    let candidate: Candidate;
    const choice = random();
    if (choice < 0.3 || (seeds.length === 0 && choice < 0.6)) candidate = generate(random);
    else if (choice < 0.6) candidate = generateWithCalls(random);
    else {
      const seed = seeds[Math.floor(random() * seeds.length)]!;
      const { instructions, kind } = mutateProgram(seed.instructions, random);
      candidate = { ...seed, instructions, origin: `${seed.origin} (${kind})` };
    }
    const source = candidate.origin.startsWith('generated') ? 'generated' : 'mutated';
    bySource[source]!.programs++;
    let problem: string | undefined;
    try {
      const program: ProgramSpec = {
        name: 'fuzz', section: candidate.type.name, sectionIndex: 0, sectionSize: candidate.instructions.length * 8, programType: candidate.type.id,
        attachType: candidate.type.defaultAttachType, offset: 0, size: candidate.instructions.length * 8, instructions: candidate.instructions,
        lineInfo: [], functions: [], mapReferences: [], externCalls: [],
      };
      const object: ObjectSpec = { name: 'fuzz', programs: [program], maps: candidate.maps, license: 'MIT', platformMarker: false, sections: [] };
      const verdict = verifyProgram(object, program, { platform, programType: candidate.type, budget: 10_000 });
      if (verdict.ok) {
        accepted++;
        bySource[source]!.accepted++;
        const run = runChecked(candidate, random);
        if (run.skipped) notRun++;
        else if (run.fault) problem = `accepted, then faulted: ${run.fault}`;
        else ranClean++;
      }
    } catch (error) {
      problem = `the verifier crashed: ${(error as Error).stack ?? error}`;
    }
    if (problem) {
      let file: string | undefined;
      if (options.out) {
        mkdirSync(options.out, { recursive: true });
        file = join(options.out, `verifier-${options.seed}-${programs}.txt`);
        writeFileSync(file, `; seed ${options.seed}, program ${programs}\n; origin: ${candidate.origin}\n; program type: ${candidate.type.name}\n; maps: ${candidate.maps.map((m) => `${m.name} (type ${m.type}, key ${m.keySize}, value ${m.valueSize})`).join(', ')}\n; ${problem.split('\n').join('\n; ')}\n${listing(candidate.instructions, candidate.type)}`);
      }
      findings.push({ origin: candidate.origin, type: candidate.type.name, problem, ...(file ? { file } : {}) });
      log(`finding: ${file ?? candidate.origin}: ${problem.split('\n')[0]}`);
    }
  }
  return { seed: options.seed, programs, accepted, ranClean, notRun, findings, seconds: (performance.now() - started) / 1000, bySource };
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return undefined;
  const value = process.argv[index + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs a value`);
  return value;
}

function numberArgument(name: string, fallback: number): number {
  const text = argument(name);
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} needs a non-negative integer, not '${text}'`);
  return value;
}

async function main(): Promise<void> {
  for (const a of process.argv.slice(2)) {
    if (a.startsWith('--') && !['--seconds', '--seed', '--out', '--corpus'].includes(a)) throw new Error(`unknown option ${a} (--seconds N, --seed S, --out DIR, --corpus)`);
  }
  const seconds = numberArgument('seconds', 60);
  const seed = numberArgument('seed', Date.now() % 0xffffffff);
  const out = resolve(argument('out') ?? join(repoRoot, 'fuzz-findings'));
  const corpus = process.argv.includes('--corpus');
  const { corpusObjects } = await import('../test/support/paths.ts');
  console.log(`fuzz:verifier: seed ${seed}, ${seconds} s, findings to ${out}`);
  const report = await fuzzVerifier({ seed, seconds, out, ...(corpus ? { objects: corpusObjects() } : {}), log: (line) => console.log(line) });
  const rate = report.programs / report.seconds;
  console.log(
    `fuzz:verifier: ${report.programs} programs in ${report.seconds.toFixed(1)} s (${rate.toFixed(0)}/s): ` +
      `${report.accepted} accepted (generated ${report.bySource.generated!.accepted}/${report.bySource.generated!.programs}, ` +
      `mutated ${report.bySource.mutated!.accepted}/${report.bySource.mutated!.programs}), ${report.ranClean} ran clean in checked mode, ` +
      `${report.notRun} not run, ${report.findings.length} findings`,
  );
  process.exitCode = report.findings.length > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error) => {
    console.error(`fuzz:verifier: ${(error as Error).message}`);
    process.exitCode = 2;
  });
}
