// The scalar domain of the verifier: what is known about a 64-bit number as signed and unsigned ranges,
// signed and unsigned ranges of its low 32 bits (what JMP32 compares and a 32-bit ALU result keeps, known
// even when the upper half is not), plus known bits (a tnum: bits in `mask` are unknown, the others equal
// `value`), kept consistent with each other after every operation, as the Linux verifier does. Every transfer function over-approximates:
// if x is in A and y in B, then op(x, y) is in op(A, B). Tests check exactly that on random members.

const U64 = (1n << 64n) - 1n;
const S64_MIN = -(1n << 63n);
const S64_MAX = (1n << 63n) - 1n;
const u64 = (x: bigint) => x & U64;
const s64 = (x: bigint) => BigInt.asIntN(64, x);
const U32 = 0xffffffffn;
const S32_MIN = -(1n << 31n);
const S32_MAX = (1n << 31n) - 1n;
const max = (a: bigint, b: bigint) => (a > b ? a : b);
const min = (a: bigint, b: bigint) => (a < b ? a : b);

/** Ranges of the low 32 bits read as unsigned and as signed: [u32min, u32max, s32min, s32max]. */
type Bounds32 = readonly [bigint, bigint, bigint, bigint];
const ANY32: Bounds32 = [0n, U32, S32_MIN, S32_MAX];

/** Known bits: bits set in `mask` are unknown, the others equal the bits of `value`. */
export interface Tnum {
  readonly value: bigint;
  readonly mask: bigint;
}

const tnumConst = (v: bigint): Tnum => ({ value: u64(v), mask: 0n });
const TNUM_UNKNOWN: Tnum = { value: 0n, mask: U64 };

/** The tnum of every value in [min, max] (unsigned): the common high bits, the rest unknown. */
function tnumRange(min: bigint, max: bigint): Tnum {
  const chi = min ^ max;
  if (chi === 0n) return tnumConst(min);
  const bits = BigInt(chi.toString(2).length);
  if (bits >= 64n) return TNUM_UNKNOWN;
  const delta = (1n << bits) - 1n;
  return { value: min & ~delta & U64, mask: delta };
}

function tnumAdd(a: Tnum, b: Tnum): Tnum {
  const sm = u64(a.mask + b.mask);
  const sv = u64(a.value + b.value);
  const sigma = u64(sm + sv);
  const chi = sigma ^ sv;
  const mu = chi | a.mask | b.mask;
  return { value: sv & ~mu & U64, mask: mu };
}

function tnumSub(a: Tnum, b: Tnum): Tnum {
  const dv = u64(a.value - b.value);
  const alpha = u64(dv + a.mask);
  const beta = u64(dv - b.mask);
  const chi = alpha ^ beta;
  const mu = chi | a.mask | b.mask;
  return { value: dv & ~mu & U64, mask: mu };
}

const tnumAnd = (a: Tnum, b: Tnum): Tnum => {
  const alpha = a.value | a.mask;
  const beta = b.value | b.mask;
  const v = a.value & b.value;
  return { value: v, mask: alpha & beta & ~v & U64 };
};
const tnumOr = (a: Tnum, b: Tnum): Tnum => {
  const v = a.value | b.value;
  const mu = a.mask | b.mask;
  return { value: v, mask: mu & ~v & U64 };
};
const tnumXor = (a: Tnum, b: Tnum): Tnum => {
  const v = a.value ^ b.value;
  const mu = a.mask | b.mask;
  return { value: v & ~mu & U64, mask: mu };
};

/** Index of the first of the ascending `xs` that is at least v (xs.length when none). */
function firstAtLeast(xs: readonly bigint[], v: bigint): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** What the verifier knows about a scalar. Immutable; operations return new values. */
export class Scalar {
  private constructor(
    readonly smin: bigint,
    readonly smax: bigint,
    readonly umin: bigint,
    readonly umax: bigint,
    readonly tnum: Tnum,
    readonly u32min: bigint = 0n,
    readonly u32max: bigint = U32,
    readonly s32min: bigint = S32_MIN,
    readonly s32max: bigint = S32_MAX,
  ) {}

