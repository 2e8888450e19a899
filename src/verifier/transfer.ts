// What each instruction does to an abstract state: arithmetic (with eBPF's division rules and 32-bit
// zero-extension), loads and stores, atomics, branches (which refine both sides: ranges, known bits,
// null checks, packet bounds and relations), helper calls, local calls with their own frames, and exit.

import { PSEUDO_IMM64, PSEUDO_MAP_FD, PSEUDO_MAP_IDX, PSEUDO_MAP_IDX_VALUE, PSEUDO_MAP_VALUE, type AluOp } from '../isa/opcodes.ts';
import { wideImmediate, type Instruction } from '../isa/instruction.ts';
import { branchTarget } from '../isa/validate.ts';
import type { Platform, ProgramTypeSpec } from '../platform/index.ts';
import { C, checkAccess, describe, fail, loadStack, maybeWritten, storeStack } from './access.ts';
import { callBuiltin, callHelper } from './helpers.ts';
import { compare } from './branch.ts';
import { Scalar } from './scalar.ts';
import { bindBounds, isPointer, MAX_FRAMES, META_OFFSET, PACKET_SIZE, meetBounds, numericPart, regVar, scalar, slotVar, STACK_BYTES, UNINIT, type State, type Value } from './state.ts';
import type { ProgramShape } from './cfg.ts';

/** What a map reference needs to be checked. */
export interface MapDescriptor {
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  /** For a map of maps: the template every inner map matches. */
  readonly inner?: MapDescriptor;
  /** Programs may only read its values (`.rodata`: the loader freezes it). */
  readonly readOnly?: boolean;
}

/** Everything fixed while one program is analysed. */
export interface Program {
  readonly insns: readonly Instruction[];
  readonly shape: ProgramShape;
  readonly type: ProgramTypeSpec;
  readonly platform: Platform;
  /** The object's maps, then the inner map templates of its maps of maps (which no lddw can name). */
  readonly maps: readonly MapDescriptor[];
  /** How many of `maps` are the object's own. */
  readonly objectMaps: number;
  /** For a map of maps: the index in `maps` of its inner template. */
  readonly innerOf: ReadonlyMap<number, number>;
  readonly allowDivisionByZero: boolean;
  readonly bigEndian: boolean;
  readonly maxPacket: number;
  /** Pcs of assumptions (`if COND goto +0` whose false side is dropped): PREVAIL's test cases use them. */
  readonly assumes: ReadonlySet<number>;
  /** Require a number in r0 at the program's exit. */
  readonly checkExitValue: boolean;
  /** Exits that check nothing (the ends PREVAIL's test cases fall off). */
  readonly harnessExits: ReadonlySet<number>;
  /** Check r0 at exit against the program type's return range. */
  readonly checkReturnRange: boolean;
  /** LD_ABS/LD_IND are allowed (the platform's runtime executes them). */
  readonly legacyPacketAccess: boolean;
  /** For each object map: the first map with the same descriptor (its class: what no helper can tell apart). */
  readonly mapClass: readonly number[];
  /** Calls to undefined functions, by pc, with the function's name. */
  readonly externCalls: ReadonlyMap<number, string>;
}

export interface Successor {
  readonly pc: number;
  readonly state: State;
}

const S64_MIN = -(1n << 63n);
const S64_MAX = (1n << 63n) - 1n;

export function read(state: State, r: number): Value {
  const v = state.regs[r]!;
  if (v.kind === 'uninit') fail(`r${r} is read before it is written`);
  if (v.kind === 'mixed') fail(`r${r} holds ${describe(v)}; it cannot be used here`);
  return v;
}

export function number(state: State, r: number, what: string): Scalar {
  const v = read(state, r);
  if (v.kind !== 'scalar') return fail(`${what}: r${r} must be a number, but it holds ${describe(v)}`);
  return v.n;
}

