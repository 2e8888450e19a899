// Memory safety: what an access of some bytes through a pointer needs proven (bounds of the stack frame,
// the context, the packet against its size, a map value against its value size; initialised stack bytes;
// writable context fields), and how stores and helper writes change what the stack holds.

import type { ProgramTypeSpec } from '../platform/index.ts';
import { Scalar } from './scalar.ts';
import { BYTE_NUMBER, BYTE_POINTER, BYTE_UNINIT, isPointer, META_OFFSET, narrowVar, PACKET_SIZE, slotVar, STACK_BYTES, type State, type Value } from './state.ts';
import { ZERO } from './zone.ts';

/** An error on the path being analysed: it stops that path. */
export class PathError extends Error {}

export function fail(message: string): never {
  throw new PathError(message);
}

export const C = (n: bigint | number) => Scalar.constant(BigInt(n));

/** A value in a user's words. */
export function describe(v: Value): string {
  switch (v.kind) {
    case 'uninit': return 'nothing (uninitialized)';
    case 'scalar': return v.n.constantValue !== undefined ? `the number ${v.n}` : 'a number';
    case 'mem_or_null': return `${v.inner !== undefined ? 'an inner map' : 'a map value'} that may be null (result of ${v.helper} at pc ${v.origin})`;
    case 'mem': return 'a map value pointer';
    case 'packet': return v.end ? 'the data_end pointer' : 'a packet pointer';
    case 'map': return 'a map';
    case 'mixed': return `different types on different paths (${v.kinds.join(' or ')})`;
    default: return `a ${v.kind} pointer`;
  }
}

/** What an access is, for messages: `r2`, `load`, `bpf_memcpy's memory in r3`. */
export interface AccessSite {
  readonly reg: number;
  readonly what: string;
}

const range = (lo: bigint, hi: bigint) => (lo === hi ? `${lo}` : `${lo}..${hi}`);

/** Whether `x_a - x_b <= c` is proven (by the zone, or by bounds when a variable is unconstrained). */
export function proves(state: State, a: number, b: number, c: number): boolean {
  return state.zone.diff(a, b) <= c;
}

/**
 * Checks an access of `size` bytes at `base` + `offset` (`base` held by `site.reg`). `sizeVar` is the
 * zone variable of a size held in a register (variable-length helper accesses), for relational proofs.
 */
export function checkAccess(state: State, base: Value, offset: number, size: Scalar, write: boolean, type: ProgramTypeSpec, site: AccessSite, sizeVar?: number): void {
  const verb = write ? 'write' : 'read';
  const r = `r${site.reg}`;
  const k = BigInt(offset);
  switch (base.kind) {
    case 'stack': {
      const lo = base.off.smin + k;
      const hi = base.off.smax + k + size.umax;
      if (lo < -BigInt(STACK_BYTES) || hi > 0n) fail(`${site.what}: ${verb} of ${range(size.umin, size.umax)} bytes at ${r}${offset ? (offset > 0 ? `+${offset}` : offset) : ''} (stack offset ${range(lo, base.off.smax + k)}) is outside the 512-byte stack frame`);
      if (!write) {
        const frame = state.stacks[base.frame]!;
        for (let i = Number(lo) + STACK_BYTES; i < Number(hi) + STACK_BYTES; i++) {
          if (frame.bytes[i] === BYTE_UNINIT) fail(`${site.what}: reads stack byte r10${i - STACK_BYTES}${base.frame !== state.depth ? ` of the frame at depth ${base.frame}` : ''}, which is not initialized`);
        }
      }
      return;
    }
    case 'packet': {
      const v = state.v(site.reg);
      // Lower bound: the offset is at least the metadata's start (0 without metadata).
      if (!(proves(state, META_OFFSET, v, offset) || base.off.smin + k >= 0n)) fail(`${site.what}: packet ${verb} through ${r} may start before the packet's data (offset ${range(base.off.smin + k, base.off.smax + k)})`);
      // Upper bound: offset + offset + size <= packet_size.
      const end = Number(size.umax) + offset;
      let ok = size.umax < 1n << 40n && proves(state, v, PACKET_SIZE, -end);
      if (!ok && sizeVar !== undefined && base.off.constantValue !== undefined) {
        ok = proves(state, sizeVar, PACKET_SIZE, -Number(base.off.constantValue + k));
      }
      if (!ok) {
        const proven = -state.zone.diff(ZERO, PACKET_SIZE);
        fail(`${site.what}: packet ${verb} of ${range(size.umin, size.umax)} bytes at ${r}+${offset} is not proven to be inside the data (packet offset ${range(base.off.smin, base.off.smax)}, proven size at least ${Math.max(0, proven)} bytes); compare the pointer with data_end first`);
      }
      return;
    }
    case 'ctx': {
      if (base.off.constantValue === undefined) fail(`${site.what}: context accesses need a constant offset, but ${r} has offset ${range(base.off.smin, base.off.smax)}`);
      const start = Number(base.off.smin) + offset;
      const end = start + Number(size.umax);
      if (start < 0 || end > type.contextSize) fail(`${site.what}: ${verb} of ${size.umax} bytes at context offset ${start} is outside its ${type.contextSize} bytes (${r})`);
      const pointerField = type.fields.find((f) => f.pointer && start < f.offset + f.size && end > f.offset);
      if (pointerField && write) fail(`${site.what}: cannot write to the context's ${pointerField.name} pointer field (offset ${pointerField.offset})`);
      if (pointerField && (start !== pointerField.offset || Number(size.umax) !== pointerField.size)) fail(`${site.what}: the ${pointerField.name} pointer field of the context can only be read whole (${pointerField.size} bytes at offset ${pointerField.offset})`);
      if (write) {
        const field = type.fields.find((f) => start >= f.offset && end <= f.offset + f.size);
        if (!field || !field.writable) fail(`${site.what}: context offset ${start} is read-only for ${type.name} programs`);
      }
      return;
    }
    case 'mem': {
      const lo = base.off.smin + k;
      const hi = base.off.smax + k + size.umax;
      if (lo < 0n || hi > BigInt(base.size)) fail(`${site.what}: ${verb} of ${range(size.umin, size.umax)} bytes at ${r}+${offset} (map value offset ${range(lo, base.off.smax + k)}) is outside its ${base.size} bytes`);
      if (write && base.readOnly) fail(`${site.what}: ${r} points into a read-only map value${base.map >= 0 ? ` (map ${base.map})` : ''}: programs cannot write to constants (.rodata)`);
      return;
    }
    case 'mem_or_null':
      return fail(`${r} may be null: compare it with 0 before the access (result of ${base.helper} at pc ${base.origin})`);
    case 'scalar':
      return fail(`${site.what}: ${r} holds ${describe(base)}, not a pointer`);
    default:
      return fail(`${site.what}: cannot ${verb} through ${r}, which holds ${describe(base)}`);
  }
}