  /** Exactly `value` (taken modulo 2^64). */
  static constant(value: bigint): Scalar {
    const u = u64(value);
    const low = u & U32;
    return new Scalar(s64(u), s64(u), u, u, tnumConst(u), low, low, BigInt.asIntN(32, low), BigInt.asIntN(32, low));
  }

  /** Any 64-bit value. */
  static unknown(): Scalar {
    return new Scalar(S64_MIN, S64_MAX, 0n, U64, TNUM_UNKNOWN);
  }

  /** The 32-bit bounds as a tuple. */
  private get b32(): Bounds32 {
    return [this.u32min, this.u32max, this.s32min, this.s32max];
  }

  private static empty(tnum: Tnum): Scalar {
    return new Scalar(1n, 0n, 1n, 0n, tnum, 1n, 0n, 1n, 0n);
  }

  /** Any value in the unsigned range [min, max]. */
  static unsignedRange(min: bigint, max: bigint): Scalar {
    return Scalar.make(S64_MIN, S64_MAX, u64(min), u64(max), tnumRange(u64(min), u64(max)));
  }

  /** Any value in the signed range [min, max]. */
  static signedRange(min: bigint, max: bigint): Scalar {
    return Scalar.make(s64(min), s64(max), 0n, U64, TNUM_UNKNOWN);
  }

  /**
   * Builds a value from possibly inconsistent facts and brings them to agreement (reg_bounds_sync): the
   * 64-bit ranges, the known bits and the low half's ranges each narrow the others.
   */
  private static make(smin: bigint, smax: bigint, umin: bigint, umax: bigint, tnum: Tnum, b32: Bounds32 = ANY32, again = true): Scalar {
    // Known bits bound the unsigned range.
    umin = umin > tnum.value ? umin : tnum.value;
    const tmax = tnum.value | tnum.mask;
    umax = umax < tmax ? umax : tmax;
    // Signed and unsigned ranges inform each other when the unsigned range does not cross the sign bit.
    if (umin <= S64_MAX && umax <= S64_MAX) {
      smin = smin > umin ? smin : umin;
      smax = smax < umax ? smax : umax;
    } else if (umin > S64_MAX) {
      smin = smin > s64(umin) ? smin : s64(umin);
      smax = smax < s64(umax) ? smax : s64(umax);
    }
    if (smin >= 0n) {
      umin = umin > smin ? umin : smin;
      umax = umax < smax ? umax : smax;
    } else if (smax < 0n) {
      umin = umin > u64(smin) ? umin : u64(smin);
      umax = umax < u64(smax) ? umax : u64(smax);
    }
    if (smin > smax || umin > umax) return Scalar.empty(tnum);
    // The ranges bound the known bits.
    const fromRange = tnumRange(umin, umax);
    let meet = { value: (tnum.value | fromRange.value) & U64, mask: tnum.mask & fromRange.mask };
    // The low half: what the known bits and the 64-bit ranges say of it, met with what is known of it directly.
    let [u32min, u32max, s32min, s32max] = b32;
    u32min = max(u32min, meet.value & U32);
    u32max = min(u32max, (meet.value | meet.mask) & U32);
    const fixedHigh = umin >> 32n === umax >> 32n;
    if (fixedHigh) {
      u32min = max(u32min, umin & U32);
      u32max = min(u32max, umax & U32);
    }
    if (smin >> 32n === smax >> 32n) {
      // The low halves of a signed range with one upper half are in order too.
      u32min = max(u32min, smin & U32);
      u32max = min(u32max, smax & U32);
    }
    if (u32max <= S32_MAX) {
      s32min = max(s32min, u32min);
      s32max = min(s32max, u32max);
    } else if (u32min > S32_MAX) {
      s32min = max(s32min, u32min - (1n << 32n));
      s32max = min(s32max, u32max - (1n << 32n));
    }
    if (s32min >= 0n) {
      u32min = max(u32min, s32min);
      u32max = min(u32max, s32max);
    } else if (s32max < 0n) {
      u32min = max(u32min, s32min + (1n << 32n));
      u32max = min(u32max, s32max + (1n << 32n));
    }
    if (u32min > u32max || s32min > s32max) return Scalar.empty(tnum);
    // And back: the low half's range bounds its known bits, and with a fixed upper half, the whole value.
    const low = tnumRange(u32min, u32max);
    meet = { value: meet.value | low.value, mask: meet.mask & (~U32 | low.mask) & U64 };
    if (again && fixedHigh) {
      const high = (umin >> 32n) << 32n;
      if ((high | u32min) > umin || (high | u32max) < umax) return Scalar.make(smin, smax, max(umin, high | u32min), min(umax, high | u32max), meet, [u32min, u32max, s32min, s32max], false);
    }
    return new Scalar(smin, smax, umin, umax, meet, u32min, u32max, s32min, s32max);
  }

