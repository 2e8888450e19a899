// The abstract state the verifier carries to each instruction: what each register holds (a type and, for
// numbers and offsets, a Scalar), what each byte of each stack frame holds, the frames of the local calls
// in progress, and a zone of relations (`x - y <= c`) between register values, pointer offsets, spilled
// numbers, the packet size and the loop counters. States are joined where paths meet, compared for
// inclusion to prune paths already covered, and widened at loop heads.

import { Scalar } from './scalar.ts';
import { Zone } from './zone.ts';

/** What a register (or a spilled stack slot) holds. Offsets are Scalars from the object's start (stack: from r10). */
export type Value =
  | { readonly kind: 'uninit' }
  | { readonly kind: 'scalar'; readonly n: Scalar }
  | { readonly kind: 'ctx'; readonly off: Scalar }
  /** A pointer into the stack frame of call depth `frame` (0 = the program's own). */
  | { readonly kind: 'stack'; readonly frame: number; readonly off: Scalar }
  /** A pointer into the packet (offset from data; data_end is the packet pointer at offset packet_size). */
  | { readonly kind: 'packet'; readonly off: Scalar; readonly end?: boolean }
  /**
   * A map (lddw map_fd). `cls` is the first map of the object with the same type, key, value and inner
   * map (what a helper can tell apart); `merged`: paths holding different maps of that class met here, so
   * the value is one of them (`map` is then `cls`).
   */
  | { readonly kind: 'map'; readonly map: number; readonly cls?: number; readonly merged?: true }
  /** A map value (or a shared region) of `size` bytes. */
  | { readonly kind: 'mem'; readonly map: number; readonly size: number; readonly off: Scalar; readonly readOnly?: true }
  /**
   * A map value that may be null: all registers with the same id become non-null together. With `inner`,
   * the lookup was in a map of maps: non-null, it is that inner map (an index of the analysis' maps).
   */
  | { readonly kind: 'mem_or_null'; readonly map: number; readonly size: number; readonly id: number; readonly origin: number; readonly helper: string; readonly inner?: number; readonly readOnly?: true }
  /** Different types on different paths that met here: unusable. */
  | { readonly kind: 'mixed'; readonly kinds: readonly string[] };

export const UNINIT: Value = { kind: 'uninit' };
export const scalar = (n: Scalar): Value => ({ kind: 'scalar', n });
export const isPointer = (v: Value) => v.kind !== 'scalar' && v.kind !== 'uninit' && v.kind !== 'mixed';

/** The Scalar a value's zone variable stands for: a number's value or a pointer's offset. */
export function numericPart(v: Value): Scalar | undefined {
  switch (v.kind) {
    case 'scalar': return v.n;
    case 'ctx': case 'stack': case 'packet': case 'mem': return v.off;
    default: return undefined;
  }
}

/** Bytes of stack per frame. */
export const STACK_BYTES = 512;
/** Most frames on the call stack (the program's own included). */
export const MAX_FRAMES = 8;

/** Zone variable ids: register r at call depth d, spilled 8-byte slot, packet size, meta offset, loop counters. */
export const regVar = (depth: number, r: number) => depth * 16 + r;
export const slotVar = (depth: number, slot: number) => 1000 + depth * 64 + slot;
/** The zone variable of the narrow spill starting at frame byte `start` (0-511). */
export const narrowVar = (depth: number, start: number) => 2000 + depth * 512 + start;
export const PACKET_SIZE = 900;
export const META_OFFSET = 901;
export const counterVar = (head: number) => 100_000 + head * 2;
/** The counter's negation, so that a loop counting down (`counter + i = c`) is a difference too. */
export const negCounterVar = (head: number) => 100_001 + head * 2;

/** Byte kinds of a stack frame. */
export const BYTE_UNINIT = 0;
export const BYTE_NUMBER = 1;
export const BYTE_POINTER = 2;

/** A number spilled with a 1-, 2- or 4-byte store that holds it whole: a load of that width gives it back. */
export interface NarrowSpill {
  readonly size: number;
  readonly n: Scalar;
}

/**
 * One stack frame: the kind of each byte, 8-byte slots holding a known value (pointers and numbers), and
 * narrow spills by their first byte (`*(u32 *)(r10 - 4) = r1`: a loop counter whose address is a map key).
 */
export interface StackFrame {
  readonly bytes: Uint8Array;
  readonly slots: Map<number, Value>;
  readonly narrow: Map<number, NarrowSpill>;
}

/** A local call in progress: where to return and which function was entered. */
export interface CallFrame {
  readonly returnPc: number;
  readonly entry: number;
}