/** Applies the instruction at pc; returns the successors (none at the end of a path). */
export function step(p: Program, pc: number, state: State): Successor[] {
  const insn = p.insns[pc]!;
  const form = p.shape.forms[pc]!;
  const s = form.semantics;
  const next = pc + form.slots;
  switch (s.kind) {
    case 'alu':
      if (insn.dst === 10) fail('r10 (the frame pointer) is read-only');
      {
        const extended = extensionPair(p, pc, state);
        if (extended) return extended;
      }
      alu(p, state, insn, s.op, s.is64, s.source === 'reg', s.extendFrom);
      return [{ pc: next, state }];
    case 'endian': {
      if (insn.dst === 10) fail('r10 (the frame pointer) is read-only');
      const n = number(state, insn.dst, 'byte swap');
      const identity = s.op === (p.bigEndian ? 'be' : 'le');
      const mask = (1n << BigInt(s.width)) - 1n;
      state.set(insn.dst, scalar(identity ? (s.width === 64 ? n : n.and(C(mask))) : s.width === 64 ? Scalar.unknown() : Scalar.unsignedRange(0n, mask)));
      return [{ pc: next, state }];
    }
    case 'lddw':
      if (insn.dst === 10) fail('r10 (the frame pointer) is read-only');
      if (s.pseudo === PSEUDO_IMM64) state.set(insn.dst, scalar(Scalar.constant(wideImmediate(p.insns, pc))));
      // Maps are numbered by their index in the object, so a map by fd and a map by index are the same here.
      else if (s.pseudo === PSEUDO_MAP_FD || s.pseudo === PSEUDO_MAP_IDX) {
        const map = mapOf(p, insn.imm);
        state.set(insn.dst, { kind: 'map', map, cls: p.mapClass[map]! });
      }
      else if (s.pseudo === PSEUDO_MAP_VALUE || s.pseudo === PSEUDO_MAP_IDX_VALUE) state.set(insn.dst, directValue(p, insn.imm, p.insns[pc + 1]!.imm));
      else fail(`lddw with pseudo source ${s.pseudo} is not supported`);
      return [{ pc: next, state }];
    case 'load': {
      if (insn.dst === 10) fail('r10 (the frame pointer) is read-only');
      const base = read(state, insn.src);
      checkAccess(state, base, insn.offset, C(s.size), false, p.type, { reg: insn.src, what: `r${insn.dst} = *(u${s.size * 8} *)(r${insn.src} ${insn.offset < 0 ? '-' : '+'} ${Math.abs(insn.offset)})` });
      load(p, state, insn, base, s.size, s.signed);
      return [{ pc: next, state }];
    }
    case 'store': {
      const base = read(state, insn.dst);
      const value: Value = s.source === 'reg' ? read(state, insn.src) : scalar(C(insn.imm));
      const what = `*(u${s.size * 8} *)(r${insn.dst} ${insn.offset < 0 ? '-' : '+'} ${Math.abs(insn.offset)}) = ${s.source === 'reg' ? `r${insn.src}` : insn.imm}`;
      if (isPointer(value) && base.kind !== 'stack') fail(`${what}: only numbers can be stored outside the stack, but r${insn.src} holds ${describe(value)}`);
      checkAccess(state, base, insn.offset, C(s.size), true, p.type, { reg: insn.dst, what });
      if (base.kind === 'stack') {
        const off = base.off.constantValue;
        if (off !== undefined) storeStack(state, base.frame, Number(BigInt.asIntN(64, off)) + insn.offset, s.size, value, s.source === 'reg' ? state.v(insn.src) : undefined);
        else {
          if (isPointer(value)) fail(`${what}: a pointer can be stored to the stack only at a constant offset`);
          maybeWritten(state, base.frame, Number(base.off.smin) + insn.offset + STACK_BYTES, Number(base.off.smax) + insn.offset + s.size + STACK_BYTES);
        }
      }
      return [{ pc: next, state }];
    }
    case 'atomic': {
      const base = read(state, insn.dst);
      const what = `atomic ${s.op} at r${insn.dst}${insn.offset >= 0 ? '+' : ''}${insn.offset}`;
      if (base.kind !== 'stack' && base.kind !== 'mem' && base.kind !== 'mem_or_null') fail(`${what}: atomic operations need a stack or map value pointer, but r${insn.dst} holds ${describe(base)}`);
      number(state, insn.src, what);
      if (s.op === 'cmpxchg') number(state, 0, what);
      checkAccess(state, base, insn.offset, C(s.size), false, p.type, { reg: insn.dst, what });
      checkAccess(state, base, insn.offset, C(s.size), true, p.type, { reg: insn.dst, what });
      if (base.kind === 'stack') {
        const off = base.off.constantValue;
        const start = Number(base.off.smin) + insn.offset + STACK_BYTES;
        if (off !== undefined) storeStack(state, base.frame, start - STACK_BYTES, s.size, scalar(Scalar.unknown()));
        else maybeWritten(state, base.frame, start, Number(base.off.smax) + insn.offset + s.size + STACK_BYTES);
      }
      const old = scalar(s.size === 4 ? Scalar.unsignedRange(0n, 0xffffffffn) : Scalar.unknown());
      if (s.op === 'cmpxchg') state.set(0, old);
      else if (s.fetch) state.set(insn.src, old);
      return [{ pc: next, state }];
    }
    case 'ja':
      return [{ pc: branchTarget(insn, form, pc)!, state }];
    case 'jump': {
      const target = branchTarget(insn, form, pc)!;
      const [taken, fallthrough] = compare(state, s.cond, s.is64, insn.dst, s.source === 'reg' ? insn.src : undefined, insn.imm);
      if (p.assumes.has(pc)) return taken.map((t) => ({ pc: next, state: t }));
      return [...fallthrough.map((f) => ({ pc: next, state: f })), ...taken.map((t) => ({ pc: target, state: t }))];
    }
    case 'call':
      if (s.target === 'local') return localCall(pc, state, branchTarget(insn, form, pc)!);
      if (s.target === 'helper') {
        callHelper(p, pc, state, insn.imm);
        return [{ pc: next, state }];
      }
      if (s.target === 'kfunc' && insn.src === 2 && insn.imm === 0 && p.externCalls.has(pc)) {
        callBuiltin(p, pc, state, p.externCalls.get(pc)!);
        return [{ pc: next, state }];
      }
      if (s.target === 'register') {
        const id = number(state, insn.dst, 'callx').constantValue;
        if (id === undefined) fail(`callx: r${insn.dst} must hold one known helper id`);
        callHelper(p, pc, state, Number(id));
        return [{ pc: next, state }];
      }
      return fail(`calls by ${s.target} are not supported on this platform`);
    case 'exit':
      return exit(p, pc, state);
    case 'packet-load':
      legacyPacketLoad(p, state, insn, s.size, s.mode);
      return [{ pc: next, state }];
  }
}