  /** True when no value satisfies the facts (an infeasible path). */
  get isEmpty(): boolean {
    return this.smin > this.smax || this.umin > this.umax || this.u32min > this.u32max || this.s32min > this.s32max;
  }

  /** The value, when only one is possible. */
  get constantValue(): bigint | undefined {
    return this.umin === this.umax ? this.umin : undefined;
  }

  /** Whether the concrete value `v` is described by this scalar (tests and assertions). */
  contains(v: bigint): boolean {
    const u = u64(v);
    const s = s64(v);
    const low = u & U32;
    const slow = BigInt.asIntN(32, low);
    return u >= this.umin && u <= this.umax && s >= this.smin && s <= this.smax && (u & ~this.tnum.mask & U64) === this.tnum.value &&
      low >= this.u32min && low <= this.u32max && slow >= this.s32min && slow <= this.s32max;
  }

  /** The smallest scalar containing both (a join where paths meet). */
  join(other: Scalar): Scalar {
    return Scalar.make(
      this.smin < other.smin ? this.smin : other.smin,
      this.smax > other.smax ? this.smax : other.smax,
      this.umin < other.umin ? this.umin : other.umin,
      this.umax > other.umax ? this.umax : other.umax,
      { value: this.tnum.value & other.tnum.value, mask: (this.tnum.mask | other.tnum.mask | (this.tnum.value ^ other.tnum.value)) & U64 },
      [min(this.u32min, other.u32min), max(this.u32max, other.u32max), min(this.s32min, other.s32min), max(this.s32max, other.s32max)],
    );
  }

  /** x + y. */
  add(y: Scalar): Scalar {
    const smin = this.smin + y.smin, smax = this.smax + y.smax;
    const umin = this.umin + y.umin, umax = this.umax + y.umax;
    const signedOk = smin >= S64_MIN && smax <= S64_MAX;
    const unsignedOk = umax <= U64;
    return Scalar.make(signedOk ? smin : S64_MIN, signedOk ? smax : S64_MAX, unsignedOk ? umin : 0n, unsignedOk ? umax : U64, tnumAdd(this.tnum, y.tnum));
  }

  /** x - y. */
  sub(y: Scalar): Scalar {
    const smin = this.smin - y.smax, smax = this.smax - y.smin;
    const signedOk = smin >= S64_MIN && smax <= S64_MAX;
    const unsignedOk = this.umin >= y.umax;
    return Scalar.make(
      signedOk ? smin : S64_MIN, signedOk ? smax : S64_MAX,
      unsignedOk ? this.umin - y.umax : 0n, unsignedOk ? this.umax - y.umin : U64,
      tnumSub(this.tnum, y.tnum),
    );
  }

  /** x * y (precise only when both are small and non-negative). */
  mul(y: Scalar): Scalar {
    const umax = this.umax * y.umax;
    if (umax <= S64_MAX) return Scalar.make(S64_MIN, S64_MAX, this.umin * y.umin, umax, TNUM_UNKNOWN);
    return Scalar.unknown();
  }

  and(y: Scalar): Scalar {
    const t = tnumAnd(this.tnum, y.tnum);
    return Scalar.make(S64_MIN, S64_MAX, t.value, this.umax < y.umax ? this.umax : y.umax, t);
  }

