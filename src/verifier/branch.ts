// Conditional jumps: each side of a branch keeps only what its condition allows. Numbers are refined in
// their signed and unsigned ranges and known bits (64- and 32-bit comparisons, JSET), a map value that may
// be null becomes null or a pointer (with every copy of it), and comparisons between two registers or two
// pointers into one region (packet pointers with data_end) add a relation to the zone.

import type { JumpCond } from '../isa/opcodes.ts';
import { C, describe, fail } from './access.ts';
import { Scalar } from './scalar.ts';
import { bindBounds, meetBounds, numericPart, regVar, scalar, slotVar, withNumeric, type State, type Value } from './state.ts';
import { read, sameRegion } from './transfer.ts';

/** A condition, plus `nset` (the false side of JSET). */
type Cond = JumpCond | 'nset';

const NEGATE: Record<Cond, Cond> = { eq: 'ne', ne: 'eq', gt: 'le', le: 'gt', ge: 'lt', lt: 'ge', sgt: 'sle', sle: 'sgt', sge: 'slt', slt: 'sge', set: 'nset', nset: 'set' };
const SWAP: Record<Cond, Cond> = { eq: 'eq', ne: 'ne', gt: 'lt', lt: 'gt', ge: 'le', le: 'ge', sgt: 'slt', slt: 'sgt', sge: 'sle', sle: 'sge', set: 'set', nset: 'nset' };
const SIGNED: Partial<Record<Cond, Cond>> = { gt: 'sgt', ge: 'sge', lt: 'slt', le: 'sle' };
const U64 = (1n << 64n) - 1n;
const EMPTY = Scalar.constant(0n).refine('lt', Scalar.constant(0n));

/**
 * The states on the taken and the fall-through side (empty: that side cannot happen). A side may be split
 * in several states (an unsigned comparison of numbers of unknown sign, one state per sign), so that the
 * relation it establishes can be kept.
 */
export function compare(state: State, cond: JumpCond, is64: boolean, dst: number, src: number | undefined, imm: number): [State[], State[]] {
  const [taken, fall] = compareOnce(state, cond, is64, dst, src, imm);
  const list = (x: State | State[] | null): State[] => (x === null ? [] : Array.isArray(x) ? x : [x]);
  return [list(taken), list(fall)];
}

function compareOnce(state: State, cond: JumpCond, is64: boolean, dst: number, src: number | undefined, imm: number): [State | State[] | null, State | State[] | null] {
  const left = read(state, dst);
  const right: Value = src !== undefined ? read(state, src) : scalar(is64 ? C(imm) : C(imm >>> 0));
  const taken = state.clone();
  const fall = state;
  if (left.kind === 'mem_or_null' || right.kind === 'mem_or_null') {
    const maybe = (left.kind === 'mem_or_null' ? left : right) as Extract<Value, { kind: 'mem_or_null' }>;
    const other = left.kind === 'mem_or_null' ? right : left;
    if (!(other.kind === 'scalar' && other.n.constantValue === 0n && is64 && (cond === 'eq' || cond === 'ne'))) {
      fail(`r${left === maybe ? dst : src} may be null: compare it with 0 before using it otherwise (result of ${maybe.helper} at pc ${maybe.origin})`);
    }
    const nullSide = cond === 'eq' ? taken : fall;
    const valueSide = cond === 'eq' ? fall : taken;
    resolveNull(nullSide, maybe.id, true);
    resolveNull(valueSide, maybe.id, false);
    return [taken, fall];
  }
  if (left.kind === 'scalar' && right.kind === 'scalar') {
    return [bySign(taken, cond, is64, dst, src, left.n, right.n), bySign(fall, NEGATE[cond], is64, dst, src, left.n, right.n)];
  }
  if (src !== undefined && sameRegion(left, right)) {
    if (!is64) return [taken, fall];
    return [pointerSide(taken, cond, dst, src), pointerSide(fall, NEGATE[cond], dst, src)];
  }
  // A pointer (never null here) against 0, as an unsigned 64-bit comparison: it is above 0.
  const zero = (v: Value) => v.kind === 'scalar' && v.n.constantValue === 0n;
  if ((left.kind === 'scalar' || right.kind === 'scalar') && (left.kind !== 'map' && right.kind !== 'map')) {
    const unsigned = cond === 'eq' || cond === 'ne' || cond === 'set' || cond in SIGNED;
    if (!(zero(right) || zero(left)) || !is64 || !unsigned) {
      fail(`comparing ${describe(left)} with ${describe(right)} is not allowed: a pointer can only be compared with 0 (64-bit, unsigned) or with a pointer into the same region`);
    }
    const pointerLeft = right.kind === 'scalar';
    // pointer > 0 always holds; pointer == 0 never does; pointer & 0 is never set.
    const always: Record<string, boolean | undefined> = pointerLeft
      ? { eq: false, ne: true, gt: true, ge: true, lt: false, le: false, set: false }
      : { eq: false, ne: true, lt: true, le: true, gt: false, ge: false, set: false };
    const holds = always[cond];
    if (holds === true) return [taken, null];
    if (holds === false) return [null, fall];
    return [taken, fall];
  }
  if (left.kind === 'map' && right.kind === 'map' && is64 && (cond === 'eq' || cond === 'ne')) {
    // One of several maps (merged) may or may not be the other one.
    if ((left.merged || right.merged) && left.cls === right.cls) return [taken, fall];
    const same = left.map === right.map;
    return (cond === 'eq') === same ? [taken, null] : [null, fall];
  }
  fail(`comparing ${describe(left)} with ${describe(right)} is not allowed`);
}

