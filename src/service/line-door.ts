// The fast door for local clients: newline-delimited JSON on the Unix socket, pipelined. Each line is
// {"id": n, "call": name, "params": {...}}; each reply line is {"id": n, "ok": true, "result": ...} or
// {"id": n, "ok": false, "error": {...}}, in completion order. The socket also speaks HTTP (for the event
// stream and for curl): the first byte decides, `{` for lines, anything else for HTTP.

import type { Server } from 'node:http';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { ApiError } from '../client/api.ts';
import type { ServiceHost } from './host.ts';
import { asApiError, MAX_BODY_BYTES } from './server.ts';

function errorLine(id: unknown, error: ApiError): string {
  return `${JSON.stringify({ id: typeof id === 'number' ? id : null, ok: false, error: { code: error.code, message: error.message, ...(error.errno === undefined ? {} : { errno: error.errno }), ...(error.detail === undefined ? {} : { detail: error.detail }) } })}\n`;
}

function serveLines(socket: Socket, host: ServiceHost, first: Buffer): void {
  let buffer = '';
  let client: number | undefined;
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