  or(y: Scalar): Scalar {
    const t = tnumOr(this.tnum, y.tnum);
    return Scalar.make(S64_MIN, S64_MAX, this.umin > y.umin ? this.umin : y.umin, U64, t);
  }

  xor(y: Scalar): Scalar {
    const t = tnumXor(this.tnum, y.tnum);
    return Scalar.make(S64_MIN, S64_MAX, 0n, U64, t);
  }

  /** x << (y & 63). */
  lsh(y: Scalar): Scalar {
    const n = y.constantValue;
    if (n === undefined) return Scalar.unknown();
    const k = n & 63n;
    const t = { value: (this.tnum.value << k) & U64, mask: (this.tnum.mask << k) & U64 };
    const fits = this.umax << k <= U64;
    return Scalar.make(S64_MIN, S64_MAX, fits ? this.umin << k : 0n, fits ? this.umax << k : U64, t);
  }

  /** x >> (y & 63), logical. */
  rsh(y: Scalar): Scalar {
    const n = y.constantValue;
    if (n === undefined) return Scalar.unsignedRange(0n, this.umax);
    const k = n & 63n;
    return Scalar.make(S64_MIN, S64_MAX, this.umin >> k, this.umax >> k, { value: this.tnum.value >> k, mask: this.tnum.mask >> k });
  }

  /** x >> (y & 63), arithmetic. */
  arsh(y: Scalar): Scalar {
    const n = y.constantValue;
    // Shifting moves a value toward 0 (non-negative) or toward -1 (negative), never past either.
    if (n === undefined) return Scalar.signedRange(this.smin < 0n ? this.smin : 0n, this.smax > 0n ? this.smax : 0n);
    const k = n & 63n;
    return Scalar.make(this.smin >> k, this.smax >> k, 0n, U64, TNUM_UNKNOWN);
  }

  /** 0 - x. */
  neg(): Scalar {
    return Scalar.constant(0n).sub(this);
  }

  /** Unsigned x / y with eBPF's rule that division by zero gives 0. */
  div(y: Scalar): Scalar {
    if (y.umax === 0n) return Scalar.constant(0n);
    const hi = y.umin === 0n ? this.umax : this.umax / y.umin;
    const lo = y.umax === 0n || y.umin === 0n ? 0n : this.umin / y.umax;
    return Scalar.unsignedRange(lo, hi);
  }

  /** Unsigned x % y with eBPF's rule that modulo by zero leaves x. */
  mod(y: Scalar): Scalar {
    if (y.umax === 0n) return this;
    if (y.umin === 0n) return Scalar.unsignedRange(0n, this.umax);
    return Scalar.unsignedRange(0n, this.umax < y.umax - 1n ? this.umax : y.umax - 1n);
  }

  /** The low 32 bits, zero-extended (what a 32-bit ALU result becomes). */
  truncate32(): Scalar {
    if (this.umax <= U32) return this;
    const t = { value: this.tnum.value & U32, mask: this.tnum.mask & U32 };
    return Scalar.make(0n, U32, this.u32min, this.u32max, t, this.b32);
  }

  /**
   * This scalar where its low 32 bits are among those of `low` (a 32-bit comparison's refinement of the
   * low half, zero- or sign-extended): their ranges and known bits; may be empty.
   */
  refineLow32(low: Scalar): Scalar {
    const mine = this.tnum;
    const bothKnown = ~mine.mask & ~low.tnum.mask & U32;
    if (((mine.value ^ low.tnum.value) & bothKnown) !== 0n) return Scalar.empty(mine);
    const t = { value: (mine.value | (low.tnum.value & ~low.tnum.mask & U32)) & U64, mask: mine.mask & (~U32 | low.tnum.mask) & U64 };
    const [u0, u1, s0, s1] = this.b32;
    const zero = low.umax <= U32;
    const signed = low.smin >= S32_MIN && low.smax <= S32_MAX;
    return Scalar.make(this.smin, this.smax, this.umin, this.umax, t, [
      zero ? max(u0, low.umin) : u0, zero ? min(u1, low.umax) : u1,
      signed ? max(s0, low.smin) : max(s0, low.s32min), signed ? min(s1, low.smax) : min(s1, low.s32max),
    ]);
  }

