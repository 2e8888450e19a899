// A first verifier analysis: every path of a program explored with an abstract state (register types,
// scalar ranges and known bits, stack bytes, the proven packet size), checking each memory access, helper
// call and exit, and stopping a path at its first error. Loops are explored, not yet proven by counting
// (a loop that repeats a state exactly is refused, and exploration has a budget), and local calls are not
// supported yet: both are listed in the issue as what the full verifier must do. Not wired into loading.

import { lookupForm, PSEUDO_IMM64, PSEUDO_MAP_FD, type AluOp, type JumpCond } from '../isa/opcodes.ts';
import { wideImmediate, type Instruction } from '../isa/instruction.ts';
import { branchTarget, validateProgram } from '../isa/validate.ts';
import type { ArgKind, HelperPrototype, Platform, ProgramTypeSpec } from '../platform/index.ts';
import { Scalar } from './scalar.ts';
import { isPointer, scalar, STACK_BYTES, State, UNINIT, type Value } from './state.ts';

/** What the verifier needs to know about a map a program references. */
export interface MapDescriptor {
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
}

/** An error found on some path. */
export interface VerificationError {
  readonly pc: number;
  readonly message: string;
}

/** The verdict and what the analysis saw. */
export interface VerificationResult {
  readonly ok: boolean;
  readonly errors: readonly VerificationError[];
  readonly instructionsExplored: number;
  /** With `recordStates`: for each pc, the abstract state before it as printable lines (undefined: unreachable). */
  readonly states?: readonly (readonly string[] | undefined)[];
  /** When the program has loops and is accepted: the proven bound on loop iterations. */
  readonly loopBound?: number;
}

/** Options of `analyse`. */
export interface AnalysisOptions {
  /** Most instructions explored over all paths before giving up (default 1,000,000). */
  budget?: number;
  /** Largest packet the program type may see (default 65535). */
  maxPacket?: bigint;
  /** Keep a printable state before each instruction in `VerificationResult.states`. */
  recordStates?: boolean;
}

class PathError extends Error {}

function fail(message: string): never {
  throw new PathError(message);
}

const C = (n: bigint | number) => Scalar.constant(BigInt(n));

function describe(v: Value): string {
  switch (v.kind) {
    case 'uninit': return 'uninitialized';
    case 'scalar': return `a number ${v.n}`;
    case 'map_value_or_null': return 'a map value that may be null';
    default: return `a ${v.kind.replace('_', ' ')} pointer`;
  }
}

/** Verifies one program (no local calls) of a program type against a platform. */
export function analyse(instructions: readonly Instruction[], type: ProgramTypeSpec, platform: Platform, maps: readonly MapDescriptor[], options: AnalysisOptions = {}): VerificationResult {
  const structural = validateProgram(instructions);
  if (structural.length > 0) return { ok: false, errors: structural.map((i) => ({ pc: i.pc, message: i.message })), instructionsExplored: 0 };
  const budget = options.budget ?? 1_000_000;
  const errors: VerificationError[] = [];
  const seen = new Map<number, Set<string>>();
  const work: { pc: number; state: State }[] = [{ pc: 0, state: State.entry(options.maxPacket ?? 65535n) }];
  let explored = 0;
  while (work.length > 0 && errors.length === 0) {
    let { pc, state } = work.pop()!;
    for (;;) {
      if (++explored > budget) {
        errors.push({ pc, message: `could not prove that the program terminates within ${budget} explored instructions (a loop without a proven bound?)` });
        break;
      }
      const key = state.key();
      const visited = seen.get(pc) ?? new Set<string>();
      if (visited.has(key)) {
        // The same state reached again at the same pc: either an equivalent path (prune) or a loop with no progress.
        break;
      }
      visited.add(key);
      seen.set(pc, visited);
      try {
        const next = step(instructions, pc, state, type, platform, maps);
        if (next.length === 0) break;
        for (const branch of next.slice(1)) work.push(branch);
        ({ pc, state } = next[0]!);
      } catch (error) {
        if (!(error instanceof PathError)) throw error;
        errors.push({ pc, message: error.message });
        break;
      }
    }
  }
  return { ok: errors.length === 0, errors, instructionsExplored: explored };
}

function read(state: State, r: number): Value {
  const v = state.regs[r]!;
  if (v.kind === 'uninit') fail(`r${r} is read before it is written`);
  return v;
}

