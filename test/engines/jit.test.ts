import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { assemble } from '../../src/asm/index.ts';
import { runConformanceSuite } from '../../src/conformance/suite.ts';
import { ExecutionError } from '../../src/engines/engine.ts';
import { engineByName } from '../../src/engines/index.ts';
import { createInterpreter } from '../../src/engines/interpreter/interpreter.ts';
import { createJit, JitError } from '../../src/engines/jit/index.ts';
import { randomProgram } from '../../src/engines/random-programs.ts';
import { seededRandom } from '../../src/object/mutate.ts';
import { Arena } from '../../src/runtime/arena.ts';
import { sharedData } from '../support/paths.ts';

const environment = () => ({ arena: new Arena(), helper: (id: number) => (id === 1 ? (r1: bigint) => r1 * 2n : undefined) });
const runJit = (source: string) => createJit().prepare({ name: 't', instructions: assemble(source) }, environment()).run(0n);

test('the JIT passes all 313 conformance programs', () => {
  const { positive, negative } = runConformanceSuite(join(sharedData, 'conformance'), engineByName('jit'));
  assert.deepEqual([...positive, ...negative].filter((o) => !o.passed).map((o) => `${o.name}: ${o.detail}`), []);
  assert.equal(positive.length, 313);
});

test('thousands of random programs give the same result under the JIT and the interpreter', () => {
  const random = seededRandom(0x11f);
  const interpreter = createInterpreter();
  const jit = createJit();
  for (let i = 0; i < 2000; i++) {
    const source = randomProgram(random);
    const instructions = assemble(source);
    const expected = interpreter.prepare({ name: 'r', instructions }, environment()).run(0n);
    const actual = jit.prepare({ name: 'r', instructions }, environment()).run(0n);
    assert.equal(actual, expected, `program ${i} differs:\n${source}`);
  }
});

test('helpers are called with r1-r5 and their result lands in r0', () => {
  assert.equal(runJit('mov %r1, 21\ncall 1\nexit'), 42n);
  assert.throws(() => runJit('call 77\nexit'), (e: unknown) => e instanceof ExecutionError && e.code === 'UNKNOWN_HELPER' && e.pc === 0);
});

test('faults carry the pc: out-of-arena access, call depth', () => {
  assert.throws(() => runJit('mov %r1, 8\nldxw %r0, [%r1+0]\nexit'), (e: unknown) => e instanceof ExecutionError && e.code === 'OUT_OF_BOUNDS' && e.pc === 1);
  assert.throws(() => runJit('call local f\nexit\nf:\ncall local f\nexit'), (e: unknown) => e instanceof ExecutionError && e.code === 'CALL_DEPTH');
});

test('division by zero and INT64_MIN / -1 follow eBPF, never a wasm trap', () => {
  assert.equal(runJit('mov %r0, 5\nmov %r1, 0\ndiv %r0, %r1\nexit'), 0n);
  assert.equal(runJit('mov %r0, 5\nmov %r1, 0\nmod %r0, %r1\nexit'), 5n);
  assert.equal(runJit('lddw %r0, 0x8000000000000000\nmov %r1, -1\nsdiv %r0, %r1\nexit'), 0x8000000000000000n);
  assert.equal(runJit('lddw %r0, 0x8000000000000000\nmov %r1, -1\nsmod %r0, %r1\nexit'), 0n);
});

test('irreducible control flow is refused with the pc, never run half-compiled', () => {
  assert.equal(runJit('mov %r0, 0\na:\nadd %r0, 3\njlt %r0, 10, a\nexit'), 12n);
  // The loop {a, b} can be entered at a (falling from pc 0) or at b (the jump at pc 0): two heads.
  const irreducible = 'jeq %r1, 0, b\na:\nadd %r0, 1\nb:\nadd %r0, 2\njlt %r0, 10, a\nexit';
  assert.throws(() => createJit().prepare({ name: 'i', instructions: assemble(irreducible) }, environment()), (e: unknown) => e instanceof JitError && e.code === 'IRREDUCIBLE');
});