/** Records a store of `size` bytes of `value` at stack offset `off` (constant) of frame `frame`. */
export function storeStack(state: State, frame: number, off: number, size: number, value: Value, valueVar?: number): void {
  const f = state.stacks[frame]!;
  const start = off + STACK_BYTES;
  clobber(state, frame, start, start + size);
  if (isPointer(value) && (size !== 8 || start % 8 !== 0)) {
    // Part of a pointer, or a pointer off its slot: its bytes can never be read back.
    f.bytes.fill(BYTE_POINTER, start, start + size);
    return;
  }
  if (isPointer(value) || (value.kind === 'scalar' && size === 8 && start % 8 === 0)) {
    const slot = start >> 3;
    f.slots.set(slot, value);
    f.bytes.fill(isPointer(value) ? BYTE_POINTER : BYTE_NUMBER, start, start + 8);
    const sv = slotVar(frame, slot);
    if (valueVar !== undefined) state.zone.assignOffset(sv, valueVar, 0, 0);
    else state.zone.forget(sv);
    return;
  }
  f.bytes.fill(BYTE_NUMBER, start, start + size);
  // A number that fits the store's width, at an offset aligned to it, is what a load of that width gives back.
  if (value.kind === 'scalar' && size < 8 && start % size === 0 && value.n.umax < 1n << BigInt(size * 8)) {
    f.narrow.set(start, { size, n: value.n });
    const nv = narrowVar(frame, start);
    if (valueVar !== undefined) state.zone.assignOffset(nv, valueVar, 0, 0);
    else state.zone.assignInterval(nv, Number(value.n.umin), Number(value.n.umax));
  }
}

/** Forgets what slots overlapping stack bytes [start, end) held (their bytes keep their kind). */
export function clobber(state: State, frame: number, start: number, end: number): void {
  const f = state.stacks[frame]!;
  for (let slot = start >> 3; slot < (end + 7) >> 3; slot++) {
    if (!f.slots.has(slot)) continue;
    f.slots.delete(slot);
    state.zone.forget(slotVar(frame, slot));
    // A pointer partly overwritten is no longer usable.
    for (let i = slot * 8; i < slot * 8 + 8; i++) if (f.bytes[i] === BYTE_POINTER) f.bytes[i] = BYTE_UNINIT;
  }
  for (const [at, spill] of f.narrow) {
    if (at >= end || at + spill.size <= start) continue;
    f.narrow.delete(at);
    state.zone.forget(narrowVar(frame, at));
  }
}

/** Bytes [start, end) of a frame may have been written with numbers (a variable offset or length). */
export function maybeWritten(state: State, frame: number, start: number, end: number): void {
  clobber(state, frame, Math.max(0, start), Math.min(STACK_BYTES, end));
}

/** The value a load of `size` bytes at constant stack offset `off` gives, and the zone variable it copies. */
export function loadStack(state: State, frame: number, off: number, size: number, reg: number): { value: Value; from?: number } {
  const f = state.stacks[frame]!;
  const start = off + STACK_BYTES;
  const spill = f.narrow.get(start);
  if (spill && spill.size === size) return { value: { kind: 'scalar', n: spill.n }, from: narrowVar(frame, start) };
  const slot = f.slots.get(start >> 3);
  if (slot && start % 8 === 0) {
    if (size === 8) return { value: slot, from: slotVar(frame, start >> 3) };
    if (slot.kind === 'scalar') return { value: { kind: 'scalar', n: size === 4 ? slot.n.truncate32() : Scalar.unsignedRange(0n, (1n << BigInt(size * 8)) - 1n) } };
  }
  for (let i = start; i < start + size; i++) {
    if (f.bytes[i] === BYTE_POINTER) fail(`r${reg} = load: reads part of a pointer spilled to the stack at r10${off}; only whole 8-byte loads give the pointer back`);
  }
  return { value: { kind: 'scalar', n: size === 8 ? Scalar.unknown() : Scalar.unsignedRange(0n, (1n << BigInt(size * 8)) - 1n) } };
}
