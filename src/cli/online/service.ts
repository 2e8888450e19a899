// `ebpf service start [--foreground] [--testsigning] | stop | status`: the service runs detached (its
// output in $EBPF_HOME/service.log) or in the foreground until SIGINT/SIGTERM. Native modules load when
// signed by a key in $EBPF_HOME's trust store, or, with --testsigning, by any key (an intact signature).

import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { socketApi, type ServiceStatus } from '../../client/index.ts';
import { socketAlive, startService } from '../../service/daemon.ts';
import { ensurePrivateDir, servicePaths } from '../../service/home.ts';
import { readTrustedKeys } from '../../native/index.ts';
import { Runtime } from '../../runtime/runtime.ts';
import { createRuntimeBackend } from '../../service/runtime-backend.ts';
import { UsageError } from '../args.ts';
import { CliError, type CliIo } from '../io.ts';
import type { ToolCommand } from '../main.ts';
import { printJson } from './connect.ts';

const binPath = fileURLToPath(new URL('../../../bin/ebpf', import.meta.url));

async function status(io: CliIo): Promise<ServiceStatus | undefined> {
  const paths = servicePaths(io.env);
  if (!(await socketAlive(paths.socket))) return undefined;
  const api = socketApi(io.env, { clientName: 'ebpf' });
  try {
    return await api.call('status', {});
  } finally {
    await api.close();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function foreground(io: CliIo, testSigning: boolean): Promise<number> {
  const home = servicePaths(io.env).home;
  // The trust store is read at every load, so `ebpf trust add` applies without a restart.
  const signingPolicy = () => ({ trustedKeys: readTrustedKeys(home).map((k) => new Uint8Array(Buffer.from(k.publicKey, 'base64'))), testSigning });
  const service = await startService(io.env, await createRuntimeBackend(new Runtime({ signingPolicy })));
  for (const line of service.restoreReport) io.err(`ebpf service: not restored: ${line}\n`);
  io.out(`eBPF service running (pid ${process.pid}, socket ${service.paths.socket}, http://127.0.0.1:${service.httpPort}/${testSigning ? ', test signing: any signed native module loads' : ''})\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await service.stop();
  io.out('eBPF service stopped\n');
  return 0;
}

async function start(io: CliIo, testSigning: boolean): Promise<number> {
  const paths = servicePaths(io.env);
  const running = await status(io);
  if (running) {
    io.out(`eBPF service already running (pid ${running.pid})\n`);
    return 0;
  }
  ensurePrivateDir(paths.home);
  const log = openSync(paths.log, 'a', 0o600);
  const child = spawn(process.execPath, [binPath, 'service', 'start', '--foreground', ...(testSigning ? ['--testsigning'] : [])], { detached: true, stdio: ['ignore', log, log], env: { ...io.env }, cwd: io.cwd });
  closeSync(log);
  child.unref();
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const s = await status(io).catch(() => undefined);
    if (s) {
      io.out(`eBPF service started (pid ${s.pid}${testSigning ? ', test signing' : ''})\n`);
      return 0;
    }
    if (child.exitCode !== null) break;
    await sleep(100);
  }
  throw new CliError(`error: the service did not start; see ${paths.log}`, 'START_FAILED');
}

async function stop(io: CliIo): Promise<number> {
  const s = await status(io);
  if (!s) {
    io.out('eBPF service is not running\n');
    return 0;
  }
  process.kill(s.pid, 'SIGTERM');
  const paths = servicePaths(io.env);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (!(await socketAlive(paths.socket))) {
      io.out('eBPF service stopped\n');
      return 0;
    }
    await sleep(50);
  }
  throw new CliError(`error: the service (pid ${s.pid}) did not stop`, 'STOP_FAILED');
}

/** `ebpf service ...`. */
export const serviceCommand: ToolCommand = {
  name: 'service',
  usage: 'service start [--foreground] [--testsigning]|stop|status',
  summary: 'Starts, stops or describes the service that holds programs, maps, links and pins.',
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === 'start' && rest.every((a) => a === '--foreground' || a === '--testsigning') && new Set(rest).size === rest.length) {
      const testSigning = rest.includes('--testsigning');
      return rest.includes('--foreground') ? foreground(io, testSigning) : start(io, testSigning);
    }
    if (sub === 'stop' && rest.length === 0) return stop(io);
    if (sub === 'status' && rest.length === 0) {
      const s = await status(io);
      if (!s) {
        io.out('eBPF service is not running (start it with: ebpf service start)\n');
        return 3;
      }
      if (io.json) printJson(io, s);
      else io.out(`eBPF service running (pid ${s.pid}, since ${s.startedAt})\n  home      ${s.home}\n  socket    ${s.socketPath}\n  http      http://127.0.0.1:${s.httpPort}/\n  programs  ${s.programs}\n  maps      ${s.maps}\n  links     ${s.links}\n  pins      ${s.pins}\n`);
      return 0;
    }
    throw new UsageError(`usage: ebpf ${this.usage}`);
  },
};
