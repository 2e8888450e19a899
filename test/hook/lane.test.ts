import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, openSync, readdirSync, writeFileSync, writeSync } from 'node:fs';
import { createConnection, createServer, Socket, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Runtime } from '../../src/runtime/runtime.ts';
import type { RunningService } from '../../src/service/daemon.ts';
import { createRuntimeBackend } from '../../src/service/runtime-backend.ts';
import { compileTestProgram } from '../support/compile.ts';
import { repoRoot } from '../support/paths.ts';
import { removeHome, startTestService, tempHome } from '../service/support/service.ts';
import { underHook } from './support.ts';

// The hook's lane: the FIFO pair over which a hooked application's thread asks the service directly
// (src/hook/channel.ts, the service's side in src/service/line-door.ts). Real applications under the
// hook against a real service, and against a stand-in service that stops answering or hangs up, to see
// the worker's watchdog answer for it; and the service's refusals of lanes it must not open.


// Listens once (through the worker: the lane is made after the first request), waits until the worker
// holds the lane's FIFOs (their paths unlinked once the service opened them), then listens `times` more.
const LISTEN_OVER_LANE = (times: number) => `
import net from 'node:net';
import { readdirSync, readlinkSync } from 'node:fs';
const listen = () => new Promise((resolve) => {
  const s = net.createServer();
  s.on('error', (e) => { console.log('error ' + e.code + ' ' + e.message); resolve(); });
  s.listen(0, '127.0.0.1', () => { console.log('listening'); s.close(resolve); });
});
const laneFds = () => readdirSync('/proc/self/fd').map((fd) => { try { return readlinkSync('/proc/self/fd/' + fd); } catch { return ''; } }).filter((l) => /hook-.*\\.rep \\(deleted\\)$/.test(l));
await listen();
for (let i = 0; i < 500 && laneFds().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
console.log('lane fds ' + laneFds().length);
for (let i = 0; i < ${times}; i++) await listen();
console.log('lane fds ' + laneFds().length);
`;

