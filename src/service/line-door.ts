// The fast door for local clients: newline-delimited JSON on the Unix socket, pipelined. Each line is
// {"id": n, "call": name, "params": {...}}; each reply line is {"id": n, "ok": true, "result": ...} or
// {"id": n, "ok": false, "error": {...}}, in completion order. The socket also speaks HTTP (for the event
// stream and for curl): the first byte decides, `{` for lines, anything else for HTTP.
//
// `{"call": "hooks.lane", "params": {"request": fifo, "reply": fifo}}` (lines only, once per connection)
// opens the Node hook's lane: two FIFOs in the service's directory, made by the hook. Lines read from the
// request FIFO are calls as above; those with an id are answered into the reply FIFO, each in one write
// of at most PIPE_BUF bytes, those without get no answer (notifications). The lane closes with the
// connection that opened it; when its reply FIFO cannot take a line, the lane and that connection close,
// which the hook sees.

import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer, Socket, type Server as NetServer } from 'node:net';
import { dirname } from 'node:path';
import { ApiError } from '../client/api.ts';
import type { ServiceHost } from './host.ts';
import { paramsObject, str } from './params.ts';
import { asApiError, MAX_BODY_BYTES } from './server.ts';

/** The longest line written into a lane's reply FIFO: one write that never interleaves with the hook's own lines. */
const LANE_LINE_BYTES = 4096;

function errorLine(id: unknown, error: ApiError): string {
  return `${JSON.stringify({ id: typeof id === 'number' ? id : null, ok: false, error: { code: error.code, message: error.message, ...(error.errno === undefined ? {} : { errno: error.errno }), ...(error.detail === undefined ? {} : { detail: error.detail }) } })}\n`;
}

function openFifo(path: string, flags: number, home: string): number {
  if (dirname(path) !== home) throw new ApiError('BAD_REQUEST', `hooks.lane: ${path} is not in the service's directory ${home}`);
  let fd: number;
  try {
    fd = openSync(path, flags | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (error) {
    throw new ApiError('LANE_FAILED', `hooks.lane: cannot open ${path}: ${(error as Error).message}`);
  }
  if (!fstatSync(fd).isFIFO()) {
    closeSync(fd);
    throw new ApiError('BAD_REQUEST', `hooks.lane: ${path} is not a FIFO`);
  }
  return fd;
}

/** Serves the lane of the hook connected on `socket`, until that connection closes. */
function serveLane(socket: Socket, host: ServiceHost, params: unknown): void {
  const p = paramsObject(params);
  const home = host.describe().home;
  const requestPath = str(p, 'request');
  const replyPath = str(p, 'reply');
  const requestFd = openFifo(requestPath, constants.O_RDWR, home);
  let replyFd: number;
  try {
    // Write-only and non-blocking: a hook that stops reading can never make the service wait.
    replyFd = openFifo(replyPath, constants.O_WRONLY, home);
  } catch (error) {
    closeSync(requestFd);
    throw error;
  }
  const input = new Socket({ fd: requestFd, readable: true, writable: false });
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    input.destroy();
    closeSync(replyFd);
  };
  const fail = () => {
    close();
    socket.destroy();
  };
  const answer = (line: string) => {
    if (!open) return;
    try {
      if (writeSync(replyFd, line) !== Buffer.byteLength(line)) fail();
    } catch {
      fail();
    }
  };
  const onLine = (line: string) => {
    let request: { id?: unknown; call?: unknown; params?: unknown };
    try {
      request = JSON.parse(line);
    } catch {
      return; // no id to answer to
    }
    if (typeof request !== 'object' || request === null) return;
    const id = request.id;
    if (typeof request.call !== 'string') {
      if (id !== undefined) answer(errorLine(id, new ApiError('BAD_REQUEST', 'request must be {"id": n, "call": name, "params": {...}}')));
      return;
    }
    const call = host.call(request.call, request.params);
    if (id === undefined) {
      call.catch(() => undefined);
      return;
    }
    call.then(
      (result) => {
        const text = `${JSON.stringify({ id, ok: true, result })}\n`;
        answer(Buffer.byteLength(text) <= LANE_LINE_BYTES ? text : errorLine(id, new ApiError('TOO_LARGE', `the reply is over ${LANE_LINE_BYTES} bytes, more than the hook lane carries`)));
      },
      (error: unknown) => answer(errorLine(id, asApiError(error))),
    );
  };
  let buffer = '';
  input.setEncoding('utf8');
  input.on('data', (chunk: string) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 1);
      if (line.trim() !== '') onLine(line);
    }
    if (buffer.length > MAX_BODY_BYTES) fail();
  });
  input.on('error', fail);
  socket.once('close', close);
}

function serveLines(socket: Socket, host: ServiceHost, first: Buffer): void {
  let buffer = '';
  let client: number | undefined;
  let lane = false;
  socket.setEncoding('utf8');
  const onLine = (line: string) => {
    if (line.trim() === '') return;
    let request: { id?: unknown; call?: unknown; params?: unknown; client?: unknown };
    try {
      request = JSON.parse(line);
    } catch (error) {
      socket.write(errorLine(null, new ApiError('BAD_JSON', `request line is not JSON: ${(error as Error).message}`)));
      return;
    }
    if (typeof request !== 'object' || request === null || typeof request.call !== 'string') {
      socket.write(errorLine(request?.id, new ApiError('BAD_REQUEST', 'request must be {"id": n, "call": name, "params": {...}}')));
      return;
    }
    if (client === undefined && typeof request.client === 'string') {
      const match = /^(\d+) (.{1,200})$/.exec(request.client);
      if (match) {
        client = Number(match[1]);
        host.clientConnected(client, match[2]!);
        socket.once('close', () => host.clientDisconnected(client!));
      }
    }
    const id = request.id;
    if (request.call === 'hooks.lane') {
      try {
        if (lane) throw new ApiError('BAD_REQUEST', 'hooks.lane: this connection already has a lane');
        serveLane(socket, host, request.params);
        lane = true;
        socket.write(`${JSON.stringify({ id, ok: true, result: {} })}\n`);
      } catch (error) {
        socket.write(errorLine(id, asApiError(error)));
      }
      return;
    }
    host.call(request.call, request.params).then(
      (result) => socket.writable && socket.write(`${JSON.stringify({ id, ok: true, result })}\n`),
      (error: unknown) => socket.writable && socket.write(errorLine(id, asApiError(error))),
    );
  };
  const onData = (chunk: string) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 1);
      onLine(line);
    }
    if (buffer.length > MAX_BODY_BYTES) {
      socket.end(errorLine(null, new ApiError('TOO_LARGE', `request line over ${MAX_BODY_BYTES} bytes`)));
      socket.removeAllListeners('data');
      buffer = '';
    }
  };
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
  onData(first.toString('utf8'));
}

/** A socket server that serves lines, or hands the connection to `http` when it starts otherwise. */
export function createSocketDoor(host: ServiceHost, http: Server): NetServer {
  return createServer((socket) => {
    socket.once('data', (first: Buffer) => {
      if (first[0] === 0x7b) return serveLines(socket, host, first);
      socket.pause();
      socket.unshift(first);
      http.emit('connection', socket);
      socket.resume();
    });
    socket.on('error', () => socket.destroy());
  });
}
