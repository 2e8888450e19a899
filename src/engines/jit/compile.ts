// eBPF to WebAssembly. Each eBPF function (the program, and every target of a local call) becomes a wasm
// function with the eleven registers as i64 locals; control flow is rebuilt as nested block/loop/if from
// the dominator tree (Ramsey, "Beyond Relooper", 2022), so reducible graphs need no dispatch loop. Memory
// is the imported arena; helpers go through one imported function, except map lookups in unchecked code:
// those on plain hash maps probe the map's arena index inline, others call a numbers-only import.
// Division, modulo and INT64_MIN / -1 follow eBPF's rules and never trap. A repeat entry runs a program N
// times in one call from JavaScript, as a repeated test run does.

import type { Instruction } from '../../isa/instruction.ts';
import { wideImmediate } from '../../isa/instruction.ts';
import { lookupForm, PSEUDO_IMM64, type AluOp, type JumpCond } from '../../isa/opcodes.ts';
import { assertValid, branchTarget } from '../../isa/validate.ts';
import { NULL_GUARD, STACK_FRAME_SIZE } from '../../runtime/arena.ts';
import { BUCKET_DELETED, BUCKET_HASH, BUCKET_KEY, BUCKET_VALUE, INDEX_BUCKETS, INDEX_MASK, KEY_HASH_C1, KEY_HASH_C2, KEY_HASH_SEED, type HashIndexLayout } from '../../runtime/maps/hash.ts';
import type { InlineMap } from '../engine.ts';
import { TAIL_CALL_HELPER } from '../engine.ts';
import { buildGraph, JitError, type FunctionGraph } from './cfg.ts';
import { encodeModule, FunctionBody, I32, I64, WASM } from './wasm.ts';

/** Fault codes the generated code reports through the `fault` import. */
export const FAULT_OUT_OF_BOUNDS = 1;
export const FAULT_CALL_DEPTH = 2;
export const FAULT_INSTRUCTION_LIMIT = 3;

/** Compiler options. */
export interface CompileOptions {
  /** Check every memory access against the arena and the null guard (raw, unverified programs). */
  checked: boolean;
  /**
   * Stop with INSTRUCTION_LIMIT after this many backward jumps and local calls in one run, counted where
   * the interpreter counts them (raw, unverified programs, which may loop forever). Default: no limit.
   */
  loopLimit?: number;
  /**
   * Maps whose lookups compile inline (hash maps' arena indexes, arrays of data), by the handle address a
   * program's lddw loads (unchecked code only: the verifier proved the key is readable). Other lookups
   * call the runtime.
   */
  inlineMaps?: ReadonlyMap<number, InlineMap>;
  /**
   * Also export `<name>_repeat(context, r10, stack base, data slot, data_end slot, meta slot, data, end,
   * count) -> r0` (all i32 but r0), which runs the program `count` times, the context's data pointers put
   * back before each run, as a repeated test run does, and `<name>_done() -> i32`, the runs it completed
   * (read after a fault). Programs that make tail calls get none: their callees run from the runtime.
   */
  repeatEntry?: boolean;
}

/** Most hash maps one lookup site tells apart at run time when its map is not known at compile time. */
const INLINE_CANDIDATES = 4;

// Local indices: parameters first (r1-r5, r10 for every function), then r0, r6-r9, then temporaries.
const R1 = 0, R10 = 5, R0 = 6, R6 = 7, T0 = 11, T1 = 12, A = 13;
// i32 locals of an inline hash lookup: key address, hash, buckets, mask, bucket index, bucket address,
// value, buckets left to look at.
const LK = 14, LH = 15, LB = 16, LM = 17, LI = 18, LP = 19, LV = 20, LN = 21;
const reg = (n: number) => (n === 0 ? R0 : n <= 5 ? R1 + n - 1 : n === 10 ? R10 : R6 + n - 6);

const TYPE_MAIN = 0; // (r1, r2, r10, base) -> r0
const TYPE_SUB = 1; // (r1..r5, r10) -> r0
const TYPE_HELPER = 2; // (id, pc, r1..r5) -> r0
const TYPE_FAULT = 3; // (code, pc) -> ()
const TYPE_LOOKUP = 4; // (map handle, key address, pc) -> value address
const TYPE_REPEAT = 5; // (context, r10, base, data slot, data_end slot, meta slot, data, end, count) -> r0
const TYPE_DONE = 6; // () -> runs completed
const IMPORT_HELPER = 0, IMPORT_FAULT = 1, IMPORT_LOOKUP = 2, FUNCTIONS_BASE = 3;
const GLOBAL_BASE = 0;
/** Set when a tail call was recorded: every function returns 0 up to the entry (spec §6.3). */
const GLOBAL_UNWIND = 1;
/** Backward jumps and local calls left in this run (only with a loop limit). */
const GLOBAL_BUDGET = 2;
/** Runs a repeat entry has completed. */
const GLOBAL_DONE = 3;

