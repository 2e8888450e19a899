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
const { request } = require('node:http');
const { socketPath, client, attachTypes } = workerData;
const state = new Int32Array(workerData.state);
const attached = new Int32Array(workerData.attached);
const response = new Uint8Array(workerData.response);
const encoder = new TextEncoder();
let socket, buffer = '', nextId = 1, greeted = false;
const pending = new Map();
function answer(waiting, reply) {
  if (typeof waiting === 'function') return waiting(reply);
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
function send(call, params, waiting, onReply) {
  const id = nextId++;
  pending.set(id, onReply || waiting);
  const s = connect();
  const line = { id, call, params };
  if (!greeted) { line.client = client; greeted = true; }
  s.write(JSON.stringify(line) + '\n');
}
parentPort.on('message', ({ call, params, waiting }) => send(call, params, waiting));
// Which hooks have programs attached, kept current from the service's event stream, so that the
// application asks the service only about events some program wants to see.
function refreshLinks() {
  send('links.list', {}, 0, (reply) => {
    if (!reply.ok) { Atomics.store(attached, 0, 0); return; }
    let mask = 0;
    for (const link of reply.result) { const bit = attachTypes.indexOf(link.attachType); if (bit >= 0) mask |= 1 << bit; }
    Atomics.store(attached, 1, mask);
    Atomics.store(attached, 0, 1);
  });
}
function follow() {
  const req = request({ socketPath, path: '/v1/events', method: 'GET', agent: false }, (res) => {
    if (res.statusCode !== 200) { res.resume(); return retry(); }
    res.setEncoding('utf8');
    let text = '';
    res.on('data', (chunk) => {
      text += chunk;
      let end;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const frame = text.slice(0, end);
        text = text.slice(end + 2);
        if (/"type":"(link-attached|link-detached|object-unloaded)"/.test(frame)) refreshLinks();
      }
    });
    res.on('end', retry);
    res.on('error', retry);
    refreshLinks();
  });
  req.on('error', retry);
  req.end();
}
let retrying = false;
function retry() {
  Atomics.store(attached, 0, 0);
  if (retrying) return;
  retrying = true;
  setTimeout(() => { retrying = false; follow(); }, 1000).unref();
}
follow();
`;

/** A synchronous request line to the service. */
export class SyncChannel {
  private readonly state = new Int32Array(new SharedArrayBuffer(4));
  private readonly response = new Uint8Array(new SharedArrayBuffer(RESPONSE_BYTES));
  /** [0]: 1 when [1] is known; [1]: bit i set when a program is attached at attachTypes[i]. */
  private readonly attached = new Int32Array(new SharedArrayBuffer(8));
  private readonly worker: Worker;
  private sequence = 0;

  constructor(socketPath: string, clientName: string, private readonly attachTypes: readonly string[], private readonly timeoutMs = 5000) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { socketPath, client: `${process.pid} ${clientName}`, state: this.state.buffer, response: this.response.buffer, attached: this.attached.buffer, attachTypes },
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

  /**
   * Whether a program may be attached at any of `attachTypes`: false only when the event stream has told
   * the worker that none is (unknown counts as maybe, so the service gets asked and the fail policy applies).
   */
  mayBeAttached(attachTypes: readonly string[]): boolean {
    if (Atomics.load(this.attached, 0) !== 1) return true;
    const mask = Atomics.load(this.attached, 1);
    return attachTypes.some((t) => {
      const bit = this.attachTypes.indexOf(t);
      return bit < 0 || (mask & (1 << bit)) !== 0;
    });
  }

  /** Sends a notification: no answer is awaited. */
  notify(call: string, params: unknown): void {
    this.worker.postMessage({ call, params, waiting: 0 });
  }

  close(): void {
    void this.worker.terminate();
  }
}
