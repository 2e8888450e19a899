// The scalar domain over-approximates: for members x of A and y of B, op(x, y) is a member of op(A, B).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../src/object/mutate.ts';
import { Scalar } from '../../src/verifier/scalar.ts';

const U64 = (1n << 64n) - 1n;
const u64 = (x: bigint) => x & U64;
const s64 = (x: bigint) => BigInt.asIntN(64, x);

const random = seededRandom(0x5ca1a7);
const EDGES = [0n, 1n, 2n, 31n, 32n, 63n, 64n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 1n << 32n, (1n << 63n) - 1n, 1n << 63n, U64, U64 - 1n];

function randomValue(): bigint {
  const r = random();
  if (r < 0.3) return EDGES[Math.floor(random() * EDGES.length)]!;
  if (r < 0.6) return BigInt(Math.floor(random() * 4096));
  if (r < 0.7) return u64(-BigInt(Math.floor(random() * 4096)));
  return (BigInt(Math.floor(random() * 2 ** 32)) << 32n) | BigInt(Math.floor(random() * 2 ** 32));
}

/** A few concrete members and the scalar that joins them (or a range built directly). */
function randomAbstract(): { members: bigint[]; scalar: Scalar } {
  const members = Array.from({ length: 1 + Math.floor(random() * 4) }, randomValue);
  if (random() < 0.3) {
    const [a, b] = [members[0]!, members[members.length - 1]!].sort((x, y) => (x < y ? -1 : 1));
    const inside = [a!, b!, a! + (b! - a!) / 2n];
    return { members: inside, scalar: Scalar.unsignedRange(a!, b!) };
  }
  return { members, scalar: members.map(Scalar.constant).reduce((x, y) => x.join(y)) };
}

const OPERATIONS: [string, (a: Scalar, b: Scalar) => Scalar, (x: bigint, y: bigint) => bigint][] = [
  ['add', (a, b) => a.add(b), (x, y) => u64(x + y)],
  ['sub', (a, b) => a.sub(b), (x, y) => u64(x - y)],
  ['mul', (a, b) => a.mul(b), (x, y) => u64(x * y)],
  ['and', (a, b) => a.and(b), (x, y) => x & y],
  ['or', (a, b) => a.or(b), (x, y) => x | y],
  ['xor', (a, b) => a.xor(b), (x, y) => x ^ y],
  ['lsh', (a, b) => a.lsh(b), (x, y) => u64(x << (y & 63n))],
  ['rsh', (a, b) => a.rsh(b), (x, y) => x >> (y & 63n)],
  ['arsh', (a, b) => a.arsh(b), (x, y) => u64(s64(x) >> (y & 63n))],
  ['div', (a, b) => a.div(b), (x, y) => (y === 0n ? 0n : x / y)],
  ['mod', (a, b) => a.mod(b), (x, y) => (y === 0n ? x : x % y)],
];

test('every transfer function contains the concrete results of its members', () => {
  for (const [name, abstract, concrete] of OPERATIONS) {
    for (let round = 0; round < 3000; round++) {
      const a = randomAbstract();
      const b = randomAbstract();
      const result = abstract(a.scalar, b.scalar);
      for (const x of a.members) {
        assert.ok(a.scalar.contains(x), `${a.scalar} should contain ${x}`);
        for (const y of b.members) {
          const r = concrete(x, y);
          assert.ok(result.contains(r), `${name}: ${x} op ${y} = ${r} escapes ${result} (from ${a.scalar} and ${b.scalar})`);
        }
      }
    }
  }
});

test('negation and 32-bit truncation contain their members', () => {
  for (let round = 0; round < 5000; round++) {
    const a = randomAbstract();
    const neg = a.scalar.neg();
    const low = a.scalar.truncate32();
    for (const x of a.members) {
      assert.ok(neg.contains(u64(-x)), `neg ${x} escapes ${neg}`);
      assert.ok(low.contains(x & 0xffffffffn), `trunc ${x} escapes ${low}`);
    }
  }
});

