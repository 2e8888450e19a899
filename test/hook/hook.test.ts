import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { compileTestProgram } from '../support/compile.ts';
import { repoRoot } from '../support/paths.ts';
import { removeHome, tempHome } from '../service/support/service.ts';
import { underHook as runUnderHook } from './support.ts';

// Real Node applications under the hook (`node --import <repo>/src/hook/register.mjs app.js`), against
// a real service on a temporary $EBPF_HOME, with programs loaded through the CLI as a user loads them.
const run = promisify(execFile);
const apps = mkdtempSync(join(tmpdir(), 'ebpf-hook-apps-'));

function cli(home: string) {
  return async (line: string): Promise<{ code: number; out: string; err: string }> => {
    try {
      const { stdout, stderr } = await run(process.execPath, [join(repoRoot, 'bin', 'ebpf'), ...line.split(' ')], { env: { ...process.env, EBPF_HOME: home } });
      return { code: 0, out: stdout, err: stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, out: e.stdout, err: e.stderr };
    }
  };
}

/** Writes `source` as apps/NAME and runs it under the hook; resolves with its exit code and output. */
const underHook = (name: string, source: string, env: Record<string, string>) => runUnderHook(apps, name, source, env);

const LISTEN_TWICE = `
import net from 'node:net';
const listen = () => new Promise((resolve) => {
  const s = net.createServer();
  s.on('error', (e) => { console.log('error ' + e.code + ' ' + e.message); resolve(); });
  s.listen(0, '127.0.0.1', () => { console.log('listening ' + s.address().port); s.close(resolve); });
});
await listen();
await listen();
`;

describe('the Node hook without a service', () => {
  const env = { EBPF_HOME: join(apps, 'no-service') };
  test('fail=open (the default): listen proceeds, and the application is told once on stderr', async () => {
    const r = await underHook('open.mjs', LISTEN_TWICE, env);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.match(/^listening \d+$/gm)?.length, 2);
    assert.equal(r.err.match(/ebpf hook: /g)?.length, 1, r.err);
    assert.match(r.err, /not reachable on .*service\.sock.*failing open/);
  });
  test('fail=closed: listen fails with EACCES and a message saying why', async () => {
    const r = await underHook('closed.mjs', LISTEN_TWICE, { ...env, EBPF_HOOK_FAIL: 'closed' });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.match(/^error EACCES listen EACCES 127\.0\.0\.1:0: the eBPF service is unavailable .* and EBPF_HOOK_FAIL=closed$/gm)?.length, 2, r.out);
  });
  test('fail=closed: a spawn is refused with a clear error, and the application keeps running', async () => {
    const r = await underHook('spawn-closed.mjs', `
import { spawn, execFileSync } from 'node:child_process';
const child = spawn(process.execPath, ['-e', '0']);
child.on('error', (e) => console.log('async ' + e.code + ' ' + e.message));
try { execFileSync(process.execPath, ['-e', '0']); } catch (e) { console.log('sync ' + e.code); }
`, { ...env, EBPF_HOOK_FAIL: 'closed' });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^async EACCES spawn .*node EACCES: the eBPF service is unavailable/m);
    assert.match(r.out, /^sync EACCES$/m);
  });
});

