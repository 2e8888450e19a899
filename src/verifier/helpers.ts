// Helper calls, checked against the platform's prototype: each argument against its kind (context, map,
// program array, key and value buffers of the map's sizes, readable or writable memory with its size in
// the next register), then the call's effects: r1-r5 are gone, r0 holds the result, packet pointers die
// when the helper may move the packet, and bytes a helper writes into the stack become numbers.

import { C, checkAccess, describe, fail, maybeWritten, storeStack } from './access.ts';
import { Scalar } from './scalar.ts';
import { bindBounds, BYTE_NUMBER, PACKET_SIZE, scalar, slotVar, STACK_BYTES, UNINIT, type State, type Value } from './state.ts';
import { number, read, type Program } from './transfer.ts';

export function callHelper(p: Program, pc: number, state: State, id: number): void {
  const helper = p.platform.helper(p.type, id);
  if (!helper) return fail(`helper ${id} does not exist for ${p.type.name} programs on ${p.platform.name}`);
  const name = helper.name;
  if (helper.unsupported) return fail(`${name} (helper ${id}): ${helper.unsupported}`);
  let map: number | undefined;
  /** The constant size of the memory an allocating helper returns (its const_alloc_size_or_zero argument). */
  let allocSize: number | undefined;
  const args = helper.args;
  for (let i = 0; i < args.length; i++) {
    const r = i + 1;
    const kind = args[i]!;
    const what = `${name} argument ${r} (r${r})`;
    switch (kind) {
      case 'dontcare':
        break;
      case 'anything':
        read(state, r);
        break;
      case 'ctx':
      case 'ctx_or_null': {
        const v = read(state, r);
        if (kind === 'ctx_or_null' && v.kind === 'scalar' && v.n.constantValue === 0n) break;
        if (v.kind !== 'ctx' || v.off.constantValue !== 0n) fail(`${what} must be the context pointer${kind === 'ctx_or_null' ? ' or 0' : ''}, but it holds ${describe(v)}`);
        break;
      }
      case 'map':
      case 'map_of_programs': {
        const v = read(state, r);
        if (v.kind !== 'map') return fail(`${what} must be a map, but it holds ${describe(v)}`);
        const mapType = p.platform.mapTypeById(p.maps[v.map]!.type);
        if (kind === 'map_of_programs' && mapType?.isProgArray !== true) fail(`${what} must be a program array map`);
        if (helper.mapTypes && !helper.mapTypes.includes(p.maps[v.map]!.type)) {
          const names = helper.mapTypes.map((t) => p.platform.mapTypeById(t)?.displayName ?? `${t}`).join(', ');
          fail(`${what}: map ${v.map} is ${mapType ? `a ${mapType.displayName}` : `of unknown type ${p.maps[v.map]!.type}`} map, but ${name} takes ${helper.mapTypes.length > 1 ? 'one of ' : 'a '}${names}${helper.mapTypes.length > 1 ? '' : ' map'}`);
        }
        map = v.map;
        break;
      }
      case 'writable_int':
      case 'writable_long': {
        const size = kind === 'writable_int' ? 4 : 8;
        const v = read(state, r);
        checkAccess(state, v, 0, C(size), true, p.type, { reg: r, what: `${name} writes ${size} bytes at r${r}` });
        if (v.kind === 'stack') written(state, v, C(size));
        break;
      }
      case 'const_alloc_size_or_zero': {
        const size = number(state, r, `${name} size`).constantValue;
        if (size === undefined || size > 1n << 31n) fail(`${what}: the size to allocate must be a known constant, but r${r} holds ${describe(read(state, r))}`);
        allocSize = Number(size);
        break;
      }
      case 'alloc_mem': {
        const v = read(state, r);
        if (v.kind !== 'mem' || v.map !== ALLOCATED || v.off.constantValue !== 0n) fail(`${what} must be memory bpf_ringbuf_reserve returned, at its start (compared with 0 first), but it holds ${describe(v)}`);
        break;
      }
      case 'map_key':
      case 'map_value': {
        if (map === undefined) fail(`${what}: a key or value argument needs its map first`);
        const m = p.maps[map!]!;
        const size = kind === 'map_key' ? m.keySize : m.valueSize;
        const v = read(state, r);
        if (v.kind === 'ctx' || v.kind === 'map') fail(`${what}: a map ${kind === 'map_key' ? 'key' : 'value'} must be on the stack, in the packet or in a map value, but it is ${describe(v)}`);
        checkAccess(state, v, 0, C(size), false, p.type, { reg: r, what: `${name} ${kind === 'map_key' ? 'key' : 'value'} in r${r} (${size} bytes)` });
        if (v.kind === 'stack') numbersOnly(state, v, size, what);
        break;
      }
      case 'readable_mem':
      case 'readable_mem_or_null':
      case 'writable_mem':
      case 'writable_mem_or_null':
      case 'readwrite_mem': {
        const sizeKind = args[i + 1];
        if (sizeKind !== 'const_size' && sizeKind !== 'const_size_or_zero') fail(`${name}: memory argument ${r} has no size after it in the platform's prototype`);
        const v = read(state, r);
        const size = number(state, r + 1, `${name} size`);
        if (sizeKind === 'const_size' && size.umin === 0n) fail(`${name}: the size in r${r + 1} may be 0 (${size}); it must be at least 1`);
        if (size.smin < 0n || size.umax > 1n << 31n) fail(`${name}: the size in r${r + 1} has no upper bound (${size}); bound it with a comparison`);
        i++;
        if ((kind === 'readable_mem_or_null' || kind === 'writable_mem_or_null') && v.kind === 'scalar' && v.n.constantValue === 0n) break;
        if (size.umax === 0n) break;
        const writes = kind === 'writable_mem' || kind === 'writable_mem_or_null' || kind === 'readwrite_mem';
        const reads = kind === 'readable_mem' || kind === 'readable_mem_or_null' || kind === 'readwrite_mem';
        const site = { reg: r, what: `${name} ${writes ? (reads ? 'reads and writes' : 'writes') : 'reads'} up to ${size.umax} bytes at r${r}` };
        if (reads && writes) checkAccess(state, v, 0, size, false, p.type, site, state.v(r + 1));
        checkAccess(state, v, 0, size, writes, p.type, site, state.v(r + 1));
        if (v.kind === 'stack') {
          if (reads) numbersOnly(state, v, Number(size.umax), what);
          if (writes) written(state, v, size);
        }
        break;
      }
      default:
        fail(`${name}: argument kind ${kind as string} is not supported`);
    }
  }
  for (let r = 1; r <= 5; r++) {
    state.regs[r] = UNINIT;
    state.zone.forget(state.v(r));
  }
  if (helper.reallocatesPacket) forgetPacket(state, p.maxPacket);
  // A record given back (bpf_ringbuf_submit/discard) is gone: no pointer to allocated memory survives the call.
  if (args.includes('alloc_mem')) forget(state, (v) => (v.kind === 'mem' || v.kind === 'mem_or_null') && v.map === ALLOCATED);
  if (helper.returns === 'alloc_mem_or_null') {
    if (allocSize === undefined) fail(`${name} returns allocated memory but takes no size to allocate`);
    state.set(0, { kind: 'mem_or_null', map: ALLOCATED, size: allocSize!, id: state.nextId++, origin: pc, helper: name });
  } else if (helper.returns === 'map_value') {
    if (map === undefined) fail(`${name} returns a map value but takes no map`);
    state.set(0, { kind: 'mem', map: map!, size: p.maps[map!]!.valueSize, off: C(0) });
  } else if (helper.returns === 'map_value_or_null') {
    if (map === undefined) fail(`${name} returns a map value but takes no map`);
    const inner = p.platform.mapTypeById(p.maps[map!]!.type)?.isMapOfMaps ? p.innerOf.get(map!) : undefined;
    if (p.platform.mapTypeById(p.maps[map!]!.type)?.isMapOfMaps && inner === undefined) fail(`${name}: map ${map} is a map of maps without an inner map template`);
    // A map of maps holds maps: the value found is an inner map (once compared with 0), not memory.
    const value: Value = { kind: 'mem_or_null', map: map!, size: inner === undefined ? p.maps[map!]!.valueSize : 0, id: state.nextId++, origin: pc, helper: name, ...(inner !== undefined ? { inner } : {}), ...(p.maps[map!]!.readOnly ? { readOnly: true as const } : {}) };
    state.set(0, value);
  } else state.set(0, scalar(Scalar.unknown()));
}

