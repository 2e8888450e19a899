// The general helpers' behaviour (ids 1-35, eBPF for Windows semantics), one table keyed by the
// platform's ids: names and prototypes come from src/platform, only behaviour lives here. Helpers read
// and write program memory through the arena and refuse any range outside it.

import { randomInt } from 'node:crypto';
import type { HelperFunction, Invocation } from '../engines/engine.ts';
import type { Arena } from './arena.ts';
import { BpfMap, ERRNO, MapError, PerfEventArrayMap, QueueMap, RingBufferMap } from './maps/index.ts';

/** What helpers need from the runtime around them. */
export interface HelperHost {
  readonly arena: Arena;
  /** The map whose handle address a program holds (from a resolved lddw), if any. */
  mapAt(address: number): BpfMap | undefined;
  /** The CPU the program runs on. */
  cpu(): number;
  /** (process id << 32) | thread id of the current event. */
  pidTgid(): bigint;
  logonId(): bigint;
  isAdmin(): boolean;
  processStartKey(): bigint;
  threadCreateTime(): bigint;
  /** A line of bpf_printk output. */
  trace(line: string): void;
  /** Records a tail call request; returns 0, or a negative error when there is no such program or too many calls. */
  tailCall(invocation: Invocation, programArray: BpfMap, index: number): number;
  /** The [start, end) of the context's data, when the program type has data pointers. */
  contextData(context: number): [number, number] | undefined;
  /**
   * Program-side lookup through the runtime, which knows what maps of maps hold (the inner map's handle
   * is what a program gets) and refuses program arrays; without it, the map's own lookup.
   */
  lookup?(map: BpfMap, keyAddress: number): number;
}

/** Thrown inside a helper for an argument no verified program could pass (a range outside the arena). */
export class HelperError extends Error {
  readonly code = 'HELPER_ARGUMENT';
}

const EINVAL = -BigInt(ERRNO.EINVAL);
const ERANGE = -34n;
const EOPNOTSUPP = -BigInt(ERRNO.EOPNOTSUPP);
const bootOrigin = process.hrtime.bigint();

type Implementation = (host: HelperHost, r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint, invocation: Invocation) => bigint;

function range(host: HelperHost, address: bigint, size: bigint, what: string): [number, number] {
  const a = Number(address);
  const n = Number(size);
  if (size > 0x7fffffffn || !host.arena.contains(a, n)) throw new HelperError(`${what}: ${n} bytes at 0x${address.toString(16)} are outside the program's memory`);
  return [a, n];
}

function map(host: HelperHost, address: bigint): BpfMap {
  const found = host.mapAt(Number(address));
  if (!found) throw new HelperError(`0x${address.toString(16)} is not a map`);
  return found;
}

function errno(error: unknown): bigint {
  if (error instanceof MapError) return -BigInt(error.errno);
  throw error;
}

/** Formats bpf_printk's format string with up to three 64-bit arguments. Unknown conversions are refused. */
export function formatTrace(format: string, args: readonly bigint[]): string | undefined {
  let next = 0;
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch !== '%') {
      out += ch;
      continue;
    }
    const spec = /^%(l{0,2})([diuxXpc%])/.exec(format.slice(i));
    if (!spec) return undefined;
    i += spec[0].length - 1;
    if (spec[2] === '%') {
      out += '%';
      continue;
    }
    if (next >= args.length) return undefined;
    const raw = args[next++]!;
    const width = spec[1] === '' ? 32 : 64;
    const value = BigInt.asUintN(width, raw);
    switch (spec[2]) {
      case 'd': case 'i': out += BigInt.asIntN(width, raw).toString(); break;
      case 'u': out += value.toString(); break;
      case 'x': out += value.toString(16); break;
      case 'X': out += value.toString(16).toUpperCase(); break;
      case 'p': out += `0x${BigInt.asUintN(64, raw).toString(16)}`; break;
      case 'c': out += String.fromCharCode(Number(value & 0xffn)); break;
    }
  }
  return out;
}

function trace(host: HelperHost, r1: bigint, r2: bigint, args: bigint[]): bigint {
  const [a, n] = range(host, r1, r2, 'bpf_trace_printk format');
  const bytes = host.arena.read(a, n);
  const end = bytes.indexOf(0);
  const format = new TextDecoder().decode(end >= 0 ? bytes.subarray(0, end) : bytes);
  const line = formatTrace(format, args);
  if (line === undefined) return -1n;
  host.trace(line.replace(/\n$/, ''));
  return BigInt(line.length);
}

