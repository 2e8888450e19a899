// Runs PREVAIL's test cases through our verifier: each case's `pre:` facts become an entry state
// (registers' types, offsets and value ranges, stack bytes, packet size, metadata offset, equalities;
// a register whose type is a set starts one alternative per type), its options become analysis options,
// and our verdict is compared with PREVAIL's (rejected iff it expects messages).
import { linuxPlatform, windowsPlatform, type Platform, type ProgramTypeSpec } from '../../../src/platform/index.ts';
import { analyse, type EntryRegister, type EntryState, type MapDescriptor } from '../../../src/verifier/analysis.ts';
import type { EntryVariable } from '../../../src/verifier/entry.ts';
import type { Instruction } from '../../../src/isa/instruction.ts';
import { parseFact, type Fact, type Observation, type PrevailCase } from './cases.ts';

/** The context PREVAIL's test platform gives: 32-bit data and data_end pointers at 0 and 4, then scalars. */
export const PREVAIL_TEST_CONTEXT: ProgramTypeSpec = {
  ...windowsPlatform.programTypeByName('xdp')!,
  name: 'prevail_test', contextSize: 64, dataOffset: 0, dataEndOffset: 4, metaOffset: -1,
  fields: [
    { name: 'data', offset: 0, size: 4, writable: false, pointer: 'data' },
    { name: 'data_end', offset: 4, size: 4, writable: false, pointer: 'data_end' },
    { name: 'fields', offset: 8, size: 56, writable: true },
  ],
};

/**
 * PREVAIL's mock maps: any map fd names a map (key 4 bytes, value 4 bytes) whose value address may be
 * taken (`map_val`), so here a plain array; program arrays sit at PROGRAMS.
 */
const PROGRAMS = 32;
const progArrayType = windowsPlatform.mapTypes.find((m) => m.isProgArray)!.id;
const arrayType = windowsPlatform.mapTypes.find((m) => m.isArray && !m.perCpu && m.valueKind === 'data')!.id;
export const PREVAIL_MAPS: readonly MapDescriptor[] = Array.from({ length: PROGRAMS + 1 }, (_, i) =>
  i === PROGRAMS ? { type: progArrayType, keySize: 4, valueSize: 4 } : { type: arrayType, keySize: 4, valueSize: 4 });

const INF = 1n << 64n;

/** `5`, `-3`, `[0, 10]`, `[-oo, +oo]` as a bigint range. */
function range(text: string): [bigint, bigint] | undefined {
  const one = (t: string) => (t === '+oo' ? INF : t === '-oo' ? -INF : /^-?\d+$/.test(t) ? BigInt(t) : undefined);
  const m = /^\[(.+),\s*(.+)\]$/.exec(text);
  const lo = one(m ? m[1]!.trim() : text);
  const hi = one(m ? m[2]!.trim() : text);
  return lo === undefined || hi === undefined ? undefined : [lo, hi];
}

const clampSigned = (r: [bigint, bigint]): [bigint, bigint] => [r[0] < -(1n << 63n) ? -(1n << 63n) : r[0], r[1] >= 1n << 63n ? (1n << 63n) - 1n : r[1]];
const clampUnsigned = (r: [bigint, bigint]): [bigint, bigint] => [r[0] < 0n ? 0n : r[0], r[1] >= INF ? INF - 1n : r[1]];
const small = (r: [bigint, bigint]): [number, number] => [Number(r[0] < -(1n << 52n) ? -(1n << 52n) : r[0]), Number(r[1] > 1n << 52n ? 1n << 52n : r[1])];

