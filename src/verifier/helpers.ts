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
  let map: number | undefined;
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
      case 'ctx': {
        const v = read(state, r);
        if (v.kind !== 'ctx' || v.off.constantValue !== 0n) fail(`${what} must be the context pointer, but it holds ${describe(v)}`);
        break;
      }
      case 'map':
      case 'map_of_programs': {
        const v = read(state, r);
        if (v.kind !== 'map') return fail(`${what} must be a map, but it holds ${describe(v)}`);
        const programs = p.platform.mapTypeById(p.maps[v.map]!.type)?.isProgArray === true;
        if (kind === 'map_of_programs' && !programs) fail(`${what} must be a program array map`);
        map = v.map;
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
      case 'writable_mem': {
        const sizeKind = args[i + 1];
        if (sizeKind !== 'const_size' && sizeKind !== 'const_size_or_zero') fail(`${name}: memory argument ${r} has no size after it in the platform's prototype`);
        const v = read(state, r);
        const size = number(state, r + 1, `${name} size`);
        if (sizeKind === 'const_size' && size.umin === 0n) fail(`${name}: the size in r${r + 1} may be 0 (${size}); it must be at least 1`);
        if (size.smin < 0n || size.umax > 1n << 31n) fail(`${name}: the size in r${r + 1} has no upper bound (${size}); bound it with a comparison`);
        i++;
        if (kind === 'readable_mem_or_null' && v.kind === 'scalar' && v.n.constantValue === 0n) break;
        if (size.umax === 0n) break;
        const site = { reg: r, what: `${name} ${kind === 'writable_mem' ? 'writes' : 'reads'} up to ${size.umax} bytes at r${r}` };
        checkAccess(state, v, 0, size, kind === 'writable_mem', p.type, site, state.v(r + 1));
        if (v.kind === 'stack') {
          if (kind === 'writable_mem') {
            const off = v.off.constantValue;
            // The bytes certainly written become numbers; the others may have been overwritten.
            maybeWritten(state, v.frame, Number(v.off.smin) + STACK_BYTES, Number(v.off.smax + size.umax) + STACK_BYTES);
            if (off !== undefined && size.umin > 0n) storeStack(state, v.frame, Number(BigInt.asIntN(64, off)), Number(size.umin), scalar(Scalar.unknown()));
          } else numbersOnly(state, v, Number(size.umax), what);
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
  if (helper.returns === 'map_value_or_null') {
    if (map === undefined) fail(`${name} returns a map value but takes no map`);
    const inner = p.platform.mapTypeById(p.maps[map!]!.type)?.isMapOfMaps ? p.innerOf.get(map!) : undefined;
    if (p.platform.mapTypeById(p.maps[map!]!.type)?.isMapOfMaps && inner === undefined) fail(`${name}: map ${map} is a map of maps without an inner map template`);
    // A map of maps holds maps: the value found is an inner map (once compared with 0), not memory.
    const value: Value = { kind: 'mem_or_null', map: map!, size: inner === undefined ? p.maps[map!]!.valueSize : 0, id: state.nextId++, origin: pc, helper: name, ...(inner !== undefined ? { inner } : {}), ...(p.maps[map!]!.readOnly ? { readOnly: true as const } : {}) };
    state.set(0, value);
  } else state.set(0, scalar(Scalar.unknown()));
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
  const dead = (v: Value) => v.kind === 'packet';
  state.regs.forEach((v, r) => dead(v) && state.set(r, UNINIT));
  state.savedRegs.forEach((regs) => regs.forEach((v, r) => dead(v) && (regs[r] = UNINIT)));
  state.stacks.forEach((f, d) => f.slots.forEach((v, slot) => {
    if (!dead(v)) return;
    f.slots.delete(slot);
    f.bytes.fill(0, slot * 8, slot * 8 + 8);
    state.zone.forget(slotVar(d, slot));
  }));
  state.zone.assignInterval(PACKET_SIZE, 0, maxPacket);
  bindBounds(state.zone, PACKET_SIZE, scalar(Scalar.unsignedRange(0n, BigInt(maxPacket))));
}