describe('the hook lane with the service', () => {
  const home = tempHome();
  let service: RunningService;
  let apps: string;

  before(async () => {
    service = await startTestService(home, await createRuntimeBackend(new Runtime()));
    apps = join(home, '..', 'apps');
    mkdirSync(apps);
    await service.host.call('programs.load', { path: await compileTestProgram(join(repoRoot, 'examples', 'TraceConnections.c')) });
  });
  after(async () => {
    await service.stop();
    removeHome(home);
  });

  test('requests and notifications go over the lane: every bind counted, the FIFOs unlinked', async () => {
    const r = await underHook(apps, 'lane.mjs', LISTEN_OVER_LANE(5), { EBPF_HOME: home, EBPF_HOOK_FAIL: 'closed' });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.match(/^listening$/gm)?.length, 6, r.out + r.err);
    // The worker's reply descriptor, and this thread's own reader, opened when it first used the lane.
    assert.equal(r.out.match(/^lane fds \d+$/gm)?.at(-1), 'lane fds 2', r.out);
    const entries = (await service.host.call('maps.entries', { id: service.host.runtime.maps().find((m) => m.name === 'proc_map')!.id })) as { decodedValue?: { count: number; name: string } }[];
    const mine = entries.filter((e) => e.decodedValue?.name === 'lane.mjs');
    assert.equal(mine.length, 1, JSON.stringify(entries));
    assert.equal(mine[0]!.decodedValue!.count, 6);
    assert.deepEqual(readdirSync(home).filter((f) => f.startsWith('hook-')), []);
  });

  test('EBPF_HOOK_LANE=off asks through the worker only; a value other than on or off is named and ignored', async () => {
    const off = await underHook(apps, 'lane-off.mjs', LISTEN_OVER_LANE(2).replace(/i < 500 &&/, 'i < 10 &&'), { EBPF_HOME: home, EBPF_HOOK_FAIL: 'closed', EBPF_HOOK_LANE: 'off' });
    assert.equal(off.code, 0, off.err);
    assert.equal(off.out.match(/^listening$/gm)?.length, 3, off.out + off.err);
    assert.deepEqual(off.out.match(/^lane fds \d+$/gm), ['lane fds 0', 'lane fds 0'], off.out);
    assert.equal(off.err, '');
    const odd = await underHook(apps, 'lane-odd.mjs', LISTEN_OVER_LANE(1), { EBPF_HOME: home, EBPF_HOOK_LANE: 'sometimes' });
    assert.equal(odd.code, 0, odd.err);
    assert.equal(odd.err, 'ebpf hook: EBPF_HOOK_LANE=sometimes is neither on nor off; using on\n');
    assert.equal(odd.out.match(/^lane fds \d+$/gm)?.at(-1), 'lane fds 2', odd.out);
  });

  /** A line connection to the service's socket; resolves each reply line by id. */
  function lineClient() {
    const socket = createConnection(service.paths.socket);
    socket.setEncoding('utf8');
    let buffer = '';
    const waiting = new Map<number, (reply: { ok: boolean; result?: unknown; error?: { code: string; message: string } }) => void>();
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n')) >= 0) {
        const reply = JSON.parse(buffer.slice(0, end));
        buffer = buffer.slice(end + 1);
        waiting.get(reply.id)?.(reply);
      }
    });
    let id = 0;
    return {
      call: (call: string, params: unknown) => new Promise<{ ok: boolean; result?: unknown; error?: { code: string; message: string } }>((resolve) => {
        waiting.set(++id, resolve);
        socket.write(`${JSON.stringify({ id, call, params })}\n`);
      }),
      close: () => socket.destroy(),
    };
  }

  function fifoPair(name: string): { request: string; reply: string } {
    const pair = { request: join(home, `${name}.req`), reply: join(home, `${name}.rep`) };
    execFileSync('mkfifo', ['-m', '600', pair.request, pair.reply]);
    return pair;
  }

  test('a lane speaks the line protocol: answers by id, notifications and bad lines unanswered', async () => {
    const client = lineClient();
    const pair = fifoPair('protocol');
    const flags = constants.O_RDWR | constants.O_NONBLOCK;
    const requestFd = openSync(pair.request, flags);
    const replies = new Socket({ fd: openSync(pair.reply, flags), readable: true, writable: false });
    try {
      const opened = await client.call('hooks.lane', pair);
      assert.equal(opened.ok, true, JSON.stringify(opened));
      const again = await client.call('hooks.lane', pair);
      assert.equal(again.error?.code, 'BAD_REQUEST');
      assert.match(again.error!.message, /already has a lane/);
      const lines: { id: unknown; ok: boolean; result?: unknown; error?: { code: string } }[] = [];
      let text = '';
      replies.setEncoding('utf8');
      replies.on('data', (chunk: string) => {
        text += chunk;
        let end: number;
        while ((end = text.indexOf('\n')) >= 0) {
          lines.push(JSON.parse(text.slice(0, end)));
          text = text.slice(end + 1);
        }
      });
      const bind = { kind: 'bind', operation: 'bind', protocol: 'tcp', local: { address: '127.0.0.1', port: 0 }, pid: 4242, appId: 'lane-protocol', listen: true };
      writeSync(requestFd, 'not json\n');
      writeSync(requestFd, `${JSON.stringify({ call: 'hooks.event', params: bind })}\n`); // a notification
      writeSync(requestFd, `${JSON.stringify({ id: 7, call: 'hooks.event', params: bind })}\n`);
      writeSync(requestFd, `${JSON.stringify({ id: 8, call: 'hooks.event', params: { kind: 'bind' } })}\n`);
      writeSync(requestFd, `${JSON.stringify({ id: 9, params: {} })}\n`);
      for (let i = 0; i < 500 && lines.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 100)); // nothing more arrives
      // Answered in completion order, each by its id.
      lines.sort((a, b) => Number(a.id) - Number(b.id));
      assert.deepEqual(lines.map((l) => l.id), [7, 8, 9]);
      assert.deepEqual(lines[0]!.result, { allow: true, programs: 1 });
      assert.equal(lines[1]!.error?.code, 'BAD_REQUEST');
      assert.equal(lines[2]!.error?.code, 'BAD_REQUEST');
      const entries = (await service.host.call('maps.entries', { id: service.host.runtime.maps().find((m) => m.name === 'proc_map')!.id })) as { key: string; decodedValue?: { count: number } }[];
      assert.equal(entries.find((e) => e.decodedValue && Buffer.from(e.key, 'hex').readUInt32LE(0) === 4242)?.decodedValue?.count, 2, 'the notification ran too');
    } finally {
      client.close();
      replies.destroy();
      closeSync(requestFd);
    }
  });

  test('the service opens only FIFOs in its own directory, and says why not', async () => {
    const client = lineClient();
    try {
      const outside = await client.call('hooks.lane', { request: '/tmp/x.req', reply: '/tmp/x.rep' });
      assert.equal(outside.error?.code, 'BAD_REQUEST');
      assert.match(outside.error!.message, /\/tmp\/x\.req is not in the service's directory/);
      writeFileSync(join(home, 'plain.req'), '');
      const plain = await client.call('hooks.lane', { request: join(home, 'plain.req'), reply: join(home, 'plain.rep') });
      assert.equal(plain.error?.code, 'BAD_REQUEST');
      assert.match(plain.error!.message, /plain\.req is not a FIFO/);
      const missing = await client.call('hooks.lane', { request: join(home, 'missing.req'), reply: join(home, 'missing.rep') });
      assert.equal(missing.error?.code, 'LANE_FAILED');
      assert.match(missing.error!.message, /cannot open .*missing\.req/);
      // No reader on the reply FIFO: refused rather than waited for.
      const pair = fifoPair('noreader');
      const noReader = await client.call('hooks.lane', pair);
      assert.equal(noReader.error?.code, 'LANE_FAILED');
      assert.match(noReader.error!.message, /noreader\.rep/);
      const typed = await client.call('hooks.lane', { request: 1 });
      assert.equal(typed.error?.code, 'BAD_REQUEST');
      // Still a working connection.
      assert.equal((await client.call('status', {})).ok, true);
    } finally {
      client.close();
    }
  });
});

