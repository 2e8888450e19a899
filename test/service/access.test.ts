import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { ApiError, socketApi } from '../../src/client/index.ts';
import { ExecutionError } from '../../src/engines/engine.ts';
import { compileTestProgram } from '../support/compile.ts';
import { repoRoot } from '../support/paths.ts';
import type { RunningService } from '../../src/service/daemon.ts';
import { MAX_BODY_BYTES } from '../../src/service/server.ts';
import { MemoryBackend } from './support/memory-backend.ts';
import { rawRequest, removeHome, startTestService, tempHome } from './support/service.ts';

const call = (name: string, params: unknown = {}) => JSON.stringify({ call: name, params });

describe('who may talk to the service', () => {
  const home = tempHome();
  let service: RunningService;
  let http: { port: number };
  let good: Record<string, string>;
  before(async () => {
    service = await startTestService(home, new MemoryBackend());
    http = { port: service.httpPort };
    good = { host: `127.0.0.1:${service.httpPort}`, authorization: `Bearer ${service.token}`, 'content-type': 'application/json' };
  });
  after(async () => {
    await service?.stop();
    removeHome(home);
  });

  test('the state directory is 0700 and the socket and the token file are 0600', () => {
    assert.equal(statSync(home).mode & 0o777, 0o700);
    assert.equal(statSync(service.paths.socket).mode & 0o777, 0o600);
    assert.equal(statSync(service.paths.http).mode & 0o777, 0o600);
  });

  test('another Unix user cannot connect to the socket', { skip: process.getuid?.() !== 0 ? 'needs root to act as another user' : false }, () => {
    const script = `require('net').connect(${JSON.stringify(service.paths.socket)}).on('connect',()=>process.exit(0)).on('error',e=>{console.log(e.code);process.exit(3)})`;
    const r = spawnSync(process.execPath, ['-e', script], { uid: 65534, gid: 65534, encoding: 'utf8' });
    assert.equal(r.status, 3);
    assert.equal(r.stdout.trim(), 'EACCES');
  });

  test('HTTP with the token, a loopback Host and no Origin is served', async () => {
    const r = await rawRequest(http, { headers: good, body: call('status') });
    assert.equal(r.status, 200);
    assert.equal(r.json.ok, true);
  });

  test('HTTP with a loopback Origin is served', async () => {
    const r = await rawRequest(http, { headers: { ...good, origin: `http://localhost:${service.httpPort}` }, body: call('status') });
    assert.equal(r.status, 200);
  });

  test('HTTP without the token is refused with 401', async () => {
    const { authorization: _a, ...noToken } = good;
    const r = await rawRequest(http, { headers: noToken, body: call('status') });
    assert.equal(r.status, 401);
    assert.equal(r.json.error?.code, 'UNAUTHORIZED');
  });

  test('HTTP with a wrong token is refused with 401', async () => {
    const r = await rawRequest(http, { headers: { ...good, authorization: `Bearer ${service.token.slice(1)}x` }, body: call('status') });
    assert.equal(r.status, 401);
  });

  test('HTTP with a foreign Origin is refused with 403', async () => {
    const r = await rawRequest(http, { headers: { ...good, origin: 'https://evil.example' }, body: call('status') });
    assert.equal(r.status, 403);
    assert.match(r.json.error!.message, /Origin/);
  });

  test('HTTP with a non-loopback Host (DNS rebinding) is refused with 403', async () => {
    const r = await rawRequest(http, { headers: { ...good, host: `evil.example:${service.httpPort}` }, body: call('status') });
    assert.equal(r.status, 403);
    assert.match(r.json.error!.message, /Host/);
  });

  test('the token may come as a query parameter (for EventSource)', async () => {
    const { authorization: _a, ...noToken } = good;
    const r = await rawRequest(http, { path: `/v1/call?token=${service.token}`, headers: noToken, body: call('status') });
    assert.equal(r.status, 200);
  });
});

describe('bad requests get clear errors and change nothing', () => {
  const home = tempHome();
  let service: RunningService;
  const sock = () => ({ socketPath: service.paths.socket });
  const h = { host: 'localhost' };
  const state = async () => JSON.stringify([(await rawRequest(sock(), { headers: h, body: call('maps.list') })).json, (await rawRequest(sock(), { headers: h, body: call('pins.list') })).json]);
  let before_: string;
  before(async () => {
    service = await startTestService(home, new MemoryBackend());
    await rawRequest(sock(), { headers: h, body: call('maps.create', { type: 'hash', keySize: 4, valueSize: 4, maxEntries: 2, name: 'm', pinPath: 'm' }) });
    before_ = await state();
  });
  after(async () => {
    await service?.stop();
    removeHome(home);
  });

  const cases: [string, { path?: string; method?: string; body?: string | Buffer }, number, string][] = [
    ['malformed JSON', { body: '{"call": "maps.list",' }, 400, 'BAD_JSON'],
    ['a body that is not a call', { body: '[1,2]' }, 400, 'BAD_REQUEST'],
    ['an unknown call', { body: call('maps.explode') }, 404, 'UNKNOWN_CALL'],
    ['a call named after an Object property', { body: call('constructor') }, 404, 'UNKNOWN_CALL'],
    ['an unknown id', { body: call('maps.lookup', { id: 999, key: '00000000' }) }, 404, 'NOT_FOUND'],
    ['an id of the wrong type', { body: call('maps.update', { id: '1', key: '00000000', value: '00000000' }) }, 400, 'BAD_REQUEST'],
    ['a negative id', { body: call('programs.delete', { id: -1 }) }, 400, 'BAD_REQUEST'],
    ['a key that is not hex', { body: call('maps.update', { id: 1, key: 'zz', value: '00000000' }) }, 400, 'BAD_REQUEST'],
    ['params that are not an object', { body: JSON.stringify({ call: 'maps.list', params: 5 }) }, 400, 'BAD_REQUEST'],
    ['a pin path above the root', { body: call('pins.pin', { kind: 'map', id: 1, path: '/..' }) }, 400, 'BAD_PIN_PATH'],
    ['a pin path already taken', { body: call('pins.pin', { kind: 'map', id: 1, path: 'BPF:/m' }) }, 422, 'PIN_EXISTS'],
    ['an unknown route', { path: '/v1/nothing' }, 404, 'UNKNOWN_ROUTE'],
    ['a GET of the call route', { method: 'GET' }, 405, 'METHOD'],
    ['a body over the size cap', { body: Buffer.alloc(MAX_BODY_BYTES + 10, 0x20) }, 413, 'TOO_LARGE'],
    ['a program that cannot run', { body: call('programs.testRun', { id: 1 }) }, 404, 'NOT_FOUND'],
  ];
  for (const [what, request, status, code] of cases) {
    test(`${what} gets ${status} ${code}`, async () => {
      const r = await rawRequest(sock(), { ...request, headers: { host: 'localhost', 'content-type': 'application/json' } });
      assert.equal(r.status, status, r.body);
      assert.equal(r.json.error?.code, code);
      assert.ok(r.json.error!.message.length > 0);
      assert.equal(await state(), before_);
    });
  }

  test('the service still answers after every refused request', async () => {
    const r = await rawRequest(sock(), { headers: h, body: call('status') });
    assert.equal(r.status, 200);
  });
});