test('branch refinement keeps every member for which the comparison holds, and empties impossible branches', () => {
  const compare = { lt: (x: bigint, y: bigint) => x < y, le: (x: bigint, y: bigint) => x <= y, gt: (x: bigint, y: bigint) => x > y, ge: (x: bigint, y: bigint) => x >= y, slt: (x: bigint, y: bigint) => s64(x) < s64(y), sle: (x: bigint, y: bigint) => s64(x) <= s64(y), sgt: (x: bigint, y: bigint) => s64(x) > s64(y), sge: (x: bigint, y: bigint) => s64(x) >= s64(y), eq: (x: bigint, y: bigint) => x === y };
  for (const [op, holds] of Object.entries(compare) as [keyof typeof compare, (x: bigint, y: bigint) => boolean][]) {
    for (let round = 0; round < 3000; round++) {
      const a = randomAbstract();
      const b = randomAbstract();
      const refined = a.scalar.refine(op, b.scalar);
      for (const x of a.members) for (const y of b.members) if (holds(x, y)) assert.ok(!refined.isEmpty && refined.contains(x), `${op}: ${x} vs ${y} lost by ${refined}`);
    }
  }
  assert.ok(Scalar.constant(5n).refine('lt', Scalar.constant(5n)).isEmpty);
  assert.equal(Scalar.unsignedRange(0n, 100n).refine('le', Scalar.constant(32n)).umax, 32n);
});

test('constants stay exact through arithmetic', () => {
  assert.equal(Scalar.constant(40n).add(Scalar.constant(2n)).constantValue, 42n);
  assert.equal(Scalar.constant(0xff00n).and(Scalar.constant(0x0ff0n)).constantValue, 0x0f00n);
  assert.equal(Scalar.constant(1n).lsh(Scalar.constant(65n)).constantValue, 2n);
  assert.equal(Scalar.constant(-8n).arsh(Scalar.constant(1n)).constantValue, u64(-4n));
});

test('32-bit comparisons refine the low half whatever the upper half holds, and keep every member for which they hold', () => {
  const low = (x: bigint) => x & 0xffffffffn;
  const slow = (x: bigint) => BigInt.asIntN(32, low(x));
  const compare = { lt: (x: bigint, y: bigint) => low(x) < low(y), le: (x: bigint, y: bigint) => low(x) <= low(y), gt: (x: bigint, y: bigint) => low(x) > low(y), ge: (x: bigint, y: bigint) => low(x) >= low(y), slt: (x: bigint, y: bigint) => slow(x) < slow(y), sge: (x: bigint, y: bigint) => slow(x) >= slow(y), eq: (x: bigint, y: bigint) => low(x) === low(y) };
  for (const [op, holds] of Object.entries(compare) as [keyof typeof compare, (x: bigint, y: bigint) => boolean][]) {
    const signed = op === 'slt' || op === 'sge';
    for (let round = 0; round < 3000; round++) {
      const a = randomAbstract();
      const b = randomAbstract();
      const la = signed ? a.scalar.signExtend32() : a.scalar.truncate32();
      const lb = signed ? b.scalar.signExtend32() : b.scalar.truncate32();
      const refined = a.scalar.refineLow32(la.refine(op, lb));
      for (const x of a.members) {
        assert.ok(la.contains(signed ? u64(slow(x)) : low(x)), `low half of ${x} escapes ${la}`);
        for (const y of b.members) if (holds(x, y)) assert.ok(!refined.isEmpty && refined.contains(x), `${op}32: ${x} vs ${y} lost by ${refined}`);
      }
    }
  }
  // A number with an unknown upper half, compared on its low half: the zero-extended result keeps the bound.
  const index = Scalar.unknown().refineLow32(Scalar.unknown().truncate32().refine('le', Scalar.constant(7n)));
  assert.equal(index.truncate32().umax, 7n);
  assert.equal(index.umax, 0xffff_ffff_0000_0007n, 'the upper half stays unknown; bits 3-31 are known 0');
  assert.equal(index.signExtend32().smax, 7n);
  assert.ok(Scalar.constant(0x1_0000_0005n).refineLow32(Scalar.unsignedRange(6n, 9n)).isEmpty);
});