/**
 * A call to a C library function the platform provides (memset, memcpy, memmove, memcmp): r1 (and r2) are
 * memory of the size in r3, written (memset, memcpy's and memmove's destination) or read; r1-r5 are gone
 * afterwards and r0 is a number (the destination pointer memset and memcpy return is not kept).
 */
export function callBuiltin(p: Program, pc: number, state: State, name: string): void {
  if (!p.platform.builtinCalls?.includes(name)) {
    // A helper called by name (an object linked without the helper's declaration): the platform's helper of that name.
    const helper = p.platform.builtinCalls ? [...p.platform.helpers.values()].find((h) => h.name === name) : undefined;
    if (helper) return callHelper(p, pc, state, helper.id);
    fail(`call to ${name}, which this object does not define and ${p.platform.name} does not provide`);
  }
  const size = number(state, 3, `${name} size`);
  if (size.smin < 0n || size.umax > 1n << 31n) fail(`${name}: the size in r3 has no upper bound (${size}); bound it with a comparison`);
  const access = (r: number, write: boolean) => {
    const v = read(state, r);
    if (size.umax === 0n) return;
    checkAccess(state, v, 0, size, write, p.type, { reg: r, what: `${name} ${write ? 'writes' : 'reads'} up to ${size.umax} bytes at r${r}` }, state.v(3));
    if (v.kind !== 'stack') return;
    if (write) written(state, v, size);
    else numbersOnly(state, v, Number(size.umax), `${name} argument r${r}`);
  };
  if (name === 'memset') {
    number(state, 2, `${name} fill byte`);
    access(1, true);
  } else if (name === 'memcmp') {
    access(1, false);
    access(2, false);
  } else {
    access(2, false);
    access(1, true);
  }
  for (let r = 1; r <= 5; r++) {
    state.regs[r] = UNINIT;
    state.zone.forget(state.v(r));
  }
  state.set(0, scalar(Scalar.unknown()));
}