function number(state: State, r: number): Scalar {
  const v = read(state, r);
  if (v.kind !== 'scalar') return fail(`r${r} must be a number here, but it holds ${describe(v)}`);
  return v.n;
}

/** Checks an access of `size` bytes at `value` + `offset`; returns nothing for a fine access. */
function access(state: State, value: Value, offset: number, size: Scalar, write: boolean, type: ProgramTypeSpec, maps: readonly MapDescriptor[], what: string, packetLength = false): void {
  const verb = write ? 'write' : 'read';
  const bounds = (off: Scalar, limit: bigint, object: string) => {
    const start = Number(off.smin) + offset;
    const end = off.smax + BigInt(offset) + size.umax;
    if (off.smin + BigInt(offset) < 0n || end > limit) fail(`${what}: ${verb} of up to ${size.umax} bytes at ${object} offset ${off.smin + BigInt(offset)}..${off.smax + BigInt(offset)} is outside its ${limit} bytes`);
    return start;
  };
  switch (value.kind) {
    case 'stack': {
      const lo = value.off.smin + BigInt(offset);
      const hi = value.off.smax + BigInt(offset) + size.umax;
      if (lo < -BigInt(STACK_BYTES) || hi > 0n) fail(`${what}: ${verb} of up to ${size.umax} bytes at r10${lo} is outside the 512-byte stack`);
      if (!write) {
        for (let i = Number(lo) + STACK_BYTES; i < Number(hi) + STACK_BYTES; i++) {
          if (state.stackBytes[i] === 0) fail(`${what}: reads stack byte r10${i - STACK_BYTES}, which is not initialized`);
        }
      }
      return;
    }
    case 'packet': {
      const end = value.off.smax + BigInt(offset) + size.umax;
      if (value.off.smin + BigInt(offset) < 0n) fail(`${what}: packet ${verb} before the start of the data`);
      const exact = packetLength && value.off.constantValue === 0n && offset === 0;
      const range = value.vid !== undefined ? state.packetRanges.get(value.vid) : undefined;
      const inRange = range !== undefined && value.k! + BigInt(offset) + size.umax <= range && value.k! + BigInt(offset) >= 0n;
      if (!exact && !inRange && end > state.packetSize.umin) {
        fail(`${what}: packet ${verb} up to byte ${end} is not proven to be inside the data (proven size: at least ${state.packetSize.umin} bytes); compare the pointer with data_end first`);
      }
      return;
    }
    case 'map_value':
      bounds(value.off, BigInt(maps[value.map]!.valueSize), 'map value');
      return;
    case 'ctx': {
      const start = bounds(value.off, BigInt(type.contextSize), 'context');
      if (value.off.constantValue === undefined) fail(`${what}: context accesses need a constant offset`);
      if (write) {
        const field = type.fields.find((f) => start >= f.offset && start + Number(size.umax) <= f.offset + f.size);
        if (!field || !field.writable) fail(`${what}: context offset ${start} is read-only for ${type.name} programs`);
      }
      return;
    }
    case 'map_value_or_null':
      fail(`${what}: the pointer may be null: compare it with 0 first (the result of bpf_map_lookup_elem can be null)`);
      return;
    default:
      fail(`${what}: cannot ${verb} through ${describe(value)}`);
  }
}

function storeStack(state: State, off: number, size: number, value: Value): void {
  const start = off + STACK_BYTES;
  for (const [slot] of state.spills) if (slot < start + size && slot + 8 > start) state.spills.delete(slot);
  if (isPointer(value)) {
    if (size !== 8 || start % 8 !== 0) fail(`a pointer can be stored to the stack only as 8 aligned bytes`);
    state.spills.set(start, value);
    state.stackBytes.fill(2, start, start + 8);
  } else {
    state.stackBytes.fill(1, start, start + size);
  }
}

function loadStack(state: State, off: number, size: number): Value {
  const start = off + STACK_BYTES;
  const spill = state.spills.get(start);
  if (spill && size === 8) return spill;
  for (let i = start; i < start + size; i++) if (state.stackBytes[i] === 2) fail(`reads part of a pointer spilled to the stack at r10${off}`);
  return scalar(size === 8 ? Scalar.unknown() : Scalar.unsignedRange(0n, (1n << BigInt(size * 8)) - 1n));
}