type Context = { kind: 'block'; target: number } | { kind: 'loop'; target: number } | { kind: 'if' };

class FunctionCompiler {
  readonly body = new FunctionBody([{ count: 5, type: I64 }, { count: 2, type: I64 }, { count: 9, type: I32 }]);
  /** The constant r1 holds here, when the current block loaded one (the map of a lookup), else undefined. */
  private knownR1: number | undefined;
  private readonly contexts: Context[] = [];
  private readonly loopHeaders = new Set<number>();
  private readonly merges = new Set<number>();
  private readonly children = new Map<number, number[]>();

  constructor(
    private readonly insns: readonly Instruction[],
    private readonly graph: FunctionGraph,
    private readonly functionIndex: Map<number, number>,
    private readonly options: CompileOptions,
    /** The program makes tail calls, so calls must unwind when one was recorded. */
    private readonly unwinds: boolean,
  ) {
    const forwardPredecessors = new Map<number, number>();
    for (const b of graph.rpo) {
      for (const s of graph.blocks.get(b)!.successors) {
        if (graph.rpoIndex.get(s)! <= graph.rpoIndex.get(b)!) this.loopHeaders.add(s);
        else forwardPredecessors.set(s, (forwardPredecessors.get(s) ?? 0) + 1);
      }
    }
    for (const [node, count] of forwardPredecessors) if (count > 1) this.merges.add(node);
    for (const b of graph.rpo) {
      if (b === graph.entry) continue;
      const parent = graph.idom.get(b)!;
      const list = this.children.get(parent) ?? [];
      list.push(b);
      this.children.set(parent, list);
    }
  }

  compile(): FunctionBody {
    if (this.graph.entry === 0 && this.unwinds) this.body.i32(0).withIndex(WASM.globalSet, GLOBAL_UNWIND);
    this.doTree(this.graph.entry);
    this.body.op(WASM.unreachable);
    return this.body;
  }

  private doTree(x: number): void {
    const ys = (this.children.get(x) ?? []).filter((c) => this.merges.has(c)).sort((a, b) => this.graph.rpoIndex.get(b)! - this.graph.rpoIndex.get(a)!);
    if (this.loopHeaders.has(x)) {
      this.body.op(WASM.loop, 0x40);
      this.contexts.push({ kind: 'loop', target: x });
      this.nodeWithin(x, ys);
      this.contexts.pop();
      this.body.op(WASM.end);
    } else {
      this.nodeWithin(x, ys);
    }
  }

  private nodeWithin(x: number, ys: number[]): void {
    if (ys.length === 0) {
      this.emitBlock(x);
      return;
    }
    const [y, ...rest] = ys;
    this.body.op(WASM.block, 0x40);
    this.contexts.push({ kind: 'block', target: y! });
    this.nodeWithin(x, rest);
    this.contexts.pop();
    this.body.op(WASM.end);
    this.doTree(y!);
  }

  private branch(source: number, target: number): void {
    const backward = this.graph.rpoIndex.get(target)! <= this.graph.rpoIndex.get(source)!;
    if (backward || this.merges.has(target)) {
      const kind = backward ? 'loop' : 'block';
      for (let depth = 0; depth < this.contexts.length; depth++) {
        const c = this.contexts[this.contexts.length - 1 - depth]!;
        if (c.kind === kind && c.target === target) {
          this.body.withIndex(WASM.br, depth);
          return;
        }
      }
      throw new JitError('IRREDUCIBLE', source, `no enclosing ${kind} for the jump to ${target}`);
    }
    this.doTree(target);
  }

  private emitBlock(x: number): void {
    const block = this.graph.blocks.get(x)!;
    let pc = x;
    this.knownR1 = undefined;
    while (pc < block.end) {
      const form = lookupForm(this.insns[pc]!)!;
      if (pc + form.slots >= block.end && block.terminator !== 'fallthrough') break;
      this.instruction(pc);
      this.trackR1(pc);
      pc += form.slots;
    }
    switch (block.terminator) {
      case 'fallthrough':
        this.branch(x, block.successors[0]!);
        break;
      case 'ja':
        this.countBackward(pc, block.successors[0]!);
        this.branch(x, block.successors[0]!);
        break;
      case 'exit':
        this.body.get(R0).op(WASM.return);
        break;
      case 'jump': {
        this.condition(pc);
        this.body.op(WASM.if, 0x40);
        this.contexts.push({ kind: 'if' });
        this.countBackward(pc, block.successors[0]!);
        this.branch(x, block.successors[0]!);
        this.body.op(WASM.else);
        this.branch(x, block.successors[1]!);
        this.contexts.pop();
        this.body.op(WASM.end);
        break;
      }
    }
  }

