// The API the CLI, the Node hook and the Studio use, with one shape whether the runtime is in this
// process or behind the service's socket: `call(name, params)` and `watch(onEvent)`.

import { request } from 'node:http';
import { createConnection, type Socket } from 'node:net';
import { basename } from 'node:path';
import type { RuntimeBackend } from '../service/backend.ts';
import { servicePaths } from '../service/home.ts';
import { ServiceHost } from '../service/host.ts';
import { asApiError } from '../service/server.ts';
import { ApiError, type ApiCallName, type ApiCalls, type EbpfApi, type ServiceEvent } from './api.ts';

export * from './api.ts';

/** Thrown when no service answers on the socket; the message says how to start one. */
export class ServiceNotRunningError extends ApiError {
  constructor(socket: string) {
    super('SERVICE_NOT_RUNNING', `no eBPF service is running (no answer on ${socket}); start one with: ebpf service start`);
    this.name = 'ServiceNotRunningError';
  }
}

/** The API over a runtime in this process: the service's host without its doors. */
export function inProcessApi(runtime: RuntimeBackend): EbpfApi & { host: ServiceHost } {
  const startedAt = new Date().toISOString();
  const host = new ServiceHost(runtime, () => ({ pid: process.pid, home: '', socketPath: '', httpPort: 0, startedAt }));
  return {
    host,
    async call<N extends ApiCallName>(name: N, params: ApiCalls[N][0]): Promise<ApiCalls[N][1]> {
      try {
        // A JSON round trip gives in-process callers the same plain data the socket would.
        return JSON.parse(JSON.stringify(await host.call(name, params))) as ApiCalls[N][1];
      } catch (error) {
        throw asApiError(error);
      }
    },
    async watch(onEvent) {
      const listener = (event: ServiceEvent) => onEvent(event);
      host.events.on('event', listener);
      return () => host.events.off('event', listener);
    },
    async close() {
      host.close();
    },
  };
}

/** Options of a socket client. */
export interface SocketClientOptions {
  /** Connections to spread calls over (default 1; calls are pipelined on each). */
  readonly connections?: number;
  /** Name this process reports to the service (`show processes`). */
  readonly clientName?: string;
}

/** One pipelined line connection to the service: many calls in flight, replies matched by id. */
class LineConnection {
  private socket: Socket | undefined;
  private buffer = '';
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(private readonly socketPath: string, private readonly identity: string) {}

  private open(): Socket {
    if (this.socket) return this.socket;
    const socket = createConnection(this.socketPath);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let end: number;
      while ((end = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 1);
        this.reply(line);
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => this.fail(error.code === 'ENOENT' || error.code === 'ECONNREFUSED' ? new ServiceNotRunningError(this.socketPath) : error));
    socket.on('close', () => this.fail(new ApiError('DISCONNECTED', 'the service closed the connection')));
    this.socket = socket;
    return socket;
  }

  private reply(line: string): void {
    let reply: { id?: number; ok?: boolean; result?: unknown; error?: { code: string; message: string; errno?: number; detail?: string } };
    try {
      reply = JSON.parse(line);
    } catch {
      return this.fail(new ApiError('BAD_REPLY', 'the service sent a line that is not JSON'));
    }
    const waiter = typeof reply.id === 'number' ? this.pending.get(reply.id) : undefined;
    if (!waiter) return;
    this.pending.delete(reply.id!);
    if (reply.ok) return waiter.resolve(reply.result);
    const e = reply.error ?? { code: 'BAD_REPLY', message: 'error without details' };
    waiter.reject(new ApiError(e.code, e.message, { ...(e.errno === undefined ? {} : { errno: e.errno }), ...(e.detail === undefined ? {} : { detail: e.detail }) }));
  }

  private fail(error: Error): void {
    this.socket?.destroy();
    this.socket = undefined;
    this.buffer = '';
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const w of waiting) w.reject(error);
  }

  call(name: string, params: unknown): Promise<unknown> {
    const socket = this.open();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      socket.write(`${JSON.stringify({ id, call: name, params, ...(id === 1 ? { client: this.identity } : {}) })}\n`);
    });
  }

  close(): void {
    this.socket?.end();
    this.socket = undefined;
  }
}

/** The API through the service's Unix socket for the state directory of `env`. */
export function socketApi(env: Readonly<Record<string, string | undefined>>, options: SocketClientOptions = {}): EbpfApi {
  const socketPath = servicePaths(env).socket;
  const identity = `${process.pid} ${options.clientName ?? basename(process.argv[1] ?? process.argv0)}`;
  const lines = Array.from({ length: options.connections ?? 1 }, () => new LineConnection(socketPath, identity));
  let turn = 0;
  const base = { socketPath, headers: { 'x-ebpf-client': identity } };
  return {
    call<N extends ApiCallName>(name: N, params: ApiCalls[N][0]): Promise<ApiCalls[N][1]> {
      const line = lines[turn++ % lines.length]!;
      return line.call(name, params) as Promise<ApiCalls[N][1]>;
    },
    watch(onEvent) {
      return new Promise((resolve, reject) => {
        const req = request({ ...base, agent: false, method: 'GET', path: '/v1/events' }, (res) => {
          let buffer = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buffer += chunk;
            let end: number;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
              if (data) onEvent(JSON.parse(data) as ServiceEvent);
            }
          });
          resolve(() => req.destroy());
        });
        req.on('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' || error.code === 'ECONNREFUSED' ? new ServiceNotRunningError(socketPath) : error));
        req.end();
      });
    },
    async close() {
      for (const line of lines) line.close();
    },
  };
}
