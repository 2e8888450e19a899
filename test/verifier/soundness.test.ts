// The verifier's oracle: whenever it accepts a program, running that program in the interpreter's checked
// mode, with every access required to fall inside the object it may touch (its own stack frame, the
// context, the packet, an array map's values), never faults. Programs come from a generator that favours
// pointers, bounds checks and map lookups, with offsets that are sometimes out of bounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assembleVerifierSyntax } from '../../src/asm/index.ts';
import { createInterpreter } from '../../src/engines/interpreter/interpreter.ts';
import { seededRandom } from '../../src/object/mutate.ts';
import { windowsPlatform } from '../../src/platform/index.ts';
import { ArrayMap } from '../../src/runtime/maps/index.ts';
import { Runtime } from '../../src/runtime/runtime.ts';
import { relocateMaps } from '../../src/runtime/test-run.ts';
import { analyse } from '../../src/verifier/analysis.ts';

const xdp = windowsPlatform.programTypeByName('xdp')!;

function generate(random: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const chance = (p: number) => random() < p;
  const off = () => pick([0, 1, 2, 4, 7, 8, 12, 14, 15, 16, 24, 31, 32, 36, 40, 60, 64]);
  const width = () => pick([8, 16, 32, 64]);
  const stored: number[] = [];
  const lines = ['r6 = r1', 'r7 = *(u64 *)(r6 + 0)', 'r8 = *(u64 *)(r6 + 8)', 'r0 = 0', 'r9 = 0'];
  let label = 0;
  for (let i = 0, n = 4 + Math.floor(random() * 10); i < n; i++) {
    const c = random();
    if (c < 0.2) {
      const at = chance(0.9) ? pick([8, 16, 24, 32, 64, 512]) : pick([513, 520, 1, 0]);
      lines.push(at === 0 ? '*(u64 *)(r10 + 0) = r9' : `*(u64 *)(r10 - ${at}) = r9`);
      stored.push(at);
    } else if (c < 0.3) {
      const at = stored.length && chance(0.8) ? pick(stored) : pick([8, 16, 100]);
      lines.push(`r1 = *(u${width()} *)(r10 - ${at})`);
    } else if (c < 0.55) {
      const k = off();
      const l = `<l${label++}>`;
      lines.push('r2 = r7', `r2 += ${k}`, `if r2 > r8 goto ${l}`, `r0 = *(u${width()} *)(r7 + ${chance(0.8) ? Math.max(0, k - 8) : off()})`, `${l}:`);
    } else if (c < 0.6) lines.push(`r0 = *(u${width()} *)(r7 + ${off()})`);
    else if (c < 0.7) lines.push(`r1 = *(u${chance(0.8) ? 32 : width()} *)(r6 + ${chance(0.8) ? pick([16, 24, 28]) : off()})`);
    else if (c < 0.9) {
      const l = `<l${label++}>`;
      lines.push('*(u32 *)(r10 - 4) = r9', 'r2 = r10', 'r2 += -4', 'r1 = map_fd 1', 'call 1');
      if (chance(0.85)) lines.push(`if r0 == 0 goto ${l}`);
      lines.push(`r1 = *(u${width()} *)(r0 + ${chance(0.8) ? pick([0, 8, 16, 32]) : off()})`, `${l}:`);
    } else lines.push(`r9 = ${pick([0, 1, 3, 100])}`);
  }
  lines.push('r0 = 1', 'exit');
  return lines.join('\n');
}

test('no program the verifier accepts faults in checked execution', () => {
  const random = seededRandom(0x50bd);
  let accepted = 0;
  let rejected = 0;
  for (let i = 0; i < 3000; i++) {
    const source = generate(random);
    const instructions = assembleVerifierSyntax(source);
    const verdict = analyse(instructions, xdp, windowsPlatform, [{ type: 2, keySize: 4, valueSize: 36 }]);
    if (!verdict.ok) {
      rejected++;
      continue;
    }
    accepted++;
    const runtime = new Runtime({ cpuCount: 1 });
    const mapId = runtime.createMap({ type: 'array', keySize: 4, valueSize: 36, maxEntries: 4, name: 'm' });
    const map = runtime.map(mapId) as ArrayMap;
    const packet = runtime.arena.alloc(64);
    const length = Math.floor(random() * 64);
    const context = runtime.arena.alloc(32);
    runtime.arena.view.setBigUint64(context, BigInt(packet), true);
    runtime.arena.view.setBigUint64(context + 8, BigInt(packet + length), true);
    // Values are 36 bytes in 40-byte slots: an over-read of a value lands in a gap no region covers.
    const values = [0, 1, 2, 3].map((i): [number, number] => [map.base + i * map.stride, map.base + i * map.stride + 36]);
    const regions: [number, number][] = [[context, context + 32], [packet, packet + length], ...values];
    let stackTop = 0;
    const check = (address: number, size: number, write: boolean, pc: number) => {
      const inside = [...regions, [stackTop - 512, stackTop] as [number, number]].some(([a, b]) => address >= a && address + size <= b);
      if (!inside) throw new Error(`pc ${pc}: ${write ? 'write' : 'read'} of ${size} at 0x${address.toString(16)} is outside every object the program may touch`);
    };
    const prepared = createInterpreter({ memoryCheck: check }).prepare(
      { name: 'fuzz', instructions: relocateMaps(instructions, () => runtime.mapHandle(mapId), () => 0) },
      runtime.environment(1),
    );
    stackTop = prepared.stackTop;
    assert.doesNotThrow(() => prepared.run(BigInt(context)), `accepted but faulted:\n${source}`);
  }
  assert.ok(accepted > 300 && rejected > 300, `accepted ${accepted}, rejected ${rejected}`);
  console.log(`soundness: ${accepted} accepted programs ran clean, ${rejected} rejected`);
});