  /** With a loop limit: a taken jump to its own pc or before it spends one unit, as in the interpreter. */
  private countBackward(pc: number, target: number): void {
    if (target <= pc) this.spend(pc);
  }

  private spend(pc: number): void {
    if (this.options.loopLimit === undefined || this.options.loopLimit === Infinity) return;
    const b = this.body;
    b.withIndex(WASM.globalGet, GLOBAL_BUDGET).i32(1).op(WASM.i32Sub).op(WASM.localTee, A).withIndex(WASM.globalSet, GLOBAL_BUDGET);
    b.get(A).i32(0).op(WASM.i32LtS, WASM.if, 0x40).i32(FAULT_INSTRUCTION_LIMIT).i32(pc).withIndex(WASM.call, IMPORT_FAULT).op(WASM.unreachable, WASM.end);
  }

  private condition(pc: number): void {
    const insn = this.insns[pc]!;
    const s = lookupForm(insn)!.semantics;
    if (s.kind !== 'jump') throw new JitError('UNSUPPORTED', pc, 'expected a conditional jump');
    const b = this.body;
    const ops64: Record<JumpCond, number> = { eq: WASM.i64Eq, ne: WASM.i64Ne, gt: WASM.i64GtU, ge: WASM.i64GeU, lt: WASM.i64LtU, le: WASM.i64LeU, sgt: WASM.i64GtS, sge: WASM.i64GeS, slt: WASM.i64LtS, sle: WASM.i64LeS, set: WASM.i64And };
    const ops32: Record<JumpCond, number> = { eq: WASM.i32Eq, ne: WASM.i32Ne, gt: WASM.i32GtU, ge: WASM.i32GeU, lt: WASM.i32LtU, le: WASM.i32LeU, sgt: WASM.i32GtS, sge: WASM.i32GeS, slt: WASM.i32LtS, sle: WASM.i32LeS, set: WASM.i32And };
    b.get(reg(insn.dst));
    if (!s.is64) b.op(WASM.i32WrapI64);
    if (s.source === 'reg') {
      b.get(reg(insn.src));
      if (!s.is64) b.op(WASM.i32WrapI64);
    } else if (s.is64) b.i64(BigInt(insn.imm));
    else b.i32(insn.imm);
    b.op(s.is64 ? ops64[s.cond] : ops32[s.cond]);
    if (s.cond === 'set') {
      if (s.is64) b.i64(0n).op(WASM.i64Ne);
      else b.i32(0).op(WASM.i32Ne);
    }
  }

  /** Pushes the i32 address base+offset, checked when the options say so. */
  private address(pc: number, base: number, offset: number, size: number): void {
    const b = this.body;
    if (!this.options.checked) {
      b.get(reg(base)).op(WASM.i32WrapI64).i32(offset).op(WASM.i32Add);
      return;
    }
    b.get(reg(base)).i64(BigInt(offset)).op(WASM.i64Add).tee(T0).i64(BigInt(NULL_GUARD)).op(WASM.i64LtU);
    b.get(T0).i64(BigInt(size)).op(WASM.i64Add).op(WASM.memorySize, 0).op(WASM.i64ExtendI32U).i64(16n).op(WASM.i64Shl).op(WASM.i64GtU);
    b.op(WASM.i32Or, WASM.if, 0x40).i32(FAULT_OUT_OF_BOUNDS).i32(pc).withIndex(WASM.call, IMPORT_FAULT).op(WASM.unreachable, WASM.end);
    b.get(T0).op(WASM.i32WrapI64);
  }

