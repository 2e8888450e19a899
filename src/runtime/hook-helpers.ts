// The helpers program types add (ids from 65536, spec §2): behaviour only, keyed by the program type's
// name and the helper id the platform description gives them (names and prototypes live in
// src/platform/program-types.ts). They act on the context and on what the current run knows of the hook:
// the packet buffer's bounds (xdp), the redirect context (sock_addr), the process image path (process).

import type { HelperFunction } from '../engines/engine.ts';
import type { Arena } from './arena.ts';
import { HelperError } from './helpers.ts';
import type { BpfMap } from './maps/index.ts';

/** What the hook side of one run holds, beyond the context itself. */
export interface HookState {
  /** The packet buffer [start, end) the data pointers may move within (xdp: headroom, then the frame). */
  packet?: { start: number; end: number };
  /** What bpf_sock_addr_set_redirect_context stored. */
  redirectContext?: Uint8Array;
  /** The network context bpf_sock_addr_get_network_context reports (a bpf_sock_addr_network_context_t). */
  networkContext?: Uint8Array;
  /** The image path bpf_process_get_image_path copies (UTF-16LE, as Windows keeps it). */
  imagePath?: Uint8Array;
  /** Events bpf_netevent_push_event pushed (the bytes between the context's data pointers). */
  events: Uint8Array[];
}

/** What hook helpers need from the runtime. */
export interface HookHost {
  readonly arena: Arena;
  /** The state of the run going on now. */
  state(): HookState;
  /** The map whose handle a program holds. */
  mapAt(address: number): BpfMap | undefined;
  /** A flow id for a sockops connection's 5-tuple (stable while the runtime lives). */
  flowId(tuple: string): bigint;
}

const EINVAL = -22n;
const ENOSPC = -28n;
/** Largest redirect context the sock_addr extension accepts. */
export const MAX_REDIRECT_CONTEXT = 2048;
/** Bytes of bpf_sock_addr_network_context_t (version, interface type, tunnel type, pad, luid, sub-interface, pad). */
export const NETWORK_CONTEXT_SIZE = 32;

function span(arena: Arena, address: bigint, size: bigint, what: string): [number, number] {
  const a = Number(address);
  const n = Number(size);
  if (size > 0x7fffffffn || !arena.contains(a, n)) throw new HelperError(`${what}: ${n} bytes at 0x${address.toString(16)} are outside the program's memory`);
  return [a, n];
}

/** r1-r5 as the program passed them, and the run's context address (for helpers that take it implicitly). */
type HookImplementation = (host: HookHost, r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint, context: number) => bigint;

const u64 = (arena: Arena, address: number) => Number(arena.view.getBigUint64(address, true));