test('shifts by any amount are masked as eBPF masks them (64 and 32 bits, amounts from a register), never a trap', () => {
  const x = 0x8123456789abcdefn;
  for (const amount of [0, 1, 7, 31, 32, 33, 63, 64, 65, 127, 255, -1, -32, 0x7fffffff]) {
    for (const [op, fn] of [['lsh', (v: bigint, n: bigint) => v << n], ['rsh', (v: bigint, n: bigint) => v >> n], ['arsh', (v: bigint, n: bigint, w: number) => BigInt.asIntN(w, v) >> n]] as const) {
      for (const width of [64, 32]) {
        const n = BigInt(amount & (width - 1));
        const input = BigInt.asUintN(width, x);
        const expected = BigInt.asUintN(width, fn(input, n, width));
        const mnemonic = width === 64 ? op : `${op}32`;
        const byRegister = `lddw %r0, ${x}\nlddw %r1, ${BigInt.asUintN(64, BigInt(amount))}\n${mnemonic} %r0, %r1\nexit`;
        assert.equal(runJit(byRegister), expected, `${mnemonic} by register ${amount}`);
        const interpreted = createInterpreter().prepare({ name: 's', instructions: assemble(byRegister) }, environment()).run(0n);
        assert.equal(interpreted, expected, `interpreter ${mnemonic} ${amount}`);
      }
    }
  }
});

test('gotol (JMP32 | JA, target in imm) jumps forward and backward, in loops too', () => {
  assert.equal(runJit('mov %r0, 0\nja32 b\na:\nadd %r0, 1\nexit\nb:\nadd %r0, 10\nja32 a'), 11n);
  assert.equal(runJit('mov %r0, 0\nmov %r1, 5\nloop:\nadd %r0, 3\nsub %r1, 1\njeq %r1, 0, out\nja32 loop\nout:\nexit'), 15n);
});

test('local calls run as wasm functions with their own 512-byte frame: the caller\'s stack and r6-r9 survive', () => {
  const source = [
    'mov %r6, 66', 'stdw [%r10-8], 1', 'mov %r1, %r10', 'call local f',
    // r0 = callee's r10 distance below ours; the caller's slot and r6 are intact.
    'mov %r2, %r10', 'sub %r2, %r0', 'ldxdw %r3, [%r10-8]', 'mul %r2, 1000', 'add %r2, %r3', 'mul %r6, 1000000', 'add %r2, %r6', 'mov %r0, %r2', 'exit',
    'f:', 'stdw [%r10-8], 99', 'mov %r6, 7', 'mov %r0, %r10', 'exit',
  ].join('\n');
  assert.equal(runJit(source), 66n * 1000000n + 512n * 1000n + 1n);
});

test('a tail call (helper 5 returning 0) ends the program at once with r0 = 0, from a local call too', () => {
  const helpers = (id: number) => (id === 5 ? () => 0n : id === 6 ? () => 1n : undefined);
  const run = (source: string) => createJit({ checked: false }).prepare({ name: 't', instructions: assemble(source) }, { arena: new Arena(), helper: helpers }).run(0n);
  assert.equal(run('call 5\nmov %r0, 42\nexit'), 0n);
  assert.equal(run('call local f\nmov %r0, 42\nexit\nf:\ncall 5\nmov %r0, 7\nexit'), 0n);
  // A failed tail call (non-zero) continues.
  assert.equal(run('call 6\nmov %r0, 42\nexit'), 42n);
});

test('a loop limit stops an endless loop where the interpreter stops it (same pc, same count)', () => {
  for (const source of ['mov %r0, 0\na:\nadd %r0, 1\nja a', 'mov %r0, 0\nja b\na:\nadd %r0, 1\nexit\nb:\njne %r0, 1, b2\nexit\nb2:\nja32 a', 'f:\ncall local g\nexit\ng:\nja g']) {
    const fault = (engine: ReturnType<typeof createJit>) => {
      try {
        engine.prepare({ name: 'l', instructions: assemble(source) }, environment()).run(0n);
        return 'ran';
      } catch (error) {
        return `${(error as ExecutionError).code} at ${(error as ExecutionError).pc}`;
      }
    };
    const jit = fault(createJit({ loopLimit: 1000 }));
    assert.equal(jit, fault(createInterpreter({ loopLimit: 1000 })), source);
    if (!source.includes('exit\nb:')) assert.match(jit, /^INSTRUCTION_LIMIT/);
  }
});
