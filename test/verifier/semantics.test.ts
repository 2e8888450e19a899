// The verifier's semantics beyond memory safety: loops proven by counting, local calls with their own
// frames, tail calls, atomics, eBPF's division rules, 32-bit zero-extension, refinement by every kind of
// jump, and the states it records for verbose reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { assembleVerifierSyntax } from '../../src/asm/index.ts';
import { openObjectFile } from '../../src/object/index.ts';
import { windowsPlatform } from '../../src/platform/index.ts';
import { analyse, type MapDescriptor } from '../../src/verifier/analysis.ts';
import { verifyProgram } from '../../src/verifier/index.ts';
import { compileTestProgram } from '../support/compile.ts';

const bind = windowsPlatform.programTypeByName('bind')!;
const hashMap: MapDescriptor = { type: 1, keySize: 4, valueSize: 8 };
const progArray: MapDescriptor = { type: windowsPlatform.mapTypes.find((m) => m.isProgArray)!.id, keySize: 4, valueSize: 4 };
const verify = (source: string, maps = [hashMap, progArray]) => analyse(assembleVerifierSyntax(source), bind, windowsPlatform, maps, { recordStates: true });
const accepted = (source: string) => {
  const r = verify(source);
  assert.deepEqual(r.errors, [], source);
  return r;
};
const rejectedAt = (source: string, pc: number, pattern: RegExp) => {
  const r = verify(source);
  assert.equal(r.ok, false, `accepted:\n${source}`);
  assert.equal(r.errors.length, 1, `one root cause, one error: ${JSON.stringify(r.errors)}`);
  assert.equal(r.errors[0]!.pc, pc, r.errors[0]!.message);
  assert.match(r.errors[0]!.message, pattern);
};

async function programs(file: string) {
  const object = await openObjectFile(await compileTestProgram(join(import.meta.dirname, 'programs', file)));
  return new Map(object.programs.map((p) => [p.name, verifyProgram(object, p)]));
}

test('a clang-compiled loop of 1,000,000 iterations is proven, not unrolled, and reports its bound', async () => {
  const million = (await programs('loops.c')).get('MillionIterations')!;
  assert.deepEqual(million.errors, []);
  assert.equal(million.analysis.loopBound, 1_000_000);
  assert.ok(million.analysis.instructionsExplored < 2000, `${million.analysis.instructionsExplored} instructions analysed`);
});

test('a loop bounded by the context without a cap is refused at its exit test, naming the loop', async () => {
  const result = (await programs('loops.c')).get('ContextBound')!;
  assert.equal(result.ok, false);
  assert.equal(result.errors.length, 1);
  assert.match(result.errors[0]!.message, /^the loop at pc \d+ \(back from pc \d+\) is not proven to terminate: no bound within the limit of 16777216 iterations/);
  assert.match(result.errors[0]!.line!.source, /i < ctx->process_id/);
});

test('a capped bound and nested loops are accepted with their bounds', async () => {
  const results = await programs('loops.c');
  assert.deepEqual(results.get('CappedContextBound')!.errors, []);
  assert.ok(results.get('CappedContextBound')!.analysis.loopBound! <= 65);
  assert.deepEqual(results.get('Nested')!.errors, []);
});

test('clang-compiled local calls verify: a caller stack buffer filled and read by callees', async () => {
  assert.deepEqual((await programs('calls.c')).get('LocalCalls')!.errors, []);
});

test('a callee gets r1-r5 and its own frame; r6-r9 come back, r1-r5 do not', () => {
  const callee = ['<f>:', 'r0 = *(u64 *)(r1 + 0)', 'r2 = 7', '*(u64 *)(r10 - 8) = r2', 'exit'];
  accepted(['r6 = r1', 'r1 = 0', '*(u64 *)(r10 - 16) = r1', 'r1 = r10', 'r1 += -16', 'call <f>', 'r2 = *(u32 *)(r6 + 44)', 'r0 = 0', 'exit', ...callee].join('\n'));
  rejectedAt(['r1 = r10', 'r1 += -16', 'call <f>', 'r0 = 0', 'exit', ...callee].join('\n'), 5, /reads stack byte r10-16 of the frame at depth 0, which is not initialized/);
  rejectedAt(['r1 = r10', 'r2 = 0', '*(u64 *)(r10 - 8) = r2', 'r1 += -8', 'call <f>', 'r0 = r1', 'exit', ...callee].join('\n'), 5, /r1 is read before it is written/);
});

