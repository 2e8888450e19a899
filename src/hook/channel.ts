// A synchronous line to the service for the Node hook. `listen`, `connect` and `spawn` must know the
// attached programs' verdict before they go on, and `spawn` returns synchronously, so the application's
// thread asks a worker thread (which owns the socket) and sleeps on a shared flag until the answer is
// written back: one round trip, no busy loop. Notifications (unbind, sockops, process exit) are posted
// without waiting. The worker is unref'd: it never keeps the application alive.

import { Worker } from 'node:worker_threads';

/** The answer to one request: the service's result, or why there is none. */
export type ChannelReply = { ok: true; result: unknown } | { ok: false; code: string; message: string };

const RESPONSE_BYTES = 1 << 16;

// Plain JavaScript, run with `eval`: the worker needs no TypeScript loader.
const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const { createConnection } = require('node:net');
const { socketPath, client } = workerData;
const state = new Int32Array(workerData.state);
const response = new Uint8Array(workerData.response);
const encoder = new TextEncoder();
let socket, buffer = '', nextId = 1, greeted = false;
const pending = new Map();
function answer(waiting, reply) {
  if (!waiting) return;
  let bytes = encoder.encode(JSON.stringify(reply));
  if (bytes.length > response.length - 4) bytes = encoder.encode(JSON.stringify({ ok: false, code: 'TOO_LARGE', message: 'the service reply is larger than the hook channel' }));
  new DataView(response.buffer).setUint32(0, bytes.length, true);
  response.set(bytes, 4);
  Atomics.store(state, 0, waiting);
  Atomics.notify(state, 0);
}
function failAll(code, message) {
  for (const [, waiting] of pending) answer(waiting, { ok: false, code, message });
  pending.clear();
  socket = undefined;
}
function connect() {
  if (socket) return socket;
  const s = createConnection(socketPath);
  s.setEncoding('utf8');
  s.on('data', (chunk) => {
    buffer += chunk;
    let end;
    while ((end = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 1);
      let reply;
      try { reply = JSON.parse(line); } catch { continue; }
      const waiting = pending.get(reply.id);
      pending.delete(reply.id);
      answer(waiting, reply.ok ? { ok: true, result: reply.result } : { ok: false, code: reply.error && reply.error.code || 'ERROR', message: reply.error && reply.error.message || 'error' });
    }
  });
  s.on('error', (e) => failAll(e.code === 'ENOENT' || e.code === 'ECONNREFUSED' ? 'SERVICE_NOT_RUNNING' : 'DISCONNECTED', 'the eBPF service is not reachable on ' + socketPath + ' (' + e.code + ')'));
  s.on('close', () => failAll('DISCONNECTED', 'the eBPF service closed the connection'));
  socket = s;
  greeted = false;
  return s;
}
parentPort.on('message', ({ call, params, waiting }) => {
  const id = nextId++;
  pending.set(id, waiting);
  const s = connect();
  const line = { id, call, params };
  if (!greeted) { line.client = client; greeted = true; }
  s.write(JSON.stringify(line) + '\n');
});
`;

/** A synchronous request line to the service. */
export class SyncChannel {
  private readonly state = new Int32Array(new SharedArrayBuffer(4));
  private readonly response = new Uint8Array(new SharedArrayBuffer(RESPONSE_BYTES));
  private readonly worker: Worker;
  private sequence = 0;

  constructor(socketPath: string, clientName: string, private readonly timeoutMs = 5000) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { socketPath, client: `${process.pid} ${clientName}`, state: this.state.buffer, response: this.response.buffer },
      // The hook must not apply to its own worker.
      execArgv: [],
      env: {},
    });
    this.worker.unref();
  }

  /** Sends a request and sleeps until the answer (or the timeout) arrives. */
  request(call: string, params: unknown): ChannelReply {
    const waiting = (this.sequence = (this.sequence % 0x7ffffffe) + 1);
    Atomics.store(this.state, 0, 0);
    this.worker.postMessage({ call, params, waiting });
    const deadline = Date.now() + this.timeoutMs;
    while (Atomics.load(this.state, 0) !== waiting) {
      const left = deadline - Date.now();
      if (left <= 0) return { ok: false, code: 'TIMEOUT', message: `the eBPF service did not answer within ${this.timeoutMs} ms` };
      Atomics.wait(this.state, 0, Atomics.load(this.state, 0), left);
    }
    const length = new DataView(this.response.buffer).getUint32(0, true);
    return JSON.parse(new TextDecoder().decode(this.response.slice(4, 4 + length))) as ChannelReply;
  }

  /** Sends a notification: no answer is awaited. */
  notify(call: string, params: unknown): void {
    this.worker.postMessage({ call, params, waiting: 0 });
  }

  close(): void {
    void this.worker.terminate();
  }
}