/**
 * LD_ABS/LD_IND: r0 = the packet's bytes at imm (plus src for LD_IND), in network order, read through the
 * context in r6. The runtime checks the bounds: a read outside the packet ends the program with r0 = 0,
 * so that value must be a valid return. r1-r5 do not survive, as after a helper call.
 */
function legacyPacketLoad(p: Program, state: State, insn: Instruction, size: number, mode: 'abs' | 'ind'): void {
  const what = `r0 = *(u${size * 8} *)skb[${mode === 'ind' ? `r${insn.src}${insn.imm ? ` + ${insn.imm}` : ''}` : insn.imm}]`;
  if (!p.legacyPacketAccess) fail(`${what}: legacy packet access (LD_ABS/LD_IND) is not supported on ${p.platform.name}`);
  if (p.type.dataOffset < 0) fail(`${what}: ${p.type.name} programs have no packet data`);
  const ctx = read(state, 6);
  if (ctx.kind !== 'ctx' || ctx.off.constantValue !== 0n) fail(`${what}: r6 must hold the context pointer, but it holds ${describe(ctx)}`);
  if (mode === 'ind') number(state, insn.src, what);
  const range = p.checkReturnRange && state.depth === 0 ? p.type.returnRange : undefined;
  if (range && (range[0] > 0 || range[1] < 0)) fail(`${what}: a read outside the packet ends the program with r0 = 0, which is not a return value of ${p.type.name} programs (${range[0]} to ${range[1]})`);
  for (let r = 1; r <= 5; r++) {
    state.regs[r] = UNINIT;
    state.zone.forget(state.v(r));
  }
  state.set(0, scalar(Scalar.unsignedRange(0n, (1n << BigInt(size * 8)) - 1n)));
}