test('calls nest at most 8 frames deep, never recurse, and never return their own stack', () => {
  const chain = (n: number) => [...Array.from({ length: n }, (_, i) => [`<f${i}>:`, `call <f${i + 1}>`, 'exit']).flat(), `<f${n}>:`, 'r0 = 0', 'exit'].join('\n');
  accepted(chain(7));
  rejectedAt(chain(8), 14, /too many call stack frames/);
  rejectedAt(['r0 = 0', 'call <f>', 'exit', '<f>:', 'call <f>', 'exit'].join('\n'), 3, /illegal recursion/);
  rejectedAt(['call <f>', 'r0 = 0', 'exit', '<f>:', 'r0 = r10', 'exit'].join('\n'), 4, /returns a pointer into its own stack frame/);
});

test('tail calls take the context, a program array and an index', () => {
  accepted(['r2 = map_fd 2', 'r3 = 0', 'call 5', 'r0 = 0', 'exit'].join('\n'));
  rejectedAt(['r2 = map_fd 1', 'r3 = 0', 'call 5', 'r0 = 0', 'exit'].join('\n'), 3, /must be a program array map/);
  rejectedAt(['r2 = map_fd 2', 'r1 = 0', 'r3 = 0', 'call 5', 'r0 = 0', 'exit'].join('\n'), 4, /must be the context pointer/);
});

test('atomics: every form on the stack or a map value, fetch into src, cmpxchg into r0', () => {
  const base = ['r1 = 5', '*(u64 *)(r10 - 8) = r1', 'r2 = 1'];
  for (const op of ['+=', '|=', '&=', '^=', 'x=']) {
    for (const fetch of ['', ' fetch']) {
      if (op === 'x=' && !fetch) continue;
      const r = accepted([...base, `lock *(u64 *)(r10 - 8) ${op} r2${fetch}`, 'r0 = 0', 'exit'].join('\n'));
      assert.ok(r.states![4]!.includes(fetch ? 'r2.svalue=[-9223372036854775808, 9223372036854775807]' : 'r2.svalue=1'), `${op}${fetch}: ${r.states![4]!.join(' ')}`);
    }
  }
  const cx = accepted([...base, 'r0 = 5', 'lock *(u32 *)(r10 - 8) cx= r2', 'r0 = 0', 'exit'].join('\n'));
  assert.ok(cx.states![5]!.includes('r0.svalue=[0, 4294967295]'), cx.states![5]!.join(' '));
  rejectedAt(['r2 = 1', 'lock *(u64 *)(r10 - 8) += r2', 'r0 = 0', 'exit'].join('\n'), 1, /not initialized/);
  rejectedAt(['r2 = 1', 'lock *(u64 *)(r1 + 16) += r2', 'r0 = 0', 'exit'].join('\n'), 1, /atomic operations need a stack or map value pointer/);
});

test('division by zero gives 0 and modulo by zero leaves the dividend: no error', () => {
  const r = accepted(['r0 = 7', 'r1 = 0', 'r0 /= r1', 'r2 = 7', 'r2 %= r1', 'r0 = 0', 'exit'].join('\n'));
  assert.ok(r.states![3]!.includes('r0.svalue=0'), r.states![3]!.join(' '));
  assert.ok(r.states![5]!.includes('r2.svalue=7'), r.states![5]!.join(' '));
});

test('32-bit results are zero-extended', () => {
  const r = accepted(['w0 = -1', 'r1 = r0', 'r0 = 0', 'exit'].join('\n'));
  assert.ok(r.states![1]!.includes('r0.svalue=4294967295'), r.states![1]!.join(' '));
});

test('JMP32 and JSET refine a stack index enough for a variable-offset access', () => {
  const use = ['r2 = r10', 'r2 += -8', 'r2 += r1', 'r3 = 0', '*(u8 *)(r2 + 0) = r3', '<out>:', 'r0 = 0', 'exit'];
  accepted(['r1 = *(u32 *)(r1 + 44)', 'if w1 > 7 goto <out>', ...use].join('\n'));
  accepted(['r1 = *(u64 *)(r1 + 16)', 'r2 = -1', 'r2 <<= 32', 'r1 |= r2', 'if w1 > 7 goto <out>', 'w1 = w1', ...use].join('\n'));
  // The upper half unknown: the low half's bound is kept all the same.
  accepted(['r1 = *(u64 *)(r1 + 16)', 'if w1 > 7 goto <out>', 'w1 = w1', ...use].join('\n'));
  accepted(['r1 = *(u64 *)(r1 + 16)', 'if w1 s< 0 goto <out>', 'if w1 s> 7 goto <out>', 'r1 s32= r1', ...use].join('\n'));
  accepted(['r1 = *(u32 *)(r1 + 44)', 'if w1 s< 0 goto <out>', 'if w1 s> 7 goto <out>', ...use].join('\n'));
  accepted(['r1 = *(u64 *)(r1 + 16)', 'if r1 &== -8 goto <out>', ...use].join('\n'));
  rejectedAt(['r1 = *(u32 *)(r1 + 44)', 'if w1 > 8 goto <out>', ...use].join('\n'), 6, /outside the 512-byte stack frame/);
  // A pointer & 0 is never set: the jump is never taken (its target would read r5, which holds nothing).
  accepted(['if r1 &== 0 goto <bad>', 'r0 = 0', 'exit', '<bad>:', 'r0 = r5', 'exit'].join('\n'));
});