function step(insns: readonly Instruction[], pc: number, state: State, type: ProgramTypeSpec, platform: Platform, maps: readonly MapDescriptor[]): { pc: number; state: State }[] {
  const insn = insns[pc]!;
  const form = lookupForm(insn)!;
  const s = form.semantics;
  const next = pc + form.slots;
  const regs = state.regs;
  switch (s.kind) {
    case 'alu': {
      if (insn.dst === 10) fail('r10 (the frame pointer) is read-only');
      const operand: Value = s.source === 'reg' ? read(state, insn.src) : scalar(s.is64 ? C(insn.imm) : C(insn.imm >>> 0));
      regs[insn.dst] = alu(state, insn.dst, s.op, s.is64, operand, s.extendFrom);
      return [{ pc: next, state }];
    }
    case 'endian':
      number(state, insn.dst);
      regs[insn.dst] = scalar(s.width === 64 ? Scalar.unknown() : Scalar.unsignedRange(0n, (1n << BigInt(s.width)) - 1n));
      return [{ pc: next, state }];
    case 'lddw':
      if (s.pseudo === PSEUDO_IMM64) regs[insn.dst] = scalar(Scalar.constant(wideImmediate(insns, pc)));
      else if (s.pseudo === PSEUDO_MAP_FD) {
        if (!maps[insn.imm]) fail(`lddw refers to map ${insn.imm}, which does not exist`);
        regs[insn.dst] = { kind: 'map', map: insn.imm };
      } else fail(`lddw pseudo source ${s.pseudo} is not supported yet`);
      return [{ pc: next, state }];
    case 'load': {
      const base = read(state, insn.src);
      if (base.kind === 'stack' && base.off.constantValue === undefined) fail('stack accesses at a variable offset are not supported yet');
      access(state, base, insn.offset, C(s.size), false, type, maps, 'load');
      regs[insn.dst] = loadValue(state, base, insn.offset, s.size, s.signed, type);
      return [{ pc: next, state }];
    }
    case 'store': {
      const base = read(state, insn.dst);
      if (base.kind === 'stack' && base.off.constantValue === undefined) fail('stack accesses at a variable offset are not supported yet');
      const value: Value = s.source === 'reg' ? read(state, insn.src) : scalar(C(insn.imm));
      if (isPointer(value) && base.kind !== 'stack') fail('a pointer may be stored only to the stack');
      access(state, base, insn.offset, C(s.size), true, type, maps, 'store');
      if (base.kind === 'stack') storeStack(state, Number(base.off.smin) + insn.offset, s.size, value);
      return [{ pc: next, state }];
    }
    case 'atomic': {
      const base = read(state, insn.dst);
      if (base.kind !== 'stack' && base.kind !== 'map_value') fail('atomic operations need a stack or map value pointer');
      access(state, base, insn.offset, C(s.size), false, type, maps, 'atomic');
      number(state, insn.src);
      if (s.fetch) regs[insn.src] = scalar(s.size === 4 ? Scalar.unsignedRange(0n, 0xffffffffn) : Scalar.unknown());
      if (s.op === 'cmpxchg') regs[0] = scalar(Scalar.unknown());
      return [{ pc: next, state }];
    }
    case 'ja':
      return [{ pc: branchTarget(insn, form, pc)!, state }];
    case 'jump':
      return jump(state, insn, s.cond, s.is64, s.source === 'reg', branchTarget(insn, form, pc)!, next);
    case 'call':
      if (s.target !== 'helper') fail(s.target === 'local' ? 'local calls are not supported by this verifier yet' : `calls by ${s.target} are not supported`);
      call(state, platform.helper(type, insn.imm), insn.imm, type, maps);
      return [{ pc: next, state }];
    case 'exit': {
      const r0 = regs[0]!;
      if (r0.kind !== 'scalar') fail(`r0 must hold a number at exit, but it holds ${describe(r0)}`);
      return [];
    }
    case 'packet-load':
      return fail('legacy packet access is not supported on this platform');
  }
}

