// The Studio's routes inside the service's HTTP door (which has already checked the token, Host and
// Origin before anything here runs):
//   GET  /studio                      the page
//   GET  /studio/platform             program types with their context fields, map and attach types
//   POST /studio/inspect?name=F       inspect an object file sent as the body (nothing is loaded)
//   GET  /studio/inspect?program=ID   inspect the object a loaded program came from
//   POST /studio/load?name=F&...      store an uploaded object under $EBPF_HOME/uploads and load it
//   GET  /studio/maps/ID/layout       BTF layouts of a live map's key and value
//   GET  /studio/maps/ID/entries?since=V   a map's entries, or only what changed since version V (entries.ts)
//   GET  /studio/maps/ID/records?after=N   a ring buffer's or perf event array's records after N (streams.ts)
// Everything else (lists, map entries, attach, pin, test runs, events) is the service's own API.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ApiError } from '../client/api.ts';
import { windowsPlatform } from '../platform/index.ts';
import type { ServiceHost } from '../service/host.ts';
import { studioPage } from './bundle.ts';
import { MapSnapshots } from './entries.ts';
import { inspectObject } from './inspect.ts';
import { MapLayoutFinder } from './map-layouts.ts';
import { isNativeModule, openObjectOrModule } from './open.ts';
import { RecordStreams } from './streams.ts';

/** Largest object file the page may send. */
export const MAX_OBJECT_BYTES = 64 << 20;
/** Most entries one listing returns (as maps.entries). */
const MAX_ENTRIES = 1_000_000;

/** What the Studio keeps per service: the maps' layouts, the snapshots of followed maps, the record streams. */
interface StudioState {
  readonly finder: MapLayoutFinder;
  readonly snapshots: MapSnapshots;
  readonly streams: RecordStreams;
}
const states = new WeakMap<ServiceHost, StudioState>();

function stateOf(host: ServiceHost): StudioState {
  let state = states.get(host);
  if (!state) {
    const finder = new MapLayoutFinder(host);
    const snapshots = new MapSnapshots(host, (mapId) => {
      // The page decodes through the layouts it has; the service decodes what they do not describe.
      const layouts = finder.layouts(mapId);
      return { key: !layouts.key, value: !layouts.value };
    });
    states.set(host, (state = { finder, snapshots, streams: new RecordStreams(host) }));
  }
  return state;
}

/** A query parameter that must be a non-negative integer when present. */
function queryUint(url: URL, name: string, max: number): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n > max) throw new ApiError('BAD_REQUEST', `'${name}' must be an integer from 0 to ${max}, not '${raw}'`);
  return n;
}

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
    return openObjectOrModule(bytes, name);
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
  let name = safeName(url.searchParams.get('name'));
  const bytes = await readBytes(req, MAX_OBJECT_BYTES);
  // The service loads a file as a native module by its `.wasm` name.
  if (isNativeModule(bytes, name) && !name.endsWith('.wasm')) name = `${name}.wasm`;
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
  const mapRoute = /^\/studio\/maps\/(\d{1,9})\/(layout|entries|records)$/.exec(path);
  if (mapRoute) {
    expect('GET');
    const id = Number(mapRoute[1]);
    const map = host.mapList().find((m) => m.id === id);
    if (!map) throw new ApiError('NOT_FOUND', `no map with id ${id}`);
    const state = stateOf(host);
    if (mapRoute[2] === 'layout') sendJson(res, state.finder.layouts(id));
    else if (mapRoute[2] === 'records') sendJson(res, state.streams.read(id, queryUint(url, 'after', Number.MAX_SAFE_INTEGER) ?? 0));
    else {
      const limit = queryUint(url, 'limit', MAX_ENTRIES) ?? Math.min(MAX_ENTRIES, Math.max(1, map.maxEntries));
      sendJson(res, state.snapshots.read(id, queryUint(url, 'since', Number.MAX_SAFE_INTEGER), limit));
    }
    return true;
  }
  throw new ApiError('UNKNOWN_ROUTE', `no Studio route ${method} ${path}`);
}
