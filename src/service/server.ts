// The service's HTTP doors, one handler: HTTP over the Unix socket (owner-only, so the file mode is the
// access check) and HTTP on 127.0.0.1 for browsers, where every request must carry the token, a loopback
// `Host` (no DNS rebinding) and, if it has one, a loopback `Origin` (no cross-site calls).
// Routes: POST /v1/call {"call": name, "params": {...}} and GET /v1/events (server-sent events). Local
// clients mostly use the pipelined line protocol on the same socket (line-door.ts).

import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { ApiError, type ServiceEvent } from '../client/api.ts';
import { studioRoute } from '../studio/routes.ts';
import type { ServiceHost } from './host.ts';

/** Largest request body accepted (a load request carries a path, not the file). */
export const MAX_BODY_BYTES = 1 << 20;

const STATUS: Record<string, number> = {
  BAD_JSON: 400, BAD_REQUEST: 400, BAD_PIN_PATH: 400, UNAUTHORIZED: 401, FORBIDDEN: 403, NOT_FOUND: 404, UNKNOWN_CALL: 404,
  UNKNOWN_ROUTE: 404, METHOD: 405, TOO_LARGE: 413, INTERNAL: 500,
};

/** Who a door lets in: the socket trusts its file mode; TCP checks token, Host and Origin. */
export type DoorPolicy = { kind: 'socket' } | { kind: 'http'; token: string; port: () => number };

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function sendError(res: ServerResponse, error: ApiError): void {
  sendJson(res, STATUS[error.code] ?? 422, { ok: false, error: { code: error.code, message: error.message, ...(error.errno === undefined ? {} : { errno: error.errno }), ...(error.detail === undefined ? {} : { detail: error.detail }) } });
}

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Why an HTTP request is refused, or undefined when it may pass. */
export function refusal(req: IncomingMessage, url: URL, token: string, port: number): ApiError | undefined {
  const hosts = LOOPBACK_HOSTS.map((h) => `${h}:${port}`);
  if (!hosts.includes((req.headers.host ?? '').toLowerCase())) return new ApiError('FORBIDDEN', `Host '${req.headers.host ?? ''}' is not this service's loopback address`);
  const origin = req.headers.origin;
  if (origin !== undefined && !hosts.map((h) => `http://${h}`).includes(origin.toLowerCase())) return new ApiError('FORBIDDEN', `Origin '${origin}' may not call this service`);
  const auth = req.headers.authorization;
  const given = auth?.startsWith('Bearer ') ? auth.slice(7) : url.searchParams.get('token') ?? '';
  if (!sameToken(given, token)) return new ApiError('UNAUTHORIZED', 'missing or wrong token');
  return undefined;
}

/** Reads and discards the rest of a refused upload (so the client sees the reply), up to a budget. */
function drainOrDrop(req: IncomingMessage): void {
  let drained = 0;
  req.removeAllListeners('data');
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_BUDGET_BYTES) req.socket.destroy();
  });
  req.resume();
}

const DRAIN_BUDGET_BYTES = 16 << 20;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) return reject(new ApiError('TOO_LARGE', `request body over ${MAX_BODY_BYTES} bytes`));
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        reject(new ApiError('TOO_LARGE', `request body over ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** An error thrown by a call, as the API reports it: typed errors keep their code, others are INTERNAL. */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const e = error as { code?: unknown; errno?: unknown };
  if (error instanceof Error && typeof e.code === 'string') return new ApiError(e.code, error.message, typeof e.errno === 'number' ? { errno: e.errno } : {});
  return new ApiError('INTERNAL', error instanceof Error ? error.message : String(error));
}

function identify(req: IncomingMessage, host: ServiceHost): void {
  const socket = req.socket as Socket & { ebpfClient?: number };
  if (socket.ebpfClient !== undefined) return;
  const header = req.headers['x-ebpf-client'];
  const match = typeof header === 'string' ? /^(\d+) (.{1,200})$/.exec(header) : null;
  if (!match) return;
  const pid = Number(match[1]);
  socket.ebpfClient = pid;
  host.clientConnected(pid, match[2]!);
  socket.once('close', () => host.clientDisconnected(pid));
}

function streamEvents(req: IncomingMessage, res: ServerResponse, host: ServiceHost): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  res.write(': ebpf-for-node events\n\n');
  const listener = (event: ServiceEvent) => res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  host.events.on('event', listener);
  const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
  req.on('close', () => {
    clearInterval(ping);
    host.events.off('event', listener);
  });
}

async function handle(req: IncomingMessage, res: ServerResponse, host: ServiceHost, policy: DoorPolicy): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://service');
  if (policy.kind === 'http') {
    const refused = refusal(req, url, policy.token, policy.port());
    if (refused) {
      req.resume();
      return sendError(res, refused);
    }
  }
  identify(req, host);
  if (await studioRoute(req, res, url, host)) return;
  if (url.pathname === '/v1/events') {
    if (req.method !== 'GET') return sendError(res, new ApiError('METHOD', 'GET /v1/events'));
    return streamEvents(req, res, host);
  }
  if (url.pathname !== '/v1/call') {
    req.resume();
    return sendError(res, new ApiError('UNKNOWN_ROUTE', `no route ${req.method} ${url.pathname} (POST /v1/call, GET /v1/events)`));
  }
  if (req.method !== 'POST') {
    req.resume();
    return sendError(res, new ApiError('METHOD', 'calls are POST /v1/call'));
  }
  let request: unknown;
  try {
    const body = await readBody(req);
    try {
      request = JSON.parse(body);
    } catch (error) {
      throw new ApiError('BAD_JSON', `request body is not JSON: ${(error as Error).message}`);
    }
    if (typeof request !== 'object' || request === null || typeof (request as { call?: unknown }).call !== 'string') throw new ApiError('BAD_REQUEST', 'request must be {"call": name, "params": {...}}');
    const { call, params } = request as { call: string; params?: unknown };
    const result = await host.call(call, params);
    sendJson(res, 200, { ok: true, result });
  } catch (error) {
    const apiError = asApiError(error);
    sendError(res, apiError);
    if (apiError.code === 'TOO_LARGE') drainOrDrop(req);
  }
}

/** An HTTP server over the host with the door's policy (listen is the caller's). */
export function createDoor(host: ServiceHost, policy: DoorPolicy): Server {
  const server = createServer((req, res) => {
    handle(req, res, host, policy).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, asApiError(error));
      else res.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 0;
  server.keepAliveTimeout = 5_000;
  return server;
}