  /** This scalar where `x <op> y` holds (unsigned or signed comparison); may be empty. */
  refine(op: 'lt' | 'le' | 'gt' | 'ge' | 'slt' | 'sle' | 'sgt' | 'sge' | 'eq', y: Scalar): Scalar {
    let { smin, smax, umin, umax } = this;
    switch (op) {
      case 'eq':
        return Scalar.make(smin > y.smin ? smin : y.smin, smax < y.smax ? smax : y.smax, umin > y.umin ? umin : y.umin, umax < y.umax ? umax : y.umax, {
          value: (this.tnum.value | y.tnum.value) & U64,
          mask: this.tnum.mask & y.tnum.mask,
        }, [max(this.u32min, y.u32min), min(this.u32max, y.u32max), max(this.s32min, y.s32min), min(this.s32max, y.s32max)]);
      case 'lt': umax = umax < y.umax - 1n ? umax : y.umax - 1n; break;
      case 'le': umax = umax < y.umax ? umax : y.umax; break;
      case 'gt': umin = umin > y.umin + 1n ? umin : y.umin + 1n; break;
      case 'ge': umin = umin > y.umin ? umin : y.umin; break;
      case 'slt': smax = smax < y.smax - 1n ? smax : y.smax - 1n; break;
      case 'sle': smax = smax < y.smax ? smax : y.smax; break;
      case 'sgt': smin = smin > y.smin + 1n ? smin : y.smin + 1n; break;
      case 'sge': smin = smin > y.smin ? smin : y.smin; break;
    }
    if (umin > umax || smin > smax) return Scalar.empty(this.tnum);
    return Scalar.make(smin, smax, umin, umax, this.tnum, this.b32);
  }

  /** Any value within both the signed and the unsigned ranges given (brought to agreement). */
  static bounded(smin: bigint, smax: bigint, umin: bigint, umax: bigint): Scalar {
    return Scalar.make(smin, smax, umin, umax, TNUM_UNKNOWN);
  }

  /** Whether every value of this scalar is also a value of `other` (inclusion, for pruning). */
  leq(other: Scalar): boolean {
    return this.smin >= other.smin && this.smax <= other.smax && this.umin >= other.umin && this.umax <= other.umax &&
      this.u32min >= other.u32min && this.u32max <= other.u32max && this.s32min >= other.s32min && this.s32max <= other.s32max &&
      (this.tnum.mask & ~other.tnum.mask & U64) === 0n && (this.tnum.value & ~other.tnum.mask & U64) === other.tnum.value;
  }

  /**
   * Widening at a loop head: the join, where every bound that moved jumps to the next threshold outward
   * (or to the type's limit), so that iterating a loop reaches a fixpoint after a few steps.
   */
  widen(next: Scalar, thresholds: readonly bigint[]): Scalar {
    const j = this.join(next);
    const up = (v: bigint, limit: bigint) => {
      const i = firstAtLeast(thresholds, v);
      return i < thresholds.length ? thresholds[i]! : limit;
    };
    const down = (v: bigint, limit: bigint) => {
      const i = firstAtLeast(thresholds, v + 1n) - 1;
      return i >= 0 ? thresholds[i]! : limit;
    };
    const smin = j.smin < this.smin ? down(j.smin, S64_MIN) : j.smin;
    const smax = j.smax > this.smax ? up(j.smax, S64_MAX) : j.smax;
    const umin = j.umin < this.umin ? (down(j.umin, 0n) < 0n ? 0n : down(j.umin, 0n)) : j.umin;
    const umax = j.umax > this.umax ? up(j.umax, U64) : j.umax;
    // Known bits have finite height: the join of tnums needs no widening.
    // The low half's bounds that moved go to their limits (no thresholds: they are rederived from the rest).
    const b32: Bounds32 = [
      j.u32min < this.u32min ? 0n : j.u32min, j.u32max > this.u32max ? U32 : j.u32max,
      j.s32min < this.s32min ? S32_MIN : j.s32min, j.s32max > this.s32max ? S32_MAX : j.s32max,
    ];
    return Scalar.make(smin, smax, umin, umax, j.tnum, b32);
  }