/** The index of an existing map referenced by an lddw. */
function mapOf(p: Program, index: number): number {
  if (index < 0 || index >= p.objectMaps) fail(`lddw refers to map ${index}, but the program has ${p.objectMaps} map${p.objectMaps === 1 ? '' : 's'}`);
  return index;
}

/**
 * A pointer into the first value of an array map (global variables: .data, .rodata, .bss), as the loader
 * resolves it: only a plain array has one fixed value to point into. Like any map value pointer it may be
 * moved anywhere; each access through it is checked against the value's size.
 */
function directValue(p: Program, index: number, offset: number): Value {
  const m = p.maps[mapOf(p, index)]!;
  const type = p.platform.mapTypeById(m.type);
  if (!type || !type.isArray || type.perCpu || type.valueKind !== 'data') fail(`lddw of a value address needs an array map, but map ${index} is ${type ? type.displayName : `of unknown type ${m.type}`}`);
  return { kind: 'mem', map: index, size: m.valueSize, off: C(offset), ...(m.readOnly ? { readOnly: true as const } : {}) };
}

/**
 * `x <<= k; x >>= k` (what clang emits to zero-extend a 32-bit value) as one step, at the `<<=`, so that x
 * keeps its relations: x is left as it is when it already fits in 64 - k bits. When x may be negative but
 * lies within (-2^w, 2^w), w = 64 - k <= 32 (`(u32)(len - 33)`: clang's range check `len == 0 || len > 32`),
 * the paths where it is negative and where it is not go on apart, each exact: the negative one gains 2^w.
 * Sign extension (`>>=` arithmetic) is kept whole when x fits. Undefined: not such a pair, step normally.
 */
function extensionPair(p: Program, pc: number, state: State): Successor[] | undefined {
  const a = p.insns[pc]!;
  const b = p.insns[pc + 1];
  const fa = p.shape.forms[pc]!.semantics;
  const fb = b && p.shape.forms[pc + 1]?.semantics;
  if (!b || !fb || fa.kind !== 'alu' || fb.kind !== 'alu' || !fa.is64 || !fb.is64 || fa.op !== 'lsh' || fa.source !== 'imm' || fb.source !== 'imm') return undefined;
  if (b.dst !== a.dst || b.imm !== a.imm || a.imm <= 0 || a.imm >= 64 || p.shape.joinPoints[pc + 1]) return undefined;
  const v = state.regs[a.dst]!;
  if (v.kind !== 'scalar') return undefined;
  const k = BigInt(a.imm);
  const w = 64n - k;
  if (fb.op === 'arsh') return v.n.smin >= -(1n << (w - 1n)) && v.n.smax < 1n << (w - 1n) ? [{ pc: pc + 2, state }] : undefined;
  if (fb.op !== 'rsh') return undefined;
  if (v.n.umax < 1n << w) return [{ pc: pc + 2, state }];
  if (w > 32n || v.n.smin < -(1n << w) || v.n.smax >= 1n << w) return undefined;
  const [nonNegative, negative] = compare(state, 'sge', true, a.dst, undefined, 0);
  for (const s of negative) {
    const n = s.regs[a.dst]! as Extract<Value, { kind: 'scalar' }>;
    s.regs[a.dst] = scalar(n.n.add(C(1n << w)));
    s.zone.assignOffset(s.v(a.dst), s.v(a.dst), 2 ** Number(w), 2 ** Number(w));
  }
  return [...nonNegative, ...negative].map((s) => ({ pc: pc + 2, state: s }));
}