const newFrame = (): StackFrame => ({ bytes: new Uint8Array(STACK_BYTES), slots: new Map(), narrow: new Map() });

/** One abstract state. Mutable while an instruction is applied; clone before sharing. */
export class State {
  constructor(
    /** Registers of the current frame. */
    public regs: Value[],
    /** Registers of the callers (index d: the caller at depth d; r6-r9 come back on return). */
    public savedRegs: Value[][],
    public calls: CallFrame[],
    public stacks: StackFrame[],
    public zone: Zone,
    public nextId: number,
  ) {}

  get depth(): number {
    return this.calls.length;
  }

  /** The state at a program's entry: r1 the context, r10 the frame pointer, the packet size within [0, maxPacket]. */
  static entry(maxPacket: number): State {
    const regs: Value[] = Array.from({ length: 11 }, () => UNINIT);
    const s = new State(regs, [], [], [newFrame()], Zone.top(), 1);
    s.set(1, { kind: 'ctx', off: Scalar.constant(0n) });
    s.set(10, { kind: 'stack', frame: 0, off: Scalar.constant(0n) });
    s.zone.assignInterval(PACKET_SIZE, 0, maxPacket);
    s.zone.assignInterval(META_OFFSET, 0, 0);
    return s;
  }

  clone(): State {
    return new State([...this.regs], this.savedRegs.map((r) => [...r]), [...this.calls],
      this.stacks.map((f) => ({ bytes: f.bytes.slice(), slots: new Map(f.slots), narrow: new Map(f.narrow) })), this.zone.clone(), this.nextId);
  }

  /** The zone variable of register r in the current frame. */
  v(r: number): number {
    return regVar(this.depth, r);
  }

  /** Sets register r to `value` with no relation to anything else (the zone learns its bounds). */
  set(r: number, value: Value): void {
    this.regs[r] = value;
    bindBounds(this.zone, this.v(r), value);
  }

  /** Pushes a frame for a local call (registers are set up by the caller of this). */
  pushFrame(call: CallFrame): void {
    this.savedRegs.push(this.regs);
    this.calls.push(call);
    this.stacks.push(newFrame());
    this.regs = Array.from({ length: 11 }, () => UNINIT);
  }

  /** Tightens every register's Scalar from the zone's bounds (after a relation was learnt); false if infeasible. */
  tightenFromZone(): boolean {
    if (this.zone.bottom) return false;
    for (let r = 0; r <= 10; r++) {
      const v = this.regs[r]!;
      const n = numericPart(v);
      if (!n) continue;
      const t = tighten(n, this.zone, this.v(r));
      if (t === n) continue;
      if (t.isEmpty) return false;
      this.regs[r] = withNumeric(v, t);
    }
    // Numbers spilled to the stack too (a loop counter kept in a slot is bounded through the loop's counter).
    for (let d = 0; d < this.stacks.length; d++) {
      for (const [slot, v] of this.stacks[d]!.slots) {
        if (v.kind !== 'scalar') continue;
        const t = tighten(v.n, this.zone, slotVar(d, slot));
        if (t === v.n) continue;
        if (t.isEmpty) return false;
        this.stacks[d]!.slots.set(slot, { kind: 'scalar', n: t });
      }
      for (const [start, spill] of this.stacks[d]!.narrow) {
        const t = tighten(spill.n, this.zone, narrowVar(d, start));
        if (t === spill.n) continue;
        if (t.isEmpty) return false;
        this.stacks[d]!.narrow.set(start, { size: spill.size, n: t });
      }
    }
    return true;
  }

  /** Whether every concrete state of this one is a state of `other` (so exploring this adds nothing). */
  leq(other: State): boolean {
    if (this.calls.length !== other.calls.length) return false;
    for (let i = 0; i < this.calls.length; i++) if (this.calls[i]!.returnPc !== other.calls[i]!.returnPc) return false;
    const ids = new Map<number, string>();
    for (let r = 0; r <= 10; r++) if (!valueLeq(this.regs[r]!, other.regs[r]!, ids)) return false;
    for (let d = 0; d < this.savedRegs.length; d++) {
      for (let r = 6; r <= 10; r++) if (!valueLeq(this.savedRegs[d]![r]!, other.savedRegs[d]![r]!, ids)) return false;
    }
    for (let d = 0; d < this.stacks.length; d++) {
      const a = this.stacks[d]!;
      const b = other.stacks[d]!;
      for (let i = 0; i < STACK_BYTES; i++) {
        const kb = b.bytes[i]!;
        if (kb !== BYTE_UNINIT && a.bytes[i] !== kb) return false;
      }
      for (const [slot, vb] of b.slots) {
        const va = a.slots.get(slot);
        if (!va || !valueLeq(va, vb, ids)) return false;
      }
      for (const [start, sb] of b.narrow) {
        const sa = a.narrow.get(start);
        if (!sa || sa.size !== sb.size || !sa.n.leq(sb.n)) return false;
      }
    }
    return this.zone.leq(other.zone);
  }