function loadValue(state: State, base: Value, offset: number, size: number, signed: boolean, type: ProgramTypeSpec): Value {
  if (base.kind === 'stack') {
    const loaded = loadStack(state, Number(base.off.smin) + offset, size);
    if (loaded.kind === 'scalar' && signed) return scalar(Scalar.signedRange(-(1n << BigInt(size * 8 - 1)), (1n << BigInt(size * 8 - 1)) - 1n));
    return loaded;
  }
  if (base.kind === 'ctx') {
    const at = Number(base.off.constantValue!) + offset;
    if (size === 8 && at === type.dataOffset) return { kind: 'packet', off: C(0) };
    if (size === 8 && at === type.dataEndOffset) return { kind: 'packet_end' };
    if (size === 8 && at === type.metaOffset) return fail('the data_meta pointer is not supported yet');
  }
  if (signed) return scalar(Scalar.signedRange(-(1n << BigInt(size * 8 - 1)), (1n << BigInt(size * 8 - 1)) - 1n));
  return scalar(size === 8 ? Scalar.unknown() : Scalar.unsignedRange(0n, (1n << BigInt(size * 8)) - 1n));
}

function alu(state: State, dst: number, op: AluOp, is64: boolean, operand: Value, extendFrom?: number): Value {
  if (op === 'mov') {
    if (!is64 && isPointer(operand)) fail('a 32-bit move of a pointer would truncate it');
    if (operand.kind !== 'scalar') return operand;
    return is64 ? operand : scalar(operand.n.truncate32());
  }
  if (operand.kind !== 'scalar' && !(op === 'sub' && is64)) fail(`arithmetic on ${describe(operand)} is not allowed`);
  if (op === 'movsx') {
    if (!is64) return scalar(Scalar.unsignedRange(0n, 0xffffffffn));
    const bits = BigInt(extendFrom ?? 32);
    return scalar(Scalar.signedRange(-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n));
  }
  const current = op === 'neg' ? state.regs[dst]! : read(state, dst);
  if (current.kind === 'uninit') fail(`r${dst} is read before it is written`);
  if (current.kind === 'scalar' && operand.kind === 'scalar') {
    const a = is64 ? current.n : current.n.truncate32();
    const b = is64 ? operand.n : operand.n.truncate32();
    const table: Record<AluOp, () => Scalar> = {
      add: () => a.add(b), sub: () => a.sub(b), mul: () => a.mul(b), div: () => a.div(b), mod: () => a.mod(b),
      or: () => a.or(b), and: () => a.and(b), xor: () => a.xor(b), lsh: () => a.lsh(b), rsh: () => a.rsh(b), arsh: () => a.arsh(b), neg: () => a.neg(),
      sdiv: () => Scalar.unknown(), smod: () => Scalar.unknown(), mov: () => b, movsx: () => Scalar.unknown(),
    };
    const result = table[op]();
    return scalar(is64 ? result : result.truncate32());
  }
  // Pointer arithmetic: pointer +/- number, and the distance between two packet pointers.
  if (!is64) fail('32-bit arithmetic on a pointer is not allowed');
  if (op === 'sub' && current.kind === 'packet_end' && operand.kind === 'packet') {
    const length = state.packetSize.sub(operand.off);
    return scalar(length, operand.off.constantValue === 0n);
  }
  if (op === 'sub' && current.kind === 'packet' && operand.kind === 'packet') return scalar(current.off.sub(operand.off));
  if (operand.kind !== 'scalar') return fail(`subtracting ${describe(operand)} from ${describe(current)} is not allowed`);
  if ((op !== 'add' && op !== 'sub') || (current.kind !== 'ctx' && current.kind !== 'stack' && current.kind !== 'packet' && current.kind !== 'map_value')) {
    return fail(`${op} on ${describe(current)} is not allowed`);
  }
  const off = op === 'add' ? current.off.add(operand.n) : current.off.sub(operand.n);
  if (current.kind === 'packet') {
    const c = operand.n.constantValue;
    if (c !== undefined) {
      const delta = op === 'add' ? BigInt.asIntN(64, c) : -BigInt.asIntN(64, c);
      return current.vid !== undefined ? { ...current, off, k: current.k! + delta } : { kind: 'packet', off };
    }
    // A variable offset: a new point that later constant offsets are counted from.
    return { kind: 'packet', off, vid: state.nextId++, k: 0n };
  }
  return { ...current, off };
}

const NEGATE: Record<JumpCond, JumpCond> = { eq: 'ne', ne: 'eq', gt: 'le', le: 'gt', ge: 'lt', lt: 'ge', sgt: 'sle', sle: 'sgt', sge: 'slt', slt: 'sge', set: 'set' };
const SWAP: Record<JumpCond, JumpCond> = { eq: 'eq', ne: 'ne', gt: 'lt', lt: 'gt', ge: 'le', le: 'ge', sgt: 'slt', slt: 'sgt', sge: 'sle', sle: 'sge', set: 'set' };

