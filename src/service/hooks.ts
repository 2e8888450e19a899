// The hooks' side of the service: a socket event of a real application (a bind, a connect, an accepted
// connection, a sockops notification, a child process) or a packet of the XDP relay becomes the context of
// every program attached at that hook, in the order Windows runs them, and their verdicts become one
// decision the application enforces. Contexts are laid out from the platform description's field tables,
// so a hook never hard-codes an offset.

import { isIPv4, isIPv6 } from 'node:net';
import { ApiError, type Endpoint, type HookDecision, type HookEvent, type LinkInfo, type XdpDecision } from '../client/api.ts';
import { contextFields, windowsPlatform, type ProgramTypeSpec } from '../platform/index.ts';
import type { RuntimeBackend } from './backend.ts';

/** The compartment every event of this host belongs to (Windows' default compartment). */
export const DEFAULT_COMPARTMENT = 1;

const AF_INET = 2;
const AF_INET6 = 23; // Windows' value, which programs written for eBPF for Windows compare with.
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;

/** Verdicts of the hooks (spec §2.1-§2.6). */
export const BIND_PERMIT_SOFT = 0;
export const BIND_DENY = 1;
export const BIND_REDIRECT = 2;
export const BIND_PERMIT_HARD = 3;
export const SOCK_ADDR_REJECT = 0;
export const SOCK_ADDR_PROCEED_SOFT = 1;
export const SOCK_ADDR_PROCEED_HARD = 2;
export const XDP_PASS = 1;
export const XDP_DROP = 2;
export const XDP_TX = 3;

/** A program type's context fields by name, looked up once per type rather than once per field write. */
class Layout {
  private readonly byName: ReadonlyMap<string, { readonly offset: number; readonly size: number }>;
  constructor(readonly type: ProgramTypeSpec) {
    this.byName = contextFields(type);
  }

  field(name: string): { readonly offset: number; readonly size: number } {
    const f = this.byName.get(name);
    if (!f) throw new Error(`${this.type.name} context has no field ${name}`);
    return f;
  }
}

const layouts = new Map<string, Layout>();

function layoutOf(name: string): Layout {
  let layout = layouts.get(name);
  if (!layout) {
    const t = windowsPlatform.programTypes.find((x) => x.name === name);
    if (!t) throw new Error(`no program type ${name}`);
    layouts.set(name, (layout = new Layout(t)));
  }
  return layout;
}

/** A context buffer written and read by field name. */
class Context {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  constructor(private readonly layout: Layout) {
    this.bytes = new Uint8Array(layout.type.contextSize);
    this.view = new DataView(this.bytes.buffer);
  }

  set(name: string, value: number | bigint): this {
    const f = this.layout.field(name);
    if (f.size === 8) this.view.setBigUint64(f.offset, BigInt(value), true);
    else if (f.size === 4) this.view.setUint32(f.offset, Number(value) >>> 0, true);
    else if (f.size === 2) this.view.setUint16(f.offset, Number(value), true);
    else if (f.size === 1) this.view.setUint8(f.offset, Number(value));
    else throw new Error(`${this.layout.type.name}.${name} is not a number field`);
    return this;
  }

  /** Raw bytes (network-order fields are written as their bytes). */
  setBytes(name: string, bytes: Uint8Array): this {
    const f = this.layout.field(name);
    this.bytes.set(bytes.subarray(0, f.size), f.offset);
    return this;
  }

  bytesOf(name: string, from: Uint8Array = this.bytes): Uint8Array {
    const f = this.layout.field(name);
    return from.slice(f.offset, f.offset + f.size);
  }

  /** Whether `other` (the context a run gave back) differs from this one. */
  differs(other: Uint8Array): boolean {
    const bytes = this.bytes;
    for (let i = 0; i < other.length; i++) if (other[i] !== bytes[i]) return true;
    return false;
  }
}

