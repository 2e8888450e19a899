// One running service: makes the state directory, restores the pins, opens the Unix socket (0600) and
// the loopback HTTP door (random port and token, written to http.json), and closes all of it again,
// saving the pins, on stop or SIGTERM. A second service on the same directory is refused.

import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import { ApiError } from '../client/api.ts';
import type { RuntimeBackend } from './backend.ts';
import { ensurePrivateDir, servicePaths, writeFileAtomic, type ServicePaths } from './home.ts';
import { ServiceHost } from './host.ts';
import { PinStore, type RestoreReport } from './persist.ts';
import { createSocketDoor } from './line-door.ts';
import { createDoor } from './server.ts';

/** A service running in this process. */
export interface RunningService {
  readonly paths: ServicePaths;
  readonly host: ServiceHost;
  readonly httpPort: number;
  readonly token: string;
  /** What the restore of the pins could not bring back. */
  readonly restoreReport: RestoreReport;
  stop(): Promise<void>;
}

/** Whether something answers on the socket path. */
export function socketAlive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    if (!existsSync(path)) return resolve(false);
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function listen(server: Server | NetServer, target: string | { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    if (typeof target === 'string') server.listen(target, () => resolve());
    else server.listen(target.port, target.host, () => resolve());
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Closes a socket server and every connection it still has. */
function closeNet(server: NetServer, connections: Set<Socket>): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    for (const socket of connections) socket.destroy();
  });
}

/** Starts a service on the state directory of `env` with this runtime. */
export async function startService(env: Readonly<Record<string, string | undefined>>, runtime: RuntimeBackend): Promise<RunningService> {
  const paths = servicePaths(env);
  ensurePrivateDir(paths.home);
  if (await socketAlive(paths.socket)) throw new ApiError('ALREADY_RUNNING', `a service already runs on ${paths.socket}`);
  rmSync(paths.socket, { force: true });
  const token = randomBytes(24).toString('base64url');
  const startedAt = new Date().toISOString();
  let httpPort = 0;
  const host = new ServiceHost(runtime, () => ({ pid: process.pid, home: paths.home, socketPath: paths.socket, httpPort, startedAt }));
  const store = new PinStore(host, runtime, paths.state);
  const restoreReport = await store.restore();
  store.start();
  const socketHttp = createDoor(host, { kind: 'socket' });
  const socketDoor = createSocketDoor(host, socketHttp);
  const httpDoor = createDoor(host, { kind: 'http', token, port: () => httpPort });
  // The socket must never exist with wider bits than 0600, not even for a moment: bind (synchronous
  // inside listen) happens under a umask of 0177, restored at once; the chmod is a second lock.
  const umask = process.umask(0o177);
  let listening: Promise<void>;
  try {
    listening = listen(socketDoor, paths.socket);
  } finally {
    process.umask(umask);
  }
  await listening;
  chmodSync(paths.socket, 0o600);
  const connections = new Set<Socket>();
  socketDoor.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  await listen(httpDoor, { host: '127.0.0.1', port: 0 });
  httpPort = (httpDoor.address() as AddressInfo).port;
  writeFileAtomic(paths.http, JSON.stringify({ port: httpPort, token, pid: process.pid }));
  writeFileAtomic(paths.pid, `${process.pid}\n`);
  let stopped: Promise<void> | undefined;
  return {
    paths, host, httpPort, token, restoreReport,
    stop() {
      stopped ??= (async () => {
        store.stop();
        host.close();
        await Promise.all([closeNet(socketDoor, connections), close(socketHttp), close(httpDoor)]);
        for (const file of [paths.socket, paths.http]) rmSync(file, { force: true });
        if (existsSync(paths.pid) && readFileSync(paths.pid, 'utf8').trim() === String(process.pid)) rmSync(paths.pid, { force: true });
      })();
      return stopped;
    },
  };
}