test('recorded states use PREVAIL\'s vocabulary', () => {
  const r = accepted(['r2 = 10', 'r0 = 0', 'exit'].join('\n'));
  assert.ok(r.states![0]!.includes('r1.type=ctx') && r.states![0]!.includes('r10.stack_offset=512'), r.states![0]!.join(' '));
  assert.ok(r.states![1]!.includes('r2.svalue=10'), r.states![1]!.join(' '));
});

test('a path that runs past the last instruction is an error at the instruction it leaves from', () => {
  rejectedAt(['r1 = *(u32 *)(r1 + 44)', 'r0 = 0', 'if r1 == 0 goto <end>', 'exit', '<end>:', 'r0 = 1'].join('\n'), 4, /falls through past the end of the program after pc 4/);
  // A local call as the last instruction: its callee returns to a pc that does not exist.
  const insns = assembleVerifierSyntax(['r0 = 0', 'goto <call>', '<f>:', 'r0 = 1', 'exit', '<call>:', 'call <f>'].join('\n'));
  const r = analyse(insns, bind, windowsPlatform, [hashMap, progArray]);
  assert.equal(r.ok, false);
  assert.equal(r.errors[0]!.pc, 4);
  assert.match(r.errors[0]!.message, /the local call at pc 4 is the program's last instruction/);
});

test('lddw of a map value address (global variables) gives a pointer into an array map\'s value, checked like any', () => {
  const array: MapDescriptor = { type: windowsPlatform.mapTypes.find((m) => m.isArray && !m.perCpu && m.valueKind === 'data')!.id, keySize: 4, valueSize: 16 };
  const run = (source: string, maps: MapDescriptor[] = [array]) => analyse(assembleVerifierSyntax(source), bind, windowsPlatform, maps);
  assert.deepEqual(run('r1 = map_val(1) + 8\nr2 = *(u64 *)(r1 + 0)\n*(u32 *)(r1 + 4) = r2\nr0 = 0\nexit').errors, []);
  assert.deepEqual(run('r1 = mva(map_by_idx(0)) + 12\nr0 = *(u32 *)(r1 + 0)\nr0 = 0\nexit').errors, []);
  assert.match(run('r1 = map_val(1) + 12\nr0 = *(u64 *)(r1 + 0)\nexit').errors[0]!.message, /read of 8 bytes at r1\+0 \(map value offset 12\) is outside its 16 bytes/);
  assert.match(run('r1 = map_val(1) + 0\nexit', [hashMap]).errors[0]!.message, /lddw of a value address needs an array map, but map 0 is hash/);
  assert.match(run('r1 = map_val(2) + 0\nexit').errors[0]!.message, /lddw refers to map 1, but the program has 1 map/);
  // A map by index is the map of that index in the object, as a map fd is.
  assert.deepEqual(run('r1 = map_by_idx(0)\nr2 = r10\nr2 += -4\nr3 = 0\n*(u32 *)(r10 - 4) = r3\ncall 1\nr0 = 0\nexit').errors, []);
});

test('LD_ABS/LD_IND: refused on this platform; where allowed, read through r6 = the context, r0 the bytes, r1-r5 gone', () => {
  const run = (source: string, type = bind) => analyse(assembleVerifierSyntax(source), type, windowsPlatform, [], { legacyPacketAccess: true, recordStates: true });
  const abs = ['r6 = r1', 'r0 = *(u16 *)skb[12]', 'r7 = 5', 'r0 = *(u8 *)skb[r7 + 1]', 'r0 = 0', 'exit'].join('\n');
  assert.match(analyse(assembleVerifierSyntax(abs), bind, windowsPlatform, []).errors[0]!.message, /legacy packet access \(LD_ABS\/LD_IND\) is not supported on windows/);
  const r = run(abs);
  assert.deepEqual(r.errors, []);
  assert.ok(r.states![2]!.includes('r0.svalue=[0, 65535]'), r.states![2]!.join(' '));
  assert.match(run(['r0 = *(u8 *)skb[0]', 'r0 = 0', 'exit'].join('\n')).errors[0]!.message, /r6 is read before it is written/);
  assert.match(run(['r6 = r1', 'r0 = *(u8 *)skb[0]', 'r0 = r1', 'exit'].join('\n')).errors[0]!.message, /r1 is read before it is written/);
  // An out-of-bounds read ends the program with 0, which is not an XDP verdict.
  assert.match(run(['r6 = r1', 'r0 = *(u8 *)skb[0]', 'r0 = 1', 'exit'].join('\n'), windowsPlatform.programTypeByName('xdp')!).errors[0]!.message, /ends the program with r0 = 0, which is not a return value of xdp programs \(1 to 4\)/);
});

test('x & mask that keeps every bit x may have is x: a loop bounded through an 8-bit AND is proven, a bound past the mask is not', () => {
  const loop = (cap: number) => ['r1 = *(u32 *)(r1 + 44)', `if r1 > ${cap} goto <out>`, 'r0 = 0', '<loop>:', 'r2 = r0', 'r2 &= 255', 'if r1 > r2 goto <body>', 'goto <out>', '<body>:', 'r0 += 1', 'goto <loop>', '<out>:', 'r0 = 0', 'exit'].join('\n');
  const r = accepted(loop(100));
  assert.ok(r.loopBound! <= 101, `bound ${r.loopBound}`);
  // r1 up to 300: once r0 reaches 256, r0 & 255 wraps to 0 and the loop never ends.
  const refused = verify(loop(300));
  assert.equal(refused.ok, false);
  assert.match(refused.errors[0]!.message, /is not proven to terminate/);
});

test('an unsigned comparison of two numbers of unknown sign is kept as a relation, across a local call', () => {
  const program = ['r6 = *(u64 *)(r1 + 16)', 'r7 = *(u64 *)(r1 + 24)', 'if r7 <= r6 goto <out>', 'call <f>', 'if r6 < r7 goto <out>',
    'r0 = r5', 'exit', '<out>:', 'r0 = 0', 'exit', '<f>:', 'r0 = 0', 'exit'];
  // r6 < r7 (unsigned) holds after the call, so the path that reads r5 (nothing) is never taken.
  accepted(program.join('\n'));
  rejectedAt(program.join('\n').replace('if r6 < r7', 'if r6 s< r7'), 5, /r5 is read before it is written/);
});

test('a lookup in a map of maps gives an inner map (after a null check), used as its template says', () => {
  const type = (f: (m: (typeof windowsPlatform.mapTypes)[number]) => boolean) => windowsPlatform.mapTypes.find(f)!.id;
  const inner: MapDescriptor = { type: type((m) => m.isArray && !m.perCpu && m.valueKind === 'data'), keySize: 4, valueSize: 8 };
  const outer: MapDescriptor = { type: type((m) => m.isMapOfMaps && m.isArray), keySize: 4, valueSize: 4, inner };
  const run = (source: string, maps: MapDescriptor[] = [outer]) => analyse(assembleVerifierSyntax(source), bind, windowsPlatform, maps);
  const key = ['r1 = 0', '*(u32 *)(r10 - 4) = r1', 'r2 = r10', 'r2 += -4'];
  const outerLookup = [...key, 'r1 = map_fd 1', 'call 1', 'if r0 == 0 goto <out>'];
  const out = ['<out>:', 'r0 = 0', 'exit'];
  assert.deepEqual(run([...outerLookup, 'r1 = r0', ...key.slice(2), 'call 1', 'if r0 == 0 goto <out>', 'r1 = *(u64 *)(r0 + 0)', ...out].join('\n')).errors, []);
  assert.match(run([...outerLookup, 'r1 = r0', ...key.slice(2), 'call 1', 'if r0 == 0 goto <out>', 'r1 = *(u64 *)(r0 + 4)', ...out].join('\n')).errors[0]!.message, /outside its 8 bytes/);
  assert.match(run([...outerLookup, 'r1 = *(u32 *)(r0 + 0)', ...out].join('\n')).errors[0]!.message, /cannot read through r0, which holds a map/);
  assert.match(run([...key, 'r1 = map_fd 1', 'call 1', 'r1 = r0', ...key.slice(2), 'call 1', ...out].join('\n')).errors[0]!.message, /must be a map, but it holds an inner map that may be null/);
  assert.match(run([...outerLookup, ...out].join('\n'), [{ ...outer, inner: undefined }]).errors[0]!.message, /map 0 is a map of maps without an inner map template/);
  // Inner templates cannot be named by an lddw: only the object's maps can.
  assert.match(run('r1 = map_fd 2\nr0 = 0\nexit').errors[0]!.message, /lddw refers to map 1, but the program has 1 map/);
});