function jump(state: State, insn: Instruction, cond: JumpCond, is64: boolean, fromReg: boolean, target: number, next: number): { pc: number; state: State }[] {
  const left = read(state, insn.dst);
  const right: Value = fromReg ? read(state, insn.src) : scalar(C(insn.imm));
  const taken = state.clone();
  const fallthrough = state;
  const out: { pc: number; state: State }[] = [];
  const keep = (s: State, pc: number, ok: boolean) => ok && out.push({ pc, state: s });
  // Null checks: a map value that may be null compared with 0.
  if (left.kind === 'map_value_or_null' && right.kind === 'scalar' && right.n.constantValue === 0n && (cond === 'eq' || cond === 'ne')) {
    const nullSide = cond === 'eq' ? taken : fallthrough;
    const valueSide = cond === 'eq' ? fallthrough : taken;
    for (const [s, isNull] of [[nullSide, true], [valueSide, false]] as const) {
      s.regs = s.regs.map((r) => (r.kind === 'map_value_or_null' && r.id === left.id ? (isNull ? scalar(C(0)) : { kind: 'map_value', map: r.map, off: C(0) }) : r));
    }
    return [{ pc: next, state: fallthrough }, { pc: target, state: taken }];
  }
  // Packet bounds: a packet pointer compared with data_end.
  const packetCompare = (packet: Value, c: JumpCond, s: State): boolean => {
    if (packet.kind !== 'packet') return true;
    if (packet.vid !== undefined && (c === 'le' || c === 'lt' || c === 'eq')) {
      // data + off <= data_end: every byte before this pointer is inside the data.
      const proven = c === 'lt' ? packet.k! + 1n : packet.k!;
      const known = s.packetRanges.get(packet.vid);
      if (known === undefined || proven > known) s.packetRanges.set(packet.vid, proven);
    }
    if (c === 'eq') {
      // data + off == data_end: the size is the offset.
      s.packetSize = s.packetSize.refine('ge', C(packet.off.umin)).refine('le', C(packet.off.umax));
    } else if (c === 'le' || c === 'lt') {
      const min = c === 'le' ? packet.off.umin : packet.off.umin + 1n;
      if (min > s.packetSize.umin) s.packetSize = s.packetSize.refine('ge', C(min));
    } else if (c === 'gt' || c === 'ge') {
      s.packetSize = s.packetSize.refine(c === 'gt' ? 'lt' : 'le', C(packet.off.umax));
    }
    return !s.packetSize.isEmpty;
  };
  if (left.kind === 'packet' && right.kind === 'packet_end') {
    keep(taken, target, packetCompare(left, cond, taken));
    keep(fallthrough, next, packetCompare(left, NEGATE[cond], fallthrough));
    return out;
  }
  if (left.kind === 'packet_end' && right.kind === 'packet') {
    keep(taken, target, packetCompare(right, SWAP[cond], taken));
    keep(fallthrough, next, packetCompare(right, SWAP[NEGATE[cond]], fallthrough));
    return out;
  }
  if (left.kind !== 'scalar' || right.kind !== 'scalar') {
    if (isPointer(left) && isPointer(right) && left.kind === right.kind) return [{ pc: next, state: fallthrough }, { pc: target, state: taken }];
    fail(`comparing ${describe(left)} with ${describe(right)} is not allowed`);
  }
  const rightNumber = right.n;
  type Ordered = Exclude<JumpCond, 'set' | 'ne'>;
  const refine = (s: State, condition: JumpCond): boolean => {
    if (!is64 || condition === 'set' || condition === 'ne') return true;
    const c: Ordered = condition;
    const l = s.regs[insn.dst]!;
    if (l.kind !== 'scalar') return true;
    const r = rightNumber;
    const refined = l.n.refine(c, r);
    if (refined.isEmpty) return false;
    s.regs = s.regs.map((v) => (v === l ? scalar(refined, l.packetLength) : v));
    if (l.packetLength) s.packetSize = s.packetSize.refine(c === 'eq' ? 'eq' : c, r);
    if (fromReg && right.kind === 'scalar' && c !== 'eq') {
      const rr = s.regs[insn.src]!;
      if (rr.kind === 'scalar') {
        const back = rr.n.refine(SWAP[c] as Ordered, l.n);
        if (back.isEmpty) return false;
        s.regs = s.regs.map((v) => (v === rr ? scalar(back, rr.packetLength) : v));
        if (rr.packetLength) s.packetSize = s.packetSize.refine(SWAP[c] as Ordered, l.n);
      }
    }
    return !s.packetSize.isEmpty;
  };
  keep(taken, target, refine(taken, cond));
  keep(fallthrough, next, refine(fallthrough, NEGATE[cond]));
  return out;
}