describe('the Node hook with the service', () => {
  const home = tempHome();
  const ebpf = cli(home);
  const env = { EBPF_HOME: home };
  const objects = new Map<string, string>();

  before(async () => {
    for (const [name, path] of [
      ['TraceConnections', join(repoRoot, 'examples', 'TraceConnections.c')],
      ['BlockApp', join(repoRoot, 'examples', 'BlockApp.c')],
      ['RedirectConnect', join(repoRoot, 'examples', 'RedirectConnect.c')],
      ['DenySpawn', join(repoRoot, 'examples', 'DenySpawn.c')],
      ['RelayFilter', join(repoRoot, 'test', 'hook', 'programs', 'xdp_relay.c')],
      ['AcceptFilter', join(repoRoot, 'test', 'hook', 'programs', 'accept_filter.c')],
    ] as const) objects.set(name, await compileTestProgram(path));
    const started = await ebpf('service start');
    assert.equal(started.code, 0, started.err);
  });
  after(async () => {
    await ebpf('service stop');
    const pidFile = join(home, 'service.pid');
    if (existsSync(pidFile)) {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
      } catch {
        // gone
      }
    }
    removeHome(home);
  });

  async function load(name: string): Promise<number> {
    const r = await ebpf(`add program ${objects.get(name)}`);
    assert.equal(r.code, 0, r.err + r.out);
    const id = /Loaded with ID (\d+)/.exec(r.out);
    assert.ok(id, r.out);
    return Number(id[1]);
  }

  test('the canonical example counts the binds of real Node processes, per process and by name', async () => {
    const id = await load('TraceConnections');
    const runs = await Promise.all([1, 2, 3].map((n) => underHook(`server${n}.mjs`, LISTEN_TWICE, env)));
    for (const r of runs) {
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out.match(/^listening \d+$/gm)?.length, 2, r.out + r.err);
    }
    const dump = await ebpf('map dump name proc_map --json');
    assert.equal(dump.code, 0, dump.err);
    const entries = JSON.parse(dump.out) as { key: unknown; value: { id: number; name: string; count: number } }[];
    for (const [n, r] of runs.entries()) {
      const entry = entries.find((e) => Number(e.key) === r.pid);
      assert.ok(entry, `no proc_map entry for pid ${r.pid}: ${dump.out}`);
      assert.equal(entry.value.count, 2);
      assert.equal(entry.value.name, `server${n + 1}.mjs`);
    }
    assert.equal((await ebpf(`delete program ${id}`)).code, 0);
  });

  test('a deny program makes listen fail with EACCES in the application it names, and only there', async () => {
    const id = await load('BlockApp');
    const blocked = await underHook('blocked.js', LISTEN_TWICE.replace(/^import net from 'node:net';$/m, "const net = require('node:net');").replace(/await listen\(\);\nawait listen\(\);/, 'listen().then(listen);'), env);
    assert.equal(blocked.code, 0, blocked.err);
    assert.equal(blocked.out.match(/^error EACCES listen EACCES 127\.0\.0\.1:0: bind denied by BlockApp \(id \d+\)$/gm)?.length, 2, blocked.out + blocked.err);
    const other = await underHook('allowed.mjs', LISTEN_TWICE, env);
    assert.equal(other.out.match(/^listening \d+$/gm)?.length, 2, other.out + other.err);
    const count = await ebpf('map dump name denied_count --json');
    assert.equal(JSON.parse(count.out)[0].value, 2);
    assert.equal((await ebpf(`delete program ${id}`)).code, 0);
  });

  test('a connect4 program redirects a real HTTP request to another local server', async () => {
    const server = createServer((_req, res) => res.end('answered by 8081'));
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(8081, '127.0.0.1', resolve));
    try {
      const id = await load('RedirectConnect');
      const r = await underHook('client.mjs', `
import http from 'node:http';
http.get('http://127.0.0.1:8080/', (res) => { let b = ''; res.on('data', (d) => b += d); res.on('end', () => console.log('body: ' + b)); })
  .on('error', (e) => console.log('error ' + e.code));
`, env);
      assert.match(r.out, /^body: answered by 8081$/m, r.out + r.err);
      const redirects = await ebpf('map dump name redirects --json');
      assert.equal(JSON.parse(redirects.out)[0].value, 1);
      assert.equal((await ebpf(`delete program ${id}`)).code, 0);
    } finally {
      server.close();
    }
  });

  test('a process program refuses a spawn with a clear error; other spawns run', async () => {
    const id = await load('DenySpawn');
    const r = await underHook('spawner.mjs', `
import { spawn, spawnSync } from 'node:child_process';
const refused = spawn('curl', ['--version']);
refused.on('error', (e) => console.log('curl: ' + e.code + ' ' + e.message));
const ok = spawnSync(process.execPath, ['-e', 'console.log(40 + 2)'], { encoding: 'utf8' });
console.log('node: ' + ok.stdout.trim());
const sync = spawnSync('curl', ['--version']);
console.log('curl sync: ' + (sync.error && sync.error.code));
`, env);
    assert.match(r.out, /^curl: EACCES spawn curl EACCES: process creation refused by DenySpawn \(id \d+\) \(status 0x1\)$/m, r.out + r.err);
    assert.match(r.out, /^node: 42$/m);
    assert.match(r.out, /^curl sync: EACCES$/m);
    assert.equal((await ebpf(`delete program ${id}`)).code, 0);
  });

  test('recv_accept4 rejects a connection before the application sees it; sockops sees connections established and deleted', async () => {
    const loaded = await ebpf(`add program ${objects.get('AcceptFilter')} pinned=none`);
    assert.equal(loaded.code, 0, loaded.err + loaded.out);
    const programs = JSON.parse((await ebpf('show programs --json')).out) as { id: number; name: string }[];
    const ids = programs.filter((p) => p.name === 'RejectFromDotTwo' || p.name === 'CountOps').map((p) => p.id);
    assert.equal(ids.length, 2, JSON.stringify(programs));
    const links = JSON.parse((await ebpf('show links --json')).out) as { programId: number; attachType: string }[];
    for (const [name, attachType] of [['RejectFromDotTwo', 'cgroup/recv_accept4'], ['CountOps', 'sockops']] as const) {
      const id = programs.find((p) => p.name === name)!.id;
      if (!links.some((l) => l.programId === id)) assert.equal((await ebpf(`set program ${id} attached=${attachType}`)).code, 0);
    }
    const r = await underHook('acceptor.mjs', `
import net from 'node:net';
let accepted = 0;
const server = net.createServer((s) => { accepted++; s.end('hi'); });
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const { port } = server.address();
const talk = (localAddress) => new Promise((resolve) => {
  let got = '';
  const c = net.connect({ port, host: '127.0.0.1', localAddress });
  c.on('data', (d) => got += d);
  c.on('error', (e) => got += '<' + e.code + '>');
  c.on('close', () => resolve(got || '<closed>'));
});
console.log('from .1: ' + await talk('127.0.0.1'));
console.log('from .2: ' + await talk('127.0.0.2'));
console.log('accepted: ' + accepted);
server.close();
await new Promise((r) => setTimeout(r, 300)); // let the last notifications reach the service
`, env);
    assert.match(r.out, /^from \.1: hi$/m, r.out + r.err);
    assert.match(r.out, /^from \.2: (<closed>|<ECONNRESET>)$/m, r.out + r.err);
    assert.match(r.out, /^accepted: 1$/m);
    const ops = (JSON.parse((await ebpf('map dump name ops --json')).out) as { key: number; value: number }[]).map((e) => Number(e.value));
    // Both client sockets were established (active); only the accepted one on the server side (passive);
    // deleted: the two client sockets and the accepted one.
    assert.deepEqual(ops, [2, 1, 3]);
    for (const id of ids) assert.equal((await ebpf(`delete program ${id}`)).code, 0);
  });

  test('the XDP relay: PASS forwards and relays answers, DROP drops, TX echoes to the sender', async () => {
    const id = await load('RelayFilter');
    const upstream = createSocket('udp4');
    upstream.on('message', (m, from) => upstream.send(Buffer.concat([Buffer.from('up:'), m]), from.port, from.address));
    await new Promise<void>((resolve) => upstream.bind(0, '127.0.0.1', resolve));
    const probe = createSocket('udp4');
    await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
    const relayPort = (probe.address() as AddressInfo).port;
    probe.close();
    const relay = spawn(process.execPath, [join(repoRoot, 'bin', 'ebpf'), 'xdp', 'relay', `listen=127.0.0.1:${relayPort}`, `forward=127.0.0.1:${(upstream.address() as AddressInfo).port}`, 'count=3'], { env: { ...process.env, EBPF_HOME: home } });
    const exited = new Promise((resolve) => relay.once('exit', resolve));
    let relayOut = '';
    relay.stdout.on('data', (d: Buffer) => (relayOut += d.toString()));
    relay.stderr.on('data', (d: Buffer) => (relayOut += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const check = setInterval(() => relayOut.includes('Relaying') && (clearInterval(check), resolve()), 20);
      void exited.then(() => (clearInterval(check), reject(new Error(`relay exited: ${relayOut}`))));
    });
    const exchange = async (sourcePort: number, text: string): Promise<string | undefined> => {
      const s = createSocket('udp4');
      await new Promise<void>((resolve) => s.bind(sourcePort, '127.0.0.1', resolve));
      const answer = new Promise<string | undefined>((resolve) => {
        s.once('message', (m) => resolve(m.toString()));
        setTimeout(() => resolve(undefined), 1500);
      });
      s.send(text, relayPort, '127.0.0.1');
      const got = await answer;
      s.close();
      return got;
    };
    assert.equal(await exchange(0, 'hello'), 'up:hello');
    assert.equal(await exchange(0, 'Echo me'), 'Echo me');
    assert.equal(await exchange(9999, 'dropped'), undefined);
    await exited;
    assert.match(relayOut, /3 received, 1 passed, 1 dropped, 1 sent back, 0 errors/);
    const verdicts = JSON.parse((await ebpf('map dump name verdicts --json')).out) as { key: number; value: number }[];
    assert.deepEqual(verdicts.map((v) => Number(v.value)), [0, 1, 1, 1]);
    upstream.close();
    assert.equal((await ebpf(`delete program ${id}`)).code, 0);
  });
});
