// The abstract state the verifier carries along a path: what each register holds (its type and, for
// numbers and offsets, a Scalar), what each byte of the stack holds, and what is proven about the size of
// the context's data (the packet).

import { Scalar } from './scalar.ts';

/** What a register holds. Offsets are Scalars relative to the object's start (the stack: to r10). */
export type Value =
  | { readonly kind: 'uninit' }
  /** `packetLength`: this number equals data_end - data exactly (kept while it is only copied). */
  | { readonly kind: 'scalar'; readonly n: Scalar; readonly packetLength?: boolean }
  | { readonly kind: 'ctx'; readonly off: Scalar }
  | { readonly kind: 'stack'; readonly off: Scalar }
  /**
   * `vid`/`k`: a pointer whose offset has a variable part (vid names it; pointers derived by constants
   * share it) sits k bytes past that point; bounds proven for one apply to all (State.packetRanges).
   */
  | { readonly kind: 'packet'; readonly off: Scalar; readonly vid?: number; readonly k?: bigint }
  | { readonly kind: 'packet_end' }
  | { readonly kind: 'map'; readonly map: number }
  | { readonly kind: 'map_value'; readonly map: number; readonly off: Scalar }
  | { readonly kind: 'map_value_or_null'; readonly map: number; readonly id: number };

export const UNINIT: Value = { kind: 'uninit' };
export const scalar = (n: Scalar, packetLength?: boolean): Value => (packetLength ? { kind: 'scalar', n, packetLength } : { kind: 'scalar', n });
export const isPointer = (v: Value) => v.kind !== 'scalar' && v.kind !== 'uninit';

/** Bytes of stack per frame. */
export const STACK_BYTES = 512;

/** One path's state. Copied at every branch (small: 11 registers, 512 stack bytes). */
export class State {
  regs: Value[];
  /** Per stack byte (index 0 = r10 - 512): 0 uninitialised, 1 number, 2 part of a spilled value. */
  stackBytes: Uint8Array;
  /** Spilled 8-byte values by their stack index (multiple of 8). */
  spills: Map<number, Value>;
  /** What is proven about data_end - data. */
  packetSize: Scalar;
  /** For each variable packet offset (vid): how many bytes past it are proven inside the data. */
  packetRanges: Map<number, bigint>;
  nextId: number;

  constructor(regs: Value[], stackBytes: Uint8Array, spills: Map<number, Value>, packetSize: Scalar, packetRanges: Map<number, bigint>, nextId: number) {
    this.regs = regs;
    this.stackBytes = stackBytes;
    this.spills = spills;
    this.packetSize = packetSize;
    this.packetRanges = packetRanges;
    this.nextId = nextId;
  }

  /** The state at a program's entry: r1 the context, r10 the frame pointer, nothing else known. */
  static entry(maxPacket: bigint): State {
    const regs: Value[] = Array.from({ length: 11 }, () => UNINIT);
    regs[1] = { kind: 'ctx', off: Scalar.constant(0n) };
    regs[10] = { kind: 'stack', off: Scalar.constant(0n) };
    return new State(regs, new Uint8Array(STACK_BYTES), new Map(), Scalar.unsignedRange(0n, maxPacket), new Map(), 1);
  }

  clone(): State {
    return new State([...this.regs], this.stackBytes.slice(), new Map(this.spills), this.packetSize, new Map(this.packetRanges), this.nextId);
  }

  /** A key identifying the state exactly (for recognising a loop that makes no progress). */
  key(): string {
    const value = (v: Value): string => {
      switch (v.kind) {
        case 'uninit': return 'u';
        case 'scalar': return `s${v.n}${v.packetLength ? 'L' : ''}`;
        case 'packet_end': return 'E';
        case 'map': return `m${v.map}`;
        case 'map_value_or_null': return `n${v.map}.${v.id}`;
        case 'map_value': return `v${v.map}+${v.off}`;
        case 'packet': return `p${v.off}${v.vid !== undefined ? `#${v.vid}+${v.k}` : ''}`;
        default: return `${v.kind[0]}${v.off}`;
      }
    };
    return `${this.regs.map(value).join(',')}|${Buffer.from(this.stackBytes).toString('base64')}|${[...this.spills].map(([k, v]) => `${k}:${value(v)}`).join(',')}|${this.packetSize}|${[...this.packetRanges].join(';')}`;
  }
}
