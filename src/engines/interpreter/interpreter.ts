// The reference interpreter: RFC 9669 semantics for every instruction of the opcode table. Registers are
// pairs of 32-bit halves (no BigInt on the hot path); memory is the arena, little-endian, any width, any
// alignment; every access is bounds-checked against the arena (and, in checked mode, against the caller's
// regions). Faults are ExecutionErrors naming the pc, the instruction and the reason.

import { formatAssemblerInstruction } from '../../isa/disassemble.ts';
import type { Instruction } from '../../isa/instruction.ts';
import { assertValid } from '../../isa/validate.ts';
import { MAX_CALL_FRAMES, NULL_GUARD, ProgramStack } from '../../runtime/arena.ts';
import { ExecutionError, TAIL_CALL_HELPER, type Engine, type ExecutableProgram, type ExecutionEnvironment, type Invocation, type PreparedProgram, type RunOptions } from '../engine.ts';
import {
  ATOMIC_ADD, ATOMIC_AND, ATOMIC_CMPXCHG, ATOMIC_OR, ATOMIC_XCHG, decodeForInterpreter, OP_ATOMIC32, OP_ATOMIC64, OP_CALL, OP_CALL_LOCAL, OP_CALLX,
  OP_EXIT, OP_JA, OP_LDDW, OP_LDX, OP_LDXS, OP_LE16, OP_LE32, OP_LE64, OP_ST, OP_STX, OP_SWAP16, OP_SWAP32, OP_SWAP64, type DecodedProgram,
} from './decode.ts';
import { divmod64, fromBigInt, mul64, out, toUnsigned } from './int64.ts';

/** Called before every memory access in checked mode; throw to refuse it. */
export type MemoryCheck = (address: number, size: number, write: boolean, pc: number) => void;

/** Interpreter options. */
export interface InterpreterOptions {
  /** Checked mode: every load and store is shown to this function first. */
  memoryCheck?: MemoryCheck;
  /** Stop with INSTRUCTION_LIMIT after this many backward jumps and calls (raw, unverified programs). */
  loopLimit?: number;
}

const swap16 = (x: number) => ((x & 0xff) << 8) | ((x >>> 8) & 0xff);
const swap32 = (x: number) => ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | ((x >>> 24) & 0xff);

class InterpretedProgram implements PreparedProgram {
  /** Instructions executed by the last run (for statistics and benchmarks). */
  instructionCount = 0;
  /** r10 at entry. */
  readonly stackTop: number;
  private readonly lo = new Int32Array(11);
  private readonly hi = new Int32Array(11);
  private readonly stack: ProgramStack;
  private readonly code: DecodedProgram;
  /** Bytes of the arena as the current run last saw it (memory accesses are checked against it). */
  private limit = 0;

  constructor(
    private readonly program: ExecutableProgram,
    private readonly environment: ExecutionEnvironment,
    private readonly options: InterpreterOptions,
  ) {
    assertValid(program.instructions);
    this.code = decodeForInterpreter(program.instructions);
    this.stack = new ProgramStack(environment.arena);
    this.stackTop = this.stack.frameTop(0);
  }

  run(context: bigint, options: RunOptions = {}): bigint {
    const { lo, hi } = this;
    lo.fill(0);
    hi.fill(0);
    fromBigInt(context);
    lo[1] = out[0]!;
    hi[1] = out[1]!;
    if (options.r2 !== undefined) {
      fromBigInt(options.r2);
      lo[2] = out[0]!;
      hi[2] = out[1]!;
    }
    lo[10] = this.stack.frameTop(0);
    const invocation: Invocation = options.invocation ?? { context: Number(BigInt.asUintN(32, context)) };
    this.execute(invocation);
    return toUnsigned(lo[0]!, hi[0]!);
  }

  dispose(): void {
    this.stack.release();
  }

  private fault(code: ExecutionError['code'], pc: number, reason: string): ExecutionError {
    let text = '';
    try {
      text = formatAssemblerInstruction(this.program.instructions, pc);
    } catch {
      text = '(undecodable)';
    }
    return new ExecutionError(code, pc, `${reason}: ${text}`);
  }

  /** The arena offset of base + offset, checked against the arena (and the caller's memory check). */
  private address(base: number, offset: number, size: number, write: boolean, at: number): number {
    const { lo, hi } = this;
    const addr = (lo[base]! >>> 0) + offset;
    if (hi[base] !== 0 || addr < NULL_GUARD || addr + size > this.limit) {
      throw this.fault('OUT_OF_BOUNDS', at, `${write ? 'write' : 'read'} of ${size} bytes at 0x${(toUnsigned(lo[base]!, hi[base]!) + BigInt(offset)).toString(16)} is outside the arena`);
    }
    this.options.memoryCheck?.(addr, size, write, at);
    return addr;
  }

