// Starting a service on a temporary $EBPF_HOME for a test, and raw HTTP requests to its doors.

import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RuntimeBackend } from '../../../src/service/backend.ts';
import { startService, type RunningService } from '../../../src/service/daemon.ts';

/** A fresh state directory (removed by `removeHome`). */
export function tempHome(): string {
  return join(mkdtempSync(join(tmpdir(), 'ebpf-svc-')), 'home');
}

/** Removes a state directory made by tempHome. */
export function removeHome(home: string): void {
  rmSync(join(home, '..'), { recursive: true, force: true });
}

/** Starts a service in this process on `home`. */
export function startTestService(home: string, backend: RuntimeBackend): Promise<RunningService> {
  return startService({ EBPF_HOME: home }, backend);
}

/** A raw HTTP exchange: the status, the headers and the body text. */
export interface RawReply {
  status: number;
  body: string;
  json: { ok: boolean; result?: unknown; error?: { code: string; message: string } };
}

/** Sends one request to a door (`socketPath` or `port`), with exactly the headers given. */
export function rawRequest(target: { socketPath: string } | { port: number }, options: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request({ ...('port' in target ? { host: '127.0.0.1', port: target.port } : target), method: options.method ?? 'POST', path: options.path ?? '/v1/call', headers: options.headers ?? {}, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: RawReply['json'] = { ok: false };
        try {
          json = JSON.parse(body);
        } catch {
          // not JSON: left as ok: false
        }
        resolve({ status: res.statusCode ?? 0, body, json });
      });
    });
    // A refused upload may see its socket closed mid-write; the reply already says why.
    req.on('error', (error: NodeJS.ErrnoException) => setTimeout(() => reject(error), error.code === 'EPIPE' || error.code === 'ECONNRESET' ? 1000 : 0));
    req.end(options.body);
  });
}