  /** The join (or, with thresholds, the widening) of two states at the same point. */
  join(other: State, thresholds?: { scalar: readonly bigint[]; zone: readonly number[] }): State {
    let nextId = Math.max(this.nextId, other.nextId);
    const pairs = new Map<string, number>();
    const fresh = (key: string) => {
      let id = pairs.get(key);
      if (id === undefined) pairs.set(key, (id = nextId++));
      return id;
    };
    const j = (a: Value, b: Value) => valueJoin(a, b, fresh, thresholds?.scalar);
    const regs = this.regs.map((a, r) => j(a, other.regs[r]!));
    const saved = this.savedRegs.map((s, d) => s.map((a, r) => j(a, other.savedRegs[d]![r]!)));
    const stacks = this.stacks.map((a, d) => {
      const b = other.stacks[d]!;
      const bytes = a.bytes.slice();
      for (let i = 0; i < STACK_BYTES; i++) if (bytes[i] !== b.bytes[i]) bytes[i] = BYTE_UNINIT;
      const slots = new Map<number, Value>();
      for (const [slot, va] of a.slots) {
        const vb = b.slots.get(slot);
        if (!vb) continue;
        const v = j(va, vb);
        if (v.kind === 'uninit' || v.kind === 'mixed') bytes.fill(BYTE_UNINIT, slot * 8, slot * 8 + 8);
        else slots.set(slot, v);
      }
      // A pointer byte without its slot's value cannot be used: forget it.
      for (let i = 0; i < STACK_BYTES; i++) if (bytes[i] === BYTE_POINTER && !slots.has(i >> 3)) bytes[i] = BYTE_UNINIT;
      // Narrow spills both sides hold at the same place and width (their bytes are numbers on both).
      const narrow = new Map<number, NarrowSpill>();
      for (const [start, sa] of a.narrow) {
        const sb = b.narrow.get(start);
        if (!sb || sb.size !== sa.size) continue;
        const v = j(scalar(sa.n), scalar(sb.n));
        if (v.kind === 'scalar') narrow.set(start, { size: sa.size, n: v.n });
      }
      return { bytes, slots, narrow };
    });
    const zone = thresholds ? this.zone.widen(other.zone, thresholds.zone) : this.zone.join(other.zone);
    const s = new State(regs, saved, [...this.calls], stacks, zone, nextId);
    // Registers whose type was lost carry no relations.
    for (let r = 0; r <= 10; r++) if (!numericPart(regs[r]!)) zone.forget(s.v(r));
    return s;
  }
}

/** Tells the zone a fresh value's bounds (forgetting its old relations). */
export function bindBounds(zone: Zone, id: number, value: Value): void {
  const n = numericPart(value);
  if (!n) {
    zone.forget(id);
    return;
  }
  zone.assignInterval(id, Number(n.smin), Number(n.smax));
}

/** Tells the zone a value's bounds without forgetting its relations. */
export function meetBounds(zone: Zone, id: number, n: Scalar): void {
  if (n.smax < 1n << 52n) zone.addConstraint(id, -1, Number(n.smax));
  if (n.smin > -(1n << 52n)) zone.addConstraint(-1, id, -Number(n.smin));
}

/** `n` narrowed to the zone's bounds on `id` (the same object when nothing changes). */
export function tighten(n: Scalar, zone: Zone, id: number): Scalar {
  if (!zone.has(id)) return n;
  const hi = zone.upper(id);
  const lo = zone.lower(id);
  let t = n;
  if (hi !== Infinity && BigInt(Math.floor(hi)) < t.smax) t = t.refine('sle', Scalar.constant(BigInt(Math.floor(hi))));
  if (lo !== -Infinity && BigInt(Math.ceil(lo)) > t.smin) t = t.refine('sge', Scalar.constant(BigInt(Math.ceil(lo))));
  return t;
}

/** The value with its numeric part replaced. */
export function withNumeric(v: Value, n: Scalar): Value {
  switch (v.kind) {
    case 'scalar': return { kind: 'scalar', n };
    case 'ctx': case 'stack': case 'packet': case 'mem': return { ...v, off: n };
    default: return v;
  }
}

const kindsOf = (v: Value): string[] => (v.kind === 'mixed' ? [...v.kinds] : [v.kind === 'mem' || v.kind === 'mem_or_null' ? 'map value' : v.kind]);