  private execute(invocation: Invocation): void {
    const { op: ops, dst: dsts, src: srcs, offset: offsets, imm: imms, aux: auxes } = this.code;
    const { lo, hi, environment, options } = this;
    const arena = environment.arena;
    let loopBudget = options.loopLimit ?? Infinity;
    let view = arena.view;
    this.limit = view.byteLength;
    const frames: number[] = []; // per call: return pc, then r6-r9 and r10 as lo/hi pairs
    let depth = 0;
    let pc = 0;
    let executed = 0;

    for (;;) {
      executed++;
      const op = ops[pc]!;
      const d = dsts[pc]!;
      if (op < 64) {
        // ALU: op = operation * 4 + (32-bit ? 2 : 0) + (register source ? 1 : 0).
        let bl: number, bh: number;
        if (op & 1) {
          bl = lo[srcs[pc]!]!;
          bh = hi[srcs[pc]!]!;
        } else {
          bl = imms[pc]!;
          bh = bl >> 31;
        }
        const al = lo[d]!, ah = hi[d]!;
        switch (op >> 1) {
          case 0: { const l = (al >>> 0) + (bl >>> 0); lo[d] = l | 0; hi[d] = (ah + bh + (l > 0xffffffff ? 1 : 0)) | 0; break; }
          case 1: lo[d] = (al + bl) | 0; hi[d] = 0; break;
          case 2: { const l = (al >>> 0) - (bl >>> 0); lo[d] = l | 0; hi[d] = (ah - bh - (l < 0 ? 1 : 0)) | 0; break; }
          case 3: lo[d] = (al - bl) | 0; hi[d] = 0; break;
          case 4: mul64(al, ah, bl, bh); lo[d] = out[0]!; hi[d] = out[1]!; break;
          case 5: lo[d] = Math.imul(al, bl); hi[d] = 0; break;
          case 6: divmod64(al, ah, bl, bh, false, false); lo[d] = out[0]!; hi[d] = out[1]!; break;
          case 7: lo[d] = bl === 0 ? 0 : Math.floor((al >>> 0) / (bl >>> 0)) | 0; hi[d] = 0; break;
          case 8: divmod64(al, ah, bl, bh, false, true); lo[d] = out[0]!; hi[d] = out[1]!; break;
          case 9: lo[d] = bl === 0 ? 0 : al === -0x80000000 && bl === -1 ? al : Math.trunc(al / bl) | 0; hi[d] = 0; break;
          case 10: lo[d] = al | bl; hi[d] = ah | bh; break;
          case 11: lo[d] = al | bl; hi[d] = 0; break;
          case 12: lo[d] = al & bl; hi[d] = ah & bh; break;
          case 13: lo[d] = al & bl; hi[d] = 0; break;
          case 14: {
            const n = bl & 63;
            if (n === 0) break;
            if (n < 32) { hi[d] = (ah << n) | (al >>> (32 - n)); lo[d] = al << n; } else { hi[d] = al << (n - 32); lo[d] = 0; }
            break;
          }
          case 15: lo[d] = al << (bl & 31); hi[d] = 0; break;
          case 16: {
            const n = bl & 63;
            if (n === 0) break;
            if (n < 32) { lo[d] = (al >>> n) | (ah << (32 - n)); hi[d] = ah >>> n; } else { lo[d] = ah >>> (n - 32); hi[d] = 0; }
            break;
          }
          case 17: lo[d] = al >>> (bl & 31); hi[d] = 0; break;
          case 18: { const l = 0 - (al >>> 0); lo[d] = l | 0; hi[d] = (0 - ah - (l < 0 ? 1 : 0)) | 0; break; }
          case 19: lo[d] = -al | 0; hi[d] = 0; break;
          case 20: divmod64(al, ah, bl, bh, true, false); lo[d] = out[0]!; hi[d] = out[1]!; break;
          case 21: lo[d] = bl === 0 ? al : ((al >>> 0) % (bl >>> 0)) | 0; hi[d] = 0; break;
          case 22: divmod64(al, ah, bl, bh, true, true); lo[d] = out[0]!; hi[d] = out[1]!; break;
          case 23: lo[d] = bl === 0 ? al : bl === -1 ? 0 : al % bl | 0; hi[d] = 0; break;
          case 24: lo[d] = al ^ bl; hi[d] = ah ^ bh; break;
          case 25: lo[d] = al ^ bl; hi[d] = 0; break;
          case 26: lo[d] = bl; hi[d] = bh; break;
          case 27: lo[d] = bl; hi[d] = 0; break;
          case 28: case 29: {
            const from = auxes[pc]!;
            const v = from === 8 ? (bl << 24) >> 24 : from === 16 ? (bl << 16) >> 16 : bl;
            lo[d] = v;
            hi[d] = op >> 1 === 28 ? v >> 31 : 0;
            break;
          }
          case 30: {
            const n = bl & 63;
            if (n === 0) break;
            if (n < 32) { lo[d] = (al >>> n) | (ah << (32 - n)); hi[d] = ah >> n; } else { lo[d] = ah >> (n - 32); hi[d] = ah >> 31; }
            break;
          }
          case 31: lo[d] = al >> (bl & 31); hi[d] = 0; break;
        }
        pc++;
        continue;
      }
      if (op < 108) {
        // Conditional jumps: op = 64 + condition * 4 + (32-bit ? 2 : 0) + (register ? 1 : 0).
        let bl: number, bh: number;
        if (op & 1) {
          bl = lo[srcs[pc]!]!;
          bh = hi[srcs[pc]!]!;
        } else {
          bl = imms[pc]!;
          bh = bl >> 31;
        }
        const al = lo[d]!;
        let taken: boolean;
        if (op & 2) {
          const ua = al >>> 0, ub = bl >>> 0;
          switch ((op - 64) >> 2) {
            case 0: taken = al === bl; break;
            case 1: taken = ua > ub; break;
            case 2: taken = ua >= ub; break;
            case 3: taken = (al & bl) !== 0; break;
            case 4: taken = al !== bl; break;
            case 5: taken = al > bl; break;
            case 6: taken = al >= bl; break;
            case 7: taken = ua < ub; break;
            case 8: taken = ua <= ub; break;
            case 9: taken = al < bl; break;
            default: taken = al <= bl; break;
          }
        } else {
          const ah = hi[d]!;
          const ual = al >>> 0, ubl = bl >>> 0, uah = ah >>> 0, ubh = bh >>> 0;
          switch ((op - 64) >> 2) {
            case 0: taken = al === bl && ah === bh; break;
            case 1: taken = uah > ubh || (ah === bh && ual > ubl); break;
            case 2: taken = uah > ubh || (ah === bh && ual >= ubl); break;
            case 3: taken = (al & bl) !== 0 || (ah & bh) !== 0; break;
            case 4: taken = al !== bl || ah !== bh; break;
            case 5: taken = ah > bh || (ah === bh && ual > ubl); break;
            case 6: taken = ah > bh || (ah === bh && ual >= ubl); break;
            case 7: taken = uah < ubh || (ah === bh && ual < ubl); break;
            case 8: taken = uah < ubh || (ah === bh && ual <= ubl); break;
            case 9: taken = ah < bh || (ah === bh && ual < ubl); break;
            default: taken = ah < bh || (ah === bh && ual <= ubl); break;
          }
        }
        if (taken) {
          const offset = offsets[pc]!;
          if (offset < 0 && --loopBudget < 0) throw this.fault('INSTRUCTION_LIMIT', pc, 'loop limit reached');
          pc += offset;
        }
        pc++;
        continue;
      }
      switch (op) {
        case OP_JA: {
          const offset = offsets[pc]!;
          if (offset < 0 && --loopBudget < 0) throw this.fault('INSTRUCTION_LIMIT', pc, 'loop limit reached');
          pc += offset + 1;
          continue;
        }
        case OP_LDDW:
          lo[d] = imms[pc]!;
          hi[d] = auxes[pc]!;
          pc += 2;
          continue;
        case OP_LE16: lo[d] = lo[d]! & 0xffff; hi[d] = 0; break;
        case OP_LE32: hi[d] = 0; break;
        case OP_LE64: break;
        case OP_SWAP16: lo[d] = swap16(lo[d]!); hi[d] = 0; break;
        case OP_SWAP32: lo[d] = swap32(lo[d]!); hi[d] = 0; break;
        case OP_SWAP64: { const l = lo[d]!; lo[d] = swap32(hi[d]!); hi[d] = swap32(l); break; }
        case OP_LDX: { const a = this.address(srcs[pc]!, offsets[pc]!, 1, false, pc); lo[d] = view.getUint8(a); hi[d] = 0; break; }
        case OP_LDX + 1: { const a = this.address(srcs[pc]!, offsets[pc]!, 2, false, pc); lo[d] = view.getUint16(a, true); hi[d] = 0; break; }
        case OP_LDX + 2: { const a = this.address(srcs[pc]!, offsets[pc]!, 4, false, pc); lo[d] = view.getInt32(a, true); hi[d] = 0; break; }
        case OP_LDX + 3: { const a = this.address(srcs[pc]!, offsets[pc]!, 8, false, pc); lo[d] = view.getInt32(a, true); hi[d] = view.getInt32(a + 4, true); break; }
        case OP_LDXS: { const a = this.address(srcs[pc]!, offsets[pc]!, 1, false, pc); const v = view.getInt8(a); lo[d] = v; hi[d] = v >> 31; break; }
        case OP_LDXS + 1: { const a = this.address(srcs[pc]!, offsets[pc]!, 2, false, pc); const v = view.getInt16(a, true); lo[d] = v; hi[d] = v >> 31; break; }
        case OP_LDXS + 2: { const a = this.address(srcs[pc]!, offsets[pc]!, 4, false, pc); const v = view.getInt32(a, true); lo[d] = v; hi[d] = v >> 31; break; }
        case OP_ST: view.setUint8(this.address(d, offsets[pc]!, 1, true, pc), imms[pc]!); break;
        case OP_ST + 1: view.setUint16(this.address(d, offsets[pc]!, 2, true, pc), imms[pc]!, true); break;
        case OP_ST + 2: view.setInt32(this.address(d, offsets[pc]!, 4, true, pc), imms[pc]!, true); break;
        case OP_ST + 3: { const a = this.address(d, offsets[pc]!, 8, true, pc); view.setInt32(a, imms[pc]!, true); view.setInt32(a + 4, imms[pc]! >> 31, true); break; }
        case OP_STX: view.setUint8(this.address(d, offsets[pc]!, 1, true, pc), lo[srcs[pc]!]!); break;
        case OP_STX + 1: view.setUint16(this.address(d, offsets[pc]!, 2, true, pc), lo[srcs[pc]!]!, true); break;
        case OP_STX + 2: view.setInt32(this.address(d, offsets[pc]!, 4, true, pc), lo[srcs[pc]!]!, true); break;
        case OP_STX + 3: { const a = this.address(d, offsets[pc]!, 8, true, pc); view.setInt32(a, lo[srcs[pc]!]!, true); view.setInt32(a + 4, hi[srcs[pc]!]!, true); break; }
        case OP_ATOMIC32:
        case OP_ATOMIC64:
          this.atomic(op === OP_ATOMIC64, this.address(d, offsets[pc]!, op === OP_ATOMIC64 ? 8 : 4, true, pc), srcs[pc]!, auxes[pc]!, view);
          break;
        case OP_CALL:
        case OP_CALLX: {
          const id = op === OP_CALL ? imms[pc]! : hi[d] === 0 ? lo[d]! : -1;
          if (id === 1 && environment.mapLookup && hi[1] === 0 && hi[2] === 0) {
            try {
              lo[0] = environment.mapLookup(lo[1]! >>> 0, lo[2]! >>> 0);
            } catch (error) {
              if (error instanceof ExecutionError) throw error;
              throw this.fault('HELPER_FAILED', pc, `helper 1 failed: ${(error as Error).message}`);
            }
            hi[0] = 0;
            view = arena.view;
            this.limit = view.byteLength;
            break;
          }
          const helper = environment.helper(id);
          if (!helper) throw this.fault('UNKNOWN_HELPER', pc, `no helper with id ${id}`);
          let result: bigint;
          try {
            result = helper(toUnsigned(lo[1]!, hi[1]!), toUnsigned(lo[2]!, hi[2]!), toUnsigned(lo[3]!, hi[3]!), toUnsigned(lo[4]!, hi[4]!), toUnsigned(lo[5]!, hi[5]!), invocation);
          } catch (error) {
            if (error instanceof ExecutionError) throw error;
            throw this.fault('HELPER_FAILED', pc, `helper ${id} failed: ${(error as Error).message}`);
          }
          fromBigInt(result);
          lo[0] = out[0]!;
          hi[0] = out[1]!;
          if (id === TAIL_CALL_HELPER && lo[0] === 0 && hi[0] === 0) {
            // A tail call was recorded: the program ends here with r0 = 0 (the runtime runs the callee).
            this.instructionCount = executed;
            return;
          }
          view = arena.view; // a helper may have grown the arena
          this.limit = view.byteLength;
          break;
        }
        case OP_CALL_LOCAL: {
          if (depth + 1 >= MAX_CALL_FRAMES) throw this.fault('CALL_DEPTH', pc, `call depth exceeds ${MAX_CALL_FRAMES} frames`);
          if (--loopBudget < 0) throw this.fault('INSTRUCTION_LIMIT', pc, 'loop limit reached');
          // The callee gets its own copies of r1-r5 (the caller's come back unchanged, as in the JIT,
          // where they are a wasm function's parameters); r6-r9 are preserved as the ABI requires.
          frames.push(pc + 1, lo[1]!, hi[1]!, lo[2]!, hi[2]!, lo[3]!, hi[3]!, lo[4]!, hi[4]!, lo[5]!, hi[5]!, lo[6]!, hi[6]!, lo[7]!, hi[7]!, lo[8]!, hi[8]!, lo[9]!, hi[9]!);
          depth++;
          lo[10] = this.stack.frameTop(depth);
          hi[10] = 0;
          pc += imms[pc]! + 1;
          continue;
        }
        case OP_EXIT:
          if (depth === 0) {
            this.instructionCount = executed;
            return;
          }
          for (let r = 9; r >= 1; r--) {
            hi[r] = frames.pop()!;
            lo[r] = frames.pop()!;
          }
          pc = frames.pop()!;
          depth--;
          lo[10] = this.stack.frameTop(depth);
          hi[10] = 0;
          continue;
        default:
          throw this.fault('BAD_INSTRUCTION', pc, this.code.invalid.get(pc) ?? 'invalid instruction');
      }
      pc++;
    }
  }

