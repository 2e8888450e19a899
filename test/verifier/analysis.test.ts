import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { assembleVerifierSyntax } from '../../src/asm/index.ts';
import { openObjectFile } from '../../src/object/index.ts';
import { windowsPlatform } from '../../src/platform/index.ts';
import { analyse, type MapDescriptor } from '../../src/verifier/analysis.ts';
import { compileTestProgram } from '../support/compile.ts';
import { repoRoot } from '../support/paths.ts';

const bind = windowsPlatform.programTypeByName('bind')!;
const xdp = windowsPlatform.programTypeByName('xdp')!;
const hashMap: MapDescriptor = { type: 1, keySize: 4, valueSize: 8 };

async function verifyExample(file: string) {
  const object = await openObjectFile(await compileTestProgram(join(repoRoot, 'examples', file)));
  return object.programs.map((p) => {
    const type = windowsPlatform.programTypeById(windowsPlatform.sectionInfo(p.section)!.programType)!;
    return { name: p.name, result: analyse(p.instructions, type, windowsPlatform, object.maps) };
  });
}

test('the canonical example is accepted: the memcpy length is proven against both the buffer and the app id', async () => {
  const [trace] = await verifyExample('TraceConnections.c');
  assert.deepEqual(trace!.result.errors, []);
});

test('every example program is accepted', async () => {
  for (const file of readdirSync(join(repoRoot, 'examples')).filter((f) => f.endsWith('.c'))) {
    for (const { name, result } of await verifyExample(file)) assert.deepEqual(result.errors, [], `${file} ${name}`);
  }
});

/** Verifies verifier-syntax text as a program of `type` with one hash map (key 4, value 8). */
const verify = (source: string, type = bind) => analyse(assembleVerifierSyntax(source), type, windowsPlatform, [hashMap]);
const rejectedAt = (source: string, pc: number, pattern: RegExp, type = bind) => {
  const result = verify(source, type);
  assert.equal(result.ok, false, `accepted:\n${source}`);
  assert.equal(result.errors[0]!.pc, pc, result.errors[0]!.message);
  assert.match(result.errors[0]!.message, pattern);
};
const lookup = ['r1 = 0', '*(u32 *)(r10 - 4) = r1', 'r2 = r10', 'r2 += -4', 'r1 = map_fd 1', 'call 1'];

test('a map value used without a null check is rejected at the use', () => {
  rejectedAt([...lookup, 'r0 = *(u64 *)(r0 + 0)', 'exit'].join('\n'), 7, /r0 may be null: compare it with 0 before the access \(result of bpf_map_lookup_elem at pc 6\)/);
  assert.equal(verify([...lookup, 'if r0 == 0 goto <out>', 'r1 = *(u64 *)(r0 + 0)', '<out>:', 'r0 = 0', 'exit'].join('\n')).ok, true);
});

test('a map value read past value_size is rejected', () => {
  rejectedAt([...lookup, 'if r0 == 0 goto <out>', 'r1 = *(u64 *)(r0 + 4)', '<out>:', 'r0 = 0', 'exit'].join('\n'), 8, /outside its 8 bytes/);
});

test('uninitialised registers and stack bytes are never read', () => {
  rejectedAt('r0 = r2\nexit', 0, /r2 is read before it is written/);
  rejectedAt('r0 = *(u64 *)(r10 - 8)\nexit', 0, /not initialized/);
  rejectedAt('r1 = map_fd 1\nr2 = r10\nr2 += -4\ncall 1\nr0 = 0\nexit', 4, /not initialized/);
  rejectedAt('exit', 0, /r0 must hold a number at exit/);
});

test('stack accesses stay inside the 512-byte frame, and r10 cannot be written', () => {
  rejectedAt('r1 = 0\n*(u64 *)(r10 - 520) = r1\nr0 = 0\nexit', 1, /outside the 512-byte stack frame/);
  rejectedAt('r1 = 0\n*(u64 *)(r10 + 0) = r1\nr0 = 0\nexit', 1, /outside the 512-byte stack frame/);
  rejectedAt('r10 = 0\nexit', 0, /read-only/);
});