  private instruction(pc: number): void {
    const insn = this.insns[pc]!;
    const form = lookupForm(insn)!;
    const s = form.semantics;
    const b = this.body;
    const d = reg(insn.dst);
    switch (s.kind) {
      case 'alu':
        this.alu(insn, s.op, s.is64, s.source === 'reg', s.extendFrom);
        return;
      case 'endian': {
        if (s.op === 'le') {
          if (s.width === 64) return;
          b.get(d).i64(s.width === 16 ? 0xffffn : 0xffffffffn).op(WASM.i64And).set(d);
          return;
        }
        if (s.width === 16) {
          b.get(d).i64(0xffn).op(WASM.i64And).i64(8n).op(WASM.i64Shl);
          b.get(d).i64(8n).op(WASM.i64ShrU).i64(0xffn).op(WASM.i64And).op(WASM.i64Or).set(d);
        } else if (s.width === 32) {
          b.get(d).op(WASM.i32WrapI64);
          this.swap32();
          b.op(WASM.i64ExtendI32U).set(d);
        } else {
          b.get(d).op(WASM.i32WrapI64);
          this.swap32();
          b.op(WASM.i64ExtendI32U).i64(32n).op(WASM.i64Shl);
          b.get(d).i64(32n).op(WASM.i64ShrU).op(WASM.i32WrapI64);
          this.swap32();
          b.op(WASM.i64ExtendI32U, WASM.i64Or).set(d);
        }
        return;
      }
      case 'lddw':
        if (s.pseudo !== PSEUDO_IMM64) throw new JitError('UNSUPPORTED', pc, `lddw with pseudo source ${s.pseudo} was not resolved by the loader`);
        b.i64(BigInt.asIntN(64, wideImmediate(this.insns, pc))).set(d);
        return;
      case 'load': {
        const ops = s.signed ? { 1: WASM.i64Load8S, 2: WASM.i64Load16S, 4: WASM.i64Load32S, 8: WASM.i64Load } : { 1: WASM.i64Load8U, 2: WASM.i64Load16U, 4: WASM.i64Load32U, 8: WASM.i64Load };
        this.address(pc, insn.src, insn.offset, s.size);
        b.mem(ops[s.size]).set(d);
        return;
      }
      case 'store': {
        const ops = { 1: WASM.i64Store8, 2: WASM.i64Store16, 4: WASM.i64Store32, 8: WASM.i64Store };
        this.address(pc, insn.dst, insn.offset, s.size);
        if (s.source === 'reg') b.get(reg(insn.src));
        else b.i64(BigInt(insn.imm));
        b.mem(ops[s.size]);
        return;
      }
      case 'atomic': {
        const load = s.size === 8 ? WASM.i64Load : WASM.i64Load32U;
        const store = s.size === 8 ? WASM.i64Store : WASM.i64Store32;
        const src = reg(insn.src);
        this.address(pc, insn.dst, insn.offset, s.size);
        b.set(A);
        b.get(A).mem(load).set(T1); // old value
        if (s.op === 'cmpxchg') {
          b.get(T1);
          b.get(R0);
          if (s.size === 4) b.i64(0xffffffffn).op(WASM.i64And);
          b.op(WASM.i64Eq, WASM.if, 0x40).get(A).get(src).mem(store).op(WASM.end);
          b.get(T1).set(R0);
          return;
        }
        b.get(A);
        if (s.op === 'xchg') b.get(src);
        else b.get(T1).get(src).op({ add: WASM.i64Add, or: WASM.i64Or, and: WASM.i64And, xor: WASM.i64Xor }[s.op]);
        b.mem(store);
        if (s.fetch || s.op === 'xchg') b.get(T1).set(src);
        return;
      }
      case 'call': {
        if (s.target === 'local') {
          const target = branchTarget(insn, form, pc)!;
          // Depth: the callee's frame must stay inside the program stack.
          b.get(R10).i64(BigInt(2 * STACK_FRAME_SIZE)).op(WASM.i64Sub).withIndex(WASM.globalGet, GLOBAL_BASE).op(WASM.i64LtS);
          b.op(WASM.if, 0x40).i32(FAULT_CALL_DEPTH).i32(pc).withIndex(WASM.call, IMPORT_FAULT).op(WASM.unreachable, WASM.end);
          this.spend(pc);
          for (let r = 1; r <= 5; r++) b.get(reg(r));
          b.get(R10).i64(BigInt(STACK_FRAME_SIZE)).op(WASM.i64Sub);
          b.withIndex(WASM.call, this.functionIndex.get(target)!).set(R0);
          if (this.unwinds) b.withIndex(WASM.globalGet, GLOBAL_UNWIND).op(WASM.if, 0x40).i64(0n).op(WASM.return, WASM.end);
          return;
        }
        if (s.target === 'kfunc') throw new JitError('UNSUPPORTED', pc, 'calls to kernel functions (kfuncs) are not supported');
        if (s.target === 'helper' && insn.imm === 1 && !this.options.checked) {
          this.mapLookup(pc);
          return;
        }
        if (s.target === 'register') b.get(d).op(WASM.i32WrapI64);
        else b.i32(insn.imm);
        b.i32(pc);
        for (let r = 1; r <= 5; r++) b.get(reg(r));
        b.withIndex(WASM.call, IMPORT_HELPER).set(R0);
        if (s.target === 'helper' && insn.imm === TAIL_CALL_HELPER) {
          // A recorded tail call ends the program at once with r0 = 0, as uBPF's unwind index does.
          b.get(R0).op(WASM.i64Eqz, WASM.if, 0x40).i32(1).withIndex(WASM.globalSet, GLOBAL_UNWIND).i64(0n).op(WASM.return, WASM.end);
        }
        return;
      }
      case 'packet-load':
        throw new JitError('UNSUPPORTED', pc, 'legacy packet access (ld_abs/ld_ind) is not supported on this platform');
      default:
        throw new JitError('UNSUPPORTED', pc, `unexpected ${s.kind} inside a block`);
    }
  }