  private atomic(is64: boolean, a: number, s: number, aux: number, view: DataView): void {
    const { lo, hi } = this;
    const operation = aux & 7;
    const fetch = (aux & 8) !== 0;
    const oldLo = view.getInt32(a, true);
    const oldHi = is64 ? view.getInt32(a + 4, true) : 0;
    let newLo = lo[s]!, newHi = is64 ? hi[s]! : 0;
    switch (operation) {
      case ATOMIC_ADD: {
        const l = (oldLo >>> 0) + (newLo >>> 0);
        newHi = (oldHi + newHi + (l > 0xffffffff ? 1 : 0)) | 0;
        newLo = l | 0;
        break;
      }
      case ATOMIC_OR: newLo |= oldLo; newHi |= oldHi; break;
      case ATOMIC_AND: newLo &= oldLo; newHi &= oldHi; break;
      case ATOMIC_XCHG: break;
      case ATOMIC_CMPXCHG: {
        // Compare r0 with memory; store src if equal; r0 always receives the old value.
        const equal = oldLo === lo[0] && (!is64 || oldHi === hi[0]);
        if (!equal) { newLo = oldLo; newHi = oldHi; }
        lo[0] = oldLo;
        hi[0] = oldHi;
        view.setInt32(a, newLo, true);
        if (is64) view.setInt32(a + 4, newHi, true);
        return;
      }
      default: newLo ^= oldLo; newHi ^= oldHi; break;
    }
    view.setInt32(a, newLo, true);
    if (is64) view.setInt32(a + 4, newHi, true);
    if (fetch || operation === ATOMIC_XCHG) {
      lo[s] = oldLo;
      hi[s] = oldHi;
    }
  }
}

/** A program prepared by the interpreter: it also reports how many instructions its last run executed. */
export interface InterpretedPreparedProgram extends PreparedProgram {
  readonly instructionCount: number;
  /** r10 at entry: the program's own frame is the 512 bytes below it (for checked-mode regions). */
  readonly stackTop: number;
}

/** The interpreter as an Engine whose prepared programs also count instructions. */
export interface InterpreterEngine extends Engine {
  prepare(program: ExecutableProgram, environment: ExecutionEnvironment): InterpretedPreparedProgram;
}

/** The interpreter engine. */
export function createInterpreter(options: InterpreterOptions = {}): InterpreterEngine {
  return {
    name: 'interpreter',
    prepare: (program, environment) => new InterpretedProgram(program, environment, options),
  };
}

/** Runs raw instructions once (tests and the conformance runner). */
export function interpret(instructions: readonly Instruction[], environment: ExecutionEnvironment, context = 0n, options: RunOptions & InterpreterOptions = {}): bigint {
  return createInterpreter(options).prepare({ name: 'raw', instructions }, environment).run(context, options);
}
