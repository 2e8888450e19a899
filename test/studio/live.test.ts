// The Studio's live reads, without a browser: a map's entries and then only what changed since the
// version the page has (updates, deletes, test runs, a page too far behind), and ring buffer and perf
// event array records as a stream that goes on past the ring's size, because the Studio consumes them;
// and native modules uploaded through the Studio's load route going the native loader's way.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { LoadResult, MapEntry, MapInfo } from '../../src/client/api.ts';
import { buildNativeModule } from '../../src/native/index.ts';
import { changedKeys, type EntriesRead } from '../../src/studio/entries.ts';
import type { StreamRead } from '../../src/studio/streams.ts';
import { freshHome } from '../native/support.ts';
import { compileTestProgram } from '../support/compile.ts';
import { rawRequest } from '../service/support/service.ts';
import { startStudioService, type StudioService } from './support.ts';

const here = new URL('.', import.meta.url).pathname;
const b = (...bytes: number[]) => new Uint8Array(bytes);
const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

/** A bind_md_t for a test run by process `pid` (operation BIND). */
function bindContext(pid: number): string {
  const context = Buffer.alloc(56);
  context.writeBigUInt64LE(BigInt(pid), 16);
  return context.toString('hex');
}

describe('what changed between two listings', () => {
  const before = { keys: [b(1), b(2), b(3)], values: [b(10), b(20), b(30)] };
  test('values changed in place and keys added at the end', () => {
    assert.deepEqual(changedKeys(before, [{ key: b(1), value: b(10) }, { key: b(2), value: b(21) }, { key: b(3), value: b(30) }, { key: b(4), value: b(40) }]), [latin1(b(2)), latin1(b(4))]);
  });
  test('a key removed in the middle, and the rest moved up unchanged', () => {
    assert.deepEqual(changedKeys(before, [{ key: b(1), value: b(10) }, { key: b(3), value: b(30) }]), [latin1(b(2))]);
  });
  test('keys in another order with one value changed', () => {
    assert.deepEqual(changedKeys(before, [{ key: b(3), value: b(30) }, { key: b(1), value: b(11) }, { key: b(2), value: b(20) }]), [latin1(b(1))]);
  });
  test('nothing changed', () => {
    assert.deepEqual(changedKeys(before, [{ key: b(1), value: b(10) }, { key: b(2), value: b(20) }, { key: b(3), value: b(30) }]), []);
  });
});

