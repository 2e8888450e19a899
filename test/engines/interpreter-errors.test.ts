import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble } from '../../src/asm/index.ts';
import { ExecutionError } from '../../src/engines/engine.ts';
import { interpret } from '../../src/engines/interpreter/interpreter.ts';
import { InvalidProgramError } from '../../src/isa/validate.ts';
import { Arena } from '../../src/runtime/arena.ts';

const environment = () => ({ arena: new Arena(), helper: (id: number) => (id === 1 ? (r1: bigint) => r1 + 1n : undefined) });
const run = (source: string, r1 = 0n) => interpret(assemble(source), environment(), r1);
const fails = (source: string, code: string, pattern: RegExp) =>
  assert.throws(() => run(source), (e: unknown) => e instanceof ExecutionError && e.code === code && pattern.test(e.message));

test('a load from outside the arena is an OUT_OF_BOUNDS error naming the pc and the instruction', () => {
  fails('mov %r1, 0\nldxw %r0, [%r1+8]\nexit', 'OUT_OF_BOUNDS', /^pc 1: read of 4 bytes at 0x8 is outside the arena: ldxw %r0, \[%r1\+8\]/);
  fails('lddw %r1, 0x7fffffff00\nstxdw [%r1+0], %r1\nexit', 'OUT_OF_BOUNDS', /^pc 2: write of 8 bytes/);
});

test('the stack is usable: 512 bytes below r10 in each frame', () => {
  assert.equal(run('mov %r1, 7\nstxdw [%r10-512], %r1\nldxdw %r0, [%r10-512]\nexit'), 7n);
});

test('an unknown helper is an UNKNOWN_HELPER error', () => {
  fails('call 99\nexit', 'UNKNOWN_HELPER', /^pc 0: no helper with id 99/);
  assert.equal(run('mov %r1, 41\ncall 1\nexit'), 42n);
});

test('local calls preserve r6-r9, get their own frame, and are limited to 8 frames', () => {
  const program = [
    'mov %r6, 1', 'mov %r1, 5', 'stxdw [%r10-8], %r6', 'call local f', 'add %r0, %r6', 'ldxdw %r2, [%r10-8]', 'add %r0, %r2', 'exit',
    'f:', 'mov %r6, 100', 'mov %r3, 9', 'stxdw [%r10-8], %r3', 'mov %r0, %r1', 'exit',
  ].join('\n');
  assert.equal(run(program), 5n + 1n + 1n);
  fails('call local f\nexit\nf:\ncall local f\nexit', 'CALL_DEPTH', /call depth exceeds 8 frames/);
});

test('a structurally invalid program is refused before it runs', () => {
  assert.throws(() => interpret([{ opcode: 0x07, dst: 0, src: 1, offset: 0, imm: 0 }, { opcode: 0x95, dst: 0, src: 0, offset: 0, imm: 0 }], environment()), InvalidProgramError);
});

test('an endless loop in a raw program stops at the loop limit when one is set', () => {
  assert.throws(() => interpret(assemble('l:\nja l\nexit'), environment(), 0n, { loopLimit: 1000 }), (e: unknown) => e instanceof ExecutionError && e.code === 'INSTRUCTION_LIMIT');
});

test('checked mode shows every access to the caller, who may refuse it', () => {
  const seen: string[] = [];
  const check = (address: number, size: number, write: boolean) => {
    seen.push(`${write ? 'w' : 'r'}${size}`);
    if (size === 1) throw new Error(`byte access at ${address} refused`);
  };
  const arena = new Arena();
  interpret(assemble('stxdw [%r10-8], %r1\nldxw %r0, [%r10-8]\nexit'), { arena, helper: () => undefined }, 0n, { memoryCheck: check });
  assert.deepEqual(seen, ['w8', 'r4']);
  assert.throws(() => interpret(assemble('ldxb %r0, [%r10-8]\nexit'), { arena, helper: () => undefined }, 0n, { memoryCheck: check }), /byte access/);
});