function sizeArgument(state: State, r: number, zeroOk: boolean, helper: string): Scalar {
  const size = number(state, r);
  if (!zeroOk && size.umin === 0n) fail(`${helper}: the size in r${r} may be 0`);
  if (size.umax > 1n << 29n) fail(`${helper}: the size in r${r} has no upper bound (${size}); bound it with a comparison`);
  return size;
}

function call(state: State, helper: HelperPrototype | undefined, id: number, type: ProgramTypeSpec, maps: readonly MapDescriptor[]): void {
  if (!helper) fail(`helper ${id} does not exist for ${type.name} programs`);
  const name = helper!.name;
  let mapIndex: number | undefined;
  const args = helper!.args;
  for (let i = 0; i < args.length; i++) {
    const r = i + 1;
    const kind: ArgKind = args[i]!;
    const v = state.regs[r]!;
    switch (kind) {
      case 'dontcare':
        break;
      case 'anything':
        read(state, r);
        break;
      case 'ctx':
        if (v.kind !== 'ctx' || v.off.constantValue !== 0n) fail(`${name}: r${r} must be the context pointer`);
        break;
      case 'map':
      case 'map_of_programs':
        if (v.kind !== 'map') fail(`${name}: r${r} must be a map`);
        mapIndex = (v as { map: number }).map;
        break;
      case 'map_key':
      case 'map_value': {
        if (mapIndex === undefined) fail(`${name}: a key or value argument needs its map first`);
        const m = maps[mapIndex!]!;
        const size = kind === 'map_key' ? m.keySize : m.valueSize;
        read(state, r);
        access(state, v, 0, C(size), false, type, maps, `${name} ${kind === 'map_key' ? 'key' : 'value'} in r${r}`);
        break;
      }
      case 'readable_mem':
      case 'readable_mem_or_null':
      case 'writable_mem': {
        const sizeKind = args[i + 1];
        if (sizeKind !== 'const_size' && sizeKind !== 'const_size_or_zero') fail(`${name}: memory argument without a size`);
        const size = sizeArgument(state, r + 1, sizeKind === 'const_size_or_zero', name);
        read(state, r);
        if (kind === 'readable_mem_or_null' && v.kind === 'scalar' && v.n.constantValue === 0n) {
          i++;
          break;
        }
        const sizeValue = state.regs[r + 1]!;
        access(state, v, 0, size, kind === 'writable_mem', type, maps, `${name} memory in r${r}`, sizeValue.kind === 'scalar' && sizeValue.packetLength === true);
        if (kind === 'writable_mem' && v.kind === 'stack') {
          // Only the bytes the helper certainly writes become initialized.
          if (v.off.constantValue === undefined) fail(`${name}: a stack buffer needs a constant offset`);
          storeStack(state, Number(v.off.smin), Number(size.umin), scalar(Scalar.unknown()));
        }
        i++;
        break;
      }
      default:
        fail(`${name}: argument kind ${kind} is not supported yet`);
    }
  }
  for (let r = 1; r <= 5; r++) state.regs[r] = UNINIT;
  if (helper!.reallocatesPacket) {
    // The packet may have moved: every packet pointer and every proof about its size is gone.
    state.regs = state.regs.map((v) => (v.kind === 'packet' || v.kind === 'packet_end' || (v.kind === 'scalar' && v.packetLength) ? UNINIT : v));
    for (const [slot, v] of state.spills) if (v.kind === 'packet' || v.kind === 'packet_end') state.spills.delete(slot);
    state.packetSize = Scalar.unsignedRange(0n, state.packetSize.umax);
    state.packetRanges.clear();
  }
  if (helper!.returns === 'map_value_or_null') {
    state.regs[0] = { kind: 'map_value_or_null', map: mapIndex!, id: state.nextId++ };
  } else {
    state.regs[0] = scalar(Scalar.unknown());
  }
}
