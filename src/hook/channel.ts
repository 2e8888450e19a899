// A synchronous line to the service for the Node hook. `listen`, `connect` and `spawn` must know the
// attached programs' verdict before they go on, and `spawn` returns synchronously, so the application's
// thread must block until the service answers. Two ways, one at a time:
//
// - The lane (Linux, the fast way): a pair of FIFOs the worker thread makes in the service's directory
//   (`mkfifo`, in the background, after the first request) and hands to the service, then unlinks. The
//   application's thread writes each request line into one and blocks in `read` on the other: one round
//   trip with two wake-ups (the service's and the application's) instead of four. Notifications go the
//   same way (lines without an id get no reply), so they stay in order with the requests. The worker
//   stays the lane's watchdog: when the deadline of a pending request passes, or its connection to the
//   service closes, it writes the failure into the reply FIFO itself, so a read never blocks for ever.
// - The worker (always there; before the lane is ready, or without one): the application's thread posts
//   the request to the worker thread, which owns the Unix socket, and sleeps on a shared flag until the
//   answer is written back.
//
// Notifications (unbind, sockops, process exit) are sent without waiting. The worker is unref'd: it never
// keeps the application alive.

import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { Worker, threadId } from 'node:worker_threads';

/** The answer to one request: the service's result, or why there is none. */
export type ChannelReply = { ok: true; result: unknown } | { ok: false; code: string; message: string };

const RESPONSE_BYTES = 1 << 16;
/** Lane slots shared with the worker (Int32Array): */
const LANE_STATE = 0; // LANE_NONE, LANE_READY (GEN, REQUEST_FD and REPLY_FD are set) or LANE_DOWN
const LANE_GEN = 1;
const LANE_REQUEST_FD = 2; // the worker's descriptors (O_RDWR | O_NONBLOCK), never closed while the process lives
const LANE_REPLY_FD = 3;
const LANE_PENDING = 4; // the id of the request the application's thread waits for on the lane, 0 when none
const LANE_READY = 1;
const LANE_DOWN = 2;
/** Lanes one process makes at most (a new one after each reconnection to the service). */
const MAX_LANES = 4;
/** The largest reply line written into the reply FIFO in one piece (PIPE_BUF on Linux). */
const LANE_LINE_BYTES = 4096;

// Plain JavaScript, run with `eval`: the worker needs no TypeScript loader.
const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const { createConnection } = require('node:net');
const { request } = require('node:http');
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const { dirname, join } = require('node:path');
const { socketPath, client, attachTypes, timeoutMs, lanePrefix, lanePath, laneWanted } = workerData;
const state = new Int32Array(workerData.state);
const attached = new Int32Array(workerData.attached);
const response = new Uint8Array(workerData.response);
const lane = new Int32Array(workerData.lane);
const laneDeadline = new Float64Array(workerData.laneDeadline);
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
  laneDown(code, message);
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
      if (typeof waiting === 'number' && waiting && reply.ok) makeLane();
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