/** Behaviour by program type name, then helper id. */
const HOOK_HELPERS: Record<string, Record<number, HookImplementation>> = {
  xdp: {
    // bpf_xdp_adjust_head(ctx, delta): moves data (and the empty metadata) inside the packet buffer.
    65536: (host, ctx, delta) => {
      const packet = host.state().packet;
      const context = span(host.arena, ctx, 32n, 'bpf_xdp_adjust_head context')[0];
      if (!packet) return EINVAL;
      const data = u64(host.arena, context) + Number(BigInt.asIntN(32, delta));
      const end = u64(host.arena, context + 8);
      if (data < packet.start || data > end) return EINVAL;
      host.arena.view.setBigUint64(context, BigInt(data), true);
      host.arena.view.setBigUint64(context + 16, BigInt(data), true);
      return 0n;
    },
  },
  sock_addr: {
    // bpf_sock_addr_set_redirect_context(ctx, data, size): kept with the connection being redirected.
    65537: (host, _ctx, data, size) => {
      if (size === 0n || size > BigInt(MAX_REDIRECT_CONTEXT)) return EINVAL;
      const [a, n] = span(host.arena, data, size, 'bpf_sock_addr_set_redirect_context data');
      host.state().redirectContext = host.arena.read(a, n);
      return 0n;
    },
    // bpf_sock_addr_get_network_context(ctx, out, size): the network context of the hook (a test run's comes from its input).
    65538: (host, _ctx, out, size) => {
      if (size < BigInt(NETWORK_CONTEXT_SIZE)) return EINVAL;
      const [a] = span(host.arena, out, size, 'bpf_sock_addr_get_network_context buffer');
      const network = host.state().networkContext ?? defaultNetworkContext();
      host.arena.bytes.fill(0, a, a + Number(size));
      host.arena.write(a, network);
      return 0n;
    },
  },
  sockops: {
    // bpf_sock_ops_get_flow_id(ctx): one id per connection 5-tuple (family, addresses, ports, protocol).
    65536: (host, ctx) => {
      const [a] = span(host.arena, ctx, 64n, 'bpf_sock_ops_get_flow_id context');
      const tuple = [...host.arena.read(a + 4, 45)].join(',');
      return host.flowId(tuple);
    },
  },
  netevent_monitor: {
    // bpf_netevent_push_event(ctx): the event's bytes go to the netevent consumers.
    65536: (host, ctx) => {
      const [a] = span(host.arena, ctx, 24n, 'bpf_netevent_push_event context');
      const start = u64(host.arena, a + 8);
      const end = u64(host.arena, a + 16);
      if (end < start || !host.arena.contains(start, end - start)) return EINVAL;
      host.state().events.push(host.arena.read(start, end - start));
      return 0n;
    },
  },
  process: {
    // bpf_process_get_image_path(ctx, path, length): copies the image path; its length, or -ENOSPC when it does not fit.
    65536: (host, _ctx, path, length) => {
      const image = host.state().imagePath ?? new Uint8Array(0);
      if (BigInt(image.length) > length) return ENOSPC;
      const [a] = span(host.arena, path, length, 'bpf_process_get_image_path buffer');
      host.arena.write(a, image);
      return BigInt(image.length);
    },
  },
  sample: {
    // The sample extension's helpers (eBPF for Windows' test extension).
    65536: () => 0n,
    // find(buffer, size, find, find_size): offset of the first occurrence, or -1.
    65537: (host, buffer, size, find, findSize) => {
      const [b, n] = span(host.arena, buffer, size, 'sample_ebpf_extension_find buffer');
      const [f, m] = span(host.arena, find, findSize, 'sample_ebpf_extension_find needle');
      return BigInt(Buffer.from(host.arena.read(b, n)).indexOf(Buffer.from(host.arena.read(f, m))));
    },
    // replace(buffer, size, position, replace, replace_size): overwrites at position; 0, or -1 when it does not fit.
    65538: (host, buffer, size, position, replace, replaceSize) => {
      const at = BigInt.asIntN(64, position);
      if (at < 0n || at + replaceSize > size) return -1n;
      const [b] = span(host.arena, buffer, size, 'sample_ebpf_extension_replace buffer');
      const [r, m] = span(host.arena, replace, replaceSize, 'sample_ebpf_extension_replace data');
      host.arena.bytes.copyWithin(b + Number(at), r, r + m);
      return 0n;
    },
    // The implicit-context helpers: helper_data_1, and helper_data_2 plus the argument, of the run's context.
    65539: (host, _r1, _r2, _r3, _r4, _r5, context) => BigInt(host.arena.view.getUint32(context + 24, true)),
    65540: (host, arg, _r2, _r3, _r4, _r5, context) => BigInt.asUintN(64, BigInt(host.arena.view.getUint32(context + 28, true)) + BigInt.asUintN(32, arg)),
    // sample_ext_helper_map_lookup_element(map, key): as bpf_map_lookup_elem.
    65541: (host, m, key) => {
      const map = host.mapAt(Number(m));
      if (!map) throw new HelperError(`0x${m.toString(16)} is not a map`);
      return BigInt(map.lookupAddress(span(host.arena, key, BigInt(map.definition.keySize), 'map key')[0]));
    },
    // sample_ext_helper_map_get_value(map, key, value, size): copies the value out; 0, or -ENOENT.
    65542: (host, m, key, value, size) => {
      const map = host.mapAt(Number(m));
      if (!map) throw new HelperError(`0x${m.toString(16)} is not a map`);
      const found = map.lookupAddress(span(host.arena, key, BigInt(map.definition.keySize), 'map key')[0]);
      if (found === 0) return -2n;
      const [v] = span(host.arena, value, size, 'sample_ext_helper_map_get_value buffer');
      host.arena.bytes.copyWithin(v, found, found + Math.min(Number(size), map.definition.valueSize));
      return 0n;
    },
  },
};

