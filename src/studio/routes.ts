// The Studio's routes inside the service's HTTP door (which has already checked the token, Host and
// Origin before anything here runs):
//   GET  /studio                      the page
//   GET  /studio/platform             program types with their context fields, map and attach types
//   POST /studio/inspect?name=F       inspect an object file sent as the body (nothing is loaded)
//   GET  /studio/inspect?program=ID   inspect the object a loaded program came from
//   POST /studio/load?name=F&...      store an uploaded object under $EBPF_HOME/uploads and load it
//   GET  /studio/maps/ID/layout       BTF layouts of a live map's key and value
// Everything else (lists, map entries, attach, pin, test runs, events) is the service's own API.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ApiError } from '../client/api.ts';
import { openObject } from '../object/index.ts';
import { windowsPlatform } from '../platform/index.ts';
import type { ServiceHost } from '../service/host.ts';
import { studioPage } from './bundle.ts';
import { inspectObject } from './inspect.ts';
import { MapLayoutFinder } from './map-layouts.ts';

/** Largest object file the page may send. */
export const MAX_OBJECT_BYTES = 64 << 20;

const finders = new WeakMap<ServiceHost, MapLayoutFinder>();

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(body);
}

function sendJson(res: ServerResponse, body: unknown): void {
  send(res, 200, 'application/json', JSON.stringify({ ok: true, result: body }));
}

function readBytes(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) return reject(new ApiError('TOO_LARGE', `object file over ${limit} bytes`));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        return reject(new ApiError('TOO_LARGE', `object file over ${limit} bytes`));
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

/** A file name the user gave, reduced to a safe base name. */
function safeName(raw: string | null): string {
  const name = basename(raw ?? 'object.o').replace(/[^\w.-]/g, '_').slice(0, 100);
  return name === '' || name.startsWith('.') ? `object${name}` : name;
}

function openUploaded(bytes: Uint8Array, name: string) {
  if (bytes.length === 0) throw new ApiError('BAD_REQUEST', 'no object file in the request body');
  try {
    return openObject(bytes, { name });
  } catch (error) {
    throw new ApiError('OPEN_FAILED', `${name}: ${(error as Error).message}`);
  }
}

function platformDescription() {
  const p = windowsPlatform;
  return {
    programTypes: p.programTypes.map((t) => ({ name: t.name, contextSize: t.contextSize, fields: t.fields, dataOffset: t.dataOffset, dataEndOffset: t.dataEndOffset, returnRange: t.returnRange ?? null })),
    mapTypes: p.mapTypes.map((t) => ({ name: t.displayName, perCpu: t.perCpu, isArray: t.isArray, keyless: t.keyless, valueKind: t.valueKind })),
    attachTypes: p.attachTypes.map((a) => ({ name: a.name, programType: p.programTypeById(a.programType)?.name ?? '' })),
    // The runtime keeps per-CPU values for this machine's CPUs (Runtime's default).
    cpuCount: Math.max(1, cpus().length),
  };
}

async function inspectLoaded(host: ServiceHost, id: number) {
  const load = host.loadOf(id);
  if (!load) throw new ApiError('NOT_FOUND', `program ${id} has no object file on record`);
  if (!existsSync(load.path)) throw new ApiError('NOT_FOUND', `program ${id}'s object file ${load.path} is gone`);
  return inspectObject(openUploaded(new Uint8Array(readFileSync(load.path)), basename(load.fileName)));
}

async function upload(req: IncomingMessage, url: URL, host: ServiceHost) {
  const name = safeName(url.searchParams.get('name'));
  const bytes = await readBytes(req, MAX_OBJECT_BYTES);
  openUploaded(bytes, name); // a file that does not open is refused before it is stored
  const home = host.describe().home;
  const dir = join(home === '' ? tmpdir() : home, 'uploads');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Named by content: loads of the same bytes share one file, and a stored file never changes under a pin.
  const path = join(dir, `${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}-${name}`);
  if (!existsSync(path)) writeFileSync(path, bytes, { mode: 0o600 });
  const params: Record<string, unknown> = { path, fileName: name };
  for (const key of ['execution', 'type', 'pinned', 'pinPath', 'interface']) {
    const value = url.searchParams.get(key);
    if (value !== null && value !== '') params[key] = value;
  }
  const compartment = url.searchParams.get('compartment');
  if (compartment !== null && compartment !== '') params.compartment = Number(compartment);
  return host.call('programs.load', params);
}

/**
 * Serves a Studio route; false when the path is not one (the door answers it). Errors are thrown as
 * ApiErrors for the door to report.
 */
export async function studioRoute(req: IncomingMessage, res: ServerResponse, url: URL, host: ServiceHost): Promise<boolean> {
  const path = url.pathname;
  if (path !== '/studio' && !path.startsWith('/studio/')) return false;
  const method = req.method ?? 'GET';
  const expect = (wanted: string) => {
    if (method !== wanted) throw new ApiError('METHOD', `${path} takes ${wanted}`);
  };
  if (path === '/studio' || path === '/studio/') {
    expect('GET');
    send(res, 200, 'text/html; charset=utf-8', await studioPage());
    return true;
  }
  if (path === '/studio/platform') {
    expect('GET');
    sendJson(res, platformDescription());
    return true;
  }
  if (path === '/studio/inspect') {
    if (method === 'GET') {
      const id = Number(url.searchParams.get('program'));
      if (!Number.isSafeInteger(id) || id <= 0) throw new ApiError('BAD_REQUEST', 'GET /studio/inspect needs program=ID');
      sendJson(res, await inspectLoaded(host, id));
      return true;
    }
    expect('POST');
    const name = safeName(url.searchParams.get('name'));
    sendJson(res, inspectObject(openUploaded(await readBytes(req, MAX_OBJECT_BYTES), name)));
    return true;
  }
  if (path === '/studio/load') {
    expect('POST');
    sendJson(res, await upload(req, url, host));
    return true;
  }
  const layout = /^\/studio\/maps\/(\d{1,9})\/layout$/.exec(path);
  if (layout) {
    expect('GET');
    const id = Number(layout[1]);
    if (!host.mapList().some((m) => m.id === id)) throw new ApiError('NOT_FOUND', `no map with id ${id}`);
    let finder = finders.get(host);
    if (!finder) finders.set(host, (finder = new MapLayoutFinder(host)));
    sendJson(res, finder.layouts(id));
    return true;
  }
  throw new ApiError('UNKNOWN_ROUTE', `no Studio route ${method} ${path}`);
}
