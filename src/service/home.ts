// The service's state directory ($EBPF_HOME, default ~/.ebpf-for-node): where its socket, its HTTP
// address and token, its pid, its log and its persisted pins live, and how files there are written
// (owner-only, atomically: a reader sees the old file or the new one, never half of one).

import { closeSync, fsyncSync, mkdirSync, openSync, promises as fsPromises, renameSync, statSync, chmodSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The files of a state directory. */
export interface ServicePaths {
  readonly home: string;
  readonly socket: string;
  /** `{"port": N, "token": "..."}` for browsers and the Studio. */
  readonly http: string;
  readonly pid: string;
  readonly log: string;
  readonly state: string;
  readonly history: string;
}

/** The state directory for an environment ($EBPF_HOME or ~/.ebpf-for-node). */
export function servicePaths(env: Readonly<Record<string, string | undefined>>): ServicePaths {
  const home = resolve(env.EBPF_HOME || join(homedir(), '.ebpf-for-node'));
  return {
    home,
    socket: join(home, 'service.sock'),
    http: join(home, 'http.json'),
    pid: join(home, 'service.pid'),
    log: join(home, 'service.log'),
    state: join(home, 'state'),
    history: join(home, 'history'),
  };
}

/** Creates the directory owner-only (0700), tightening it if it already existed with wider bits. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

let temporaries = 0;
/** A temporary name beside `path` no other write of this process uses (`<path>.tmp-<pid><n>`, digits only). */
const temporaryFor = (path: string) => `${path}.tmp-${process.pid}${String(temporaries++).padStart(6, '0')}`;

/** Writes a file owner-only and atomically: a temporary file, fsync, rename over the old one, fsync the directory. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = temporaryFor(path);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  try {
    const dirFd = openSync(resolve(path, '..'), 'r');
    fsyncSync(dirFd);
    closeSync(dirFd);
  } catch {
    // Some file systems refuse to fsync a directory; the rename is still atomic.
  }
}

/**
 * writeFileAtomic off the event loop (the fsync takes milliseconds): the same steps, with the rename only
 * when `commit()` still says yes once the data is on disk; otherwise the temporary file is removed and
 * false returned. Never leaves a half-written file under `path`.
 */
export async function writeFileAtomicAsync(path: string, data: string | Uint8Array, commit: () => boolean = () => true): Promise<boolean> {
  const tmp = temporaryFor(path);
  const file = await fsPromises.open(tmp, 'w', 0o600);
  try {
    await file.writeFile(typeof data === 'string' ? Buffer.from(data) : data);
    await file.sync();
  } finally {
    await file.close();
  }
  if (!commit()) {
    await fsPromises.rm(tmp, { force: true });
    return false;
  }
  renameSync(tmp, path);
  try {
    const dir = await fsPromises.open(resolve(path, '..'), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // Some file systems refuse to fsync a directory; the rename is still atomic.
  }
  return true;
}