  /** Forgets r1's constant when instruction `pc` writes r1; remembers it when it loads one. */
  private trackR1(pc: number): void {
    const insn = this.insns[pc]!;
    const s = lookupForm(insn)!.semantics;
    if (s.kind === 'lddw' && insn.dst === 1) {
      const value = wideImmediate(this.insns, pc);
      this.knownR1 = value > 0n && value < 0x1_0000_0000n ? Number(value) : undefined;
      return;
    }
    if (s.kind === 'call') this.knownR1 = undefined;
    else if (s.kind === 'atomic') {
      if (insn.src === 1 && (s.fetch || s.op === 'xchg')) this.knownR1 = undefined;
    } else if (s.kind !== 'store' && insn.dst === 1) this.knownR1 = undefined;
  }

  /**
   * bpf_map_lookup_elem in unchecked code. A verified program passes a map handle and a stack or map
   * value address, both inside the arena: a hash map's arena index or an array is looked up inline (its handle
   * known from the lddw in this block, or told apart from the program's other such maps at run time),
   * anything else calls the runtime's lookup on plain i32s, so no BigInt crosses the boundary.
   */
  private mapLookup(pc: number): void {
    const b = this.body;
    const indexes = this.options.inlineMaps;
    const known = this.knownR1 === undefined ? undefined : indexes?.get(this.knownR1);
    const callRuntime = () => {
      b.get(reg(1)).op(WASM.i32WrapI64).get(reg(2)).op(WASM.i32WrapI64).i32(pc);
      b.withIndex(WASM.call, IMPORT_LOOKUP).op(WASM.i64ExtendI32U).set(R0);
    };
    if (known) {
      this.inlineLookup(known);
      return;
    }
    const candidates = this.knownR1 === undefined && indexes ? [...indexes] : [];
    if (candidates.length === 0 || candidates.length > INLINE_CANDIDATES) {
      callRuntime();
      return;
    }
    for (const [handle, layout] of candidates) {
      b.get(reg(1)).i64(BigInt(handle)).op(WASM.i64Eq, WASM.if, 0x40);
      this.inlineLookup(layout);
      b.op(WASM.else);
    }
    callRuntime();
    for (let i = 0; i < candidates.length; i++) b.op(WASM.end);
  }

  /** r0 = the address of the value for the key at r2, or 0, for a map looked up inline. */
  private inlineLookup(map: InlineMap): void {
    const b = this.body;
    if (map.kind === 'array') {
      // An index inside the array gives base + index * stride, as ArrayMap.lookupAddress.
      b.get(reg(2)).op(WASM.i32WrapI64).memAt(WASM.i32Load, 0).tee(LI).i32(map.maxEntries).op(WASM.i32LtU, WASM.if, I64);
      b.i32(map.base).get(LI).i32(map.stride).op(WASM.i32Mul, WASM.i32Add, WASM.i64ExtendI32U, WASM.else).i64(0n).op(WASM.end).set(R0);
      return;
    }
    this.hashLookup(map);
  }

  /** Probes a hash map's arena index for the key at r2 (src/runtime/maps/hash.ts): r0 = value address or 0. */
  private hashLookup(layout: HashIndexLayout): void {
    const b = this.body;
    b.get(reg(2)).op(WASM.i32WrapI64).set(LK);
    this.keyHash(layout.keySize);
    b.i32(layout.header).memAt(WASM.i32Load, INDEX_BUCKETS).set(LB);
    b.i32(layout.header).memAt(WASM.i32Load, INDEX_MASK).tee(LM);
    b.get(LH).op(WASM.i32And).set(LI);
    b.get(LM).i32(1).op(WASM.i32Add).set(LN);
    b.op(WASM.block, 0x40, WASM.loop, 0x40);
    // bucket = buckets + index * stride; an empty bucket ends the probe with value 0.
    b.get(LB).get(LI).i32(layout.stride).op(WASM.i32Mul, WASM.i32Add).tee(LP).memAt(WASM.i32Load, BUCKET_VALUE).tee(LV);
    b.op(WASM.i32Eqz).withIndex(WASM.br_if, 1);
    b.get(LP).memAt(WASM.i32Load, BUCKET_HASH).get(LH).op(WASM.i32Eq).get(LV).i32(BUCKET_DELETED).op(WASM.i32Ne, WASM.i32And, WASM.if, 0x40);
    this.keysEqual(layout.keySize);
    b.withIndex(WASM.br_if, 2).op(WASM.end);
    b.get(LI).i32(1).op(WASM.i32Add).get(LM).op(WASM.i32And).set(LI);
    b.get(LN).i32(1).op(WASM.i32Sub).tee(LN).withIndex(WASM.br_if, 0);
    b.op(WASM.end);
    b.i32(0).set(LV);
    b.op(WASM.end);
    b.get(LV).op(WASM.i64ExtendI32U).set(R0);
  }

