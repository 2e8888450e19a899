// Entry states other than a program type's own: what registers, stack bytes, the packet size and the
// metadata offset hold when the analysis starts (PREVAIL's test cases start from such states).

import { Scalar } from './scalar.ts';
import { BYTE_NUMBER, META_OFFSET, PACKET_SIZE, regVar, scalar, slotVar, STACK_BYTES, State, UNINIT, type Value } from './state.ts';
import type { MapDescriptor } from './transfer.ts';

/** What one register holds at entry. */
export interface EntryRegister {
  readonly type: 'number' | 'ctx' | 'stack' | 'packet' | 'shared' | 'map_fd';
  /** Signed and unsigned ranges of a number. */
  readonly svalue?: readonly [bigint, bigint];
  readonly uvalue?: readonly [bigint, bigint];
  /** Offset of a pointer (stack: from r10, so at most 0). */
  readonly offset?: readonly [bigint, bigint];
  /** Size of a shared region (a map value of unknown map). */
  readonly regionSize?: number;
  /** Index of a map. */
  readonly map?: number;
  /** A shared region that may be null (compare with 0 before use). */
  readonly maybeNull?: boolean;
}

/** A variable of an entry state, for equalities. */
export type EntryVariable = { readonly register: number } | 'packet_size' | 'meta_offset';

/** A whole entry state. Registers not listed hold nothing, except r10 (the frame pointer). */
export interface EntryState {
  readonly registers?: Readonly<Partial<Record<number, EntryRegister>>>;
  readonly packetSize?: readonly [number, number];
  readonly metaOffset?: readonly [number, number];
  /** Numbers in the stack: bytes [start, end) as offsets from r10, with a value for whole aligned 8-byte slots. */
  readonly stack?: readonly { readonly start: number; readonly end: number; readonly svalue?: readonly [bigint, bigint]; readonly uvalue?: readonly [bigint, bigint] }[];
  /** Pairs of variables that are equal. */
  readonly equalities?: readonly (readonly [EntryVariable, EntryVariable])[];
}

function numberOf(r: { svalue?: readonly [bigint, bigint]; uvalue?: readonly [bigint, bigint] }): Scalar {
  let n = r.svalue ? Scalar.signedRange(r.svalue[0], r.svalue[1]) : Scalar.unknown();
  if (r.uvalue) {
    n = n.refine('ge', Scalar.constant(r.uvalue[0]));
    if (r.uvalue[1] < 1n << 64n) n = n.refine('le', Scalar.constant(r.uvalue[1]));
  }
  return n;
}

function valueOf(r: EntryRegister, maps: readonly MapDescriptor[], register: number): Value {
  const off = r.offset ? Scalar.signedRange(r.offset[0], r.offset[1]) : Scalar.constant(0n);
  switch (r.type) {
    case 'number': return scalar(numberOf(r));
    case 'ctx': return { kind: 'ctx', off };
    case 'stack': return { kind: 'stack', frame: 0, off };
    case 'packet': return { kind: 'packet', off };
    case 'shared':
      if (r.maybeNull) return { kind: 'mem_or_null', map: -1, size: r.regionSize ?? 0, id: 1_000_000 + register, origin: -1, helper: 'the entry state' };
      return { kind: 'mem', map: -1, size: r.regionSize ?? 0, off };
    case 'map_fd':
      if (r.map === undefined || !maps[r.map]) throw new Error(`entry state: map ${r.map} does not exist`);
      return { kind: 'map', map: r.map };
  }
}

/** The analysis's starting states for one or several entry states. */
export function entryStates(entry: EntryState | readonly EntryState[], maps: readonly MapDescriptor[], maxPacket: number): State[] {
  const list: readonly EntryState[] = Array.isArray(entry) ? entry : [entry as EntryState];
  return list.map((e) => {
    const s = State.entry(maxPacket);
    s.set(1, UNINIT);
    const packet = e.packetSize ?? [0, maxPacket];
    s.zone.assignInterval(PACKET_SIZE, packet[0], packet[1]);
    const meta = e.metaOffset ?? [0, 0];
    s.zone.assignInterval(META_OFFSET, meta[0], meta[1]);
    for (const [r, spec] of Object.entries(e.registers ?? {})) if (spec) s.set(Number(r), valueOf(spec, maps, Number(r)));
    for (const cell of e.stack ?? []) {
      const f = s.stacks[0]!;
      f.bytes.fill(BYTE_NUMBER, cell.start + STACK_BYTES, cell.end + STACK_BYTES);
      const start = cell.start + STACK_BYTES;
      if (cell.end - cell.start === 8 && start % 8 === 0 && (cell.svalue || cell.uvalue)) {
        const n = numberOf(cell);
        f.slots.set(start >> 3, scalar(n));
        s.zone.assignInterval(slotVar(0, start >> 3), Number(n.smin), Number(n.smax));
      }
    }
    const id = (v: EntryVariable) => (v === 'packet_size' ? PACKET_SIZE : v === 'meta_offset' ? META_OFFSET : regVar(0, v.register));
    for (const [a, b] of e.equalities ?? []) {
      s.zone.addConstraint(id(a), id(b), 0);
      s.zone.addConstraint(id(b), id(a), 0);
    }
    s.tightenFromZone();
    return s;
  });
}