describe('the Studio live routes', () => {
  let studio: StudioService;
  let live: string;
  before(async () => {
    live = await compileTestProgram(`${here}programs/live_records.c`);
    studio = await startStudioService();
  });
  after(() => studio?.stop());

  const call = <T>(name: string, params: unknown) => studio.service.host.call(name, params) as Promise<T>;
  const get = async <T>(path: string): Promise<{ status: number; result: T; error?: { code: string; message: string } }> => {
    const reply = await rawRequest({ port: studio.service.httpPort }, { method: 'GET', path, headers: { host: `127.0.0.1:${studio.service.httpPort}`, authorization: `Bearer ${studio.service.token}` } });
    const body = JSON.parse(reply.body) as { result: T; error?: { code: string; message: string } };
    return { status: reply.status, ...body };
  };

  test('an uploaded native module is loaded as one whatever its name; a broken one is refused naming why, nothing loaded', async () => {
    const post = async (path: string, body: Uint8Array) => {
      const reply = await rawRequest({ port: studio.service.httpPort }, { path, headers: { host: `127.0.0.1:${studio.service.httpPort}`, authorization: `Bearer ${studio.service.token}` }, body: Buffer.from(body) });
      return { status: reply.status, ...(JSON.parse(reply.body) as { error?: { code: string; message: string } }) };
    };
    const before = (await call<unknown[]>('programs.list', {})).length;
    const { key } = freshHome();
    const module = buildNativeModule(new Uint8Array(readFileSync(live)), { name: 'live_records.o', key }).bytes;
    // This service trusts no key and is not in test-signing mode: the native loader itself refuses it.
    const renamed = await post('/studio/load?name=module.bin', module);
    assert.equal(renamed.error?.code, 'LOAD_FAILED');
    assert.match(renamed.error!.message, /module\.bin\.wasm: the module is signed by key [0-9a-f]{16}, which is not trusted/);
    const random = await post('/studio/load?name=random.wasm', new Uint8Array(64).fill(7));
    assert.equal(random.error?.code, 'OPEN_FAILED');
    assert.match(random.error!.message, /^random\.wasm: /);
    const notNative = await post('/studio/inspect?name=live.wasm', new Uint8Array(readFileSync(live)));
    assert.equal(notNative.error?.code, 'OPEN_FAILED');
    // Inspected before loading, the module shows its programs as an object does.
    const inspected = await rawRequest({ port: studio.service.httpPort }, { path: '/studio/inspect?name=live_records.wasm', headers: { host: `127.0.0.1:${studio.service.httpPort}`, authorization: `Bearer ${studio.service.token}` }, body: Buffer.from(module) });
    const programs = (JSON.parse(inspected.body) as { result: { programs: { name: string; verification: { ok?: boolean } }[] } }).result.programs;
    assert.deepEqual(programs.map((p) => [p.name, p.verification.ok]), [['LiveRecords', true]]);
    assert.equal((await call<unknown[]>('programs.list', {})).length, before);
  });

  test('a map is listed whole once, then only what changed since the version the page has', async () => {
    const map = await call<MapInfo>('maps.create', { name: 'diffed', type: 'hash', keySize: 4, valueSize: 8, maxEntries: 1000, pinPath: 'BPF:\\diffed' });
    for (let i = 0; i < 100; i++) await call('maps.update', { id: map.id, key: Buffer.from(new Uint32Array([i]).buffer).toString('hex'), value: Buffer.alloc(8, i).toString('hex') });
    const first = (await get<EntriesRead>(`/studio/maps/${map.id}/entries`)).result;
    assert.equal(first.full, true);
    assert.equal(first.entries.length, 100);
    assert.equal(first.count, 100);

    // Nothing changed: nothing comes, at the same version.
    const quiet = (await get<EntriesRead>(`/studio/maps/${map.id}/entries?since=${first.version}`)).result;
    assert.deepEqual(quiet, { version: first.version, full: false, entries: [], removed: [], count: 100 });

    // One update, one insert, one delete: exactly those.
    await call('maps.update', { id: map.id, key: '05000000', value: 'ffffffffffffffff' });
    await call('maps.update', { id: map.id, key: 'e8030000', value: '0100000000000000' });
    await call('maps.delete', { id: map.id, key: '07000000' });
    const diff = (await get<EntriesRead>(`/studio/maps/${map.id}/entries?since=${first.version}`)).result;
    assert.equal(diff.full, false);
    assert.ok(diff.version > first.version);
    assert.deepEqual(diff.entries.map((e) => [e.key, e.value]).sort(), [['05000000', 'ffffffffffffffff'], ['e8030000', '0100000000000000']]);
    assert.deepEqual(diff.removed, ['07000000']);
    assert.equal(diff.count, 100);

    // A second page still at the first version gets the union of both steps; one at the newest gets the last step only.
    await call('maps.update', { id: map.id, key: '09000000', value: '0900000000000009' });
    const behind = (await get<EntriesRead>(`/studio/maps/${map.id}/entries?since=${first.version}`)).result;
    assert.deepEqual(behind.entries.map((e) => e.key).sort(), ['05000000', '09000000', 'e8030000']);
    assert.deepEqual(behind.removed, ['07000000']);
    const current = (await get<EntriesRead>(`/studio/maps/${map.id}/entries?since=${diff.version}`)).result;
    assert.equal(current.version, behind.version);
    assert.deepEqual([current.full, current.entries.map((e) => e.key), current.removed], [false, ['09000000'], []]);

    // A version the Studio never gave (or forgot) brings everything again.
    const unknown = (await get<EntriesRead>(`/studio/maps/${map.id}/entries?since=999999`)).result;
    assert.equal(unknown.full, true);
    assert.equal(unknown.entries.length, 100);
    assert.equal(unknown.entries.find((e) => e.key === '09000000')?.value, '0900000000000009');
  });

  test('a test run\'s changes come as changed entries, decoded by the service only where the page has no layout', async () => {
    const loaded = await call<LoadResult>('programs.load', { path: live, fileName: 'live_records.o', pinned: 'none' });
    const maps = await call<MapInfo[]>('maps.list', {});
    const counts = maps.find((m) => m.name === 'per_cpu_counts' && loaded.mapIds.includes(m.id))!;
    const first = (await get<EntriesRead>(`/studio/maps/${counts.id}/entries`)).result;
    assert.equal(first.entries.length, 2);
    // The page decodes this map through its BTF layout: the service sends bytes only.
    assert.equal(first.entries[0]!.decodedValue, undefined);
    await call('programs.testRun', { id: loaded.programIds[0], contextIn: bindContext(7), dataIn: Buffer.from('app').toString('hex'), repeat: 2 });
    const diff = (await get<EntriesRead>(`/studio/maps/${counts.id}/entries?since=${first.version}`)).result;
    assert.equal(diff.full, false);
    assert.deepEqual(diff.entries.map((e: MapEntry) => e.key), ['00000000']);
    // CPU 0's slot: runs 2, bytes 6; every other CPU's slot is zero.
    const value = Buffer.from(diff.entries[0]!.value, 'hex');
    assert.equal(value.length, 16 * studio.runtime.cpuCount);
    assert.equal(value.readBigUInt64LE(0), 2n);
    assert.equal(value.readBigUInt64LE(8), 6n);
    assert.ok(value.subarray(16).every((x) => x === 0));
    await call('programs.delete', { id: loaded.programIds[0] });
  });

  test('ring buffer and perf records stream past the ring\'s size, each read after the last number the page has', async () => {
    const loaded = await call<LoadResult>('programs.load', { path: live, fileName: 'live_records.o', pinned: 'none' });
    const maps = await call<MapInfo[]>('maps.list', {});
    const ring = maps.find((m) => m.name === 'events' && loaded.mapIds.includes(m.id))!;
    const perf = maps.find((m) => m.name === 'perf_events' && loaded.mapIds.includes(m.id))!;
    const run = (pid: number, repeat: number) => call('programs.testRun', { id: loaded.programIds[0], contextIn: bindContext(pid), repeat });
    let last = 0;
    let perfLast = 0;
    const seen: bigint[] = [];
    const cpus: number[] = [];
    // The ring holds 256 bytes: 8 records of 24 bytes with their 8-byte headers. Four rounds of 5 runs are 20 records.
    for (let round = 0; round < 4; round++) {
      await run(100 + round, 5);
      const read = (await get<StreamRead>(`/studio/maps/${ring.id}/records?after=${last}`)).result;
      assert.deepEqual(read.records.map((r) => r.seq), [1, 2, 3, 4, 5].map((n) => last + n));
      for (const r of read.records) seen.push(Buffer.from(r.data, 'hex').readBigUInt64LE(0));
      last = read.last;
      const perfRead = (await get<StreamRead>(`/studio/maps/${perf.id}/records?after=${perfLast}`)).result;
      assert.equal(perfRead.records.length, 5);
      cpus.push(...perfRead.records.map((r) => r.cpu!));
      perfLast = perfRead.last;
    }
    assert.equal(last, 20);
    assert.deepEqual(seen, [100n, 100n, 100n, 100n, 100n, 101n, 101n, 101n, 101n, 101n, 102n, 102n, 102n, 102n, 102n, 103n, 103n, 103n, 103n, 103n]);
    // Test runs run on CPU 0.
    assert.deepEqual(new Set(cpus), new Set([0]));
    // A page that starts later gets every record kept; nothing new means nothing.
    const all = (await get<StreamRead>(`/studio/maps/${ring.id}/records`)).result;
    assert.deepEqual([all.records.length, all.oldest, all.last], [20, 1, 20]);
    assert.deepEqual((await get<StreamRead>(`/studio/maps/${ring.id}/records?after=20`)).result.records, []);
    // Bad requests name what is wrong.
    const notStream = await get(`/studio/maps/${maps.find((m) => m.name === 'per_cpu_counts' && loaded.mapIds.includes(m.id))!.id}/records`);
    assert.equal(notStream.status, 400);
    assert.match(notStream.error!.message, /is a percpu_array: only ring buffers and perf event arrays stream records/);
    const badAfter = await get(`/studio/maps/${ring.id}/records?after=-1`);
    assert.equal(badAfter.status, 400);
    assert.match(badAfter.error!.message, /'after' must be an integer from 0/);
    const badSince = await get(`/studio/maps/${ring.id}/entries?since=x`);
    assert.match(badSince.error!.message, /'since' must be an integer from 0/);
    const gone = await get('/studio/maps/99999/records');
    assert.equal(gone.status, 404);
    await call('programs.delete', { id: loaded.programIds[0] });
  });
});