describe('the hook lane when the service stops answering', () => {
  const home = tempHome();
  let server: Server;
  let apps: string;
  /** What the stand-in does when a request (a line with an id) arrives over a lane. */
  let onLaneRequest: (socket: Socket) => void = () => {};

  before(async () => {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    apps = join(home, '..', 'apps');
    mkdirSync(apps);
    // A stand-in service: says a bind program is attached, allows what is asked over the socket, opens
    // lanes as the service does, and hands what arrives over a lane to the test.
    server = createServer((socket) => {
      let buffer = '';
      socket.on('error', () => undefined);
      socket.once('data', (first: Buffer) => {
        if (first[0] !== 0x7b) return socket.destroy(); // the event stream: unknown, so the hook asks
        const onData = (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n')) >= 0) {
            const request = JSON.parse(buffer.slice(0, end)) as { id: number; call: string; params: { request: string; reply: string } };
            buffer = buffer.slice(end + 1);
            let result: unknown = {};
            if (request.call === 'links.list') result = [{ id: 1, programId: 1, attachType: 'bind' }];
            if (request.call === 'hooks.event') result = { allow: true, programs: 1 };
            if (request.call === 'hooks.lane') {
              const lane = new Socket({ fd: openSync(request.params.request, constants.O_RDWR | constants.O_NONBLOCK), readable: true, writable: false });
              const reply = openSync(request.params.reply, constants.O_WRONLY | constants.O_NONBLOCK);
              lane.setEncoding('utf8');
              lane.on('data', (text: string) => {
                if (text.split('\n').some((line) => line !== '' && (JSON.parse(line) as { id?: number }).id !== undefined)) onLaneRequest(socket);
              });
              socket.once('close', () => {
                lane.destroy();
                closeSync(reply);
              });
            }
            socket.write(`${JSON.stringify({ id: request.id, ok: true, result })}\n`);
          }
        };
        socket.setEncoding('utf8');
        onData(first.toString('utf8'));
        socket.on('data', onData);
      });
    });
    await new Promise<void>((resolve) => server.listen(join(home, 'service.sock'), resolve));
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    removeHome(home);
  });

  test('no answer over the lane: the worker answers TIMEOUT at the deadline, and the fail policy applies', async () => {
    onLaneRequest = () => {};
    const r = await underHook(apps, 'timeout.mjs', LISTEN_OVER_LANE(1), { EBPF_HOME: home, EBPF_HOOK_FAIL: 'closed', EBPF_HOOK_TIMEOUT_MS: '300' });
    assert.equal(r.code, 0, r.err);
    // The first listen asks through the worker, whose start may itself take longer than 300 ms on a loaded machine.
    assert.match(r.out, /^(listening|error EACCES [^\n]*did not answer within 300 ms[^\n]*)\nlane fds [12]\nerror EACCES listen EACCES 127\.0\.0\.1:0: the eBPF service is unavailable \(the eBPF service did not answer within 300 ms\) and EBPF_HOOK_FAIL=closed\n/, r.out + r.err);
  });

  test('the service hangs up while a lane request waits: DISCONNECTED at once, then the hook reconnects', async () => {
    onLaneRequest = (socket) => socket.destroy();
    const r = await underHook(apps, 'hangup.mjs', LISTEN_OVER_LANE(2), { EBPF_HOME: home, EBPF_HOOK_FAIL: 'closed', EBPF_HOOK_TIMEOUT_MS: '60000' });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^listening\nlane fds \d\nerror EACCES listen EACCES 127\.0\.0\.1:0: the eBPF service is unavailable \(the eBPF service closed the connection\) and EBPF_HOOK_FAIL=closed\nlistening\n/, r.out + r.err);
    assert.equal(existsSync(join(home, 'service.sock')), true);
  });
});