  /** This scalar with the bits of `mask` known to equal those of `value` (may be empty). */
  withKnownBits(value: bigint, mask: bigint): Scalar {
    const known = mask & ~this.tnum.mask & U64;
    if ((this.tnum.value & known) !== (value & known)) return Scalar.empty(this.tnum);
    const t = { value: (this.tnum.value | (value & mask)) & U64, mask: this.tnum.mask & ~mask & U64 };
    const r = Scalar.make(this.smin, this.smax, this.umin, this.umax, t, this.b32);
    return r;
  }

  /** Signed x / y (RFC 9669: division by zero gives 0; S64_MIN / -1 gives S64_MIN). */
  sdiv(y: Scalar): Scalar {
    const xs = [this.smin, this.smax];
    const ys: bigint[] = [];
    if (y.smin !== 0n || y.smax !== 0n) {
      for (const v of [y.smin, y.smax, -1n, 1n]) if (v !== 0n && v >= y.smin && v <= y.smax) ys.push(v);
    }
    if (ys.length === 0) return Scalar.constant(0n);
    let lo = S64_MAX;
    let hi = S64_MIN;
    for (const a of xs) for (const b of ys) {
      const q = s64(a / b);
      if (q < lo) lo = q;
      if (q > hi) hi = q;
    }
    // Overflow (S64_MIN / -1) wraps to S64_MIN; division by zero (if possible) gives 0.
    if (this.smin === S64_MIN && y.smin <= -1n && y.smax >= -1n) lo = S64_MIN;
    if (y.smin <= 0n && y.smax >= 0n) {
      if (lo > 0n) lo = 0n;
      if (hi < 0n) hi = 0n;
    }
    return Scalar.signedRange(lo, hi);
  }

  /** Signed x % y (RFC 9669: modulo by zero leaves x; the result has x's sign). */
  smod(y: Scalar): Scalar {
    if (y.smin <= 0n && y.smax >= 0n) return this.join(this.smodNonZero(y));
    return this.smodNonZero(y);
  }

  private smodNonZero(y: Scalar): Scalar {
    const absY = (v: bigint) => (v < 0n ? -v : v);
    let m = absY(y.smin) > absY(y.smax) ? absY(y.smin) : absY(y.smax);
    if (m === 0n) return this;
    m -= 1n;
    const lo = this.smin >= 0n ? 0n : (this.smin > -m ? this.smin : -m);
    const hi = this.smax <= 0n ? 0n : (this.smax < m ? this.smax : m);
    return Scalar.signedRange(lo, hi);
  }

  /** The low 32 bits read as signed and extended to 64 bits. */
  signExtend32(): Scalar {
    const low = this.truncate32();
    if (low.umax <= 0x7fffffffn) return low;
    return Scalar.make(low.s32min, low.s32max, 0n, U64, TNUM_UNKNOWN, low.b32);
  }

  /** The low `bits` bits read as signed and extended to 64 bits (movsx, sign-extending loads). */
  signExtend(bits: number): Scalar {
    if (bits === 32) return this.signExtend32();
    const b = BigInt(bits);
    const mask = (1n << b) - 1n;
    const half = 1n << (b - 1n);
    if (this.umax <= mask && (this.umin >> b) === (this.umax >> b)) {
      const lo = this.umin & mask;
      const hi = this.umax & mask;
      if (hi < half) return Scalar.unsignedRange(lo, hi);
      if (lo >= half) return Scalar.signedRange(lo - (1n << b), hi - (1n << b));
    }
    return Scalar.signedRange(-half, half - 1n);
  }

  toString(): string {
    const c = this.constantValue;
    if (c !== undefined) return String(s64(c));
    return `s[${this.smin}, ${this.smax}] u[${this.umin}, ${this.umax}]`;
  }
}