function valueJoin(a: Value, b: Value, fresh: (key: string) => number, thresholds?: readonly bigint[]): Value {
  const n = (x: Scalar, y: Scalar) => (thresholds ? x.widen(y, thresholds) : x.join(y));
  if (a.kind === 'uninit' || b.kind === 'uninit') return UNINIT;
  if (a.kind === b.kind) {
    switch (a.kind) {
      case 'scalar': return scalar(n(a.n, (b as typeof a).n));
      case 'ctx': return { kind: 'ctx', off: n(a.off, (b as typeof a).off) };
      case 'stack': {
        const o = b as typeof a;
        if (a.frame === o.frame) return { kind: 'stack', frame: a.frame, off: n(a.off, o.off) };
        break;
      }
      case 'packet': {
        const o = b as typeof a;
        return a.end && o.end ? { kind: 'packet', off: n(a.off, o.off), end: true } : { kind: 'packet', off: n(a.off, o.off) };
      }
      case 'map': {
        const o = b as typeof a;
        if (a.map === o.map && !o.merged) return a;
        if (a.cls !== undefined && a.cls === o.cls) return { kind: 'map', map: a.cls, cls: a.cls, merged: true };
        break;
      }
      case 'mem': {
        const o = b as typeof a;
        // A value read-only on either path stays read-only: writes through it are refused on both.
        return { kind: 'mem', map: a.map === o.map ? a.map : -1, size: Math.min(a.size, o.size), off: n(a.off, o.off), ...(a.readOnly || o.readOnly ? { readOnly: true as const } : {}) };
      }
      case 'mem_or_null': {
        const o = b as typeof a;
        if (a.inner !== o.inner) break;
        const id = a.id === o.id ? a.id : fresh(`${a.id}|${o.id}`);
        return { ...a, map: a.map === o.map ? a.map : -1, size: Math.min(a.size, o.size), id, ...(a.readOnly || o.readOnly ? { readOnly: true as const } : {}) };
      }
      case 'mixed':
        break;
    }
  }
  // A non-null map value on one path and a maybe-null one on the other: maybe null.
  if ((a.kind === 'mem' && b.kind === 'mem_or_null') || (a.kind === 'mem_or_null' && b.kind === 'mem')) {
    const m = a.kind === 'mem_or_null' ? a : (b as Extract<Value, { kind: 'mem_or_null' }>);
    const other = a.kind === 'mem' ? a : (b as Extract<Value, { kind: 'mem' }>);
    if (other.off.constantValue === 0n && m.inner === undefined) return { ...m, size: Math.min(m.size, other.size), ...(m.readOnly || other.readOnly ? { readOnly: true as const } : {}), id: fresh(`${a.kind === 'mem' ? 'v' : m.id}|${b.kind === 'mem' ? 'v' : m.id}`) };
  }
  return { kind: 'mixed', kinds: [...new Set([...kindsOf(a), ...kindsOf(b)])].sort() };
}

/** Inclusion of values; `ids` maps the wider side's null-check ids to the narrower side's, which must be consistent. */
function valueLeq(a: Value, b: Value, ids: Map<number, string>): boolean {
  if (b.kind === 'uninit' || b.kind === 'mixed') return true;
  const mapId = (id: number, to: string) => {
    const known = ids.get(id);
    if (known === undefined) ids.set(id, to);
    return known === undefined || known === to;
  };
  switch (b.kind) {
    case 'scalar': return a.kind === 'scalar' && a.n.leq(b.n);
    case 'ctx': return a.kind === 'ctx' && a.off.leq(b.off);
    case 'stack': return a.kind === 'stack' && a.frame === b.frame && a.off.leq(b.off);
    case 'packet': return a.kind === 'packet' && a.off.leq(b.off) && (!b.end || a.end === true);
    case 'map': return a.kind === 'map' && (b.merged ? a.cls === b.cls : a.map === b.map && !a.merged);
    case 'mem': return a.kind === 'mem' && a.size >= b.size && (b.map === -1 || a.map === b.map) && (!a.readOnly || b.readOnly === true) && a.off.leq(b.off);
    case 'mem_or_null':
      if (a.kind === 'mem_or_null') return a.inner === b.inner && a.size >= b.size && (b.map === -1 || a.map === b.map) && (!a.readOnly || b.readOnly === true) && mapId(b.id, String(a.id));
      if (a.kind === 'mem') return b.inner === undefined && a.size >= b.size && (b.map === -1 || a.map === b.map) && (!a.readOnly || b.readOnly === true) && a.off.constantValue === 0n && mapId(b.id, 'non-null');
      return false;
  }
}