  /** LH = the index's key hash (hashKey in src/runtime/maps/hash.ts) of the `keySize` bytes at LK. */
  private keyHash(keySize: number): void {
    const b = this.body;
    const scramble = () => b.i32(KEY_HASH_C1).op(WASM.i32Mul).i32(15).op(WASM.i32Rotl).i32(KEY_HASH_C2).op(WASM.i32Mul);
    b.i32(KEY_HASH_SEED).set(LH);
    let at = 0;
    for (; at + 4 <= keySize; at += 4) {
      b.get(LH).get(LK).memAt(WASM.i32Load, at);
      scramble();
      b.op(WASM.i32Xor).i32(13).op(WASM.i32Rotl).i32(5).op(WASM.i32Mul).i32(0xe6546b64).op(WASM.i32Add).set(LH);
    }
    const tail = keySize - at;
    if (tail > 0) {
      b.get(LH);
      if (tail === 1) b.get(LK).memAt(WASM.i32Load8U, at);
      else b.get(LK).memAt(WASM.i32Load16U, at);
      if (tail === 3) b.get(LK).memAt(WASM.i32Load8U, at + 2).i32(16).op(WASM.i32Shl, WASM.i32Or);
      scramble();
      b.op(WASM.i32Xor).set(LH);
    }
    b.get(LH).i32(keySize).op(WASM.i32Xor).tee(LH);
    b.get(LH).i32(16).op(WASM.i32ShrU, WASM.i32Xor).i32(0x85ebca6b).op(WASM.i32Mul).tee(LH);
    b.get(LH).i32(13).op(WASM.i32ShrU, WASM.i32Xor).i32(0xc2b2ae35).op(WASM.i32Mul).tee(LH);
    b.get(LH).i32(16).op(WASM.i32ShrU, WASM.i32Xor).set(LH);
  }

  /** Pushes 1 when the bucket at LP holds the `keySize`-byte key at LK, else 0. */
  private keysEqual(keySize: number): void {
    const b = this.body;
    let first = true;
    for (let at = 0; at < keySize; ) {
      const width = keySize - at >= 8 ? 8 : keySize - at >= 4 ? 4 : keySize - at >= 2 ? 2 : 1;
      const load = { 8: WASM.i64Load, 4: WASM.i32Load, 2: WASM.i32Load16U, 1: WASM.i32Load8U }[width];
      b.get(LP).memAt(load, BUCKET_KEY + at).get(LK).memAt(load, at).op(width === 8 ? WASM.i64Eq : WASM.i32Eq);
      if (!first) b.op(WASM.i32And);
      first = false;
      at += width;
    }
  }

  /** Byte-swaps the i32 on the stack. */
  private swap32(): void {
    const b = this.body;
    // ((x rotl 8) & 0x00ff00ff) | ((x rotr 8) & 0xff00ff00), via a scratch i32 local.
    b.op(WASM.localTee, A);
    b.i32(8).op(WASM.i32Rotl).i32(0x00ff00ff).op(WASM.i32And);
    b.get(A).i32(8).op(WASM.i32Rotr).i32(0xff00ff00 | 0).op(WASM.i32And).op(WASM.i32Or);
  }