/** Whether `x & mask` is x itself: every bit x may have set is set in the (known) mask, and a 32-bit AND drops nothing. */
function keepsEveryBit(x: Scalar, mask: Scalar, is64: boolean): boolean {
  const m = mask.constantValue;
  if (m === undefined) return false;
  const bits = x.tnum.value | x.tnum.mask;
  return (bits & ~(is64 ? m : m & 0xffffffffn) & ((1n << 64n) - 1n)) === 0n;
}

function noOverflow(a: Scalar, lo: bigint, hi: bigint): boolean {
  return a.smin + lo >= S64_MIN && a.smax + hi <= S64_MAX;
}

function alu(p: Program, state: State, insn: Instruction, op: AluOp, is64: boolean, fromReg: boolean, extendFrom?: number): void {
  const dst = insn.dst;
  const x = state.v(dst);
  const operand: Value = fromReg ? read(state, insn.src) : scalar(is64 ? C(insn.imm) : C(insn.imm >>> 0));
  const y = fromReg ? state.v(insn.src) : undefined;
  const what = `r${dst} ${op}${is64 ? '' : '32'} ${fromReg ? `r${insn.src}` : insn.imm}`;
  if (op === 'mov') {
    if (is64) {
      state.regs[dst] = operand;
      if (y !== undefined && numericPart(operand)) state.zone.assignOffset(x, y, 0, 0);
      else bindBounds(state.zone, x, operand);
      return;
    }
    if (operand.kind !== 'scalar') fail(`${what}: a 32-bit move of ${describe(operand)} would truncate it`);
    const n = operand.n.truncate32();
    state.regs[dst] = scalar(n);
    if (y !== undefined && operand.n.umax <= 0xffffffffn) state.zone.assignOffset(x, y, 0, 0);
    else bindBounds(state.zone, x, scalar(n));
    return;
  }
  if (op === 'movsx') {
    if (operand.kind !== 'scalar') fail(`${what}: sign extension of ${describe(operand)}`);
    const n = operand.n.signExtend(extendFrom ?? 32);
    state.set(dst, scalar(is64 ? n : n.truncate32()));
    return;
  }
  const current = read(state, dst);
  if (current.kind === 'scalar' && operand.kind === 'scalar') {
    if ((op === 'div' || op === 'mod' || op === 'sdiv' || op === 'smod') && !p.allowDivisionByZero) {
      const d = is64 ? operand.n : operand.n.truncate32();
      if (d.umin === 0n) fail(`${what}: possible division by zero (${fromReg ? `r${insn.src}` : 'the divisor'} may be 0)`);
    }
    if (is64 && (op === 'add' || op === 'sub')) {
      const b = operand.n;
      const [lo, hi] = op === 'add' ? [b.smin, b.smax] : [-b.smax, -b.smin];
      const result = op === 'add' ? current.n.add(b) : current.n.sub(b);
      if (noOverflow(current.n, lo, hi) && hi - lo < 1n << 52n) {
        state.regs[dst] = scalar(result);
        state.zone.assignOffset(x, x, Number(lo), Number(hi));
        meetBounds(state.zone, x, result);
        return;
      }
      if (op === 'add' && y !== undefined && current.n.constantValue !== undefined && noOverflow(b, current.n.smin, current.n.smax)) {
        state.regs[dst] = scalar(result);
        state.zone.assignOffset(x, y, Number(current.n.smin), Number(current.n.smin));
        return;
      }
      state.set(dst, scalar(result));
      return;
    }
    if (!is64 && (op === 'add' || op === 'sub') && current.n.umax <= 0xffffffffn) {
      const a32 = current.n;
      const b32 = operand.n.truncate32();
      const wide = op === 'add' ? a32.add(b32) : a32.sub(b32);
      if (wide.smin >= 0n && wide.smax <= 0xffffffffn && b32.umax - b32.umin < 1n << 52n) {
        state.regs[dst] = scalar(wide);
        state.zone.assignOffset(x, x, Number(op === 'add' ? b32.umin : -b32.umax), Number(op === 'add' ? b32.umax : -b32.umin));
        meetBounds(state.zone, x, wide);
        return;
      }
    }
    if (op === 'and' && keepsEveryBit(current.n, operand.n, is64)) return; // x & mask is x: its relations stay
    state.set(dst, scalar(arith(op, current.n, operand.n, is64)));
    return;
  }
  if (!is64) fail(`${what}: 32-bit arithmetic on ${describe(current.kind === 'scalar' ? operand : current)} is not allowed`);
  if (current.kind === 'mem_or_null' || operand.kind === 'mem_or_null') fail(`${what}: arithmetic on a map value that may be null: compare it with 0 first`);
  // Pointer arithmetic: pointer +/- number, number + pointer, and the distance between two pointers into one region.
  if (isPointer(current) && isPointer(operand)) {
    if (op !== 'sub') fail(`${what}: only subtraction is allowed between two pointers`);
    if (!sameRegion(current, operand)) fail(`${what}: cannot subtract pointers to different regions (${describe(current)} and ${describe(operand)})`);
    for (const [r, v] of [[dst, current], [insn.src, operand]] as const) {
      if (v.kind === 'stack' && (v.off.smax > 0n || v.off.smin < -BigInt(STACK_BYTES))) fail(`${what}: r${r} points outside its stack frame (offset ${v.off})`);
    }
    const a = numericPart(current)!;
    const b = numericPart(operand)!;
    let n = a.sub(b);
    // The zone may know the difference better than the offsets' ranges do.
    const up = state.zone.diff(x, y!);
    const down = state.zone.diff(y!, x);
    if (up !== Infinity) n = n.refine('sle', C(Math.floor(up)));
    if (down !== Infinity) n = n.refine('sge', C(-Math.floor(down)));
    state.regs[dst] = scalar(n);
    if (b.smax - b.smin < 1n << 52n) {
      state.zone.assignOffset(x, x, Number(-b.smax), Number(-b.smin));
      meetBounds(state.zone, x, n);
    } else bindBounds(state.zone, x, scalar(n));
    return;
  }
  if (op !== 'add' && op !== 'sub') fail(`${what}: ${op} on ${describe(isPointer(current) ? current : operand)} is not allowed; only adding or subtracting a number is`);
  if (isPointer(operand)) {
    // number + pointer
    if (op !== 'add' || current.kind !== 'scalar') fail(`${what}: a pointer cannot be subtracted from a number`);
    const off = numericPart(operand)!;
    if (operand.kind === 'map' ) fail(`${what}: arithmetic on a map is not allowed`);
    const n = current.n;
    state.regs[dst] = withOffset(operand, off.add(n));
    if (noOverflow(off, n.smin, n.smax) && n.smax - n.smin < 1n << 52n) state.zone.assignOffset(x, y!, Number(n.smin), Number(n.smax));
    else bindBounds(state.zone, x, state.regs[dst]!);
    return;
  }
  if (operand.kind !== 'scalar') return fail(`${what}: r${insn.src} holds ${describe(operand)}`);
  if (current.kind === 'map') fail(`${what}: arithmetic on a map is not allowed`);
  const off = numericPart(current)!;
  const n = operand.n;
  const [lo, hi] = op === 'add' ? [n.smin, n.smax] : [-n.smax, -n.smin];
  const moved = op === 'add' ? off.add(n) : off.sub(n);
  state.regs[dst] = withOffset(current, moved);
  if (op === 'add' && y !== undefined && off.constantValue !== undefined && off.smin > -(1n << 52n) && off.smin < 1n << 52n && noOverflow(n, off.smin, off.smax)) {
    // A pointer at a known offset plus a number in a register: the offset is that number plus a constant,
    // which keeps what is known of the number (say, that it is below the packet's size).
    state.zone.assignOffset(x, y, Number(off.smin), Number(off.smin));
    meetBounds(state.zone, x, moved);
    return;
  }
  if (noOverflow(off, lo, hi) && hi - lo < 1n << 52n) {
    state.zone.assignOffset(x, x, Number(lo), Number(hi));
    meetBounds(state.zone, x, moved);
  } else bindBounds(state.zone, x, state.regs[dst]!);
}

