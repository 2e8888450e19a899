// The Node hook: loaded with `node --import ebpf-for-node/hook app.js` (or NODE_OPTIONS), it makes the
// application's binds, listens, connects, accepted connections, connection lifetimes and child processes
// events for the programs attached in the service, and enforces their verdicts: a denied listen fails with
// EACCES, a redirected connect goes where the program said, a refused spawn fails. When the service cannot
// be asked, EBPF_HOOK_FAIL decides: `open` (default) lets the operation proceed, `closed` fails it; either
// way the application is told once on stderr.

import childProcess, { ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import net, { isIP } from 'node:net';
import { syncBuiltinESMExports } from 'node:module';
import { basename } from 'node:path';
import type { Endpoint, HookDecision, HookEvent } from '../client/api.ts';
import { servicePaths } from '../service/home.ts';
import { SyncChannel, type ChannelReply } from './channel.ts';

type Decision = { allow: true; redirect?: Endpoint } | { allow: false; message: string };

const failClosed = (process.env.EBPF_HOOK_FAIL ?? 'open').toLowerCase() === 'closed';
const appId = basename(process.argv[1] ?? process.execPath);
// The attach types each event may run programs at.
const HOOKS: Record<HookEvent['kind'], readonly string[]> = {
  bind: ['bind', 'cgroup/bind4', 'cgroup/bind6', 'cgroup/listen4', 'cgroup/listen6'],
  connect: ['cgroup/connect4', 'cgroup/connect6', 'cgroup/connect_authorization4', 'cgroup/connect_authorization6'],
  accept: ['cgroup/recv_accept4', 'cgroup/recv_accept6', 'sockops'],
  sockops: ['sockops'],
  process: ['process'],
};
// EBPF_HOOK_LANE=off asks through the worker thread only, never over the FIFO lane (see channel.ts).
const laneSetting = (process.env.EBPF_HOOK_LANE ?? 'on').toLowerCase();
if (laneSetting !== 'on' && laneSetting !== 'off') process.stderr.write(`ebpf hook: EBPF_HOOK_LANE=${process.env.EBPF_HOOK_LANE} is neither on nor off; using on\n`);
const lane = laneSetting !== 'off';
const channel = new SyncChannel(servicePaths(process.env).socket, `${appId} (hook)`, [...new Set(Object.values(HOOKS).flat())], Number(process.env.EBPF_HOOK_TIMEOUT_MS ?? 5000), lane);
let warned = false;

function unavailable(reply: Extract<ChannelReply, { ok: false }>): Decision {
  const transport = ['SERVICE_NOT_RUNNING', 'DISCONNECTED', 'TIMEOUT'].includes(reply.code);
  if (!warned) {
    warned = true;
    process.stderr.write(`ebpf hook: ${reply.message}; failing ${failClosed ? 'closed: socket and process operations are refused' : 'open: operations proceed without eBPF programs'} (EBPF_HOOK_FAIL=${failClosed ? 'closed' : 'open'})\n`);
  }
  if (!failClosed) return { allow: true };
  return { allow: false, message: transport ? `the eBPF service is unavailable (${reply.message}) and EBPF_HOOK_FAIL=closed` : `the eBPF service refused the hook event: ${reply.message}` };
}

/** Asks the service; the answer, or the fail policy's. */
function decide(event: HookEvent): Decision {
  if (!channel.mayBeAttached(HOOKS[event.kind])) return { allow: true };
  const reply = channel.request('hooks.event', event);
  if (!reply.ok) return unavailable(reply);
  const d = reply.result as HookDecision;
  if (!d.allow) return { allow: false, message: d.reason ?? 'refused by an eBPF program' };
  return d.redirect ? { allow: true, redirect: d.redirect } : { allow: true };
}

function notify(event: HookEvent): void {
  if (channel.mayBeAttached(HOOKS[event.kind])) channel.notify('hooks.event', event);
}

/** Node's error for a refused socket operation. */
function refusal(syscall: string, endpoint: Endpoint | undefined, message: string): NodeJS.ErrnoException {
  const where = endpoint ? ` ${endpoint.address}:${endpoint.port}` : '';
  return Object.assign(new Error(`${syscall} EACCES${where}: ${message}`), { code: 'EACCES', errno: -13, syscall, ...(endpoint ? { address: endpoint.address, port: endpoint.port } : {}) });
}

const literal = (host: string | undefined): string | undefined => (host === undefined ? undefined : host === 'localhost' ? '127.0.0.1' : isIP(host) ? host.replace(/^\[|\]$/g, '') : undefined);

// ---- listen (net) and bind (dgram) ----

interface ListenTarget { port: number; host: string | undefined; rewrite: (e: Endpoint) => unknown[] }

/** The port and host of `server.listen(...)`'s arguments, and how to rewrite them; undefined for pipes and handles. */
function listenTarget(args: unknown[]): ListenTarget | undefined {
  const [first] = args;
  if (typeof first === 'object' && first !== null) {
    const o = first as { port?: unknown; host?: unknown; path?: unknown };
    if (o.path != null || (o.port === undefined && o.host === undefined && ('_handle' in o || 'fd' in o))) return undefined;
    return { port: Number(o.port ?? 0), host: typeof o.host === 'string' ? o.host : undefined, rewrite: (e) => [{ ...o, port: e.port, host: e.address }, ...args.slice(1)] };
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return undefined; // a pipe path
  if (first === undefined || first === null || typeof first === 'function') return { port: 0, host: undefined, rewrite: (e) => [e.port, e.address, ...args.filter((a) => typeof a === 'function')] };
  const host = typeof args[1] === 'string' ? args[1] : undefined;
  return { port: Number(first), host, rewrite: (e) => [e.port, e.address, ...args.slice(host === undefined ? 1 : 2)] };
}

const originalListen = net.Server.prototype.listen;
net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
  const target = listenTarget(args);
  if (!target) return (originalListen as (...a: unknown[]) => net.Server).apply(this, args);
  const local: Endpoint = { address: literal(target.host) ?? (target.host === undefined ? '::' : '0.0.0.0'), port: target.port };
  const d = decide({ kind: 'bind', operation: 'bind', protocol: 'tcp', local, pid: process.pid, appId, listen: true });
  if (!d.allow) {
    const error = refusal('listen', local, d.message);
    process.nextTick(() => this.emit('error', error));
    return this;
  }
  const bound = d.redirect ?? local;
  this.once('close', () => notify({ kind: 'bind', operation: 'unbind', protocol: 'tcp', local: bound, pid: process.pid, appId, listen: true }));
  return (originalListen as (...a: unknown[]) => net.Server).apply(this, d.redirect ? target.rewrite(d.redirect) : args);
} as typeof net.Server.prototype.listen;

const originalBind = dgram.Socket.prototype.bind;
dgram.Socket.prototype.bind = function (this: dgram.Socket, ...args: unknown[]) {
  const [first] = args;
  let port = 0;
  let host: string | undefined;
  let rewrite: (e: Endpoint) => unknown[];
  if (typeof first === 'object' && first !== null) {
    const o = first as { port?: number; address?: string };
    port = Number(o.port ?? 0);
    host = o.address;
    rewrite = (e) => [{ ...o, port: e.port, address: e.address }, ...args.slice(1)];
  } else {
    port = typeof first === 'number' ? first : 0;
    host = typeof args[1] === 'string' ? args[1] : undefined;
    const rest = args.filter((a) => typeof a === 'function');
    rewrite = (e) => [e.port, e.address, ...rest];
  }
  const type = (this as unknown as { type?: string }).type;
  const local: Endpoint = { address: literal(host) ?? (type === 'udp6' ? '::' : '0.0.0.0'), port };
  const d = decide({ kind: 'bind', operation: 'bind', protocol: 'udp', local, pid: process.pid, appId, listen: false });
  if (!d.allow) {
    const error = refusal('bind', local, d.message);
    process.nextTick(() => this.emit('error', error));
    return this;
  }
  const bound = d.redirect ?? local;
  this.once('close', () => notify({ kind: 'bind', operation: 'unbind', protocol: 'udp', local: bound, pid: process.pid, appId, listen: false }));
  return (originalBind as (...a: unknown[]) => dgram.Socket).apply(this, d.redirect ? rewrite(d.redirect) : args);
} as typeof dgram.Socket.prototype.bind;

// ---- connect, accept, connection lifetimes (net) ----

function endpoints(socket: net.Socket): { local: Endpoint; remote: Endpoint } | undefined {
  if (!socket.localAddress || !socket.remoteAddress) return undefined;
  return { local: { address: socket.localAddress, port: socket.localPort ?? 0 }, remote: { address: socket.remoteAddress, port: socket.remotePort ?? 0 } };
}

function followLifetime(socket: net.Socket, op: 'active' | 'passive'): void {
  const ends = endpoints(socket);
  if (!ends) return;
  if (op === 'active') notify({ kind: 'sockops', op, protocol: 'tcp', ...ends, pid: process.pid });
  socket.once('close', () => notify({ kind: 'sockops', op: 'deleted', protocol: 'tcp', ...ends, pid: process.pid }));
}

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
  const [first] = args;
  let options: Record<string, unknown>;
  let rest: unknown[];
  if (Array.isArray(first)) {
    // net.connect() hands over its normalized [options, callback] pair.
    options = (first[0] ?? {}) as Record<string, unknown>;
    rest = typeof first[1] === 'function' ? [first[1]] : [];
  } else if (typeof first === 'object' && first !== null) {
    options = first as Record<string, unknown>;
    rest = args.slice(1);
  } else if (typeof first === 'string' && !/^\d+$/.test(first)) {
    return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args); // a pipe
  } else {
    options = { port: first, ...(typeof args[1] === 'string' ? { host: args[1] } : {}) };
    rest = args.slice(typeof args[1] === 'string' ? 2 : 1);
  }
  if (options.path != null) return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  const port = Number(options.port);
  const host = typeof options.host === 'string' ? options.host : 'localhost';
  const address = literal(host);
  this.once('connect', () => followLifetime(this, 'active'));
  if (address !== undefined) {
    const remote = { address, port };
    const d = decide({ kind: 'connect', protocol: 'tcp', remote, pid: process.pid });
    if (!d.allow) {
      const error = refusal('connect', remote, d.message);
      process.nextTick(() => this.destroy(error));
      return this;
    }
    if (!d.redirect) return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
    return (originalConnect as (...a: unknown[]) => net.Socket).call(this, { ...options, host: d.redirect.address, port: d.redirect.port }, ...rest);
  }
  // A host name: decide once it is resolved, inside Node's own lookup step. A redirect may change the
  // address; the port was fixed before the lookup, so a program that moves it is refused with a reason.
  const lookup = (typeof options.lookup === 'function' ? options.lookup : (net as unknown as { lookup?: unknown }).lookup) as ((h: string, o: unknown, cb: (...r: unknown[]) => void) => void) | undefined;
  const dnsLookup = lookup ?? ((h: string, o: unknown, cb: (...r: unknown[]) => void) => void import('node:dns').then((dns) => dns.lookup(h, o as object, cb as never)));
  const hooked = (h: string, o: { all?: boolean }, cb: (...r: unknown[]) => void) => {
    dnsLookup(h, o, (error: unknown, result: unknown, fam?: unknown) => {
      if (error) return cb(error);
      const first = Array.isArray(result) ? (result[0] as { address: string; family: number }) : { address: result as string, family: fam as number };
      const remote = { address: first.address, port };
      const d = decide({ kind: 'connect', protocol: 'tcp', remote, pid: process.pid });
      if (!d.allow) return cb(refusal('connect', remote, d.message));
      if (d.redirect && d.redirect.port !== port) return cb(refusal('connect', remote, `a program redirected ${host} to port ${d.redirect.port}, which a connection by host name cannot follow; connect by address`));
      const chosen = d.redirect ? { address: d.redirect.address, family: isIP(d.redirect.address) } : first;
      return o.all ? cb(null, [chosen]) : cb(null, chosen.address, chosen.family);
    });
  };
  return (originalConnect as (...a: unknown[]) => net.Socket).call(this, { ...options, lookup: hooked }, ...rest);
} as typeof net.Socket.prototype.connect;

