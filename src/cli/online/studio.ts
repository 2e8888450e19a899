// `ebpf studio [--open]`: the address of the running service's Studio page, with its token (the page
// refuses every request without it), and with --open the system's browser opened on it.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ServiceNotRunningError } from '../../client/index.ts';
import { socketAlive } from '../../service/daemon.ts';
import { servicePaths } from '../../service/home.ts';
import { UsageError } from '../args.ts';
import { CliError, type CliIo } from '../io.ts';
import type { ToolCommand } from '../main.ts';
import { printJson } from './connect.ts';

/** The Studio's address for the service of this environment. */
export async function studioUrl(env: Readonly<Record<string, string | undefined>>): Promise<string> {
  const paths = servicePaths(env);
  if (!(await socketAlive(paths.socket))) throw new ServiceNotRunningError(paths.socket);
  let door: { port?: unknown; token?: unknown };
  try {
    door = JSON.parse(readFileSync(paths.http, 'utf8'));
  } catch (error) {
    throw new CliError(`error: cannot read the service's HTTP address from ${paths.http}: ${(error as Error).message}`, 'NO_HTTP');
  }
  if (typeof door.port !== 'number' || typeof door.token !== 'string') throw new CliError(`error: ${paths.http} does not hold a port and a token`, 'NO_HTTP');
  return `http://127.0.0.1:${door.port}/studio?token=${encodeURIComponent(door.token)}`;
}

/** The command that opens a URL in the desktop's browser on this system. */
function opener(url: string): [string, string[]] {
  if (process.platform === 'darwin') return ['open', [url]];
  if (process.platform === 'win32') return ['cmd', ['/c', 'start', '', url]];
  return ['xdg-open', [url]];
}

function open(url: string): Promise<void> {
  const [command, args] = opener(url);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { detached: true, stdio: 'ignore' });
    child.once('error', (error) => reject(new CliError(`error: could not open a browser with ${command}: ${error.message}; open the address above yourself`, 'OPEN_FAILED')));
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}

/** `ebpf studio`. */
export const studioCommand: ToolCommand = {
  name: 'studio',
  usage: 'studio [--open]',
  summary: 'Prints the address of the Studio page (with its token); --open opens it in the browser.',
  async run(argv, io: CliIo) {
    if (argv.some((a) => a !== '--open')) throw new UsageError(`usage: ebpf ${this.usage}`);
    let url: string;
    try {
      url = await studioUrl(io.env);
    } catch (error) {
      if (error instanceof ServiceNotRunningError) throw new CliError(`error: ${error.message}`, error.code);
      throw error;
    }
    if (io.json) printJson(io, { url });
    else io.out(`eBPF Studio: ${url}\n`);
    if (argv.includes('--open')) await open(url);
    return 0;
  },
};
