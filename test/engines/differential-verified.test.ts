// The JIT against the interpreter on thousands of random programs the verifier accepts, comparing
// everything a program can change: r0 (or its fault), the whole arena after the run (stack, context,
// packet, map values) and the map's contents. Two generators: randomVerifiedProgram (every ALU form,
// sign extensions, byte swaps, atomics, gotol, loops, local calls, lookups) and the verifier fuzzer's
// generateProgram (pointers, bounds checks, variable offsets). Each runs under the interpreter, the
// checked JIT and the unchecked JIT (what verified programs get), in runtimes laid out identically.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assembleVerifierSyntax } from '../../src/asm/index.ts';
import type { Engine } from '../../src/engines/engine.ts';
import { createInterpreter } from '../../src/engines/interpreter/interpreter.ts';
import { createJit } from '../../src/engines/jit/index.ts';
import { randomVerifiedProgram } from '../../src/engines/random-programs.ts';
import type { Instruction } from '../../src/isa/instruction.ts';
import { seededRandom } from '../../src/object/mutate.ts';
import { windowsPlatform } from '../../src/platform/index.ts';
import { ArrayMap } from '../../src/runtime/maps/index.ts';
import { Runtime } from '../../src/runtime/runtime.ts';
import { relocateMaps } from '../../src/runtime/test-run.ts';
import { analyse } from '../../src/verifier/analysis.ts';
import { GENERATED_MAPS, generateProgram } from '../verifier/generate.ts';
import { firstDifference, outcome } from './support.ts';

const ENGINES: [string, () => Engine][] = [
  ['interpreter', () => createInterpreter()],
  ['jit', () => createJit()],
  ['jit unchecked', () => createJit({ checked: false })],
];

// The final state also keeps r0 and r9 (spilled to the stack before the exit), so the arena comparison
// covers the registers the generated code computes, not only what it stored.
function withSpills(source: string): string {
  return source.replace('\nr0 = 1\nexit', '\n*(u64 *)(r10 - 48) = r0\n*(u64 *)(r10 - 56) = r9\nr0 = 1\nexit');
}

/** A runtime laid out as the verifier's soundness oracle lays it out: one array map, a packet, a context. */
function generatedWorld(fill: Uint8Array, packetLength: number, loopInput: number) {
  const runtime = new Runtime({ cpuCount: 1 });
  const mapId = runtime.createMap({ type: 'array', keySize: 4, valueSize: 36, maxEntries: 4, name: 'm' });
  const map = runtime.map(mapId) as ArrayMap;
  const packet = runtime.arena.alloc(64);
  runtime.arena.write(packet, fill.subarray(0, 64));
  const context = runtime.arena.alloc(32);
  runtime.arena.view.setBigUint64(context, BigInt(packet), true);
  runtime.arena.view.setBigUint64(context + 8, BigInt(packet + packetLength), true);
  runtime.arena.view.setBigUint64(context + 24, BigInt(loopInput), true);
  runtime.arena.write(map.base, fill.subarray(64, 64 + 4 * map.stride));
  return { runtime, mapId, context };
}

/** `gotol`: a plain `goto` rewritten to JMP32 | JA with its offset in imm (the verifier syntax has no spelling). */
function widenSomeJumps(instructions: Instruction[], random: () => number): number {
  let widened = 0;
  instructions.forEach((insn, pc) => {
    if (insn.opcode === 0x05 && random() < 0.5) {
      instructions[pc] = { ...insn, opcode: 0x06, imm: insn.offset, offset: 0 };
      widened++;
    }
  });
  return widened;
}

/**
 * Runs `wanted` accepted programs from `generate` under every engine, each in its own runtime laid out
 * identically, and compares r0, the whole arena and the map's values. Programs the verifier refuses
 * (including those it gives up on after `budget` instructions) are skipped.
 */
function compareVerified(name: string, generate: (random: () => number) => string, wanted: number, seed: number) {
  const random = seededRandom(seed);
  const xdp = windowsPlatform.programTypeByName('xdp')!;
  const counts = { generated: 0, accepted: 0, loops: 0, calls: 0, lookups: 0, gotol: 0 };
  while (counts.accepted < wanted) {
    counts.generated++;
    const source = withSpills(generate(random));
    const instructions = assembleVerifierSyntax(source);
    const wide = widenSomeJumps(instructions, random);
    const verdict = analyse(instructions, xdp, windowsPlatform, GENERATED_MAPS, { budget: 20_000 });
    if (!verdict.ok) continue;
    counts.accepted++;
    if (verdict.loopBound) counts.loops++;
    if (source.includes('call <')) counts.calls++;
    if (source.includes('call 1')) counts.lookups++;
    if (wide > 0) counts.gotol++;
    const fill = Uint8Array.from({ length: 64 + 4 * 40 }, () => Math.floor(random() * 256));
    const packetLength = Math.floor(random() * 65);
    const loopInput = Math.floor(random() * 100);
    const results = ENGINES.map(([engine, make]) => {
      const { runtime, mapId, context } = generatedWorld(fill, packetLength, loopInput);
      const prepared = make().prepare({ name: 'generated', instructions: relocateMaps(instructions, () => runtime.mapHandle(mapId), () => 0) }, runtime.environment(1));
      const r0 = outcome(() => prepared.run(BigInt(context)));
      return { engine, r0, arena: runtime.arena.bytes, map: runtime.entries(mapId, 4).map((e) => [...e.value]) };
    });
    const [reference, ...others] = results;
    const where = `${name} program ${counts.accepted} (gotol: ${wide})`;
    assert.equal(reference!.r0, 'r0 = 0x1', `${where} did not run clean in the interpreter:\n${source}`);
    for (const other of others) {
      assert.equal(other.r0, reference!.r0, `${other.engine}, ${where}:\n${source}`);
      assert.equal(firstDifference(reference!.arena, other.arena), undefined, `${other.engine}, ${where}: memory differs\n${source}`);
      assert.deepEqual(other.map, reference!.map, `${other.engine}, ${where}: map differs`);
    }
  }
  console.log(`differential: ${counts.accepted} ${name} programs the verifier accepted (of ${counts.generated}) agree under the interpreter, the JIT and the unchecked JIT: ${counts.loops} with loops, ${counts.calls} with local calls, ${counts.lookups} with map lookups, ${counts.gotol} with gotol`);
  return counts;
}

// EBPF_DIFFERENTIAL_PROGRAMS raises the count for a longer run (BENCHMARKS.md records one).
const WANTED = Number(process.env.EBPF_DIFFERENTIAL_PROGRAMS ?? 2000);

test('thousands of random programs the verifier accepts (every ALU form, atomics, gotol, loops, calls, lookups): the same r0, arena and map under the interpreter and the JIT', () => {
  const counts = compareVerified('randomVerifiedProgram', randomVerifiedProgram, WANTED, 0x1d1f);
  assert.ok(counts.loops > WANTED / 10 && counts.calls > WANTED / 10 && counts.lookups > WANTED / 4 && counts.gotol > WANTED / 8, JSON.stringify(counts));
});

test('the verifier fuzzer\'s programs it accepts (pointers, bounds checks, variable offsets): the same r0, arena and map under the interpreter and the JIT', () => {
  const wanted = Math.ceil(WANTED / 6);
  const counts = compareVerified('generateProgram', generateProgram, wanted, 0x50bd);
  assert.ok(counts.loops > wanted / 20 && counts.calls > wanted / 20 && counts.lookups > wanted / 10, JSON.stringify(counts));
});