/** Address bytes in network order (4 for IPv4, 16 for IPv6). */
export function addressBytes(address: string): Uint8Array {
  if (isIPv4(address)) {
    const out = new Uint8Array(4);
    let part = 0;
    let n = 0;
    for (let i = 0; i < address.length; i++) {
      const c = address.charCodeAt(i);
      if (c === 0x2e) {
        out[part++] = n;
        n = 0;
      } else n = n * 10 + c - 0x30;
    }
    out[3] = n;
    return out;
  }
  if (isIPv6(address)) {
    const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(address);
    let text = address;
    if (v4) {
      const b = addressBytes(v4[2]!);
      text = `${v4[1]}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
    }
    const [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, undefined];
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
    const out = new Uint8Array(16);
    for (let i = 0; i < groups.length; i++) {
      const n = parseInt(groups[i] || '0', 16);
      out[i * 2] = n >> 8;
      out[i * 2 + 1] = n & 0xff;
    }
    return out;
  }
  throw new ApiError('BAD_REQUEST', `'${address}' is not an IP address`);
}

/** The text of an address's bytes. */
export function addressText(bytes: Uint8Array): string {
  if (bytes.length === 4) return [...bytes].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::').replace(/:::+/, '::');
}

const family = (address: string) => (isIPv4(address) ? 4 : 6);
const port16 = (port: number) => Uint8Array.of(port >> 8, port & 0xff);
const readPort16 = (b: Uint8Array) => (b[0]! << 8) | b[1]!;

/** UTF-16LE bytes of an application id or command line, as Windows gives them. */
export function appIdBytes(appId: string): Uint8Array {
  const out = new Uint8Array(appId.length * 2);
  for (let i = 0; i < appId.length; i++) {
    const c = appId.charCodeAt(i);
    out[i * 2] = c & 0xff;
    out[i * 2 + 1] = c >> 8;
  }
  return out;
}

/** A SOCKADDR_IN / truncated SOCKADDR_IN6 for bind_md_t.socket_address (family, port in network order, address). */
function socketAddress(endpoint: Endpoint): { bytes: Uint8Array; length: number } {
  const bytes = new Uint8Array(16);
  const v4 = family(endpoint.address) === 4;
  new DataView(bytes.buffer).setUint16(0, v4 ? AF_INET : AF_INET6, true);
  bytes.set(port16(endpoint.port), 2);
  if (v4) bytes.set(addressBytes(endpoint.address), 4);
  else bytes.set(addressBytes(endpoint.address).subarray(0, 8), 8); // sin6_flowinfo at 4, then the first 8 address bytes
  return { bytes, length: v4 ? 16 : 28 };
}

function endpointOfSocketAddress(bytes: Uint8Array, original: Endpoint): Endpoint {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fam = view.getUint16(0, true);
  const port = readPort16(bytes.subarray(2, 4));
  if (fam === AF_INET) return { address: addressText(bytes.slice(4, 8)), port };
  return { address: original.address, port }; // an IPv6 address does not fit the 16 bytes: only the port can change
}

/** Runs programs for hook events against a service's links and runtime. */
export class HookDispatcher {
  /** `ran` is told of every program run, so the service can announce the maps it may have changed. */
  constructor(private readonly runtime: RuntimeBackend, private readonly links: () => LinkInfo[], private readonly ran: (programId: number) => void = () => {}) {}

  /** The links `byAttachType` was built from; rebuilt whenever the service's links differ from them. */
  private indexed: readonly LinkInfo[] = [];
  private readonly byAttachType = new Map<string, readonly LinkInfo[]>();

  /** Links of an attach type in Windows order: compartment-specific (this compartment) before wildcard, then attach order. */
  private attached(attachType: string): readonly LinkInfo[] {
    const links = this.links();
    let same = links.length === this.indexed.length;
    for (let i = 0; same && i < links.length; i++) same = links[i] === this.indexed[i];
    if (!same) {
      this.indexed = links;
      this.byAttachType.clear();
    }
    let list = this.byAttachType.get(attachType);
    if (!list) {
      const specific: LinkInfo[] = [];
      const wildcard: LinkInfo[] = [];
      for (const l of links) {
        if (l.attachType !== attachType) continue;
        if (l.compartment === undefined) wildcard.push(l);
        else if (l.compartment === DEFAULT_COMPARTMENT) specific.push(l);
      }
      list = [...specific, ...wildcard];
      this.byAttachType.set(attachType, list);
    }
    return list;
  }

  private async run(link: LinkInfo, contextIn: Uint8Array, dataIn: Uint8Array) {
    const result = await this.runtime.testRun(link.programId, { contextIn, dataIn, repeat: 1 });
    this.ran(link.programId);
    return result;
  }

  private programName(id: number): string {
    const p = this.runtime.programs().find((x) => x.id === id);
    return p ? `${p.name} (id ${id})` : `program ${id}`;
  }

  /** Runs every program attached where `event` happens; the first refusal decides. */
  async dispatch(event: HookEvent): Promise<HookDecision> {
    switch (event.kind) {
      case 'bind': return await this.bind(event);
      case 'connect': return await this.connect(event);
      case 'accept': return await this.accept(event);
      case 'sockops': return await this.sockops(event);
      case 'process': return await this.process(event);
    }
  }

  private async bind(e: Extract<HookEvent, { kind: 'bind' }>): Promise<HookDecision> {
    let programs = 0;
    let local = e.local;
    let redirect: Endpoint | undefined;
    const bindType = layoutOf('bind');
    const data = appIdBytes(e.appId);
    for (const link of this.attached('bind')) {
      const sa = socketAddress(local);
      const ctx = new Context(bindType).set('process_id', e.pid).setBytes('socket_address', sa.bytes).set('socket_address_length', sa.length)
        .set('operation', e.operation === 'bind' ? 0 : 2).set('protocol', e.protocol === 'tcp' ? IPPROTO_TCP : IPPROTO_UDP);
      const r = await this.run(link, ctx.bytes, data);
      programs++;
      if (e.operation === 'unbind') continue; // notifications: the verdict is ignored
      const verdict = Number(r.returnValue);
      if (verdict === BIND_DENY) return { allow: false, reason: `bind denied by ${this.programName(link.programId)}`, programs };
      if (verdict === BIND_REDIRECT) {
        local = endpointOfSocketAddress(ctx.bytesOf('socket_address', r.contextOut), local);
        redirect = local;
      }
      if (verdict === BIND_PERMIT_HARD) break;
    }
    if (e.operation === 'bind') {
      const v = family(local.address);
      for (const attachType of [`cgroup/bind${v}`, ...(e.listen ? [`cgroup/listen${v}`] : [])]) {
        const decision = await this.sockAddr(attachType, { local, pid: e.pid, protocol: e.protocol, writable: false });
        programs += decision.programs;
        if (!decision.allow) return { ...decision, programs };
      }
    }
    return { allow: true, programs, ...(redirect ? { redirect } : {}) };
  }

  /** Runs the sock_addr programs of one attach type; `remote` is the destination of a connect (user_*). */
  private async sockAddr(attachType: string, e: { local?: Endpoint; remote?: Endpoint; pid: number; protocol: 'tcp' | 'udp'; writable: boolean; punishWrites?: boolean }): Promise<HookDecision & { rewritten?: Endpoint }> {
    const links = this.attached(attachType);
    if (links.length === 0) return { allow: true, programs: 0 };
    const type = layoutOf('sock_addr');
    let programs = 0;
    // user_* is the local address at bind/listen, the destination at connect, the local one at accept (spec §2.2).
    let user = (attachType.includes('connect') ? e.remote : e.local) ?? { address: '0.0.0.0', port: 0 };
    const source = attachType.includes('connect') ? e.local : e.remote;
    let rewritten: Endpoint | undefined;
    for (const link of links) {
      const v4 = family(user.address) === 4;
      const ctx = new Context(type).set('family', v4 ? AF_INET : AF_INET6).set('protocol', e.protocol === 'tcp' ? IPPROTO_TCP : IPPROTO_UDP)
        .set('compartment_id', DEFAULT_COMPARTMENT).setBytes(v4 ? 'user_ip4' : 'user_ip6', addressBytes(user.address)).setBytes('user_port', port16(user.port));
      if (source && !attachType.includes('bind') && !attachType.includes('listen')) {
        ctx.setBytes(family(source.address) === 4 ? 'msg_src_ip4' : 'msg_src_ip6', addressBytes(source.address)).setBytes('msg_src_port', port16(source.port));
      }
      const r = await this.run(link, ctx.bytes, new Uint8Array(0));
      programs++;
      const verdict = Number(r.returnValue);
      const changed = ctx.differs(r.contextOut);
      if (e.punishWrites && changed) return { allow: false, reason: `${this.programName(link.programId)} modified the read-only context of ${attachType}: blocked`, programs };
      if (verdict !== SOCK_ADDR_PROCEED_SOFT && verdict !== SOCK_ADDR_PROCEED_HARD) {
        return { allow: false, reason: `${attachType} rejected by ${this.programName(link.programId)}${verdict === SOCK_ADDR_REJECT ? '' : ` (verdict ${verdict} counts as REJECT)`}`, programs };
      }
      if (e.writable && changed) {
        const address = addressText(ctx.bytesOf(v4 ? 'user_ip4' : 'user_ip6', r.contextOut));
        user = { address, port: readPort16(ctx.bytesOf('user_port', r.contextOut)) };
        rewritten = user;
      }
      if (verdict === SOCK_ADDR_PROCEED_HARD) break;
    }
    return { allow: true, programs, ...(rewritten ? { rewritten } : {}) };
  }

  private async connect(e: Extract<HookEvent, { kind: 'connect' }>): Promise<HookDecision> {
    const v = family(e.remote.address);
    const redirect = await this.sockAddr(`cgroup/connect${v}`, { remote: e.remote, ...(e.local ? { local: e.local } : {}), pid: e.pid, protocol: e.protocol, writable: true });
    if (!redirect.allow) return redirect;
    const destination = redirect.rewritten ?? e.remote;
    const auth = await this.sockAddr(`cgroup/connect_authorization${family(destination.address)}`, { remote: destination, ...(e.local ? { local: e.local } : {}), pid: e.pid, protocol: e.protocol, writable: false, punishWrites: true });
    const programs = redirect.programs + auth.programs;
    if (!auth.allow) return { ...auth, programs };
    return { allow: true, programs, ...(redirect.rewritten ? { redirect: redirect.rewritten } : {}) };
  }

  private async accept(e: Extract<HookEvent, { kind: 'accept' }>): Promise<HookDecision> {
    const decision = await this.sockAddr(`cgroup/recv_accept${family(e.local.address)}`, { local: e.local, remote: e.remote, pid: e.pid, protocol: e.protocol, writable: false });
    if (!decision.allow) return decision;
    const ops = await this.sockops({ kind: 'sockops', op: 'passive', protocol: e.protocol, local: e.local, remote: e.remote, pid: e.pid });
    return { allow: true, programs: decision.programs + ops.programs };
  }

  private async sockops(e: Extract<HookEvent, { kind: 'sockops' }>): Promise<HookDecision> {
    const type = layoutOf('sockops');
    let programs = 0;
    for (const link of this.attached('sockops')) {
      const v4 = family(e.local.address) === 4;
      const ctx = new Context(type).set('op', { active: 0, passive: 1, deleted: 2 }[e.op]).set('family', v4 ? AF_INET : AF_INET6)
        .setBytes(v4 ? 'local_ip4' : 'local_ip6', addressBytes(e.local.address)).setBytes('local_port', port16(e.local.port))
        .setBytes(v4 ? 'remote_ip4' : 'remote_ip6', addressBytes(e.remote.address)).setBytes('remote_port', port16(e.remote.port))
        .set('protocol', e.protocol === 'tcp' ? IPPROTO_TCP : IPPROTO_UDP).set('compartment_id', DEFAULT_COMPARTMENT);
      await this.run(link, ctx.bytes, new Uint8Array(0));
      programs++;
    }
    return { allow: true, programs };
  }

  private async process(e: Extract<HookEvent, { kind: 'process' }>): Promise<HookDecision> {
    const type = layoutOf('process');
    let programs = 0;
    const data = appIdBytes(e.commandLine); // UTF-16LE, as Windows passes the command line
    for (const link of this.attached('process')) {
      const ctx = new Context(type).set('process_id', e.pid).set('parent_process_id', e.parentPid).set('creating_process_id', e.parentPid)
        .set('operation', e.operation === 'create' ? 0 : 1);
      const r = await this.run(link, ctx.bytes, data);
      programs++;
      const status = Number(BigInt.asIntN(32, r.returnValue));
      if (e.operation === 'create' && status !== 0) return { allow: false, reason: `process creation refused by ${this.programName(link.programId)} (status 0x${(status >>> 0).toString(16)})`, programs };
    }
    return { allow: true, programs };
  }

  /** Runs the XDP program attached to `interfaceIndex` (or to every interface) on one frame. */
  async xdp(interfaceIndex: number, frame: Uint8Array): Promise<XdpDecision> {
    const link = this.links().find((l) => l.attachType === 'xdp' && (l.interfaceIndex === undefined || l.interfaceIndex === 0 || l.interfaceIndex === interfaceIndex));
    if (!link) return { action: 'pass', frame, programs: 0 };
    const ctx = new Context(layoutOf('xdp')).set('ingress_ifindex', interfaceIndex);
    const r = await this.run(link, ctx.bytes, frame);
    const action = Number(r.returnValue);
    return { action: action === XDP_PASS ? 'pass' : action === XDP_TX ? 'tx' : 'drop', frame: r.dataOut, programs: 1 };
  }
}

function badEvent(what: string): never {
  throw new ApiError('BAD_REQUEST', `hook event: ${what}`);
}

function eventEndpoint(v: unknown, name: string): Endpoint {
  if (typeof v !== 'object' || v === null) return badEvent(`${name} must be {address, port}`);
  const { address, port } = v as Record<string, unknown>;
  if (typeof address !== 'string' || !(isIPv4(address) || isIPv6(address))) return badEvent(`${name}.address must be an IP address`);
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) return badEvent(`${name}.port must be 0..65535`);
  return { address, port };
}

function eventPid(v: unknown, name = 'pid'): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : badEvent(`${name} must be a process id`);
}

function eventProtocol(v: unknown): 'tcp' | 'udp' {
  return v === 'tcp' || v === 'udp' ? v : badEvent(`protocol must be tcp or udp`);
}

function oneOf<T extends string>(v: unknown, values: readonly T[], name: string): T {
  return values.includes(v as T) ? (v as T) : badEvent(`${name} must be one of ${values.join(', ')}`);
}

const BIND_OPERATIONS = ['bind', 'unbind'] as const;
const SOCKOPS_OPS = ['active', 'passive', 'deleted'] as const;
const PROCESS_OPERATIONS = ['create', 'delete'] as const;

/** Checks a hook event's shape (it comes from another process). */
export function parseHookEvent(p: Record<string, unknown>): HookEvent {
  switch (p.kind) {
    case 'bind': {
      if (typeof p.appId !== 'string' || p.appId.length > 1024) badEvent('appId must be a string of at most 1024 characters');
      return { kind: 'bind', operation: oneOf(p.operation, BIND_OPERATIONS, 'operation'), protocol: eventProtocol(p.protocol), local: eventEndpoint(p.local, 'local'), pid: eventPid(p.pid), appId: p.appId as string, listen: p.listen === true };
    }
    case 'connect':
      return { kind: 'connect', protocol: eventProtocol(p.protocol), remote: eventEndpoint(p.remote, 'remote'), ...(p.local === undefined ? {} : { local: eventEndpoint(p.local, 'local') }), pid: eventPid(p.pid) };
    case 'accept':
      return { kind: 'accept', protocol: eventProtocol(p.protocol), local: eventEndpoint(p.local, 'local'), remote: eventEndpoint(p.remote, 'remote'), pid: eventPid(p.pid) };
    case 'sockops':
      return { kind: 'sockops', op: oneOf(p.op, SOCKOPS_OPS, 'op'), protocol: eventProtocol(p.protocol), local: eventEndpoint(p.local, 'local'), remote: eventEndpoint(p.remote, 'remote'), pid: eventPid(p.pid) };
    case 'process': {
      if (typeof p.commandLine !== 'string' || p.commandLine.length > 32768) badEvent('commandLine must be a string of at most 32768 characters');
      return { kind: 'process', operation: oneOf(p.operation, PROCESS_OPERATIONS, 'operation'), pid: eventPid(p.pid), parentPid: eventPid(p.parentPid, 'parentPid'), commandLine: p.commandLine as string };
    }
    default:
      return badEvent(`unknown kind ${JSON.stringify(p.kind)} (bind, connect, accept, sockops, process)`);
  }
}