/** Every copy of the maybe-null value `id` becomes null (the number 0) or a map value pointer. */
function resolveNull(s: State, id: number, isNull: boolean): void {
  const resolve = (v: Value): Value | undefined => {
    if (v.kind !== 'mem_or_null' || v.id !== id) return undefined;
    if (isNull) return scalar(C(0));
    return v.inner !== undefined ? { kind: 'map', map: v.inner } : { kind: 'mem', map: v.map, size: v.size, off: C(0), ...(v.readOnly ? { readOnly: true as const } : {}) };
  };
  s.regs.forEach((v, r) => {
    const now = resolve(v);
    if (now) s.set(r, now);
  });
  s.savedRegs.forEach((regs, d) => regs.forEach((v, r) => {
    const now = resolve(v);
    if (now) {
      regs[r] = now;
      bindBounds(s.zone, regVar(d, r), now);
    }
  }));
  s.stacks.forEach((f, d) => f.slots.forEach((v, slot) => {
    const now = resolve(v);
    if (now) {
      f.slots.set(slot, now);
      bindBounds(s.zone, slotVar(d, slot), now);
    }
  }));
}

/** Refines `a` to the values for which `a cond b` holds (64-bit comparison). */
function refine64(a: Scalar, c: Cond, b: Scalar): Scalar {
  const k = b.constantValue;
  switch (c) {
    case 'eq': return a.refine('eq', b);
    case 'ne':
      if (k === undefined) return a;
      if (a.constantValue === k) return EMPTY;
      if (a.umin === k) a = a.refine('gt', b);
      else if (a.umax === k) a = a.refine('lt', b);
      if (a.smin === BigInt.asIntN(64, k)) a = a.refine('sgt', b);
      else if (a.smax === BigInt.asIntN(64, k)) a = a.refine('slt', b);
      return a;
    case 'set':
      if (k === undefined) return a.umin === 0n ? a.refine('ge', C(1)) : a;
      if ((a.tnum.value & k) !== 0n) return a;
      if (((a.tnum.value | a.tnum.mask) & k) === 0n) return EMPTY;
      if ((k & (k - 1n)) === 0n) return a.withKnownBits(k, k);
      return a.umin === 0n ? a.refine('ge', C(1)) : a;
    case 'nset':
      return k === undefined ? a : a.withKnownBits(0n, k & U64);
    default:
      return a.refine(c, b);
  }
}

/** Refines `a` for `a cond b` compared on the low 32 bits. */
function refine32(a: Scalar, c: Cond, b: Scalar): Scalar {
  const b32 = b.truncate32();
  const signed = c === 'sgt' || c === 'sge' || c === 'slt' || c === 'sle';
  if (a.umax <= 0xffffffffn && !signed) return refine64(a, c, b32);
  // The low half is refined, whatever the upper half holds: the scalar keeps it in its 32-bit bounds.
  const low = a.truncate32();
  const r = signed ? refine64(low.signExtend32(), c, b32.signExtend32()) : refine64(low, c, b32);
  if (r.isEmpty) return EMPTY;
  const refined = a.refineLow32(r);
  return refined.isEmpty ? EMPTY : refined;
}