function withOffset(v: Value, off: Scalar): Value {
  switch (v.kind) {
    case 'ctx': return { kind: 'ctx', off };
    case 'stack': return { kind: 'stack', frame: v.frame, off };
    case 'packet': return { kind: 'packet', off };
    case 'mem': return { ...v, off };
    default: return fail(`arithmetic on ${describe(v)} is not allowed`);
  }
}

export function sameRegion(a: Value, b: Value): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'stack') return a.frame === (b as typeof a).frame;
  if (a.kind === 'mem') return a.map === (b as typeof a).map && a.map >= 0;
  return a.kind === 'packet' || a.kind === 'ctx';
}

/** Scalar arithmetic with eBPF's rules (x/0 = 0, x%0 = x, 32-bit results zero-extended, shifts masked). */
function arith(op: AluOp, x: Scalar, y: Scalar, is64: boolean): Scalar {
  const a = is64 ? x : x.truncate32();
  const b = is64 ? y : y.truncate32();
  const shift = is64 ? b : b.and(C(31));
  let r: Scalar;
  switch (op) {
    case 'add': r = a.add(b); break;
    case 'sub': r = a.sub(b); break;
    case 'mul': r = a.mul(b); break;
    case 'div': r = a.div(b); break;
    case 'mod': r = a.mod(b); break;
    case 'sdiv': r = is64 ? a.sdiv(b) : x.signExtend32().sdiv(y.signExtend32()); break;
    case 'smod': r = is64 ? a.smod(b) : x.signExtend32().smod(y.signExtend32()); break;
    case 'or': r = a.or(b); break;
    case 'and': r = a.and(b); break;
    case 'xor': r = a.xor(b); break;
    case 'lsh': r = a.lsh(shift); break;
    case 'rsh': r = a.rsh(shift); break;
    case 'arsh': r = is64 ? a.arsh(shift) : x.signExtend32().arsh(shift); break;
    case 'neg': r = a.neg(); break;
    default: r = Scalar.unknown();
  }
  return is64 ? r : r.truncate32();
}