/** A network context as a hook without one reports it: version 1, interface and tunnel types not applicable. */
export function defaultNetworkContext(): Uint8Array {
  const out = new Uint8Array(NETWORK_CONTEXT_SIZE);
  const view = new DataView(out.buffer);
  view.setUint32(0, 1, true);
  view.setUint32(4, 0xffffffff, true);
  view.setUint32(8, 0xffffffff, true);
  return out;
}

/** The helper a program of type `programType` calls by `id` (65536 and up), bound to `host`, or undefined. */
export function hookHelper(programType: string, id: number, host: HookHost): HelperFunction | undefined {
  const implementation = HOOK_HELPERS[programType]?.[id];
  if (!implementation) return undefined;
  return (r1, r2, r3, r4, r5, invocation) => implementation(host, r1, r2, r3, r4, r5, invocation.context);
}

/** Ids of the hook helpers implemented for a program type. */
export function implementedHookHelperIds(programType: string): number[] {
  return Object.keys(HOOK_HELPERS[programType] ?? {}).map(Number).sort((a, b) => a - b);
}

/** Bytes of bpf_sock_addr_test_context_t: an ebpf_extension_header_t (24), the context (64), the network context (32). */
export const SOCK_ADDR_TEST_CONTEXT_SIZE = 120;
const EXTENSION_HEADER_SIZE = 24;

/**
 * A sock_addr test run's ctx_in may be the whole bpf_sock_addr_test_context_t (header, context, network
 * context), as eBPF for Windows' test runs take it: split it, checking the header. Anything else comes
 * back as it is. `whole` is the input to put the context that comes out back into.
 */
export function splitTestContext(typeName: string, contextIn: Uint8Array | undefined): { contextIn?: Uint8Array; networkContext?: Uint8Array; whole?: Uint8Array } | { error: string } {
  if (typeName !== 'sock_addr' || !contextIn || contextIn.length !== SOCK_ADDR_TEST_CONTEXT_SIZE) return contextIn ? { contextIn } : {};
  const view = new DataView(contextIn.buffer, contextIn.byteOffset, contextIn.byteLength);
  const [version, size, total] = [view.getUint16(0, true), view.getBigUint64(8, true), view.getBigUint64(16, true)];
  if (version !== 1 || size !== BigInt(SOCK_ADDR_TEST_CONTEXT_SIZE) || total !== BigInt(SOCK_ADDR_TEST_CONTEXT_SIZE)) {
    return { error: `a bpf_sock_addr_test_context_t needs the header {version 1, size 120, total size 120}; ctx_in has {version ${version}, size ${size}, total size ${total}}` };
  }
  const end = EXTENSION_HEADER_SIZE + 64;
  return { contextIn: contextIn.slice(EXTENSION_HEADER_SIZE, end), networkContext: contextIn.slice(end), whole: contextIn };
}

/** The context a test run gives back, in the shape `whole` (a split test context) had. */
export function joinTestContext(whole: Uint8Array | undefined, contextOut: Uint8Array): Uint8Array {
  if (!whole) return contextOut;
  const out = whole.slice();
  out.set(contextOut, EXTENSION_HEADER_SIZE);
  return out;
}
