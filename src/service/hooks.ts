// The hooks' side of the service: a socket event of a real application (a bind, a connect, an accepted
// connection, a sockops notification, a child process) or a packet of the XDP relay becomes the context of
// every program attached at that hook, in the order Windows runs them, and their verdicts become one
// decision the application enforces. Contexts are laid out from the platform description's field tables,
// so a hook never hard-codes an offset.

import { isIPv4, isIPv6 } from 'node:net';
import { ApiError, type Endpoint, type HookDecision, type HookEvent, type LinkInfo, type XdpDecision } from '../client/api.ts';
import { windowsPlatform, type ProgramTypeSpec } from '../platform/index.ts';
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

/** A context buffer written and read by field name. */
class Context {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  constructor(readonly type: ProgramTypeSpec) {
    this.bytes = new Uint8Array(type.contextSize);
    this.view = new DataView(this.bytes.buffer);
  }

  private field(name: string) {
    const f = this.type.fields.find((x) => x.name === name);
    if (!f) throw new Error(`${this.type.name} context has no field ${name}`);
    return f;
  }

  set(name: string, value: number | bigint): this {
    const f = this.field(name);
    if (f.size === 8) this.view.setBigUint64(f.offset, BigInt(value), true);
    else if (f.size === 4) this.view.setUint32(f.offset, Number(value) >>> 0, true);
    else if (f.size === 2) this.view.setUint16(f.offset, Number(value), true);
    else if (f.size === 1) this.view.setUint8(f.offset, Number(value));
    else throw new Error(`${this.type.name}.${name} is not a number field`);
    return this;
  }

  /** Raw bytes (network-order fields are written as their bytes). */
  setBytes(name: string, bytes: Uint8Array): this {
    const f = this.field(name);
    this.bytes.set(bytes.subarray(0, f.size), f.offset);
    return this;
  }

  bytesOf(name: string, from: Uint8Array = this.bytes): Uint8Array {
    const f = this.field(name);
    return from.slice(f.offset, f.offset + f.size);
  }
}

function typeNamed(name: string): ProgramTypeSpec {
  const t = windowsPlatform.programTypes.find((x) => x.name === name);
  if (!t) throw new Error(`no program type ${name}`);
  return t;
}