function load(p: Program, state: State, insn: Instruction, base: Value, size: number, signed: boolean): void {
  const dst = insn.dst;
  const extend = (n: Scalar) => (signed ? n.signExtend(size * 8) : n);
  if (base.kind === 'stack' && base.off.constantValue !== undefined) {
    const { value, from } = loadStack(state, base.frame, Number(BigInt.asIntN(64, base.off.constantValue)) + insn.offset, size, dst);
    if (value.kind === 'scalar' && signed) {
      state.set(dst, scalar(extend(value.n)));
      return;
    }
    state.regs[dst] = value;
    if (from !== undefined && state.zone.has(from)) state.zone.assignOffset(state.v(dst), from, 0, 0);
    else bindBounds(state.zone, state.v(dst), value);
    return;
  }
  if (base.kind === 'stack') {
    // A variable offset: every byte was checked initialised; pointers cannot be read back this way.
    const f = state.stacks[base.frame]!;
    for (let i = Number(base.off.smin) + insn.offset + STACK_BYTES; i < Number(base.off.smax) + insn.offset + size + STACK_BYTES; i++) {
      if (f.bytes[i] !== 1) fail(`r${dst} = load: reads stack bytes at a variable offset that may hold a pointer (r10${i - STACK_BYTES})`);
    }
  }
  if (base.kind === 'ctx') {
    const at = Number(base.off.constantValue!) + insn.offset;
    const t = p.type;
    const field = t.fields.find((f) => f.pointer && f.offset === at && f.size === size);
    if (field && at === t.dataOffset) {
      state.set(dst, { kind: 'packet', off: C(0) });
      return;
    }
    if (field && at === t.dataEndOffset) {
      state.regs[dst] = { kind: 'packet', off: Scalar.unsignedRange(0n, BigInt(p.maxPacket)), end: true };
      state.zone.assignOffset(state.v(dst), PACKET_SIZE, 0, 0);
      return;
    }
    if (field && at === t.metaOffset) {
      state.regs[dst] = { kind: 'packet', off: Scalar.signedRange(-4096n, 0n) };
      state.zone.assignOffset(state.v(dst), META_OFFSET, 0, 0);
      return;
    }
  }
  state.set(dst, scalar(extend(size === 8 ? Scalar.unknown() : Scalar.unsignedRange(0n, (1n << BigInt(size * 8)) - 1n))));
}