/** What the facts say, or why they cannot be represented. */
export function entryStatesOf(facts: readonly Fact[]): EntryState[] | string {
  const regs = new Map<number, { types: string[]; svalue?: [bigint, bigint]; uvalue?: [bigint, bigint]; offset?: [bigint, bigint]; regionSize?: number; map?: number; numericSize?: number; nonNegative?: boolean }>();
  const reg = (subject: string) => {
    const r = Number(subject.slice(1));
    if (!regs.has(r)) regs.set(r, { types: [] });
    return regs.get(r)!;
  };
  const stack: { start: number; end: number; svalue?: [bigint, bigint]; uvalue?: [bigint, bigint] }[] = [];
  const equalities: [EntryVariable, EntryVariable][] = [];
  /** Registers whose types are equal (`r2.type=r3.type`): only alternatives where they agree exist. */
  const sameType: [number, number][] = [];
  let packetSize: [number, number] | undefined;
  let metaOffset: [number, number] | undefined;
  // PREVAIL's stack offsets count from the bottom of the whole stack; ours from r10.
  const r10 = facts.find((f) => f.subject === 'r10' && f.property === 'stack_offset');
  const stackBase = r10 && /^\d+$/.test(r10.value) ? BigInt(r10.value) : 512n;
  for (const f of facts) {
    const r = /^r(\d+)$/.test(f.subject) ? reg(f.subject) : undefined;
    const cell = /^s\[(\d+)(?:\.\.\.(\d+))?\]$/.exec(f.subject);
    const valueRange = range(f.value);
    if (r && f.property === 'type') {
      if (f.relation === 'in') r.types = f.value.replace(/[{}\s]/g, '').split(',');
      else if (/^r\d+\.type$/.test(f.value)) sameType.push([Number(f.subject.slice(1)), Number(f.value.slice(1, f.value.indexOf('.')))]);
      else r.types = [f.value];
    } else if (r && (f.property === 'svalue' || f.property === 'uvalue')) {
      const other = /^r(\d+)\.(svalue|uvalue)$/.exec(f.value);
      if (other) {
        if (Number(other[1]) === Number(f.subject.slice(1))) {
          if (other[2] !== f.property) r.nonNegative = true;
        } else if (other[2] === 'svalue' && f.property === 'svalue') equalities.push([{ register: Number(f.subject.slice(1)) }, { register: Number(other[1]) }]);
        continue;
      }
      if (!valueRange) return `cannot read ${f.subject}.${f.property}=${f.value}`;
      r[f.property] = valueRange;
    } else if (r && /_offset$/.test(f.property ?? '')) {
      if (f.value === 'packet_size') equalities.push([{ register: Number(f.subject.slice(1)) }, 'packet_size']);
      else if (!valueRange) return `cannot read ${f.subject}.${f.property}=${f.value}`;
      else r.offset = f.property === 'stack_offset' ? [valueRange[0] - stackBase, valueRange[1] - stackBase] : valueRange;
    } else if (r && f.property === 'shared_region_size' && valueRange) r.regionSize = Number(valueRange[0]);
    else if (r && (f.property === 'map_fd' || f.property === 'map_fd_programs') && valueRange) r.map = Number(valueRange[0]);
    else if (r && f.property === 'stack_numeric_size' && valueRange) r.numericSize = Number(valueRange[0]);
    else if (cell) {
      const start = Number(cell[1]) - Number(stackBase);
      const end = Number(cell[2] ?? cell[1]) - Number(stackBase) + 1;
      let c = stack.find((x) => x.start === start && x.end === end);
      if (!c) stack.push((c = { start, end }));
      if ((f.property === 'svalue' || f.property === 'uvalue') && valueRange) c[f.property] = valueRange;
    } else if (f.subject === 'packet_size' && valueRange) packetSize = small(valueRange);
    else if (f.subject === 'meta_offset') {
      if (valueRange) metaOffset = small(valueRange);
      else if (/^r\d+\.packet_offset$/.test(f.value)) equalities.push(['meta_offset', { register: Number(f.value.slice(1, f.value.indexOf('.'))) }]);
      else return `cannot read meta_offset=${f.value}`;
    } else return `cannot represent ${f.subject}${f.property ? `.${f.property}` : ''}${f.relation === 'in' ? ' in ' : '='}${f.value}`;
  }
  // One alternative per combination of possible types.
  let alternatives: Map<number, EntryRegister>[] = [new Map()];
  for (const [r, spec] of regs) {
    if (spec.types.length === 0) return `r${r} has facts but no type`;
    const next: Map<number, EntryRegister>[] = [];
    for (const type of spec.types) {
      let register: EntryRegister;
      switch (type) {
        case 'number': {
          let svalue = spec.svalue ? clampSigned(spec.svalue) : undefined;
          if (spec.nonNegative) svalue = [svalue && svalue[0] > 0n ? svalue[0] : 0n, svalue ? svalue[1] : (1n << 63n) - 1n];
          register = { type: 'number', ...(svalue ? { svalue } : {}), ...(spec.uvalue ? { uvalue: clampUnsigned(spec.uvalue) } : {}) };
          break;
        }
        case 'ctx': case 'stack': case 'packet': case 'shared':
          register = {
            type, ...(spec.offset ? { offset: spec.offset } : {}), ...(spec.regionSize !== undefined ? { regionSize: spec.regionSize } : {}),
            // PREVAIL gives a pointer's address as its svalue: a shared region whose address may be 0 may be null.
            ...(type === 'shared' && spec.svalue && spec.svalue[0] <= 0n ? { maybeNull: true } : {}),
          };
          break;
        case 'map_fd': register = { type: 'map_fd', map: Math.max(0, (spec.map ?? 1) - 1) }; break;
        case 'map_fd_programs': register = { type: 'map_fd', map: PROGRAMS }; break;
        default: return `r${r} has type ${type}, which has no counterpart here`;
      }
      for (const alt of alternatives) next.push(new Map(alt).set(r, register));
      if (type === 'stack' && spec.numericSize && spec.offset) stack.push({ start: Number(spec.offset[0]), end: Number(spec.offset[0]) + spec.numericSize });
    }
    alternatives = next;
  }
  alternatives = alternatives.filter((alt) => sameType.every(([a, b]) => alt.get(a)?.type === alt.get(b)?.type));
  return alternatives.map((alt) => ({
    registers: Object.fromEntries(alt),
    ...(packetSize ? { packetSize } : {}),
    ...(metaOffset ? { metaOffset } : {}),
    stack,
    equalities,
  }));
}