describe('the event stream', () => {
  const home = tempHome();
  let service: RunningService;
  let backend: MemoryBackend;
  before(async () => {
    backend = new MemoryBackend();
    service = await startTestService(home, backend);
  });
  after(async () => {
    await service?.stop();
    removeHome(home);
  });

  test('reports maps created, pinned, updated and unpinned, and trace output, in order', async () => {
    const api = socketApi({ EBPF_HOME: home });
    const events: string[] = [];
    const stop = await api.watch((e) => events.push(e.type === 'pinned' || e.type === 'unpinned' ? `${e.type} ${e.path}` : e.type));
    const m = await api.call('maps.create', { type: 'array', keySize: 4, valueSize: 4, maxEntries: 1, name: 'counts', pinPath: 'counts' });
    await api.call('maps.update', { id: m.id, key: '00000000', value: '01000000' });
    await api.call('pins.unpin', { path: 'counts' });
    backend.trace(7, 'hello');
    await api.call('status', {});
    await new Promise((r) => setTimeout(r, 50));
    stop();
    await api.close();
    assert.deepEqual(events, ['map-created', 'pinned BPF:\\counts', 'map-updated', 'unpinned BPF:\\counts', 'map-deleted', 'trace']);
  });
});

describe('the line door on the socket', () => {
  const home = tempHome();
  let service: RunningService;
  before(async () => {
    service = await startTestService(home, new MemoryBackend());
  });
  after(async () => {
    await service?.stop();
    removeHome(home);
  });

  const exchange = (text: string, replies: number) =>
    new Promise<string[]>((resolve, reject) => {
      const socket = connect(service.paths.socket);
      let got = '';
      socket.on('data', (c) => {
        got += c.toString();
        if (got.split('\n').length > replies) {
          socket.destroy();
          resolve(got.trim().split('\n'));
        }
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(got.trim().split('\n')));
      socket.write(text);
    });

  test('pipelined calls each get their reply, matched by id', async () => {
    const replies = (await exchange('{"id":1,"call":"pins.list"}\n{"id":2,"call":"maps.list"}\n{"id":3,"call":"nope"}\n', 3)).map((l) => JSON.parse(l));
    assert.deepEqual(replies.map((r) => [r.id, r.ok]).sort(), [[1, true], [2, true], [3, false]]);
    assert.equal(replies.find((r) => r.id === 3).error.code, 'UNKNOWN_CALL');
  });

  test('a line that is not JSON gets BAD_JSON and the connection keeps serving', async () => {
    const replies = (await exchange('{"id":1,"call"\n{"id":2,"call":"status"}\n', 2)).map((l) => JSON.parse(l));
    assert.equal(replies[0].error.code, 'BAD_JSON');
    assert.equal(replies[1].ok, true);
  });

  test('a line over the size cap gets TOO_LARGE and the connection is closed', async () => {
    const replies = await exchange(`{"id":1,"call":"status","params":{"x":"${'a'.repeat(MAX_BODY_BYTES + 10)}`, 1);
    assert.equal(JSON.parse(replies[0]!).error.code, 'TOO_LARGE');
  });
});

describe('a program that fails at run time', () => {
  class FaultyBackend extends MemoryBackend {
    override async testRun(): Promise<never> {
      throw new ExecutionError('OUT_OF_BOUNDS', 7, 'load of 8 bytes at 0xfffffff0 is outside the arena');
    }
  }
  const home = tempHome();
  let service: RunningService;
  before(async () => {
    service = await startTestService(home, new FaultyBackend());
  });
  after(async () => {
    await service?.stop();
    removeHome(home);
  });

  test('fails its own call with the fault, and the service goes on', async () => {
    const api = socketApi({ EBPF_HOME: home });
    try {
      const object = await compileTestProgram(join(repoRoot, 'examples', 'TraceConnections.c'));
      const loaded = await api.call('programs.load', { path: object, pinned: 'none' });
      await assert.rejects(api.call('programs.testRun', { id: loaded.programIds[0]!, repeat: 3 }), (e: unknown) => e instanceof ApiError && e.code === 'OUT_OF_BOUNDS' && /pc 7/.test(e.message));
      assert.equal((await api.call('programs.list', {})).length, 1);
    } finally {
      await api.close();
    }
  });
});