function csumDiff(host: HelperHost, from: bigint, fromSize: bigint, to: bigint, toSize: bigint, seed: bigint): bigint {
  if (fromSize % 4n !== 0n || toSize % 4n !== 0n) return EINVAL;
  let sum = Number(BigInt.asUintN(32, seed));
  const add = (word: number) => {
    sum += word;
    if (sum > 0xffffffff) sum -= 0xffffffff; // end-around carry
  };
  if (fromSize > 0n) {
    const [a, n] = range(host, from, fromSize, 'bpf_csum_diff from');
    for (let i = 0; i < n; i += 4) add(~host.arena.view.getUint32(a + i, true) >>> 0);
  }
  if (toSize > 0n) {
    const [a, n] = range(host, to, toSize, 'bpf_csum_diff to');
    for (let i = 0; i < n; i += 4) add(host.arena.view.getUint32(a + i, true));
  }
  return BigInt(sum >>> 0);
}

function copy(host: HelperHost, dst: bigint, dstSize: bigint, src: bigint, srcSize: bigint, what: string): bigint {
  if (srcSize > dstSize) return EINVAL;
  if (srcSize === 0n) return 0n;
  const [d] = range(host, dst, dstSize, `${what} destination`);
  const [s, n] = range(host, src, srcSize, `${what} source`);
  host.arena.bytes.copyWithin(d, s, s + n); // handles overlap, so it serves memmove too
  return 0n;
}

function cString(host: HelperHost, address: bigint, size: bigint, what: string): Uint8Array {
  if (size === 0n) return new Uint8Array(0);
  const [a, n] = range(host, address, size, what);
  const bytes = host.arena.read(a, n);
  const end = bytes.indexOf(0);
  return end >= 0 ? bytes.subarray(0, end) : bytes;
}