const originalEmit = net.Server.prototype.emit;
net.Server.prototype.emit = function (this: net.Server, event: string | symbol, ...args: unknown[]) {
  if (event === 'connection' && args[0] instanceof net.Socket) {
    const socket = args[0];
    const ends = endpoints(socket);
    if (ends) {
      const d = decide({ kind: 'accept', protocol: 'tcp', ...ends, pid: process.pid });
      if (!d.allow) {
        socket.destroy();
        return false;
      }
      followLifetime(socket, 'passive');
    }
  }
  return (originalEmit as (this: net.Server, e: string | symbol, ...a: unknown[]) => boolean).call(this, event, ...args);
} as typeof net.Server.prototype.emit;

// ---- child processes ----

const commandLine = (file: string, args: readonly string[] | undefined) => [file, ...(args ?? [])].map((a) => (/[\s"]/.test(a) ? JSON.stringify(a) : a)).join(' ');

function decideSpawn(line: string): Decision {
  return decide({ kind: 'process', operation: 'create', pid: 0, parentPid: process.pid, commandLine: line });
}

function followChild(child: ChildProcess, line: string): void {
  child.once('exit', () => child.pid !== undefined && notify({ kind: 'process', operation: 'delete', pid: child.pid, parentPid: process.pid, commandLine: line }));
}

// Every asynchronous spawn (spawn, exec, execFile, fork) goes through ChildProcess.prototype.spawn, which
// Node's typings do not declare.
type SpawnMethod = (this: ChildProcess, options: { file: string; args?: string[] }) => unknown;
const childProto = ChildProcess.prototype as unknown as { spawn: SpawnMethod };
const originalSpawn = childProto.spawn;
childProto.spawn = function (this: ChildProcess, options: { file: string; args?: string[] }) {
  const line = commandLine(options.file, options.args?.slice(1));
  const d = decideSpawn(line);
  if (d.allow) {
    const result = originalSpawn.call(this, options as never);
    followChild(this, line);
    return result;
  }
  // Let Node fail the spawn the way it fails an unexecutable file (stdio set up, 'error' emitted on the
  // next tick), then name the real file and the reason in the error.
  const file = options.file;
  const result = originalSpawn.call(this, { ...options, file: '/dev/null' } as never);
  const self = this as unknown as { spawnfile: string; emit: (e: string, ...a: unknown[]) => boolean };
  self.spawnfile = file;
  const emit = self.emit.bind(this);
  self.emit = (e: string, ...a: unknown[]) => {
    if (e === 'error' && a[0] instanceof Error) {
      const error = a[0] as NodeJS.ErrnoException & { path?: string };
      error.message = `spawn ${file} EACCES: ${d.message}`;
      error.path = file;
      self.emit = emit;
    }
    return emit(e, ...a);
  };
  return result;
};

const originalSpawnSync = childProcess.spawnSync;
const originalExecSync = childProcess.execSync;
const originalExecFileSync = childProcess.execFileSync;
function syncRefusal(file: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`spawnSync ${file} EACCES: ${message}`), { code: 'EACCES', errno: -13, syscall: `spawnSync ${file}`, path: file });
}
(childProcess as { spawnSync: unknown }).spawnSync = function (file: string, args?: unknown, options?: unknown) {
  const list = Array.isArray(args) ? (args as string[]) : [];
  const d = decideSpawn(commandLine(file, list));
  if (!d.allow) return { pid: 0, output: null, stdout: null, stderr: null, status: null, signal: null, error: syncRefusal(file, d.message) };
  return (originalSpawnSync as (...a: unknown[]) => unknown)(file, args, options);
};
(childProcess as { execSync: unknown }).execSync = function (command: string, options?: unknown) {
  const d = decideSpawn(command);
  if (!d.allow) throw syncRefusal(command, d.message);
  return (originalExecSync as (...a: unknown[]) => unknown)(command, options);
};
(childProcess as { execFileSync: unknown }).execFileSync = function (file: string, args?: unknown, options?: unknown) {
  const d = decideSpawn(commandLine(file, Array.isArray(args) ? (args as string[]) : []));
  if (!d.allow) throw syncRefusal(file, d.message);
  return (originalExecFileSync as (...a: unknown[]) => unknown)(file, args, options);
};

// Named ESM imports of builtins (`import { spawnSync } from 'node:child_process'`) see the patched functions
// only after this.
syncBuiltinESMExports();