/**
 * The map index of memory a helper allocated (bpf_ringbuf_reserve's record): no lddw names it, a join with
 * anything else loses it (map -1), and only such memory may be given back (bpf_ringbuf_submit/discard).
 */
export const ALLOCATED = -2;

/** A helper wrote up to `size` bytes into the stack at `v`: the bytes certainly written become numbers; the others may have been overwritten. */
function written(state: State, v: Extract<Value, { kind: 'stack' }>, size: Scalar): void {
  const off = v.off.constantValue;
  maybeWritten(state, v.frame, Number(v.off.smin) + STACK_BYTES, Number(v.off.smax + size.umax) + STACK_BYTES);
  if (off !== undefined && size.umin > 0n) storeStack(state, v.frame, Number(BigInt.asIntN(64, off)), Number(size.umin), scalar(Scalar.unknown()));
}

/** Stack bytes a helper reads must hold numbers (a pointer's bytes would leak it). */
function numbersOnly(state: State, v: Extract<Value, { kind: 'stack' }>, size: number, what: string): void {
  const f = state.stacks[v.frame]!;
  for (let i = Number(v.off.smin) + STACK_BYTES; i < Number(v.off.smax) + size + STACK_BYTES; i++) {
    if (f.bytes[i] !== BYTE_NUMBER) fail(`${what}: stack byte r10${i - STACK_BYTES} holds part of a pointer, not a number`);
  }
}

/** After a helper that may move the packet: no packet pointer survives, and nothing is known of its size. */
function forgetPacket(state: State, maxPacket: number): void {
  forget(state, (v) => v.kind === 'packet');
  state.zone.assignInterval(PACKET_SIZE, 0, maxPacket);
  bindBounds(state.zone, PACKET_SIZE, scalar(Scalar.unsignedRange(0n, BigInt(maxPacket))));
}

/** Every register and stack slot, in every frame, holding a `dead` value is emptied. */
function forget(state: State, dead: (v: Value) => boolean): void {
  state.regs.forEach((v, r) => dead(v) && state.set(r, UNINIT));
  state.savedRegs.forEach((regs) => regs.forEach((v, r) => dead(v) && (regs[r] = UNINIT)));
  state.stacks.forEach((f, d) => f.slots.forEach((v, slot) => {
    if (!dead(v)) return;
    f.slots.delete(slot);
    f.bytes.fill(0, slot * 8, slot * 8 + 8);
    state.zone.forget(slotVar(d, slot));
  }));
}