test('context reads stay inside the context, and read-only fields are not written', () => {
  rejectedAt('r0 = *(u64 *)(r1 + 56)\nexit', 0, /outside its 56 bytes/);
  rejectedAt('r2 = 1\n*(u64 *)(r1 + 16) = r2\nr0 = 0\nexit', 1, /read-only for bind programs/);
  assert.equal(verify('r2 = 1\n*(u8 *)(r1 + 24) = r2\nr0 = 0\nexit').ok, true, 'socket_address is writable');
});

test('packet reads need a comparison with data_end first', () => {
  const base = ['r2 = *(u64 *)(r1 + 0)', 'r3 = *(u64 *)(r1 + 8)'];
  rejectedAt([...base, 'r0 = *(u8 *)(r2 + 0)', 'exit'].join('\n'), 2, /not proven to be inside the data/, xdp);
  const checked = [...base, 'r4 = r2', 'r4 += 14', 'if r4 > r3 goto <out>', 'r0 = *(u16 *)(r2 + 12)', 'r0 = 2', 'exit', '<out>:', 'r0 = 1', 'exit'].join('\n');
  assert.equal(verify(checked, xdp).ok, true);
  rejectedAt(checked.replace('(r2 + 12)', '(r2 + 13)'), 5, /packet read of 2 bytes at r2\+13 is not proven to be inside the data .*proven size at least 14 bytes/, xdp);
});

test('helper sizes are proven against their buffers', () => {
  const buffer = ['r1 = r10', 'r1 += -16', 'r2 = 16', 'r3 = 0', 'call 24', 'r0 = 0', 'exit'];
  assert.equal(verify(buffer.join('\n')).ok, true);
  rejectedAt(buffer.join('\n').replace('r2 = 16', 'r2 = 17'), 4, /outside the 512-byte stack frame/);
  rejectedAt(['r6 = r1', 'r1 = r10', 'r1 += -16', 'r2 = *(u32 *)(r6 + 16)', 'r3 = 0', 'call 24', 'r0 = 0', 'exit'].join('\n'), 5, /has no upper bound/);
  rejectedAt(['r1 = r10', 'r1 += -16', 'r2 = *(u32 *)(r10 - 600)', 'exit'].join('\n'), 2, /outside the 512-byte stack frame/);
});

test('a key shorter than the map key is rejected', () => {
  rejectedAt(['r1 = 0', '*(u16 *)(r10 - 2) = r1', 'r2 = r10', 'r2 += -2', 'r1 = map_fd 1', 'call 1', 'r0 = 0', 'exit'].join('\n'), 6, /outside the 512-byte stack frame/);
});

test('a loop without an exit is refused, naming the loop', () => {
  rejectedAt('r0 = 0\n<l>:\nr0 += 1\ngoto <l>', 1, /the loop at pc 1 \(back from pc 2\) never ends/, bind);
});

test('after bpf_xdp_adjust_head, packet pointers must be reloaded and checked again', () => {
  const program = ['r6 = r1', 'r2 = *(u64 *)(r6 + 0)', 'r3 = *(u64 *)(r6 + 8)', 'r4 = r2', 'r4 += 4', 'if r4 > r3 goto <out>',
    'r1 = r6', 'r2 = 0', 'call 65536', 'r2 = *(u64 *)(r6 + 0)', 'r0 = *(u8 *)(r2 + 0)', 'exit', '<out>:', 'r0 = 1', 'exit'];
  rejectedAt(program.join('\n'), 10, /not proven to be inside the data/, xdp);
});

test('a loop over the packet\'s bytes, bounded by its length, reads each byte within the data', () => {
  const loop = (exitTest: string) => ['r6 = *(u64 *)(r1 + 0)', 'r7 = *(u64 *)(r1 + 8)', 'r8 = r7', 'r8 -= r6', 'r3 = 0', '<loop>:', `${exitTest} goto <out>`,
    'r4 = r6', 'r4 += r3', 'r5 = *(u8 *)(r4 + 0)', 'r3 += 1', 'goto <loop>', '<out>:', 'r0 = 1', 'exit'].join('\n');
  const ok = verify(loop('if r3 >= r8'), xdp);
  assert.deepEqual(ok.errors, []);
  assert.ok(ok.loopBound! <= 65536, `bound ${ok.loopBound}`);
  rejectedAt(loop('if r3 > r8'), 8, /packet read of 1 bytes at r4\+0 is not proven to be inside the data/, xdp);
});