/**
 * PREVAIL's cases call helpers by Linux numbers and name them in a comment (`call 1; bpf_map_lookup_elem`).
 * Each named call is renumbered to this platform's helper of that name (bpf_trace_printk: the variant
 * with the fewest arguments); a helper this platform lacks keeps its number.
 */
export function renumberHelpers(c: PrevailCase): Instruction[] {
  const names = [...c.source.matchAll(/call (\d+);\s*(\w+)/g)].map((m) => ({ id: Number(m[1]), name: m[2]! }));
  const helpers = [...windowsPlatform.helpers.values(), ...PREVAIL_TEST_CONTEXT.helpers];
  let next = 0;
  return c.instructions.map((insn) => {
    if (insn.opcode !== 0x85 || insn.src !== 0) return insn;
    const named = names[next]?.id === insn.imm ? names[next++] : undefined;
    if (!named) return insn;
    const ours = helpers.find((h) => h.name === named.name || h.cName === named.name) ?? helpers.find((h) => h.name.startsWith(named.name) && /^\d+$/.test(h.name.slice(named.name.length)));
    return ours ? { ...insn, imm: ours.id } : insn;
  });
}

/**
 * PREVAIL's cases call helpers by Linux numbers. A case calling a Linux helper eBPF for Windows lacks
 * (bpf_ringbuf_reserve, bpf_get_stack, bpf_skc_lookup_tcp...) runs under the Linux platform's prototypes,
 * by their own numbers, without the map-type and context restrictions: PREVAIL's mock maps have no types
 * and its test context is no particular program type's.
 */
export const LINUX_TEST_PLATFORM: Platform = {
  ...linuxPlatform,
  helper: (_type, id) => {
    const helper = linuxPlatform.helpers.get(id);
    if (!helper) return undefined;
    const { mapTypes: _m, contexts: _c, ...prototype } = helper as typeof helper & { contexts?: unknown };
    return prototype;
  },
};

/** Whether the case calls, by name, a helper only Linux has (or calls one through a register holding a Linux-only id). */
export function callsLinuxOnlyHelper(c: PrevailCase): boolean {
  const windows = [...windowsPlatform.helpers.values()];
  const linux = [...linuxPlatform.helpers.values()];
  const facts = c.pre === 'bottom' ? [] : c.pre;
  return [...c.source.matchAll(/call(?:x (r\d+)| \d+);\s*(\w+)/g)].some(([, register, name]) => {
    if (!linux.some((h) => h.name === name)) return false;
    if (!windows.some((h) => h.name === name || h.cName === name || h.name.startsWith(name!))) return true;
    // callx: the id is the register's value at entry.
    const id = register ? facts.find((f) => f.subject === register && f.property === 'svalue' && /^\d+$/.test(f.value))?.value : undefined;
    return id !== undefined && !windowsPlatform.helpers.has(Number(id));
  });
}