const IMPLEMENTATIONS: ReadonlyMap<number, Implementation> = new Map<number, Implementation>([
  [1, (host, m, key) => {
    const target = map(host, m);
    const [k] = range(host, key, BigInt(target.definition.keySize), 'map key');
    return BigInt(host.lookup ? host.lookup(target, k) : target.lookupAddress(k));
  }],
  [2, (host, m, key, value, flags) => {
    const target = map(host, m);
    if (target.definition.type.valueKind !== 'data') return EINVAL; // programs and maps are stored from user mode only
    range(host, key, BigInt(target.definition.keySize), 'map key');
    range(host, value, BigInt(target.definition.valueSize), 'map value');
    return BigInt(target.updateFromProgram(Number(key), Number(value), Number(BigInt.asUintN(32, flags))));
  }],
  [3, (host, m, key) => {
    const target = map(host, m);
    if (target.definition.type.valueKind !== 'data') return EINVAL;
    const [k, n] = range(host, key, BigInt(target.definition.keySize), 'map key');
    try {
      target.delete(host.arena.read(k, n));
      return 0n;
    } catch (error) {
      return errno(error);
    }
  }],
  [4, (host, m, key) => {
    const target = map(host, m);
    if (target.definition.type.valueKind !== 'data') return 0n;
    return BigInt(target.lookupAndDeleteFromProgram(range(host, key, BigInt(target.definition.keySize), 'map key')[0]));
  }],
  [5, (host, _ctx, programArray, index, _r4, _r5, invocation) => BigInt(host.tailCall(invocation, map(host, programArray), Number(BigInt.asUintN(32, index))))],
  [6, () => BigInt(randomInt(0, 0x100000000))],
  [7, () => process.hrtime.bigint() - bootOrigin],
  [8, (host) => BigInt(host.cpu())],
  [9, () => process.hrtime.bigint() - bootOrigin],
  [10, csumDiff],
  [11, (host, m, data, size) => {
    const ring = map(host, m);
    if (!(ring instanceof RingBufferMap)) return EINVAL;
    const [a, n] = range(host, data, size, 'bpf_ringbuf_output data');
    return BigInt(ring.output(host.arena.read(a, n)));
  }],
  [12, (host, r1, r2) => trace(host, r1, r2, [])],
  [13, (host, r1, r2, r3) => trace(host, r1, r2, [r3])],
  [14, (host, r1, r2, r3, r4) => trace(host, r1, r2, [r3, r4])],
  [15, (host, r1, r2, r3, r4, r5) => trace(host, r1, r2, [r3, r4, r5])],
  [16, (host, m, value, flags) => {
    const queue = map(host, m);
    if (!(queue instanceof QueueMap)) return EINVAL;
    const [a, n] = range(host, value, BigInt(queue.definition.valueSize), 'map value');
    try {
      queue.push(host.arena.read(a, n), Number(BigInt.asUintN(32, flags)));
      return 0n;
    } catch (error) {
      return errno(error);
    }
  }],
  ...([[17, 'pop'], [18, 'peek']] as const).map(([id, operation]): [number, Implementation] => [id, (host, m, value) => {
    const queue = map(host, m);
    if (!(queue instanceof QueueMap)) return EINVAL;
    const [a] = range(host, value, BigInt(queue.definition.valueSize), 'map value');
    try {
      host.arena.write(a, operation === 'pop' ? queue.pop() : queue.peek());
      return 0n;
    } catch (error) {
      return errno(error);
    }
  }]),
  [19, (host) => host.pidTgid()],
  [20, (host) => host.logonId()],
  [21, (host) => (host.isAdmin() ? 1n : 0n)],
  [22, (host, d, ds, s, ss) => copy(host, d, ds, s, ss, 'bpf_memcpy_s')],
  [23, (host, a, as, b, bs) => {
    const n = as < bs ? as : bs;
    if (n === 0n) return 0n;
    const [x] = range(host, a, n, 'bpf_memcmp_s first');
    const [y] = range(host, b, n, 'bpf_memcmp_s second');
    for (let i = 0; i < Number(n); i++) {
      const diff = host.arena.bytes[x + i]! - host.arena.bytes[y + i]!;
      if (diff !== 0) return BigInt(diff);
    }
    return as === bs ? 0n : as < bs ? -1n : 1n;
  }],
  [24, (host, p, size, value) => {
    if (size === 0n) return 0n;
    const [a, n] = range(host, p, size, 'bpf_memset');
    host.arena.bytes.fill(Number(value & 0xffn), a, a + n);
    return 0n;
  }],
  [25, (host, d, ds, s, ss) => copy(host, d, ds, s, ss, 'bpf_memmove_s')],
  [26, () => 0n],
  [27, (host, dest, destSize, src, count) => {
    const source = cString(host, src, count, 'bpf_strncpy_s source');
    if (BigInt(source.length) >= destSize) return ERANGE;
    const [d] = range(host, dest, destSize, 'bpf_strncpy_s destination');
    host.arena.write(d, source);
    host.arena.bytes[d + source.length] = 0;
    return 0n;
  }],
  [28, (host, dest, destSize, src, count) => {
    const current = cString(host, dest, destSize, 'bpf_strncat_s destination');
    if (BigInt(current.length) >= destSize) return EINVAL; // not terminated within its size
    const source = cString(host, src, count, 'bpf_strncat_s source');
    if (BigInt(current.length + source.length) >= destSize) return ERANGE;
    const [d] = range(host, dest, destSize, 'bpf_strncat_s destination');
    host.arena.write(d + current.length, source);
    host.arena.bytes[d + current.length + source.length] = 0;
    return 0n;
  }],
  [29, (host, s, size) => BigInt(cString(host, s, size, 'bpf_strnlen_s').length)],
  [30, () => (process.hrtime.bigint() - bootOrigin) / 1_000_000n],
  [31, () => (process.hrtime.bigint() - bootOrigin) / 1_000_000n],
  [32, (host, context, m, flags, data, size) => {
    const perf = map(host, m);
    if (!(perf instanceof PerfEventArrayMap)) return EINVAL;
    const index = Number(flags & 0xffffffffn);
    const cpu = index === 0xffffffff ? host.cpu() : index;
    if (cpu !== host.cpu()) return EINVAL; // only the current CPU's ring may be written
    const [a, n] = range(host, data, size, 'bpf_perf_event_output data');
    let record = host.arena.read(a, n);
    const contextLength = Number((flags >> 32n) & 0xfffffn);
    if (contextLength > 0) {
      const span = host.contextData(Number(context));
      if (!span) return EOPNOTSUPP;
      const [start, end] = span;
      const take = Math.min(contextLength, end - start);
      record = Uint8Array.from([...record, ...host.arena.read(start, take)]);
    }
    return BigInt(perf.output(cpu, record));
  }],
  [33, (host) => host.processStartKey()],
  [34, (host) => host.threadCreateTime()],
  [35, () => EOPNOTSUPP],
]);

/** The general helper with this id, bound to a host, or undefined. */
export function generalHelper(id: number, host: HelperHost): HelperFunction | undefined {
  const implementation = IMPLEMENTATIONS.get(id);
  if (!implementation) return undefined;
  return (r1, r2, r3, r4, r5, invocation) => implementation(host, r1, r2, r3, r4, r5, invocation);
}

/** Every general helper bound to `host` once, looked up by id (what an ExecutionEnvironment's `helper` is). */
export function bindHelpers(host: HelperHost): (id: number) => HelperFunction | undefined {
  const bound = new Map<number, HelperFunction>();
  for (const id of IMPLEMENTATIONS.keys()) bound.set(id, generalHelper(id, host)!);
  return (id) => bound.get(id);
}

/** Ids of the general helpers implemented here (all 35). */
export function implementedHelperIds(): number[] {
  return [...IMPLEMENTATIONS.keys()].sort((a, b) => a - b);
}