function localCall(pc: number, state: State, target: number): Successor[] {
  const depth = state.depth;
  if (depth + 1 >= MAX_FRAMES) fail(`too many call stack frames: the call to pc ${target} would be frame ${depth + 2}, and at most ${MAX_FRAMES} are allowed`);
  if (target === 0 || state.calls.some((c) => c.entry === target)) fail(`illegal recursion: the function at pc ${target} is already being called`);
  const caller = state.regs;
  state.pushFrame({ returnPc: pc + 1, entry: target });
  for (let r = 1; r <= 5; r++) {
    const v = caller[r]!;
    state.regs[r] = v;
    if (numericPart(v)) state.zone.assignOffset(regVar(depth + 1, r), regVar(depth, r), 0, 0);
  }
  state.regs[10] = { kind: 'stack', frame: depth + 1, off: C(0) };
  bindBounds(state.zone, regVar(depth + 1, 10), state.regs[10]);
  // The caller's r0-r5 do not survive the call.
  const saved = state.savedRegs[depth]!;
  for (let r = 0; r <= 5; r++) {
    saved[r] = UNINIT;
    state.zone.forget(regVar(depth, r));
  }
  return [{ pc: target, state }];
}

function exit(p: Program, pc: number, state: State): Successor[] {
  const depth = state.depth;
  const r0 = state.regs[0]!;
  if (depth === 0 && p.harnessExits.has(pc)) return [];
  if (depth === 0) {
    if (!p.checkExitValue && r0.kind === 'uninit') return [];
    if (r0.kind !== 'scalar') fail(`r0 must hold a number at exit, but it holds ${describe(r0)}`);
    const range = p.checkReturnRange ? p.type.returnRange : undefined;
    if (range && (r0.n.smin < BigInt(range[0]) || r0.n.smax > BigInt(range[1]))) {
      const may = r0.n.constantValue !== undefined ? `${r0.n}` : `${r0.n.smin}..${r0.n.smax}`;
      fail(`r0 at exit may be ${may}, outside the return values of ${p.type.name} programs (${range[0]} to ${range[1]})`);
    }
    return [];
  }
  // r0 may be unset (a function whose result is unused): the caller's r0 is then unset too.
  if (r0.kind === 'stack' && r0.frame === depth) fail(`the function returns a pointer into its own stack frame, which ends with it`);
  const call = state.calls.pop()!;
  const regs = state.savedRegs.pop()!;
  regs[0] = r0;
  if (numericPart(r0)) state.zone.assignOffset(regVar(depth - 1, 0), regVar(depth, 0), 0, 0);
  else state.zone.forget(regVar(depth - 1, 0));
  for (let r = 0; r <= 10; r++) state.zone.forget(regVar(depth, r));
  for (let slot = 0; slot < STACK_BYTES / 8; slot++) state.zone.forget(slotVar(depth, slot));
  state.stacks.pop();
  state.regs = regs;
  // Pointers into the finished frame, wherever the callee left them, are gone.
  for (let d = 0; d < state.stacks.length; d++) {
    const f = state.stacks[d]!;
    for (const [slot, v] of f.slots) {
      if (v.kind === 'stack' && v.frame >= depth) {
        f.slots.delete(slot);
        f.bytes.fill(0, slot * 8, slot * 8 + 8);
      }
    }
  }
  return [{ pc: call.returnPc, state }];
}