/** Our verdict on one case: rejected or not, and the first error (or why the case cannot run here). */
export function runCase(c: PrevailCase): { rejected: boolean; detail: string } {
  if (c.unrepresentable) return { rejected: true, detail: `not encodable: ${c.unrepresentable}` };
  if (c.pre === 'bottom') return { rejected: false, detail: 'starts unreachable' };
  const entry = entryStatesOf(c.pre);
  if (typeof entry === 'string') return { rejected: true, detail: `entry state: ${entry}` };
  const termination = c.options.includes('termination');
  const linux = callsLinuxOnlyHelper(c);
  const result = analyse(linux ? c.instructions : renumberHelpers(c), PREVAIL_TEST_CONTEXT, linux ? LINUX_TEST_PLATFORM : windowsPlatform, PREVAIL_MAPS, {
    entryState: entry,
    assumes: c.assumes,
    checkTermination: termination,
    maxLoopIterations: 100_000,
    allowDivisionByZero: !c.options.includes('!allow_division_by_zero'),
    bigEndian: c.options.includes('big_endian'),
    // PREVAIL's test platform gives no program type a return range.
    checkReturnRange: false,
    // PREVAIL's test platform, like Linux, has LD_ABS/LD_IND.
    legacyPacketAccess: true,
    deadBranchesAreErrors: true,
    ...(c.harnessExit !== undefined ? { harnessExits: [c.harnessExit] } : {}),
    ...(c.observations.length > 0 ? { recordStates: true } : {}),
  });
  if (result.errors[0]) return { rejected: true, detail: `${result.errors[0].pc}: ${result.errors[0].message}${c.expectedException ? ` (PREVAIL's harness throws before verifying: ${c.expectedException})` : ''}` };
  const instructions = c.instructions;
  for (const o of c.observations) {
    // `exit` is the main program's exit (the state before an exit instruction is the state after it).
    const pcs = o.at === 'exit' ? instructions.map((insn, pc) => (insn.opcode === 0x95 ? pc : -1)).filter((pc) => pc >= 0) : [o.point === 'pre' ? o.at : o.at + 1];
    const states = pcs.map((pc) => result.states?.[pc]).filter((x) => x !== undefined);
    const failed = observationFails(o, states.map((lines) => lines.map(parseLine)));
    if (failed) return { rejected: true, detail: `${o.at}: observation ${o.mode} failed at ${o.point}: ${failed}` };
  }
  return { rejected: false, detail: 'accepted' };
}

/** A printed state line (`r0.svalue=[0, 5]`) as a fact; relations (`a-b<=c`) are not facts of one variable. */
function parseLine(line: string): Fact | undefined {
  return /^[^=<]+(=| in )/.test(line) && !line.includes('<=') ? parseFact(line) : undefined;
}

const variable = (f: Fact) => `${f.subject}${f.property ? `.${f.property}` : ''}`;

/**
 * PREVAIL's observation check, on our printed invariant: `consistent` fails when the constraints contradict
 * each other or a fact of ours on the same variable; `entailed` fails unless every fact of ours about a
 * subject the constraints mention is implied by them (the invariant projected on what is observed). The
 * reason, or undefined when it holds (at some state, for a label reached by several).
 */
function observationFails(o: Observation, states: (Fact | undefined)[][]): string | undefined {
  const observed = new Map<string, { type?: string; range?: [bigint, bigint] }>();
  for (const f of o.constraints) {
    const v = variable(f);
    const known = observed.get(v) ?? {};
    const r = f.relation === '=' ? range(f.value) : undefined;
    if (r) {
      const lo = known.range && known.range[0] > r[0] ? known.range[0] : r[0];
      const hi = known.range && known.range[1] < r[1] ? known.range[1] : r[1];
      if (lo > hi) return `the constraints on ${v} contradict each other`;
      known.range = [lo, hi];
    } else {
      if (known.type !== undefined && known.type !== f.value) return `the constraints on ${v} contradict each other`;
      known.type = f.value;
    }
    observed.set(v, known);
  }
  if (states.length === 0) return 'the label is never reached';
  const reasons: string[] = [];
  for (const facts of states) {
    let reason: string | undefined;
    for (const f of facts) {
      if (!f) continue;
      const v = variable(f);
      const seen = observed.get(v);
      const r = f.relation === '=' ? range(f.value) : undefined;
      if (o.mode === 'consistent') {
        if (!seen) continue;
        if (r && seen.range && (seen.range[1] < r[0] || seen.range[0] > r[1])) reason = `${v} is ${f.value} here`;
        if (!r && seen.type !== undefined && seen.type !== f.value) reason = `${v} is ${f.value} here`;
      } else {
        if (!o.constraints.some((c) => c.subject === f.subject)) continue;
        const implied = r ? seen?.range !== undefined && seen.range[0] >= r[0] && seen.range[1] <= r[1] : seen?.type === f.value;
        if (!implied) reason = `${v}=${f.value} here is not implied`;
      }
      if (reason) break;
    }
    if (!reason) return undefined;
    reasons.push(reason);
  }
  return reasons[0];
}