const straddles = (n: Scalar) => n.smin < 0n && n.smax >= 0n;

/**
 * An unsigned 64-bit comparison of two registers, one of which may be negative or not: unsigned order is
 * signed order only between numbers of the same sign, so the side is split by sign (every concrete state
 * is in one of the parts), and each part keeps the relation as a difference, or is decided by its ranges.
 */
function bySign(s: State, c: Cond, is64: boolean, dst: number, src: number | undefined, a: Scalar, b: Scalar): State | State[] | null {
  if (!is64 || src === undefined || src === dst || SIGNED[c] === undefined || !(straddles(a) || straddles(b))) return scalarSide(s, c, is64, dst, src, a, b);
  const halves = (n: Scalar) => (straddles(n) ? [n.refine('sge', C(0)), n.refine('slt', C(0))] : [n]);
  const out: State[] = [];
  for (const ha of halves(a)) {
    for (const hb of halves(b)) {
      const part = s.clone();
      part.regs[dst] = scalar(ha);
      meetBounds(part.zone, part.v(dst), ha);
      part.regs[src] = scalar(hb);
      meetBounds(part.zone, part.v(src), hb);
      const side = scalarSide(part, c, is64, dst, src, ha, hb);
      if (side) out.push(side);
    }
  }
  return out;
}

function scalarSide(s: State, c: Cond, is64: boolean, dst: number, src: number | undefined, a: Scalar, b: Scalar): State | null {
  const refine = is64 ? refine64 : refine32;
  const na = refine(a, c, b);
  if (na.isEmpty) return null;
  s.regs[dst] = scalar(na);
  meetBounds(s.zone, s.v(dst), na);
  let nb = b;
  if (src !== undefined && src !== dst) {
    nb = refine(b, SWAP[c], a);
    if (nb.isEmpty) return null;
    s.regs[src] = scalar(nb);
    meetBounds(s.zone, s.v(src), nb);
  }
  if (src !== undefined && src !== dst) {
    // Unsigned order is signed order (a difference) between numbers of the same sign.
    const fits = is64 ? SIGNED[c] === undefined || (na.smin >= 0n && nb.smin >= 0n) || (na.smax < 0n && nb.smax < 0n) : na.umax <= 0x7fffffffn && nb.umax <= 0x7fffffffn;
    if (fits) relate(s, c, s.v(dst), s.v(src));
  }
  return s.tightenFromZone() ? s : null;
}

/** Adds `x c y` to the zone (signed or non-negative values: a difference constraint). */
function relate(s: State, c: Cond, x: number, y: number): void {
  switch (c) {
    case 'lt': case 'slt': s.zone.addConstraint(x, y, -1); break;
    case 'le': case 'sle': s.zone.addConstraint(x, y, 0); break;
    case 'gt': case 'sgt': s.zone.addConstraint(y, x, -1); break;
    case 'ge': case 'sge': s.zone.addConstraint(y, x, 0); break;
    case 'eq': s.zone.addConstraint(x, y, 0); s.zone.addConstraint(y, x, 0); break;
    default: break;
  }
}

/** Two pointers into one region: their offsets compare (unsigned comparisons of addresses are comparisons of offsets). */
function pointerSide(s: State, c: Cond, dst: number, src: number): State | null {
  const a = s.regs[dst]!;
  const b = s.regs[src]!;
  const oc = SIGNED[c] ?? c;
  const oa = numericPart(a)!;
  const ob = numericPart(b)!;
  if (oc === 'set' || oc === 'nset') return s;
  const na = refine64(oa, oc, ob);
  const nb = refine64(ob, SWAP[oc], oa);
  if (na.isEmpty || nb.isEmpty) return null;
  s.regs[dst] = withNumeric(a, na);
  s.regs[src] = withNumeric(b, nb);
  relate(s, oc, s.v(dst), s.v(src));
  return s.tightenFromZone() ? s : null;
}