// The lane: made once the service has answered the application (so a process with nothing to ask, or no
// service to ask, spawns nothing), again after a reconnection, at most ${MAX_LANES} times. Its descriptors
// here are never closed: the application's thread may be opening them through /proc at any moment, and a
// closed number can be reused.
let laneSocket, laneMaking = false, lanes = 0, laneFd, watchdog, timedOut = 0;
function laneLine(id, code, message) {
  try { fs.writeSync(laneFd, JSON.stringify({ id, ok: false, error: { code, message } }) + '\n'); } catch {}
}
function laneDown(code, message) {
  if (Atomics.load(lane, ${LANE_STATE}) !== ${LANE_READY}) return;
  Atomics.store(lane, ${LANE_STATE}, ${LANE_DOWN});
  const id = Atomics.load(lane, ${LANE_PENDING});
  if (id) laneLine(id, code, message);
  clearInterval(watchdog);
  laneSocket = undefined;
}
function makeLane() {
  if (!laneWanted || laneMaking || lanes >= ${MAX_LANES} || laneSocket === socket || process.platform !== 'linux') return;
  laneMaking = true;
  laneSocket = socket;
  const base = join(dirname(socketPath), lanePrefix + '-' + (++lanes));
  const paths = { request: base + '.req', reply: base + '.rep' };
  const done = (fds) => {
    for (const path of [paths.request, paths.reply]) try { fs.unlinkSync(path); } catch {}
    laneMaking = false;
    if (!fds) return;
    Atomics.store(lane, ${LANE_GEN}, lanes);
    Atomics.store(lane, ${LANE_REQUEST_FD}, fds[0]);
    Atomics.store(lane, ${LANE_REPLY_FD}, fds[1]);
    laneFd = fds[1];
    Atomics.store(lane, ${LANE_STATE}, ${LANE_READY});
    clearInterval(watchdog);
    watchdog = setInterval(() => {
      const id = Atomics.load(lane, ${LANE_PENDING});
      if (id && id !== timedOut && Date.now() > laneDeadline[0]) {
        timedOut = id;
        laneLine(id, 'TIMEOUT', 'the eBPF service did not answer within ' + timeoutMs + ' ms');
      }
    }, Math.max(5, Math.min(100, timeoutMs / 10)));
    watchdog.unref();
  };
  execFile('mkfifo', ['-m', '600', paths.request, paths.reply], { env: { PATH: lanePath } }, (error) => {
    if (error || laneSocket !== socket) return done();
    let fds;
    try {
      const flags = fs.constants.O_RDWR | fs.constants.O_NONBLOCK;
      fds = [fs.openSync(paths.request, flags), fs.openSync(paths.reply, flags)];
    } catch { return done(); }
    const forSocket = socket;
    send('hooks.lane', paths, 0, (reply) => {
      if (reply.ok && socket === forSocket) return done(fds);
      for (const fd of fds) try { fs.closeSync(fd); } catch {}
      done();
    });
  });
}
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
  private readonly lane = new Int32Array(new SharedArrayBuffer(4 * 5));
  /** The pending lane request's deadline (Date.now() milliseconds), for the worker's watchdog. */
  private readonly laneDeadline = new Float64Array(new SharedArrayBuffer(8));
  private readonly worker: Worker;
  private sequence = 0;
  /** The lane this thread uses: its generation, the worker's request descriptor and this thread's own (blocking) reply descriptor. */
  private laneGen = 0;
  private laneRequest = -1;
  private laneReply = -1;
  /** Reply bytes read past the last complete line. */
  private laneText = '';
  private laneDecoder = new StringDecoder('utf8');
  private readonly laneBuffer = Buffer.alloc(LANE_LINE_BYTES * 4);
  /** A notification went through the worker since the last request through it. */
  private postedSinceRequest = false;
  /**
   * Notifications for the lane not written yet: they go with the next request's line, or at the end of
   * this turn of the event loop, whichever comes first; in order either way, one wake-up of the service
   * for all of them.
   */
  private queued: { call: string; params: unknown; line: string }[] = [];
  private flushing: NodeJS.Immediate | undefined;

  /** `lane`: false to ask through the worker only (EBPF_HOOK_LANE=off). */
  constructor(socketPath: string, clientName: string, private readonly attachTypes: readonly string[], private readonly timeoutMs = 5000, lane = true) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        socketPath, client: `${process.pid} ${clientName}`, state: this.state.buffer, response: this.response.buffer, attached: this.attached.buffer, attachTypes,
        timeoutMs, lane: this.lane.buffer, laneDeadline: this.laneDeadline.buffer, lanePrefix: `hook-${process.pid}-${threadId}-${randomBytes(6).toString('hex')}`, lanePath: process.env.PATH ?? '/usr/bin:/bin', laneWanted: lane,
      },
      // The hook must not apply to its own worker.
      execArgv: [],
      env: {},
    });
    this.worker.unref();
    process.once('exit', () => this.flush());
  }

  /** Sends a request and sleeps until the answer (or the timeout) arrives. */
  request(call: string, params: unknown): ChannelReply {
    const waiting = (this.sequence = (this.sequence % 0x7ffffffe) + 1);
    if (this.laneUsable()) {
      const reply = this.laneRequestOnce(waiting, call, params);
      if (reply) return reply;
    }
    this.flush(); // what the lane could not take goes first
    this.postedSinceRequest = false;
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
    if (this.queued.length === 0 && !this.laneUsable()) return this.post(call, params);
    this.queued.push({ call, params, line: `${JSON.stringify({ call, params })}\n` });
    this.flushing ??= setImmediate(() => this.flush());
  }

  private post(call: string, params: unknown): void {
    this.postedSinceRequest = true;
    this.worker.postMessage({ call, params, waiting: 0 });
  }

  /** Writes the queued notifications (through the worker, in order, when the lane cannot take them). */
  private flush(): void {
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = undefined;
    if (this.queued.length === 0) return;
    if (this.laneUsable() && this.laneSend('', Date.now() + this.timeoutMs)) return;
    const queued = this.queued;
    this.queued = [];
    for (const n of queued) this.post(n.call, n.params);
  }

  close(): void {
    this.dropLane();
    void this.worker.terminate();
  }

  /** Whether the lane is ready for this thread, opening this thread's end of it when a new one is. */
  private laneUsable(): boolean {
    if (Atomics.load(this.lane, LANE_STATE) !== LANE_READY) {
      if (this.laneReply >= 0) this.dropLane();
      return false;
    }
    const gen = Atomics.load(this.lane, LANE_GEN);
    if (gen === this.laneGen) return this.laneReply >= 0;
    this.dropLane();
    this.laneGen = gen;
    // Lines sent through the worker must reach the service before the first line of the lane does.
    if (this.postedSinceRequest) {
      const flushed = this.request('status', {});
      if (!flushed.ok) return false;
    }
    try {
      // A blocking reader of our own: the worker's descriptor is non-blocking.
      this.laneReply = openSync(`/proc/self/fd/${Atomics.load(this.lane, LANE_REPLY_FD)}`, 'r+');
    } catch {
      return false;
    }
    this.laneRequest = Atomics.load(this.lane, LANE_REQUEST_FD);
    return true;
  }

  private dropLane(): void {
    if (this.laneReply >= 0) closeSync(this.laneReply);
    this.laneReply = -1;
    this.laneRequest = -1;
    this.laneText = '';
    this.laneDecoder = new StringDecoder('utf8');
  }

  /**
   * Writes lines into the request FIFO; the number of bytes written, all of them unless it failed before
   * `deadline` (then the lane is dropped: part of a line may be in the FIFO).
   */
  private laneWrite(text: string, deadline: number): number {
    const bytes = Buffer.from(text);
    let done = 0;
    while (done < bytes.length) {
      try {
        done += writeSync(this.laneRequest, bytes, done, bytes.length - done);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || Date.now() > deadline) {
          this.dropLane();
          return done;
        }
        Atomics.wait(this.state, 0, Atomics.load(this.state, 0), 1); // the service is behind: wait a millisecond
      }
    }
    return done;
  }

  /**
   * Writes the queued notifications, then `line` if given, into the lane; true when all of it went. When
   * not, the notifications that did not start to go stay queued (one cut in the middle is lost with the lane).
   */
  private laneSend(line: string, deadline: number): boolean {
    const queued = this.queued;
    this.queued = [];
    let text = '';
    for (const n of queued) text += n.line;
    const total = Buffer.byteLength(text) + Buffer.byteLength(line);
    let written = this.laneWrite(text + line, deadline);
    if (written === total) return true;
    let i = 0;
    while (i < queued.length && written > 0) written -= Buffer.byteLength(queued[i++]!.line);
    this.queued = queued.slice(i);
    return false;
  }


  /** One request over the lane; undefined when it could not be sent (the caller uses the worker). */
  private laneRequestOnce(id: number, call: string, params: unknown): ChannelReply | undefined {
    const deadline = Date.now() + this.timeoutMs;
    this.laneDeadline[0] = deadline;
    Atomics.store(this.lane, LANE_PENDING, id);
    try {
      // The worker reads PENDING after marking the lane down: either it answers this id, or we see the lane down.
      if (Atomics.load(this.lane, LANE_STATE) !== LANE_READY) {
        this.dropLane();
        return undefined;
      }
      if (!this.laneSend(`${JSON.stringify({ id, call, params })}\n`, deadline)) return undefined; // the lane is dropped
      for (;;) {
        let end: number;
        while ((end = this.laneText.indexOf('\n')) >= 0) {
          const line = this.laneText.slice(0, end);
          this.laneText = this.laneText.slice(end + 1);
          let reply: { id?: unknown; ok?: unknown; result?: unknown; error?: { code?: string; message?: string } };
          try {
            reply = JSON.parse(line);
          } catch {
            continue;
          }
          if (reply.id !== id) continue; // the late answer of a request that timed out
          return reply.ok ? { ok: true, result: reply.result } : { ok: false, code: reply.error?.code || 'ERROR', message: reply.error?.message || 'error' };
        }
        let n: number;
        try {
          n = readSync(this.laneReply, this.laneBuffer, 0, this.laneBuffer.length, null);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EINTR' || (error as NodeJS.ErrnoException).code === 'EAGAIN') continue;
          this.dropLane();
          return { ok: false, code: 'DISCONNECTED', message: `the eBPF service's lane failed (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
        }
        if (n === 0) {
          this.dropLane();
          return { ok: false, code: 'DISCONNECTED', message: "the eBPF service's lane closed" };
        }
        this.laneText += this.laneDecoder.write(this.laneBuffer.subarray(0, n));
      }
    } finally {
      Atomics.store(this.lane, LANE_PENDING, 0);
    }
  }
}
