// Abstract states as printable lines, in PREVAIL's style (`r1.type=ctx`, `r2.svalue=[0, 10]`,
// `r10.stack_offset=512`, `s[496...503].type=number`, `packet_size=[0, 65535]`), for `level=verbose`
// reports and the Studio.

import type { Scalar } from './scalar.ts';
import { counterVar, META_OFFSET, narrowVar, negCounterVar, PACKET_SIZE, regVar, slotVar, STACK_BYTES, type State, type Value } from './state.ts';
import { ZERO, type Zone } from './zone.ts';

const interval = (lo: bigint, hi: bigint) => (lo === hi ? `${lo}` : `[${lo}, ${hi}]`);
const bound = (n: number) => (n === Infinity ? '+oo' : n === -Infinity ? '-oo' : String(n));
const zoneInterval = (z: Zone, id: number) => {
  const lo = z.lower(id);
  const hi = z.upper(id);
  return lo === hi ? bound(lo) : `[${bound(lo)}, ${bound(hi)}]`;
};

function valueLines(name: string, v: Value): string[] {
  const num = (n: Scalar) => [`${name}.svalue=${interval(n.smin, n.smax)}`, `${name}.uvalue=${interval(n.umin, n.umax)}`];
  switch (v.kind) {
    case 'uninit': return [];
    case 'scalar': return [`${name}.type=number`, ...num(v.n)];
    case 'ctx': return [`${name}.type=ctx`, `${name}.ctx_offset=${interval(v.off.smin, v.off.smax)}`];
    case 'stack': return [`${name}.type=stack`, `${name}.stack_offset=${interval(v.off.smin + BigInt(STACK_BYTES), v.off.smax + BigInt(STACK_BYTES))}`, ...(v.frame ? [`${name}.stack_frame=${v.frame}`] : [])];
    case 'packet': return [`${name}.type=packet`, `${name}.packet_offset=${v.end ? 'packet_size' : interval(v.off.smin, v.off.smax)}`];
    case 'map': return [`${name}.type=map_fd`, `${name}.map_fd=${v.map}`];
    case 'mem': return [`${name}.type=shared`, `${name}.shared_offset=${interval(v.off.smin, v.off.smax)}`, `${name}.shared_region_size=${v.size}`];
    case 'mem_or_null': return [`${name}.type=shared_or_null`, `${name}.shared_region_size=${v.size}`, `${name}.null_check_id=${v.id}`];
    case 'mixed': return [`${name}.type in {${v.kinds.join(', ')}}`];
  }
}

/** The state as lines: registers, stack byte ranges and slots, packet size, loop counters and relations. */
export function printState(s: State): string[] {
  const lines: string[] = [];
  const names = new Map<number, string>([[PACKET_SIZE, 'packet_size'], [META_OFFSET, 'meta_offset']]);
  const d = s.depth;
  s.regs.forEach((v, r) => {
    lines.push(...valueLines(`r${r}`, v));
    names.set(regVar(d, r), `r${r}.${v.kind === 'scalar' ? 'svalue' : `${v.kind === 'mem' ? 'shared' : v.kind}_offset`}`);
  });
  if (d > 0) lines.push(`call_depth=${d}`);
  const frame = s.stacks[d]!;
  let i = 0;
  while (i < STACK_BYTES) {
    const kind = frame.bytes[i]!;
    let j = i;
    while (j < STACK_BYTES && frame.bytes[j] === kind && (kind !== 2 || j < i + 8)) j++;
    if (kind === 1) lines.push(`s[${i}...${j - 1}].type=number`);
    i = j;
  }
  for (const [slot, v] of [...frame.slots].sort((a, b) => a[0] - b[0])) {
    const name = `s[${slot * 8}...${slot * 8 + 7}]`;
    if (v.kind !== 'scalar') lines.push(...valueLines(name, v));
    else lines.push(`${name}.svalue=${interval(v.n.smin, v.n.smax)}`);
    names.set(slotVar(d, slot), `${name}.svalue`);
  }
  for (const [start, spill] of [...frame.narrow].sort((a, b) => a[0] - b[0])) {
    const name = `s[${start}...${start + spill.size - 1}]`;
    lines.push(`${name}.svalue=${interval(spill.n.smin, spill.n.smax)}`);
    names.set(narrowVar(d, start), `${name}.svalue`);
  }
  lines.push(`packet_size=${zoneInterval(s.zone, PACKET_SIZE)}`);
  const meta = zoneInterval(s.zone, META_OFFSET);
  if (meta !== '0') lines.push(`meta_offset=${meta}`);
  for (const id of s.zone.variables()) {
    if (id >= counterVar(0) && id % 2 === 0) {
      const head = (id - counterVar(0)) / 2;
      const hi = Math.min(s.zone.upper(id), -s.zone.lower(negCounterVar(head)));
      lines.push(`pc[${head}]=${hi === s.zone.lower(id) ? bound(hi) : `[${bound(s.zone.lower(id))}, ${bound(hi)}]`}`);
      names.set(id, `pc[${head}]`);
    }
  }
  // Relations between named variables (bounds are already printed as intervals).
  for (const { a, b, bound: c } of s.zone.relations()) {
    const na = names.get(a);
    const nb = names.get(b);
    if (!na || !nb || a === ZERO || b === ZERO) continue;
    // Only what the bounds alone do not imply.
    if (c >= s.zone.upper(a) - s.zone.lower(b)) continue;
    lines.push(`${na}-${nb}<=${c}`);
  }
  return lines;
}