  private alu(insn: Instruction, op: AluOp, is64: boolean, fromReg: boolean, extendFrom?: number): void {
    const b = this.body;
    const d = reg(insn.dst);
    const operand = () => {
      if (fromReg) {
        b.get(reg(insn.src));
        if (!is64) b.op(WASM.i32WrapI64);
      } else if (is64) b.i64(BigInt(insn.imm));
      else b.i32(insn.imm);
    };
    const dst = () => {
      b.get(d);
      if (!is64) b.op(WASM.i32WrapI64);
    };
    const finish = () => {
      if (!is64) b.op(WASM.i64ExtendI32U);
      b.set(d);
    };
    const W = is64
      ? { add: WASM.i64Add, sub: WASM.i64Sub, mul: WASM.i64Mul, or: WASM.i64Or, and: WASM.i64And, xor: WASM.i64Xor, lsh: WASM.i64Shl, rsh: WASM.i64ShrU, arsh: WASM.i64ShrS, divU: WASM.i64DivU, divS: WASM.i64DivS, remU: WASM.i64RemU, remS: WASM.i64RemS, eqz: WASM.i64Eqz, eq: WASM.i64Eq }
      : { add: WASM.i32Add, sub: WASM.i32Sub, mul: WASM.i32Mul, or: WASM.i32Or, and: WASM.i32And, xor: WASM.i32Xor, lsh: WASM.i32Shl, rsh: WASM.i32ShrU, arsh: WASM.i32ShrS, divU: WASM.i32DivU, divS: WASM.i32DivS, remU: WASM.i32RemU, remS: WASM.i32RemS, eqz: WASM.i32Eqz, eq: WASM.i32Eq };
    const type = is64 ? I64 : I32;
    const zero = () => (is64 ? b.i64(0n) : b.i32(0));
    const minusOne = () => (is64 ? b.i64(-1n) : b.i32(-1));
    switch (op) {
      case 'mov':
        operand();
        finish();
        return;
      case 'movsx':
        b.get(reg(insn.src));
        if (is64) b.op(extendFrom === 8 ? WASM.i64Extend8S : extendFrom === 16 ? WASM.i64Extend16S : WASM.i64Extend32S);
        else b.op(WASM.i32WrapI64, extendFrom === 8 ? WASM.i32Extend8S : WASM.i32Extend16S);
        finish();
        return;
      case 'neg':
        zero();
        dst();
        b.op(W.sub);
        finish();
        return;
      case 'add': case 'sub': case 'mul': case 'or': case 'and': case 'xor': case 'lsh': case 'rsh': case 'arsh':
        dst();
        operand();
        b.op(W[op]);
        finish();
        return;
      case 'div': case 'mod': case 'sdiv': case 'smod': {
        // Zero divisor: div gives 0, mod leaves dst. sdiv by -1 is negation (wasm traps on MIN / -1).
        const isMod = op === 'mod' || op === 'smod';
        const signed = op === 'sdiv' || op === 'smod';
        if (!fromReg && insn.imm !== 0 && !(signed && insn.imm === -1)) {
          dst();
          operand();
          b.op(isMod ? (signed ? W.remS : W.remU) : signed ? W.divS : W.divU);
          finish();
          return;
        }
        operand();
        b.op(W.eqz, WASM.if, type);
        if (isMod) dst();
        else zero();
        b.op(WASM.else);
        if (signed) {
          operand();
          minusOne();
          b.op(W.eq, WASM.if, type);
          if (isMod) zero();
          else {
            zero();
            dst();
            b.op(W.sub);
          }
          b.op(WASM.else);
          dst();
          operand();
          b.op(isMod ? W.remS : W.divS);
          b.op(WASM.end);
        } else {
          dst();
          operand();
          b.op(isMod ? W.remU : W.divU);
        }
        b.op(WASM.end);
        finish();
        return;
      }
    }
  }
}

/** True when the program calls bpf_tail_call. */
function makesTailCalls(insns: readonly Instruction[]): boolean {
  return insns.some((insn) => insn.opcode === 0x85 && insn.src === 0 && insn.imm === TAIL_CALL_HELPER);
}

/** Finds every function (entry and local-call targets) reachable from pc 0. */
function functionEntries(insns: readonly Instruction[]): number[] {
  const entries = [0];
  const seen = new Set(entries);
  for (let k = 0; k < entries.length; k++) {
    const graph = buildGraph(insns, entries[k]!);
    for (const block of graph.blocks.values()) {
      for (let pc = block.start; pc < block.end; ) {
        const insn = insns[pc]!;
        const form = lookupForm(insn)!;
        if (form.semantics.kind === 'call' && form.semantics.target === 'local') {
          const target = branchTarget(insn, form, pc)!;
          if (!seen.has(target)) {
            seen.add(target);
            entries.push(target);
          }
        }
        pc += form.slots;
      }
    }
  }
  return entries;
}

/**
 * A program's repeat entry and its `done` export: `count` runs (at least one) in one call from JavaScript,
 * each after the data pointers are put back (a slot of 0: the context has no such field), r0 of the last.
 */