/** Address bytes in network order (4 for IPv4, 16 for IPv6). */
export function addressBytes(address: string): Uint8Array {
  if (isIPv4(address)) return Uint8Array.from(address.split('.').map(Number));
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
    groups.forEach((g, i) => {
      const n = parseInt(g || '0', 16);
      out[i * 2] = n >> 8;
      out[i * 2 + 1] = n & 0xff;
    });
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

  /** Links of an attach type in Windows order: compartment-specific (this compartment) before wildcard, then attach order. */
  private attached(attachType: string, compartment = DEFAULT_COMPARTMENT): LinkInfo[] {
    const links = this.links().filter((l) => l.attachType === attachType && (l.compartment === undefined || l.compartment === compartment));
    return [...links.filter((l) => l.compartment !== undefined), ...links.filter((l) => l.compartment === undefined)];
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
    const bindType = typeNamed('bind');
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
    const type = typeNamed('sock_addr');
    let programs = 0;
    // user_* is the local address at bind/listen, the destination at connect, the local one at accept (spec §2.2).
    let user = (attachType.includes('connect') ? e.remote : e.local) ?? { address: '0.0.0.0', port: 0 };
    const source = attachType.includes('connect') ? e.local : e.remote;
    let rewritten: Endpoint | undefined;
    for (const link of this.attached(attachType)) {
      const v4 = family(user.address) === 4;
      const ctx = new Context(type).set('family', v4 ? AF_INET : AF_INET6).set('protocol', e.protocol === 'tcp' ? IPPROTO_TCP : IPPROTO_UDP)
        .set('compartment_id', DEFAULT_COMPARTMENT).setBytes(v4 ? 'user_ip4' : 'user_ip6', addressBytes(user.address)).setBytes('user_port', port16(user.port));
      if (source && !attachType.includes('bind') && !attachType.includes('listen')) {
        ctx.setBytes(family(source.address) === 4 ? 'msg_src_ip4' : 'msg_src_ip6', addressBytes(source.address)).setBytes('msg_src_port', port16(source.port));
      }
      const r = await this.run(link, ctx.bytes, new Uint8Array(0));
      programs++;
      const verdict = Number(r.returnValue);
      const changed = r.contextOut.some((b, i) => b !== ctx.bytes[i]);
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
    const type = typeNamed('sockops');
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
    const type = typeNamed('process');
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
    const ctx = new Context(typeNamed('xdp')).set('ingress_ifindex', interfaceIndex);
    const r = await this.run(link, ctx.bytes, frame);
    const action = Number(r.returnValue);
    return { action: action === XDP_PASS ? 'pass' : action === XDP_TX ? 'tx' : 'drop', frame: r.dataOut, programs: 1 };
  }
}

/** Checks a hook event's shape (it comes from another process). */
export function parseHookEvent(p: Record<string, unknown>): HookEvent {
  const bad = (what: string): never => {
    throw new ApiError('BAD_REQUEST', `hook event: ${what}`);
  };
  const endpoint = (v: unknown, name: string): Endpoint => {
    if (typeof v !== 'object' || v === null) return bad(`${name} must be {address, port}`);
    const { address, port } = v as Record<string, unknown>;
    if (typeof address !== 'string' || !(isIPv4(address) || isIPv6(address))) return bad(`${name}.address must be an IP address`);
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) return bad(`${name}.port must be 0..65535`);
    return { address, port };
  };
  const pid = (v: unknown, name = 'pid') => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : bad(`${name} must be a process id`));
  const protocol = (v: unknown) => (v === 'tcp' || v === 'udp' ? v : bad(`protocol must be tcp or udp`));
  const oneOf = <T extends string>(v: unknown, values: readonly T[], name: string): T => (values.includes(v as T) ? (v as T) : bad(`${name} must be one of ${values.join(', ')}`));
  switch (p.kind) {
    case 'bind': {
      if (typeof p.appId !== 'string' || p.appId.length > 1024) bad('appId must be a string of at most 1024 characters');
      return { kind: 'bind', operation: oneOf(p.operation, ['bind', 'unbind'] as const, 'operation'), protocol: protocol(p.protocol), local: endpoint(p.local, 'local'), pid: pid(p.pid), appId: p.appId as string, listen: p.listen === true };
    }
    case 'connect':
      return { kind: 'connect', protocol: protocol(p.protocol), remote: endpoint(p.remote, 'remote'), ...(p.local === undefined ? {} : { local: endpoint(p.local, 'local') }), pid: pid(p.pid) };
    case 'accept':
      return { kind: 'accept', protocol: protocol(p.protocol), local: endpoint(p.local, 'local'), remote: endpoint(p.remote, 'remote'), pid: pid(p.pid) };
    case 'sockops':
      return { kind: 'sockops', op: oneOf(p.op, ['active', 'passive', 'deleted'] as const, 'op'), protocol: protocol(p.protocol), local: endpoint(p.local, 'local'), remote: endpoint(p.remote, 'remote'), pid: pid(p.pid) };
    case 'process': {
      if (typeof p.commandLine !== 'string' || p.commandLine.length > 32768) bad('commandLine must be a string of at most 32768 characters');
      return { kind: 'process', operation: oneOf(p.operation, ['create', 'delete'] as const, 'operation'), pid: pid(p.pid), parentPid: pid(p.parentPid, 'parentPid'), commandLine: p.commandLine as string };
    }
    default:
      return bad(`unknown kind ${JSON.stringify(p.kind)} (bind, connect, accept, sockops, process)`);
  }
}
