import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Arena, ArenaError, NULL_GUARD, ProgramStack, STACK_FRAME_SIZE, STACK_SIZE } from '../../src/runtime/arena.ts';

test('no block is ever handed out below the null guard', () => {
  const arena = new Arena();
  for (let i = 0; i < 100; i++) assert.ok(arena.alloc(1 + i) >= NULL_GUARD);
});

test('blocks are 16-byte aligned, zeroed and disjoint', () => {
  const arena = new Arena();
  const blocks = [3, 16, 17, 100, 4096, 70000].map((n) => ({ addr: arena.alloc(n), n }));
  for (const { addr, n } of blocks) {
    assert.equal(addr % 16, 0);
    assert.ok(arena.bytes.subarray(addr, addr + n).every((b) => b === 0));
    arena.bytes.fill(0xff, addr, addr + n);
  }
  const sorted = [...blocks].sort((a, b) => a.addr - b.addr);
  for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i - 1]!.addr + sorted[i - 1]!.n <= sorted[i]!.addr);
});

test('a freed block is reused, and comes back zeroed', () => {
  const arena = new Arena();
  const a = arena.alloc(40);
  arena.bytes.fill(7, a, a + 40);
  arena.free(a);
  const b = arena.alloc(33);
  assert.equal(b, a);
  assert.ok(arena.bytes.subarray(b, b + 33).every((x) => x === 0));
});

test('the arena grows past its initial size and views follow it', () => {
  const arena = new Arena({ initialPages: 1 });
  const before = arena.size;
  const addr = arena.alloc(1 << 20);
  assert.ok(arena.size > before);
  arena.view.setUint32(addr + (1 << 20) - 4, 0xdeadbeef, true);
  assert.equal(arena.view.getUint32(addr + (1 << 20) - 4, true), 0xdeadbeef);
});

test('bad sizes, double frees and exhaustion are typed errors', () => {
  const arena = new Arena({ initialPages: 1, maximumPages: 2 });
  assert.throws(() => arena.alloc(-1), (e: unknown) => e instanceof ArenaError && e.code === 'ARENA_BAD_SIZE');
  const a = arena.alloc(8);
  arena.free(a);
  assert.throws(() => arena.free(a), (e: unknown) => e instanceof ArenaError && e.code === 'ARENA_BAD_FREE');
  assert.throws(() => arena.alloc(1 << 20), (e: unknown) => e instanceof ArenaError && e.code === 'ARENA_EXHAUSTED');
});

test('contains() accepts exactly the bytes inside the arena above the guard', () => {
  const arena = new Arena({ initialPages: 1 });
  assert.equal(arena.contains(0, 1), false);
  assert.equal(arena.contains(NULL_GUARD - 1, 1), false);
  assert.equal(arena.contains(NULL_GUARD, 8), true);
  assert.equal(arena.contains(arena.size - 8, 8), true);
  assert.equal(arena.contains(arena.size - 7, 8), false);
});

test('a program stack has eight 512-byte frames, frame 0 at the top', () => {
  const arena = new Arena();
  const stack = new ProgramStack(arena);
  assert.equal(stack.frameTop(0), stack.base + STACK_SIZE);
  assert.equal(stack.frameTop(1), stack.frameTop(0) - STACK_FRAME_SIZE);
  assert.equal(stack.frameTop(7) - STACK_FRAME_SIZE, stack.base);
  stack.release();
  assert.equal(arena.blockSize(stack.base), undefined);
});
