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
