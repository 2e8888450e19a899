// Random XDP programs for the verifier's soundness oracle (test/verifier/soundness.test.ts) and the
// verifier fuzzer (`npm run fuzz:verifier`): programs that favour pointers (context, packet, stack, map
// values), bounds checks (sometimes off by a few bytes), null checks (sometimes missing), variable offsets,
// loops (bounded, or not) and local calls that receive pointers; plus the checked run that says whether
// an accepted program ever touched memory outside the objects it may touch.
import { createInterpreter } from '../../src/engines/interpreter/interpreter.ts';
import type { Instruction } from '../../src/isa/instruction.ts';
import { ArrayMap } from '../../src/runtime/maps/index.ts';
import { STACK_FRAME_SIZE } from '../../src/runtime/arena.ts';
import { Runtime } from '../../src/runtime/runtime.ts';
import { relocateMaps } from '../../src/runtime/test-run.ts';
import type { MapDescriptor } from '../../src/verifier/analysis.ts';

/** The one map generated programs use: an array of 36-byte values (map_fd 1). */
export const GENERATED_MAPS: readonly MapDescriptor[] = [{ type: 2, keySize: 4, valueSize: 36 }];

/** A random program in verifier syntax (for the xdp program type, with GENERATED_MAPS). */
export function generateProgram(random: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const chance = (p: number) => random() < p;
  const off = () => pick([0, 1, 2, 4, 7, 8, 12, 14, 15, 16, 24, 31, 32, 36, 40, 60, 64]);
  const width = () => pick([8, 16, 32, 64]);
  const stored: number[] = [];
  const lines = ['r6 = r1', 'r7 = *(u64 *)(r6 + 0)', 'r8 = *(u64 *)(r6 + 8)', 'r0 = 0', 'r9 = 0'];
  const functions: string[] = [];
  let label = 0;
  const l = () => `<l${label++}>`;
  const store = () => {
    const at = chance(0.9) ? pick([8, 16, 24, 32, 64, 512]) : pick([513, 520, 1, 0]);
    lines.push(at === 0 ? '*(u64 *)(r10 + 0) = r9' : `*(u64 *)(r10 - ${at}) = r9`);
    stored.push(at);
  };
  for (let i = 0, n = 4 + Math.floor(random() * 10); i < n; i++) {
    const c = random();
    if (c < 0.14) store();
    else if (c < 0.22) {
      const at = stored.length && chance(0.9) ? pick(stored) : pick([8, 16, 100]);
      lines.push(`r1 = *(u${width()} *)(r10 - ${at})`);
    } else if (c < 0.4) {
      // A packet read after a bounds check (sometimes the wrong one).
      const k = off();
      const w = width();
      const out = l();
      lines.push('r2 = r7', `r2 += ${k}`, `if r2 > r8 goto ${out}`, `r0 = *(u${w} *)(r7 + ${chance(0.85) ? Math.max(0, k - w / 8) : off()})`, `${out}:`);
    } else if (c < 0.44) lines.push(`r0 = *(u${width()} *)(r7 + ${off()})`);
    else if (c < 0.5) lines.push(`r1 = *(u${chance(0.8) ? 32 : width()} *)(r6 + ${chance(0.8) ? pick([16, 24, 28]) : off()})`);
    else if (c < 0.62) {
      // A map lookup, usually null-checked, then a value access.
      const out = l();
      lines.push('*(u32 *)(r10 - 4) = r9', 'r2 = r10', 'r2 += -4', 'r1 = map_fd 1', 'call 1');
      if (chance(0.85)) lines.push(`if r0 == 0 goto ${out}`);
      lines.push(`r1 = *(u${width()} *)(r0 + ${chance(0.8) ? pick([0, 8, 16, 32]) : off()})`, `${out}:`);
    } else if (c < 0.72) {
      // A variable stack offset from a masked number (sometimes masked too wide).
      const out = l();
      lines.push('r3 = 16', `*(u64 *)(r10 - 16) = r9`, `*(u64 *)(r10 - 8) = r9`, 'r2 = r7', 'r2 += 1', `if r2 > r8 goto ${out}`, 'r3 = *(u8 *)(r7 + 0)',
        `r3 &= ${chance(0.8) ? 15 : 31}`, 'r2 = r10', 'r2 += -16', 'r2 += r3', `r0 = *(u8 *)(r2 + 0)`, `${out}:`);
    } else if (c < 0.82) {
      // A loop: a constant bound (sometimes large), or a bound from the packet without a cap.
      const head = l();
      const bound = chance(0.8) ? pick([3, 8, 100, 5000]) : undefined;
      lines.push('r4 = 0', `${head}:`, `*(u64 *)(r10 - ${pick([8, 24, 40])}) = r4`, 'r4 += 1');
      if (bound !== undefined) lines.push(`if r4 < ${bound} goto ${head}`);
      else lines.push('r3 = *(u64 *)(r6 + 24)', `if r4 < r3 goto ${head}`);
    } else if (c < 0.92) {
      // A local call with a pointer argument: the caller's stack or the packet.
      const fn = `<f${functions.length}>`;
      const k = pick([0, 4, 8, 12, 16]);
      if (chance(0.5)) lines.push('*(u64 *)(r10 - 16) = r9', '*(u64 *)(r10 - 8) = r9', 'r1 = r10', 'r1 += -16', `call ${fn}`);
      else {
        const out = l();
        lines.push('r1 = r7', 'r2 = r7', `r2 += ${pick([8, 16, 20])}`, `if r2 > r8 goto ${out}`, `call ${fn}`, `${out}:`);
      }
      functions.push(`${fn}:`, `r0 = *(u${pick([8, 32, 64])} *)(r1 + ${k})`, chance(0.3) ? `*(u8 *)(r10 - ${pick([1, 8, 512, 513])}) = r0` : 'r0 += 1', 'exit');
    } else lines.push(`r9 = ${pick([0, 1, 3, 100])}`);
  }
  lines.push('r0 = 1', 'exit', ...functions);
  return lines.join('\n');
}

