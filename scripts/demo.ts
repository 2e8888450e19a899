// `npm run demo`: the canonical example end to end, through the same commands a user types. TraceConnections
// is compiled with clang against our headers and verified, loaded into the service (started if none runs)
// and attached to the bind hook; small Node servers started under the Node hook bind real ports; netsh's
// `show programs` and `show maps` list what is live, and proc_map shows each server's binds decoded
// through BTF. Then BlockApp denies the binds of one application by name, and its `listen` fails. The
// service keeps running afterwards, with everything loaded, for the user to explore.

import { execFile, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../test/support/paths.ts';

const run = promisify(execFile);
const ebpfBin = join(repoRoot, 'bin', 'ebpf');
const hook = join(repoRoot, 'src', 'hook', 'register.mjs');
const work = join(repoRoot, '.tmp', 'demo');
mkdirSync(work, { recursive: true });
const [bold, dim, plain] = process.stdout.isTTY ? ['\x1b[1m', '\x1b[2m', '\x1b[0m'] : ['', '', ''];

function heading(text: string): void {
  process.stdout.write(`\n${bold}== ${text}${plain}\n`);
}

/** Runs `ebpf ARGS` as a user would, echoing the command and its output; exits the demo on failure unless allowed. */
async function ebpf(args: string[], options: { allowFailure?: boolean; quiet?: boolean } = {}): Promise<{ code: number; out: string }> {
  if (!options.quiet) process.stdout.write(`${bold}$ ebpf ${args.join(' ')}${plain}\n`);
  let code = 0;
  let out = '';
  let err = '';
  try {
    ({ stdout: out, stderr: err } = await run(process.execPath, [ebpfBin, ...args], { maxBuffer: 1 << 24 }));
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    code = typeof e.code === 'number' ? e.code : 1;
    out = e.stdout ?? '';
    err = e.stderr ?? String(error);
  }
  if (!options.quiet) process.stdout.write(out + err);
  if (code !== 0 && !options.allowFailure) {
    process.stderr.write(`demo: 'ebpf ${args.join(' ')}' failed (exit code ${code})\n`);
    process.exit(1);
  }
  return { code, out };
}

/** Starts `source` as apps/NAME under the Node hook; resolves with its pid and output once it exits. */
function app(name: string, source: string): Promise<{ pid: number; out: string }> {
  const file = join(work, name);
  writeFileSync(file, source);
  process.stdout.write(`${bold}$ node --import ebpf-for-node/hook ${name}${plain}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', hook, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', () => {
      if (out.trim()) process.stdout.write(`${out.trimEnd().replace(/^/gm, `${dim}  ${name}: ${plain}`)}\n`);
      resolve({ pid: child.pid!, out });
    });
  });
}

// A small server: an HTTP server and a UDP socket on real ports, then a clean shutdown.
const SERVER = `
import http from 'node:http';
import dgram from 'node:dgram';
const web = http.createServer((req, res) => res.end('hello'));
web.listen(0, '127.0.0.1', () => {
  const udp = dgram.createSocket('udp4');
  udp.bind(0, '127.0.0.1', () => {
    console.log('http on port ' + web.address().port + ', udp on port ' + udp.address().port);
    udp.close();
    web.close();
  });
});
web.on('error', (e) => console.log('listen failed: ' + e.code + ' ' + e.message));
`;

heading('1. Compile the canonical example with clang and our headers (verified before anything runs)');
const traceObject = join(work, 'TraceConnections.o');
const blockObject = join(work, 'BlockApp.o');
await ebpf(['build', join(repoRoot, 'examples', 'TraceConnections.c'), '-o', traceObject]);
await ebpf(['build', join(repoRoot, 'examples', 'BlockApp.c'), '-o', blockObject], { quiet: true });
await ebpf(['show', 'verification', traceObject]);

heading('2. Start the service and load the program: it is verified, JIT-compiled and attached to the bind hook');
const status = await ebpf(['service', 'status'], { allowFailure: true, quiet: true });
if (status.code === 0) process.stdout.write('The eBPF service is already running.\n');
else await ebpf(['service', 'start']);
// A previous run's programs are still there (or came back: pinned programs survive restarts): start afresh.
const listed = await ebpf(['show', 'programs', '--json'], { quiet: true });
for (const p of JSON.parse(listed.out || '[]') as { id: number; name: string }[]) {
  if (p.name === 'TraceConnections' || p.name === 'BlockApp') {
    process.stdout.write(`Unloading ${p.name} (id ${p.id}) from a previous run of the demo.\n`);
    await ebpf(['delete', 'program', String(p.id)], { quiet: true, allowFailure: true });
  }
}
await ebpf(['add', 'program', traceObject]);

heading('3. Real Node servers, run under the Node hook, bind real ports');
const servers: { pid: number; out: string }[] = [];
for (const name of ['api-server.mjs', 'web-server.mjs', 'metrics.mjs']) servers.push(await app(name, SERVER));

heading('4. What is live, as netsh ebpf shows it');
await ebpf(['show', 'programs']);
await ebpf(['show', 'maps']);

heading('5. proc_map, decoded through BTF: binds per process, with the application name');
await ebpf(['map', 'dump', 'name', 'proc_map']);

heading('6. BlockApp denies the binds of blocked.js: its listen fails with EACCES, other applications are unaffected');
await ebpf(['add', 'program', blockObject]);
await app('blocked.js', SERVER); // an ES module: the demo's directory is inside this package ("type": "module")
await app('metrics.mjs', SERVER);
await ebpf(['map', 'dump', 'name', 'denied_count']);

process.stdout.write(`\n${bold}The service is still running with both programs loaded.${plain} Explore it with \`bin/ebpf show programs\`, \`bin/ebpf map dump name proc_map\`,\n`);
process.stdout.write('or run your own app under the hook: `node --import ./src/hook/register.mjs app.js`. Stop it with: bin/ebpf service stop\n');
