// What the Node hook adds to a bind and to a connect, and what the XDP relay carries: real child Node
// processes do N listens (port 0, then close) and N connects to a local server, timing each call, once
// without the hook (the reference), under it with no program attached, and under it with programs attached
// in a real service (TraceConnections on bind, a connect4 program that lets the connection proceed), asking
// through the worker thread only (EBPF_HOOK_LANE=off) and over the FIFO lane (the default), two runs of
// each, alternating; the relay's datagrams per second with no program and with an XDP program that parses
// every frame.

import { execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { compileTestProgram } from '../test/support/compile.ts';
import { repoRoot } from '../test/support/paths.ts';

const run = promisify(execFile);
const ebpfBin = join(repoRoot, 'bin', 'ebpf');
const hook = join(repoRoot, 'src', 'hook', 'register.mjs');

const TIMER = `
import net from 'node:net';
const n = Number(process.argv[2]);
const bind = [], connect = [];
const server = net.createServer((s) => s.destroy());
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const port = server.address().port;
for (let i = 0; i < n; i++) {
  const s = net.createServer();
  const t = performance.now();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  bind.push((performance.now() - t) * 1000);
  await new Promise((r) => s.close(r));
  const c = performance.now();
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((r, j) => socket.once('connect', r).once('error', j));
  connect.push((performance.now() - c) * 1000);
  socket.destroy();
}
server.close();
console.log(JSON.stringify({ bind, connect }));
`;

const pct = (values: number[], p: number) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

async function timeApp(dir: string, env: Record<string, string>, withHook: boolean, n: number): Promise<{ bind: number[]; connect: number[] }> {
  const file = join(dir, 'timer.mjs');
  writeFileSync(file, TIMER);
  const args = withHook ? ['--import', hook, file, String(n)] : [file, String(n)];
  const { stdout } = await run(process.execPath, args, { env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as { bind: number[]; connect: number[] };
}

async function relayRate(home: string, seconds: number): Promise<number> {
  const upstream = createSocket('udp4');
  upstream.on('message', () => {});
  await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', r));
  const probe = createSocket('udp4');
  await new Promise<void>((r) => probe.bind(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  probe.close();
  const relay = spawn(process.execPath, [ebpfBin, 'xdp', 'relay', `listen=127.0.0.1:${port}`, `forward=127.0.0.1:${(upstream.address() as AddressInfo).port}`], { env: { ...process.env, EBPF_HOME: home } });
  let out = '';
  relay.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve) => {
    const check = setInterval(() => out.includes('Relaying') && (clearInterval(check), resolve()), 20);
  });
  const sender = createSocket('udp4');
  const payload = Buffer.alloc(64, 0x61);
  const end = Date.now() + seconds * 1000;
  // Paced in bursts so that the loopback socket buffers never overflow: the figure is what the relay handles.
  while (Date.now() < end) {
    for (let i = 0; i < 64; i++) sender.send(payload, port, '127.0.0.1');
    await new Promise((r) => setImmediate(r));
  }
  sender.close();
  await new Promise((r) => setTimeout(r, 500));
  relay.kill('SIGINT');
  await new Promise((r) => relay.once('exit', r));
  upstream.close();
  const m = /(\d+) received, (\d+) passed, (\d+) dropped, (\d+) sent back/.exec(out);
  if (!m) throw new Error(`relay printed no counts: ${out}`);
  return (Number(m[2]) + Number(m[3]) + Number(m[4])) / seconds;
}

/** Prints the hook's added latency and the relay's rate. */
export async function benchHooks(options: { n?: number; relaySeconds?: number } = {}): Promise<void> {
  const n = options.n ?? 500;
  const home = mkdtempSync(join(tmpdir(), 'ebpf-bench-hooks-'));
  const ebpf = (line: string) => run(process.execPath, [ebpfBin, ...line.split(' ')], { env: { ...process.env, EBPF_HOME: home } });
  try {
    await ebpf('service start');
    console.log(`\nNode hook: ${n} listens and ${n} connects per run, in a child Node process (microseconds per call)`);
    const plain = await timeApp(home, { EBPF_HOME: home }, false, n);
    const idle = await timeApp(home, { EBPF_HOME: home }, true, n);
    await ebpf(`add program ${await compileTestProgram(join(repoRoot, 'examples', 'TraceConnections.c'))}`);
    await ebpf(`add program ${await compileTestProgram(join(repoRoot, 'examples', 'RedirectConnect.c'))}`);
    // With programs, through the worker thread only (EBPF_HOOK_LANE=off) and over the lane, alternating
    // so that both see the same load; each row is both of its runs' samples.
    const worker = { bind: [] as number[], connect: [] as number[] };
    const attached = { bind: [] as number[], connect: [] as number[] };
    for (let round = 0; round < 2; round++) {
      for (const [into, lane] of [[worker, 'off'], [attached, 'on']] as const) {
        const r = await timeApp(home, { EBPF_HOME: home, EBPF_HOOK_LANE: lane }, true, n);
        into.bind.push(...r.bind);
        into.connect.push(...r.connect);
      }
    }
    const row = (label: string, r: { bind: number[]; connect: number[] }) =>
      console.log(`  ${label.padEnd(52)} bind p50 ${pct(r.bind, 50).toFixed(0).padStart(6)}  p90 ${pct(r.bind, 90).toFixed(0).padStart(6)}  p99 ${pct(r.bind, 99).toFixed(0).padStart(6)}   connect p50 ${pct(r.connect, 50).toFixed(0).padStart(6)}  p90 ${pct(r.connect, 90).toFixed(0).padStart(6)}  p99 ${pct(r.connect, 99).toFixed(0).padStart(6)}`);
    row('without the hook (reference)', plain);
    row('hook, no program attached', idle);
    row('hook, TraceConnections + connect4, worker only', worker);
    row('hook, TraceConnections + connect4, lane (default)', attached);
    console.log(`  added by the hook with programs: bind p50 +${(pct(attached.bind, 50) - pct(plain.bind, 50)).toFixed(0)} us, connect p50 +${(pct(attached.connect, 50) - pct(plain.connect, 50)).toFixed(0)} us`);

    const seconds = options.relaySeconds ?? 3;
    console.log(`\nXDP relay: UDP datagrams of 64 bytes for ${seconds} s`);
    const without = await relayRate(home, seconds);
    await ebpf(`add program ${await compileTestProgram(join(repoRoot, 'examples', 'DropUdpPort.c'))}`);
    const withProgram = await relayRate(home, seconds);
    console.log(`  no XDP program:        ${without.toFixed(0).padStart(8)} datagrams/s`);
    console.log(`  DropUdpPort attached:  ${withProgram.toFixed(0).padStart(8)} datagrams/s`);
  } finally {
    await ebpf('service stop').catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchHooks();