function repeatEntry(exportName: string, entryFunction: number, options: CompileOptions): { type: number; body: FunctionBody; export: string }[] {
  const [CONTEXT, R10_, BASE, DATA_SLOT, END_SLOT, META_SLOT, DATA, END, COUNT] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const RESULT = 9, DONE = 10;
  const body = new FunctionBody([{ count: 1, type: I64 }, { count: 1, type: I32 }]);
  body.get(BASE).op(WASM.i64ExtendI32U).withIndex(WASM.globalSet, GLOBAL_BASE);
  body.i32(0).tee(DONE).withIndex(WASM.globalSet, GLOBAL_DONE);
  body.op(WASM.loop, 0x40);
  for (const [slot, value] of [[DATA_SLOT, DATA], [END_SLOT, END], [META_SLOT, DATA]] as const) {
    body.get(slot).op(WASM.if, 0x40).get(slot).get(value).op(WASM.i64ExtendI32U).mem(WASM.i64Store).op(WASM.end);
  }
  if (options.loopLimit !== undefined && options.loopLimit !== Infinity) body.i32(Math.min(options.loopLimit, 0x7fffffff)).withIndex(WASM.globalSet, GLOBAL_BUDGET);
  body.get(CONTEXT).op(WASM.i64ExtendI32U).i64(0n).i64(0n).i64(0n).i64(0n).get(R10_).op(WASM.i64ExtendI32U).withIndex(WASM.call, entryFunction).set(RESULT);
  body.get(DONE).i32(1).op(WASM.i32Add).tee(DONE).withIndex(WASM.globalSet, GLOBAL_DONE);
  body.get(DONE).get(COUNT).op(WASM.i32LtU).withIndex(WASM.br_if, 0);
  body.op(WASM.end);
  body.get(RESULT);
  const done = new FunctionBody([]);
  done.withIndex(WASM.globalGet, GLOBAL_DONE);
  return [{ type: TYPE_REPEAT, body, export: `${exportName}_repeat` }, { type: TYPE_DONE, body: done, export: `${exportName}_done` }];
}

/** Compiles a validated program to a WebAssembly module exporting `run(r1, r2, r10, stackBase) -> r0`. */
export function compileToWasm(insns: readonly Instruction[], options: CompileOptions): Uint8Array<ArrayBuffer> {
  return compileProgramsToWasm([{ instructions: insns, exportName: 'run' }], options);
}

/**
 * Compiles several validated programs into one module (native modules carry every program of an object
 * in one): each is exported under its own name with the signature of `run`, and they share the types,
 * the imports and the stack-base global, which every entry sets before it calls anything.
 */
export function compileProgramsToWasm(programs: readonly { instructions: readonly Instruction[]; exportName: string }[], options: CompileOptions): Uint8Array<ArrayBuffer> {
  const functions: { type: number; body: FunctionBody; export?: string }[] = [];
  for (const { instructions: insns, exportName } of programs) {
    assertValid(insns);
    const entries = functionEntries(insns);
    const first = FUNCTIONS_BASE + functions.length + 1;
    const functionIndex = new Map(entries.map((pc, i) => [pc, first + i]));
    const subprograms = entries.map((pc) => ({ type: TYPE_SUB, body: new FunctionCompiler(insns, buildGraph(insns, pc), functionIndex, options, makesTailCalls(insns)).compile() }));
    // The entry point: set the stack base, then call the program's own function with r3-r5 zero.
    const main = new FunctionBody([]);
    main.get(3).withIndex(WASM.globalSet, GLOBAL_BASE);
    if (options.loopLimit !== undefined && options.loopLimit !== Infinity) main.i32(Math.min(options.loopLimit, 0x7fffffff)).withIndex(WASM.globalSet, GLOBAL_BUDGET);
    main.get(0).get(1).i64(0n).i64(0n).i64(0n).get(2).withIndex(WASM.call, functionIndex.get(0)!);
    functions.push({ type: TYPE_MAIN, body: main, export: exportName }, ...subprograms);
    if (options.repeatEntry && !makesTailCalls(insns)) functions.push(...repeatEntry(exportName, functionIndex.get(0)!, options));
  }
  return encodeModule({
    types: [
      { params: [I64, I64, I64, I64], results: [I64] },
      { params: [I64, I64, I64, I64, I64, I64], results: [I64] },
      { params: [I32, I32, I64, I64, I64, I64, I64], results: [I64] },
      { params: [I32, I32], results: [] },
      { params: [I32, I32, I32], results: [I32] },
      { params: [I32, I32, I32, I32, I32, I32, I32, I32, I32], results: [I64] },
      { params: [], results: [I32] },
    ],
    imports: [{ name: 'helper', type: TYPE_HELPER }, { name: 'fault', type: TYPE_FAULT }, { name: 'lookup', type: TYPE_LOOKUP }],
    globals: [{ type: I64, mutable: true, init: 0n }, { type: I32, mutable: true, init: 0n }, { type: I32, mutable: true, init: 0n }, { type: I32, mutable: true, init: 0n }],
    functions,
  });
}