/**
 * Runs an (accepted) generated program in the interpreter's checked mode, with a packet of random length
 * and every access required to fall inside the context, the packet, one map value or the stack; returns
 * the fault's message, or undefined when it ran clean. `frames`: how many stack frames the program may use
 * (1 + its deepest local call), so that a write past a frame is caught unless it lands in a deeper one.
 */
export function runChecked(instructions: readonly Instruction[], random: () => number, frames = 1): string | undefined {
  const runtime = new Runtime({ cpuCount: 1 });
  const mapId = runtime.createMap({ type: 'array', keySize: 4, valueSize: 36, maxEntries: 4, name: 'm' });
  const map = runtime.map(mapId) as ArrayMap;
  const packet = runtime.arena.alloc(64);
  const length = Math.floor(random() * 64);
  const context = runtime.arena.alloc(32);
  runtime.arena.view.setBigUint64(context, BigInt(packet), true);
  runtime.arena.view.setBigUint64(context + 8, BigInt(packet + length), true);
  runtime.arena.view.setBigUint64(context + 24, BigInt(Math.floor(random() * 100)), true);
  // Values are 36 bytes in 40-byte slots: an over-read of a value lands in a gap no region covers.
  const values = [0, 1, 2, 3].map((i): [number, number] => [map.base + i * map.stride, map.base + i * map.stride + 36]);
  const regions: [number, number][] = [[context, context + 32], [packet, packet + length], ...values];
  let stackTop = 0;
  const check = (address: number, size: number, write: boolean, pc: number) => {
    const inside = [...regions, [stackTop - STACK_FRAME_SIZE * frames, stackTop] as [number, number]].some(([a, b]) => address >= a && address + size <= b);
    if (!inside) throw new Error(`pc ${pc}: ${write ? 'write' : 'read'} of ${size} at 0x${address.toString(16)} is outside every object the program may touch`);
  };
  const prepared = createInterpreter({ memoryCheck: check }).prepare(
    { name: 'fuzz', instructions: relocateMaps(instructions, () => runtime.mapHandle(mapId), () => 0) },
    runtime.environment(1),
  );
  stackTop = prepared.stackTop;
  try {
    prepared.run(BigInt(context));
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
